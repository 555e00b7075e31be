// The per-case score table: worst first by default, either direction, missing values last.
import { describe, expect, it } from 'vitest';
import type { Evaluation } from '../../src/shared/api';
import { DEFAULT_SORT, regionsOf, scoreRows, sortRows } from '../../src/renderer/lib/case-scores';

const region = (dice: number, hd95: number) => ({ dice, hd95, predVoxels: 1, gtVoxels: 1 });
const evaluation: Evaluation = {
  predictions: '/p',
  data: '/d',
  cases: [
    { caseId: 'a', regions: { ET: region(0.9, 2), WT: region(0.9, 1), TC: region(0.9, 3) } },
    { caseId: 'b', regions: { ET: region(0, 373.13), WT: region(0.6, 9), TC: region(0.3, 8) } },
    { caseId: 'c', regions: { ET: region(0.5, 5), WT: region(0.8, 2), TC: region(0.7, 4) } },
    { caseId: 'd', regions: { ET: region(Number.NaN, Number.NaN), WT: region(0.7, 3), TC: region(0.6, 5) } },
  ],
  summary: { n: 4, mean: {} },
  skipped: [],
};
const ids = (rows: { caseId: string }[]): string[] => rows.map((r) => r.caseId);

describe('case scores', () => {
  it('lists regions WT, TC, ET whatever order the engine used', () => {
    expect(regionsOf(evaluation)).toEqual(['WT', 'TC', 'ET']);
  });

  it('sorts by mean Dice, worst first, by default', () => {
    // means: a 0.9, b 0.3, c 0.667, d NaN (a region is missing) → NaN last
    expect(DEFAULT_SORT).toEqual({ key: 'dice:mean', worstFirst: true });
    expect(ids(sortRows(scoreRows(evaluation), DEFAULT_SORT))).toEqual(['b', 'c', 'a', 'd']);
  });

  it('worst HD95 is the largest; flipping shows the best first', () => {
    expect(ids(sortRows(scoreRows(evaluation), { key: 'hd95:ET', worstFirst: true }))).toEqual(['b', 'c', 'a', 'd']);
    expect(ids(sortRows(scoreRows(evaluation), { key: 'hd95:ET', worstFirst: false }))).toEqual(['a', 'c', 'b', 'd']);
    expect(ids(sortRows(scoreRows(evaluation), { key: 'dice:WT', worstFirst: false }))).toEqual(['a', 'c', 'd', 'b']);
  });

  it('sorts by case id', () => {
    expect(ids(sortRows(scoreRows(evaluation), { key: 'case', worstFirst: false }))).toEqual(['d', 'c', 'b', 'a']);
  });
});
