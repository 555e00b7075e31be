/**
 * Axis-aligned box utilities for detection (pure TypeScript, no tfjs): areas, IoU, and the
 * xywh ↔ xyxy conversions between COCO's `bbox: [x, y, w, h]` and the `[x1, y1, x2, y2]` form
 * detection heads and NMS work in.
 *
 * Convention: continuous pixel coordinates, width = x2 − x1 (no "+1"), as pycocotools'
 * `maskApi.c bbIou` and torchvision's `box_iou` compute it. A box with x2 < x1 (or y2 < y1)
 * has area 0; the intersection clamps at 0; IoU of two empty boxes is 0 (never NaN).
 *
 * Boxes live in flat arrays, 4 numbers per box (`[n*4]`); functions take the array and a box
 * index (not an offset), so a loop can compare box i of one array with box j of another without
 * slicing:
 *   const iou = iouXyxy(pred, i, gt, j);   // pred, gt: Float32Array [n*4], xyxy
 */

/** Area of box `i` of a flat xyxy array; 0 for inverted boxes. */
export function areaXyxy(b: ArrayLike<number>, i: number): number {
  const o = 4 * i;
  const w = b[o + 2] - b[o];
  const h = b[o + 3] - b[o + 1];
  return w > 0 && h > 0 ? w * h : 0;
}

/** Intersection area of box `ai` of `a` and box `bi` of `b`, both flat xyxy. */
export function intersectionXyxy(a: ArrayLike<number>, ai: number, b: ArrayLike<number>, bi: number): number {
  const p = 4 * ai;
  const q = 4 * bi;
  const w = Math.min(a[p + 2], b[q + 2]) - Math.max(a[p], b[q]);
  if (!(w > 0)) return 0;
  const h = Math.min(a[p + 3], b[q + 3]) - Math.max(a[p + 1], b[q + 1]);
  return h > 0 ? w * h : 0;
}

/** Intersection over union of box `ai` of `a` and box `bi` of `b` (flat xyxy arrays); 0 if the union is empty. */
export function iouXyxy(a: ArrayLike<number>, ai: number, b: ArrayLike<number>, bi: number): number {
  const inter = intersectionXyxy(a, ai, b, bi);
  if (inter === 0) return 0;
  const union = areaXyxy(a, ai) + areaXyxy(b, bi) - inter;
  return union > 0 ? inter / union : 0;
}

/**
 * IoU in COCO's xywh form, the way pycocotools' `maskApi.c bbIou` does it: for a crowd ground
 * truth the denominator is the detection's own area (the fraction of the detection inside the
 * crowd region), otherwise the union. `d`/`g` are flat xywh arrays, `di`/`gi` box indices.
 */
export function iouXywh(d: ArrayLike<number>, di: number, g: ArrayLike<number>, gi: number, gtIsCrowd: boolean): number {
  const p = 4 * di;
  const q = 4 * gi;
  const w = Math.min(d[p] + d[p + 2], g[q] + g[q + 2]) - Math.max(d[p], g[q]);
  if (!(w > 0)) return 0;
  const h = Math.min(d[p + 1] + d[p + 3], g[q + 1] + g[q + 3]) - Math.max(d[p + 1], g[q + 1]);
  if (!(h > 0)) return 0;
  const inter = w * h;
  const detArea = d[p + 2] * d[p + 3];
  const denom = gtIsCrowd ? detArea : detArea + g[q + 2] * g[q + 3] - inter;
  return denom > 0 ? inter / denom : 0;
}

/** `[x, y, w, h]` boxes (flat, `[n*4]`) → `[x1, y1, x2, y2]` (new Float32Array). */
export function xywhToXyxy(b: ArrayLike<number>): Float32Array {
  checkFlat(b, 'xywhToXyxy');
  const out = new Float32Array(b.length);
  for (let o = 0; o < b.length; o += 4) {
    out[o] = b[o];
    out[o + 1] = b[o + 1];
    out[o + 2] = b[o] + b[o + 2];
    out[o + 3] = b[o + 1] + b[o + 3];
  }
  return out;
}

/** `[x1, y1, x2, y2]` boxes (flat, `[n*4]`) → `[x, y, w, h]` (new Float32Array). */
export function xyxyToXywh(b: ArrayLike<number>): Float32Array {
  checkFlat(b, 'xyxyToXywh');
  const out = new Float32Array(b.length);
  for (let o = 0; o < b.length; o += 4) {
    out[o] = b[o];
    out[o + 1] = b[o + 1];
    out[o + 2] = b[o + 2] - b[o];
    out[o + 3] = b[o + 3] - b[o + 1];
  }
  return out;
}

/** Clip flat xyxy boxes in place to the image `[0, width] × [0, height]`; returns the same array. */
export function clipXyxy<T extends { [i: number]: number; length: number }>(b: T, width: number, height: number): T {
  checkFlat(b, 'clipXyxy');
  for (let o = 0; o < b.length; o += 4) {
    b[o] = Math.min(Math.max(b[o], 0), width);
    b[o + 1] = Math.min(Math.max(b[o + 1], 0), height);
    b[o + 2] = Math.min(Math.max(b[o + 2], 0), width);
    b[o + 3] = Math.min(Math.max(b[o + 3], 0), height);
  }
  return b;
}

function checkFlat(b: ArrayLike<number>, fn: string): void {
  if (b.length % 4 !== 0) {
    throw new Error(`detection/boxes ${fn}: flat box array length ${b.length} is not a multiple of 4`);
  }
}
