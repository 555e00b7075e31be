import * as tf from '@tensorflow/tfjs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { BackendSelectionError, formatBackendReport, probeCudaLibraries, selectBackend, type CudaProbe, type ModuleLoader } from './select';

const GPU = '@tensorflow/tfjs-node-gpu';
const NODE = '@tensorflow/tfjs-node';
const CUDA_OK: CudaProbe = { ok: true, found: { 'libcudart.so.11.0': '/usr/lib/libcudart.so.11.0' }, missing: [], searched: ['ldconfig -p'], hints: [] };
const CUDA_MISSING: CudaProbe = {
  ok: false,
  found: { 'libcuda.so.1': '/usr/lib/libcuda.so.1' },
  missing: ['libcudart.so.11.0', 'libcudnn.so.8'],
  searched: ['ldconfig -p'],
  hints: ['libcudnn.so.8 (cuDNN 8) not found'],
};
const BINDING_ERROR = 'The Node.js native addon module (tfjs_binding.node) can not be found at path: /app/node_modules/@tensorflow/tfjs-node/lib/napi-v8/tfjs_binding.node';

/** What a working backend package does on import: register its backend (here backed by the cpu class). */
function registerFakeTensorflow(isUsingGpuDevice?: boolean, initError?: string, name = 'tensorflow') {
  const cpuFactory = tf.findBackendFactory('cpu');
  tf.registerBackend(name, () => {
    if (initError) throw new Error(initError);
    const b = cpuFactory() as tf.KernelBackend & { isUsingGpuDevice?: boolean };
    if (isUsingGpuDevice !== undefined) b.isUsingGpuDevice = isUsingGpuDevice;
    return b;
  });
}

/** Dawn (the `webgpu` package) offering a given adapter, or none. */
type DawnFake = 'dawn-no-adapter' | 'dawn-software' | 'dawn-llvmpipe' | 'dawn-gpu' | 'dawn-no-vulkan';
type Fake = 'absent' | 'broken' | 'working' | 'gpu-device' | 'no-gpu-device' | 'registers-nothing' | 'init-fails' | 'registers-webgpu' | DawnFake;

const LIMITS = { maxBufferSize: 2 ** 32, maxStorageBufferBindingSize: 2 ** 31, maxComputeWorkgroupStorageSize: 32768, maxComputeInvocationsPerWorkgroup: 1024 };
const ADAPTERS: Record<Exclude<DawnFake, 'dawn-no-adapter' | 'dawn-no-vulkan'>, object> = {
  'dawn-software': { info: { vendor: 'google', architecture: 'swiftshader', device: 'swiftshader-device-subzero-', description: 'SwiftShader driver 5.0.0', isFallbackAdapter: true }, limits: LIMITS },
  'dawn-llvmpipe': { info: { vendor: 'mesa', architecture: '', device: 'llvmpipe (LLVM 15.0.6, 256 bits)', description: 'Mesa 22.3.6' }, limits: LIMITS },
  'dawn-gpu': { info: { vendor: 'nvidia', architecture: 'ampere', device: '', description: 'NVIDIA GeForce RTX 3060', isFallbackAdapter: false }, limits: LIMITS },
};
/** A fake `webgpu` module; records the flags create() got. */
function fakeDawn(kind: DawnFake, flags: string[][]) {
  if (kind === 'dawn-no-vulkan') throw new Error('Couldn\'t load Vulkan: libvulkan.so.1: cannot open shared object file');
  return {
    globals: { GPUBufferUsage: { STORAGE: 128 } },
    create(f: string[]) {
      flags.push(f);
      return { requestAdapter: async () => (kind === 'dawn-no-adapter' ? null : ADAPTERS[kind]) };
    },
  };
}
/** A loader simulating each package's state, recording which packages were imported. */
function fakeLoader(pkgs: Record<string, Fake>): ModuleLoader & { loaded: string[]; dawnFlags: string[][] } {
  const loaded: string[] = [];
  const dawnFlags: string[][] = [];
  return {
    loaded,
    dawnFlags,
    installedVersion: (pkg) => (pkgs[pkg] && pkgs[pkg] !== 'absent' ? '4.22.0' : null),
    async load(pkg) {
      loaded.push(pkg);
      switch (pkgs[pkg] ?? 'absent') {
        case 'absent':
          throw Object.assign(new Error(`Cannot find package '${pkg}' imported from /app/x.js`), { code: 'ERR_MODULE_NOT_FOUND' });
        case 'broken':
          throw new Error(BINDING_ERROR);
        case 'working':
          registerFakeTensorflow();
          break;
        case 'gpu-device':
          registerFakeTensorflow(true);
          break;
        case 'no-gpu-device':
          registerFakeTensorflow(false);
          break;
        case 'init-fails':
          registerFakeTensorflow(undefined, 'CUDA_ERROR_NO_DEVICE: no CUDA-capable device is detected');
          break;
        case 'registers-nothing':
          break;
        case 'registers-webgpu':
          registerFakeTensorflow(undefined, undefined, 'webgpu');
          break;
        default:
          return fakeDawn(pkgs[pkg] as DawnFake, dawnFlags);
      }
      return {};
    },
  };
}

afterEach(async () => {
  await tf.setBackend('cpu');
  for (const b of ['tensorflow', 'webgpu']) if (tf.findBackendFactory(b)) tf.removeBackend(b);
  delete (globalThis as { navigator?: unknown }).navigator;
});

const byName = (r: { candidates: { name: string; status: string; reason: string }[] }) => Object.fromEntries(r.candidates.map((c) => [c.name, c]));

describe('selectBackend on this machine (no native packages, no GPU)', () => {
  it('chooses cpu and says why each better backend was not taken', async () => {
    const r = await selectBackend({ env: {}, cudaProbe: () => CUDA_OK });
    expect(r.chosen).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    // webgpu: Dawn is installed here; with no Vulkan driver it finds no adapter, with the
    // SwiftShader ICD (test/webgpu/) it finds a software one: never chosen automatically.
    expect(r.candidates.map((c) => [c.name, c.name === 'webgpu' ? 'not chosen' : c.status])).toEqual([
      ['tensorflow-gpu', 'unavailable'],
      ['webgpu', 'not chosen'],
      ['tensorflow', 'unavailable'],
      ['wasm', 'skipped'],
      ['cpu', 'chosen'],
    ]);
    const c = byName(r);
    expect(c['tensorflow-gpu'].reason).toMatch(/^not installed/);
    expect(c.webgpu.status).not.toBe('chosen');
    expect(c.webgpu.reason).toMatch(/Dawn|software adapter/);
    expect(c.wasm.reason).toContain('Conv3D input gradient is wrong');
    expect(r.candidates[0].package).toBe(GPU);
    expect(r.threads).toBe(1);
    expect(r.tfjsVersion).toBe('4.22.0');
    expect(r.versions).toMatchObject({ node: process.versions.node, tfjs: '4.22.0', platform: process.platform, arch: process.arch });
    expect(r.forcedBy).toBeUndefined();
  });

  it("takes wasm (installed) for purpose 'matmul', single-threaded, and never for conv3d", async () => {
    const r = await selectBackend({ env: {}, purpose: 'matmul', cudaProbe: () => CUDA_OK });
    expect(r.chosen).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(r.device).toBe('CPU (WebAssembly)');
    expect(r.threads).toBe(1);
    expect(byName(r).wasm.reason).toMatch(/^@tensorflow\/tfjs-backend-wasm 4\.22\.0; runs on CPU \(WebAssembly\)/);
    await tf.setBackend('cpu');
    expect((await selectBackend({ env: {}, cudaProbe: () => CUDA_OK })).chosen).toBe('cpu');
  });
});

describe('selectBackend with injected loaders', () => {
  it('not installed → says so and takes the next candidate', async () => {
    const loader = fakeLoader({ [NODE]: 'working' });
    const r = await selectBackend({ env: {}, loader, cudaProbe: () => CUDA_OK });
    expect(r.chosen).toBe('tensorflow');
    expect(tf.getBackend()).toBe('tensorflow');
    const c = byName(r);
    expect(c['tensorflow-gpu']).toMatchObject({ status: 'unavailable' });
    expect(c['tensorflow-gpu'].reason).toMatch(/^not installed/);
    expect(c.tensorflow.status).toBe('chosen');
    expect(c.tensorflow.reason).toContain(`${NODE} 4.22.0`);
    expect(c.cpu).toMatchObject({ status: 'skipped', reason: 'not tried: tensorflow was chosen first' });
    expect(r.device).toBe('CPU (libtensorflow, multi-threaded)');
    expect(r.versions[NODE]).toBe('4.22.0');
    expect(r.threads).toBeNull();
    expect(loader.loaded).toEqual([NODE]); // the absent GPU package was never imported
  });

  it('installed but broken → failed, carrying the exact load error; cpu taken', async () => {
    const r = await selectBackend({ env: {}, loader: fakeLoader({ [NODE]: 'broken' }), cudaProbe: () => CUDA_OK });
    expect(byName(r).tensorflow).toMatchObject({ status: 'failed', reason: `installed (4.22.0) but failed to load: ${BINDING_ERROR}` });
    expect(r.chosen).toBe('cpu');
  });

  it('a plain loader function: a missing package is reported as not installed', async () => {
    const fl = fakeLoader({});
    const r = await selectBackend({ env: {}, loader: (p) => fl.load(p), cudaProbe: () => CUDA_OK });
    expect(byName(r).tensorflow.reason).toBe(`not installed (Cannot find package '${NODE}' imported from /app/x.js)`);
    expect(byName(r)['tensorflow-gpu'].status).toBe('unavailable');
  });

  it('GPU package present but CUDA libraries missing → skipped with the probe, never imported', async () => {
    const loader = fakeLoader({ [GPU]: 'gpu-device', [NODE]: 'working' });
    const r = await selectBackend({ env: {}, loader, cudaProbe: () => CUDA_MISSING });
    const gpu = byName(r)['tensorflow-gpu'];
    expect(gpu.status).toBe('skipped');
    expect(gpu.reason).toBe(
      'CUDA libraries not usable: missing libcudart.so.11.0, libcudnn.so.8; found libcuda.so.1 at /usr/lib/libcuda.so.1; libcudnn.so.8 (cuDNN 8) not found; searched ldconfig -p',
    );
    expect(loader.loaded).toEqual([NODE]);
    expect(r.chosen).toBe('tensorflow');
    expect(r.device).toMatch(/^CPU/);
  });

  it('GPU working → chosen on the GPU, with TF_FORCE_GPU_ALLOW_GROWTH set unless the user set it', async () => {
    const env: NodeJS.ProcessEnv = {};
    const r = await selectBackend({ env, loader: fakeLoader({ [GPU]: 'gpu-device', [NODE]: 'working' }), cudaProbe: () => CUDA_OK });
    expect(r.chosen).toBe('tensorflow');
    expect(r.device).toBe('NVIDIA GPU (CUDA, libtensorflow)');
    expect(byName(r)['tensorflow-gpu'].status).toBe('chosen');
    expect(byName(r).tensorflow.status).toBe('skipped');
    expect(env.TF_FORCE_GPU_ALLOW_GROWTH).toBe('true');
    await tf.setBackend('cpu');
    tf.removeBackend('tensorflow');
    const userEnv: NodeJS.ProcessEnv = { TF_FORCE_GPU_ALLOW_GROWTH: 'false' };
    await selectBackend({ env: userEnv, loader: fakeLoader({ [GPU]: 'gpu-device' }), cudaProbe: () => CUDA_OK });
    expect(userEnv.TF_FORCE_GPU_ALLOW_GROWTH).toBe('false');
  });

  it('GPU package loads but TensorFlow sees no GPU → not silent: the device says so; forced → throws', async () => {
    const r = await selectBackend({ env: {}, loader: fakeLoader({ [GPU]: 'no-gpu-device' }), cudaProbe: () => CUDA_OK });
    expect(r.device).toBe('CPU (libtensorflow-gpu found no usable GPU and runs on the CPU)');
    expect(byName(r)['tensorflow-gpu'].reason).toContain('runs on CPU (libtensorflow-gpu found no usable GPU');
    await tf.setBackend('cpu');
    tf.removeBackend('tensorflow');
    await expect(
      selectBackend({ env: { FRUGAL_BACKEND: 'tensorflow-gpu' }, loader: fakeLoader({ [GPU]: 'no-gpu-device' }), cudaProbe: () => CUDA_OK }),
    ).rejects.toThrow('TensorFlow found no usable GPU');
    expect(tf.getBackend()).toBe('cpu'); // the rejected backend was not left active
  });

  it('backend init failure (setBackend → false) is failed with the captured error; next taken', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {}); // tfjs logs the init failure
    const r = await selectBackend({ env: {}, loader: fakeLoader({ [GPU]: 'init-fails' }), cudaProbe: () => CUDA_OK });
    const gpu = byName(r)['tensorflow-gpu'];
    expect(gpu.status).toBe('failed');
    expect(gpu.reason).toContain("tf.setBackend('tensorflow') failed");
    expect(gpu.reason).toContain('CUDA_ERROR_NO_DEVICE');
    expect(byName(r).tensorflow.status).not.toBe('chosen'); // the GPU package holds the name 'tensorflow'
    expect(r.chosen).toBe('cpu');
    expect(warn).toHaveBeenCalled();
    warn.mockRestore();
  });

  it('a package that registers no backend is failed, not chosen', async () => {
    const r = await selectBackend({ env: {}, loader: fakeLoader({ [NODE]: 'registers-nothing' }), cudaProbe: () => CUDA_OK });
    expect(byName(r).tensorflow).toMatchObject({ status: 'failed' });
    expect(byName(r).tensorflow.reason).toContain("registered no 'tensorflow' backend");
  });
});

describe('webgpu candidate (Dawn faked)', () => {
  const WEBGPU = '@tensorflow/tfjs-backend-webgpu';

  it('a real GPU adapter is chosen before tfjs-node, on the platform API, and described', async () => {
    const loader = fakeLoader({ webgpu: 'dawn-gpu', [WEBGPU]: 'registers-webgpu', [NODE]: 'working' });
    const r = await selectBackend({ env: {}, loader, platform: 'darwin', cudaProbe: () => CUDA_OK });
    expect(r.chosen).toBe('webgpu');
    expect(tf.getBackend()).toBe('webgpu');
    expect(r.device).toBe('GPU (WebGPU on nvidia ampere (NVIDIA GeForce RTX 3060), Metal)');
    expect(r.adapter).toEqual({ name: 'nvidia ampere (NVIDIA GeForce RTX 3060), Metal', vendor: 'nvidia', architecture: 'ampere', device: '', description: 'NVIDIA GeForce RTX 3060', api: 'Metal', software: false, limits: LIMITS });
    expect(loader.dawnFlags).toEqual([['backend=metal']]);
    expect(byName(r).webgpu.reason).toContain(`${WEBGPU} 4.22.0; adapter nvidia ampere`);
    expect(byName(r).tensorflow.status).toBe('skipped');
    expect(r.versions.webgpu).toBe('4.22.0');
    // tfjs-backend-webgpu finds Dawn where it looks in a browser.
    expect((globalThis as { navigator?: { gpu?: unknown } }).navigator?.gpu).toBeDefined();
    expect(formatBackendReport(r)).toContain('webgpu adapter: nvidia ampere (NVIDIA GeForce RTX 3060), Metal; max buffer 4 GiB, max storage binding 2 GiB');
  });

  it('a software adapter is skipped with the reason, tfjs-backend-webgpu never imported, cpu taken', async () => {
    const loader = fakeLoader({ webgpu: 'dawn-software', [WEBGPU]: 'registers-webgpu' });
    const r = await selectBackend({ env: {}, loader, platform: 'linux', cudaProbe: () => CUDA_OK });
    expect(r.chosen).toBe('cpu');
    expect(byName(r).webgpu.status).toBe('skipped');
    expect(byName(r).webgpu.reason).toBe(
      'google swiftshader (SwiftShader driver 5.0.0), Vulkan is a software adapter (the adapter reports isFallbackAdapter): it emulates a GPU on the CPU and trains ~25× slower than the cpu backend; FRUGAL_BACKEND=webgpu forces it (tests do)',
    );
    expect(r.adapter?.software).toBe(true);
    expect(loader.loaded).not.toContain(WEBGPU);
    expect(tf.findBackendFactory('webgpu')).toBeFalsy();
  });

  it('recognises Mesa llvmpipe by name when the adapter does not flag itself', async () => {
    const r = await selectBackend({ env: {}, loader: fakeLoader({ webgpu: 'dawn-llvmpipe' }), platform: 'linux', cudaProbe: () => CUDA_OK });
    expect(r.adapter).toMatchObject({ software: true, softwareReason: '"llvmpipe" is a software renderer' });
    expect(r.chosen).toBe('cpu');
  });

  it('forced, a software adapter is taken and the device says it is a CPU emulation', async () => {
    const r = await selectBackend({ env: { FRUGAL_BACKEND: 'webgpu' }, loader: fakeLoader({ webgpu: 'dawn-software', [WEBGPU]: 'registers-webgpu' }), platform: 'win32' });
    expect(r.chosen).toBe('webgpu');
    expect(r.device).toBe('CPU emulating a GPU (WebGPU on google swiftshader (SwiftShader driver 5.0.0), Direct3D 12)');
    expect(byName(r).webgpu.reason).toContain('software, forced');
  });

  it('says what to install when Dawn cannot load Vulkan, when no adapter exists, and when Dawn is absent', async () => {
    const noVulkan = await selectBackend({ env: {}, loader: fakeLoader({ webgpu: 'dawn-no-vulkan' }), platform: 'linux', cudaProbe: () => CUDA_OK });
    expect(byName(noVulkan).webgpu).toMatchObject({ status: 'failed' });
    expect(byName(noVulkan).webgpu.reason).toContain('apt install libvulkan1');
    const none = await selectBackend({ env: {}, loader: fakeLoader({ webgpu: 'dawn-no-adapter' }), platform: 'linux', cudaProbe: () => CUDA_OK });
    expect(byName(none).webgpu).toMatchObject({ status: 'unavailable' });
    expect(byName(none).webgpu.reason).toContain('vulkaninfo --summary');
    expect(none.adapter).toBeUndefined();
    const absent = await selectBackend({ env: {}, loader: fakeLoader({}), platform: 'linux', cudaProbe: () => CUDA_OK });
    expect(byName(absent).webgpu).toMatchObject({ status: 'unavailable' });
    expect(byName(absent).webgpu.reason).toMatch(/^Dawn not installed \(webgpu is an optional dependency/);
  });

  it('is not tried once tfjs-node-gpu is chosen', async () => {
    const loader = fakeLoader({ [GPU]: 'gpu-device', webgpu: 'dawn-gpu', [WEBGPU]: 'registers-webgpu' });
    const r = await selectBackend({ env: {}, loader, cudaProbe: () => CUDA_OK });
    expect(r.device).toBe('NVIDIA GPU (CUDA, libtensorflow)');
    expect(byName(r).webgpu).toMatchObject({ status: 'skipped', reason: 'not tried: tensorflow-gpu was chosen first' });
    expect(loader.loaded).toEqual([GPU]);
  });
});

describe('forced backends (FRUGAL_BACKEND / prefer)', () => {
  it('forced cpu skips every other candidate without importing anything', async () => {
    const loader = fakeLoader({ [GPU]: 'gpu-device', [NODE]: 'working' });
    const r = await selectBackend({ env: { FRUGAL_BACKEND: 'cpu' }, loader, cudaProbe: () => CUDA_OK });
    expect(r.chosen).toBe('cpu');
    expect(r.forcedBy).toBe('FRUGAL_BACKEND=cpu');
    expect(byName(r)['tensorflow-gpu']).toMatchObject({ status: 'skipped', reason: "not tried: FRUGAL_BACKEND=cpu forces 'cpu'" });
    expect(loader.loaded).toEqual([]);
  });

  it('prefer overrides the environment', async () => {
    const r = await selectBackend({ prefer: 'tensorflow', env: { FRUGAL_BACKEND: 'cpu' }, loader: fakeLoader({ [NODE]: 'working' }), cudaProbe: () => CUDA_OK });
    expect(r.chosen).toBe('tensorflow');
    expect(r.forcedBy).toBe('--backend tensorflow');
  });

  it('a forced backend that cannot load throws (no silent fallback) and carries the report', async () => {
    const err = await selectBackend({ env: { FRUGAL_BACKEND: 'tensorflow' }, loader: fakeLoader({ [NODE]: 'broken' }), cudaProbe: () => CUDA_OK }).catch((e) => e);
    expect(err).toBeInstanceOf(BackendSelectionError);
    expect(err.message).toContain("FRUGAL_BACKEND=tensorflow: backend 'tensorflow' cannot be used (no fallback when forced)");
    expect(err.message).toContain(BINDING_ERROR);
    expect(err.message).toContain('tensorflow-gpu: not installed');
    expect(err.message).not.toContain('cpu:'); // only the admitted candidates are listed
    expect(err.report.candidates.find((c: { name: string }) => c.name === 'cpu').status).toBe('skipped');
    expect(tf.getBackend()).toBe('cpu'); // unchanged
    await expect(selectBackend({ env: { FRUGAL_BACKEND: 'wasm' }, loader: fakeLoader({}) })).rejects.toThrow(/backend 'wasm' cannot be used[\s\S]*wasm: not installed/);
    await expect(selectBackend({ env: { FRUGAL_BACKEND: 'webgpu' }, loader: fakeLoader({ webgpu: 'dawn-no-adapter' }) })).rejects.toThrow(
      /backend 'webgpu' cannot be used[\s\S]*webgpu: Dawn found no Vulkan adapter/,
    );
  });

  it('rejects unknown values, listing the valid ones; auto and empty mean automatic', async () => {
    await expect(selectBackend({ env: { FRUGAL_BACKEND: 'cuda' } })).rejects.toThrow('unknown backend "cuda": choose one of auto, cpu, tensorflow, tensorflow-gpu, wasm, webgpu');
    const r = await selectBackend({ env: { FRUGAL_BACKEND: 'auto' }, cudaProbe: () => CUDA_OK });
    expect(r.forcedBy).toBeUndefined();
    expect(r.chosen).toBe('cpu');
  });
});

describe('probeCudaLibraries', () => {
  const ld = (libs: Record<string, string>) =>
    `${Object.keys(libs).length} libs found in cache \`/etc/ld.so.cache'\n` +
    Object.entries(libs)
      .map(([n, p]) => `\t${n} (libc6,x86-64) => ${p}`)
      .join('\n');
  const none = () => false;

  it('finds the driver, CUDA 11 runtime and cuDNN 8 in the ldconfig cache', () => {
    const p = probeCudaLibraries({
      platform: 'linux',
      env: {},
      exists: none,
      ldconfig: () => ld({ 'libcuda.so.1': '/usr/lib/x86_64-linux-gnu/libcuda.so.1', 'libcudart.so.11.0': '/usr/local/cuda/lib64/libcudart.so.11.0', 'libcudnn.so.8': '/usr/lib/x86_64-linux-gnu/libcudnn.so.8' }),
    });
    expect(p.ok).toBe(true);
    expect(p.found['libcudnn.so.8']).toBe('/usr/lib/x86_64-linux-gnu/libcudnn.so.8');
    expect(p.missing).toEqual([]);
  });

  it('names wrong major versions (CUDA 12 / cuDNN 9) as the reason', () => {
    const p = probeCudaLibraries({
      platform: 'linux',
      env: {},
      exists: none,
      ldconfig: () => ld({ 'libcuda.so.1': '/lib/libcuda.so.1', 'libcudart.so.12': '/lib/libcudart.so.12', 'libcudnn.so.9': '/lib/libcudnn.so.9' }),
    });
    expect(p.ok).toBe(false);
    expect(p.missing).toEqual(['libcudart.so.11.0', 'libcudnn.so.8']);
    expect(p.hints).toEqual([
      'libcudart.so.11.0 (CUDA 11 runtime) missing but libcudart.so.12 found: tfjs-node-gpu 4.22 (TensorFlow 2.9) needs CUDA 11.2 and cuDNN 8.1',
      'libcudnn.so.8 (cuDNN 8) missing but libcudnn.so.9 found: tfjs-node-gpu 4.22 (TensorFlow 2.9) needs CUDA 11.2 and cuDNN 8.1',
    ]);
  });

  it('searches LD_LIBRARY_PATH and flags libraries installed off the loader path', () => {
    const files = new Set(['/opt/cudnn/lib/libcudnn.so.8', '/usr/local/cuda/lib64/libcudart.so.11.0']);
    const p = probeCudaLibraries({ platform: 'linux', env: { LD_LIBRARY_PATH: '/opt/cudnn/lib' }, exists: (f) => files.has(f), ldconfig: () => ld({ 'libcuda.so.1': '/lib/libcuda.so.1' }) });
    expect(p.found['libcudnn.so.8']).toBe('/opt/cudnn/lib/libcudnn.so.8');
    expect(p.missing).toEqual(['libcudart.so.11.0']);
    expect(p.hints).toContain('libcudart.so.11.0 exists in /usr/local/cuda/lib64, which is not on the loader path: add it to LD_LIBRARY_PATH or run ldconfig');
    expect(p.searched).toEqual(['ldconfig -p', 'LD_LIBRARY_PATH (/opt/cudnn/lib)']);
  });

  it('searches PATH on Windows', () => {
    const files = new Set(['C:\\Windows\\System32\\nvcuda.dll', 'C:\\CUDA\\bin\\cudart64_110.dll']);
    const p = probeCudaLibraries({ platform: 'win32', env: { PATH: 'C:\\Windows\\System32;C:\\CUDA\\bin' }, exists: (f) => files.has(f) });
    expect(p.found['cudart64_110.dll']).toBe('C:\\CUDA\\bin\\cudart64_110.dll');
    expect(p.missing).toEqual(['cudnn64_8.dll']);
    expect(p.hints[0]).toBe('cudnn64_8.dll (cuDNN 8) not found');
  });

  it('says CUDA does not exist on macOS', () => {
    const p = probeCudaLibraries({ platform: 'darwin', env: {} });
    expect(p.ok).toBe(false);
    expect(p.hints[0]).toContain('not available on darwin');
  });
});
