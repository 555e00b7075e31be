import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { relErr, values } from '../../../test/numeric';
import { countParams, disposeParams, flattenParams, leaves, withLeaves } from '../core/params';
import { Rng } from '../core/rng';
import { batchNorm2dReference } from './batchnorm';
import {
  applyConvNormAct2d, applyMbConv2d, convNormAct2dParamCount, convNormAct2dShapes, initConvNormAct2d, initMbConv2d,
  type MbConv2dConfig, type MbConv2dParams, mbConv2dParamCount, mbConv2dSeWidth, mbConv2dShapes,
} from './mbconv2d';

const shapesOf = (tree: object): Record<string, number[]> => Object.fromEntries([...flattenParams(tree)].map(([k, v]) => [k, v.shape]));
const disposeStats = (s: object): void => tf.dispose(leaves(s));

/** Plain tfjs-op reference of the official MBConvBlock (training-mode BN, batch statistics). */
function reference(p: MbConv2dParams, x: tf.Tensor4D, cfg: MbConv2dConfig): tf.Tensor4D {
  const hswish = (t: tf.Tensor) => t.mul(tf.relu6(t.add(3))).div(6);
  const pad = (t: tf.Tensor4D, q: number) => tf.pad(t, [[0, 0], [q, q], [q, q], [0, 0]]) as tf.Tensor4D;
  const q = (cfg.kernel - 1) >> 1;
  let y: tf.Tensor4D = x;
  if (p.expand) y = hswish(batchNorm2dReference(tf.conv2d(y, p.expand.w as tf.Tensor4D, 1, 'valid'), p.expand.bn)) as tf.Tensor4D;
  const h = y.shape[3];
  y = tf.depthwiseConv2d(pad(y, q), (p.dw.w as tf.Tensor3D).reshape([cfg.kernel, cfg.kernel, h, 1]) as tf.Tensor4D, cfg.stride, 'valid');
  y = hswish(batchNorm2dReference(y, p.dw.bn)) as tf.Tensor4D;
  if (p.se) {
    const s = y.mean([1, 2], true) as tf.Tensor4D;
    const z = hswish(tf.conv2d(s, p.se.reduce.w as tf.Tensor4D, 1, 'valid').add(p.se.reduce.b)) as tf.Tensor4D;
    const gate = tf.relu6(tf.conv2d(z, p.se.expand.w as tf.Tensor4D, 1, 'valid').add(p.se.expand.b).add(3)).div(6);
    y = y.mul(gate) as tf.Tensor4D;
  }
  return batchNorm2dReference(tf.conv2d(y, p.project.w as tf.Tensor4D, 1, 'valid'), p.project.bn);
}

describe('MBConv2d', () => {
  it('parameter count by hand: e ≠ 1 with SE, and e = 1 without; the SE width comes from `in`, not in·e', () => {
    // in 48 → out 64, k 5, e 2, se 0.25: h = 96, r = floor(48·0.25) = 12.
    //   expand 48·96 = 4608 + BN 2·96 = 192  →  4800
    //   dw     5·5·96 = 2400 + BN 192        →  2592
    //   SE     96·12 + 12 + 12·96 + 96       →  2412
    //   proj   96·64 = 6144 + BN 2·64 = 128  →  6272      total 4800 + 2592 + 2412 + 6272 = 16076
    const a: MbConv2dConfig = { inChannels: 48, outChannels: 64, kernel: 5, stride: 1, expansion: 2, se: 0.25 };
    expect(mbConv2dParamCount(a)).toBe(16076);
    // in 40 → out 40, k 3, e 1, se 0: dw 9·40 = 360 + 80, proj 40·40 = 1600 + 80 → 2120.
    const b: MbConv2dConfig = { inChannels: 40, outChannels: 40, kernel: 3, stride: 1, expansion: 1, se: 0 };
    expect(mbConv2dParamCount(b)).toBe(2120);
    expect(Object.keys(mbConv2dShapes(b))).toEqual(['dw.w', 'dw.bn.gamma', 'dw.bn.beta', 'project.w', 'project.bn.gamma', 'project.bn.beta']);
    // SE width: max(1, int(in·se)) — 48·0.125 = 6 (from h = 96 it would be 12); 3·0.125 → max(1, 0) = 1.
    expect(mbConv2dSeWidth({ ...a, se: 0.125 })).toBe(6);
    expect(mbConv2dSeWidth({ ...a, inChannels: 3, se: 0.125 })).toBe(1);
    // ConvNormAct 1×1 320 → 1280 (the S0 head's final conv): 320·1280 + 2·1280 = 412160.
    expect(convNormAct2dParamCount({ inChannels: 320, outChannels: 1280, kernel: 1, stride: 1 })).toBe(412160);
    for (const cfg of [a, b]) {
      const { params, stats } = initMbConv2d(cfg, new Rng(1));
      expect(shapesOf(params)).toEqual(mbConv2dShapes(cfg)); // init materialises exactly the named shapes
      expect(countParams(params)).toBe(mbConv2dParamCount(cfg));
      expect(Object.keys(stats)).toEqual(cfg.expansion !== 1 ? ['expand', 'dw', 'project'] : ['dw', 'project']);
      disposeParams(params);
      disposeStats(stats);
    }
  });

  it("init: Kaiming-normal fan_out = Cout·k·k (torch's, not divided by groups), zero biases, BN γ 1 β 0, zeroInit γ 0", () => {
    const cfg: MbConv2dConfig = { inChannels: 16, outChannels: 400, kernel: 15, stride: 8, expansion: 4, se: 0.25, zeroInit: true };
    const { params, stats } = initMbConv2d(cfg, new Rng(7));
    const std = (t: tf.Tensor) => {
      const v = t.dataSync();
      let s = 0;
      for (const e of v) s += e * e;
      return Math.sqrt(s / v.length);
    };
    // dw [15,15,64]: fan_out = 64·225 = 14400 → std sqrt(2/14400) = 0.011785 (÷ groups would give sqrt(2/225) = 0.0943).
    expect(std(params.dw.w) / Math.sqrt(2 / 14400)).toBeCloseTo(1, 1);
    // project [1,1,64,400]: fan_out 400 → 0.0707; expand [1,1,16,64]: fan_out 64 → 0.177.
    expect(std(params.project.w) / Math.sqrt(2 / 400)).toBeCloseTo(1, 1);
    expect(std(params.expand!.w) / Math.sqrt(2 / 64)).toBeCloseTo(1, 1);
    expect(Array.from(params.se!.reduce.b.dataSync()).every((v) => v === 0)).toBe(true);
    expect(Array.from(params.se!.expand.b.dataSync()).every((v) => v === 0)).toBe(true);
    expect(Array.from(params.dw.bn.gamma.dataSync()).every((v) => v === 1)).toBe(true);
    expect(Array.from(params.dw.bn.beta.dataSync()).every((v) => v === 0)).toBe(true);
    expect(Array.from(params.project.bn.gamma.dataSync()).every((v) => v === 0)).toBe(true); // zeroInit
    // Same seed, same weights.
    const again = initMbConv2d(cfg, new Rng(7));
    expect(relErr(again.params.dw.w.dataSync(), params.dw.w.dataSync())).toBe(0);
    [params, again.params].forEach(disposeParams);
    [stats, again.stats].forEach(disposeStats);
  });

  it('output shapes: 16×16 → 8/4/2 for stride 2/4/8 with k 3/7/15 (the RevSilo down paths), out channels as configured', () => {
    const x = tf.tensor4d(values(2 * 16 * 16 * 8, 3), [2, 16, 16, 8]);
    for (const [k, s, o] of [[3, 2, 8], [7, 4, 4], [15, 8, 2], [3, 1, 16]]) {
      const cfg: MbConv2dConfig = { inChannels: 8, outChannels: 12, kernel: k, stride: s, expansion: 2, se: 0.25 };
      const { params, stats } = initMbConv2d(cfg, new Rng(k));
      const y = applyMbConv2d(params, stats, x, cfg, { training: true });
      expect(y.shape, `k=${k} s=${s}`).toEqual([2, o, o, 12]);
      y.dispose();
      disposeParams(params);
      disposeStats(stats);
    }
    x.dispose();
  });

  it('matches a plain tfjs-op composition of the official block (order, SE, biases) in value and every gradient', () => {
    const cfg: MbConv2dConfig = { inChannels: 4, outChannels: 6, kernel: 3, stride: 2, expansion: 2, se: 0.5 };
    const { params, stats } = initMbConv2d(cfg, new Rng(3));
    // Perturb γ/β/biases away from their init so every parameter matters.
    for (const [name, v] of flattenParams(params)) if (!name.endsWith('.w')) v.assign(tf.tensor(values(v.size, name.length, 0.3, name.endsWith('gamma') ? 1 : 0), v.shape));
    const x = tf.tensor4d(values(3 * 7 * 7 * 4, 5, 2), [3, 7, 7, 4]);
    const ws = leaves(params);
    const dy = tf.tensor4d(values(3 * 4 * 4 * 6, 6), [3, 4, 4, 6]);
    const ours = (a: tf.Tensor, ...w: tf.Tensor[]) => applyMbConv2d(withLeaves(params, w), stats, a as tf.Tensor4D, cfg, { training: true });
    const plain = (a: tf.Tensor, ...w: tf.Tensor[]) => reference(withLeaves(params, w), a as tf.Tensor4D, cfg);
    const got = tf.tidy(() => { const r = tf.valueAndGrads(ours)([x, ...ws], dy); return [r.value, ...r.grads].map((t) => t.dataSync()); });
    const want = tf.tidy(() => { const r = tf.valueAndGrads(plain)([x, ...ws], dy); return [r.value, ...r.grads].map((t) => t.dataSync()); });
    const names = ['y', 'dx', ...flattenParams(params).keys()];
    expect(got.length).toBe(2 + 13); // x and 13 parameters (expand 3, dw 3, SE 4, project 3)
    got.forEach((g, i) => expect(relErr(g, want[i]), names[i]).toBeLessThan(1e-4));
    tf.dispose([x, dy]);
    disposeParams(params);
    disposeStats(stats);
  });

  it("SE 'kernel' (host customGrad) matches 'ops' in value and every gradient, with gates and Hardswish saturated both ways", () => {
    const cfg: MbConv2dConfig = { inChannels: 6, outChannels: 5, kernel: 3, stride: 1, expansion: 2, se: 0.5 };
    const { params, stats } = initMbConv2d(cfg, new Rng(9));
    // Scale the SE weights up so pre-activations land below −3, inside (−3, 3) and above 3.
    params.se!.reduce.w.assign(tf.tensor(values(12 * 3, 1, 4), [1, 1, 12, 3]));
    params.se!.reduce.b.assign(tf.tensor1d([-4, 0.5, 4]));
    params.se!.expand.w.assign(tf.tensor(values(3 * 12, 2, 3), [1, 1, 3, 12]));
    params.se!.expand.b.assign(tf.tensor1d(values(12, 3, 4)));
    const x = tf.tensor4d(values(2 * 5 * 6 * 6, 4, 2, 0.5), [2, 5, 6, 6]);
    const ws = leaves(params);
    const dy = tf.tensor4d(values(2 * 5 * 6 * 5, 5), [2, 5, 6, 5]);
    const grads = (se: 'kernel' | 'ops') =>
      tf.tidy(() => {
        const f = (a: tf.Tensor, ...w: tf.Tensor[]) => applyMbConv2d(withLeaves(params, w), stats, a as tf.Tensor4D, cfg, { training: false }, { se });
        const r = tf.valueAndGrads(f)([x, ...ws], dy);
        return [r.value, ...r.grads].map((t) => t.dataSync());
      });
    const got = grads('kernel'), want = grads('ops');
    const names = ['y', 'dx', ...flattenParams(params).keys()];
    got.forEach((g, i) => expect(relErr(g, want[i]), names[i]).toBeLessThan(1e-5));
    // The SE gradients are not trivially zero: its expand bias gets a gradient from the unsaturated gates.
    expect(Math.max(...Array.from(got[names.indexOf('se.expand.b')]).map(Math.abs))).toBeGreaterThan(1e-3);
    tf.dispose([x, dy]);
    disposeParams(params);
    disposeStats(stats);
  });

  it('updates each BN running stat once per training call, none in inference', () => {
    const cfg: MbConv2dConfig = { inChannels: 4, outChannels: 4, kernel: 3, stride: 1, expansion: 2, se: 0 };
    const { params, stats } = initMbConv2d(cfg, new Rng(2));
    const x = tf.tensor4d(values(2 * 5 * 5 * 4, 8, 1, 2), [2, 5, 5, 4]); // mean ≈ 2 per channel
    tf.dispose(applyMbConv2d(params, stats, x, cfg, { training: false }));
    for (const s of [stats.expand!, stats.dw, stats.project]) expect(Array.from(s.mean.dataSync()).every((v) => v === 0)).toBe(true);
    tf.dispose(applyMbConv2d(params, stats, x, cfg, { training: true }));
    // The project BN sees conv outputs; its running mean moves to 0.1·(batch mean) ≠ 0.
    for (const s of [stats.expand!, stats.dw, stats.project]) expect(Array.from(s.mean.dataSync()).some((v) => v !== 0)).toBe(true);
    x.dispose();
    disposeParams(params);
    disposeStats(stats);
  });

  it('ConvNormAct2d: 3×3 stride 2 conv + BN + Hardswish, shapes and by-hand zero-input output', () => {
    const cfg = { inChannels: 3, outChannels: 5, kernel: 3, stride: 2 };
    expect(convNormAct2dShapes(cfg)).toEqual({ w: [3, 3, 3, 5], 'bn.gamma': [5], 'bn.beta': [5] });
    const { params, stats } = initConvNormAct2d(cfg, new Rng(4));
    params.bn.beta.assign(tf.tensor1d([-4, -1, 0, 1, 4]));
    // Inference with fresh stats (mean 0, var 1) on x = 0: conv → 0, BN → β, Hardswish(β) = β·relu6(β+3)/6:
    // −4 → 0, −1 → −1·2/6 = −1/3, 0 → 0, 1 → 1·4/6 = 2/3, 4 → 4 (relu6 caps at 6).
    const y = applyConvNormAct2d(params, stats, tf.zeros([1, 7, 7, 3]) as tf.Tensor4D, cfg, { training: false });
    expect(y.shape).toEqual([1, 4, 4, 5]);
    const v = y.dataSync();
    [0, -1 / 3, 0, 2 / 3, 4].forEach((want, c) => expect(v[c]).toBeCloseTo(want, 6));
    y.dispose();
    disposeParams(params);
    disposeStats(stats);
  });

  it('rejects bad configs and inputs, naming the field', () => {
    const cfg: MbConv2dConfig = { inChannels: 4, outChannels: 4, kernel: 3, stride: 1, expansion: 1, se: 0 };
    expect(() => mbConv2dShapes({ ...cfg, se: 1.5 })).toThrow(/se = 1.5/);
    expect(() => mbConv2dShapes({ ...cfg, kernel: 0 })).toThrow(/kernel = 0/);
    expect(() => mbConv2dShapes({ ...cfg, expansion: 0 })).toThrow(/expansion = 0/);
    const { params, stats } = initMbConv2d(cfg, new Rng(0));
    expect(() => applyMbConv2d(params, stats, tf.zeros([1, 5, 5, 3]) as tf.Tensor4D, cfg, { training: false })).toThrow(/input must be \[B,H,W,4\], got \[1,5,5,3\]/);
    expect(() => applyMbConv2d(params, stats, tf.zeros([1, 5, 5, 4]) as tf.Tensor4D, { ...cfg, expansion: 2 }, { training: false })).toThrow(/lack an expand conv/);
    disposeParams(params);
    disposeStats(stats);
  });

  it('wasm: the whole block (host kernels throughout) matches cpu in value, dx and every parameter gradient', async () => {
    await import('@tensorflow/tfjs-backend-wasm');
    const home = tf.getBackend();
    const cfg: MbConv2dConfig = { inChannels: 6, outChannels: 8, kernel: 7, stride: 4, expansion: 2, se: 0.25 };
    const xv = values(2 * 13 * 12 * 6, 12, 1.5);
    const go = async (backend: string) => {
      await tf.setBackend(backend);
      const { params, stats } = initMbConv2d(cfg, new Rng(11)); // same seed → same weights on both backends
      const x = tf.tensor4d(xv, [2, 13, 12, 6]);
      const out = tf.tidy(() => {
        const f = (a: tf.Tensor, ...w: tf.Tensor[]) => applyMbConv2d(withLeaves(params, w), stats, a as tf.Tensor4D, cfg, { training: true });
        const r = tf.valueAndGrads((a: tf.Tensor, ...w: tf.Tensor[]) => f(a, ...w).square().sum())([x, ...leaves(params)]);
        return [f(x, ...leaves(params)), ...r.grads].map((t) => t.dataSync() as Float32Array);
      });
      const running = Float32Array.from(stats.project.variance.dataSync());
      x.dispose();
      disposeParams(params);
      disposeStats(stats);
      return { out, running };
    };
    try {
      const cpu = await go('cpu');
      const wasm = await go('wasm');
      expect(cpu.out[0].length).toBe(2 * 4 * 3 * 8); // [2, 4, 3, 8]: floor((13+6−7)/4)+1 = 4, floor((12+6−7)/4)+1 = 3
      wasm.out.forEach((v, i) => expect(relErr(v, cpu.out[i]), `output ${i}`).toBeLessThan(1e-4));
      expect(relErr(wasm.running, cpu.running)).toBeLessThan(1e-5);
    } finally {
      await tf.setBackend(home);
    }
  });

  it('leaks no tensors: forward + backward inside tidy leaves tf.memory().numTensors unchanged', () => {
    const cfg: MbConv2dConfig = { inChannels: 8, outChannels: 8, kernel: 5, stride: 2, expansion: 2, se: 0.25 };
    const { params, stats } = initMbConv2d(cfg, new Rng(5));
    const x = tf.tensor4d(values(2 * 9 * 9 * 8, 4), [2, 9, 9, 8]);
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      const { grads } = tf.variableGrads(() => applyMbConv2d(params, stats, x, cfg, { training: true }).square().sum() as tf.Scalar);
      expect(Object.keys(grads).length).toBe(flattenParams(params).size); // 13 trainable leaves, no running stats
    });
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
    disposeParams(params);
    disposeStats(stats);
  });
});
