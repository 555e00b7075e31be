/**
 * BraTS preprocessing on plain arrays (METHODS.md §3 "Data"): crop each case to the brain's
 * bounding box, z-score every modality over brain voxels only, and interleave the four
 * modalities channels-last. `uncropToFull` puts a prediction made on the crop back into the
 * source grid, so masks are written in the geometry of the input files.
 *
 * Volumes are flat arrays in NIfTI order, i.e. row-major [D=nz, H=ny, W=nx] (x fastest).
 * Boxes are half-open voxel ranges [start, end) per axis, in D, H, W order.
 * All functions are pure and deterministic.
 */

import type { NiftiHeader } from '../nifti';
import type { EtLabel } from './regions';
import type { LoadedCase } from './validate';

export type Vec3 = [number, number, number];
export interface Box {
  start: Vec3; // [d, h, w], inclusive
  end: Vec3; // [d, h, w], exclusive
}

export interface PreparedCase {
  id: string;
  /** Where the crop sits in the source volume. */
  box: Box;
  shapeDHW: Vec3; // cropped
  /** Z-scored modalities, channels-last [D, H, W, 4] (t1, t1ce, t2, flair); 0 outside the brain. */
  image: Float32Array;
  labels?: Uint8Array; // [D, H, W]
  etLabel: EtLabel;
  source: { header: NiftiHeader; shapeDHW: Vec3; spacingDHW: Vec3 };
}

type VoxelArray = Float32Array | Uint8Array;

const voxelCount = (s: readonly number[]): number => s[0] * s[1] * s[2];

function checkLength(name: string, arr: ArrayLike<number>, shapeDHW: readonly number[], channels = 1): void {
  const n = voxelCount(shapeDHW) * channels;
  if (arr.length !== n) {
    throw new Error(`${name}: array has ${arr.length} values but shape ${shapeDHW.join('×')}${channels > 1 ? `×${channels}` : ''} needs ${n}`);
  }
}

/** 1 where any modality is non-zero (BraTS volumes are skull-stripped: background is exactly 0). */
export function brainMask(modalities: readonly Float32Array[]): Uint8Array {
  if (modalities.length === 0) throw new Error('brainMask: no modalities given');
  const n = modalities[0].length;
  const mask = new Uint8Array(n);
  for (const m of modalities) {
    if (m.length !== n) throw new Error(`brainMask: modalities differ in length (${n} vs ${m.length})`);
    for (let i = 0; i < n; i++) if (m[i] !== 0) mask[i] = 1;
  }
  return mask;
}

/**
 * Smallest box holding every non-zero mask voxel, grown by `margin` voxels per side and clipped
 * to the volume. An empty mask gives the whole volume (nothing to crop to, and nothing is lost).
 */
export function brainBoundingBox(mask: Uint8Array, shapeDHW: Vec3, margin = 0): Box {
  checkLength('brainBoundingBox', mask, shapeDHW);
  const [D, H, W] = shapeDHW;
  const b = nonZeroBox(mask, shapeDHW);
  if (!b) return { start: [0, 0, 0], end: [D, H, W] };
  return {
    start: [Math.max(0, b.start[0] - margin), Math.max(0, b.start[1] - margin), Math.max(0, b.start[2] - margin)],
    end: [Math.min(D, b.end[0] + margin), Math.min(H, b.end[1] + margin), Math.min(W, b.end[2] + margin)],
  };
}

/** Tight box of the non-zero voxels, or null if there are none. */
function nonZeroBox(mask: ArrayLike<number>, shapeDHW: Vec3): Box | null {
  const [D, H, W] = shapeDHW;
  const lo: Vec3 = [D, H, W];
  const hi: Vec3 = [-1, -1, -1];
  for (let d = 0, i = 0; d < D; d++) {
    for (let h = 0; h < H; h++) {
      let first = -1;
      let last = -1;
      for (let w = 0; w < W; w++, i++) {
        if (mask[i]) {
          if (first < 0) first = w;
          last = w;
        }
      }
      if (first < 0) continue;
      if (d < lo[0]) lo[0] = d;
      if (d > hi[0]) hi[0] = d;
      if (h < lo[1]) lo[1] = h;
      if (h > hi[1]) hi[1] = h;
      if (first < lo[2]) lo[2] = first;
      if (last > hi[2]) hi[2] = last;
    }
  }
  if (hi[0] < 0) return null;
  return { start: lo, end: [hi[0] + 1, hi[1] + 1, hi[2] + 1] };
}

function unionBox(a: Box, b: Box): Box {
  return {
    start: [Math.min(a.start[0], b.start[0]), Math.min(a.start[1], b.start[1]), Math.min(a.start[2], b.start[2])],
    end: [Math.max(a.end[0], b.end[0]), Math.max(a.end[1], b.end[1]), Math.max(a.end[2], b.end[2])],
  };
}

export function boxShape(box: Box): Vec3 {
  return [box.end[0] - box.start[0], box.end[1] - box.start[1], box.end[2] - box.start[2]];
}

function checkBox(name: string, box: Box, shapeDHW: Vec3): void {
  for (let a = 0; a < 3; a++) {
    if (!(box.start[a] >= 0 && box.start[a] < box.end[a] && box.end[a] <= shapeDHW[a])) {
      throw new Error(`${name}: box [${box.start}]..[${box.end}) does not fit a ${shapeDHW.join('×')} volume`);
    }
  }
}

/**
 * The part of `vol` ([D, H, W, channels]) inside `box`, same element type. Copies whole rows.
 */
export function cropToBox<T extends VoxelArray>(vol: T, shapeDHW: Vec3, box: Box, channels = 1): T {
  checkLength('cropToBox', vol, shapeDHW, channels);
  checkBox('cropToBox', box, shapeDHW);
  const [, H, W] = shapeDHW;
  const [cd, ch, cw] = boxShape(box);
  const out = new (vol.constructor as new (n: number) => T)(cd * ch * cw * channels);
  const rowLen = cw * channels;
  for (let d = 0; d < cd; d++) {
    for (let h = 0; h < ch; h++) {
      const src = (((box.start[0] + d) * H + box.start[1] + h) * W + box.start[2]) * channels;
      out.set(vol.subarray(src, src + rowLen), (d * ch + h) * rowLen);
    }
  }
  return out;
}

/**
 * Inverse of `cropToBox`: a [D, H, W, channels] volume of `fill` with `cropped` put back at `box`.
 */
export function uncropToFull<T extends VoxelArray>(cropped: T, box: Box, fullShapeDHW: Vec3, channels = 1, fill = 0): T {
  checkBox('uncropToFull', box, fullShapeDHW);
  const [cd, ch, cw] = boxShape(box);
  checkLength('uncropToFull', cropped, [cd, ch, cw], channels);
  const [, H, W] = fullShapeDHW;
  const out = new (cropped.constructor as new (n: number) => T)(voxelCount(fullShapeDHW) * channels);
  if (fill !== 0) out.fill(fill);
  const rowLen = cw * channels;
  for (let d = 0; d < cd; d++) {
    for (let h = 0; h < ch; h++) {
      const dst = (((box.start[0] + d) * H + box.start[1] + h) * W + box.start[2]) * channels;
      const src = (d * ch + h) * rowLen;
      out.set(cropped.subarray(src, src + rowLen), dst);
    }
  }
  return out;
}

/** Mean and standard deviation of `vol` over voxels where `mask` is 1 (float64 sums). */
export function maskedMeanStd(vol: ArrayLike<number>, mask: Uint8Array): { mean: number; std: number; count: number } {
  let n = 0;
  let s = 0;
  for (let i = 0; i < vol.length; i++) if (mask[i]) { s += vol[i]; n++; } // prettier-ignore
  if (n === 0) return { mean: 0, std: 0, count: 0 };
  const mean = s / n;
  // Two-pass variance: the one-pass E[x²]−E[x]² loses digits at scanner intensities of ~1e3.
  let ss = 0;
  for (let i = 0; i < vol.length; i++) if (mask[i]) { const d = vol[i] - mean; ss += d * d; } // prettier-ignore
  return { mean, std: Math.sqrt(ss / n), count: n };
}

/**
 * (v − mean) / std over brain voxels; background set to 0. A constant brain (std = 0, e.g. a
 * blank modality) is only centred: dividing by 0 would give NaN, and by ~0 would blow up noise.
 */
export function zscoreInBrain(vol: Float32Array, mask: Uint8Array): Float32Array {
  if (mask.length !== vol.length) throw new Error(`zscoreInBrain: volume has ${vol.length} voxels but mask has ${mask.length}`);
  const { mean, std } = maskedMeanStd(vol, mask);
  const inv = std > 1e-6 ? 1 / std : 1;
  const out = new Float32Array(vol.length);
  for (let i = 0; i < vol.length; i++) if (mask[i]) out[i] = (vol[i] - mean) * inv;
  return out;
}

/**
 * Crop to the brain's bounding box, then z-score each modality over brain voxels and interleave
 * channels-last. Statistics are taken over the whole brain, which lies inside the box.
 */
export function preprocessCase(c: LoadedCase): PreparedCase {
  const shape = c.shapeDHW;
  for (const [i, m] of c.modalities.entries()) checkLength(`preprocessCase ${c.id} modality ${i}`, m, shape);
  if (c.labels) checkLength(`preprocessCase ${c.id} labels`, c.labels, shape);
  const mask = brainMask(c.modalities);
  let box = brainBoundingBox(mask, shape);
  // Labels outside the brain (a mask drawn past the skull-strip edge) must not be cropped away.
  const labelBox = c.labels ? nonZeroBox(c.labels, shape) : null;
  if (labelBox) box = unionBox(box, labelBox);
  const cropShape = boxShape(box);
  const [cd, ch, cw] = cropShape;
  const [, H, W] = shape;
  const C = c.modalities.length;
  const image = new Float32Array(cd * ch * cw * C); // [D, H, W, C]

  for (let m = 0; m < C; m++) {
    const vol = c.modalities[m];
    const { mean, std } = maskedMeanStd(vol, mask);
    const inv = std > 1e-6 ? 1 / std : 1;
    for (let d = 0; d < cd; d++) {
      for (let h = 0; h < ch; h++) {
        const src = ((box.start[0] + d) * H + box.start[1] + h) * W + box.start[2];
        let dst = (d * ch + h) * cw * C + m;
        for (let w = 0; w < cw; w++, dst += C) {
          if (mask[src + w]) image[dst] = (vol[src + w] - mean) * inv;
        }
      }
    }
  }

  const prepared: PreparedCase = {
    id: c.id,
    box,
    shapeDHW: cropShape,
    image,
    etLabel: c.etLabel,
    source: { header: c.header, shapeDHW: [...shape], spacingDHW: [...c.spacingDHW] },
  };
  if (c.labels) prepared.labels = cropToBox(c.labels, shape, box);
  return prepared;
}
