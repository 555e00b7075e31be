/**
 * Backend choice with a real Dawn on this machine's software adapter (SwiftShader): never taken
 * automatically, always with the reason; taken when forced, and then it computes, reports GPU
 * memory and passes `frugal doctor`'s numerical check.
 */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { formatDoctor, runDoctor } from '../../src/training/backend/doctor';
import { formatBackendReport, selectBackend } from '../../src/training/backend/select';
import { volumeOpsSanityCheck } from '../../src/training/backend/volume-sanity';
import { takeDeviceErrors, throwOnDeviceErrors } from '../../src/training/backend/webgpu';
import { applyWebGpuWorkarounds, removeWebGpuWorkarounds } from '../../src/training/backend/webgpu-kernels';
import { startWebGpu, useSoftwareAdapter } from '../webgpu';

useSoftwareAdapter();

describe('webgpu selection on a software adapter', () => {
  it('picks cpu over the software adapter by default and says why', async (ctx) => {
    const r = await selectBackend({ env: { ...process.env, FRUGAL_BACKEND: undefined } });
    const webgpu = r.candidates.find((c) => c.name === 'webgpu')!;
    if (!r.adapter) ctx.skip(`no WebGPU adapter here: ${webgpu.reason}`);
    expect(r.adapter!.software).toBe(true);
    expect(r.chosen).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    expect(webgpu.status).toBe('skipped');
    expect(webgpu.reason).toMatch(/software adapter/);
    expect(webgpu.reason).toMatch(/FRUGAL_BACKEND=webgpu/);
    // No 'webgpu' backend was registered for an adapter we refused.
    expect(tf.findBackendFactory('webgpu')).toBeFalsy();
    expect(formatBackendReport(r)).toMatch(/webgpu adapter: .*\[software\]; max buffer \d/);
  });

  it('takes the software adapter when forced, reports it, and computes on it', async (ctx) => {
    const gpu = await startWebGpu();
    if (!gpu.ok) return ctx.skip(gpu.why);
    const r = gpu.report;
    expect(r.chosen).toBe('webgpu');
    expect(r.forcedBy).toBe('--backend webgpu');
    expect(r.adapter).toMatchObject({ software: true, api: process.platform === 'darwin' ? 'Metal' : process.platform === 'win32' ? 'Direct3D 12' : 'Vulkan' });
    expect(r.adapter!.limits.maxStorageBufferBindingSize).toBeGreaterThan(2 ** 27);
    expect(r.device).toMatch(/^CPU emulating a GPU \(WebGPU on /);
    await tf.setBackend('webgpu');
    const y = tf.matMul(tf.tensor2d([1, 2, 3, 4], [2, 2]), tf.tensor2d([5, 6, 7, 8], [2, 2]));
    expect(Array.from(await y.data())).toEqual([19, 22, 43, 50]);
    const mem = tf.memory() as tf.MemoryInfo & { numBytesInGPU?: number };
    expect(mem.numBytesInGPU).toBeGreaterThanOrEqual(16);
    await tf.setBackend('cpu');
  });

  it('frugal doctor on forced webgpu: the conv3d check passes there, the adapter and a software warning are shown', async (ctx) => {
    const gpu = await startWebGpu();
    if (!gpu.ok) return ctx.skip(gpu.why);
    const r = await runDoctor({ env: { ...process.env, FRUGAL_BACKEND: 'webgpu' } });
    expect(r.backend?.chosen).toBe('webgpu');
    expect(r.sanity).toMatchObject({ pass: true, backend: 'webgpu' });
    expect(r.sanity.maxRelError.dx).toBeLessThan(1e-5);
    expect(r.volumeSanity).toMatchObject({ pass: true, backend: 'webgpu' });
    expect(r.memory.process.gpuAllocatedBytes).toBeGreaterThan(0);
    expect(r.warnings.some((w) => w.startsWith('webgpu runs on a software adapter'))).toBe(true);
    const text = formatDoctor(r);
    expect(text).toContain("sanity check (conv3d + gradients on 'webgpu'): PASS");
    expect(text).toMatch(/webgpu adapter: .*Vulkan \[software\]/);
    await tf.setBackend('cpu');
  });

  it('a kernel that fails to compile on the GPU becomes an error instead of silently wrong numbers', async (ctx) => {
    const gpu = await startWebGpu();
    if (!gpu.ok) return ctx.skip(gpu.why);
    await tf.setBackend('webgpu');
    removeWebGpuWorkarounds(); // tfjs-webgpu's own rank-5 PadV2 does not compile
    try {
      const y = tf.pad(tf.ones([2, 3, 2, 4, 6]), [[0, 0], [0, 0], [0, 0], [0, 0], [1, 2]]);
      const v = await y.data();
      expect(v[1]).not.toBe(1); // the op "succeeded" with a buffer that was never written
      y.dispose();
      expect(() => throwOnDeviceErrors('at step 3')).toThrow(/^the GPU reported \d+\+? error\(s\) at step 3, so results computed since are wrong .*vec5/);
    } finally {
      applyWebGpuWorkarounds();
      await tf.setBackend('cpu');
    }
    await tf.setBackend('webgpu');
    const ok = tf.pad(tf.ones([2, 3, 2, 4, 6]), [[0, 0], [0, 0], [0, 0], [0, 0], [1, 2]]);
    expect((await ok.data())[1]).toBe(1);
    expect(() => throwOnDeviceErrors('after the workaround')).not.toThrow();
    await tf.setBackend('cpu');
  });

  it("doctor's volume check catches each broken tfjs-webgpu kernel when the workarounds are off", async (ctx) => {
    const gpu = await startWebGpu();
    if (!gpu.ok) return ctx.skip(gpu.why);
    await tf.setBackend('webgpu');
    removeWebGpuWorkarounds();
    try {
      const broken = await volumeOpsSanityCheck();
      expect(broken.pass).toBe(false);
      // The three silent ones give wrong numbers; tf.where throws at rank 5.
      expect(broken.detail).toMatch(/scaleShift WRONG .*sliceGrad WRONG .*castSum WRONG .*where failed: .*rank 5/);
      takeDeviceErrors();
    } finally {
      applyWebGpuWorkarounds();
    }
    const fixed = await volumeOpsSanityCheck();
    expect(fixed.pass, fixed.detail).toBe(true);
    await tf.setBackend('cpu');
  });
});
