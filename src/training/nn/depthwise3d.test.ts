import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { relErr, values } from '../../../test/numeric';
import { activate } from './activations';
import { depthwiseConv3d, depthwiseImplFor, type DepthwiseImpl } from './depthwise3d';
import { groupNorm } from './norm';

const IMPLS: DepthwiseImpl[] = ['kernel', 'grouped', 'masked', 'slices2d'];

/** Float64 reference: y, and for cotangent dy the gradients dx and dw, by direct summation. */
function reference(x: Float32Array, w: Float32Array, dy: Float32Array, shape: number[], k: number) {
  const [B, D, H, W, C] = shape;
  const p = (k - 1) / 2;
  const y = new Float64Array(x.length);
  const dx = new Float64Array(x.length);
  const dw = new Float64Array(w.length);
  const at = (b: number, d: number, h: number, ww: number, c: number) => (((b * D + d) * H + h) * W + ww) * C + c;
  for (let b = 0; b < B; b++)
    for (let d = 0; d < D; d++)
      for (let h = 0; h < H; h++)
        for (let ww = 0; ww < W; ww++)
          for (let i = 0; i < k; i++)
            for (let j = 0; j < k; j++)
              for (let l = 0; l < k; l++) {
                const id = d + i - p, ih = h + j - p, iw = ww + l - p;
                if (id < 0 || id >= D || ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
                for (let c = 0; c < C; c++) {
                  const o = at(b, d, h, ww, c), q = at(b, id, ih, iw, c), t = ((i * k + j) * k + l) * C + c;
                  y[o] += x[q] * w[t];
                  dx[q] += dy[o] * w[t];
                  dw[t] += x[q] * dy[o];
                }
              }
  return { y, dx, dw };
}

function run(impl: DepthwiseImpl, x: tf.Tensor5D, w: tf.Tensor4D, dy: tf.Tensor5D) {
  return tf.tidy(() => {
    const f = (a: tf.Tensor, b: tf.Tensor) => depthwiseConv3d(a as tf.Tensor5D, b as tf.Tensor4D, { impl });
    const [dx, dw] = tf.grads(f)([x, w], dy);
    return { y: f(x, w).dataSync(), dx: dx.dataSync(), dw: dw.dataSync() };
  });
}

describe('depthwiseConv3d', () => {
  it('auto picks the typed-array kernel on host backends and grouped convs elsewhere', () => {
    expect(tf.getBackend()).toBe('cpu');
    expect(depthwiseImplFor()).toBe('kernel');
    expect(depthwiseImplFor('wasm')).toBe('kernel');
    expect(depthwiseImplFor('webgl')).toBe('grouped');
    expect(depthwiseImplFor('webgpu')).toBe('grouped');
    expect(depthwiseImplFor('tensorflow')).toBe('grouped');
  });

  it.each(IMPLS)('%s: hand-computed row (D = H = 1, so only taps w[1,1,:] act)', (impl) => {
    // x = [1,2,3] along W; w[1,1,:,0] = [10,20,30]; every other tap is 100 but reads only padding.
    // y[0] = 0·10 + 1·20 + 2·30 = 80;  y[1] = 1·10 + 2·20 + 3·30 = 140;  y[2] = 2·10 + 3·20 + 0·30 = 80.
    // dy = 1: dx[q] = Σ of the taps that read q: dx[0] = 20 + 10 = 30, dx[1] = 30 + 20 + 10 = 60, dx[2] = 30 + 20 = 50.
    // dw[1,1,l] = Σ_w x[w+l−1]: l=0 → 1+2 = 3, l=1 → 6, l=2 → 2+3 = 5; all other taps 0.
    const wv = new Float32Array(27).fill(100);
    wv.set([10, 20, 30], 12); // tap (1,1,0..2) starts at (1·3 + 1)·3 = 12
    const x = tf.tensor5d([1, 2, 3], [1, 1, 1, 3, 1]);
    const w = tf.tensor4d(wv, [3, 3, 3, 1]);
    const dy = tf.ones([1, 1, 1, 3, 1]) as tf.Tensor5D;
    const r = run(impl, x, w, dy);
    expect(Array.from(r.y)).toEqual([80, 140, 80]);
    expect(Array.from(r.dx)).toEqual([30, 60, 50]);
    const dw = new Array(27).fill(0);
    dw.splice(12, 3, 3, 6, 5);
    expect(Array.from(r.dw)).toEqual(dw);
    tf.dispose([x, w, dy]);
  });

  it.each(IMPLS)('%s: an impulse returns the mirrored kernel, per channel', (impl) => {
    // y[o] = Σ_t x[o + t − 1]·w[t]; with x = δ at q: y[q + 1 − t] = w[t], i.e. y = w mirrored around q.
    const C = 2;
    const x = tf.buffer([1, 3, 3, 3, C]);
    x.set(1, 0, 1, 1, 1, 0); // impulse in channel 0 only, at the centre
    const wv = Float32Array.from({ length: 27 * C }, (_, i) => i + 1);
    const w = tf.tensor4d(wv, [3, 3, 3, C]);
    const y = tf.tidy(() => depthwiseConv3d(x.toTensor() as tf.Tensor5D, w, { impl }).dataSync());
    for (let t = 0; t < 27; t++) {
      const [i, j, l] = [Math.floor(t / 9), Math.floor(t / 3) % 3, t % 3];
      const o = ((2 - i) * 3 + (2 - j)) * 3 + (2 - l);
      expect(y[o * C]).toBe(wv[t * C]); // channel 0 sees its own weights
      expect(y[o * C + 1]).toBe(0); // channel 1 had no input: no cross-channel leak
    }
    w.dispose();
  });

  it.each([1, 3, 5])('all paths match a float64 reference (k = %i, B = 2, uneven D,H,W) to 1e-5', (k) => {
    const shape = [2, 4, 5, 6, 3];
    const n = shape.reduce((a, b) => a * b, 1);
    const xv = values(n, 1), wv = values(k * k * k * 3, 2), dyv = values(n, 3);
    const ref = reference(xv, wv, dyv, shape, k);
    const x = tf.tensor5d(xv, shape as [number, number, number, number, number]);
    const w = tf.tensor4d(wv, [k, k, k, 3]);
    const dy = tf.tensor5d(dyv, shape as [number, number, number, number, number]);
    for (const impl of IMPLS) {
      const r = run(impl, x, w, dy);
      expect(relErr(r.y, ref.y), `${impl} y`).toBeLessThan(1e-5);
      expect(relErr(r.dx, ref.dx), `${impl} dx`).toBeLessThan(1e-5);
      expect(relErr(r.dw, ref.dw), `${impl} dw`).toBeLessThan(1e-5);
    }
    tf.dispose([x, w, dy]);
  });

  it('kernel and grouped agree to 1e-4 at a U-Net size ([1,8,8,8,16] and 16³·8 voxels)', () => {
    for (const shape of [[1, 8, 8, 8, 16], [1, 16, 16, 16, 8]] as [number, number, number, number, number][]) {
      const n = shape.reduce((a, b) => a * b, 1);
      const C = shape[4];
      const x = tf.tensor5d(values(n, 4), shape);
      const w = tf.tensor4d(values(27 * C, 5), [3, 3, 3, C]);
      const dy = tf.tensor5d(values(n, 6), shape);
      const a = run('kernel', x, w, dy);
      const b = run('grouped', x, w, dy);
      expect(relErr(a.y, b.y)).toBeLessThan(1e-4);
      expect(relErr(a.dx, b.dx)).toBeLessThan(1e-4);
      expect(relErr(a.dw, b.dw)).toBeLessThan(1e-4);
      tf.dispose([x, w, dy]);
    }
  });

  it('kernel gradients match central finite differences of L = Σ r·y', () => {
    // L is linear in x and in w, so (L(v+ε) − L(v−ε)) / 2ε is exact up to float32 rounding.
    const shape: [number, number, number, number, number] = [1, 3, 3, 4, 2];
    const n = 72;
    const xv = values(n, 7), wv = values(54, 8), rv = values(n, 9);
    const r = tf.tensor5d(rv, shape);
    const loss = (xa: Float32Array, wa: Float32Array) =>
      tf.tidy(() => depthwiseConv3d(tf.tensor5d(xa, shape), tf.tensor4d(wa, [3, 3, 3, 2]), { impl: 'kernel' }).mul(r).sum().dataSync()[0]);
    const g = run('kernel', tf.tensor5d(xv, shape), tf.tensor4d(wv, [3, 3, 3, 2]), r);
    const eps = 0.5;
    for (const i of [0, 5, 17, 40, 71]) {
      const p = xv.slice(), m = xv.slice();
      p[i] += eps;
      m[i] -= eps;
      expect((loss(p, wv) - loss(m, wv)) / (2 * eps)).toBeCloseTo(g.dx[i], 4);
    }
    for (const i of [0, 13, 26, 27, 53]) {
      const p = wv.slice(), m = wv.slice();
      p[i] += eps;
      m[i] -= eps;
      expect((loss(xv, p) - loss(xv, m)) / (2 * eps)).toBeCloseTo(g.dw[i], 4);
    }
    r.dispose();
  });

  it('gives trainable weights gradients through tf.variableGrads', () => {
    const x = tf.tensor5d(values(2 * 2 * 2 * 3, 10), [1, 2, 2, 2, 3]);
    const w = tf.variable(tf.tensor4d(values(81, 11), [3, 3, 3, 3]));
    const { value, grads } = tf.variableGrads(() => depthwiseConv3d(x, w as unknown as tf.Tensor4D).sum() as tf.Scalar, [w]);
    // dL/dw[t,c] = Σ_voxels x[voxel + t − 1, c] with dy = 1: the centre tap sees every voxel once.
    const dw = grads[w.name].dataSync();
    const xs = x.dataSync();
    for (let c = 0; c < 3; c++) {
      let s = 0;
      for (let v = 0; v < 8; v++) s += xs[v * 3 + c];
      expect(dw[13 * 3 + c]).toBeCloseTo(s, 5);
    }
    tf.dispose([x, w, value, ...Object.values(grads)]);
  });

  it('works when recomputed under a nested tf.grads inside a customGrad (the reversible pattern)', () => {
    // F = silu(groupNorm(depthwise(x, w))). The outer customGrad runs F untaped and, in its
    // gradFunc, re-runs F under tf.grads with the engine's tape saved/restored (ENVIRONMENT.md §4).
    // Gradients must equal plain autodiff of F.
    const x = tf.tensor5d(values(2 * 3 * 3 * 3 * 4, 14), [2, 3, 3, 3, 4]);
    const w = tf.tensor4d(values(108, 15), [3, 3, 3, 4]);
    const gamma = tf.tensor1d([1, 0.5, 2, 1.5]);
    const beta = tf.tensor1d([0, 0.1, -0.1, 0.2]);
    const F = (a: tf.Tensor, b: tf.Tensor) =>
      activate(groupNorm(depthwiseConv3d(a as tf.Tensor5D, b as tf.Tensor4D), gamma, beta, 2), 'silu') as tf.Tensor5D;
    const state = tf.engine().state as unknown as { activeTape: unknown };
    const outer = tf.customGrad(((a: tf.Tensor, b: tf.Tensor, save: tf.GradSaveFunc) => {
      save([a, b]);
      return {
        value: F(a, b),
        gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
          const tape = state.activeTape;
          try {
            return tf.grads(F)(saved, dy);
          } finally {
            state.activeTape = tape;
          }
        },
      };
    }) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (a: tf.Tensor, b: tf.Tensor) => tf.Tensor;
    const before = tf.memory().numTensors;
    const viaOuter = tf.tidy(() => tf.grads((a: tf.Tensor, b: tf.Tensor) => outer(a, b).square().sum())([x, w]).map((t) => t.dataSync()));
    const direct = tf.tidy(() => tf.grads((a: tf.Tensor, b: tf.Tensor) => F(a, b).square().sum())([x, w]).map((t) => t.dataSync()));
    expect(relErr(viaOuter[0], direct[0])).toBeLessThan(1e-6);
    expect(relErr(viaOuter[1], direct[1])).toBeLessThan(1e-6);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, w, gamma, beta]);
  });

  it('leaks no tensors (forward and gradient, every path)', () => {
    const x = tf.tensor5d(values(64, 12), [1, 2, 2, 4, 4]);
    const w = tf.tensor4d(values(108, 13), [3, 3, 3, 4]);
    const before = tf.memory().numTensors;
    for (const impl of IMPLS) {
      const y = depthwiseConv3d(x, w, { impl });
      const g = tf.grads((a: tf.Tensor, b: tf.Tensor) => depthwiseConv3d(a as tf.Tensor5D, b as tf.Tensor4D, { impl }).square().sum())([x, w]);
      tf.dispose([y, ...g]);
    }
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, w]);
  });

  it('rejects malformed shapes with the file named', () => {
    tf.tidy(() => {
      const x = tf.zeros([1, 2, 2, 2, 3]) as tf.Tensor5D;
      expect(() => depthwiseConv3d(x, tf.zeros([2, 2, 2, 3]) as tf.Tensor4D)).toThrow(/depthwise3d: .*cubic odd/);
      expect(() => depthwiseConv3d(x, tf.zeros([3, 3, 3, 4]) as tf.Tensor4D)).toThrow(/depthwise3d: w has 4 channels but x has 3/);
      const x4 = tf.zeros([2, 2, 2, 3]) as unknown as tf.Tensor5D;
      expect(() => depthwiseConv3d(x4, tf.zeros([3, 3, 3, 3]) as tf.Tensor4D)).toThrow(/depthwise3d: x must be/);
    });
  });
});
