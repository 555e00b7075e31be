/**
 * COCO bounding-box evaluation (AP/AR) with the semantics of pycocotools' `COCOeval` for
 * `iouType='bbox'`, `useCats=1` — pure TypeScript, numbers out, no tfjs.
 *
 * Source: cocodataset/cocoapi `PythonAPI/pycocotools/cocoeval.py` (evaluateImg, accumulate,
 * summarize, Params.setDetParams), `coco.py loadRes` and `common/maskApi.c bbIou`. Checked against
 * pycocotools 2.0.11 on 9 generated cases (up to 300 images, 5756 detections): eval['precision'],
 * eval['recall'] and stats agree bit for bit (coco-eval.test.ts pins two of them and 12 hand-made
 * ones). Numbers and where they come from:
 *  - iouThrs = np.linspace(.5, .95, 10): value i is i·((0.95−0.5)/9) + 0.5 and the last is 0.95,
 *    so index 8 is 0.8999999999999999, not 0.9 (Params.setDetParams; numpy's linspace formula).
 *  - recThrs = np.linspace(0, 1, 101): i·0.01, so e.g. index 70 is 0.7000000000000001 and a
 *    recall of exactly 7/10 does NOT reach it (searchsorted 'left').
 *  - maxDets [1, 10, 100]; they limit detections per image AND per category (evaluateImg runs per
 *    image-category pair), after a stable (mergesort) descending sort by score.
 *  - areaRng all [0, 1e5²], small [0, 32²], medium [32², 96²], large [96², 1e5²], both ends
 *    inclusive; gt uses its `area` field (segmentation area in real COCO, w·h here if absent),
 *    detections use bbox w·h (loadRes).
 *  - precision = tp / (tp + fp + np.spacing(1)), np.spacing(1) = 2⁻⁵² — so one true positive
 *    alone gives 1/(1 + 2⁻⁵²) = 0.9999999999999998, as pycocotools reports.
 *  - IoU (bbIou): no "+1"; for a crowd gt the denominator is the detection's area.
 *  - Matching (evaluateImg): per IoU threshold t, detections in score order take the best
 *    remaining gt with IoU ≥ min(t, 1 − 1e-10); gts are ordered non-ignored first; a later gt
 *    with an equal IoU replaces the earlier one (`<` skips, so ties go to the later gt); crowd
 *    gts may be matched repeatedly; once a non-ignored gt is held, the scan stops at the first
 *    ignored one. Detections matched to an ignored gt, and unmatched detections outside the
 *    area range, are ignored (neither TP nor FP).
 *  - accumulate: per category/area/maxDet, all images' detections are merged by a stable
 *    descending score sort (ties: image id ascending, then rank in the image), precision is made
 *    monotone from the right, and sampled at recThrs; -1 where the category has no non-ignored gt.
 *  - summarize: 12 stats, each the mean of the entries > -1 (-1 if none). The mean reproduces
 *    numpy's pairwise summation, so the stats agree with pycocotools to the last bit (measured).
 *    Note stats[0] (AP) selects maxDets == 100 literally, as pycocotools does.
 *
 * Deliberate differences from pycocotools (each makes bad input an error instead of a silent
 * miscount): a gt annotation on an unknown image or category throws (pycocotools drops it);
 * a gt with `id` 0 counts as matched (pycocotools stores matches as ids and treats 0 as "none");
 * `area` and `iscrowd` are optional (w·h and 0). Detections of categories absent from the gt are
 * dropped as in pycocotools and counted in `droppedDetections`; detections on images absent from
 * the gt throw (loadRes asserts).
 *
 * Usage:
 *   const res = evaluateCoco(gtJson, detections, { gtSource: 'instances_val2017.json' });
 *   // or from a parsed file: evaluateCoco(cocoGtFromInstances(inst), toCocoResults(...), { gtSource: inst.file })
 *   res.stats.AP; res.stats.AP50; formatCocoSummary(res);   // the 12 pycocotools lines
 */

import type { CocoInstances } from '../data/coco/instances';

/** np.spacing(1): the gap from 1.0 to the next double, 2⁻⁵². */
const NP_SPACING_1 = 2.220446049250313e-16;

/** numpy.linspace(start, stop, num, endpoint=True) value-for-value: i·step + start, last = stop. */
export function numpyLinspace(start: number, stop: number, num: number): number[] {
  if (num === 1) return [start];
  const step = (stop - start) / (num - 1);
  const out: number[] = [];
  for (let i = 0; i < num; i++) out.push(i * step + start);
  out[num - 1] = stop;
  return out;
}

/** [.5 : .05 : .95], 10 values (Params.setDetParams). */
export const COCO_IOU_THRESHOLDS: readonly number[] = Object.freeze(numpyLinspace(0.5, 0.95, Math.round((0.95 - 0.5) / 0.05) + 1));
/** [0 : .01 : 1], 101 values (Params.setDetParams). */
export const COCO_RECALL_THRESHOLDS: readonly number[] = Object.freeze(numpyLinspace(0, 1, Math.round((1 - 0) / 0.01) + 1));
/** Area ranges in px², inclusive at both ends (Params.setDetParams: 0², 32², 96², 1e5²). */
export const COCO_AREA_RANGES = Object.freeze([
  { label: 'all', min: 0 ** 2, max: 1e5 ** 2 },
  { label: 'small', min: 0 ** 2, max: 32 ** 2 },
  { label: 'medium', min: 32 ** 2, max: 96 ** 2 },
  { label: 'large', min: 96 ** 2, max: 1e5 ** 2 },
] as const);
export const COCO_MAX_DETS: readonly number[] = Object.freeze([1, 10, 100]);
/** The 12 summary numbers, in pycocotools' `stats` order. */
export const COCO_STAT_NAMES = ['AP', 'AP50', 'AP75', 'APs', 'APm', 'APl', 'AR1', 'AR10', 'AR100', 'ARs', 'ARm', 'ARl'] as const;
export type CocoStatName = (typeof COCO_STAT_NAMES)[number];
export type CocoStats = Record<CocoStatName, number>;

export interface CocoGt {
  images: readonly { id: number; width?: number; height?: number }[];
  annotations: readonly { id: number; image_id: number; category_id: number; bbox: readonly number[]; area?: number; iscrowd?: 0 | 1 | boolean }[];
  categories: readonly { id: number; name: string }[];
}
export interface CocoDet {
  image_id: number;
  category_id: number;
  /** [x, y, w, h] in pixels. */
  bbox: readonly number[];
  score: number;
}
export interface CocoEvalOptions {
  /** Detections kept per image and category, sorted ascending (default [1, 10, 100]); summarize needs 3. */
  maxDets?: readonly number[];
  /** IoU thresholds (default COCO_IOU_THRESHOLDS); AP50/AP75 are -1 unless 0.5/0.75 are among them. */
  iouThrs?: readonly number[];
  /** Names used in error messages, e.g. the JSON file names. */
  gtSource?: string;
  detSource?: string;
}
export interface CocoCategoryResult {
  id: number;
  name: string;
  /** Mean precision over IoU 0.50:0.95 and recall thresholds, area all, maxDets[2]; -1 without gt. */
  AP: number;
  AP50: number;
  AR100: number;
  /** Non-crowd gt boxes of this category. */
  numGt: number;
}
export interface CocoImageResult {
  image_id: number;
  /** Non-crowd gt boxes (all categories). */
  numGt: number;
  /** Detections evaluated (at most maxDets[-1] per category). */
  numDet: number;
  /** At IoU `perImageIouThr` (0.5 by default), area all, maxDets[-1]. */
  truePositives50: number;
  falsePositives50: number;
  missed50: number;
  /** Mean over the image's categories with gt of that single image's 101-point AP at the same IoU. */
  ap50?: number;
}
export interface CocoEvalResult {
  stats: CocoStats;
  perCategory: CocoCategoryResult[];
  perImage: CocoImageResult[];
  /** pycocotools' eval['precision'], layout [T, R, K, A, M] row-major; -1 where undefined. */
  precision: Float64Array;
  /** pycocotools' eval['recall'], layout [T, K, A, M]. */
  recall: Float64Array;
  counts: { T: number; R: number; K: number; A: number; M: number };
  params: { iouThrs: readonly number[]; recThrs: readonly number[]; maxDets: readonly number[]; areaRngLabels: readonly string[]; catIds: number[]; imgIds: number[] };
  perImageIouThr: number;
  /** Detections whose category is not in gt.categories (dropped, as pycocotools does). */
  droppedDetections: number;
}

const FP = 0;
const TP = 1;
const IGNORED = 2;

/**
 * Runs evaluate + accumulate + summarize. Cost per image-category: A·D·G to list the gts each det
 * can match (IoU ≥ the lowest threshold), then A·T·D·(candidates); accumulation is O(#dets·A·T·M)
 * plus one score sort per category. Memory: ~100 bytes per detection of the largest category.
 * Measured: 5000 images × 20 gts × 100 dets in ~3–5 s on a loaded 2-core machine.
 */
export function evaluateCoco(gt: CocoGt, dets: readonly CocoDet[], opts: CocoEvalOptions = {}): CocoEvalResult {
  const gtSrc = opts.gtSource ?? 'ground truth';
  const dtSrc = opts.detSource ?? 'detections';
  const iouThrs = checkIouThrs(opts.iouThrs ?? COCO_IOU_THRESHOLDS);
  const maxDets = checkMaxDets(opts.maxDets ?? COCO_MAX_DETS);
  const recThrs = COCO_RECALL_THRESHOLDS;
  const areas = COCO_AREA_RANGES;
  const T = iouThrs.length;
  const R = recThrs.length;
  const A = areas.length;
  const M = maxDets.length;
  const maxDetLast = maxDets[M - 1];

  const { imgIds, imgRank, catIds, catRank, catNames } = indexGt(gt, gtSrc);
  const I = imgIds.length;
  const K = catIds.length;
  const G = readGt(gt, imgRank, catRank, gtSrc);
  const D = readDets(dets, imgRank, catRank, dtSrc);

  const precision = new Float64Array(T * R * K * A * M).fill(-1); // [T, R, K, A, M]
  const recall = new Float64Array(T * K * A * M).fill(-1); // [T, K, A, M]

  let t50 = iouThrs.indexOf(0.5);
  if (t50 < 0) t50 = 0;
  const imgTp = new Int32Array(I);
  const imgFp = new Int32Array(I);
  const imgNumGt = new Int32Array(I);
  const imgNumDet = new Int32Array(I);
  const imgApSum = new Float64Array(I);
  const imgApCount = new Int32Array(I);

  // Group gts and dets by (category, image), keeping file order inside a group.
  const gGroups = groupByCatImage(G.img, G.cat, I, K);
  const dGroups = groupByCatImage(D.img, D.cat, I, K);

  // Per-category buffers for the detections that survive the per-image maxDet cut.
  let cap = 0;
  for (let k = 0; k < K; k++) cap = Math.max(cap, dGroups.start[k + 1] - dGroups.start[k]);
  const cScore = new Float64Array(cap);
  const cRank = new Int32Array(cap); // rank of the det inside its image-category, 0-based
  const cFlags = new Uint8Array(cap * A * T); // [A·T, cap] of FP/TP/IGNORED, dets in image order
  const sRank = new Int32Array(cap); // cRank in score order
  const keptBuf = new Int32Array(cap);
  const sFlags = new Uint8Array(cap * A * T); // [A·T, det] in score order
  const scratch = new Scratch();
  const npig = new Int32Array(A);
  const rc = new Float64Array(cap);
  const pr = new Float64Array(cap);
  const q = new Float64Array(R);
  const numGtPerCat = new Int32Array(K); // non-ignored gts in area 'all' = non-crowd (area ≤ 1e10)

  for (let k = 0; k < K; k++) {
    npig.fill(0);
    let n = 0; // detections of this category recorded so far
    let gi = gGroups.start[k];
    const ge = gGroups.start[k + 1];
    let di = dGroups.start[k];
    const de = dGroups.start[k + 1];
    while (gi < ge || di < de) {
      const gImg = gi < ge ? G.img[gGroups.order[gi]] : I;
      const dImg = di < de ? D.img[dGroups.order[di]] : I;
      const img = Math.min(gImg, dImg);
      let gj = gi;
      while (gj < ge && G.img[gGroups.order[gj]] === img) gj++;
      let dj = di;
      while (dj < de && D.img[dGroups.order[dj]] === img) dj++;

      const nDet = evaluateImageCategory(
        gGroups.order, gi, gj, dGroups.order, di, dj, G, D, iouThrs, areas, maxDetLast,
        scratch, npig, cScore, cRank, cFlags, cap, n,
      );
      // Per-image summary at IoU t50, area 'all' (a = 0), maxDets[-1].
      let tp = 0;
      let fp = 0;
      for (let r = 0; r < nDet; r++) {
        const f = cFlags[t50 * cap + n + r];
        if (f === TP) tp++;
        else if (f === FP) fp++;
      }
      imgTp[img] += tp;
      imgFp[img] += fp;
      imgNumDet[img] += nDet;
      const nGtAll = scratch.lastNonIgnored[0];
      imgNumGt[img] += nGtAll;
      if (nGtAll > 0) {
        sampleInterpolatedPrecision(cFlags, t50 * cap + n, null, nDet, nGtAll, recThrs, rc, pr, q);
        imgApSum[img] += pairwiseMean(q, q.length);
        imgApCount[img]++;
      }
      n += nDet;
      gi = gj;
      di = dj;
    }

    numGtPerCat[k] = npig[0];
    // accumulate(): merge all images' detections of category k by descending score (stable).
    const order = sortByScoreDesc(cScore, n);
    // Gather into score order, one contiguous column per (area, threshold): [(a·T + t)·n + i].
    for (let i = 0; i < n; i++) sRank[i] = cRank[order[i]];
    for (let c = 0; c < A * T; c++) {
      for (let i = 0; i < n; i++) sFlags[c * n + i] = cFlags[c * cap + order[i]];
    }
    // Score-ordered positions kept under each maxDet (rank in image-category < maxDet).
    const kept = maxDets.map((md) => {
      let cnt = 0;
      for (let i = 0; i < n; i++) if (sRank[i] < md) keptBuf[cnt++] = i;
      return keptBuf.slice(0, cnt);
    });
    for (let a = 0; a < A; a++) {
      if (npig[a] === 0) continue; // pycocotools: `if npig == 0: continue` → stays -1
      for (let m = 0; m < M; m++) {
        for (let t = 0; t < T; t++) {
          const rec = sampleInterpolatedPrecision(sFlags, (a * T + t) * n, kept[m], kept[m].length, npig[a], recThrs, rc, pr, q);
          recall[((t * K + k) * A + a) * M + m] = rec;
          for (let r = 0; r < R; r++) precision[(((t * R + r) * K + k) * A + a) * M + m] = q[r];
        }
      }
    }
  }

  const counts = { T, R, K, A, M };
  const sumDet = maxDets[Math.min(2, M - 1)];
  const stats = summarize(precision, recall, counts, iouThrs, maxDets);
  const perCategory: CocoCategoryResult[] = [];
  for (let k = 0; k < K; k++) {
    const mIdx = maxDets.indexOf(sumDet);
    perCategory.push({
      id: catIds[k],
      name: catNames[k],
      AP: meanSelected(precision, counts, 'precision', null, iouThrs, k, 0, mIdx),
      AP50: meanSelected(precision, counts, 'precision', 0.5, iouThrs, k, 0, mIdx),
      AR100: meanSelected(recall, counts, 'recall', null, iouThrs, k, 0, mIdx),
      numGt: numGtPerCat[k],
    });
  }
  const perImage: CocoImageResult[] = [];
  for (let i = 0; i < I; i++) {
    const row: CocoImageResult = {
      image_id: imgIds[i],
      numGt: imgNumGt[i],
      numDet: imgNumDet[i],
      truePositives50: imgTp[i],
      falsePositives50: imgFp[i],
      missed50: imgNumGt[i] - imgTp[i],
    };
    if (imgApCount[i] > 0) row.ap50 = imgApSum[i] / imgApCount[i];
    perImage.push(row);
  }
  return {
    stats,
    perCategory,
    perImage,
    precision,
    recall,
    counts,
    params: { iouThrs, recThrs, maxDets, areaRngLabels: areas.map((a) => a.label), catIds, imgIds },
    perImageIouThr: iouThrs[t50],
    droppedDetections: D.dropped,
  };
}

/**
 * Ground truth in evaluateCoco's form from a parsed instances file (data/coco/instances.ts).
 * That parser clips boxes overshooting their image; pycocotools does not. For bit-exact parity on
 * files with such boxes, pass the raw JSON instead (`inst.notes` lists the clipped ones).
 */
export function cocoGtFromInstances(inst: CocoInstances): CocoGt {
  return {
    images: inst.images.map((im) => ({ id: im.id, width: im.width, height: im.height })),
    annotations: inst.annotations.map((a) => ({ id: a.id, image_id: a.imageId, category_id: a.categoryId, bbox: a.bbox, area: a.area, iscrowd: a.iscrowd })),
    categories: inst.categories.map((c) => ({ id: c.id, name: c.name })),
  };
}

/** The 12 lines pycocotools' summarize() prints. */
export function formatCocoSummary(res: Pick<CocoEvalResult, 'stats' | 'params'>): string {
  const { iouThrs, maxDets } = res.params;
  const md = (i: number) => maxDets[Math.min(i, maxDets.length - 1)];
  const rows: [CocoStatName, boolean, number | null, string, number][] = [
    ['AP', true, null, 'all', 100], ['AP50', true, 0.5, 'all', md(2)], ['AP75', true, 0.75, 'all', md(2)],
    ['APs', true, null, 'small', md(2)], ['APm', true, null, 'medium', md(2)], ['APl', true, null, 'large', md(2)],
    ['AR1', false, null, 'all', md(0)], ['AR10', false, null, 'all', md(1)], ['AR100', false, null, 'all', md(2)],
    ['ARs', false, null, 'small', md(2)], ['ARm', false, null, 'medium', md(2)], ['ARl', false, null, 'large', md(2)],
  ];
  return rows
    .map(([name, ap, thr, area, m]) => {
      const title = (ap ? 'Average Precision' : 'Average Recall').padEnd(18);
      const iou = (thr === null ? `${iouThrs[0].toFixed(2)}:${iouThrs[iouThrs.length - 1].toFixed(2)}` : thr.toFixed(2)).padEnd(9);
      return ` ${title} ${ap ? '(AP)' : '(AR)'} @[ IoU=${iou} | area=${area.padStart(6)} | maxDets=${String(m).padStart(3)} ] = ${res.stats[name].toFixed(3)}`;
    })
    .join('\n');
}

// ---------------------------------------------------------------------------------------------
// evaluateImg for one (image, category): match, then write FP/TP/IGNORED flags for every area
// range and threshold into the category buffers at position `base`. Returns the number of dets kept.

interface GtArrays { img: Int32Array; cat: Int32Array; box: Float64Array; area: Float64Array; crowd: Uint8Array }
interface DetArrays { img: Int32Array; cat: Int32Array; box: Float64Array; area: Float64Array; score: Float64Array; dropped: number }

/** Reusable buffers for evaluateImageCategory (grown on demand, never shrunk). */
class Scratch {
  dets = new Int32Array(0); // det indices, score-sorted
  gts = new Int32Array(0); // gt indices, file order
  ious = new Float64Array(0); // [nD, nG]
  perm = new Int32Array(0); // gt order for the current area: non-ignored first
  ig = new Uint8Array(0); // ignore flag per perm position
  matched = new Uint8Array(0); // [T, nG] per perm position
  candStart = new Int32Array(0);
  candJ = new Int32Array(0);
  candIou = new Float64Array(0);
  /** Non-ignored gt count per area range for the last image-category evaluated. */
  readonly lastNonIgnored = new Int32Array(COCO_AREA_RANGES.length);
  reserve(nD: number, nG: number, T: number): void {
    if (this.dets.length < nD) this.dets = new Int32Array(2 * nD);
    if (this.candStart.length < nD + 1) this.candStart = new Int32Array(2 * nD + 1);
    if (this.gts.length < nG) {
      this.gts = new Int32Array(2 * nG);
      this.perm = new Int32Array(2 * nG);
      this.ig = new Uint8Array(2 * nG);
    }
    if (this.matched.length < T * nG) this.matched = new Uint8Array(2 * T * nG);
    if (this.ious.length < nD * nG) {
      this.ious = new Float64Array(2 * nD * nG);
      this.candJ = new Int32Array(2 * nD * nG);
      this.candIou = new Float64Array(2 * nD * nG);
    }
  }
}

function evaluateImageCategory(
  gOrder: Int32Array, // gt indices of this image-category are gOrder[gs..ge), file order
  gs: number,
  ge: number,
  dOrder: Int32Array, // det indices dOrder[ds..de), file order
  ds: number,
  de: number,
  G: GtArrays,
  D: DetArrays,
  iouThrs: readonly number[],
  areas: typeof COCO_AREA_RANGES,
  maxDet: number,
  s: Scratch,
  npig: Int32Array,
  cScore: Float64Array,
  cRank: Int32Array,
  cFlags: Uint8Array,
  cap: number,
  base: number,
): number {
  const T = iouThrs.length;
  const A = areas.length;
  const nG = ge - gs;
  const nD0 = de - ds;
  s.reserve(nD0, nG, T);
  const gIdx = s.gts;
  for (let g = 0; g < nG; g++) gIdx[g] = gOrder[gs + g];
  // Dets by descending score; stable because indices within a group ascend (np mergesort).
  const dets = s.dets;
  for (let d = 0; d < nD0; d++) dets[d] = dOrder[ds + d];
  const byScore = (x: number, y: number) => D.score[y] - D.score[x] || x - y;
  if (nD0 <= 32) {
    for (let i = 1; i < nD0; i++) {
      const v = dets[i];
      let j = i - 1;
      while (j >= 0 && byScore(dets[j], v) > 0) {
        dets[j + 1] = dets[j];
        j--;
      }
      dets[j + 1] = v;
    }
  } else {
    dets.subarray(0, nD0).sort(byScore);
  }
  const nD = Math.min(nD0, maxDet);
  // ious[d * nG + g], g in file order (computeIoU), bbIou semantics.
  const ious = s.ious;
  for (let d = 0; d < nD; d++) {
    for (let g = 0; g < nG; g++) ious[d * nG + g] = bbIou(D.box, dets[d], G.box, gIdx[g], G.crowd[gIdx[g]] === 1);
  }
  for (let r = 0; r < nD; r++) {
    cScore[base + r] = D.score[dets[r]];
    cRank[base + r] = r;
  }
  const { perm, ig, matched, candStart, candJ, candIou } = s;
  let minStart = Infinity;
  for (let t = 0; t < T; t++) minStart = Math.min(minStart, Math.min(iouThrs[t], 1 - 1e-10));
  for (let a = 0; a < A; a++) {
    const lo = areas[a].min;
    const hi = areas[a].max;
    // gt order: non-ignored first, then ignored, each in file order (argsort mergesort on _ignore).
    let p = 0;
    for (let pass = 0; pass < 2; pass++) {
      for (let g = 0; g < nG; g++) {
        const gi = gIdx[g];
        const ignore = G.crowd[gi] === 1 || G.area[gi] < lo || G.area[gi] > hi ? 1 : 0;
        if (ignore === pass) {
          perm[p] = g;
          ig[p] = ignore;
          p++;
        }
      }
    }
    let nonIgnored = 0;
    for (let j = 0; j < nG; j++) if (ig[j] === 0) nonIgnored++;
    npig[a] += nonIgnored;
    s.lastNonIgnored[a] = nonIgnored;
    matched.fill(0, 0, T * nG);
    // Candidates per det: gts with IoU ≥ the lowest threshold, in `perm` order. Scanning only
    // these is the same loop: any other gt either `continue`s (IoU < best) or, if ignored, would
    // have hit the `break`, which the next ignored candidate hits just the same.
    let nc = 0;
    for (let d = 0; d < nD; d++) {
      candStart[d] = nc;
      for (let j = 0; j < nG; j++) {
        const v = ious[d * nG + perm[j]];
        if (v >= minStart) {
          candJ[nc] = j;
          candIou[nc] = v;
          nc++;
        }
      }
    }
    candStart[nD] = nc;
    for (let t = 0; t < T; t++) {
      const start = Math.min(iouThrs[t], 1 - 1e-10);
      for (let d = 0; d < nD; d++) {
        let best = start;
        let m = -1;
        for (let c = candStart[d]; c < candStart[d + 1]; c++) {
          const j = candJ[c];
          // already matched and not crowd → skip
          if (matched[t * nG + j] === 1 && G.crowd[gIdx[perm[j]]] !== 1) continue;
          // holding a non-ignored gt and reached the ignored ones → stop
          if (m > -1 && ig[m] === 0 && ig[j] === 1) break;
          const v = candIou[c];
          if (v < best) continue;
          best = v;
          m = j;
        }
        let flag: number;
        if (m === -1) {
          const ar = D.area[dets[d]];
          flag = ar < lo || ar > hi ? IGNORED : FP;
        } else {
          matched[t * nG + m] = 1;
          flag = ig[m] === 1 ? IGNORED : TP;
        }
        cFlags[(a * T + t) * cap + base + d] = flag;
      }
    }
  }
  return nD;
}

/** maskApi.c bbIou on xywh boxes: crowd → intersection / det area. */
function bbIou(d: Float64Array, di: number, g: Float64Array, gi: number, crowd: boolean): number {
  const p = 4 * di;
  const q = 4 * gi;
  const w = Math.min(d[p + 2] + d[p], g[q + 2] + g[q]) - Math.max(d[p], g[q]);
  if (w <= 0) return 0;
  const h = Math.min(d[p + 3] + d[p + 1], g[q + 3] + g[q + 1]) - Math.max(d[p + 1], g[q + 1]);
  if (h <= 0) return 0;
  const inter = w * h;
  const da = d[p + 2] * d[p + 3];
  const u = crowd ? da : da + g[q + 2] * g[q + 3] - inter;
  return inter / u;
}

/**
 * One (area, maxDet, threshold) column of accumulate(): walks the score-ordered flags
 * `col[off + idx[i]]` for i < n (idx null: `col[off + i]`; idx lists the dets within maxDet),
 * skips ignored dets (they add nothing to the cumulative sums, so skipping them leaves the rc/pr
 * sampling unchanged), builds rc = tp/npig and pr = tp/(tp+fp+eps), makes pr monotone from the
 * right and samples it at recThrs with searchsorted 'left' (0 past the last recall).
 * Writes q, returns the final recall.
 */
function sampleInterpolatedPrecision(
  col: Uint8Array, off: number, idx: Int32Array | null, n: number, npig: number,
  recThrs: readonly number[], rc: Float64Array, pr: Float64Array, q: Float64Array,
): number {
  let tp = 0;
  let fp = 0;
  let nd = 0;
  for (let i = 0; i < n; i++) {
    const f = col[off + (idx === null ? i : idx[i])];
    if (f === IGNORED) continue;
    if (f === TP) tp++;
    else fp++;
    rc[nd] = tp / npig;
    pr[nd] = tp / (fp + tp + NP_SPACING_1);
    nd++;
  }
  for (let i = nd - 1; i > 0; i--) if (pr[i] > pr[i - 1]) pr[i - 1] = pr[i];
  let ptr = 0;
  for (let r = 0; r < recThrs.length; r++) {
    while (ptr < nd && rc[ptr] < recThrs[r]) ptr++;
    q[r] = ptr < nd ? pr[ptr] : 0;
  }
  return nd > 0 ? rc[nd - 1] : 0;
}

// ---------------------------------------------------------------------------------------------
// summarize()

function summarize(precision: Float64Array, recall: Float64Array, c: CocoEvalResult['counts'], iouThrs: readonly number[], maxDets: readonly number[]): CocoStats {
  const areaIdx = (l: string) => COCO_AREA_RANGES.findIndex((a) => a.label === l);
  const one = (ap: boolean, thr: number | null, area: string, maxDet: number) =>
    meanSelected(ap ? precision : recall, c, ap ? 'precision' : 'recall', thr, iouThrs, null, areaIdx(area), maxDets.indexOf(maxDet));
  return {
    AP: one(true, null, 'all', 100), // pycocotools: _summarize(1) with its default maxDets=100
    AP50: one(true, 0.5, 'all', maxDets[2]),
    AP75: one(true, 0.75, 'all', maxDets[2]),
    APs: one(true, null, 'small', maxDets[2]),
    APm: one(true, null, 'medium', maxDets[2]),
    APl: one(true, null, 'large', maxDets[2]),
    AR1: one(false, null, 'all', maxDets[0]),
    AR10: one(false, null, 'all', maxDets[1]),
    AR100: one(false, null, 'all', maxDets[2]),
    ARs: one(false, null, 'small', maxDets[2]),
    ARm: one(false, null, 'medium', maxDets[2]),
    ARl: one(false, null, 'large', maxDets[2]),
  };
}

/**
 * Mean of the entries > -1 of precision[t, :, k, a, m] (or recall[t, k, a, m]) over the selected
 * thresholds (all, or those exactly equal to `thr`) and categories (all, or `k`), gathered in
 * numpy's C order (t, r, k) and summed pairwise like numpy; -1 if nothing qualifies.
 */
function meanSelected(
  arr: Float64Array, c: CocoEvalResult['counts'], kind: 'precision' | 'recall', thr: number | null,
  iouThrs: readonly number[], k: number | null, a: number, m: number,
): number {
  if (m < 0 || a < 0) return -1;
  const { T, R, K, A, M } = c;
  const rN = kind === 'precision' ? R : 1;
  const vals = new Float64Array(T * rN * (k === null ? K : 1));
  let n = 0;
  for (let t = 0; t < T; t++) {
    if (thr !== null && iouThrs[t] !== thr) continue;
    for (let r = 0; r < rN; r++) {
      for (let kk = k ?? 0; kk < (k === null ? K : k + 1); kk++) {
        const v = kind === 'precision' ? arr[(((t * R + r) * K + kk) * A + a) * M + m] : arr[((t * K + kk) * A + a) * M + m];
        if (v > -1) vals[n++] = v;
      }
    }
  }
  return n === 0 ? -1 : pairwiseMean(vals, n);
}

/** numpy's float64 add.reduce (pairwise_sum: 8 accumulators up to 128, halving above) / n. */
export function pairwiseMean(a: ArrayLike<number>, n: number): number {
  return pairwiseSum(a, 0, n) / n;
}

function pairwiseSum(a: ArrayLike<number>, lo: number, n: number): number {
  if (n < 8) {
    let res = 0;
    for (let i = 0; i < n; i++) res += a[lo + i];
    return res;
  }
  if (n <= 128) {
    let r0 = a[lo], r1 = a[lo + 1], r2 = a[lo + 2], r3 = a[lo + 3];
    let r4 = a[lo + 4], r5 = a[lo + 5], r6 = a[lo + 6], r7 = a[lo + 7];
    let i = 8;
    for (; i < n - (n % 8); i += 8) {
      r0 += a[lo + i]; r1 += a[lo + i + 1]; r2 += a[lo + i + 2]; r3 += a[lo + i + 3];
      r4 += a[lo + i + 4]; r5 += a[lo + i + 5]; r6 += a[lo + i + 6]; r7 += a[lo + i + 7];
    }
    let res = r0 + r1 + (r2 + r3) + (r4 + r5 + (r6 + r7));
    for (; i < n; i++) res += a[lo + i];
    return res;
  }
  let n2 = Math.floor(n / 2);
  n2 -= n2 % 8;
  return pairwiseSum(a, lo, n2) + pairwiseSum(a, lo + n2, n - n2);
}

// ---------------------------------------------------------------------------------------------
// Input reading and validation.

function indexGt(gt: CocoGt, src: string) {
  if (gt === null || typeof gt !== 'object') throw new Error(`coco-eval: ${src}: expected an object with images, annotations, categories`);
  for (const key of ['images', 'annotations', 'categories'] as const) {
    if (!Array.isArray(gt[key])) throw new Error(`coco-eval: ${src}: '${key}' must be an array`);
  }
  const imgIds: number[] = [];
  const seenImg = new Set<number>();
  gt.images.forEach((im, i) => {
    const id = im?.id;
    if (typeof id !== 'number' || !Number.isFinite(id)) throw new Error(`coco-eval: ${src} images[${i}].id: expected a number, got ${JSON.stringify(id)}`);
    if (seenImg.has(id)) throw new Error(`coco-eval: ${src} images[${i}].id: duplicate image id ${id}`);
    seenImg.add(id);
    imgIds.push(id);
  });
  imgIds.sort((x, y) => x - y); // p.imgIds = sorted(getImgIds())
  const imgRank = new Map<number, number>();
  imgIds.forEach((id, r) => imgRank.set(id, r));
  const cats = gt.categories.map((c, i) => {
    if (typeof c?.id !== 'number' || !Number.isFinite(c.id)) throw new Error(`coco-eval: ${src} categories[${i}].id: expected a number, got ${JSON.stringify(c?.id)}`);
    return { id: c.id, name: typeof c.name === 'string' ? c.name : String(c.id) };
  });
  cats.sort((x, y) => x.id - y.id);
  const catRank = new Map<number, number>();
  cats.forEach((c, r) => {
    if (catRank.has(c.id)) throw new Error(`coco-eval: ${src} categories: duplicate category id ${c.id}`);
    catRank.set(c.id, r);
  });
  return { imgIds, imgRank, catIds: cats.map((c) => c.id), catRank, catNames: cats.map((c) => c.name) };
}

/** Copies a valid [x, y, w, h] into out[4i..4i+3]; otherwise throws naming `where()`. */
function readBox(b: unknown, out: Float64Array, i: number, where: () => string): void {
  const a = b as ArrayLike<unknown> | null | undefined;
  const ok = a != null && (Array.isArray(a) || ArrayBuffer.isView(a)) && a.length === 4;
  if (ok) {
    const x = a[0], y = a[1], w = a[2], h = a[3];
    if (typeof x === 'number' && typeof y === 'number' && typeof w === 'number' && typeof h === 'number'
      && Number.isFinite(x) && Number.isFinite(y) && Number.isFinite(w) && Number.isFinite(h)) {
      if (w < 0 || h < 0) throw new Error(`${where()}.bbox: negative width or height in ${JSON.stringify(Array.from(a))}`);
      out[4 * i] = x;
      out[4 * i + 1] = y;
      out[4 * i + 2] = w;
      out[4 * i + 3] = h;
      return;
    }
  }
  throw new Error(`${where()}.bbox: expected 4 finite numbers [x, y, w, h], got ${JSON.stringify(b)}`);
}

function readGt(gt: CocoGt, imgRank: Map<number, number>, catRank: Map<number, number>, src: string): GtArrays {
  const n = gt.annotations.length;
  const out: GtArrays = { img: new Int32Array(n), cat: new Int32Array(n), box: new Float64Array(4 * n), area: new Float64Array(n), crowd: new Uint8Array(n) };
  for (let i = 0; i < n; i++) {
    const ann = gt.annotations[i];
    const where = (): string => `coco-eval: ${src} annotations[${i}]`;
    const im = imgRank.get(ann?.image_id);
    if (im === undefined) throw new Error(`${where()}.image_id: ${JSON.stringify(ann?.image_id)} is not in images`);
    const k = catRank.get(ann.category_id);
    if (k === undefined) throw new Error(`${where()}.category_id: ${JSON.stringify(ann.category_id)} is not in categories`);
    readBox(ann.bbox, out.box, i, where);
    let area = out.box[4 * i + 2] * out.box[4 * i + 3];
    if (ann.area !== undefined) {
      if (typeof ann.area !== 'number' || !Number.isFinite(ann.area) || ann.area < 0) throw new Error(`${where()}.area: expected a non-negative number, got ${JSON.stringify(ann.area)}`);
      area = ann.area;
    }
    const c = ann.iscrowd;
    if (c !== undefined && c !== 0 && c !== 1 && c !== true && c !== false) throw new Error(`${where()}.iscrowd: expected 0 or 1, got ${JSON.stringify(c)}`);
    out.img[i] = im;
    out.cat[i] = k;
    out.area[i] = area;
    out.crowd[i] = c === 1 || c === true ? 1 : 0;
  }
  return out;
}

function readDets(dets: readonly CocoDet[], imgRank: Map<number, number>, catRank: Map<number, number>, src: string): DetArrays {
  if (!Array.isArray(dets)) throw new Error(`coco-eval: ${src}: expected an array of {image_id, category_id, bbox, score}`);
  const n = dets.length;
  const img = new Int32Array(n);
  const cat = new Int32Array(n);
  const box = new Float64Array(4 * n);
  const area = new Float64Array(n);
  const score = new Float64Array(n);
  let kept = 0;
  let dropped = 0;
  for (let i = 0; i < n; i++) {
    const d = dets[i];
    const where = () => `coco-eval: ${src}[${i}]`;
    const im = imgRank.get(d?.image_id);
    if (im === undefined) throw new Error(`${where()}.image_id: ${JSON.stringify(d?.image_id)} is not an image of the ground truth`);
    readBox(d.bbox, box, kept, where); // written at slot `kept`; overwritten if the det is dropped
    if (typeof d.score !== 'number' || !Number.isFinite(d.score)) throw new Error(`${where()}.score: expected a finite number, got ${JSON.stringify(d.score)}`);
    const k = catRank.get(d.category_id);
    if (k === undefined) {
      dropped++;
      continue;
    }
    img[kept] = im;
    cat[kept] = k;
    area[kept] = box[4 * kept + 2] * box[4 * kept + 3]; // loadRes: ann['area'] = bb[2] * bb[3]
    score[kept] = d.score;
    kept++;
  }
  return { img: img.subarray(0, kept), cat: cat.subarray(0, kept), box, area, score, dropped };
}

function checkIouThrs(t: readonly number[]): readonly number[] {
  if (!Array.isArray(t) || t.length === 0 || !t.every((v) => typeof v === 'number' && v >= 0 && v <= 1)) {
    throw new Error(`coco-eval: iouThrs must be a non-empty array of numbers in [0, 1], got ${JSON.stringify(t)}`);
  }
  return t.slice();
}

function checkMaxDets(m: readonly number[]): readonly number[] {
  const s = [...m].sort((x, y) => x - y); // evaluate(): p.maxDets = sorted(p.maxDets)
  if (s.length < 3 || !s.every((v) => Number.isInteger(v) && v > 0) || new Set(s).size !== s.length) {
    throw new Error(`coco-eval: maxDets must be at least 3 distinct positive integers (summarize reads maxDets[0..2]), got ${JSON.stringify(m)}`);
  }
  return s;
}

/**
 * Positions 0..n-1 by descending score, ties by position (= np.argsort(-score, kind='mergesort')).
 */
function sortByScoreDesc(score: Float64Array, n: number): Int32Array {
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((x, y) => score[y] - score[x] || x - y);
  return order;
}

/**
 * Stable grouping by (category, image): LSD counting sort, first by image then by category.
 * Returns positions sorted by category, then image, then file order; start[k]..start[k+1] is category k.
 */
function groupByCatImage(img: Int32Array, cat: Int32Array, I: number, K: number): { order: Int32Array; start: Int32Array } {
  const n = img.length;
  const byImg = countingSort(img, null, I, n);
  const order = countingSort(cat, byImg, K, n);
  const start = new Int32Array(K + 1);
  for (let i = 0; i < n; i++) start[cat[i] + 1]++;
  for (let k = 0; k < K; k++) start[k + 1] += start[k];
  return { order, start };
}

function countingSort(key: Int32Array, input: Int32Array | null, buckets: number, n: number): Int32Array {
  const pos = new Int32Array(buckets + 1);
  for (let i = 0; i < n; i++) pos[key[i] + 1]++;
  for (let b = 0; b < buckets; b++) pos[b + 1] += pos[b];
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const e = input === null ? i : input[i];
    out[pos[key[e]]++] = e;
  }
  return out;
}
