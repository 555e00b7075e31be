import { afterEach, describe, expect, it } from 'vitest';
import { describeAdapter, exposeWebGpu, gpuApiFor, probeWebGpu, takeDeviceErrors, throwOnDeviceErrors, watchDeviceErrors } from './webgpu';

const LIMITS = { maxBufferSize: 268435456, maxStorageBufferBindingSize: 134217728, maxComputeWorkgroupStorageSize: 16384, maxComputeInvocationsPerWorkgroup: 256, maxTextureDimension2D: 8192 };

describe('describeAdapter', () => {
  it('keeps vendor, architecture, API and the limits that bound model size; trims blanks', () => {
    const a = describeAdapter({ info: { vendor: 'apple', architecture: 'metal-3', device: '', description: ' Apple M2 ' }, limits: LIMITS }, 'Metal');
    expect(a).toEqual({
      name: 'apple metal-3 (Apple M2), Metal',
      vendor: 'apple',
      architecture: 'metal-3',
      device: '',
      description: 'Apple M2',
      api: 'Metal',
      software: false,
      limits: { maxBufferSize: 268435456, maxStorageBufferBindingSize: 134217728, maxComputeWorkgroupStorageSize: 16384, maxComputeInvocationsPerWorkgroup: 256 },
    });
  });

  it.each([
    [{ vendor: 'google', architecture: 'swiftshader', isFallbackAdapter: true }, 'the adapter reports isFallbackAdapter'],
    [{ vendor: 'mesa', device: 'llvmpipe (LLVM 15.0.6, 256 bits)' }, '"llvmpipe" is a software renderer'],
    [{ vendor: 'mesa', description: 'lavapipe' }, '"lavapipe" is a software renderer'],
    [{ vendor: 'microsoft', description: 'Microsoft Basic Render Driver' }, '"Microsoft Basic Render" is a software renderer'],
  ])('flags software adapters: %o', (info, why) => {
    expect(describeAdapter({ info, limits: LIMITS }, 'Vulkan')).toMatchObject({ software: true, softwareReason: why });
  });

  it('does not flag real GPUs whose names merely contain similar words', () => {
    for (const description of ['NVIDIA GeForce RTX 4090', 'AMD Radeon RX 7900 XTX', 'Intel(R) Arc(TM) A770 Graphics', 'Apple M3 Max']) {
      expect(describeAdapter({ info: { description }, limits: LIMITS }, 'Vulkan').software).toBe(false);
    }
  });

  it('names an adapter with no info fields', () => {
    expect(describeAdapter({ limits: LIMITS }, 'Direct3D 12').name).toBe('unnamed adapter, Direct3D 12');
  });
});

describe('gpuApiFor', () => {
  it('maps each platform to the API Dawn drives there', () => {
    expect([gpuApiFor('darwin'), gpuApiFor('win32'), gpuApiFor('linux')]).toEqual(['Metal', 'Direct3D 12', 'Vulkan']);
  });
});

describe('probeWebGpu', () => {
  it('reports a broken package, a create() that throws, and a module without create()', async () => {
    const broken = await probeWebGpu(async () => {
      throw new Error('dawn.node: invalid ELF header');
    }, 'linux');
    expect(broken).toEqual({ ok: false, status: 'failed', reason: 'Dawn (the `webgpu` package) failed to load: dawn.node: invalid ELF header' });
    const throws = await probeWebGpu(async () => ({ globals: {}, create: () => { throw new Error('no suitable backends found'); } }), 'win32');
    expect(throws).toEqual({ ok: false, status: 'failed', reason: 'Dawn could not start Direct3D 12: no suitable backends found' });
    const odd = await probeWebGpu(async () => ({}), 'linux');
    expect(odd).toMatchObject({ ok: false, status: 'failed', reason: 'the `webgpu` package loaded but exports no create()' });
  });
});

describe('probeWebGpu instances', () => {
  it('creates one Dawn instance per module and API however often it probes (a second one crashes dawn.node)', async () => {
    const created: string[][] = [];
    const adapter = { info: { vendor: 'amd', architecture: 'rdna-3' }, limits: LIMITS };
    const dawn = { globals: {}, create: (f: string[]) => (created.push(f), { requestAdapter: async () => adapter }) };
    const a = await probeWebGpu(async () => dawn, 'linux');
    const b = await probeWebGpu(async () => dawn, 'linux');
    expect(created).toEqual([['backend=vulkan']]);
    expect(a.ok && b.ok && a.gpu === b.gpu).toBe(true);
  });
});

describe('exposeWebGpu', () => {
  const g = globalThis as Record<string, unknown>;
  afterEach(() => {
    delete g.navigator;
    delete g.GPUBufferUsage;
  });

  it('creates navigator when absent (Node 20) and adds the GPU* globals', () => {
    const gpu = { requestAdapter: async () => null };
    exposeWebGpu(gpu, { GPUBufferUsage: { STORAGE: 128 } });
    expect((g.navigator as { gpu: unknown }).gpu).toBe(gpu);
    expect(g.GPUBufferUsage).toEqual({ STORAGE: 128 });
  });

  it('adds gpu to an existing navigator (Node 21+, Electron) without replacing it or existing globals', () => {
    const nav = { userAgent: 'Node.js/22' };
    Object.defineProperty(globalThis, 'navigator', { value: nav, configurable: true, writable: false });
    g.GPUBufferUsage = 'kept';
    const gpu = {};
    exposeWebGpu(gpu, { GPUBufferUsage: { STORAGE: 128 } });
    expect(g.navigator).toBe(nav);
    expect((nav as { gpu?: unknown }).gpu).toBe(gpu);
    expect(g.GPUBufferUsage).toBe('kept');
  });
});

describe('device errors', () => {
  /** A device that dispatches 'uncapturederror' like Dawn's GPUDevice. */
  function fakeDevice() {
    const listeners: ((e: { error?: { message?: string } }) => void)[] = [];
    return {
      listeners,
      device: { addEventListener: (_t: string, cb: (e: { error?: { message?: string } }) => void) => listeners.push(cb) },
      fire: (message: string) => listeners.forEach((cb) => cb({ error: { message } })),
    };
  }

  it('turns an uncaptured GPU error into a thrown error naming where and what, once', () => {
    const f = fakeDevice();
    expect(watchDeviceErrors({ device: f.device })).toBe(true);
    expect(watchDeviceErrors({ device: f.device })).toBe(true);
    expect(f.listeners).toHaveLength(1); // watched once
    expect(() => throwOnDeviceErrors('at step 1')).not.toThrow();
    f.fire("Error while parsing WGSL: :148:43 error: cannot index type 'vec5'\n  let end = vec5(...)\n\n - While calling [Device].CreateShaderModule");
    f.fire('[Invalid ShaderModule "PadProgram"] is invalid due to a previous error.');
    expect(() => throwOnDeviceErrors('at step 7')).toThrow(
      /^the GPU reported 2 error\(s\) at step 7, so results computed since are wrong .*cannot index type 'vec5' let end = vec5\(\.\.\.\)/,
    );
    expect(takeDeviceErrors()).toEqual([]); // reported once
  });

  it('ignores backends without a device (cpu, tensorflow)', () => {
    expect(watchDeviceErrors({})).toBe(false);
    expect(watchDeviceErrors(null)).toBe(false);
  });
});
