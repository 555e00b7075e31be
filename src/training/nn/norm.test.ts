import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { relErr, values } from '../../../test/numeric';
import { groupNorm, normImplFor, type NormImpl } from './norm';

const IMPLS: NormImpl[] = ['moments', 'fused', 'kernel'];

type Shape5 = [number, number, number, number, number];

/** y and the gradients w.r.t. x, gamma, beta for cotangent dy. */
function run(impl: NormImpl, x: tf.Tensor5D, gamma: tf.Tensor1D, beta: tf.Tensor1D, dy: tf.Tensor5D, groups: number) {
  return tf.tidy(() => {
    const f = (a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) =>
      groupNorm(a as tf.Tensor5D, g as tf.Tensor1D, b as tf.Tensor1D, groups, 1e-5, { impl });
    const [dx, dg, db] = tf.grads(f)([x, gamma, beta], dy);
    return { y: f(x, gamma, beta).dataSync(), dx: dx.dataSync(), dg: dg.dataSync(), db: db.dataSync() };
  });
}

describe('groupNorm', () => {
  it('auto picks the kernel on host backends and the fused tfjs-op version elsewhere', () => {
    expect(normImplFor()).toBe('kernel');
    expect(normImplFor('webgl')).toBe('fused');
  });

  it.each(IMPLS)('%s: hand-computed instance norm and layer norm on 2 voxels × 2 channels', (impl) => {
    // voxels [1,3] and [5,7]. Instance norm (groups = C = 2): channel 0 = {1,5}: μ = 3, var = 4,
    // x̂ = ±2/√(4+1e-5) ≈ ±0.99999875; channel 1 = {3,7}: μ = 5, var = 4, the same x̂.
    // γ = [2,1], β = [0,10]: y = [[−2, 9], [2, 11]] (to ~3e-6).
    const x = tf.tensor5d([1, 3, 5, 7], [1, 1, 1, 2, 2]);
    const gamma = tf.tensor1d([2, 1]);
    const beta = tf.tensor1d([0, 10]);
    const inst = tf.tidy(() => groupNorm(x, gamma, beta, 2, 1e-5, { impl }).dataSync());
    [-2, 9, 2, 11].forEach((v, i) => expect(inst[i]).toBeCloseTo(v, 5));
    // Layer norm (groups = 1) over {1,3,5,7}: μ = 4, var = (9+1+1+9)/4 = 5, x̂ = (x−4)/√5:
    // [−1.341641, −0.447214, 0.447214, 1.341641]; with γ = 1, β = 0 that is y.
    const ln = tf.tidy(() => groupNorm(x, tf.ones([2]) as tf.Tensor1D, tf.zeros([2]) as tf.Tensor1D, 1, 1e-5, { impl }).dataSync());
    [-1.341641, -0.447214, 0.447214, 1.341641].forEach((v, i) => expect(ln[i]).toBeCloseTo(v, 5));
    tf.dispose([x, gamma, beta]);
  });

  it('normalises each (sample, group) to mean 0, variance 1 (γ = 1, β = 0)', () => {
    const shape: Shape5 = [2, 3, 4, 5, 8];
    const n = 960;
    const x = tf.tensor5d(values(n, 1, 5, 3), shape); // far from 0 mean / unit variance
    const y = groupNorm(x, tf.ones([8]) as tf.Tensor1D, tf.zeros([8]) as tf.Tensor1D, 4).dataSync();
    for (let b = 0; b < 2; b++) {
      for (let g = 0; g < 4; g++) {
        let s = 0, s2 = 0, m = 0;
        for (let v = 0; v < 60; v++) {
          for (let c = 2 * g; c < 2 * g + 2; c++) {
            const e = y[(b * 60 + v) * 8 + c];
            s += e;
            s2 += e * e;
            m++;
          }
        }
        expect(s / m).toBeCloseTo(0, 5);
        expect(s2 / m).toBeCloseTo(1, 3); // 1 − eps/var ≈ 1 − 1e-5/8
      }
    }
    x.dispose();
  });

  it.each([1, 2, 8])('all implementations agree on values and gradients to 1e-4 (groups = %i)', (groups) => {
    const shape: Shape5 = [2, 3, 4, 5, 8];
    const n = 960;
    const x = tf.tensor5d(values(n, 2, 3, 1), shape);
    const gamma = tf.tensor1d(values(8, 3, 1, 1));
    const beta = tf.tensor1d(values(8, 4));
    const dy = tf.tensor5d(values(n, 5), shape);
    const ref = run('moments', x, gamma, beta, dy, groups);
    for (const impl of ['fused', 'kernel'] as NormImpl[]) {
      const r = run(impl, x, gamma, beta, dy, groups);
      expect(relErr(r.y, ref.y), `${impl} y`).toBeLessThan(1e-4);
      expect(relErr(r.dx, ref.dx), `${impl} dx`).toBeLessThan(1e-4);
      expect(relErr(r.dg, ref.dg), `${impl} dgamma`).toBeLessThan(1e-4);
      expect(relErr(r.db, ref.db), `${impl} dbeta`).toBeLessThan(1e-4);
    }
    tf.dispose([x, gamma, beta, dy]);
  });

  it('kernel gradients match central finite differences of L = Σ r·y', () => {
    const shape: Shape5 = [1, 2, 2, 2, 4];
    const xv = values(32, 6, 2, 1), gv = values(4, 7, 1, 1), bv = values(4, 8), rv = values(32, 9);
    const r = tf.tensor5d(rv, shape);
    const loss = (xa: Float32Array, ga: Float32Array, ba: Float32Array): number =>
      tf.tidy(() =>
        groupNorm(tf.tensor5d(xa, shape), tf.tensor1d(ga), tf.tensor1d(ba), 2, 1e-5, { impl: 'kernel' })
          .mul(r).sum().dataSync()[0],
      );
    const g = run('kernel', tf.tensor5d(xv, shape), tf.tensor1d(gv), tf.tensor1d(bv), r, 2);
    const eps = 1e-2; // x̂ is smooth at this scale; the central difference's O(ε²) error is ~1e-4
    const fd = (arr: Float32Array, i: number, at: (v: Float32Array) => number): number => {
      const p = arr.slice(), m = arr.slice();
      p[i] += eps;
      m[i] -= eps;
      return (at(p) - at(m)) / (2 * eps);
    };
    for (const i of [0, 7, 13, 22, 31]) expect(fd(xv, i, (v) => loss(v, gv, bv))).toBeCloseTo(g.dx[i], 2);
    for (let i = 0; i < 4; i++) {
      expect(fd(gv, i, (v) => loss(xv, v, bv))).toBeCloseTo(g.dg[i], 2);
      expect(fd(bv, i, (v) => loss(xv, gv, v))).toBeCloseTo(g.db[i], 2);
    }
    r.dispose();
  });

  it('the customGrad versions keep less memory over a training step than autodiff', async () => {
    // Peak of one forward+backward, above what was live before (tf.profile's peakBytes is global).
    const shape: Shape5 = [1, 8, 8, 8, 16];
    const x = tf.tensor5d(values(8192, 10), shape);
    const gamma = tf.ones([16]) as tf.Tensor1D;
    const beta = tf.zeros([16]) as tf.Tensor1D;
    const dy = tf.tensor5d(values(8192, 11), shape);
    const peak = async (impl: NormImpl): Promise<number> => {
      const before = tf.memory().numBytes;
      const info = await tf.profile(() => {
        const g = tf.grads((a: tf.Tensor) => groupNorm(a as tf.Tensor5D, gamma, beta, 4, 1e-5, { impl }))([x], dy);
        tf.dispose(g);
      });
      return (info.peakBytes - before) / (8192 * 4); // in volume-sized float32 tensors
    };
    const moments = await peak('moments');
    const fused = await peak('fused');
    const kernel = await peak('kernel');
    // kernel: y (live until tf.grads returns) and dx, plus channel-sized vectors.
    expect(kernel).toBeLessThan(2.01);
    expect(kernel).toBeLessThan(moments - 1); // at least one whole volume saved
    expect(fused).toBeLessThan(moments);
    dy.dispose();
    tf.dispose([x, gamma, beta]);
  });

  it('leaks no tensors', () => {
    const x = tf.tensor5d(values(48, 11), [1, 2, 2, 3, 4]);
    const gamma = tf.ones([4]) as tf.Tensor1D;
    const beta = tf.zeros([4]) as tf.Tensor1D;
    const before = tf.memory().numTensors;
    for (const impl of IMPLS) {
      const y = groupNorm(x, gamma, beta, 2, 1e-5, { impl });
      const g = tf.grads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) =>
        groupNorm(a as tf.Tensor5D, b as tf.Tensor1D, c as tf.Tensor1D, 2, 1e-5, { impl }).square().sum(),
      )([x, gamma, beta]);
      tf.dispose([y, ...g]);
    }
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, gamma, beta]);
  });

  it('rejects bad groups, parameter sizes and eps', () => {
    tf.tidy(() => {
      const x = tf.zeros([1, 1, 1, 1, 6]) as tf.Tensor5D;
      const g = tf.ones([6]) as tf.Tensor1D;
      expect(() => groupNorm(x, g, g, 4)).toThrow(/norm: groupNorm groups=4 must be a positive divisor of C=6/);
      expect(() => groupNorm(x, tf.ones([3]) as tf.Tensor1D, g, 3)).toThrow(/norm: groupNorm gamma/);
      expect(() => groupNorm(x, g, g, 3, 0)).toThrow(/eps must be > 0/);
    });
  });
});
