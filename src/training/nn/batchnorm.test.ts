import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { relErr, values } from '../../../test/numeric';
import { flattenParams } from '../core/params';
import { vjp } from './reversible';
import { BN_EPS, type BatchNormImpl, batchNorm2d, batchNorm2dReference, initBatchNorm, statUpdatesEnabled, withoutStatUpdates } from './batchnorm';

const IMPLS: Exclude<BatchNormImpl, 'auto'>[] = ['kernel', 'ops'];

/**
 * Tiny case, x [1,2,2,2] (B·H·W = n = 4 values per channel):
 *   channel 0: 1, 2, 3, 6 → μ = 12/4 = 3, Σ(x−μ)² = 4+1+0+9 = 14, σ² = 14/4 = 3.5 (biased), 14/3 (unbiased)
 *   channel 1: 0, 0, 4, 4 → μ = 2,        Σ(x−μ)² = 4·4 = 16,     σ² = 16/4 = 4,          16/3
 * γ = [2, 1], β = [0.5, −1], eps = 1e-3.
 */
const XV = [1, 0, 2, 0, 3, 4, 6, 4]; // channels-last: (pixel, channel) pairs
const tiny = () => tf.tensor4d(XV, [1, 2, 2, 2]);

function setup(gamma = [2, 1], beta = [0.5, -1]) {
  const bn = initBatchNorm(2);
  bn.params.gamma.assign(tf.tensor1d(gamma));
  bn.params.beta.assign(tf.tensor1d(beta));
  return bn;
}

describe('batchNorm2d', () => {
  it('init: γ = 1, β = 0 trainable; running mean 0, variance 1 not trainable and outside the param tree', () => {
    const { params, stats } = initBatchNorm(3);
    expect(Array.from(params.gamma.dataSync())).toEqual([1, 1, 1]);
    expect(Array.from(params.beta.dataSync())).toEqual([0, 0, 0]);
    expect(params.gamma.trainable && params.beta.trainable).toBe(true);
    expect(Array.from(stats.mean.dataSync())).toEqual([0, 0, 0]);
    expect(Array.from(stats.variance.dataSync())).toEqual([1, 1, 1]);
    expect(stats.mean.trainable || stats.variance.trainable).toBe(false);
    expect([...flattenParams(params).keys()]).toEqual(['gamma', 'beta']); // 2·C counted, stats not
    expect(BN_EPS).toBe(1e-3);
  });

  it.each(IMPLS)('%s: training output by hand and running stats after one update (unbiased variance, momentum 0.1)', (impl) => {
    const { params, stats } = setup();
    const x = tiny();
    const y = batchNorm2d(x, params, stats, { training: true }, { impl });
    const r0 = 1 / Math.sqrt(3.5 + 1e-3), r1 = 1 / Math.sqrt(4 + 1e-3);
    // y = (x − μ)·rstd·γ + β: channel 0 at x = 1, 2, 3, 6 → (−2, −1, 0, 3)·r0·2 + 0.5; channel 1 at 0, 0, 4, 4 → (∓2)·r1 − 1.
    const want = [-2 * r0 * 2 + 0.5, -2 * r1 - 1, -1 * r0 * 2 + 0.5, -2 * r1 - 1, 0.5, 2 * r1 - 1, 3 * r0 * 2 + 0.5, 2 * r1 - 1];
    const got = y.dataSync();
    want.forEach((v, i) => expect(got[i]).toBeCloseTo(v, 5));
    expect(got[6]).toBeCloseTo(3.70668, 4); // 6/sqrt(3.501) + 0.5
    // running mean = 0.9·0 + 0.1·μ = [0.3, 0.2]; running var = 0.9·1 + 0.1·(unbiased) = [0.9 + 14/30, 0.9 + 16/30] = [1.36667, 1.43333].
    // (With the biased variance it would be [1.25, 1.3].)
    const m = stats.mean.dataSync(), v = stats.variance.dataSync();
    expect(m[0]).toBeCloseTo(0.3, 6);
    expect(m[1]).toBeCloseTo(0.2, 6);
    expect(v[0]).toBeCloseTo(1.366667, 5);
    expect(v[1]).toBeCloseTo(1.433333, 5);
    tf.dispose([x, y]);
  });

  it.each(IMPLS)('%s: inference normalises with the running stats and leaves them alone', (impl) => {
    const { params, stats } = setup();
    stats.mean.assign(tf.tensor1d([1, -1]));
    stats.variance.assign(tf.tensor1d([4, 0.25]));
    const x = tiny();
    const y = batchNorm2d(x, params, stats, { training: false }, { impl });
    // channel 0: (x − 1)/sqrt(4.001)·2 + 0.5 → x = 6: 5/2.00025·2 + 0.5 = 5.49938; channel 1: (x + 1)/sqrt(0.251) − 1 → x = 4: 5/0.500999 − 1 = 8.98003.
    const got = y.dataSync();
    expect(got[6]).toBeCloseTo((5 / Math.sqrt(4.001)) * 2 + 0.5, 5);
    expect(got[6]).toBeCloseTo(5.49938, 4);
    expect(got[7]).toBeCloseTo(5 / Math.sqrt(0.251) - 1, 4);
    expect(got[1]).toBeCloseTo(1 / Math.sqrt(0.251) - 1, 5); // x = 0
    expect(Array.from(stats.mean.dataSync())).toEqual([1, -1]);
    expect(Array.from(stats.variance.dataSync())).toEqual([4, 0.25]);
    tf.dispose([x, y]);
  });

  it.each(IMPLS)('%s: withoutStatUpdates keeps batch-statistics normalisation but leaves the running stats unchanged', (impl) => {
    const a = setup(), b = setup();
    const x = tiny();
    const ya = batchNorm2d(x, a.params, a.stats, { training: true }, { impl });
    expect(statUpdatesEnabled()).toBe(true);
    const yb = withoutStatUpdates(() => {
      expect(statUpdatesEnabled()).toBe(false);
      return withoutStatUpdates(() => batchNorm2d(x, b.params, b.stats, { training: true }, { impl })); // nests
    });
    expect(statUpdatesEnabled()).toBe(true);
    expect(relErr(yb.dataSync(), ya.dataSync())).toBe(0);
    expect(Array.from(b.stats.mean.dataSync())).toEqual([0, 0]);
    expect(Array.from(b.stats.variance.dataSync())).toEqual([1, 1]);
    expect(() => withoutStatUpdates(() => { throw new Error('boom'); })).toThrow('boom');
    expect(statUpdatesEnabled()).toBe(true); // restored after a throw
    tf.dispose([x, ya, yb]);
  });

  it.each(IMPLS)('%s: gradients (dx, dγ, dβ) match autodiff of the plain formula, training and inference', (impl) => {
    const shape: [number, number, number, number] = [3, 5, 4, 6];
    const x = tf.tensor4d(values(3 * 5 * 4 * 6, 1, 2, 0.5), shape);
    const gamma = tf.tensor1d(values(6, 2, 0.5, 1));
    const beta = tf.tensor1d(values(6, 3));
    const dy = tf.tensor4d(values(x.size, 4), shape);
    const { stats } = initBatchNorm(6);
    stats.mean.assign(tf.tensor1d(values(6, 5, 0.3)));
    stats.variance.assign(tf.tensor1d(values(6, 6, 0.5, 1)));
    for (const training of [true, false]) {
      const plain = (a: tf.Tensor, g: tf.Tensor, b: tf.Tensor): tf.Tensor =>
        training
          ? batchNorm2dReference(a as tf.Tensor4D, { gamma: g, beta: b })
          : a.sub(stats.mean).div(tf.sqrt(stats.variance.add(BN_EPS))).mul(g).add(b); // running stats are constants
      const ours = (a: tf.Tensor, g: tf.Tensor, b: tf.Tensor): tf.Tensor =>
        withoutStatUpdates(() => batchNorm2d(a as tf.Tensor4D, { gamma: g, beta: b }, stats, { training }, { impl }));
      const want = tf.tidy(() => [plain(x, gamma, beta), ...tf.grads(plain)([x, gamma, beta], dy)].map((t) => t.dataSync()));
      const got = tf.tidy(() => [ours(x, gamma, beta), ...tf.grads(ours)([x, gamma, beta], dy)].map((t) => t.dataSync()));
      ['y', 'dx', 'dγ', 'dβ'].forEach((name, i) => expect(relErr(got[i], want[i]), `${name} training=${training}`).toBeLessThan(2e-5));
    }
    tf.dispose([x, gamma, beta, dy, stats.mean, stats.variance]);
  });

  it('updates once when the forward runs inside a customGrad and the gradFunc recomputes under withoutStatUpdates (the reversible pattern)', () => {
    const { params, stats } = setup();
    const x = tiny();
    const op = tf.customGrad(((a: tf.Tensor4D, g: tf.Tensor, b: tf.Tensor, save: tf.GradSaveFunc) => {
      save([a, g, b]);
      const value = batchNorm2d(a, { gamma: g, beta: b }, stats, { training: true }); // untaped forward: updates
      return {
        value,
        gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
          withoutStatUpdates(() => {
            const { value: v, grads } = vjp((p, q, r) => batchNorm2d(p as tf.Tensor4D, { gamma: q, beta: r }, stats, { training: true }), saved, dy);
            v.dispose();
            return grads;
          }),
      };
    }) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => tf.Tensor;
    const before = tf.memory().numTensors;
    const { value, grads } = tf.variableGrads(() => op(x, params.gamma, params.beta).square().sum() as tf.Scalar);
    // one update: [0.3, 0.2] and [0.9 + 14/30, 0.9 + 16/30], as in the by-hand test above
    expect(stats.mean.dataSync()[0]).toBeCloseTo(0.3, 6);
    expect(stats.variance.dataSync()[1]).toBeCloseTo(1.433333, 5);
    // d/dβ Σ y² = 2·Σ y per channel; Σ over a channel of (x−μ)·rstd·γ is 0, so 2·n·β = 2·4·[0.5, −1] = [4, −8].
    const db = grads[params.beta.name].dataSync();
    expect(db[0]).toBeCloseTo(4, 4);
    expect(db[1]).toBeCloseTo(-8, 4);
    tf.dispose([value, ...Object.values(grads)]);
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });

  it('rejects bad input, naming the field', () => {
    const { params, stats } = initBatchNorm(2);
    const x1 = tf.zeros([1, 1, 1, 2]) as tf.Tensor4D;
    expect(() => batchNorm2d(x1, params, stats, { training: true })).toThrow(/more than 1 value per channel/);
    expect(() => batchNorm2d(tf.zeros([1, 2, 2, 3]) as tf.Tensor4D, params, stats, { training: false })).toThrow(/gamma must be \[3\]/);
    expect(() => batchNorm2d(tf.zeros([2, 2, 2]) as unknown as tf.Tensor4D, params, stats, { training: false })).toThrow(/\[B,H,W,C\]/);
    expect(() => initBatchNorm(0)).toThrow(/channels = 0/);
    expect(() => batchNorm2d(x1, params, stats, { training: false }, { momentum: 2 })).toThrow(/momentum = 2/);
  });

  it('leaks no tensors through training forward + backward (stats updated in place)', () => {
    const { params, stats } = initBatchNorm(4);
    const x = tf.tensor4d(values(2 * 3 * 3 * 4, 9), [2, 3, 3, 4]);
    const before = tf.memory().numTensors;
    for (const impl of IMPLS) {
      tf.tidy(() => {
        const { grads } = tf.variableGrads(() => batchNorm2d(x, params, stats, { training: true }, { impl }).square().sum() as tf.Scalar);
        expect(Object.keys(grads).length).toBe(2); // γ and β only: the running stats are not trainable
      });
    }
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });
});
