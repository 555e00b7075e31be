/**
 * Greedy non-maximum suppression (pure TypeScript, no tfjs), plain and per class.
 *
 * Semantics (those of torchvision `ops.nms` / `batched_nms`):
 *  - boxes are xyxy in pixels, flat `[n*4]`; IoU as in boxes.ts (no "+1");
 *  - candidates are visited by score, descending; equal scores keep index order (lower first);
 *  - a candidate is dropped when its IoU with an already kept box is strictly greater than
 *    `iouThreshold` (IoU == threshold survives);
 *  - per class, boxes of different classes never suppress each other; the result is still one
 *    list ordered by score across classes, exactly what `batched_nms` returns;
 *  - at most `maxDetections` indices are returned (the first ones in score order), and the
 *    scan stops as soon as that many are kept.
 * Cost is O(n log n + n·k) for n candidates and k kept; callers pre-filter by score (FCOS keeps
 * ~1000 candidates per level) so n stays in the thousands.
 *
 * Usage:
 *   const keep = nmsPerClass(boxes, scores, classes, 0.6, 100); // indices into scores, best first
 */
import { areaXyxy } from './boxes';

/** Greedy NMS over all boxes regardless of class; returns kept indices, score-descending. */
export function nms(boxes: Float32Array, scores: Float32Array, iouThreshold: number, maxDetections: number): number[] {
  return greedy(boxes, scores, null, iouThreshold, maxDetections, 'nms');
}

/** Greedy NMS where only boxes of the same class suppress each other; kept indices, score-descending. */
export function nmsPerClass(
  boxes: Float32Array,
  scores: Float32Array,
  classes: Int32Array,
  iouThreshold: number,
  maxDetections: number,
): number[] {
  if (classes.length !== scores.length) {
    throw new Error(`detection/nms nmsPerClass: classes has ${classes.length} entries but scores has ${scores.length}`);
  }
  return greedy(boxes, scores, classes, iouThreshold, maxDetections, 'nmsPerClass');
}

/** Indices 0..n-1 sorted by score descending, ties by index ascending (explicit, not relying on sort stability). */
export function scoreOrder(scores: ArrayLike<number>): Int32Array {
  const order = new Int32Array(scores.length);
  for (let i = 0; i < order.length; i++) order[i] = i;
  // Int32Array#sort with a comparator; the index tiebreak makes the order total.
  order.sort((i, j) => scores[j] - scores[i] || i - j);
  return order;
}

function greedy(
  boxes: Float32Array,
  scores: Float32Array,
  classes: Int32Array | null,
  iouThreshold: number,
  maxDetections: number,
  fn: string,
): number[] {
  const n = scores.length;
  if (boxes.length !== 4 * n) {
    throw new Error(`detection/nms ${fn}: boxes has ${boxes.length} numbers, expected 4 × ${n} scores = ${4 * n}`);
  }
  if (!Number.isFinite(iouThreshold)) throw new Error(`detection/nms ${fn}: iouThreshold ${iouThreshold} is not a finite number`);
  if (!(Number.isInteger(maxDetections) && maxDetections >= 0)) {
    throw new Error(`detection/nms ${fn}: maxDetections ${maxDetections} must be a non-negative integer`);
  }
  for (let i = 0; i < n; i++) {
    if (Number.isNaN(scores[i])) throw new Error(`detection/nms ${fn}: score ${i} is NaN`);
  }
  const keep: number[] = [];
  if (n === 0 || maxDetections === 0) return keep;

  const order = scoreOrder(scores);
  const area = new Float64Array(n);
  for (let i = 0; i < n; i++) area[i] = areaXyxy(boxes, i);
  // Kept boxes copied contiguously (xyxy, area, class) so the inner loop reads sequential memory.
  const kb = new Float64Array(4 * Math.min(n, maxDetections));
  const ka = new Float64Array(Math.min(n, maxDetections));
  const kc = new Int32Array(Math.min(n, maxDetections));

  for (let r = 0; r < n && keep.length < maxDetections; r++) {
    const i = order[r];
    const o = 4 * i;
    const x1 = boxes[o];
    const y1 = boxes[o + 1];
    const x2 = boxes[o + 2];
    const y2 = boxes[o + 3];
    const ai = area[i];
    const ci = classes === null ? 0 : classes[i];
    let suppressed = false;
    for (let k = 0; k < keep.length; k++) {
      if (classes !== null && kc[k] !== ci) continue;
      const q = 4 * k;
      const w = Math.min(x2, kb[q + 2]) - Math.max(x1, kb[q]);
      if (!(w > 0)) continue;
      const h = Math.min(y2, kb[q + 3]) - Math.max(y1, kb[q + 1]);
      if (!(h > 0)) continue;
      const inter = w * h;
      const union = ai + ka[k] - inter;
      if (union > 0 && inter / union > iouThreshold) {
        suppressed = true;
        break;
      }
    }
    if (suppressed) continue;
    const k = keep.length;
    kb[4 * k] = x1;
    kb[4 * k + 1] = y1;
    kb[4 * k + 2] = x2;
    kb[4 * k + 3] = y2;
    ka[k] = ai;
    kc[k] = ci;
    keep.push(i);
  }
  return keep;
}
