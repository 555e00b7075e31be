import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { relErr, values } from '../../../test/numeric';
import { Adam } from '../core/adam';
import { countParams, disposeParams, flattenParams, gradsByParamName } from '../core/params';
import { Rng } from '../core/rng';
import { conv2dRouted, conv2dRouteFor } from '../nn/conv2d';
import { applyLeNet, initLeNet, lenetConfig, lenetFeatureSize, lenetParamCount, lenetStageSizes } from './lenet';

const read = (t: tf.Tensor): Float32Array => t.dataSync() as Float32Array;

describe('LeNet config and parameters', () => {
  it('has the code\'s layer sizes and closed-form parameter counts', () => {
    // lenet5: 28 → conv5 valid 24 → pool 12 → conv5 8 → pool 4; 16·4·4 = 256 features.
    // 5·5·1·6+6 = 156, 5·5·6·16+16 = 2416, 256·120+120 = 30840, 120·84+84 = 10164, 84·10+10 = 850
    // → 44,426.
    const student = lenetConfig('lenet5');
    expect(lenetStageSizes(student)).toEqual([12, 4]);
    expect(lenetFeatureSize(student)).toBe(256);
    expect(lenetParamCount(student)).toBe(44426);
    // magnet-embedding: 28 → same 28 → 14 → same 14 → 7; 64·7·7 = 3136.
    // 5·5·1·32+32 = 832, 5·5·32·64+64 = 51264, 3136·2+2 = 6274 → 58,370.
    const emb = lenetConfig('magnet-embedding');
    expect(lenetStageSizes(emb)).toEqual([14, 7]);
    expect(lenetFeatureSize(emb)).toBe(3136);
    expect(lenetParamCount(emb)).toBe(58370);
    expect(lenetParamCount(lenetConfig('magnet-embedding', { outDim: 64 }))).toBe(832 + 51264 + 3136 * 64 + 64);
    const p = initLeNet(student, new Rng(0));
    expect(countParams(p)).toBe(44426);
    expect([...flattenParams(p).keys()]).toEqual(['convs.0.w', 'convs.0.b', 'convs.1.w', 'convs.1.b', 'hidden.0.w', 'hidden.0.b', 'hidden.1.w', 'hidden.1.b', 'out.w', 'out.b']);
    // PyTorch default init: U(±1/√fanIn); conv1 fanIn 25 → ±0.2, fc1 fanIn 256 → ±0.0625.
    const w0 = read(p.convs[0].w);
    expect(Math.max(...w0.map(Math.abs))).toBeLessThanOrEqual(0.2);
    expect(Math.max(...w0.map(Math.abs))).toBeGreaterThan(0.15);
    expect(Math.max(...read(p.hidden[0].w).map(Math.abs))).toBeLessThanOrEqual(0.0625);
    const q = initLeNet(student, new Rng(0));
    expect(Array.from(read(q.out.w))).toEqual(Array.from(read(p.out.w))); // seeded
    disposeParams(p);
    disposeParams(q);
  });

  it('validates the config, naming the bad field', () => {
    expect(() => lenetConfig('lenet5', { outDim: 0 })).toThrow(/outDim = 0/);
    expect(() => lenetConfig('lenet5', { convChannels: [6, 1.5] })).toThrow(/convChannels\[1\] = 1.5/);
    expect(() => lenetConfig('lenet5', { hidden: [-1] })).toThrow(/hidden\[0\] = -1/);
    expect(() => lenetConfig('lenet5', { padding: 'full' as never })).toThrow(/padding = 'full'/);
    expect(() => lenetConfig('lenet5', { padding: 'same', kernelSize: 4 })).toThrow(/kernelSize = 4 must be odd/);
    expect(() => lenetConfig('lenet5', { inputSize: 12 })).toThrow(/inputSize = 12 is too small: stage 1/); // 12 → 8 → 4 → 0
    expect(() => lenetConfig('lenet5', { conv: 'fast' as never })).toThrow(/conv = 'fast'/);
    expect(() => lenetConfig('resnet' as never)).toThrow(/unknown variant 'resnet'/);
  });
});

describe('LeNet forward and gradients', () => {
  it('routes conv2d through a depth-1 conv3d with identical values and gradients', () => {
    expect(conv2dRouteFor('auto', 'cpu')).toBe('conv3d');
    expect(conv2dRouteFor('auto', 'wasm')).toBe('conv3d');
    expect(conv2dRouteFor('auto', 'webgl')).toBe('conv2d');
    const x = tf.tensor4d(values(2 * 9 * 9 * 3, 1), [2, 9, 9, 3]);
    const w = tf.tensor4d(values(5 * 5 * 3 * 4, 2, 0.3), [5, 5, 3, 4]);
    for (const pad of ['same', 'valid'] as const) {
      const f = (route: 'conv2d' | 'conv3d') => tf.grads((a: tf.Tensor, b: tf.Tensor) => conv2dRouted(a as tf.Tensor4D, b as tf.Tensor4D, pad, route).square().sum());
      const y2 = conv2dRouted(x, w, pad, 'conv2d');
      const y3 = conv2dRouted(x, w, pad, 'conv3d');
      expect(y3.shape).toEqual(pad === 'same' ? [2, 9, 9, 4] : [2, 5, 5, 4]);
      expect(relErr(read(y3), read(y2))).toBeLessThan(1e-6);
      const [dx2, dw2] = f('conv2d')([x, w]);
      const [dx3, dw3] = f('conv3d')([x, w]);
      expect(relErr(read(dx3), read(dx2))).toBeLessThan(1e-6);
      expect(relErr(read(dw3), read(dw2))).toBeLessThan(1e-6);
      tf.dispose([y2, y3, dx2, dw2, dx3, dw3]);
    }
    tf.dispose([x, w]);
  });

  it("wasm's 2×2 max-pool gradient sends each output's gradient to one input of its window, ties included, as cpu's", async () => {
    // Tied windows are common: a zero-padded (shifted) image has flat regions. Sending the gradient
    // to every tied input (a reshape + max pool did) multiplies it by up to 4 there; the student
    // trained on crop-augmented images on wasm then stayed at chance.
    await import('@tensorflow/tfjs-backend-wasm');
    const home = tf.getBackend();
    const r = new Rng(3);
    const shape: [number, number, number, number] = [2, 9, 9, 3]; // odd: floor drops the last row and column
    const xv = Float32Array.from({ length: 2 * 9 * 9 * 3 }, (_, i) => (i % 7 < 3 ? 0.5 : Math.round(2 * r.uniform()) / 2)); // values in {0, ½, 1}
    const up = Float32Array.from({ length: 2 * 4 * 4 * 3 }, () => r.uniform() + 0.5); // > 0
    const run = async (backend: string) => {
      await tf.setBackend(backend);
      const x = tf.tensor4d(xv, shape);
      const dy = tf.tensor4d(up, [2, 4, 4, 3]);
      const y = tf.maxPool(x, 2, 2, 'valid');
      const g = tf.grad((a: tf.Tensor) => tf.maxPool(a as tf.Tensor4D, 2, 2, 'valid').mul(dy).sum())(x);
      const out = { y: Array.from(await y.data()), g: Float32Array.from(await g.data()) };
      tf.dispose([x, dy, y, g]);
      return out;
    };
    try {
      for (const backend of ['cpu', 'wasm']) {
        const { y, g } = await run(backend);
        // Per window: the output is the window's max, and the window's gradients sum to that output's
        // upstream gradient, all of it on one input holding the max.
        let ties = 0;
        for (let b = 0; b < 2; b++)
          for (let i = 0; i < 4; i++)
            for (let j = 0; j < 4; j++)
              for (let c = 0; c < 3; c++) {
                const at = (yy: number, xx: number) => ((b * 9 + yy) * 9 + xx) * 3 + c;
                const cells = [at(2 * i, 2 * j), at(2 * i, 2 * j + 1), at(2 * i + 1, 2 * j), at(2 * i + 1, 2 * j + 1)];
                const o = ((b * 4 + i) * 4 + j) * 3 + c;
                const max = Math.max(...cells.map((k) => xv[k]));
                expect(y[o], backend).toBe(max);
                const got = cells.filter((k) => g[k] !== 0);
                expect(got, `${backend} window ${[b, i, j, c]}`).toHaveLength(1);
                expect(xv[got[0]]).toBe(max);
                expect(g[got[0]]).toBeCloseTo(up[o], 6);
                if (cells.filter((k) => xv[k] === max).length > 1) ties++;
              }
        expect(ties).toBeGreaterThan(30); // the data has plenty of tied windows
        // the dropped last row and column get no gradient
        for (let b = 0; b < 2; b++) for (let k = 0; k < 9; k++) for (let c = 0; c < 3; c++) expect(g[((b * 9 + 8) * 9 + k) * 3 + c] + g[((b * 9 + k) * 9 + 8) * 3 + c]).toBe(0);
      }
    } finally {
      await tf.setBackend(home);
    }
  });

  it('maps [B, 28, 28, 1] to logits / embeddings with every parameter getting a gradient and no leak', () => {
    for (const cfg of [lenetConfig('lenet5'), lenetConfig('magnet-embedding')]) {
      const p = initLeNet(cfg, new Rng(1));
      const named = flattenParams(p);
      const x = tf.tensor4d(values(3 * 28 * 28, 4, 0.5, 0.5), [3, 28, 28, 1]);
      const before = tf.memory().numTensors;
      const y = applyLeNet(p, x, cfg);
      expect(y.shape).toEqual([3, cfg.outDim]);
      expect(read(y).every(Number.isFinite)).toBe(true);
      // The other convolution route (tf.conv2d) computes the same network.
      const alt = applyLeNet(p, x, { ...cfg, conv: 'conv2d' });
      expect(relErr(read(alt), read(y))).toBeLessThan(1e-5);
      tf.dispose([y, alt]);
      const { value, grads } = tf.variableGrads(() => applyLeNet(p, x, cfg).square().mean() as tf.Scalar, [...named.values()]);
      const byName = gradsByParamName(named, grads);
      for (const [name, g] of byName) expect(read(g).some((v) => v !== 0), name).toBe(true);
      tf.dispose([value, ...Object.values(grads)]);
      expect(tf.memory().numTensors).toBe(before);
      expect(() => applyLeNet(p, tf.zeros([1, 27, 27, 1]) as tf.Tensor4D, cfg)).toThrow(/does not match the config \(inputSize 28/);
      x.dispose();
      disposeParams(p);
    }
  });
});

describe('LeNet student learns', () => {
  it('lowers its cross-entropy on a tiny subset (16 images, 3 classes, Adam 3e-3, 35 steps)', () => {
    // Three stroke classes on 28×28 (horizontal, vertical, diagonal bar at a random offset) + noise.
    const rng = new Rng(3);
    const N = 16;
    const labels = Array.from({ length: N }, (_, i) => i % 3);
    const img = new Float32Array(N * 28 * 28);
    labels.forEach((y, n) => {
      const o = 6 + rng.int(16);
      for (let i = 0; i < 28; i++) {
        for (let j = 0; j < 28; j++) {
          const on = y === 0 ? Math.abs(i - o) <= 1 : y === 1 ? Math.abs(j - o) <= 1 : Math.abs(i - j - (o - 14)) <= 1;
          img[n * 784 + i * 28 + j] = (on ? 1 : 0) + 0.2 * rng.normal();
        }
      }
    });
    const cfg = lenetConfig('lenet5');
    const p = initLeNet(cfg, new Rng(0));
    const named = flattenParams(p);
    const adam = new Adam(named);
    const x = tf.tensor4d(img, [N, 28, 28, 1]);
    const y = tf.oneHot(tf.tensor1d(labels, 'int32'), 10);
    const before = tf.memory().numTensors;
    const losses: number[] = [];
    for (let step = 0; step < 35; step++) {
      tf.tidy(() => {
        const { value, grads } = tf.variableGrads(() => tf.losses.softmaxCrossEntropy(y, applyLeNet(p, x, cfg)) as tf.Scalar, [...named.values()]);
        adam.apply(gradsByParamName(named, grads), 3e-3);
        losses.push(value.dataSync()[0]);
      });
    }
    console.log('lenet5 tiny-subset CE', losses.map((l) => l.toFixed(3)).join(' '));
    expect(tf.memory().numTensors).toBe(before);
    // Starts near ln 10 = 2.30 (10 outputs, small init), passes ln 3 = 1.10 (chance over the 3
    // classes present) and memorises the subset: measured 2.355 → 1.09 (step 7) → 0.064 (step 34).
    expect(losses[0]).toBeGreaterThan(2);
    expect(losses[0]).toBeLessThan(2.6);
    expect(losses[34]).toBeLessThan(0.15);
    tf.dispose([x, y]);
    adam.dispose();
    disposeParams(p);
  });
});
