/**
 * The error overlay (PRODUCT.md "Beyond", 3): per voxel, whether the prediction agrees with the
 * ground truth for one BraTS region. Classes: 0 true negative, 1 true positive, 2 false positive
 * (predicted in the region, not in the ground truth), 3 false negative (in the ground truth,
 * missed). Counts come along, and the region's Dice from them, 2·TP / (2·TP + FP + FN), with the
 * BraTS convention that two empty masks score 1.
 */
import { type EtLabel, type Region, inRegion } from './brats-labels';

export const ERROR_CLASS = { tn: 0, tp: 1, fp: 2, fn: 3 } as const;

export interface ErrorCounts {
  tp: number;
  fp: number;
  fn: number;
  dice: number;
}

export interface ErrorOverlay {
  region: Region;
  classes: Uint8Array;
  counts: ErrorCounts;
}

export function computeErrorOverlay(gt: Uint8Array, pred: Uint8Array, region: Region, et: EtLabel): ErrorOverlay {
  if (gt.length !== pred.length) {
    throw new Error(`error overlay: ground truth has ${gt.length} voxels, prediction ${pred.length}`);
  }
  // Region membership per label value, looked up once (labels are 0..255).
  const member = new Uint8Array(256);
  for (let v = 1; v < 256; v++) member[v] = inRegion(v, region, et) ? 1 : 0;
  const classes = new Uint8Array(gt.length);
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (let n = 0; n < gt.length; n++) {
    const g = member[gt[n]];
    const p = member[pred[n]];
    if (g & p) {
      classes[n] = ERROR_CLASS.tp;
      tp++;
    } else if (p) {
      classes[n] = ERROR_CLASS.fp;
      fp++;
    } else if (g) {
      classes[n] = ERROR_CLASS.fn;
      fn++;
    }
  }
  const denom = 2 * tp + fp + fn;
  return { region, classes, counts: { tp, fp, fn, dice: denom === 0 ? 1 : (2 * tp) / denom } };
}
