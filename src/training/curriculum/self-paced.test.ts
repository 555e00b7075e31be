import { describe, expect, it } from 'vitest';
import { Rng } from '../core/rng';
import { lambdaForFraction, paceAt, planEpoch, rankThreshold, SELF_PACED_DEFAULTS, selectRandom, selectSelfPaced, type SelfPacedConfig } from './self-paced';

const cfg = (over: Partial<SelfPacedConfig> = {}): SelfPacedConfig => ({ ...SELF_PACED_DEFAULTS, ...over });
const sorted = (xs: ArrayLike<number>): number[] => Array.from(xs).sort((a, b) => a - b);

describe('self-paced selection (λ/γ rule per group)', () => {
  it('with γ = 0 keeps exactly the samples whose loss < λ, in every cluster', () => {
    const rng = new Rng(4);
    const N = 500;
    const losses = rng.fill(N, (r) => r.range(0, 2));
    losses[7] = 0.8; // exactly λ: not admitted (strict)
    const groups = Array.from({ length: N }, () => rng.int(12));
    const sel = selectSelfPaced(losses, groups, { lambda: 0.8, gamma: 0, quota: null });
    const expected = Array.from(losses.keys()).filter((n) => losses[n] < 0.8);
    expect(Array.from(sel.indices)).toEqual(expected);
    expect(sel.indices).not.toContain(7);
    expect(sel.fraction).toBeCloseTo(expected.length / N, 12);
    expect(expected.length).toBeGreaterThan(150); // ≈ 0.4·500: a real split, not all or none
    expect(expected.length).toBeLessThan(250);
  });

  it('SPLD: ranks by loss within each group and admits CE_i < λ + γ/(√i + √(i−1))', () => {
    // λ = 0.4, γ = 0.5. Thresholds by rank:
    //   i=1: 0.4 + 0.5/(1 + 0)           = 0.9
    //   i=2: 0.4 + 0.5/(1.41421 + 1)     = 0.60711
    //   i=3: 0.4 + 0.5/(1.73205 + 1.41421) = 0.55892
    //   i=4: 0.4 + 0.5/(2 + 1.73205)     = 0.53397
    // Group A (indices 5, 0, 3, 1: stored out of loss order) losses 0.9, 0.1, 0.6, 0.5 → sorted
    // 0.1 (idx 0) < 0.9 ✓, 0.5 (idx 1) < 0.607 ✓, 0.6 (idx 3) < 0.559 ✗, 0.9 (idx 5) ✗.
    // Group B (indices 2, 4) losses 0.7, 0.8: 0.7 < 0.9 ✓ (above λ, admitted for diversity),
    // 0.8 < 0.607 ✗.
    // → {0, 1, 2}. With γ = 0 only idx 0 (0.1 < 0.4).
    const losses = [0.1, 0.5, 0.7, 0.6, 0.8, 0.9];
    const groups = [0, 0, 1, 0, 1, 0];
    expect(rankThreshold(0.4, 0.5, 2)).toBeCloseTo(0.607107, 6);
    expect(rankThreshold(0.4, 0.5, 3)).toBeCloseTo(0.558919, 6);
    expect(Array.from(selectSelfPaced(losses, groups, { lambda: 0.4, gamma: 0.5, quota: null }).indices)).toEqual([0, 1, 2]);
    expect(Array.from(selectSelfPaced(losses, groups, { lambda: 0.4, gamma: 0, quota: null }).indices)).toEqual([0]);
    // The code's cap: at most `quota` per group, the easiest first: quota 1 → {0, 2}.
    expect(Array.from(selectSelfPaced(losses, groups, { lambda: 0.4, gamma: 0.5, quota: 1 }).indices)).toEqual([0, 2]);
    // Classes as groups (one group): 0.1 ✓, 0.5 ✓ (< 0.607), 0.6 < 0.559 ✗ → {0, 1}.
    expect(Array.from(selectSelfPaced(losses, [0, 0, 0, 0, 0, 0], { lambda: 0.4, gamma: 0.5, quota: null }).indices)).toEqual([0, 1]);
    // Never-recorded losses (NaN) are never admitted.
    expect(Array.from(selectSelfPaced([NaN, 0.1], [0, 0], { lambda: 5, gamma: 1, quota: null }).indices)).toEqual([1]);
  });

  it('grows the pace over 3 epochs: λ·1.1^t, γ·1.1^t, quota round(500·1.1^t)', () => {
    const c = cfg({ lambda0: 0.2, gamma0: 0.5, quota0: 500 });
    // t = 0, 1, 2: λ 0.2, 0.22, 0.242; γ 0.5, 0.55, 0.605; quota 500, 550, 605.
    const paces = [0, 1, 2].map((t) => paceAt(c, t, 0.2));
    expect(paces.map((p) => p.lambda)).toEqual([0.2, 0.22, 0.242].map((v) => expect.closeTo(v, 12)));
    expect(paces.map((p) => p.gamma)).toEqual([0.5, 0.55, 0.605].map((v) => expect.closeTo(v, 12)));
    expect(paces.map((p) => p.quota)).toEqual([500, 550, 605]);

    // The same schedule through planEpoch on fixed losses 0.005, 0.015, …, 0.995 (one group, γ = 0):
    // epoch 0 trains on all 100; epochs 1, 2, 3 admit loss < 0.2, 0.22, 0.242 → 20, 22, 24.
    const losses = Array.from({ length: 100 }, (_, i) => (i + 0.5) / 100);
    const groups = new Array(100).fill(0);
    const c0 = cfg({ lambda0: 0.2, gamma0: 0 });
    const counts = [0, 1, 2, 3].map((epoch) => planEpoch({ method: 'spl-advise', epoch, losses, groups, config: c0, lambda0: null, rng: new Rng(1) }).order.length);
    expect(counts).toEqual([100, 20, 22, 24]);
    const e2 = planEpoch({ method: 'spl-advise', epoch: 2, losses, groups, config: c0, lambda0: null, rng: new Rng(1) });
    expect(sorted(e2.order)).toEqual(Array.from({ length: 22 }, (_, i) => i));
    expect(Array.from(e2.order)).not.toEqual(sorted(e2.order)); // shuffled (METHODS.md (f))
    expect(e2.fraction).toBe(0.22);
  });

  it('sets λ_0 from the first epoch\'s losses when lambda0 is null', () => {
    const losses = [0.5, 0.1, 0.9, 0.3]; // sorted 0.1 0.3 0.5 0.9; half → between 0.3 and 0.5
    expect(lambdaForFraction(losses, 0.5)).toBeCloseTo(0.4, 12);
    expect(lambdaForFraction(losses, 1)).toBe(Infinity);
    const plan = planEpoch({ method: 'spld', epoch: 1, losses, groups: [0, 0, 0, 0], config: cfg({ gamma0: 0 }), lambda0: null, rng: new Rng(0) });
    expect(plan.lambda0).toBeCloseTo(0.4, 12);
    expect(sorted(plan.order)).toEqual([1, 3]);
  });

  it('Random admits as many samples as the rule, chosen at random; deterministic per seed', () => {
    const rng = new Rng(2);
    const N = 400;
    const losses = rng.fill(N, (r) => r.uniform());
    const groups = Array.from({ length: N }, (_, i) => i % 8);
    const args = { epoch: 3, losses, groups, config: cfg({ lambda0: 0.3 }), lambda0: null, rng: new Rng(5) } as const;
    const spl = planEpoch({ ...args, method: 'spl-advise' });
    const rnd = planEpoch({ ...args, method: 'random' });
    expect(rnd.order.length).toBe(spl.order.length);
    expect(new Set(rnd.order).size).toBe(rnd.order.length); // distinct
    const easy = sorted(spl.order);
    const overlap = Array.from(rnd.order).filter((n) => easy.includes(n)).length;
    expect(overlap).toBeLessThan(0.8 * easy.length); // not the easy set
    expect(Array.from(planEpoch({ ...args, method: 'random' }).order)).toEqual(Array.from(rnd.order));
    expect(planEpoch({ ...args, method: 'all' }).order.length).toBe(N);
    expect(selectRandom(10, 3, new Rng(0)).indices.length).toBe(3);
    expect(() => selectRandom(10, 11, new Rng(0))).toThrow(/random count = 11/);
  });

  it('validates the config, naming the field', () => {
    const base = { epoch: 1, losses: [0.1], groups: [0], lambda0: null, rng: new Rng(0), method: 'spld' } as const;
    expect(() => planEpoch({ ...base, config: cfg({ lambdaGrowth: 0.9 }) })).toThrow(/lambdaGrowth = 0.9/);
    expect(() => planEpoch({ ...base, config: cfg({ startFraction: 0 }) })).toThrow(/startFraction = 0/);
    expect(() => planEpoch({ ...base, config: cfg({ quota0: 2.5 }) })).toThrow(/quota0 = 2.5/);
    expect(() => planEpoch({ ...base, config: cfg(), method: 'curriculum' as never })).toThrow(/unknown method 'curriculum'/);
    expect(() => selectSelfPaced([0.1, 0.2], [0], { lambda: 1, gamma: 0, quota: null })).toThrow(/1 group ids for 2 losses/);
  });
});
