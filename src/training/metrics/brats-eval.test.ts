import { describe, expect, it } from 'vitest';
import { CSV_COLUMNS, evaluateCase, summarize, toCsv, type CaseResult, type CaseScores } from './brats-eval';

// A [D=1, H=2, W=4] case; D = 1 puts every voxel on the volume border, so every mask voxel is surface.
// Spacing DHW = [1, 2, 3] mm: one step along H is 2 mm, along W 3 mm.
//            w: 0  1  2  3
const GT = [/* h=0 */ 0, 2, 1, 4, /* h=1 */ 0, 2, 2, 0];
const PRED = [/* h=0 */ 2, 2, 1, 1, /* h=1 */ 0, 0, 2, 0];
const SHAPE: [number, number, number] = [1, 2, 4];
const SPACING: [number, number, number] = [1, 2, 3];

describe('evaluateCase', () => {
  it('scores WT, TC and ET as computed by hand, including an empty predicted ET', () => {
    const r = evaluateCase(PRED, GT, SHAPE, SPACING);
    // WT = {1,2,4}: G = {(0,1),(0,2),(0,3),(1,1),(1,2)}, P = {(0,0),(0,1),(0,2),(0,3),(1,2)} (h,w).
    // |P∩G| = 4 → Dice 2·4/(5+5) = 0.8.
    // HD95: P→G: (0,0)→(0,1) one W step = 3 mm, the rest 0; G→P: (1,1)→(0,1) one H step = 2 mm (vs 3 mm
    // to (1,2)), the rest 0. Pooled sorted [0×8, 2, 3], n = 10, position 9·0.95 = 8.55 → 2 + 0.55·1 = 2.55.
    expect(r.WT.dice).toBeCloseTo(0.8, 15);
    expect(r.WT.hd95).toBeCloseTo(2.55, 12);
    expect([r.WT.predVoxels, r.WT.gtVoxels]).toEqual([5, 5]);
    // TC = {1,4}: G = {(0,2),(0,3)}, P = {(0,2),(0,3)} → Dice 1, HD95 0.
    expect(r.TC).toEqual({ dice: 1, hd95: 0, predVoxels: 2, gtVoxels: 2 });
    // ET = {4}: G = {(0,3)}, P empty → Dice 0, HD95 373.13 (BraTS penalty).
    expect(r.ET).toEqual({ dice: 0, hd95: 373.13, predVoxels: 0, gtVoxels: 1 });
  });

  it('ET absent from the ground truth: none predicted → Dice 1, HD95 0; some predicted → 0, 373.13', () => {
    const gtNoEt = GT.map((l) => (l === 4 ? 1 : l));
    const predNoEt = PRED; // PRED has no label 4
    const a = evaluateCase(predNoEt, gtNoEt, SHAPE, SPACING);
    expect(a.ET).toEqual({ dice: 1, hd95: 0, predVoxels: 0, gtVoxels: 0 });
    const predEt = PRED.map((l, i) => (i === 0 ? 4 : l));
    const b = evaluateCase(predEt, gtNoEt, SHAPE, SPACING);
    expect(b.ET).toEqual({ dice: 0, hd95: 373.13, predVoxels: 1, gtVoxels: 0 });
  });

  it('BraTS 2023 labels (ET = 3) give the same scores with et = 3, and are rejected with et = 4', () => {
    const gt23 = GT.map((l) => (l === 4 ? 3 : l));
    const pred23 = PRED.map((l) => (l === 4 ? 3 : l));
    expect(evaluateCase(pred23, gt23, SHAPE, SPACING, 3)).toEqual(evaluateCase(PRED, GT, SHAPE, SPACING, 4));
    expect(() => evaluateCase(pred23, gt23, SHAPE, SPACING)).toThrow(/gt voxel 3 has label 3.*pass et = 3/);
  });

  it('rejects unknown labels and mismatched shapes', () => {
    expect(() => evaluateCase(PRED.map((l, i) => (i === 5 ? 7 : l)), GT, SHAPE, SPACING)).toThrow(/pred voxel 5 has label 7/);
    expect(() => evaluateCase(PRED, GT, [1, 2, 5], SPACING)).toThrow(/brats-eval \(pred\).*8 voxels but shapeDHW \[1,2,5\] holds 10/);
  });
});

function caseOf(caseId: string, d: [number, number, number], h: [number, number, number]): CaseResult {
  const reg = (i: number) => ({ dice: d[i], hd95: h[i], predVoxels: 10 * (i + 1), gtVoxels: 20 * (i + 1) });
  return { caseId, regions: { WT: reg(0), TC: reg(1), ET: reg(2) } satisfies CaseScores };
}

describe('summarize', () => {
  it('mean, median and population std per region and metric', () => {
    const cases = [
      caseOf('a', [0.9, 0.8, 1], [2, 4, 0]),
      caseOf('b', [0.7, 0.6, 0], [4, 8, 373.13]),
      caseOf('c', [0.8, 0.4, 0.5], [3, 6, 10]),
    ];
    const s = summarize(cases);
    expect(s.n).toBe(3);
    // WT Dice [0.9, 0.7, 0.8]: mean 0.8, median 0.8, std √((0.01 + 0.01 + 0)/3) = √(0.02/3) ≈ 0.081650.
    expect(s.mean.WT.dice).toBeCloseTo(0.8, 12);
    expect(s.median.WT.dice).toBeCloseTo(0.8, 12);
    expect(s.std.WT.dice).toBeCloseTo(Math.sqrt(0.02 / 3), 12);
    // TC HD95 [4, 8, 6]: mean 6, median 6, std √((4 + 4 + 0)/3) = √(8/3).
    expect(s.mean.TC.hd95).toBeCloseTo(6, 12);
    expect(s.median.TC.hd95).toBe(6);
    expect(s.std.TC.hd95).toBeCloseTo(Math.sqrt(8 / 3), 12);
    // ET HD95 [0, 373.13, 10]: the penalty counts in the mean (383.13/3 = 127.71), median 10.
    expect(s.mean.ET.hd95).toBeCloseTo(383.13 / 3, 10);
    expect(s.median.ET.hd95).toBe(10);
    // Even count: median of TC Dice [0.8, 0.6] = 0.7.
    expect(summarize(cases.slice(0, 2)).median.TC.dice).toBeCloseTo(0.7, 15);
    expect(() => summarize([])).toThrow(/no cases/);
  });
});

describe('toCsv', () => {
  it('writes one RFC 4180 row per case, quoting case ids that need it', () => {
    const csv = toCsv([caseOf('BraTS20_001', [0.9, 0.8, 1], [2, 4, 0]), caseOf('odd, "name"\nx', [0.5, 0.25, 0], [1.5, 3, 373.13])]);
    expect(CSV_COLUMNS.join(',')).toBe(
      'case,WT_dice,TC_dice,ET_dice,WT_hd95,TC_hd95,ET_hd95,WT_pred_voxels,TC_pred_voxels,ET_pred_voxels,WT_gt_voxels,TC_gt_voxels,ET_gt_voxels',
    );
    expect(csv).toBe(
      CSV_COLUMNS.join(',') + '\r\n' +
        'BraTS20_001,0.9,0.8,1,2,4,0,10,20,30,20,40,60\r\n' +
        '"odd, ""name""\nx",0.5,0.25,0,1.5,3,373.13,10,20,30,20,40,60\r\n',
    );
  });
});
