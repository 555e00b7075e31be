// Bilinear upsampling (half-pixel, PyTorch align_corners=False) and the reversible stem.
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../core/rng';
import { revSequence } from '../../nn/reversible';
import { depthToSpace, spaceToDepth, spaceToDepthBlock, tileChannels } from './stem';
import { bilinearMatrix, upsampleBilinear } from './upsample';

const randn = (shape: number[], seed: number): tf.Tensor =>
  tf.tensor(new Rng(seed).fill(shape.reduce((a, b) => a * b, 1), (r) => r.normal()), shape);
const maxAbs = (a: tf.Tensor, b: tf.Tensor): number => tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);

describe('upsampleBilinear', () => {
  it('matches a hand-worked 1×2 → 1×4 case, value and gradient', () => {
    // W axis, x = [0, 4], factor 2: src = (o + 0.5)/2 − 0.5 = −0.25→0, 0.25, 0.75, 1.25 (i1 clamped to 1)
    //   y = [0, 0.75·0 + 0.25·4, 0.25·0 + 0.75·4, 4] = [0, 1, 3, 4]
    // H axis (1 row → 2 rows) copies the row. With dy = [1,2,3,4] on both rows:
    //   dx0 = 2·(1 + 0.75·2 + 0.25·3) = 2·3.25 = 6.5,  dx1 = 2·(0.25·2 + 0.75·3 + 4) = 2·6.75 = 13.5
    const x = tf.tensor4d([0, 4], [1, 1, 2, 1]);
    const y = upsampleBilinear(x, 2);
    expect(y.shape).toEqual([1, 2, 4, 1]);
    expect(Array.from(y.dataSync())).toEqual([0, 1, 3, 4, 0, 1, 3, 4]);
    const dy = tf.tensor4d([1, 2, 3, 4, 1, 2, 3, 4], [1, 2, 4, 1]);
    const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(upsampleBilinear(t as tf.Tensor4D, 2), dy)))(x);
    expect(Array.from(g.dataSync())).toEqual([6.5, 13.5]);
    tf.dispose([x, y, dy, g]);
  });

  it('equals tf.image.resizeBilinear(half-pixel) forward on non-square inputs for ×2, ×4, ×8', () => {
    for (const [h, w, f] of [[4, 6, 2], [3, 5, 4], [2, 3, 8], [7, 2, 2]]) {
      const x = randn([2, h, w, 3], h * 10 + w) as tf.Tensor4D;
      const ours = upsampleBilinear(x, f);
      const ref = tf.image.resizeBilinear(x, [h * f, w * f], false, true);
      expect(ours.shape).toEqual([2, h * f, w * f, 3]);
      expect(maxAbs(ours, ref)).toBeLessThan(1e-5);
      tf.dispose([x, ours, ref]);
    }
  });

  it('has the adjoint gradient <U x, dy> = <x, Uᵀ dy> on a non-square input, and finite differences agree', () => {
    const x = randn([1, 3, 5, 2], 1) as tf.Tensor4D;
    const dy = randn([1, 12, 20, 2], 2);
    const f = (t: tf.Tensor) => tf.sum(tf.mul(upsampleBilinear(t as tf.Tensor4D, 4), dy));
    const g = tf.grad(f)(x);
    expect(g.shape).toEqual([1, 3, 5, 2]);
    // f is linear in x, so <x, ∇f> = f(x) exactly (up to float rounding).
    const fx = f(x).dataSync()[0];
    const xg = tf.sum(tf.mul(x, g)).dataSync()[0];
    expect(Math.abs(fx - xg)).toBeLessThan(1e-4 * Math.abs(fx));
    // Central difference at element 7 (h = 0.01; exact for a linear map up to rounding).
    const e = tf.oneHot(7, 30).reshape([1, 3, 5, 2]);
    const fd = (f(tf.add(x, tf.mul(e, 0.01))).dataSync()[0] - f(tf.sub(x, tf.mul(e, 0.01))).dataSync()[0]) / 0.02;
    expect(Math.abs(fd - g.dataSync()[7])).toBeLessThan(2e-3 * Math.max(1, Math.abs(fd)));
    tf.dispose([x, dy, g, e]);
  });

  it('interpolation rows sum to 1 with at most 2 non-zeros', () => {
    const a = bilinearMatrix(5, 8); // [40, 5]
    for (let o = 0; o < 40; o++) {
      const row = Array.from(a.subarray(o * 5, o * 5 + 5));
      expect(row.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 6);
      expect(row.filter((v) => v !== 0).length).toBeLessThanOrEqual(2);
    }
  });
});

describe('stem', () => {
  it('tiles RGB to Cin channels like the official _stack_x (S1: Cin = 4 → R,G,B,R)', () => {
    const x = tf.tensor4d([1, 2, 3], [1, 1, 1, 3]);
    expect(Array.from(tileChannels(x, 4).dataSync())).toEqual([1, 2, 3, 1]);
    expect(Array.from(tileChannels(x, 3).dataSync())).toEqual([1, 2, 3]);
    expect(Array.from(tileChannels(x, 8).dataSync())).toEqual([1, 2, 3, 1, 2, 3, 1, 2]);
    x.dispose();
  });

  it('orders space-to-depth channels as (by·b + bx)·C + c (hand-worked, b = 2, C = 2)', () => {
    // x[0, r, col, c] = 10·(4r + col) + c on a 4×4×2 image; output pixel (0,0) gathers pixels
    // (0,0), (0,1), (1,0), (1,1) = indices 0, 1, 4, 5 → [0,1, 10,11, 40,41, 50,51].
    const vals: number[] = [];
    for (let r = 0; r < 4; r++) for (let col = 0; col < 4; col++) for (let c = 0; c < 2; c++) vals.push(10 * (4 * r + col) + c);
    const x = tf.tensor4d(vals, [1, 4, 4, 2]);
    const y = spaceToDepth(x, 2);
    expect(y.shape).toEqual([1, 2, 2, 8]);
    expect(Array.from(y.dataSync()).slice(0, 8)).toEqual([0, 1, 10, 11, 40, 41, 50, 51]);
    // Output pixel (1,0) starts at input row 2: indices 8, 9, 12, 13.
    expect(Array.from(y.dataSync()).slice(16, 24)).toEqual([80, 81, 90, 91, 120, 121, 130, 131]);
    expect(maxAbs(depthToSpace(y, 2), x)).toBe(0);
    tf.dispose([x, y]);
  });

  it('is reversible in a sequence: same gradient as the taped twin on a non-square image', () => {
    const x = tf.variable(randn([2, 8, 12, 3], 3));
    const r = randn([2, 2, 3, 48], 4);
    const loss = (reversible: boolean) => () => tf.sum(tf.mul(tf.square(revSequence([spaceToDepthBlock(4)], [x], { reversible })[0]), r)) as tf.Scalar;
    const rev = tf.variableGrads(loss(true));
    const twin = tf.variableGrads(loss(false));
    expect(maxAbs(rev.grads[x.name], twin.grads[x.name])).toBe(0);
    tf.dispose([x, r, rev.value, twin.value, ...Object.values(rev.grads), ...Object.values(twin.grads)]);
  });
});
