// The whole RevBiFPN backbone: output shapes (S0 at 224), reversible = twin (values, gradients of
// the input and every weight) for S0 widths at 64×64, ext 1, B = 2 with stochastic depth, and a
// classifier training step without leaks. (Memory flat in depth: memory.test.ts.)
// Set REVBIFPN_TEST_LOG=1 to print timings and errors.
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { disposeParams, flattenParams } from '../../core/params';
import { Rng } from '../../core/rng';
import { revbifpnBackboneShapes, revbifpnConfig } from './config';
import { applyRevBifpnBackbone } from './backbone';
import { applyRevBifpnClassifier } from './neck-head';
import { initRevBifpn } from './params';

const randn = (shape: number[], seed: number): tf.Tensor4D =>
  tf.tensor4d(new Rng(seed).fill(shape.reduce((a, b) => a * b, 1), (r) => r.normal()), shape as [number, number, number, number]);
const maxAbs = (a: tf.Tensor, b: tf.Tensor): number => tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
const relErr = (a: tf.Tensor, b: tf.Tensor): number => maxAbs(a, b) / Math.max(tf.tidy(() => tf.max(tf.abs(b)).dataSync()[0]), 1e-12);
const log = (s: string): void => {
  if (process.env.REVBIFPN_TEST_LOG) console.log(s);
};

describe('RevBiFPN backbone', () => {
  it('S0 at 224: [B,56,56,48], [B,28,28,64], [B,14,14,80], [B,7,7,160] (real forward, B = 1)', () => {
    const cfg = revbifpnConfig('S0');
    expect(revbifpnBackboneShapes(cfg, 1, 224, 224)).toEqual([[1, 56, 56, 48], [1, 28, 28, 64], [1, 14, 14, 80], [1, 7, 7, 160]]);
    const { params, stats } = initRevBifpn(cfg, new Rng(0));
    const x = randn([1, 224, 224, 3], 1);
    const t0 = Date.now();
    const ys = applyRevBifpnBackbone(params, stats, x, cfg, { training: false });
    log(`S0 224 forward (inference, B=1): ${Date.now() - t0} ms`);
    expect(ys.map((y) => y.shape)).toEqual([[1, 56, 56, 48], [1, 28, 28, 64], [1, 14, 14, 80], [1, 7, 7, 160]]);
    for (const y of ys) expect(Number.isFinite(tf.tidy(() => tf.sum(tf.abs(y)).dataSync()[0]))).toBe(true);
    tf.dispose([x, ...ys]);
    disposeParams(params);
    disposeParams(stats);
  });

  it('reversible = twin for S0 widths at 64×64, ext 1, B = 2, stochastic depth 0.3 (values; input and all weight gradients within 1e-3)', () => {
    const cfg = revbifpnConfig('S0', { extLayers: 1, stochasticDepth: 0.3, classes: 10 });
    const { params, stats } = initRevBifpn(cfg, new Rng(2));
    const x = tf.variable(randn([2, 64, 64, 3], 3));
    const rs = [[2, 16, 16, 48], [2, 8, 8, 64], [2, 4, 4, 80], [2, 2, 2, 160]].map((s, i) => randn(s, 10 + i));
    const statVars = [...flattenParams(stats).values()];
    const snapshot = statVars.map((v) => tf.clone(v));
    const run = (reversible: boolean) => {
      statVars.forEach((v, i) => v.assign(snapshot[i]));
      const t0 = Date.now();
      const out = tf.variableGrads(() => {
        const ys = applyRevBifpnBackbone(params, stats, x, cfg, { training: true, reversible, seed: 5 });
        return tf.addN(ys.map((y, i) => tf.sum(tf.mul(y, rs[i])))) as tf.Scalar;
      });
      log(`backbone S0@64 ext1 B2 ${reversible ? 'reversible' : 'twin'} fwd+bwd: ${Date.now() - t0} ms`);
      return { ...out, stats: statVars.map((v) => tf.clone(v)) };
    };
    const rev = run(true);
    const twin = run(false);
    expect(Math.abs(rev.value.dataSync()[0] - twin.value.dataSync()[0])).toBeLessThan(1e-4 * Math.abs(twin.value.dataSync()[0]));
    const names = Object.keys(twin.grads);
    expect(names.length).toBe(1 + flattenParams(params).size - 0 - countHeadAndNeck(params)); // input + every backbone weight
    expect(Object.keys(rev.grads).sort()).toEqual(names.sort());
    let worst = 0;
    for (const n of names) worst = Math.max(worst, relErr(rev.grads[n], twin.grads[n]));
    log(`backbone twin: worst relative gradient difference ${worst.toExponential(2)} over ${names.length} tensors`);
    expect(worst).toBeLessThan(1e-3);
    const statsDiff = Math.max(...rev.stats.map((s, i) => maxAbs(s, twin.stats[i])));
    expect(statsDiff).toBeLessThan(1e-5); // running statistics moved once in both
    tf.dispose([x, ...rs, ...snapshot, rev.value, twin.value, ...Object.values(rev.grads), ...Object.values(twin.grads), ...rev.stats, ...twin.stats]);
    disposeParams(params);
    disposeParams(stats);
  });

  it('classifier: logits [B, classes], a training step leaves the tensor count unchanged', () => {
    const cfg = revbifpnConfig('S0', { channels: [48, 32, 32, 32], headChannels: [16, 16, 32, 32], fcFeatures: 64, extLayers: 1, classes: 5, stochasticDepth: 0.2 });
    const { params, stats } = initRevBifpn(cfg, new Rng(6));
    const x = randn([2, 32, 64, 3], 7);
    const labels = tf.oneHot(tf.tensor1d([1, 3], 'int32'), 5);
    const opt = tf.train.sgd(0.01);
    const step = (seed: number) => {
      const cost = opt.minimize(() => tf.losses.softmaxCrossEntropy(labels, applyRevBifpnClassifier(params, stats, x, cfg, { training: true, seed })) as tf.Scalar, true);
      const v = cost?.dataSync()[0];
      cost?.dispose();
      return v as number;
    };
    step(0);
    const before = tf.memory().numTensors;
    const l1 = step(1);
    step(2);
    expect(tf.memory().numTensors).toBe(before);
    expect(Number.isFinite(l1)).toBe(true);
    const logits = applyRevBifpnClassifier(params, stats, x, cfg, { training: false });
    expect(logits.shape).toEqual([2, 5]);
    tf.dispose([logits, x, labels]);
    opt.dispose();
    disposeParams(params);
    disposeParams(stats);
  });
});

/** Parameters of the neck and head (not reached by a backbone loss). */
function countHeadAndNeck(params: ReturnType<typeof initRevBifpn>['params']): number {
  return flattenParams({ neck: params.neck, head: params.head }).size;
}
