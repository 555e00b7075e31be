// Debiased EMA as TensorBoard draws it.
import { describe, expect, it } from 'vitest';
import { ema } from '../../src/renderer/lib/ema';

describe('ema', () => {
  it('smoothing 0 is the raw series', () => {
    expect(ema([3, 1, 2], 0)).toEqual([3, 1, 2]);
  });

  it('is debiased: the first value is not pulled towards 0', () => {
    // s = 0.5: last = 0.5·1 → 0.5 / 0.5 = 1; then (0.25 + 1.5) / 0.75 = 2.333…
    const out = ema([1, 3], 0.5);
    expect(out[0]).toBeCloseTo(1, 12);
    expect(out[1]).toBeCloseTo(1.75 / 0.75, 12);
  });

  it('skips gaps without smoothing them in', () => {
    const out = ema([1, null, 3], 0.5);
    expect(out[1]).toBeNull();
    expect(out[2]).toBeCloseTo(1.75 / 0.75, 12);
  });
});
