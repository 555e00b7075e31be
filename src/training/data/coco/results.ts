/**
 * Detections → COCO results format, the file pycocotools' `COCO.loadRes` and the COCO evaluation
 * server read (https://cocodataset.org/#format-results):
 *   [{ "image_id": 42, "category_id": 18, "bbox": [x, y, w, h], "score": 0.91 }, ...]
 * in ORIGINAL image pixels: boxes predicted in a batch's S×S frame are mapped back through the
 * batch's ImageTransform (./dataset.ts toOriginalBoxes: unflip, unscale, clip), labels back to
 * category ids. bbox values are rounded to 0.01 px and scores to 1e-5 (smaller files, no effect
 * on AP); boxes that are empty after clipping are dropped.
 *
 *   const res = toCocoResults(ds.instances.categories, [{ transform: batch.transforms[0], boxes, labels, scores }]);
 *   await writeCocoResults('runs/x/predictions/detections_val.json', res);
 */

import { rename, writeFile } from 'node:fs/promises';
import type { CocoCategory } from './instances';
import { type ImageTransform, toOriginalBoxes } from './dataset';

export interface CocoResult {
  image_id: number;
  category_id: number;
  bbox: [number, number, number, number];
  score: number;
}

export interface ImageDetections {
  transform: ImageTransform;
  /** [m·4] x0, y0, x1, y1 in the batch's S×S frame. */
  boxes: ArrayLike<number>;
  /** [m] contiguous labels 0..K−1. */
  labels: ArrayLike<number>;
  /** [m] */
  scores: ArrayLike<number>;
}

const r2 = (v: number): number => Number(v.toFixed(2));

export function toCocoResults(categories: readonly CocoCategory[], dets: readonly ImageDetections[]): CocoResult[] {
  const out: CocoResult[] = [];
  for (const d of dets) {
    const m = d.labels.length;
    if (d.boxes.length !== 4 * m || d.scores.length !== m) {
      throw new Error(`toCocoResults: image ${d.transform.imageId} has ${d.boxes.length / 4} boxes, ${m} labels and ${d.scores.length} scores; they must match`);
    }
    const orig = toOriginalBoxes(d.boxes, d.transform);
    for (let k = 0; k < m; k++) {
      const cat = categories[d.labels[k]];
      if (!cat) throw new Error(`toCocoResults: label ${d.labels[k]} of image ${d.transform.imageId} is outside 0..${categories.length - 1}`);
      const x0 = r2(orig[4 * k]);
      const y0 = r2(orig[4 * k + 1]);
      const w = r2(orig[4 * k + 2] - orig[4 * k]);
      const h = r2(orig[4 * k + 3] - orig[4 * k + 1]);
      if (!(w > 0 && h > 0)) continue;
      out.push({ image_id: d.transform.imageId, category_id: cat.id, bbox: [x0, y0, w, h], score: Number(d.scores[k].toFixed(5)) });
    }
  }
  return out;
}

/** Writes results as JSON, atomically (temporary file, then rename). */
export async function writeCocoResults(path: string, results: readonly CocoResult[]): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, JSON.stringify(results));
  await rename(tmp, path);
}
