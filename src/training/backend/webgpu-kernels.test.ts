/**
 * The webgpu kernel workarounds: the shape arithmetic they rest on (pure, cpu), and that each one
 * is still needed (tfjs-webgpu's own kernel is still wrong: when that test fails, tfjs fixed it
 * and the workaround can go). Op-by-op parity with them in place: test/webgpu/ops.test.ts; the
 * whole U-Net step: test/webgpu/unet-step.test.ts (without the workarounds the U-Net's loss came
 * out −1.79 instead of −29.27 on webgpu, gradients off by 1e9).
 */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { relErr, values } from '../../../test/numeric';
import { runOn, startWebGpu } from '../../../test/webgpu';
import { takeDeviceErrors } from './webgpu';
import { applyWebGpuWorkarounds, collapseBroadcast, collapsePad, removeWebGpuWorkarounds } from './webgpu-kernels';

describe('shape collapsing', () => {
  it('merges axes that broadcast alike and drops size-1 axes', () => {
    // [2,4,4,4,8] ⊙ [8]: axes 0–3 are (full, 1), axis 4 (full, full) → [128,8] ⊙ [1,8].
    expect(collapseBroadcast([[2, 4, 4, 4, 8], [8]], [2, 4, 4, 4, 8])).toEqual({ out: [128, 8], shapes: [[128, 8], [1, 8]] });
    // [2,1,1,1,6] against [2,4,4,4,6]: (full, full) (1, full)×3 (full, full) → 3 groups.
    expect(collapseBroadcast([[2, 4, 4, 4, 6], [2, 1, 1, 1, 6]], [2, 4, 4, 4, 6])).toEqual({ out: [2, 64, 6], shapes: [[2, 64, 6], [2, 1, 6]] });
    // Same shapes flatten completely; a scalar stays [1].
    expect(collapseBroadcast([[2, 3, 1, 4, 5], []], [2, 3, 1, 4, 5])).toEqual({ out: [120], shapes: [[120], [1]] });
    // Alternating patterns cannot merge: rank stays 5 (the wrapper then leaves the op alone).
    expect(collapseBroadcast([[2, 1, 4, 1, 6], [1, 3, 1, 5, 1]], [2, 3, 4, 5, 6]).out).toEqual([2, 3, 4, 5, 6]);
  });

  it('merges each unpadded axis into the one before it, scaling that padding', () => {
    // Channels only: [2·4·4·4, 6] padded (1, 2) on the last axis.
    expect(collapsePad([2, 4, 4, 4, 6], [[0, 0], [0, 0], [0, 0], [0, 0], [1, 2]])).toEqual({ shape: [128, 6], paddings: [[0, 0], [1, 2]] });
    // D, H, W padded: B stays, W absorbs C → [2, 4, 4, 4·6] with W's padding ×6.
    expect(collapsePad([2, 4, 4, 4, 6], [[0, 0], [1, 0], [1, 1], [0, 2], [0, 0]])).toEqual({ shape: [2, 4, 4, 24], paddings: [[0, 0], [1, 0], [1, 1], [0, 12]] });
    // Padding the leading axis of a row-major block by p rows = padding the merged axis by p·inner.
    expect(collapsePad([3, 2, 5], [[1, 1], [0, 0], [0, 0]])).toEqual({ shape: [30], paddings: [[10, 10]] });
  });
});

const gpu = await startWebGpu();


type Inputs = Record<string, [number[], Float32Array]>;
const vol: Inputs = { x: [[2, 4, 4, 4, 6], values(768, 1)], c: [[6], values(6, 2, 0.5, 1)], m: [[2, 4, 4, 4, 6], values(768, 3)] };

/** Relative error of webgpu against cpu for fn on `vol`. */
async function errOf(fn: (t: Record<string, tf.Tensor>) => tf.Tensor): Promise<number> {
  const ref = await runOn('cpu', vol, fn);
  const got = await runOn('webgpu', vol, fn);
  return relErr(got.out, ref.out);
}

describe('webgpu kernel workarounds', () => {
  it('are applied once, by select.ts, and re-applying changes nothing', (ctx) => {
    if (!gpu.ok) return ctx.skip(gpu.why);
    const add = tf.getKernel('Add', 'webgpu').kernelFunc;
    expect(applyWebGpuWorkarounds()).toEqual([
      'rank-5 binary ops (collapsed to rank ≤ 4)',
      'rank-5 Select (flattened)',
      'rank-5 PadV2 (collapsed to rank ≤ 4)',
      'Cast int32/bool → float32 (converted, not relabelled)',
    ]);
    expect(tf.getKernel('Add', 'webgpu').kernelFunc).toBe(add);
  });

  it('are still needed: without them rank-5 ⊙ [C], tf.where and tf.pad are wrong on webgpu', async (ctx) => {
    if (!gpu.ok) return ctx.skip(gpu.why);
    const mulC = (t: Record<string, tf.Tensor>) => tf.mul(t.x, t.c);
    const pad = (t: Record<string, tf.Tensor>) => tf.pad(t.x, [[0, 0], [0, 0], [0, 0], [0, 0], [1, 2]], 0.5);
    const where = (t: Record<string, tf.Tensor>) => tf.where(tf.greater(t.m, 0), t.x, t.m);
    removeWebGpuWorkarounds();
    try {
      // Dawn logs "cannot index type 'vec5'" for the first two: the shader never runs.
      expect(await errOf(mulC)).toBeGreaterThan(0.5); // measured 3.2
      expect(await errOf(pad)).toBeGreaterThan(0.5); // measured 1.0
      await expect(errOf(where)).rejects.toThrow(/Where for rank 5 is not yet supported/);
    } finally {
      applyWebGpuWorkarounds();
    }
    expect(await errOf(mulC)).toBeLessThan(1e-6);
    expect(await errOf(pad)).toBe(0);
    expect(await errOf(where)).toBe(0);
  });

  it('Cast int32/bool → float32: without the workaround a reduction over the cast volume is garbage', async (ctx) => {
    if (!gpu.ok) return ctx.skip(gpu.why);
    const ints: [number[], Int32Array] = [[2, 4, 4, 4, 3], Int32Array.from(values(384, 5), (v) => Math.round(v * 10))];
    const inputs = { x: [[2, 4, 4, 4, 3], values(384, 1)] as [number[], Float32Array], i: ints };
    const err = async (fn: (t: Record<string, tf.Tensor>) => tf.Tensor) => relErr((await runOn('webgpu', inputs, fn)).out, (await runOn('cpu', inputs, fn)).out);
    const boolSum = (t: Record<string, tf.Tensor>) => tf.sum(tf.cast(tf.greater(t.x, 0.2), 'float32'), [1, 2, 3]); // a Dice denominator of a mask
    const intSum = (t: Record<string, tf.Tensor>) => tf.sum(tf.cast(t.i, 'float32'), [1, 2, 3]);
    removeWebGpuWorkarounds();
    try {
      expect(await err(boolSum)).toBeGreaterThan(0.5); // measured 1.0
      expect(await err(intSum)).toBeGreaterThan(0.5); // measured 1.0
      takeDeviceErrors(); // "type mismatch … expected 'f32', got 'i32'" (TransposeProgram)
    } finally {
      applyWebGpuWorkarounds();
    }
    expect(await err(boolSum)).toBe(0);
    expect(await err(intSum)).toBe(0);
    expect(takeDeviceErrors()).toEqual([]);
  });
});
