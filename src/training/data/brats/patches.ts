/**
 * Training patches from a prepared BraTS case (METHODS.md §3: patch training, random flips,
 * intensity scale/shift). A patch is a [pd, ph, pw] window of the cropped, z-scored image
 * (channels-last [pd, ph, pw, 4]) with its target as region masks [pd, ph, pw, 3] (WT, TC, ET).
 *
 * Sampling: with probability `tumourProbability` the window is centred on a random tumour voxel
 * (label ≠ 0), else placed uniformly; tumours fill only ~1–5% of a brain, so without this most
 * patches hold no positive voxel at all. Windows stay inside the case where the case is larger
 * than the patch; along an axis where it is smaller, the case is placed inside the window and
 * the rest is zero (the background value after z-scoring).
 *
 * Everything random comes from the given `Rng`, drawn in a fixed order, so a seed fixes the patch.
 * Copies are row by row into one preallocated buffer; no per-voxel allocation.
 */

import type { Rng } from '../../core/rng';
import type { PreparedCase, Vec3 } from './preprocess';

export interface PatchOptions {
  /** Probability of centring the patch on a random tumour voxel (else uniform), e.g. 0.5. */
  tumourProbability: number;
  /** Flip each axis independently with probability 1/2 (image and target together). */
  flip: boolean;
  /** Per-channel intensity augmentation on brain voxels: ×U(1−scale, 1+scale), then +U(−shift, shift). */
  intensity?: { scale: number; shift: number };
}

export interface Patch {
  image: Float32Array; // [pd, ph, pw, C]
  target: Float32Array; // [pd, ph, pw, 3] WT, TC, ET
  /** Where the (unflipped) window starts in the prepared case; may be negative when padding. */
  startDHW: Vec3;
  flips: [boolean, boolean, boolean]; // along D, H, W
  centredOnTumour: boolean;
}

const TARGET_CHANNELS = 3;

// Flat indices of tumour voxels per case, computed once: scanning a 240×240×155 volume per patch
// would cost more than the copy itself.
const tumourCache = new WeakMap<PreparedCase, Uint32Array>();

/** Flat [D, H, W] indices of the case's voxels with a non-zero label (empty without labels). */
export function tumourVoxels(c: PreparedCase): Uint32Array {
  let idx = tumourCache.get(c);
  if (idx) return idx;
  const labels = c.labels;
  if (!labels) return new Uint32Array(0);
  let n = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i] !== 0) n++;
  idx = new Uint32Array(n);
  for (let i = 0, k = 0; i < labels.length; i++) if (labels[i] !== 0) idx[k++] = i;
  tumourCache.set(c, idx);
  return idx;
}

function checkPatch(c: PreparedCase, patchDHW: Vec3): number {
  if (!c.labels) throw new Error(`case ${c.id} has no segmentation: training patches need labels`);
  for (const p of patchDHW) if (!(Number.isInteger(p) && p >= 1)) throw new Error(`patch shape [${patchDHW}] must be positive integers`);
  const n = c.shapeDHW[0] * c.shapeDHW[1] * c.shapeDHW[2];
  const C = c.image.length / n;
  if (!Number.isInteger(C) || C < 1 || c.labels.length !== n) {
    throw new Error(`case ${c.id}: image (${c.image.length} values) and labels (${c.labels.length}) do not match shape ${c.shapeDHW.join('×')}`);
  }
  return C;
}

/** Window start along one axis of size `size` for a patch of `p`: keeps the window in the case when it fits. */
function clampStart(start: number, size: number, p: number): number {
  const lo = Math.min(0, size - p);
  const hi = Math.max(0, size - p);
  return Math.min(hi, Math.max(lo, start));
}

/**
 * Writes one patch into `image`/`target` at the given element offsets. The destination ranges
 * must be zero (padding is left untouched).
 */
function samplePatchInto(
  c: PreparedCase,
  patchDHW: Vec3,
  rng: Rng,
  opts: PatchOptions,
  image: Float32Array,
  imageOffset: number,
  target: Float32Array,
  targetOffset: number,
): Omit<Patch, 'image' | 'target'> {
  const C = checkPatch(c, patchDHW);
  const labels = c.labels!;
  const [D, H, W] = c.shapeDHW;
  const [pd, ph, pw] = patchDHW;
  const et = c.etLabel;

  // 1. Window position. The Bernoulli draw is always taken, so later draws don't shift with the case.
  const wantTumour = rng.bernoulli(opts.tumourProbability);
  const tumour = tumourVoxels(c);
  let start: Vec3;
  let centredOnTumour = false;
  if (wantTumour && tumour.length > 0) {
    const i = tumour[rng.int(tumour.length)];
    const w = i % W;
    const h = ((i - w) / W) % H;
    const d = (i - w - h * W) / (W * H);
    start = [clampStart(d - (pd >> 1), D, pd), clampStart(h - (ph >> 1), H, ph), clampStart(w - (pw >> 1), W, pw)];
    centredOnTumour = true;
  } else {
    const pick = (size: number, p: number): number => {
      const lo = Math.min(0, size - p);
      return lo + rng.int(Math.max(0, size - p) - lo + 1);
    };
    start = [pick(D, pd), pick(H, ph), pick(W, pw)];
  }

  // 2. Flips, 3. intensity factors: drawn only when asked for.
  const flips: [boolean, boolean, boolean] = opts.flip ? [rng.bernoulli(0.5), rng.bernoulli(0.5), rng.bernoulli(0.5)] : [false, false, false];
  let scale: Float32Array | null = null;
  let shift: Float32Array | null = null;
  if (opts.intensity) {
    const { scale: s, shift: t } = opts.intensity;
    scale = new Float32Array(C);
    shift = new Float32Array(C);
    for (let ch = 0; ch < C; ch++) scale[ch] = rng.range(1 - s, 1 + s);
    for (let ch = 0; ch < C; ch++) shift[ch] = rng.range(-t, t);
  }

  // Source columns that overlap the window along W (same for every row).
  const w0 = Math.max(0, start[2]);
  const w1 = Math.min(W, start[2] + pw);
  for (let z = 0; z < pd; z++) {
    const sd = start[0] + (flips[0] ? pd - 1 - z : z);
    if (sd < 0 || sd >= D) continue;
    for (let y = 0; y < ph; y++) {
      const sh = start[1] + (flips[1] ? ph - 1 - y : y);
      if (sh < 0 || sh >= H) continue;
      const srcRow = (sd * H + sh) * W; // voxel index of (sd, sh, 0)
      const dstRow = (z * ph + y) * pw; // voxel index of (z, y, 0) in the patch
      if (!flips[2]) {
        const ow = w0 - start[2]; // patch column of source column w0
        image.set(c.image.subarray((srcRow + w0) * C, (srcRow + w1) * C), imageOffset + (dstRow + ow) * C);
      } else {
        for (let sw = w0; sw < w1; sw++) {
          const ow = pw - 1 - (sw - start[2]);
          const s = (srcRow + sw) * C;
          const o = imageOffset + (dstRow + ow) * C;
          for (let ch = 0; ch < C; ch++) image[o + ch] = c.image[s + ch];
        }
      }
      for (let sw = w0; sw < w1; sw++) {
        const l = labels[srcRow + sw];
        if (l === 0) continue;
        const ow = flips[2] ? pw - 1 - (sw - start[2]) : sw - start[2];
        const o = targetOffset + (dstRow + ow) * TARGET_CHANNELS;
        target[o] = l === 1 || l === 2 || l === et ? 1 : 0; // WT
        target[o + 1] = l === 1 || l === et ? 1 : 0; // TC
        target[o + 2] = l === et ? 1 : 0; // ET
      }
    }
  }

  if (scale && shift) {
    // Brain voxels only: background (and padding) must stay exactly 0 so the net can tell it apart.
    const end = imageOffset + pd * ph * pw * C;
    for (let o = imageOffset; o < end; o += C) {
      let brain = false;
      for (let ch = 0; ch < C; ch++) if (image[o + ch] !== 0) brain = true;
      if (!brain) continue;
      for (let ch = 0; ch < C; ch++) image[o + ch] = image[o + ch] * scale[ch] + shift[ch];
    }
  }

  return { startDHW: start, flips, centredOnTumour };
}

/** One random training patch of `c`; deterministic given the rng's state. */
export function samplePatch(c: PreparedCase, patchDHW: Vec3, rng: Rng, opts: PatchOptions): Patch {
  const C = checkPatch(c, patchDHW);
  const n = patchDHW[0] * patchDHW[1] * patchDHW[2];
  const image = new Float32Array(n * C);
  const target = new Float32Array(n * TARGET_CHANNELS);
  const meta = samplePatchInto(c, patchDHW, rng, opts, image, 0, target, 0);
  return { image, target, ...meta };
}

/**
 * One patch per entry of `cases` (repeat a case to take several from it), stacked:
 * image [n, pd, ph, pw, C], target [n, pd, ph, pw, 3]. Patches draw from `rng` in turn, so the
 * batch is fixed by the rng's state (pass e.g. `rng.fork('batch', step)` for resumable runs).
 */
export function batchPatches(
  cases: readonly PreparedCase[],
  patchDHW: Vec3,
  rng: Rng,
  opts: PatchOptions,
): { image: Float32Array; target: Float32Array; shapeDHW: Vec3; channels: number; n: number } {
  if (cases.length === 0) throw new Error('batchPatches: no cases given');
  const channels = checkPatch(cases[0], patchDHW);
  for (const c of cases) {
    if (checkPatch(c, patchDHW) !== channels) throw new Error(`batchPatches: case ${c.id} has ${checkPatch(c, patchDHW)} channels, case ${cases[0].id} has ${channels}`);
  }
  const vox = patchDHW[0] * patchDHW[1] * patchDHW[2];
  const image = new Float32Array(cases.length * vox * channels); // [n, pd, ph, pw, C]
  const target = new Float32Array(cases.length * vox * TARGET_CHANNELS); // [n, pd, ph, pw, 3]
  cases.forEach((c, k) => {
    samplePatchInto(c, patchDHW, rng, opts, image, k * vox * channels, target, k * vox * TARGET_CHANNELS);
  });
  return { image, target, shapeDHW: [...patchDHW], channels, n: cases.length };
}
