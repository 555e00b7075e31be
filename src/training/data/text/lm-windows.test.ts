import { describe, expect, it } from 'vitest';
import { splitTokens, trainWindows, valWindows } from './lm-windows';

const range = (from: number, n: number) => Int32Array.from({ length: n }, (_, i) => from + i);

describe('splitTokens', () => {
  it('joins documents with the EOT id between them and holds out the last valFraction', () => {
    // stream: 1 2 3 | 0 | 10 11 | 0 | 20 21 22 23 → 11 tokens; val = round(11·0.3) = 3 tokens
    const { train, val } = splitTokens([range(1, 3), [10, 11], range(20, 4)], 0.3, 0);
    expect(Array.from(train)).toEqual([1, 2, 3, 0, 10, 11, 0, 20]);
    expect(Array.from(val)).toEqual([21, 22, 23]);
  });

  it('errors when a side is shorter than one window, saying what to change', () => {
    // 100 tokens, valFraction 0.05 → val 5 tokens < 9
    expect(() => splitTokens([range(1, 100)], 0.05, 0, 9)).toThrow(/validation split has 5 tokens, fewer than the 9 one window needs .*raise valFraction/);
    // 10 tokens, valFraction 0.9 → train 1 token
    expect(() => splitTokens([range(1, 10)], 0.9, 0, 2)).toThrow(/training split has 1 tokens, fewer than the 2 .*lower valFraction/);
    expect(() => splitTokens([range(1, 10)], 0, 0)).toThrow(/valFraction must be in \(0, 1\)/);
    expect(() => splitTokens([], 0.1, 0)).toThrow(/no documents/);
  });
});

describe('trainWindows', () => {
  const stream = range(0, 1000); // token at offset k is k, so a window's first token is its offset

  it('returns [batch·length] contiguous windows at offsets that are a pure function of (seed, step)', () => {
    const a = trainWindows(stream, 4, 17, 7, 123);
    expect(a.length).toBe(4 * 17);
    for (let b = 0; b < 4; b++) {
      const row = a.subarray(b * 17, (b + 1) * 17);
      for (let t = 1; t < 17; t++) expect(row[t]).toBe(row[0] + t);
      expect(row[0]).toBeGreaterThanOrEqual(0);
      expect(row[0]).toBeLessThanOrEqual(1000 - 17);
    }
    // exact resume: step 123 gives the same batch whether or not steps 0..122 ran before
    for (let s = 0; s < 123; s++) trainWindows(stream, 4, 17, 7, s);
    expect(Array.from(trainWindows(stream, 4, 17, 7, 123))).toEqual(Array.from(a));
    expect(Array.from(trainWindows(stream, 4, 17, 7, 124))).not.toEqual(Array.from(a));
    expect(Array.from(trainWindows(stream, 4, 17, 8, 123))).not.toEqual(Array.from(a));
  });

  it('covers the whole offset range, including the last window', () => {
    // stream of 10, length 8 → offsets 0..2; 200 draws of 1 hit all three
    const seen = new Set<number>();
    for (let s = 0; s < 200; s++) seen.add(trainWindows(range(0, 10), 1, 8, 1, s)[0]);
    expect([...seen].sort()).toEqual([0, 1, 2]);
    expect(() => trainWindows(range(0, 5), 1, 8, 1, 0)).toThrow(/5 tokens, fewer than one window of 8/);
  });
});

describe('valWindows', () => {
  it('gives non-overlapping windows from the start, at most maxWindows', () => {
    const w = valWindows(range(0, 35), 10, 100); // ⌊35/10⌋ = 3 windows; the last 5 tokens unused
    expect(w.map((x) => Array.from(x))).toEqual([range(0, 10), range(10, 10), range(20, 10)].map((x) => Array.from(x)));
    expect(valWindows(range(0, 35), 10, 2).length).toBe(2);
    expect(() => valWindows(range(0, 9), 10, 4)).toThrow(/9 tokens, fewer than one window of 10/);
  });
});
