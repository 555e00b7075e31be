import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { Rng } from '../core/rng';
import { dice } from '../metrics/dice';
import { bceWithLogits, softDiceLoss, softDiceParts } from './dice';

const SHAPE: [number, number, number, number, number] = [2, 3, 4, 4, 3]; // [B, D, H, W, C]

/** Random 0/1 target with every (sample, channel) non-empty unless listed in `emptyAt` as [b, c]. */
function randomMask(rng: Rng, emptyAt: [number, number][] = []): Float32Array {
  const [b, d, h, w, c] = SHAPE;
  const vox = d * h * w;
  const m = new Float32Array(b * vox * c);
  for (let i = 0; i < m.length; i++) m[i] = rng.bernoulli(0.4) ? 1 : 0;
  for (let s = 0; s < b; s++) for (let k = 0; k < c; k++) m[(s * vox) * c + k] = 1; // first voxel on
  for (const [s, k] of emptyAt) for (let v = 0; v < vox; v++) m[(s * vox + v) * c + k] = 0;
  return m;
}

/** Channel k of sample s of a channels-last [B, D, H, W, C] buffer. */
function channel(m: Float32Array, s: number, k: number): Float32Array {
  const [, d, h, w, c] = SHAPE;
  const vox = d * h * w;
  const out = new Float32Array(vox);
  for (let v = 0; v < vox; v++) out[v] = m[(s * vox + v) * c + k];
  return out;
}

/** Mean over samples and channels of the metric's Dice. */
function metricMeanDice(pred: Float32Array, gt: Float32Array): number {
  let sum = 0;
  for (let s = 0; s < SHAPE[0]; s++) for (let k = 0; k < SHAPE[4]; k++) sum += dice(channel(pred, s, k), channel(gt, s, k));
  return sum / (SHAPE[0] * SHAPE[4]);
}

/** Saturated logits for a hard mask: ±30 (σ(−30) ≈ 9.4e-14, so ΣP over 48 voxels ≈ 4.5e-12). */
function hardLogits(mask: Float32Array): tf.Tensor5D {
  return tf.tensor5d(mask.map((v) => (v ? 30 : -30)), SHAPE);
}

describe('softDiceLoss', () => {
  it('1 − loss equals the metric on hard masks (bceWeight 0), including an empty-empty channel', () => {
    const rng = new Rng(3);
    const gt = randomMask(rng, [[1, 2]]);
    const pred = randomMask(rng, [[1, 2]]); // sample 1 ET: both empty → metric 1
    const logits = hardLogits(pred);
    const target = tf.tensor5d(gt, SHAPE);
    const loss = softDiceLoss(logits, target, { smooth: 1e-5 }).dataSync()[0];
    // Per channel, (2I + 1e-5)/(P + G + 1e-5) differs from 2I/(P + G) by ≤ 1e-5/(P+G) ≤ 5e-6 (P+G ≥ 2);
    // the empty-empty channel gives 1e-5/(1e-5 + 4.5e-12) ≈ 1 − 4.5e-7. float32 sums add ~1e-7.
    expect(1 - loss).toBeCloseTo(metricMeanDice(pred, gt), 5);
    tf.dispose([logits, target]);
  });

  it('perfect prediction → ≈ 0, inverted prediction → ≈ 1', () => {
    const rng = new Rng(5);
    const gt = randomMask(rng);
    const target = tf.tensor5d(gt, SHAPE);
    const perfect = hardLogits(gt);
    const inverted = hardLogits(gt.map((v) => 1 - v));
    // Perfect: 2I = P + G exactly up to σ(±30) tails → dice 1 for any smooth, loss ≈ 0.
    expect(softDiceLoss(perfect, target).dataSync()[0]).toBeCloseTo(0, 6);
    // Inverted: I ≈ 0, dice = smooth/(P + G + smooth) with P + G = 48 voxels per channel:
    // smooth 1e-5 → loss ≈ 1 − 2e-7; default smooth 1 → loss = 1 − 1/49 ≈ 0.9796.
    expect(softDiceLoss(inverted, target, { smooth: 1e-5 }).dataSync()[0]).toBeCloseTo(1, 6);
    expect(softDiceLoss(inverted, target).dataSync()[0]).toBeCloseTo(1 - 1 / 49, 5);
    tf.dispose([target, perfect, inverted]);
  });

  it('default smooth 1: an empty target met by a confident empty prediction costs ≈ 0', () => {
    // All-empty target, logits −20: ΣP = 48·σ(−20) ≈ 48·2.06e-9 ≈ 9.9e-8 per channel.
    // smooth 1: dice = 1/(1 + 9.9e-8) → loss ≈ 1e-7. (smooth 1e-5 would give dice ≈ 0.99 here, and ≈ 0 at 128³.)
    const target = tf.zeros(SHAPE) as tf.Tensor5D;
    const logits = tf.fill(SHAPE, -20) as tf.Tensor5D;
    expect(softDiceLoss(logits, target).dataSync()[0]).toBeLessThan(1e-6);
    tf.dispose([target, logits]);
  });

  it('gradient exists, is finite, and points the right way; no tensor leak', () => {
    const rng = new Rng(9);
    const gt = randomMask(rng);
    const target = tf.tensor5d(gt, SHAPE);
    const logits = tf.tensor5d(rng.fill(gt.length, (r) => r.normal()), SHAPE);
    const before = tf.memory().numTensors;
    const { value, grad } = tf.valueAndGrad((x: tf.Tensor) => softDiceLoss(x as tf.Tensor5D, target, { bceWeight: 0.5 }))(logits);
    const g = grad.dataSync();
    expect(Number.isFinite(value.dataSync()[0])).toBe(true);
    expect(Array.from(g).every(Number.isFinite)).toBe(true);
    // Raising a logit where the target is 1 lowers the loss (both Dice and BCE terms): gradient < 0;
    // where the target is 0 it raises the loss: gradient > 0.
    for (let i = 0; i < gt.length; i++) expect(Math.sign(g[i])).toBe(gt[i] ? -1 : 1);
    tf.dispose([value, grad]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([target, logits]);
  });

  it('leaves no tensors behind', () => {
    const target = tf.ones(SHAPE) as tf.Tensor5D;
    const logits = tf.zeros(SHAPE) as tf.Tensor5D;
    const probs = tf.sigmoid(logits) as tf.Tensor5D;
    const before = tf.memory().numTensors;
    softDiceLoss(logits, target, { bceWeight: 1 }).dispose();
    const parts = softDiceParts(probs, target); // three [B, C] tensors, owned by us
    expect(parts.intersection.shape).toEqual([2, 3]);
    tf.dispose([parts.intersection, parts.predSum, parts.gtSum]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([target, logits, probs]);
  });

  it('rejects mismatched shapes', () => {
    const a = tf.zeros([1, 2, 2, 2, 3]) as tf.Tensor5D;
    const b = tf.zeros([1, 2, 2, 2, 1]) as tf.Tensor5D;
    expect(() => softDiceLoss(a, b)).toThrow(/losses\/dice softDiceLoss.*\[1,2,2,2,3\] and \[1,2,2,2,1\]/);
    tf.dispose([a, b]);
  });
});

describe('bceWithLogits', () => {
  it('matches a hand computation on 2 voxels, and the BCE term of softDiceLoss', () => {
    // logits [0, 2], targets [1, 0]. BCE = softplus(x) − x·t:
    // voxel 1: ln(1 + e⁰) − 0 = ln 2 = 0.693147; voxel 2: ln(1 + e²) − 0 = 2.126928. Mean = 1.410038.
    const logits = tf.tensor5d([0, 2], [1, 1, 1, 2, 1]);
    const target = tf.tensor5d([1, 0], [1, 1, 1, 2, 1]);
    expect(bceWithLogits(logits, target).dataSync()[0]).toBeCloseTo((Math.LN2 + Math.log(1 + Math.E ** 2)) / 2, 6);
    // softDiceLoss adds bceWeight × BCE on top of the Dice part:
    const withBce = softDiceLoss(logits, target, { bceWeight: 2 }).dataSync()[0];
    const diceOnly = softDiceLoss(logits, target).dataSync()[0];
    expect(withBce - diceOnly).toBeCloseTo(2 * 1.410038, 5);
    // Dice part by hand: p = [0.5, σ(2) = 0.880797]; I = 0.5, ΣP = 1.380797, ΣG = 1; smooth 1:
    // dice = (2·0.5 + 1)/(2.380797 + 1) = 0.591576 → loss 0.408424.
    expect(diceOnly).toBeCloseTo(0.408424, 5);
    tf.dispose([logits, target]);
  });

  it('is stable at extreme logits and has gradient σ(x) − t, also at x = 0', () => {
    // x = −100, t = 1: softplus(−100) + 100 ≈ 100 (log σ(−100) would be −∞ in float32).
    const x = tf.tensor1d([-100, 100, 0, 0]);
    const t = tf.tensor1d([1, 0, 1, 0]);
    expect(bceWithLogits(x, t).dataSync()[0]).toBeCloseTo((100 + 100 + Math.LN2 + Math.LN2) / 4, 4);
    // d mean / dx_i = (σ(x_i) − t_i)/4: [(0 − 1)/4, (1 − 0)/4, (0.5 − 1)/4, (0.5 − 0)/4].
    const g = tf.grad((z: tf.Tensor) => bceWithLogits(z, t))(x).dataSync();
    expect(Array.from(g).map((v) => +v.toFixed(6))).toEqual([-0.25, 0.25, -0.125, 0.125]);
    tf.dispose([x, t]);
  });
});
