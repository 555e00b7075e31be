import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { upsampleNearest3d, type UpsampleImpl } from './upsample3d';

const IMPLS: UpsampleImpl[] = ['kernel', 'ops'];

describe('upsampleNearest3d', () => {
  it('the autodiff recipe would be wrong on cpu for B·D > 1 (tfjs 4.22 ResizeNearestNeighborGrad)', () => {
    // Guards the reason for the customGrad: if this starts passing, tfjs fixed the kernel.
    // Batch of 2 images [2,1,1,1] → [2,2,2,1], dy = 0..7: right answer [0+1+2+3, 4+5+6+7] = [6, 22].
    const x = tf.zeros([2, 1, 1, 1]);
    const dy = tf.tensor4d([0, 1, 2, 3, 4, 5, 6, 7], [2, 2, 2, 1]);
    const [dx] = tf.grads((a: tf.Tensor) => tf.image.resizeNearestNeighbor(a as tf.Tensor4D, [2, 2]))([x], dy);
    // image 1 reads dy from offset 1·(x's batch stride = 1), i.e. dy[1..4] = 1+2+3+4 = 10, not 22.
    expect(Array.from(dx.dataSync())).toEqual([6, 10]);
    tf.dispose([x, dy, dx]);
  });


  it.each(IMPLS)('%s: copies each voxel to its 2×2×2 children (B = 2, C = 2, uneven D,H,W)', (impl) => {
    const [B, D, H, W, C] = [2, 1, 2, 3, 2];
    const n = B * D * H * W * C;
    const xv = Float32Array.from({ length: n }, (_, i) => i);
    const x = tf.tensor5d(xv, [B, D, H, W, C]);
    const y = upsampleNearest3d(x, 2, { impl });
    expect(y.shape).toEqual([B, 2 * D, 2 * H, 2 * W, C]);
    const yv = y.dataSync();
    // y[b,d,h,w,c] = x[b,⌊d/2⌋,⌊h/2⌋,⌊w/2⌋,c]
    let i = 0;
    for (let b = 0; b < B; b++)
      for (let d = 0; d < 2 * D; d++)
        for (let h = 0; h < 2 * H; h++)
          for (let w = 0; w < 2 * W; w++)
            for (let c = 0; c < C; c++) {
              expect(yv[i++]).toBe(xv[(((b * D + (d >> 1)) * H + (h >> 1)) * W + (w >> 1)) * C + c]);
            }
    tf.dispose([x, y]);
  });

  it.each(IMPLS)('%s: its gradient sums the 8 children of each voxel', (impl) => {
    // x: [1,2,2,2,1] → y: [1,4,4,4,1]; dy[d,h,w] = 16d + 4h + w (its flat index).
    // dx[0,0,0] = Σ_{d,h,w ∈ {0,1}} (16d + 4h + w) = 0+1+4+5+16+17+20+21 = 84;
    // dx[i,j,l] adds 2·16i + 2·4j + 2·l to each of the 8 terms: 84 + 8·(32i + 8j + 2l).
    const x = tf.zeros([1, 2, 2, 2, 1]) as tf.Tensor5D;
    const dy = tf.tensor5d(Float32Array.from({ length: 64 }, (_, i) => i), [1, 4, 4, 4, 1]);
    const [dx] = tf.grads((a: tf.Tensor) => upsampleNearest3d(a as tf.Tensor5D, 2, { impl }))([x], dy);
    const expected: number[] = [];
    for (let i = 0; i < 2; i++) for (let j = 0; j < 2; j++) for (let l = 0; l < 2; l++) expected.push(84 + 8 * (32 * i + 8 * j + 2 * l));
    expect(Array.from(dx.dataSync())).toEqual(expected); // [84, 100, 148, 164, 340, 356, 404, 420]
    tf.dispose([x, dy, dx]);
  });

  it.each(IMPLS)('%s: gradient per channel and batch matches a loop reference', (impl) => {
    const [B, D, H, W, C] = [2, 2, 1, 3, 3];
    const x = tf.zeros([B, D, H, W, C]) as tf.Tensor5D;
    const dyv = Float32Array.from({ length: B * 8 * D * H * W * C }, (_, i) => Math.sin(i));
    const dy = tf.tensor5d(dyv, [B, 2 * D, 2 * H, 2 * W, C]);
    const [dx] = tf.grads((a: tf.Tensor) => upsampleNearest3d(a as tf.Tensor5D, 2, { impl }))([x], dy);
    const ref = new Float64Array(B * D * H * W * C);
    let i = 0;
    for (let b = 0; b < B; b++)
      for (let d = 0; d < 2 * D; d++)
        for (let h = 0; h < 2 * H; h++)
          for (let w = 0; w < 2 * W; w++)
            for (let c = 0; c < C; c++) ref[(((b * D + (d >> 1)) * H + (h >> 1)) * W + (w >> 1)) * C + c] += dyv[i++];
    const got = dx.dataSync();
    ref.forEach((v, j) => expect(got[j]).toBeCloseTo(v, 5));
    tf.dispose([x, dy, dx]);
  });

  it('leaks no tensors and rejects other factors and ranks', () => {
    const x = tf.ones([1, 2, 2, 2, 2]) as tf.Tensor5D;
    const before = tf.memory().numTensors;
    for (const impl of IMPLS) {
      const y = upsampleNearest3d(x, 2, { impl });
      const g = tf.grads((a: tf.Tensor) => upsampleNearest3d(a as tf.Tensor5D, 2, { impl }).sum())([x]);
      // d(Σy)/dx = 8 for every voxel: each is copied 8 times.
      expect(Array.from(g[0].dataSync())).toEqual(new Array(16).fill(8));
      tf.dispose([y, ...g]);
    }
    expect(tf.memory().numTensors).toBe(before);
    expect(() => upsampleNearest3d(x, 3 as 2)).toThrow(/upsample3d: only factor 2/);
    const x4 = tf.ones([2, 2, 2, 2]) as unknown as tf.Tensor5D;
    expect(() => upsampleNearest3d(x4)).toThrow(/upsample3d: x must be/);
    x4.dispose();
    x.dispose();
  });
});
