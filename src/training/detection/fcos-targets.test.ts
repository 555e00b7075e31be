// FCOS target assignment on hand-worked cases (fcos-targets.ts header has the rules).
import { describe, expect, it } from 'vitest';
import { fcosDefaultRanges, fcosLocations, fcosTargets, type FcosTargets } from './fcos-targets';

/** Flat indices of the positives, with label, ltrb (stride units) and centerness. */
function positives(t: FcosTargets): { n: number; label: number; ltrb: number[]; ctr: number }[] {
  const out = [];
  for (let n = 0; n < t.numLocations; n++) {
    if (t.labels[n] >= 0) out.push({ n, label: t.labels[n], ltrb: Array.from(t.ltrb.subarray(4 * n, 4 * n + 4)), ctr: t.centerness[n] });
  }
  return out;
}

// A 16×16 image, strides [4, 8]: level 0 is 4×4 points at x, y ∈ {2, 6, 10, 14} (flat n = 4k + j),
// level 1 is 2×2 points at x, y ∈ {4, 12} (flat n = 16 + 2k + j).
const levels = [
  { stride: 4, height: 4, width: 4 },
  { stride: 8, height: 2, width: 2 },
];

describe('fcosLocations', () => {
  it('puts points at s/2 + j·s, level by level, row-major', () => {
    const loc = fcosLocations(levels);
    expect(loc.levelStart).toEqual([0, 16, 20]);
    expect(Array.from(loc.xy.subarray(0, 8))).toEqual([2, 2, 6, 2, 10, 2, 14, 2]); // first row of level 0
    expect(Array.from(loc.xy.subarray(2 * 5, 2 * 5 + 2))).toEqual([6, 6]); // n = 5: j = 1, k = 1
    expect(Array.from(loc.xy.subarray(32))).toEqual([4, 4, 12, 4, 4, 12, 12, 12]); // level 1
    expect(Array.from(loc.stride.subarray(14, 18))).toEqual([4, 4, 8, 8]);
  });
});

describe('fcosDefaultRanges', () => {
  it('uses FCOS\'s 8·stride bounds, the last level open', () => {
    expect(fcosDefaultRanges([4, 8, 16, 32])).toEqual([[0, 32], [32, 64], [64, 128], [128, Infinity]]);
    expect(fcosDefaultRanges([8, 16, 32, 64, 128])).toEqual([[0, 64], [64, 128], [128, 256], [256, 512], [512, Infinity]]); // the paper's
  });
});

describe('fcosTargets', () => {
  // One gt (x1, y1, x2, y2) = (1, 2, 13, 10), class 2; ranges level 0 [0, 8], level 1 [8, ∞].
  const gt = { boxes: [1, 2, 13, 10], classes: [2] };
  const ranges: [number, number][] = [[0, 8], [8, Infinity]];

  it('assigns by inside-box and regression range (no center sampling), by hand', () => {
    // Inside the box strictly: 1 < x < 13 and 2 < y < 10.
    // Level 0: x ∈ {2, 6, 10} and y = 6 only (y = 2 gives t = 0, y = 10 gives b = 0).
    //   (2, 6):  l,t,r,b = 1, 4, 11, 4 → max 11 > 8: not level 0
    //   (6, 6):  l,t,r,b = 5, 4, 7, 4  → max 7 ∈ [0, 8]: POSITIVE, n = 4·1 + 1 = 5
    //   (10, 6): l,t,r,b = 9, 4, 3, 4  → max 9 > 8: not level 0
    // Level 1: x ∈ {4, 12}, y = 4 only (y = 12 > 10).
    //   (4, 4):  3, 2, 9, 6  → max 9 ∈ [8, ∞]: POSITIVE, n = 16
    //   (12, 4): 11, 2, 1, 6 → max 11:         POSITIVE, n = 17
    // ltrb / stride: n5 (5,4,7,4)/4 = (1.25, 1, 1.75, 1); n16 (3,2,9,6)/8 = (0.375, 0.25, 1.125, 0.75);
    //   n17 (11,2,1,6)/8 = (1.375, 0.25, 0.125, 0.75).
    // centerness sqrt(min(l,r)/max(l,r) · min(t,b)/max(t,b)):
    //   n5 sqrt(5/7 · 4/4) = 0.845154;  n16 sqrt(3/9 · 2/6) = 1/3;  n17 sqrt(1/11 · 2/6) = sqrt(1/33) = 0.174078.
    const t = fcosTargets(gt, levels, { ranges, centerSampling: 0 });
    expect(t.numLocations).toBe(20);
    expect(t.numPositives).toBe(3);
    const pos = positives(t);
    expect(pos.map((p) => p.n)).toEqual([5, 16, 17]);
    expect(pos.map((p) => p.label)).toEqual([2, 2, 2]);
    const ltrb = [[1.25, 1, 1.75, 1], [0.375, 0.25, 1.125, 0.75], [1.375, 0.25, 0.125, 0.75]];
    pos.forEach((p, i) => p.ltrb.forEach((v, q) => expect(v).toBeCloseTo(ltrb[i][q], 6)));
    expect(pos[0].ctr).toBeCloseTo(Math.sqrt(5 / 7), 6);
    expect(pos[0].ctr).toBeCloseTo(0.845154, 6);
    expect(pos[1].ctr).toBeCloseTo(1 / 3, 6);
    expect(pos[2].ctr).toBeCloseTo(0.174078, 6);
    // Background: label −1, zero regression and centerness, no gt.
    expect(t.labels[0]).toBe(-1);
    expect(t.gtIndex[0]).toBe(-1);
    expect(Array.from(t.ltrb.subarray(0, 4))).toEqual([0, 0, 0, 0]);
    expect(t.centerness[0]).toBe(0);
    expect(t.gtIndex[5]).toBe(0);
  });

  it('center sampling keeps only points near the box centre', () => {
    // Centre (7, 6). Radius 1.5 strides (the default): level 0 square [1, 13] × [0, 12], level 1
    // [−5, 19] × [−6, 18]; both ∩ box = the box, so the same 3 positives as without sampling.
    expect(positives(fcosTargets(gt, levels, { ranges })).map((p) => p.n)).toEqual([5, 16, 17]);
    // Radius 0.5 strides: level 0 (half-side 2) [5, 9] × [4, 8] holds (6, 6); level 1 (half-side 4)
    // [3, 11] × [2, 10] holds (4, 4) but not (12, 4) (12 > 11). The ltrb stay those to the box.
    const t = fcosTargets(gt, levels, { ranges, centerSampling: 0.5 });
    const pos = positives(t);
    expect(pos.map((p) => p.n)).toEqual([5, 16]);
    expect(pos[1].ltrb).toEqual([0.375, 0.25, 1.125, 0.75]);
  });

  it('gives a point inside two boxes to the smaller one', () => {
    // A = (0, 0, 16, 16) class 0 (area 256), B = (4, 4, 12, 12) class 1 (area 64); every range [0, ∞].
    // (6, 6) on level 0 is inside both: B wins, ltrb (2, 2, 6, 6)/4, centerness sqrt(2/6 · 2/6) = 1/3.
    // (2, 2) is inside A only: ltrb (2, 2, 14, 14)/4, centerness sqrt(2/14 · 2/14) = 1/7.
    // Every point of both levels is inside A (20 positives); B takes the 4 level-0 points with
    // x, y ∈ {6, 10} (level 1's x = 4 is on B's edge: l = 0, not > 0).
    const two = { boxes: [0, 0, 16, 16, 4, 4, 12, 12], classes: [0, 1] };
    const t = fcosTargets(two, levels, { ranges: [[0, Infinity], [0, Infinity]], centerSampling: 0 });
    expect(t.numPositives).toBe(20);
    expect(t.labels[5]).toBe(1);
    expect(t.gtIndex[5]).toBe(1);
    expect(Array.from(t.ltrb.subarray(20, 24))).toEqual([0.5, 0.5, 1.5, 1.5]);
    expect(t.centerness[5]).toBeCloseTo(1 / 3, 6);
    expect(t.labels[0]).toBe(0);
    expect(Array.from(t.ltrb.subarray(0, 4))).toEqual([0.5, 0.5, 3.5, 3.5]);
    expect(t.centerness[0]).toBeCloseTo(1 / 7, 6);
    expect(positives(t).filter((p) => p.label === 1).map((p) => p.n)).toEqual([5, 6, 9, 10]);
    // Same boxes listed the other way round: the assignment follows area, not order.
    const swapped = fcosTargets({ boxes: [4, 4, 12, 12, 0, 0, 16, 16], classes: [1, 0] }, levels, { ranges: [[0, Infinity], [0, Infinity]], centerSampling: 0 });
    expect(Array.from(swapped.labels)).toEqual(Array.from(t.labels));
  });

  it('has no positives without boxes, and names the input and entry on bad boxes', () => {
    const empty = fcosTargets({ boxes: [], classes: [] }, levels);
    expect(empty.numPositives).toBe(0);
    expect(Array.from(empty.labels).every((l) => l === -1)).toBe(true);
    expect(() => fcosTargets({ boxes: [0, 0, 4, 4, 5, 5, 5, 9], classes: [0, 1] }, levels, { source: 'train.json image 7' })).toThrow(
      /train\.json image 7: FCOS targets: gt box 1 \[5,5,5,9\] is empty/,
    );
    expect(() => fcosTargets({ boxes: [0, 0, 4, 4], classes: [1.5] }, levels, { source: 'x.json' })).toThrow(/x\.json: .*gt 0 class 1\.5/);
    expect(() => fcosTargets({ boxes: [0, 0, 4], classes: [0] }, levels)).toThrow(/not a multiple of 4/);
    expect(() => fcosTargets({ boxes: [0, 0, 4, NaN], classes: [0] }, levels)).toThrow(/gt box 0 .*non-finite/);
    expect(() => fcosTargets(gt, levels, { ranges: [[0, 8]] })).toThrow(/1 regression ranges for 2 levels/);
  });
});
