/**
 * The detection viewer's pure logic (no DOM, no Svelte): which predictions show at a score
 * threshold, how each image's boxes match at that threshold (true/false positives, missed
 * ground truth), the image list ordered worst first, class colours and labels, the COCO stats
 * block and the per-class AP table's order.
 *
 * Matching follows COCOeval's rule for one IoU threshold (pycocotools cocoeval.py
 * `evaluateImg`), simplified to what a viewer needs: predictions in descending score order each
 * take the unmatched non-crowd ground-truth box of the same category with the highest IoU, if
 * that IoU is ≥ 0.5 (true positive); else, a prediction over a crowd region of its category
 * (crowd IoU = intersection / prediction area, ≥ 0.5) is ignored, neither true nor false
 * positive; else it is a false positive. Unmatched non-crowd ground truth is missed; crowd
 * regions are never missed. Boxes are COCO `[x, y, w, h]` in image pixels, width = x2 − x1.
 *
 * Usage:
 *   const rows = imageRows(results.images, 0.3);      // worst first
 *   const m = matchImage(rows[0].image, 0.3);          // m.preds[i].status: 'tp' | 'fp' | 'ignored'
 */
import type { CategoryAp, CocoStatKey, DetectionBox, DetectionImage, DetectionResults } from '../../shared/detections';
import { categoryColor } from './colormap';
import { formatNumber } from './format';

/** The slider's starting point: low enough to show most true positives, high enough to hide clutter. */
export const DEFAULT_SCORE_THRESHOLD = 0.3;
/** The IoU a prediction needs to count as finding a ground-truth box: COCO's AP50 threshold. */
export const MATCH_IOU = 0.5;

export type Bbox = DetectionBox['bbox'];
export type Prediction = DetectionImage['detections'][number];

/** Intersection area of two [x, y, w, h] boxes (0 when they do not overlap). */
function intersection(a: Bbox, b: Bbox): number {
  const w = Math.min(a[0] + a[2], b[0] + b[2]) - Math.max(a[0], b[0]);
  const h = Math.min(a[1] + a[3], b[1] + b[3]) - Math.max(a[1], b[1]);
  return w > 0 && h > 0 ? w * h : 0;
}

/** Intersection over union of two [x, y, w, h] boxes; 0 when the union is empty. */
export function iouXywh(a: Bbox, b: Bbox): number {
  const inter = intersection(a, b);
  const union = a[2] * a[3] + b[2] * b[3] - inter;
  return inter > 0 && union > 0 ? inter / union : 0;
}

/** COCO's IoU against a crowd region: the intersection over the prediction's own area. */
export function crowdIou(pred: Bbox, crowd: Bbox): number {
  const area = pred[2] * pred[3];
  return area > 0 ? intersection(pred, crowd) / area : 0;
}

/** Predictions scoring at least `threshold`, in descending score order (stable for ties). */
export function visiblePredictions(image: DetectionImage, threshold: number): Prediction[] {
  return image.detections.filter((d) => d.score >= threshold).sort((a, b) => b.score - a.score);
}

export type PredStatus = 'tp' | 'fp' | 'ignored';
export type GtStatus = 'matched' | 'missed' | 'crowd';

export interface ImageMatch {
  /** The visible predictions, score-descending, each with its status and the IoU that decided it. */
  preds: { box: Prediction; status: PredStatus; iou: number }[];
  gts: { box: DetectionBox; status: GtStatus }[];
  tp: number;
  fp: number;
  missed: number;
  /** missed + fp: what the list is ordered by. */
  errors: number;
}

/** Matches an image's visible predictions to its ground truth (see the file header for the rule). */
export function matchImage(image: DetectionImage, threshold: number, iouThreshold = MATCH_IOU): ImageMatch {
  const gts = image.gt.map((box) => ({ box, status: (box.iscrowd ? 'crowd' : 'missed') as GtStatus }));
  const preds = visiblePredictions(image, threshold).map((box) => {
    // One pass over the ground truth: the best unmatched box of the class, the best crowd
    // region of the class, and the best box of the class at all (a false positive's tooltip).
    let best = -1;
    let bestIou = 0;
    let crowd = 0;
    let nearest = 0;
    for (let j = 0; j < gts.length; j++) {
      const g = gts[j];
      if (g.box.categoryId !== box.categoryId) continue;
      if (g.status === 'crowd') {
        crowd = Math.max(crowd, crowdIou(box.bbox, g.box.bbox));
        continue;
      }
      const iou = iouXywh(box.bbox, g.box.bbox);
      nearest = Math.max(nearest, iou);
      if (g.status === 'missed' && iou > bestIou) {
        best = j; // ties: the first box keeps it
        bestIou = iou;
      }
    }
    if (best >= 0 && bestIou >= iouThreshold) {
      gts[best].status = 'matched';
      return { box, status: 'tp' as PredStatus, iou: bestIou };
    }
    if (crowd >= iouThreshold) return { box, status: 'ignored' as PredStatus, iou: crowd };
    return { box, status: 'fp' as PredStatus, iou: nearest };
  });
  let tp = 0;
  let fp = 0;
  for (const p of preds) {
    if (p.status === 'tp') tp++;
    else if (p.status === 'fp') fp++;
  }
  const missed = gts.reduce((n, g) => n + (g.status === 'missed' ? 1 : 0), 0);
  return { preds, gts, tp, fp, missed, errors: fp + missed };
}

export interface ImageRow {
  image: DetectionImage;
  tp: number;
  fp: number;
  missed: number;
  errors: number;
}

/** Worst first: more errors (missed + false positives) first, then lower AP50 (no AP50 last), then id. */
export function worstFirst(a: ImageRow, b: ImageRow): number {
  if (a.errors !== b.errors) return b.errors - a.errors;
  const ap = (r: ImageRow) => r.image.ap50 ?? Number.POSITIVE_INFINITY;
  if (ap(a) !== ap(b)) return ap(a) < ap(b) ? -1 : 1;
  return a.image.id - b.image.id;
}

/** True when the image has a ground-truth box or a visible prediction of category `id`. */
export function imageHasClass(image: DetectionImage, id: number, threshold: number): boolean {
  return image.gt.some((g) => g.categoryId === id) || image.detections.some((d) => d.categoryId === id && d.score >= threshold);
}

/** The image list at a threshold, worst first; with `classId`, only images showing that class. */
export function imageRows(images: readonly DetectionImage[], threshold: number, classId: number | null = null): ImageRow[] {
  return images
    .filter((img) => classId === null || imageHasClass(img, classId, threshold))
    .map((image) => {
      const { tp, fp, missed, errors } = matchImage(image, threshold);
      return { image, tp, fp, missed, errors };
    })
    .sort(worstFirst);
}

/** The row `step` places after (or before, negative) the image `id`, clamped to the list's ends. */
export function stepImage(rows: readonly ImageRow[], id: number | null, step: number): ImageRow | null {
  if (!rows.length) return null;
  const i = rows.findIndex((r) => r.image.id === id);
  if (i < 0) return rows[0];
  return rows[Math.min(rows.length - 1, Math.max(0, i + step))];
}

/** One colour per category, by its position in `categories` (the categorical palette of colormap.ts). */
export function classColors(categories: DetectionResults['categories']): Map<number, string> {
  return new Map(categories.map((c, i) => [c.id, categoryColor(i)]));
}

export function classNames(categories: DetectionResults['categories']): Map<number, string> {
  return new Map(categories.map((c) => [c.id, c.name]));
}

/** A prediction's label: "dog 0.87" (score to two decimals). */
export function predLabel(name: string, score: number): string {
  return `${name} ${score.toFixed(2)}`;
}

/** The file's name, for lists and captions (the path stays in titles and errors). */
export function baseName(path: string): string {
  return path.split(/[\\/]/).pop() || path;
}

/** COCOeval's summarize() lines, in its order, with the short label the stats block shows. */
export const COCO_STATS: readonly { key: CocoStatKey; label: string; help: string }[] = [
  { key: 'AP', label: 'AP', help: 'AP @ IoU 0.50:0.95, all areas, 100 detections' },
  { key: 'AP50', label: 'AP50', help: 'AP @ IoU 0.50' },
  { key: 'AP75', label: 'AP75', help: 'AP @ IoU 0.75' },
  { key: 'APs', label: 'APs', help: 'AP for small objects (area < 32²)' },
  { key: 'APm', label: 'APm', help: 'AP for medium objects (32² – 96²)' },
  { key: 'APl', label: 'APl', help: 'AP for large objects (area > 96²)' },
  { key: 'AR1', label: 'AR1', help: 'recall with 1 detection per image' },
  { key: 'AR10', label: 'AR10', help: 'recall with 10 detections per image' },
  { key: 'AR100', label: 'AR100', help: 'recall with 100 detections per image' },
  { key: 'ARs', label: 'ARs', help: 'AR100 for small objects' },
  { key: 'ARm', label: 'ARm', help: 'AR100 for medium objects' },
  { key: 'ARl', label: 'ARl', help: 'AR100 for large objects' },
];

/** A COCO statistic for display: '—' for -1 (COCOeval's "no data") or a missing value. */
export function formatStat(v: number | null | undefined): string {
  return v === -1 || v === null || v === undefined ? '—' : formatNumber(v);
}

export type ApSortKey = 'name' | 'AP' | 'AP50' | 'AR100' | 'numGt';
export interface ApSort {
  key: ApSortKey;
  descending: boolean;
}
export const DEFAULT_AP_SORT: ApSort = { key: 'AP', descending: false };

/** The per-class table's rows in `sort` order; -1 ("no data") sorts after every value either way. */
export function sortPerCategory(rows: readonly CategoryAp[], sort: ApSort): CategoryAp[] {
  const dir = sort.descending ? -1 : 1;
  return [...rows].sort((a, b) => {
    if (sort.key === 'name') return dir * a.name.localeCompare(b.name);
    const x = a[sort.key];
    const y = b[sort.key];
    if (x === y) return a.name.localeCompare(b.name);
    if (x === -1) return 1;
    if (y === -1) return -1;
    return dir * (x - y);
  });
}

/** Whether a run is a detection run: its summary says so, or its experiment is the detection one. */
export function isDetectionRun(summary: Record<string, unknown> | null | undefined, experiment: string | null | undefined): boolean {
  return summary?.task === 'detection' || experiment === 'revbifpn-detect';
}
