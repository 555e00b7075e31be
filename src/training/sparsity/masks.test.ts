import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { Rng } from '../core/rng';
import { makeMasks, maskedCount, randomMaskValues } from './masks';

describe('SPDF masks (METHODS.md §1)', () => {
  it('zero exactly round(s·n) entries, for awkward sizes too', () => {
    for (const [n, s] of [[100, 0.75], [7, 0.5], [3, 0.5], [1000, 0.333], [12, 0]] as const) {
      const m = randomMaskValues(n, s, new Rng(n));
      expect(m.length).toBe(n);
      expect(m.filter((v) => v === 0).length).toBe(Math.round(s * n));
      expect(maskedCount(n, s)).toBe(Math.round(s * n));
    }
  });

  it('pick positions uniformly: every position is masked about s of the time', () => {
    const n = 20;
    const hits = new Array(n).fill(0);
    const trials = 4000;
    for (let t = 0; t < trials; t++) randomMaskValues(n, 0.25, new Rng(t)).forEach((v, i) => (hits[i] += v === 0 ? 1 : 0));
    // Each position is masked with probability exactly 5/20; binomial sd = √(4000·0.25·0.75) ≈ 27.
    for (const h of hits) expect(Math.abs(h - 1000)).toBeLessThan(5 * 27.4);
  });

  it('are a function of the seed and the name: same seed, same masks; other names, other positions', () => {
    const params = new Map([
      ['a', tf.zeros([16, 16])],
      ['b', tf.zeros([16, 16])],
    ]);
    const m1 = makeMasks(params, ['a', 'b'], 0.5, 7);
    const m2 = makeMasks(params, ['a', 'b'], 0.5, 7);
    const m3 = makeMasks(params, ['a', 'b'], 0.5, 8);
    const data = (m: Map<string, tf.Tensor>, n: string) => Array.from(m.get(n)!.dataSync());
    expect(data(m1, 'a')).toEqual(data(m2, 'a'));
    expect(data(m1, 'a')).not.toEqual(data(m1, 'b'));
    expect(data(m1, 'a')).not.toEqual(data(m3, 'a'));
    expect(m1.get('a')!.shape).toEqual([16, 16]);
    tf.dispose([...params.values(), ...m1.values(), ...m2.values(), ...m3.values()]);
  });

  it('reject a sparsity outside [0, 1) and unknown names', () => {
    expect(() => randomMaskValues(10, 1, new Rng(0))).toThrow(/sparsity = 1/);
    expect(() => makeMasks(new Map(), ['x'], 0.5, 0)).toThrow(/no parameter 'x'/);
  });
});
