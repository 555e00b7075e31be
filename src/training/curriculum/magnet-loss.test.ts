import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { relErr } from '../../../test/numeric';
import { magnetLoss, magnetLossCodeVariant } from './magnet-loss';

const read = (t: tf.Tensor): number[] => Array.from(t.dataSync());

/** Float64 host reference of the paper's formula (for the finite differences). */
function hostMagnet(r: number[][], cl: number[], clusterClass: number[], alpha: number): number {
  const N = r.length;
  const E = r[0].length;
  const M = clusterClass.length;
  const mu = Array.from({ length: M }, () => new Array<number>(E).fill(0));
  const cnt = new Array<number>(M).fill(0);
  r.forEach((x, n) => {
    cnt[cl[n]]++;
    x.forEach((v, e) => (mu[cl[n]][e] += v));
  });
  mu.forEach((m, k) => m.forEach((_, e) => (m[e] /= cnt[k])));
  const d = r.map((x) => mu.map((m) => m.reduce((s, v, e) => s + (x[e] - v) ** 2, 0)));
  const own = d.map((row, n) => row[cl[n]]);
  const var2 = (2 * own.reduce((a, b) => a + b, 0)) / (N - 1); // 2σ̂²
  let total = 0;
  for (let n = 0; n < N; n++) {
    let sum = 0;
    for (let m = 0; m < M; m++) if (clusterClass[m] !== clusterClass[cl[n]]) sum += Math.exp(-d[n][m] / var2);
    total += Math.max(0, own[n] / var2 + alpha + Math.log(sum));
  }
  return total / N;
}

describe('magnetLoss (paper formula, METHODS.md §5)', () => {
  it('gives 0.6875 on the toy case; the code σ̂⁴ variant gives 0.71875', () => {
    // r = [0, 2 | 1, 3], clusters = classes = {0, 0, 1, 1}, α = 1.
    // μ̂_0 = 1, μ̂_1 = 2; every own squared distance is 1, so σ̂² = (1+1+1+1)/(4−1) = 4/3, 2σ̂² = 8/3.
    // r=0: 1/(8/3) + 1 + log e^{−(0−2)²/(8/3)} = 0.375 + 1 − 1.5 = −0.125 → 0
    // r=2: 0.375 + 1 + log e^{−0}            = 1.375
    // r=1: 0.375 + 1 + log e^{−(1−1)²/(8/3)} = 1.375
    // r=3: 0.375 + 1 − (3−1)²·3/8            = −0.125 → 0;   mean = 2.75/4 = 0.6875
    const r = tf.tensor2d([[0], [2], [1], [3]]);
    const before = tf.memory().numTensors;
    const { loss, perExample } = magnetLoss(r, [0, 0, 1, 1], [0, 1], 1);
    expect(read(perExample)).toEqual([0, 1.375, 1.375, 0].map((v) => expect.closeTo(v, 6)));
    expect(loss.dataSync()[0]).toBeCloseTo(0.6875, 6);
    // Code: 2σ̂⁴ = 2·16/9 = 32/9, so 1/(2σ̂⁴) = 0.28125:
    // r=0: 0.28125 + 1 − 4·0.28125 = 0.15625;  r=2: 1.28125;  r=1: 1.28125;  r=3: 0.15625 → 0.71875
    const code = magnetLossCodeVariant(r, [0, 0, 1, 1], [0, 1], 1);
    expect(read(code.perExample)).toEqual([0.15625, 1.28125, 1.28125, 0.15625].map((v) => expect.closeTo(v, 6)));
    expect(code.loss.dataSync()[0]).toBeCloseTo(0.71875, 6);
    tf.dispose([loss, perExample, code.loss, code.perExample]);
    expect(tf.memory().numTensors).toBe(before);
    r.dispose();
  });

  it('does not count a second cluster of the same class as an impostor', () => {
    // A = {0, 2} (class 0, μ 1), B = {1, 3} (class 1, μ 2), C = {2, 4} (class 1, μ 3).
    // Own distances all 1: σ̂² = 6/5 = 1.2, 2σ̂² = 2.4. For r = 1 in B the only other-class cluster
    // is A (distance 0): ℓ = 1/2.4 + 1 + log e^0 = 1.416667. Counting C too would add
    // e^{−(1−3)²/2.4} = e^{−1.6667} = 0.18888 inside the log: 1.416667 + log 1.18888 = 1.58966.
    const r = tf.tensor2d([[0], [2], [1], [3], [2], [4]]);
    const cl = [0, 0, 1, 1, 2, 2];
    const { loss, perExample } = magnetLoss(r, cl, [0, 1, 1], 1);
    const per = read(perExample);
    expect(per[2]).toBeCloseTo(1.416667, 5);
    expect(loss.dataSync()[0]).toBeCloseTo(hostMagnet([[0], [2], [1], [3], [2], [4]], cl, [0, 1, 1], 1), 5);
    tf.dispose([r, loss, perExample]);
  });

  it('has the gradient of the formula (finite differences, through μ̂ and σ̂² too)', () => {
    // 3 clusters × 2 examples in 2-D, classes {0, 1, 1}; a point where every hinge is active
    // (checked below), so the loss is smooth there.
    const pts = [[0, 0], [1, 1.1], [0.2, 0.9], [0.85, 0.1], [0.5, 0.4], [0.6, 0.75]]; // interleaved clusters: every ℓ ≈ 1–1.8
    const cl = [0, 0, 1, 1, 2, 2];
    const classes = [0, 1, 1];
    const alpha = 1;
    const r = tf.tensor2d(pts);
    const before = tf.memory().numTensors;
    const per = magnetLoss(r, cl, classes, alpha);
    expect(Math.min(...read(per.perExample))).toBeGreaterThan(0.5); // all hinges active
    tf.dispose([per.loss, per.perExample]);
    const g = tf.grad((x: tf.Tensor) => {
      const o = magnetLoss(x as tf.Tensor2D, cl, classes, alpha);
      o.perExample.dispose();
      return o.loss;
    })(r);
    const analytic = read(g);
    g.dispose();
    expect(tf.memory().numTensors).toBe(before);
    expect(magnetLoss(r, cl, classes, alpha).loss.dataSync()[0]).toBeCloseTo(hostMagnet(pts, cl, classes, alpha), 5);
    const h = 1e-5;
    const numeric = pts.flatMap((row, n) =>
      row.map((_, e) => {
        const plus = pts.map((p) => [...p]);
        const minus = pts.map((p) => [...p]);
        plus[n][e] += h;
        minus[n][e] -= h;
        return (hostMagnet(plus, cl, classes, alpha) - hostMagnet(minus, cl, classes, alpha)) / (2 * h);
      }),
    );
    expect(Math.max(...numeric.map(Math.abs))).toBeGreaterThan(0.02); // a real gradient (max |∂L/∂r| ≈ 0.057)
    expect(relErr(analytic, numeric)).toBeLessThan(1e-4);
    r.dispose();
  });

  it('stays finite in degenerate batches', () => {
    // No cluster of another class: empty sum → ℓ = 0.
    const r = tf.tensor2d([[0], [1], [5], [6]]);
    const a = magnetLoss(r, [0, 0, 1, 1], [3, 3], 1);
    expect(read(a.perExample)).toEqual([0, 0, 0, 0]);
    // Collapsed embeddings (σ̂² = 0, floored): every distance 0 → ℓ = 0 + α + log(1·e^0) = 1.
    const z = tf.zeros([4, 2]) as tf.Tensor2D;
    const b = magnetLoss(z, [0, 0, 1, 1], [0, 1], 1);
    expect(read(b.perExample)).toEqual([1, 1, 1, 1]);
    tf.dispose([r, z, a.loss, a.perExample, b.loss, b.perExample]);
  });

  it('rejects malformed batches, naming the problem', () => {
    const r = tf.tensor2d([[0], [1], [2]]);
    expect(() => magnetLoss(r, [0, 0], [0, 1])).toThrow(/exampleCluster has 2 entries for 3 embeddings/);
    expect(() => magnetLoss(r, [0, 0, 2], [0, 1])).toThrow(/exampleCluster\[2\] = 2 is not a batch cluster 0..1/);
    expect(() => magnetLoss(r, [0, 0, 0], [0, 1])).toThrow(/batch cluster 1 has no examples/);
    expect(() => magnetLoss(tf.tensor2d([[0]]), [0], [0])).toThrow(/at least 2 examples/);
    r.dispose();
  });
});
