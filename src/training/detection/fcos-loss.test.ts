// FCOS losses against hand-worked values (fcos-loss.ts header has the formulas).
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { fcosLoss, giouLossLtrb, giouLossXyxy, sigmoidFocalLoss } from './fcos-loss';
import type { FcosTargets } from './fcos-targets';

const LN2 = Math.log(2);
const LN3 = Math.log(3);
const LN4 = Math.log(4);

describe('sigmoidFocalLoss (α 0.25, γ 2)', () => {
  it('matches α_t·(1−p_t)²·BCE element by element', () => {
    // z = 0,  y = 1: p = 0.5,  p_t = 0.5,  α_t = 0.25: 0.25 · 0.25   · ln 2 = 0.0433217
    // z = ln3, y = 0: p = 0.75, p_t = 0.25, α_t = 0.75: 0.75 · 0.5625 · ln 4 = 0.5848430
    // z = −ln3, y = 1: p = 0.25, p_t = 0.25, α_t = 0.25: 0.25 · 0.5625 · ln 4 = 0.1949477
    const v = tf.tidy(() => sigmoidFocalLoss(tf.tensor1d([0, LN3, -LN3]), tf.tensor1d([1, 0, 1])).arraySync() as number[]);
    expect(v[0]).toBeCloseTo(0.25 * 0.25 * LN2, 6);
    expect(v[0]).toBeCloseTo(0.0433217, 6);
    expect(v[1]).toBeCloseTo(0.75 * 0.5625 * LN4, 6);
    expect(v[1]).toBeCloseTo(0.584843, 5);
    expect(v[2]).toBeCloseTo(0.194948, 5);
  });

  it('is finite for large logits (stable BCE)', () => {
    // z = 100, y = 0: p_t ≈ 0, α_t 0.75, BCE = softplus(100) = 100 → 75; z = −100, y = 0 → ≈ 0.
    const v = tf.tidy(() => sigmoidFocalLoss(tf.tensor1d([100, -100]), tf.tensor1d([0, 0])).arraySync() as number[]);
    expect(v[0]).toBeCloseTo(75, 3);
    expect(v[1]).toBeCloseTo(0, 6);
  });
});

describe('GIoU loss', () => {
  it('matches 1 − (IoU − (|C|−|U|)/|C|) by hand', () => {
    // (0,0,2,2) vs (1,1,3,3): I = 1, U = 4 + 4 − 1 = 7, C = (0,0,3,3) = 9: GIoU = 1/7 − 2/9 = −0.0793651 → 1.0793651.
    // identical (0,0,2,2): IoU 1, C = U → 0.
    // disjoint (0,0,1,1) vs (2,0,3,1): I = 0, U = 2, C = 3: GIoU = −1/3 → 4/3 > 1.
    const v = tf.tidy(() =>
      giouLossXyxy(tf.tensor2d([[0, 0, 2, 2], [0, 0, 2, 2], [0, 0, 1, 1]]), tf.tensor2d([[1, 1, 3, 3], [0, 0, 2, 2], [2, 0, 3, 1]])).arraySync() as number[],
    );
    expect(v[0]).toBeCloseTo(1 - (1 / 7 - 2 / 9), 5);
    expect(v[0]).toBeCloseTo(1.0793651, 5);
    expect(v[1]).toBeCloseTo(0, 5);
    expect(v[2]).toBeCloseTo(4 / 3, 5);
    expect(v[2]).toBeGreaterThan(1);
  });

  it('on ltrb distances from a shared point', () => {
    // pred (1,1,1,1) = box (−1,−1,1,1), target (1,1,3,3) = box (−1,−1,3,3): I = 4, U = 16, C = 16 → 1 − 0.25 = 0.75.
    const v = tf.tidy(() => giouLossLtrb(tf.tensor2d([[1, 1, 1, 1]]), tf.tensor2d([[1, 1, 3, 3]])).arraySync() as number[]);
    expect(v[0]).toBeCloseTo(0.75, 5);
  });
});

/** Targets for one image, written out by hand. */
function handTargets(labels: number[], ltrb: number[], centerness: number[]): FcosTargets {
  return {
    numLocations: labels.length,
    labels: Int32Array.from(labels),
    ltrb: Float32Array.from(ltrb),
    centerness: Float32Array.from(centerness),
    gtIndex: Int32Array.from(labels.map((l) => (l >= 0 ? 0 : -1))),
    numPositives: labels.filter((l) => l >= 0).length,
  };
}

describe('fcosLoss', () => {
  // One image, N = 3 locations, K = 2 classes. Location 0: class 1, c* = 0.5, ltrb* (1,1,1,1);
  // location 1: background; location 2: class 0, c* = 1, ltrb* (1,1,1,1).
  const targets = [handTargets([1, -1, 0], [1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1], [0.5, 0, 1])];

  it('gives the three components and their sum by hand', () => {
    // cls: all logits 0. Each y = 1 element: 0.25·0.25·ln2 = 0.0433217 (2 of them); each y = 0
    //   element: 0.75·0.25·ln2 = 0.1299651 (4 of them). Σ = 0.6065038, / N_pos 2 = 0.3032519.
    // box: loc 0 pred = target → 0; loc 2 pred (1,1,3,3) vs (1,1,1,1) → 0.75; loc 1 ignored.
    //   (0.5·0 + 1·0.75) / (0.5 + 1) = 0.5.
    // ctr: loc 0 logit 0 vs 0.5: softplus(0) − 0 = ln 2 = 0.693147; loc 2 logit ln3 (p 0.75) vs 1:
    //   −ln 0.75 = 0.287682; loc 1 (logit 7) ignored. (0.693147 + 0.287682)/2 = 0.490415.
    // total = 0.3032519 + 0.5 + 0.490415 = 1.293667.
    const parts = tf.tidy(() => {
      const out = {
        cls: tf.zeros([1, 3, 2]) as tf.Tensor3D,
        box: tf.tensor3d([[[1, 1, 1, 1], [5, 5, 5, 5], [1, 1, 3, 3]]]),
        ctr: tf.tensor2d([[0, 7, LN3]]),
      };
      const l = fcosLoss(out, targets);
      return [l.cls, l.box, l.ctr, l.total].map((s) => s.dataSync()[0]);
    });
    const cls = (2 * 0.25 * 0.25 * LN2 + 4 * 0.75 * 0.25 * LN2) / 2;
    expect(parts[0]).toBeCloseTo(cls, 5);
    expect(parts[0]).toBeCloseTo(0.303252, 5);
    expect(parts[1]).toBeCloseTo(0.5, 5);
    expect(parts[2]).toBeCloseTo((LN2 - Math.log(0.75)) / 2, 5);
    expect(parts[3]).toBeCloseTo(1.293667, 5);
  });

  it('with no positive: box and ctr are 0 and cls is divided by 1, gradients still reach the box and ctr outputs', () => {
    // cls: 6 negatives with logit 0: 6 · 0.75·0.25·ln2 = 0.7797905.
    const none = [handTargets([-1, -1, -1], new Array(12).fill(0), [0, 0, 0])];
    const box = tf.tensor3d([[[1, 1, 1, 1], [5, 5, 5, 5], [1, 1, 3, 3]]]);
    const ctr = tf.tensor2d([[0, 7, LN3]]);
    const cls = tf.zeros([1, 3, 2]) as tf.Tensor3D;
    const { values, grads } = tf.tidy(() => {
      const l = fcosLoss({ cls, box, ctr }, none);
      const g = tf.grads((b: tf.Tensor, c: tf.Tensor) => fcosLoss({ cls, box: b as tf.Tensor3D, ctr: c as tf.Tensor2D }, none).total)([box, ctr]);
      return { values: [l.cls, l.box, l.ctr].map((s) => s.dataSync()[0]), grads: g.map((t) => Array.from(t.dataSync())) };
    });
    expect(values[0]).toBeCloseTo(6 * 0.75 * 0.25 * LN2, 5);
    expect(values[1]).toBeCloseTo(0, 12);
    expect(values[2]).toBeCloseTo(0, 12);
    expect(grads[0].every((v) => v === 0)).toBe(true);
    expect(grads[1].every((v) => v === 0)).toBe(true);
    tf.dispose([box, ctr, cls]);
  });

  it('rejects targets that do not fit the outputs', () => {
    const out = tf.tidy(() => ({ cls: tf.zeros([1, 3, 1]) as tf.Tensor3D, box: tf.zeros([1, 3, 4]) as tf.Tensor3D, ctr: tf.zeros([1, 3]) as tf.Tensor2D }));
    expect(() => fcosLoss(out, targets)).toThrow(/image 0 location 0 has class 1, but the head predicts 1 classes/);
    expect(() => fcosLoss(out, [...targets, ...targets])).toThrow(/2 target sets for a batch of 1/);
    expect(() => fcosLoss(out, [handTargets([-1, -1], new Array(8).fill(0), [0, 0])])).toThrow(/cover 2 locations, the outputs 3/);
    tf.dispose(out);
  });
});
