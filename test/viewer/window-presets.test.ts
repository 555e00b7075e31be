import { describe, expect, it } from 'vitest';
import { fromWidthLevel, intensityStats, percentileOfSorted, toWidthLevel, windowPresets } from '../../src/renderer/viewer/window-presets';

describe('window presets', () => {
  it('interpolates percentiles between order statistics', () => {
    const s = [10, 20, 30, 40, 50];
    expect(percentileOfSorted(s, 0)).toBe(10);
    expect(percentileOfSorted(s, 50)).toBe(30);
    expect(percentileOfSorted(s, 100)).toBe(50);
    expect(percentileOfSorted(s, 10)).toBeCloseTo(14); // position 0.4 → 10 + 0.4·10
    expect(percentileOfSorted([], 50)).toBeNaN();
  });

  it('leaves background zeros out of the percentiles but not out of min/max, and applies scl_slope/inter', () => {
    // 1000 background zeros and the values 1..101
    const raw = new Float32Array(1101);
    for (let v = 1; v <= 101; v++) raw[1000 + v - 1] = v;
    const st = intensityStats(raw);
    expect(st.min).toBe(0);
    expect(st.max).toBe(101);
    expect(st.pct[50]).toBe(51); // median of 1..101, not 0
    expect(st.pct[2]).toBeCloseTo(3); // position 2 → third value
    const scaled = intensityStats(Int16Array.from([0, 10, 20, 30]), 2, 5); // → 5, 25, 45, 65 (none zero)
    expect(st.pct[98]).toBeCloseTo(99);
    expect(scaled.min).toBe(5);
    expect(scaled.pct[50]).toBe(35);
  });

  it('samples large volumes with a stride and stays close to the exact percentiles', () => {
    const raw = new Float32Array(1_000_000);
    for (let n = 0; n < raw.length; n++) raw[n] = 1 + (n % 1000); // uniform 1..1000
    const st = intensityStats(raw, 1, 0, 10_000);
    expect(st.pct[50]).toBeGreaterThan(490);
    expect(st.pct[50]).toBeLessThan(511);
    expect(st.pct[98]).toBeGreaterThan(970);
  });

  it('offers auto, brain, a tumour preset that fits the modality, and full', () => {
    const st = { min: 0, max: 1000, pct: { 0.5: 5, 2: 20, 50: 400, 98: 900, 99.5: 950, 99.9: 990 } };
    const flair = windowPresets(st, 'flair');
    expect(flair.map((p) => [p.id, p.min, p.max])).toEqual([
      ['auto', 20, 900],
      ['brain', 5, 950],
      ['tumour-bright', 400, 990],
      ['full', 0, 1000],
    ]);
    expect(windowPresets(st, 't1').map((p) => p.id)).toContain('tumour-dark');
    expect(windowPresets(st, 't1').find((p) => p.id === 'tumour-dark')).toMatchObject({ min: 5, max: 400 });
    // a constant volume still gets a usable (non-empty) window
    const flat = windowPresets({ min: 7, max: 7, pct: { 0.5: 7, 2: 7, 50: 7, 98: 7, 99.5: 7, 99.9: 7 } }, 't2');
    for (const p of flat) expect(p.max).toBeGreaterThan(p.min);
  });

  it('converts between min/max and width/level', () => {
    expect(toWidthLevel({ min: 100, max: 500 })).toEqual({ width: 400, level: 300 });
    expect(fromWidthLevel(400, 300)).toEqual({ min: 100, max: 500 });
  });
});
