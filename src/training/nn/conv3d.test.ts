import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { relErr, values } from '../../../test/numeric';
import { conv3d, conv3dImplFor, pointwiseConv3d, pointwiseImplFor, type Conv3dImpl } from './conv3d';

const CONV_IMPLS: Conv3dImpl[] = ['kernel', 'tfjs'];

type Shape5 = [number, number, number, number, number];

/** A [3,3,3,1,1] kernel that is 1 at the centre tap: y[o] = x[the input under the window centre]. */
const centreTap = (): tf.Tensor5D => {
  const w = new Float32Array(27);
  w[13] = 1;
  return tf.tensor5d(w, [3, 3, 3, 1, 1]);
};

describe('conv3d', () => {
  it('auto uses the typed-array kernel on host backends, tf.conv3d elsewhere', () => {
    expect(conv3dImplFor()).toBe('kernel');
    expect(conv3dImplFor('webgpu')).toBe('tfjs');
  });

  it.each(CONV_IMPLS)('%s: hand-computed row, stride 1 (D = H = 1: only taps w[1,1,:] see data)', (impl) => {
    // x = [1,2,3] along W, w[1,1,:] = [10,20,30]: y = [0·10+1·20+2·30, 1·10+2·20+3·30, 2·10+3·20+0·30] = [80,140,80].
    const wv = new Float32Array(27).fill(100); // taps off the middle row read only zero padding
    wv.set([10, 20, 30], 12);
    const y = tf.tidy(() => conv3d(tf.tensor5d([1, 2, 3], [1, 1, 1, 3, 1]), tf.tensor5d(wv, [3, 3, 3, 1, 1]), 1, { impl }).dataSync());
    expect(Array.from(y)).toEqual([80, 140, 80]);
  });

  it.each([
    [[1, 5, 4, 7, 2], [1, 3, 2, 4, 3]],
    [[2, 4, 4, 4, 2], [2, 2, 2, 2, 3]],
    [[1, 1, 2, 3, 2], [1, 1, 1, 2, 3]],
    [[1, 32, 31, 17, 2], [1, 16, 16, 9, 3]],
  ] as [Shape5, Shape5][])('stride 2 maps %j to ⌈n/2⌉ per axis: %j', (inShape, outShape) => {
    for (const impl of CONV_IMPLS) {
      const y = tf.tidy(() => conv3d(tf.zeros(inShape) as tf.Tensor5D, tf.zeros([3, 3, 3, 2, 3]) as tf.Tensor5D, 2, { impl }).shape);
      expect(y).toEqual(outShape);
      const y1 = tf.tidy(() => conv3d(tf.zeros(inShape) as tf.Tensor5D, tf.zeros([3, 3, 3, 2, 3]) as tf.Tensor5D, 1, { impl }).shape);
      expect(y1).toEqual([...inShape.slice(0, 4), 3]);
    }
  });

  it.each(CONV_IMPLS)('%s: stride 2 "same" pads the odd leftover at the back: which input each output centres on', (impl) => {
    // TF 'same': pad total = (out−1)·2 + 3 − n, front = ⌊total/2⌋.
    // n = 4: out 2, total 1, front 0 → window of output o is inputs 2o..2o+2, centre 2o+1 → x[1], x[3].
    // n = 5: out 3, total 2, front 1 → centre 2o → x[0], x[2], x[4].
    const w = centreTap();
    const even = tf.tidy(() => conv3d(tf.tensor5d([10, 11, 12, 13], [1, 1, 1, 4, 1]), w, 2, { impl }).dataSync());
    expect(Array.from(even)).toEqual([11, 13]);
    const odd = tf.tidy(() => conv3d(tf.tensor5d([10, 11, 12, 13, 14], [1, 1, 1, 5, 1]), w, 2, { impl }).dataSync());
    expect(Array.from(odd)).toEqual([10, 12, 14]);
    // Same along depth: n = 4 picks depth 1 and 3.
    const xd = tf.tensor5d([10, 11, 12, 13], [1, 4, 1, 1, 1]);
    expect(Array.from(tf.tidy(() => conv3d(xd, w, 2, { impl }).dataSync()))).toEqual([11, 13]);
    // k = 1: total pad = max((out−1)·2 + 1 − n, 0) = 0, so outputs read inputs 0, 2, 4, … on every axis
    // (TensorFlow; tfjs's own cpu Conv3D would crop and read 1, 3 on even axes: see conv3d.ts).
    const one = tf.ones([1, 1, 1, 1, 1]) as tf.Tensor5D;
    const x23 = tf.tensor5d([0, 1, 2, 3, 4, 5], [1, 1, 2, 3, 1]); // H = 2, W = 3
    expect(Array.from(tf.tidy(() => conv3d(x23, one, 2, { impl }).dataSync()))).toEqual([0, 2]);
    tf.dispose([one, x23]);
    tf.dispose([w, xd]);
  });

  it.each([
    ['kernel', 1],
    ['kernel', 2],
    ['tfjs', 1],
    ['tfjs', 2],
  ] as [Conv3dImpl, 1 | 2][])('%s stride %i: gradients match finite differences of L = Σ r·y (linear, so exact)', (impl, stride) => {
    const xs: Shape5 = [1, 3, 4, 5, 2];
    const ys: Shape5 = stride === 1 ? [1, 3, 4, 5, 3] : [1, 2, 2, 3, 3];
    const xv = values(120, 1), wv = values(162, 2), rv = values(ys.reduce((a, b) => a * b, 1), 3);
    const r = tf.tensor5d(rv, ys);
    const loss = (xa: Float32Array, wa: Float32Array): number =>
      tf.tidy(() => conv3d(tf.tensor5d(xa, xs), tf.tensor5d(wa, [3, 3, 3, 2, 3]), stride, { impl }).mul(r).sum().dataSync()[0]);
    const [dx, dw] = tf.tidy(() =>
      tf.grads((a: tf.Tensor, b: tf.Tensor) => conv3d(a as tf.Tensor5D, b as tf.Tensor5D, stride, { impl }))(
        [tf.tensor5d(xv, xs), tf.tensor5d(wv, [3, 3, 3, 2, 3])], r).map((t) => t.dataSync()),
    );
    const eps = 0.5;
    const fd = (arr: Float32Array, i: number, at: (v: Float32Array) => number): number => {
      const p = arr.slice(), m = arr.slice();
      p[i] += eps;
      m[i] -= eps;
      return (at(p) - at(m)) / (2 * eps);
    };
    for (const i of [0, 33, 77, 119]) expect(fd(xv, i, (v) => loss(v, wv))).toBeCloseTo(dx[i], 4);
    for (const i of [0, 80, 161]) expect(fd(wv, i, (v) => loss(xv, v))).toBeCloseTo(dw[i], 4);
    r.dispose();
  });

  it.each([
    [[2, 5, 4, 7, 3], 5, 3, 1],
    [[2, 5, 4, 7, 3], 5, 3, 2],
    [[1, 6, 6, 6, 4], 8, 3, 2],
    [[1, 3, 4, 5, 2], 3, 5, 1],
    [[1, 3, 4, 5, 2], 3, 1, 2],
  ] as [Shape5, number, number, 1 | 2][])('kernel matches tf.conv3d: x %j → %i channels, k = %i, stride %i', (xs, Cout, k, stride) => {
    const n = xs.reduce((a, b) => a * b, 1);
    const x = tf.tensor5d(values(n, 30), xs);
    const w = tf.tensor5d(values(k * k * k * xs[4] * Cout, 31), [k, k, k, xs[4], Cout]);
    const [a, b] = CONV_IMPLS.map((impl) =>
      tf.tidy(() => {
        const f = (p: tf.Tensor, q: tf.Tensor) => conv3d(p as tf.Tensor5D, q as tf.Tensor5D, stride, { impl });
        const y = f(x, w);
        const dy = tf.tensor(values(y.size, 32), y.shape);
        return [y, ...tf.grads(f)([x, w], dy)].map((t) => t.dataSync());
      }),
    );
    for (let i = 0; i < 3; i++) expect(relErr(a[i], b[i]), ['y', 'dx', 'dw'][i]).toBeLessThan(1e-5);
    tf.dispose([x, w]);
  });

  it('rejects mismatched channels, ranks and strides', () => {
    tf.tidy(() => {
      const x = tf.zeros([1, 2, 2, 2, 3]) as tf.Tensor5D;
      expect(() => conv3d(x, tf.zeros([3, 3, 3, 4, 2]) as tf.Tensor5D)).toThrow(/conv3d: w expects 4 input channels but x has 3/);
      expect(() => conv3d(x, tf.zeros([3, 1, 3, 3, 2]) as tf.Tensor5D)).toThrow(/conv3d: w must be a cubic kernel/);
      expect(() => conv3d(x, tf.zeros([3, 3, 3, 3, 2]) as tf.Tensor5D, 3 as 2)).toThrow(/conv3d: stride must be 1 or 2/);
      expect(() => conv3d(x, tf.zeros([3, 3, 3, 3]) as unknown as tf.Tensor5D)).toThrow(/conv3d: w must be/);
    });
  });
});

describe('pointwiseConv3d', () => {
  it('hand-computed: one voxel [1,2], w = [[1,0,2],[0,1,3]], b = [10,20,30]', () => {
    // y = [1·1+2·0+10, 1·0+2·1+20, 1·2+2·3+30] = [11, 22, 38]
    const y = tf.tidy(() =>
      pointwiseConv3d(tf.tensor5d([1, 2], [1, 1, 1, 1, 2]), tf.tensor2d([1, 0, 2, 0, 1, 3], [2, 3]), tf.tensor1d([10, 20, 30])).dataSync(),
    );
    expect(Array.from(y)).toEqual([11, 22, 38]);
  });

  it('auto uses the typed-array kernel on host backends, fused matMul elsewhere', () => {
    expect(pointwiseImplFor()).toBe('kernel');
    expect(pointwiseImplFor('webgl')).toBe('matmul');
  });

  it('kernel, matMul and 1×1×1 conv3d paths agree on values and all gradients, with and without bias', () => {
    // Cout = 7: the kernel's 4-wide output blocks plus a remainder of 3.
    const xs: Shape5 = [2, 3, 4, 5, 6];
    const x = tf.tensor5d(values(720, 4), xs);
    const w = tf.tensor2d(values(42, 5), [6, 7]);
    const b = tf.tensor1d(values(7, 6));
    const dy = tf.tensor5d(values(840, 7), [2, 3, 4, 5, 7]);
    for (const withBias of [true, false]) {
      const res = (['kernel', 'matmul', 'conv3d'] as const).map((impl) =>
        tf.tidy(() => {
          const f = (p: tf.Tensor, q: tf.Tensor, r: tf.Tensor) =>
            pointwiseConv3d(p as tf.Tensor5D, q as tf.Tensor2D, withBias ? (r as tf.Tensor1D) : undefined, { impl });
          const y = f(x, w, b);
          expect(y.shape).toEqual([2, 3, 4, 5, 7]);
          const grads = withBias ? tf.grads(f)([x, w, b], dy) : tf.grads((p: tf.Tensor, q: tf.Tensor) => f(p, q, b))([x, w], dy);
          return [y, ...grads].map((t) => t.dataSync());
        }),
      );
      for (const other of [res[1], res[2]]) {
        for (let i = 0; i < res[0].length; i++) expect(relErr(res[0][i], other[i])).toBeLessThan(1e-5);
      }
      if (withBias) {
        // dL/db = Σ over voxels of dy: check against a direct sum for output channel 0.
        const dyv = dy.dataSync();
        let s = 0;
        for (let v = 0; v < 120; v++) s += dyv[v * 7];
        expect(res[0][3][0]).toBeCloseTo(s, 4);
      }
    }
    tf.dispose([x, w, b, dy]);
  });

  it('leaks no tensors and names bad shapes', () => {
    const x = tf.tensor5d(values(24, 8), [1, 2, 2, 2, 3]);
    const w = tf.tensor2d(values(6, 9), [3, 2]);
    const b = tf.tensor1d([1, 2]);
    const before = tf.memory().numTensors;
    for (const impl of ['kernel', 'matmul', 'conv3d'] as const) {
      const y = pointwiseConv3d(x, w, b, { impl });
      const g = tf.grads((p: tf.Tensor, q: tf.Tensor, r: tf.Tensor) =>
        pointwiseConv3d(p as tf.Tensor5D, q as tf.Tensor2D, r as tf.Tensor1D, { impl }).square().sum(),
      )([x, w, b]);
      tf.dispose([y, ...g]);
      tf.tidy(() => {
        const wc = tf.ones([3, 3, 3, 3, 2]) as tf.Tensor5D;
        tf.grads((p: tf.Tensor, q: tf.Tensor) => conv3d(p as tf.Tensor5D, q as tf.Tensor5D, 2, { impl: impl === 'conv3d' ? 'tfjs' : 'kernel' }).sum())([x, wc]);
      });
    }
    expect(tf.memory().numTensors).toBe(before);
    tf.tidy(() => {
      expect(() => pointwiseConv3d(x, tf.zeros([4, 2]) as tf.Tensor2D)).toThrow(/conv3d: pointwiseConv3d w must be \[Cin=3, Cout\]/);
      expect(() => pointwiseConv3d(x, w, tf.zeros([3]) as tf.Tensor1D)).toThrow(/conv3d: pointwiseConv3d bias must be \[2\]/);
    });
    tf.dispose([x, w, b]);
  });
});

describe('pointwiseConv3d kernel remainders', () => {
  it('handles N, Cin, Cout not multiples of 4 (N = 3 voxels, 5 → 3 channels) against a direct sum', () => {
    const xv = values(15, 20), wv = values(15, 21), bv = values(3, 22), dyv = values(9, 23);
    const x = tf.tensor5d(xv, [1, 1, 1, 3, 5]);
    const w = tf.tensor2d(wv, [5, 3]);
    const b = tf.tensor1d(bv);
    const dy = tf.tensor5d(dyv, [1, 1, 1, 3, 3]);
    const [y, dx, dw, db] = tf.tidy(() => {
      const f = (p: tf.Tensor, q: tf.Tensor, r: tf.Tensor) =>
        pointwiseConv3d(p as tf.Tensor5D, q as tf.Tensor2D, r as tf.Tensor1D, { impl: 'kernel' });
      return [f(x, w, b), ...tf.grads(f)([x, w, b], dy)].map((t) => t.dataSync());
    });
    for (let n = 0; n < 3; n++) {
      for (let o = 0; o < 3; o++) {
        let s = bv[o];
        for (let i = 0; i < 5; i++) s += xv[n * 5 + i] * wv[i * 3 + o];
        expect(y[n * 3 + o]).toBeCloseTo(s, 5);
      }
      for (let i = 0; i < 5; i++) {
        let s = 0;
        for (let o = 0; o < 3; o++) s += dyv[n * 3 + o] * wv[i * 3 + o];
        expect(dx[n * 5 + i]).toBeCloseTo(s, 5);
      }
    }
    for (let i = 0; i < 5; i++) {
      for (let o = 0; o < 3; o++) {
        let s = 0;
        for (let n = 0; n < 3; n++) s += xv[n * 5 + i] * dyv[n * 3 + o];
        expect(dw[i * 3 + o]).toBeCloseTo(s, 5);
      }
    }
    for (let o = 0; o < 3; o++) expect(db[o]).toBeCloseTo(dyv[o] + dyv[3 + o] + dyv[6 + o], 5);
    tf.dispose([x, w, b, dy]);
  });
});
