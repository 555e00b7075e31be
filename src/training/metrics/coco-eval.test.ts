import { describe, expect, it } from 'vitest';
import { parseCocoInstances } from '../data/coco/instances';
import {
  cocoGtFromInstances,
  COCO_IOU_THRESHOLDS,
  COCO_RECALL_THRESHOLDS,
  evaluateCoco,
  formatCocoSummary,
  pairwiseMean,
  type CocoDet,
  type CocoGt,
} from './coco-eval';

// One true positive alone has precision 1/(1 + np.spacing(1)) = 1/(1 + 2⁻⁵²) = 0.9999999999999998
// (pycocotools adds eps to the denominator; from 2 detections on, n + 2⁻⁵² rounds back to n).
const P1 = 1 / (1 + 2 ** -52);

type Ann = CocoGt['annotations'][number];

// pycocotools 2.0.11 E.stats (Python repr) for the hand-worked cases below, built with the same
// boxes through COCO(), loadRes() and COCOeval(..., 'bbox'); every case must agree bit for bit.
const PYCOCOTOOLS = {
  perfect: [0.9999999999999998, 0.9999999999999999, 0.9999999999999999, -1, 0.9999999999999998, -1, 1, 1, 1, -1, 1, -1],
  iou58: [0.19999999999999998, 0.9999999999999999, 0, -1, -1, 0.19999999999999998, 0.2, 0.2, 0.2, -1, -1, 0.2],
  fpFirst: [0.2524752475247525, 0.2524752475247525, 0.2524752475247525, -1, 0.2524752475247525, -1, 0, 0.5, 0.5, -1, 0.5, -1],
  tpFirst: [0.5049504950495048, 0.5049504950495048, 0.5049504950495048, -1, 0.5049504950495048, -1, 0.5, 0.5, 0.5, -1, 0.5, -1],
  recall07: [0.693069306930693, 0.693069306930693, 0.693069306930693, -1, 0.693069306930693, -1, 0.1, 0.7, 0.7, -1, 0.7, -1],
  iouTie: [0.7757425742574258, 1, 1, 0.7757425742574258, -1, -1, 0.35, 0.85, 0.85, 0.85, -1, -1],
  twoCategories: [0.6262376237623762, 0.6262376237623762, 0.6262376237623762, -1, 0.6262376237623762, -1, 0.5, 0.75, 0.75, -1, 0.75, -1],
  crowd: [0.9999999999999998, 0.9999999999999999, 0.9999999999999999, -1, 0.9999999999999998, -1, 0, 1, 1, -1, 1, -1],
  noCrowd: [0.16831683168316833, 0.16831683168316833, 0.16831683168316833, -1, 0.9999999999999998, 0, 0, 0.5, 0.5, -1, 1, 0],
  areasWithSmallFp: [0.6666666666666666, 0.6666666666666669, 0.6666666666666669, 0.5, -1, 0.9999999999999998, 0, 1, 1, 1, -1, 1],
  maxDets: [1, 1, 1, -1, 1, -1, 0.33333333333333337, 1, 1, -1, 1, -1],
  maxDetsCustom: [-1, 1, 1, -1, 1, -1, 0.33333333333333337, 0.6666666666666667, 1, -1, 1, -1],
};
let nextId = 1;
const ann = (image_id: number, bbox: number[], extra: Partial<Ann> = {}): Ann => ({ id: nextId++, image_id, category_id: 1, bbox, ...extra });
const det = (image_id: number, bbox: number[], score: number, category_id = 1): CocoDet => ({ image_id, category_id, bbox, score });
const gtOf = (annotations: Ann[], images = [1], cats = [1]): CocoGt => ({
  images: images.map((id) => ({ id })),
  annotations,
  categories: cats.map((id) => ({ id, name: `c${id}` })),
});

describe('COCOeval parameters', () => {
  it('thresholds are numpy linspace values, float rounding included', () => {
    expect(COCO_IOU_THRESHOLDS).toHaveLength(10);
    // i·((0.95−0.5)/9) + 0.5: index 8 is 0.8999999999999999 (pycocotools Params prints the same).
    expect(COCO_IOU_THRESHOLDS[8]).toBe(0.8999999999999999);
    expect(COCO_IOU_THRESHOLDS[5]).toBe(0.75);
    expect(COCO_RECALL_THRESHOLDS).toHaveLength(101);
    // i·0.01: ten values land one ulp above i/100 (35, 41, 47, 57, 69, 70, 82, 83, 94, 95).
    expect(COCO_RECALL_THRESHOLDS[70]).toBe(0.7000000000000001);
    expect(COCO_RECALL_THRESHOLDS[50]).toBe(0.5);
    const off = COCO_RECALL_THRESHOLDS.map((v, i) => (v !== i / 100 ? i : -1)).filter((i) => i >= 0);
    expect(off).toEqual([35, 41, 47, 57, 69, 70, 82, 83, 94, 95]);
  });

  it('pairwiseMean follows numpy pairwise summation (exact on small integers)', () => {
    expect(pairwiseMean([1, 2, 3, 4], 4)).toBe(2.5);
    const big = Array.from({ length: 1000 }, (_, i) => i);
    expect(pairwiseMean(big, 1000)).toBe(499.5);
  });
});

describe('evaluateCoco: hand-worked single-image cases', () => {
  it('one perfect detection: AP = 1/(1+eps) at every threshold, AR = 1', () => {
    // gt 50×50 → area 2500 ∈ [32², 96²] = medium; small and large have no gt → -1.
    const r = evaluateCoco(gtOf([ann(1, [10, 10, 50, 50])]), [det(1, [10, 10, 50, 50], 0.9)]);
    // AP averages 10·101 copies of P1, AP50 101 copies: numpy's pairwise sum lands on P1 for the
    // first and one ulp higher (0.9999999999999999) for the second; both ≈ 1.
    expect(r.stats.AP).toBe(P1);
    expect(r.stats.AP50).toBeCloseTo(1, 15);
    expect(r.stats.AP75).toBeCloseTo(1, 15);
    expect(r.stats.APm).toBe(P1);
    expect(r.stats.APs).toBe(-1);
    expect(r.stats.APl).toBe(-1);
    expect([r.stats.AR1, r.stats.AR10, r.stats.AR100, r.stats.ARm]).toEqual([1, 1, 1, 1]);
    expect(r.stats.ARs).toBe(-1);
    expect(r.perCategory).toEqual([{ id: 1, name: 'c1', AP: P1, AP50: 0.9999999999999999, AR100: 1, numGt: 1 }]);
    expect(Object.values(r.stats)).toEqual(PYCOCOTOOLS.perfect);
  });

  it('IoU 0.58 → matched at 0.50, 0.55 only: AP = 2/10; IoU exactly 0.6 also passes 0.60 (>=)', () => {
    // gt [0,0,100,100]; det [0,0,58,100]: inter 5800, union 10000 → IoU 0.58.
    // Matches need IoU ≥ t: t ∈ {0.50, 0.55} → 2 of 10 thresholds with precision P1, 8 with 0.
    const g = gtOf([ann(1, [0, 0, 100, 100])]);
    const r = evaluateCoco(g, [det(1, [0, 0, 58, 100], 0.9)]);
    expect(r.stats.AP50).toBeCloseTo(1, 15);
    expect(r.stats.AP75).toBe(0);
    expect(r.stats.AP).toBeCloseTo(0.2, 14); // (2·101·P1)/1010
    expect(Object.values(r.stats)).toEqual(PYCOCOTOOLS.iou58);
    expect(r.stats.AR100).toBeCloseTo(0.2, 14); // recall 1 at 2 thresholds, 0 at 8
    // det [0,0,60,100]: IoU = 6000/10000 = 0.6 exactly = iouThrs[2] → 0.6 < 0.6 is false → match.
    const r6 = evaluateCoco(g, [det(1, [0, 0, 60, 100], 0.9)]);
    expect(r6.stats.AP).toBeCloseTo(0.3, 14);
  });

  it('a false positive ranked above the true positive: interpolated precision 0.5 up to recall 0.5', () => {
    // 2 gts (A found, B missed). Order: FP (.9), TP (.8).
    //   tp = [0, 1], fp = [1, 1]; rc = tp/2 = [0, 0.5]; pr = tp/(tp+fp+eps) = [0, 1/2] → monotone [0.5, 0.5].
    //   recThrs 0, .01, …, .50 (51 values; recThrs[50] is exactly 0.5) → 0.5; above 0.5 → 0.
    //   AP = 51·0.5/101 = 25.5/101 = 0.252475…  (same at every IoU threshold: boxes are exact).
    const g = gtOf([ann(1, [0, 0, 40, 40]), ann(1, [100, 100, 40, 40])]);
    const fpFirst = evaluateCoco(g, [det(1, [300, 300, 40, 40], 0.9), det(1, [0, 0, 40, 40], 0.8)]);
    expect(fpFirst.stats.AP).toBeCloseTo(25.5 / 101, 14);
    // precision[t, r, k, a, m], layout [10, 101, 1, 4, 3]: index ((r·1 + 0)·4 + a)·3 + m at t = 0.
    const at = (r: number, m: number) => fpFirst.precision[(r * 4 + 0) * 3 + m];
    expect([at(0, 2), at(50, 2), at(51, 2)]).toEqual([0.5, 0.5, 0]); // maxDet 100
    expect(at(0, 0)).toBe(0); // maxDet 1 keeps only the FP: tp [0], pr [0]
    // Swapped scores: TP first → tp [1,1], fp [0,1], pr [P1, 0.5] → 51·P1/101 ≈ 0.50495.
    const tpFirst = evaluateCoco(g, [det(1, [300, 300, 40, 40], 0.7), det(1, [0, 0, 40, 40], 0.8)]);
    expect(tpFirst.stats.AP).toBeCloseTo((51 * P1) / 101, 14);
    expect(tpFirst.stats.AR100).toBe(0.5);
    expect(Object.values(fpFirst.stats)).toEqual(PYCOCOTOOLS.fpFirst);
    expect(Object.values(tpFirst.stats)).toEqual(PYCOCOTOOLS.tpFirst);
  });

  it('recall 7/10 does not reach recThrs[70] = 0.7000000000000001', () => {
    // 10 gts, 7 perfect dets: pr = [P1, 1, 1, …] → monotone all 1; rc ends at 0.7.
    // Thresholds 0 … 0.69 (70 values) reached → 1; threshold 70 (0.7000000000000001) > 0.7 → 0.
    // AP = 70/101 (not 71/101 as exact decimal thresholds would give).
    const gts = Array.from({ length: 10 }, (_, i) => ann(1, [i * 50, 0, 40, 40]));
    const dets = Array.from({ length: 7 }, (_, i) => det(1, [i * 50, 0, 40, 40], 0.9 - i * 0.01));
    const r = evaluateCoco(gtOf(gts), dets);
    expect(r.stats.AP).toBeCloseTo(70 / 101, 14);
    expect(r.stats.AR100).toBeCloseTo(0.7, 15);
    expect(Object.values(r.stats)).toEqual(PYCOCOTOOLS.recall07);
  });

  it('IoU ties go to the later gt (`<` skips, `>=` replaces)', () => {
    // g1 [0,0,10,10], g2 [2,0,10,10]; d1 [1,0,10,10] (s .9) has IoU 90/110 = 0.818 with both;
    // d2 = g1 exactly (s .8) has IoU 1 with g1, 80/120 = 0.667 with g2.
    // pycocotools: d1 → g2 (later of the tie), d2 → g1 → 2 TPs at t ≤ 0.80; at t = 0.75,
    //   tp [1,2], pr [P1, 1] → monotone [1, 1] → AP75 = 1.
    // (If d1 took g1, d2 would need g2 at 0.667 < 0.75 → FP → AP75 = 51·P1/101.)
    const g = gtOf([ann(1, [0, 0, 10, 10]), ann(1, [2, 0, 10, 10])]);
    const r = evaluateCoco(g, [det(1, [1, 0, 10, 10], 0.9), det(1, [0, 0, 10, 10], 0.8)]);
    expect(r.stats.AP75).toBe(1);
    expect(r.stats.AP50).toBe(1);
    expect(Object.values(r.stats)).toEqual(PYCOCOTOOLS.iouTie);
  });

  it('score ties across images: lower image id first (stable sort over sorted image ids)', () => {
    // Image 5: FP at .5; image 9: TP at .5; one gt each (npig = 2). Images listed [9, 5] in the file.
    // Sorted ids → FP first → tp [0,1], fp [1,1] → AP = 51·0.5/101 (as in the FP-first case).
    const g = gtOf([ann(5, [0, 0, 40, 40]), ann(9, [0, 0, 40, 40])], [9, 5]);
    const r = evaluateCoco(g, [det(9, [0, 0, 40, 40], 0.5), det(5, [200, 200, 40, 40], 0.5)]);
    expect(r.stats.AP).toBeCloseTo(25.5 / 101, 14);
  });
});

describe('evaluateCoco: categories, crowd, areas, maxDets', () => {
  it('two categories average; a category without gt is -1 and not averaged', () => {
    // cat 1: perfect → P1; cat 2: FP before TP with 2 gts → 25.5/101. AP = (P1 + 25.5/101)/2.
    const g = gtOf(
      [ann(1, [0, 0, 40, 40]), ann(1, [0, 0, 40, 40], { category_id: 2 }), ann(1, [100, 100, 40, 40], { category_id: 2 })],
      [1],
      [1, 2, 3],
    );
    const dets = [
      det(1, [0, 0, 40, 40], 0.9, 1),
      det(1, [300, 300, 40, 40], 0.9, 2),
      det(1, [0, 0, 40, 40], 0.8, 2),
      det(1, [50, 50, 40, 40], 0.7, 3), // category 3 has no gt: its precision stays -1
    ];
    const r = evaluateCoco(g, dets);
    expect(r.stats.AP).toBeCloseTo((P1 + 25.5 / 101) / 2, 14);
    expect(r.perCategory.map((c) => c.AP)).toEqual([P1, expect.closeTo(25.5 / 101, 14), -1]);
    expect(r.perCategory.map((c) => c.numGt)).toEqual([1, 2, 0]);
    // AR100 = (1 + 0.5)/2; cat 3 (-1) excluded.
    expect(r.stats.AR100).toBe(0.75);
    expect(Object.values(r.stats)).toEqual(PYCOCOTOOLS.twoCategories);
  });

  it('crowd gt: a detection on it is neither TP nor FP, and it absorbs several', () => {
    // Crowd region [0,0,100,100]; real gt [200,200,50,50]. Two dets inside the crowd region
    // (IoU = inter/det area = 1) at .9 and .85, then the TP at .8 → both crowd dets ignored → AP = P1.
    const crowd = ann(1, [0, 0, 100, 100], { iscrowd: 1 });
    const real = ann(1, [200, 200, 50, 50]);
    const dets = [det(1, [10, 10, 30, 30], 0.9), det(1, [50, 50, 30, 30], 0.85), det(1, [200, 200, 50, 50], 0.8)];
    const r = evaluateCoco(gtOf([crowd, real]), dets);
    expect(r.stats.AP).toBe(P1);
    expect(r.perCategory[0].numGt).toBe(1);
    // Same boxes without the crowd flag: the two dets have IoU 900/10000 = 0.09 with it → FPs,
    // 2 gts: tp [0,0,1], fp [1,2,2] → pr ends 1/3, rc 0.5 → AP = 51·(1/3)/101.
    const r2 = evaluateCoco(gtOf([{ ...crowd, iscrowd: 0 }, real]), dets);
    expect(r2.stats.AP).toBeCloseTo((51 / 3) / 101, 14);
    expect(Object.values(r.stats)).toEqual(PYCOCOTOOLS.crowd);
    expect(Object.values(r2.stats)).toEqual(PYCOCOTOOLS.noCrowd);
    const img = r.perImage[0];
    expect(img).toMatchObject({ numGt: 1, numDet: 3, truePositives50: 1, falsePositives50: 0, missed50: 0 });
  });

  it('area ranges use the gt area field; a small gt only counts in APs', () => {
    // Small gt: bbox 40×40 (1600 px², medium by box) but area field 900 ≤ 32² → small.
    // Large gt: 100×100 = 10000 ≥ 96². Both found perfectly → APs = APl = P1, APm = -1.
    const small = ann(1, [0, 0, 40, 40], { area: 900 });
    const large = ann(1, [100, 100, 100, 100]);
    const both = [det(1, [0, 0, 40, 40], 0.9), det(1, [100, 100, 100, 100], 0.8)];
    const r = evaluateCoco(gtOf([small, large]), both);
    expect([r.stats.APs, r.stats.APm, r.stats.APl]).toEqual([P1, -1, P1]);
    // Small gt missed: APs = 0, APl = P1; 'all': 1 TP of 2 gts → rc 0.5 → 51·P1/101.
    const r2 = evaluateCoco(gtOf([small, large]), [both[1]]);
    expect([r2.stats.APs, r2.stats.APl]).toEqual([0, P1]);
    expect(r2.stats.AP).toBeCloseTo((51 * P1) / 101, 14);
    // An unmatched 20×20 det (area 400 by w·h) is outside 'large' → ignored there, FP in 'small'.
    const r3 = evaluateCoco(gtOf([small, large]), [...both, det(1, [300, 300, 20, 20], 0.95)]);
    expect(r3.stats.APl).toBe(P1);
    // small: FP (.95) then TP (.9) on 1 gt → tp [0,1], fp [1,1] → pr [.5,.5], rc [0,1] → AP = 0.5.
    expect(r3.stats.APs).toBe(0.5);
    expect(Object.values(r3.stats)).toEqual(PYCOCOTOOLS.areasWithSmallFp);
  });

  it('maxDets caps detections per image and per category: AR1 vs AR10', () => {
    // One category, 3 gts, 3 perfect dets (.9 .8 .7): AR1 = 1/3, AR10 = AR100 = 1.
    const gts = [ann(1, [0, 0, 40, 40]), ann(1, [100, 0, 40, 40]), ann(1, [200, 0, 40, 40])];
    const dets = gts.map((g, i) => det(1, g.bbox as number[], 0.9 - 0.1 * i));
    const r = evaluateCoco(gtOf(gts), dets);
    expect(r.stats.AR1).toBeCloseTo(1 / 3, 15);
    expect(r.stats.AR10).toBe(1);
    expect(r.stats.AR100).toBe(1);
    // Same boxes in 3 different categories: each image-category keeps its own best det → AR1 = 1.
    const gts3 = gts.map((g, i) => ({ ...g, category_id: i + 1 }));
    const dets3 = dets.map((d, i) => ({ ...d, category_id: i + 1 }));
    expect(evaluateCoco(gtOf(gts3, [1], [1, 2, 3]), dets3).stats.AR1).toBe(1);
    // maxDets [1, 2, 3]: stats[0] (AP) looks up maxDets == 100 literally → -1, like pycocotools.
    const custom = evaluateCoco(gtOf(gts), dets, { maxDets: [3, 1, 2] });
    expect(custom.params.maxDets).toEqual([1, 2, 3]);
    expect(custom.stats.AP).toBe(-1);
    expect(custom.stats.AR10).toBeCloseTo(2 / 3, 15); // maxDets[1] = 2
    expect(Object.values(r.stats)).toEqual(PYCOCOTOOLS.maxDets);
    expect(Object.values(custom.stats)).toEqual(PYCOCOTOOLS.maxDetsCustom);
  });

  it('perImage: TP/FP/missed at IoU 0.5 and a per-image AP50 for a worst-first list', () => {
    const g = gtOf([ann(1, [0, 0, 40, 40]), ann(1, [100, 100, 40, 40]), ann(2, [0, 0, 40, 40])], [1, 2, 3]);
    const dets = [det(1, [300, 300, 40, 40], 0.9), det(1, [0, 0, 40, 40], 0.8), det(2, [0, 0, 40, 40], 0.9), det(3, [0, 0, 5, 5], 0.3)];
    const r = evaluateCoco(g, dets);
    expect(r.perImage).toEqual([
      // image 1 is the FP-first case: AP50 = 25.5/101.
      { image_id: 1, numGt: 2, numDet: 2, truePositives50: 1, falsePositives50: 1, missed50: 1, ap50: expect.closeTo(25.5 / 101, 14) },
      { image_id: 2, numGt: 1, numDet: 1, truePositives50: 1, falsePositives50: 0, missed50: 0, ap50: expect.closeTo(1, 15) },
      { image_id: 3, numGt: 0, numDet: 1, truePositives50: 0, falsePositives50: 1, missed50: 0 },
    ]);
    expect(r.perImageIouThr).toBe(0.5);
  });

  it('formats the pycocotools summary lines', () => {
    const r = evaluateCoco(gtOf([ann(1, [10, 10, 50, 50])]), [det(1, [10, 10, 50, 50], 0.9)]);
    const lines = formatCocoSummary(r).split('\n');
    expect(lines).toHaveLength(12);
    expect(lines[0]).toBe(' Average Precision  (AP) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ] = 1.000');
    expect(lines[3]).toBe(' Average Precision  (AP) @[ IoU=0.50:0.95 | area= small | maxDets=100 ] = -1.000');
    expect(lines[6]).toBe(' Average Recall     (AR) @[ IoU=0.50:0.95 | area=   all | maxDets=  1 ] = 1.000');
  });
});

describe('evaluateCoco: agreement with pycocotools 2.0.11', () => {
  // Cases generated by an integer LCG (MINSTD, exact in doubles and Python ints); the same generator
  // in Python fed pycocotools COCO/loadRes/COCOeval('bbox'), whose E.stats (repr) are pasted below.
  // Over 9 such cases (up to 300 images, 5 categories, 5756 detections, fractional coordinates,
  // custom maxDets), eval['precision'], eval['recall'] and stats matched bit for bit.
  it('stats equal pycocotools to the last bit (mixed crowd/area/ties case, and a dense one past maxDets)', () => {
    const a = generateCase(12345, 60, 3, 15);
    expect([a.gt.annotations.length, a.dets.length]).toEqual([155, 382]);
    expect(Object.values(evaluateCoco(a.gt, a.dets).stats)).toEqual([
      0.08468093031167612, 0.17223913255600737, 0.09804478373853028, 0.0185868439785155, 0.1108106909011408,
      0.22125637214788804, 0.13524774774774775, 0.2854091591591592, 0.2854091591591592, 0.10043290043290044,
      0.29910569105691054, 0.4805555555555555,
    ]);
    const b = generateCase(31337, 30, 1, 400); // up to 399 dets per image: the 100-per-image cut matters
    expect([b.gt.annotations.length, b.dets.length]).toEqual([70, 5756]);
    const rb = evaluateCoco(b.gt, b.dets);
    expect(Object.values(rb.stats)).toEqual([
      0.07820786930746511, 0.16045864998450493, 0.0690284544292906, 0.013388548588924581, 0.0934679136180536,
      0.2192845201282799, 0.09193548387096774, 0.34032258064516124, 0.6548387096774194, 0.2727272727272727,
      0.6923076923076923, 0.8833333333333334,
    ]);
    expect(rb.droppedDetections).toBeGreaterThan(0); // category 2 does not exist in the gt
  });
});

describe('cocoGtFromInstances', () => {
  it('maps a parsed instances file (camelCase) to the COCO json form evaluateCoco reads', () => {
    const text = JSON.stringify({
      images: [{ id: 4, file_name: 'a.jpg', width: 100, height: 80 }],
      annotations: [{ id: 9, image_id: 4, category_id: 3, bbox: [10, 10, 20, 20], area: 300, iscrowd: 0 }],
      categories: [{ id: 3, name: 'cat' }],
    });
    const gt = cocoGtFromInstances(parseCocoInstances(text, 'tiny.json'));
    expect(gt.annotations).toEqual([{ id: 9, image_id: 4, category_id: 3, bbox: [10, 10, 20, 20], area: 300, iscrowd: 0 }]);
    const r = evaluateCoco(gt, [det(4, [10, 10, 20, 20], 0.5, 3)]);
    expect(r.stats.APs).toBe(P1); // area field 300 ≤ 32² → small
  });
});

describe('evaluateCoco: input errors name the source and the entry', () => {
  const g = gtOf([ann(1, [0, 0, 10, 10])]);
  it('rejects malformed ground truth and detections', () => {
    expect(() => evaluateCoco(gtOf([ann(1, [0, 0, 10])]), [], { gtSource: 'val.json' })).toThrow(
      /val\.json annotations\[0\]\.bbox: expected 4 finite numbers/,
    );
    expect(() => evaluateCoco(gtOf([ann(7, [0, 0, 1, 1])]), [])).toThrow(/annotations\[0\]\.image_id: 7 is not in images/);
    expect(() => evaluateCoco(gtOf([ann(1, [0, 0, 1, 1], { category_id: 4 })]), [])).toThrow(/annotations\[0\]\.category_id: 4 is not in categories/);
    expect(() => evaluateCoco({ ...g, images: [{ id: 1 }, { id: 1 }] }, [])).toThrow(/images\[1\]\.id: duplicate image id 1/);
    expect(() => evaluateCoco(g, [det(2, [0, 0, 1, 1], 0.5)], { detSource: 'dets.json' })).toThrow(
      /dets\.json\[0\]\.image_id: 2 is not an image of the ground truth/,
    );
    expect(() => evaluateCoco(g, [det(1, [0, 0, 1, 1], NaN)])).toThrow(/\[0\]\.score: expected a finite number/);
    expect(() => evaluateCoco(g, [det(1, [0, 0, -1, 1], 0.5)])).toThrow(/\[0\]\.bbox: negative width or height/);
    expect(() => evaluateCoco(g, [], { maxDets: [1, 10] })).toThrow(/maxDets must be at least 3 distinct/);
  });
});

/** The LCG case generator shared (line for line) with the Python reference script. */
function generateCase(seed: number, nImg: number, nCat: number, detMax: number): { gt: CocoGt; dets: CocoDet[] } {
  let st = seed;
  const rnd = (n: number) => {
    st = (st * 48271) % 2147483647;
    return st % n;
  };
  const images = Array.from({ length: nImg }, (_, i) => ({ id: 3 * i + 7 })).reverse();
  const categories = Array.from({ length: nCat }, (_, c) => ({ id: c + 1, name: `c${c + 1}` })).reverse();
  const annotations: Ann[] = [];
  const dets: CocoDet[] = [];
  let aid = 1;
  for (const im of images) {
    const gts: Ann[] = [];
    for (let j = 0, n = rnd(6); j < n; j++) {
      const w = 1 + rnd(150);
      const h = 1 + rnd(150);
      const category_id = 1 + rnd(nCat);
      const x = rnd(200);
      const y = rnd(200);
      const iscrowd = rnd(10) === 0 ? 1 : 0;
      const area = rnd(2) === 0 ? w * h : Math.floor((w * h * 3) / 4);
      const g: Ann = { id: aid++, image_id: im.id, category_id, bbox: [x, y, w, h], iscrowd, area };
      gts.push(g);
      annotations.push(g);
    }
    for (let j = 0, n = rnd(detMax); j < n; j++) {
      let category_id: number;
      let bbox: number[];
      if (gts.length > 0 && rnd(3) !== 0) {
        const g = gts[rnd(gts.length)];
        category_id = rnd(5) !== 0 ? g.category_id : 1 + rnd(nCat + 1);
        const [x, y, w, h] = g.bbox;
        const bx = x + rnd(21) - 10;
        const by = y + rnd(21) - 10;
        const bw = Math.max(1, w + rnd(21) - 10);
        const bh = Math.max(1, h + rnd(21) - 10);
        bbox = [bx, by, bw, bh];
      } else {
        category_id = 1 + rnd(nCat);
        const bx = rnd(300);
        const by = rnd(300);
        const bw = 1 + rnd(120);
        const bh = 1 + rnd(120);
        bbox = [bx, by, bw, bh];
      }
      dets.push({ image_id: im.id, category_id, bbox, score: rnd(1000) / 1000 });
    }
  }
  return { gt: { images, annotations, categories }, dets };
}
