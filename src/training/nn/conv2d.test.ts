import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { relErr, values } from '../../../test/numeric';
import { type Conv2dRoute, conv2d, conv2dOutSize, conv2dRouted, conv2dRouteFor } from './conv2d';

/** tf.conv2d on an explicitly (symmetrically) padded input: the PyTorch-semantics reference. */
function reference(x: tf.Tensor4D, w: tf.Tensor4D, stride: number, pad: number, bias?: tf.Tensor1D): tf.Tensor4D {
  const xp = tf.pad(x, [[0, 0], [pad, pad], [pad, pad], [0, 0]]) as tf.Tensor4D;
  const y = tf.conv2d(xp, w, stride, 'valid');
  return bias ? (y.add(bias) as tf.Tensor4D) : y;
}

/** y, and the gradients of Σ y·r (r a fixed cotangent) w.r.t. x, w (and bias), as host arrays. */
function valueAndGrads(f: (x: tf.Tensor4D, w: tf.Tensor4D, b: tf.Tensor1D) => tf.Tensor4D, x: tf.Tensor4D, w: tf.Tensor4D, b: tf.Tensor1D) {
  return tf.tidy(() => {
    const y = f(x, w, b);
    const r = tf.tensor(values(y.size, 99), y.shape);
    const g = tf.grads((a: tf.Tensor, c: tf.Tensor, d: tf.Tensor) => f(a as tf.Tensor4D, c as tf.Tensor4D, d as tf.Tensor1D).mul(r).sum());
    const [dx, dw, db] = g([x, w, b]);
    return { shape: y.shape, y: y.dataSync(), dx: dx.dataSync(), dw: dw.dataSync(), db: db.dataSync() };
  });
}

describe('conv2d', () => {
  it("'auto' routes through conv3d on host backends and tf.conv2d elsewhere", () => {
    expect(conv2dRouteFor('auto', 'cpu')).toBe('conv3d');
    expect(conv2dRouteFor('auto', 'wasm')).toBe('conv3d');
    expect(conv2dRouteFor('auto', 'webgl')).toBe('conv2d');
    expect(conv2dRouteFor('auto', 'webgpu')).toBe('conv2d');
    expect(conv2dRouteFor('conv2d', 'cpu')).toBe('conv2d');
    expect(() => conv2dRouteFor('bogus' as Conv2dRoute, 'cpu')).toThrow(/route = 'bogus'/);
  });

  it('pads symmetrically like PyTorch: by-hand 3×3, stride 2 on a 4×4 ramp, where TF "same" differs', () => {
    // x[i,j] = 4i + j + 1 (1..16), w = ones(3×3). PyTorch pads 1 on every side; outputs centre on
    // input (0,0), (0,2), (2,0), (2,2) and sum the in-image part of each 3×3 window:
    //   (0,0): rows 0–1 × cols 0–1 = 1+2+5+6 = 14
    //   (0,2): rows 0–1 × cols 1–3 = 2+3+4+6+7+8 = 30
    //   (2,0): rows 1–3 × cols 0–1 = 5+6+9+10+13+14 = 57
    //   (2,2): rows 1–3 × cols 1–3 = 6+7+8+10+11+12+14+15+16 = 99
    // TF 'same' pads 0 on top/left and 1 on bottom/right instead, centring on (1,1): 1+2+3+5+6+7+9+10+11 = 54.
    const x = tf.tensor4d(Float32Array.from({ length: 16 }, (_, i) => i + 1), [1, 4, 4, 1]);
    const w = tf.ones([3, 3, 1, 1]) as tf.Tensor4D;
    for (const route of ['auto', 'conv3d', 'conv2d'] as const) {
      const y = conv2d(x, w, { stride: 2, route });
      expect(y.shape, route).toEqual([1, 2, 2, 1]);
      expect(Array.from(y.dataSync()), route).toEqual([14, 30, 57, 99]);
      y.dispose();
    }
    const same = tf.conv2d(x, w, 2, 'same');
    expect(same.dataSync()[0]).toBe(54);
    tf.dispose([x, w, same]);
  });

  it('all routes match tf.conv2d on a padded input: values and dx, dw, db within 1e-5 (k 1/3/5, stride 1/2, odd/even sizes)', () => {
    let n = 0;
    for (const k of [1, 3, 5])
      for (const stride of [1, 2])
        for (const [H, W] of [[7, 7], [8, 6]]) {
          const pad = (k - 1) / 2;
          const x = tf.tensor4d(values(2 * H * W * 3, 1 + k + stride), [2, H, W, 3]);
          const w = tf.tensor4d(values(k * k * 3 * 4, 7 + k), [k, k, 3, 4]);
          const b = tf.tensor1d(values(4, 3));
          const ref = valueAndGrads((a, c, d) => reference(a, c, stride, pad, d), x, w, b);
          expect(ref.shape).toEqual([2, conv2dOutSize(H, k, stride), conv2dOutSize(W, k, stride), 4]);
          for (const route of ['auto', 'conv3d', 'conv2d'] as const) {
            const got = valueAndGrads((a, c, d) => conv2d(a, c, { stride, route, bias: d }), x, w, b);
            const tag = `k=${k} s=${stride} ${H}×${W} ${route}`;
            expect(got.shape, tag).toEqual(ref.shape);
            expect(relErr(got.y, ref.y), tag).toBeLessThan(1e-5);
            expect(relErr(got.dx, ref.dx), tag).toBeLessThan(1e-5);
            expect(relErr(got.dw, ref.dw), tag).toBeLessThan(1e-5);
            expect(relErr(got.db, ref.db), tag).toBeLessThan(1e-5);
            n++;
          }
          tf.dispose([x, w, b]);
        }
    expect(n).toBe(36);
  });

  it('honours an explicit pad (pad 0 = valid; pad 2 with k 3 grows the map) and the output-size formula', () => {
    // H' = floor((H + 2p − k)/s) + 1: 9, k 3, p 0, s 2 → 4;  9, k 3, p 2, s 1 → 11.
    expect(conv2dOutSize(9, 3, 2, 0)).toBe(4);
    expect(conv2dOutSize(9, 3, 1, 2)).toBe(11);
    const x = tf.tensor4d(values(9 * 9 * 2, 5), [1, 9, 9, 2]);
    const w = tf.tensor4d(values(3 * 3 * 2 * 3, 6), [3, 3, 2, 3]);
    for (const [pad, stride] of [[0, 2], [2, 1]]) {
      const ref = reference(x, w, stride, pad);
      const got = conv2d(x, w, { pad, stride });
      expect(got.shape).toEqual(ref.shape);
      expect(relErr(got.dataSync(), ref.dataSync())).toBeLessThan(1e-6);
      tf.dispose([ref, got]);
    }
    tf.dispose([x, w]);
  });

  it("conv2dRouted keeps LeNet's 'same'/'valid' stride-1 form", () => {
    const x = tf.tensor4d(values(2 * 6 * 6 * 1, 11), [2, 6, 6, 1]);
    const w = tf.tensor4d(values(5 * 5 * 1 * 2, 12), [5, 5, 1, 2]);
    for (const padding of ['same', 'valid'] as const) {
      const ref = tf.conv2d(x, w, 1, padding);
      const got = conv2dRouted(x, w, padding, 'conv3d');
      expect(got.shape).toEqual(ref.shape);
      expect(relErr(got.dataSync(), ref.dataSync())).toBeLessThan(1e-6);
      tf.dispose([ref, got]);
    }
    tf.dispose([x, w]);
  });

  it('rejects bad shapes, naming the problem', () => {
    const x = tf.zeros([1, 5, 5, 3]) as tf.Tensor4D;
    expect(() => conv2d(x, tf.zeros([3, 3, 2, 4]) as tf.Tensor4D)).toThrow(/w has 2 input channels but x \[1,5,5,3\] has 3/);
    expect(() => conv2d(x, tf.zeros([3, 1, 3, 4]) as tf.Tensor4D)).toThrow(/square kernel/);
    expect(() => conv2d(x, tf.zeros([3, 3, 3, 4]) as tf.Tensor4D, { stride: 0 })).toThrow(/stride = 0/);
    expect(() => conv2d(x, tf.zeros([7, 7, 3, 4]) as tf.Tensor4D, { pad: 0 })).toThrow(/smaller than the 7×7 kernel/);
    expect(() => conv2d(x, tf.zeros([1, 1, 3, 4]) as tf.Tensor4D, { bias: tf.zeros([3]) as tf.Tensor1D })).toThrow(/bias must be \[4\]/);
    x.dispose();
  });

  it('leaks no tensors through a forward and backward pass', () => {
    const x = tf.tensor4d(values(2 * 6 * 6 * 3, 2), [2, 6, 6, 3]);
    const w3 = tf.tensor4d(values(27 * 4, 3), [3, 3, 3, 4]);
    const w1 = tf.tensor4d(values(16, 4), [1, 1, 4, 4]);
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      // 3×3 stride 2 (conv3d route), then 1×1 (pointwise kernel).
      const f = (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => conv2d(conv2d(a as tf.Tensor4D, b as tf.Tensor4D, { stride: 2 }), c as tf.Tensor4D).square().sum();
      tf.grads(f)([x, w3, w1]);
    });
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, w3, w1]);
  });

  it('wasm: conv2d (auto) matches cpu in value and gradients, strides 1/2/8 (its strided depth-1 Conv3D backprop is wrong; the customGrad fixes it)', async () => {
    await import('@tensorflow/tfjs-backend-wasm');
    const home = tf.getBackend();
    // [H, W, k, stride]; 1×1 stride 2 has dx wrong on wasm too, stride 1 is right without the fix.
    const cases: [number, number, number, number][] = [[8, 7, 3, 1], [8, 7, 3, 2], [7, 7, 5, 2], [8, 8, 1, 2], [16, 15, 15, 8]];
    const run = async (backend: string) => {
      await tf.setBackend(backend);
      const out: Float32Array[] = [];
      tf.tidy(() => {
        for (const [H, W, k, stride] of cases) {
          const x = tf.tensor4d(values(2 * H * W * 3, 21 + k), [2, H, W, 3]);
          const w = tf.tensor4d(values(k * k * 3 * 4, 22 + k), [k, k, 3, 4]);
          const y = conv2d(x, w, { stride });
          const r = tf.tensor(values(y.size, 25), y.shape);
          const f = (a: tf.Tensor, c: tf.Tensor) => conv2d(a as tf.Tensor4D, c as tf.Tensor4D, { stride }).mul(r).sum();
          const [dx, dw] = tf.grads(f)([x, w]);
          out.push(y.dataSync() as Float32Array, dx.dataSync() as Float32Array, dw.dataSync() as Float32Array);
        }
        // 1×1 stride 1 with bias: the pointwise kernel.
        const x = tf.tensor4d(values(2 * 5 * 5 * 3, 26), [2, 5, 5, 3]);
        const g = (a: tf.Tensor, c: tf.Tensor, d: tf.Tensor) => conv2d(a as tf.Tensor4D, c as tf.Tensor4D, { bias: d as tf.Tensor1D }).square().sum();
        out.push(...tf.grads(g)([x, tf.tensor4d(values(15, 23), [1, 1, 3, 5]), tf.tensor1d(values(5, 24))]).map((t) => t.dataSync() as Float32Array));
      });
      return out;
    };
    try {
      const cpu = await run('cpu');
      const wasm = await run('wasm');
      expect(wasm.length).toBe(3 * cases.length + 3);
      wasm.forEach((v, i) => expect(relErr(v, cpu[i]), `output ${i}: case ${Math.floor(i / 3)}, ${['y', 'dx', 'dw'][i % 3]}`).toBeLessThan(1e-5));
    } finally {
      await tf.setBackend(home);
    }
  });
});
