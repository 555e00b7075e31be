// RevResidualBlock and RevSilo (plain and growing): exact reconstruction and reversible gradients
// equal to the taped twin's, on non-square inputs, with BN in training mode and stochastic depth on
// (so the recomputation must replay the same masks and batch statistics).
// Set REVBIFPN_TEST_LOG=1 to print the measured errors.
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { disposeParams, flattenParams } from '../../core/params';
import { Rng } from '../../core/rng';
import { withoutStatUpdates } from '../../nn/batchnorm';
import { type RevBlock, revSequence } from '../../nn/reversible';
import { revbifpnConfig } from './config';
import { initRevBifpn, revbifpnSpecs } from './params';
import { dropPath, dropPathMask, type RevBifpnRunContext, revResidualBlock } from './rev-block';
import { revSilo } from './silo';

// Small widths, S0's kernels/expansions/SE; stochastic depth 0.3 in the last of B = 4 stages.
const cfg = revbifpnConfig('S0', { channels: [48, 32, 32, 32], headChannels: [16, 16, 16, 16], fcFeatures: 32, extLayers: 1, classes: 4, stochasticDepth: 0.4 });
const specs = revbifpnSpecs(cfg);

const randn = (shape: number[], seed: number): tf.Tensor4D =>
  tf.tensor4d(new Rng(seed).fill(shape.reduce((a, b) => a * b, 1), (r) => r.normal()), shape as [number, number, number, number]);
const maxAbs = (a: tf.Tensor, b: tf.Tensor): number => tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
const relErr = (a: tf.Tensor, b: tf.Tensor): number => maxAbs(a, b) / Math.max(tf.tidy(() => tf.max(tf.abs(b)).dataSync()[0]), 1e-12);

/** Forward, then the block's own backward with zero cotangents: max |x − x̂| over the inputs. */
function reconstructionError(block: RevBlock, xs: tf.Tensor[]): number {
  return tf.tidy(() => {
    const ys = block.forward(xs, block.weights);
    const r = withoutStatUpdates(() => block.backward(ys, ys.map((y) => tf.zerosLike(y)), block.weights));
    const e = Math.max(...xs.map((x, i) => maxAbs(r.xs[i], x)));
    if (process.env.REVBIFPN_TEST_LOG) console.log(`reconstruction ${e.toExponential(2)}`);
    return e;
  });
}

/** Gradients (inputs and every weight) of Σ <y_i, r_i> through revSequence, reversible vs twin. */
function compareWithTwin(block: RevBlock, inputs: tf.Tensor[], statsVars: tf.Variable[]): { worst: number; count: number; statsDiff: number } {
  const xs = inputs.map((x) => tf.variable(x));
  const snapshot = statsVars.map((v) => tf.clone(v));
  const run = (reversible: boolean) => {
    statsVars.forEach((v, i) => v.assign(snapshot[i]));
    let rs: tf.Tensor[] = [];
    const res = tf.variableGrads(() => {
      const ys = revSequence([block], xs, { reversible, recompute: withoutStatUpdates });
      rs = ys.map((y, i) => randn(y.shape, 100 + i));
      return tf.addN(ys.map((y, i) => tf.sum(tf.mul(y, rs[i])))) as tf.Scalar;
    });
    tf.dispose(rs);
    return { res, stats: statsVars.map((v) => tf.clone(v)) };
  };
  const rev = run(true);
  const twin = run(false);
  let worst = 0;
  for (const name of Object.keys(twin.res.grads)) worst = Math.max(worst, relErr(rev.res.grads[name], twin.res.grads[name]));
  expect(Object.keys(rev.res.grads).sort()).toEqual(Object.keys(twin.res.grads).sort());
  // Running statistics moved exactly once in both (the recomputation ran under withoutStatUpdates).
  const statsDiff = Math.max(...rev.stats.map((s, i) => maxAbs(s, twin.stats[i])), 0);
  const count = Object.keys(rev.res.grads).length;
  if (process.env.REVBIFPN_TEST_LOG) console.log(`twin: worst rel ${worst.toExponential(2)} over ${count} grads, stats diff ${statsDiff}`);
  tf.dispose([...xs, ...snapshot, rev.res.value, twin.res.value, ...Object.values(rev.res.grads), ...Object.values(twin.res.grads), ...rev.stats, ...twin.stats]);
  return { worst, count, statsDiff };
}

describe('stochastic depth', () => {
  it('drops whole samples with probability p and scales survivors by 1/(1 − p), deterministically', () => {
    const m = dropPathMask(4000, 0.25, 7, ['k']);
    const kept = m.filter((v) => v !== 0);
    expect(new Set(kept)).toEqual(new Set([Math.fround(1 / 0.75)])); // float32 of 4/3
    expect(kept.length / 4000).toBeGreaterThan(0.72); // binomial(4000, 0.75): sd 0.007
    expect(kept.length / 4000).toBeLessThan(0.78);
    expect(dropPathMask(4000, 0.25, 7, ['k'])).toEqual(m); // same (seed, key) → same mask
    expect(dropPathMask(4000, 0.25, 8, ['k'])).not.toEqual(m);
    const x = tf.ones([3, 2, 2, 1]) as tf.Tensor4D;
    expect(dropPath(x, 0.25, { training: false, seed: 7 }, ['k'])).toBe(x); // inference: identity
    x.dispose();
  });
});

describe('RevResidualBlock (S0 scale-0 kernels, 32 channels, non-square 12×20)', () => {
  const { params, stats } = initRevBifpn(cfg, new Rng(1));
  const spec = specs.stages[3].blocks[1][1]; // last stage: stochastic depth p = 0.4
  const p = params.stages[3].blocks[1][1];
  const s = stats.stages[3].blocks[1][1];

  it('reconstructs its input to < 1e-4 (BN inference and training mode)', () => {
    const x = randn([2, 12, 20, 32], 2);
    for (const training of [false, true]) {
      const block = revResidualBlock(p, s, spec, { training, seed: 3 }, ['blk']);
      expect(reconstructionError(block, [x])).toBeLessThan(1e-4);
    }
    x.dispose();
  });

  it('has the twin gradients (input and all 2 MBConvs\' weights) within 1e-3, stats updated once', () => {
    const ctx: RevBifpnRunContext = { training: true, seed: 11 };
    // With B = 4 and p = 0.4 the masks for (seed 11, this key) drop at least one sample of F or G,
    // so a recomputation with a different mask could not match.
    const masks = [...dropPathMask(4, 0.4, 11, ['blk', 'f']), ...dropPathMask(4, 0.4, 11, ['blk', 'g'])];
    expect(masks.some((v) => v === 0)).toBe(true);
    const block = revResidualBlock(p, s, spec, ctx, ['blk']);
    const x = randn([4, 12, 20, 32], 4);
    const r = compareWithTwin(block, [x], [...flattenParams(s).values()]);
    expect(r.count).toBe(1 + block.weights.length);
    expect(r.worst).toBeLessThan(1e-3);
    expect(r.statsDiff).toBeLessThan(1e-6);
    x.dispose();
  });

  it('cleans up', () => {
    disposeParams(params);
    disposeParams(stats);
  });
});

describe('RevSilo', () => {
  const { params, stats } = initRevBifpn(cfg, new Rng(5));
  // Non-square: scale i of a 64×96 image is 16/2^i × 24/2^i.
  const scaleShape = (i: number, B: number): number[] => [B, 16 / 2 ** i, 24 / 2 ** i, cfg.channels[i]];

  for (const [stage, nIn, nOut, label] of [
    [1, 2, 3, 'growing 2 → 3'],
    [2, 3, 4, 'growing 3 → 4'],
    [3, 4, 4, 'plain 4 → 4 (with ×2/×4/×8 upsampling)'],
  ] as const) {
    it(`${label}: reconstruction < 1e-4 and twin gradients within 1e-3, stats updated once`, () => {
      const ps = params.stages[stage].silo;
      const ss = stats.stages[stage].silo;
      const xs = Array.from({ length: nIn }, (_, i) => randn(scaleShape(i, 3), 20 + i));
      for (const training of [false, true]) {
        const silo = revSilo(ps, ss, specs.stages[stage].silo, nIn, nOut, { training, seed: 9 }, ['silo']);
        const ys = tf.tidy(() => silo.forward(xs, silo.weights));
        expect(ys.map((y) => y.shape)).toEqual(Array.from({ length: nOut }, (_, i) => scaleShape(i, 3)));
        tf.dispose(ys);
        expect(reconstructionError(silo, xs)).toBeLessThan(1e-4);
      }
      const silo = revSilo(ps, ss, specs.stages[stage].silo, nIn, nOut, { training: true, seed: 9 }, ['silo']);
      const r = compareWithTwin(silo, xs, [...flattenParams(ss).values()]);
      expect(r.count).toBe(nIn + silo.weights.length);
      expect(r.worst).toBeLessThan(1e-3);
      expect(r.statsDiff).toBeLessThan(1e-6);
      tf.dispose(xs);
    });
  }

  it('leaves no tensors behind after a reversible gradient', () => {
    const silo = revSilo(params.stages[3].silo, stats.stages[3].silo, specs.stages[3].silo, 4, 4, { training: true, seed: 1 }, ['silo']);
    const xs = Array.from({ length: 4 }, (_, i) => tf.variable(randn(scaleShape(i, 2), 40 + i)));
    const before = tf.memory().numTensors;
    const { value, grads } = tf.variableGrads(() => tf.addN(revSequence([silo], xs, { recompute: withoutStatUpdates }).map((y) => tf.sum(tf.square(y)))) as tf.Scalar);
    tf.dispose([value, ...Object.values(grads)]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose(xs);
  });

  it('cleans up', () => {
    disposeParams(params);
    disposeParams(stats);
  });
});
