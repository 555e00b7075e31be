/**
 * Views: a subset of a dataset's rows, seen through a pixel map, with labels in a task sequence's
 * label space. A view never copies pixels: ten Permuted-MNIST tasks, five Split-MNIST tasks and the
 * padded/greyscale-to-RGB tasks of the Vision Datasets Mixture all share their base dataset, and
 * the map is applied when a batch is gathered (./batches).
 *
 * Pixel map convention (a gather): output element j of an image (NHWC order, j < h·w·c) is base
 * element map[j] of the same image, or 0 when map[j] = −1. A permutation π of the 784 MNIST
 * pixels is the map itself: out[j] = in[π[j]].
 */

import { type ImageDataset, PIXEL_SCALE, imageSize } from './dataset';

export interface ImageShape {
  readonly height: number;
  readonly width: number;
  readonly channels: number;
}

export interface DatasetView extends ImageShape {
  readonly base: ImageDataset;
  /** base rows in this view, in view order. */
  readonly rows: Int32Array;
  /** label of each view row in the task sequence's label space (global class ids). */
  readonly labels: Int32Array;
  /** output element j ← base element pixelMap[j] (−1 → 0); null = identity (output shape = base shape). */
  readonly pixelMap: Int32Array | null;
  readonly n: number;
}

export interface ViewOptions {
  /** default: all rows in order. */
  rows?: ArrayLike<number>;
  pixelMap?: Int32Array | null;
  /** output shape; required when pixelMap changes the size. Default: the base shape. */
  shape?: ImageShape;
  /** added to the base labels (e.g. 10·t for task t of a mixture with one 10-class block per task). */
  labelOffset?: number;
}

export function makeView(base: ImageDataset, opts: ViewOptions = {}): DatasetView {
  const rows = opts.rows ? Int32Array.from(opts.rows) : Int32Array.from({ length: base.n }, (_, i) => i);
  const shape = opts.shape ?? { height: base.height, width: base.width, channels: base.channels };
  const outSize = shape.height * shape.width * shape.channels;
  const inSize = imageSize(base);
  const map = opts.pixelMap ?? null;
  if (map) {
    if (map.length !== outSize) throw new Error(`makeView(${base.name}): pixelMap has ${map.length} entries, output shape ${shape.height}×${shape.width}×${shape.channels} needs ${outSize}`);
    for (let j = 0; j < map.length; j++) {
      if (map[j] < -1 || map[j] >= inSize) throw new Error(`makeView(${base.name}): pixelMap[${j}] = ${map[j]} is outside −1..${inSize - 1}`);
    }
  } else if (outSize !== inSize) {
    throw new Error(`makeView(${base.name}): output shape ${shape.height}×${shape.width}×${shape.channels} differs from the base's without a pixelMap`);
  }
  const offset = opts.labelOffset ?? 0;
  const labels = new Int32Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i];
    if (!(r >= 0 && r < base.n)) throw new Error(`makeView(${base.name}): row ${r} outside 0..${base.n - 1}`);
    labels[i] = base.labels[r] + offset;
  }
  return { base, rows, labels, pixelMap: map, n: rows.length, height: shape.height, width: shape.width, channels: shape.channels };
}

/** A view of some of another view's rows (same base, map and labels). */
export function subView(view: DatasetView, viewRows: ArrayLike<number>): DatasetView {
  const rows = new Int32Array(viewRows.length);
  const labels = new Int32Array(viewRows.length);
  for (let i = 0; i < viewRows.length; i++) {
    const k = viewRows[i];
    if (!(k >= 0 && k < view.n)) throw new Error(`subView: row ${k} outside 0..${view.n - 1}`);
    rows[i] = view.rows[k];
    labels[i] = view.labels[k];
  }
  return { ...view, rows, labels, n: rows.length };
}

/**
 * Map from an h×w×c image to an H×W×C one: zero padding centred (⌊(H−h)/2⌋ rows on top,
 * ⌊(W−w)/2⌋ columns on the left) and, for c = 1 → C = 3, the grey value in every channel.
 */
export function padAndReplicateMap(from: ImageShape, to: ImageShape): Int32Array {
  if (to.height < from.height || to.width < from.width) throw new Error(`padAndReplicateMap: cannot pad ${from.height}×${from.width} down to ${to.height}×${to.width}`);
  if (from.channels !== to.channels && from.channels !== 1) throw new Error(`padAndReplicateMap: ${from.channels} channels cannot become ${to.channels} (only 1 → C replicates)`);
  const top = Math.floor((to.height - from.height) / 2);
  const left = Math.floor((to.width - from.width) / 2);
  const map = new Int32Array(to.height * to.width * to.channels).fill(-1);
  for (let y = 0; y < from.height; y++) {
    for (let x = 0; x < from.width; x++) {
      for (let ch = 0; ch < to.channels; ch++) {
        const src = (y * from.width + x) * from.channels + (from.channels === 1 ? 0 : ch);
        map[((y + top) * to.width + (x + left)) * to.channels + ch] = src;
      }
    }
  }
  return map;
}

/**
 * Pixels of the given view rows, mapped and scaled to [0, 1], into `out` (length rows·h·w·c,
 * NHWC). This is the only place a view's pixels are materialised: one batch at a time.
 */
export function gatherPixels(view: DatasetView, viewRows: ArrayLike<number>, out?: Float32Array): Float32Array {
  const size = view.height * view.width * view.channels;
  const inSize = imageSize(view.base);
  const dst = out ?? new Float32Array(viewRows.length * size);
  if (dst.length < viewRows.length * size) throw new Error(`gatherPixels: out holds ${dst.length} values, ${viewRows.length * size} needed`);
  const src = view.base.images;
  const map = view.pixelMap;
  for (let i = 0; i < viewRows.length; i++) {
    const k = viewRows[i];
    if (!(k >= 0 && k < view.n)) throw new Error(`gatherPixels: row ${k} outside 0..${view.n - 1}`);
    const at = view.rows[k] * inSize;
    const o = i * size;
    if (map) {
      for (let j = 0; j < size; j++) {
        const m = map[j];
        dst[o + j] = m < 0 ? 0 : src[at + m] * PIXEL_SCALE;
      }
    } else {
      for (let j = 0; j < size; j++) dst[o + j] = src[at + j] * PIXEL_SCALE;
    }
  }
  return dst;
}
