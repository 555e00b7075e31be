import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { relErr, values } from '../../../test/numeric';
import { type Depthwise2dImpl, depthwise2dImplFor, depthwise2dOutSize, depthwiseConv2d } from './depthwise2d';

/** Float64 reference by direct summation: y, and for cotangent dy the gradients dx and dw. */
function naive(x: Float32Array, w: Float32Array, dy: Float32Array, shape: number[], k: number, s: number) {
  const [B, H, W, C] = shape;
  const p = (k - 1) >> 1;
  const Ho = Math.floor((H + 2 * p - k) / s) + 1, Wo = Math.floor((W + 2 * p - k) / s) + 1;
  const y = new Float64Array(B * Ho * Wo * C), dx = new Float64Array(x.length), dw = new Float64Array(w.length);
  for (let b = 0; b < B; b++)
    for (let i = 0; i < Ho; i++)
      for (let j = 0; j < Wo; j++)
        for (let u = 0; u < k; u++)
          for (let v = 0; v < k; v++) {
            const ih = i * s + u - p, iw = j * s + v - p;
            if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
            for (let c = 0; c < C; c++) {
              const o = ((b * Ho + i) * Wo + j) * C + c, q = ((b * H + ih) * W + iw) * C + c, t = (u * k + v) * C + c;
              y[o] += x[q] * w[t];
              dx[q] += dy[o] * w[t];
              dw[t] += x[q] * dy[o];
            }
          }
  return { y, dx, dw, shape: [B, Ho, Wo, C] };
}

function run(impl: Depthwise2dImpl, x: tf.Tensor4D, w: tf.Tensor3D, stride: number, dyv?: Float32Array) {
  return tf.tidy(() => {
    const f = (a: tf.Tensor, b: tf.Tensor) => depthwiseConv2d(a as tf.Tensor4D, b as tf.Tensor3D, { stride, impl });
    const y = f(x, w);
    const dy = tf.tensor(dyv ?? values(y.size, 17), y.shape);
    const [dx, dw] = tf.grads(f)([x, w], dy);
    return { shape: y.shape, y: y.dataSync() as Float32Array, dx: dx.dataSync() as Float32Array, dw: dw.dataSync() as Float32Array, dy: dy.dataSync() as Float32Array };
  });
}

describe('depthwiseConv2d', () => {
  it("'auto' takes the typed-array kernel on host backends and tf.depthwiseConv2d elsewhere", () => {
    expect(depthwise2dImplFor('cpu')).toBe('kernel');
    expect(depthwise2dImplFor('wasm')).toBe('kernel');
    expect(depthwise2dImplFor('webgl')).toBe('tfjs');
    expect(depthwise2dImplFor('webgpu')).toBe('tfjs');
  });

  it.each(['kernel', 'tfjs'] as const)('%s: by hand, 3×3 stride 2 on a 4×4 ramp (PyTorch padding 1 on every side)', (impl) => {
    // x[i,j] = 4i + j + 1 (one channel), w[u,v] = 3u + v + 1 (1..9). Output (0,0) centres on input
    // (0,0): only taps u,v ∈ {1,2} see the image: 1·5 + 2·6 + 5·8 + 6·9 = 5 + 12 + 40 + 54 = 111.
    // Output (1,1) centres on (2,2): Σ_{u,v} x[1+u, 1+v]·w[u,v] = 6·1+7·2+8·3+10·4+11·5+12·6+14·7+15·8+16·9 = 573.
    // dy = 1 everywhere: dw[u,v] = Σ over the 4 outputs of the pixel each reads: dw[0,0] reads (−1,−1), (−1,1), (1,−1), (1,1)
    // → only x[1,1] = 6 is inside; dw[1,1] reads (0,0),(0,2),(2,0),(2,2) → 1 + 3 + 9 + 11 = 24.
    const x = tf.tensor4d(Float32Array.from({ length: 16 }, (_, i) => i + 1), [1, 4, 4, 1]);
    const w = tf.tensor3d(Float32Array.from({ length: 9 }, (_, i) => i + 1), [3, 3, 1]);
    const r = run(impl, x, w, 2, new Float32Array(4).fill(1));
    expect(r.shape).toEqual([1, 2, 2, 1]);
    expect(r.y[0]).toBeCloseTo(111, 4);
    expect(r.y[3]).toBeCloseTo(573, 4);
    expect(r.dw[0]).toBeCloseTo(6, 5);
    expect(r.dw[4]).toBeCloseTo(24, 5);
    tf.dispose([x, w]);
  });

  it('kernel and tfjs match a naive loop: values, dx, dw for k 3/5/7/15, stride 1/2/4/8, sizes 7 and 14 (≤ 1e-5)', () => {
    let n = 0;
    for (const k of [3, 5, 7, 15])
      for (const s of [1, 2, 4, 8])
        for (const [H, W] of [[7, 14], [14, 7]]) {
          const shape = [2, H, W, 3];
          const xv = values(2 * H * W * 3, k * 31 + s), wv = values(k * k * 3, k + 5 * s);
          const x = tf.tensor4d(xv, shape as [number, number, number, number]);
          const w = tf.tensor3d(wv, [k, k, 3]);
          const kern = run('kernel', x, w, s);
          const ref = naive(xv, wv, kern.dy, shape, k, s);
          expect(kern.shape).toEqual(ref.shape);
          expect(ref.shape[1]).toBe(depthwise2dOutSize(H, k, s));
          const tfjs = run('tfjs', x, w, s);
          const tag = `k=${k} s=${s} ${H}×${W}`;
          for (const [name, got] of [['kernel', kern], ['tfjs', tfjs]] as const) {
            expect(relErr(got.y, ref.y), `${tag} ${name} y`).toBeLessThan(1e-5);
            expect(relErr(got.dx, ref.dx), `${tag} ${name} dx`).toBeLessThan(1e-5);
            expect(relErr(got.dw, ref.dw), `${tag} ${name} dw`).toBeLessThan(1e-5);
          }
          tf.dispose([x, w]);
          n++;
        }
    expect(n).toBe(32);
  });

  it('output sizes follow PyTorch at the RevBiFPN down-path strides: 56 → 28/14/7 with k 3/7/15', () => {
    // floor((56 + 2·p − k)/s) + 1 with p = (k−1)/2: k3 s2: floor(55/2)+1 = 28; k7 s4: floor(55/4)+1 = 14; k15 s8: floor(55/8)+1 = 7.
    const x = tf.zeros([1, 56, 56, 2]) as tf.Tensor4D;
    for (const [k, s, o] of [[3, 2, 28], [7, 4, 14], [15, 8, 7]]) {
      const y = depthwiseConv2d(x, tf.zeros([k, k, 2]) as tf.Tensor3D, { stride: s });
      expect(y.shape).toEqual([1, o, o, 2]);
      y.dispose();
    }
    x.dispose();
  });

  it('accepts a [k,k,C,1] kernel and rejects bad shapes, naming the problem', () => {
    const x = tf.tensor4d(values(2 * 5 * 5 * 2, 1), [2, 5, 5, 2]);
    const w3 = tf.tensor3d(values(18, 2), [3, 3, 2]);
    const a = depthwiseConv2d(x, w3, { stride: 2 });
    const b = depthwiseConv2d(x, w3.reshape([3, 3, 2, 1]) as tf.Tensor4D, { stride: 2 });
    expect(relErr(a.dataSync(), b.dataSync())).toBe(0);
    expect(() => depthwiseConv2d(x, tf.zeros([3, 3, 3]) as tf.Tensor3D)).toThrow(/w has 3 channels but x \[2,5,5,2\] has 2/);
    expect(() => depthwiseConv2d(x, tf.zeros([3, 3, 2, 2]) as tf.Tensor4D)).toThrow(/\[k,k,C\] or \[k,k,C,1\]/);
    expect(() => depthwiseConv2d(x, w3, { stride: 1.5 })).toThrow(/stride = 1.5/);
    expect(() => depthwiseConv2d(x, w3, { impl: 'nope' as Depthwise2dImpl })).toThrow(/unknown impl 'nope'/);
    tf.dispose([x, w3, a, b]);
  });

  it('leaks no tensors through forward and backward', () => {
    const x = tf.tensor4d(values(2 * 9 * 9 * 4, 3), [2, 9, 9, 4]);
    const w = tf.tensor3d(values(7 * 7 * 4, 4), [7, 7, 4]);
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      tf.grads((a: tf.Tensor, b: tf.Tensor) => depthwiseConv2d(a as tf.Tensor4D, b as tf.Tensor3D, { stride: 4 }).square().sum())([x, w]);
      depthwiseConv2d(x, w); // forward only, outside any tape
    });
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, w]);
  });

  it("wasm: the kernel matches cpu's kernel (wasm has no depthwise backprop kernels)", async () => {
    await import('@tensorflow/tfjs-backend-wasm');
    const home = tf.getBackend();
    const xv = values(2 * 14 * 7 * 5, 8), wv = values(7 * 7 * 5, 9);
    const go = async (backend: string) => {
      await tf.setBackend(backend);
      const x = tf.tensor4d(xv, [2, 14, 7, 5]);
      const w = tf.tensor3d(wv, [7, 7, 5]);
      const r = run('kernel', x, w, 4);
      tf.dispose([x, w]);
      return r;
    };
    try {
      const cpu = await go('cpu');
      const wasm = await go('wasm');
      expect(wasm.shape).toEqual([2, 4, 2, 5]);
      expect(relErr(wasm.y, cpu.y)).toBeLessThan(1e-6);
      expect(relErr(wasm.dx, cpu.dx)).toBeLessThan(1e-6);
      expect(relErr(wasm.dw, cpu.dw)).toBeLessThan(1e-6);
    } finally {
      await tf.setBackend(home);
    }
  });
});
