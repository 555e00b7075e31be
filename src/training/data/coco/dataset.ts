/**
 * A COCO detection dataset on disk (an instances JSON + an image folder), opened lazily: the JSON
 * is parsed and validated up front (./instances.ts) and the image files checked (existence, and
 * by default each file's header: format and size against the JSON), but pixels are decoded only
 * when a batch asks for them, through a small cache of resized images. So a set of thousands of
 * images opens in seconds and holds only the cache in memory.
 *
 * A batch is square S×S RGB float32 in [0, 1], channels-last [n, S, S, 3] (DESIGN.md), plus per
 * image the boxes as flat xyxy arrays [m·4] in the S×S frame (the convention of
 * detection/boxes.ts), their contiguous labels, iscrowd flags, and the transform that maps the
 * frame back to the original pixels:
 *   - 'letterbox' (default): scale s = min(S/W, S/H), image resized to round(W·s) × round(H·s)
 *     (sharp, Lanczos-3), placed at the top-left, the rest padded with `padValue` (default 0.5,
 *     mid-grey: about the mean colour, as zero padding after mean subtraction is in MMDetection).
 *   - 'stretch': resized to S×S, aspect ratio not kept.
 *   Per axis the exact factors are sx = rw/W, sy = rh/H, so box x ↦ x·sx, y ↦ y·sy.
 *   - horizontal flip (augment.hflip = probability, decided per image by the given seeded Rng):
 *     the resized content is mirrored inside its own width rw (the padding stays right/bottom),
 *     a box [x0, y0, x1, y1] ↦ [rw − x1, y0, rw − x0, y1]; pixel column j ↦ rw − 1 − j.
 * toOriginalBoxes() undoes all of it for predictions (then ./results.ts writes COCO results).
 *
 * Images are decoded without EXIF auto-rotation (as pycocotools/PIL read them), alpha dropped,
 * grey repeated in R, G, B. A decoded size different from the JSON's width/height is an error
 * naming the file and the entry (the boxes would not fit the pixels).
 *
 *   const ds = await openCocoDataset({ annotations: 'coco/annotations/instances_val2017.json', images: 'coco/val2017' });
 *   const b = await ds.loadBatch([0, 1, 2, 3], { size: 256, augment: { hflip: 0.5, rng: rng.fork('batch', step) } });
 *   tf.tensor4d(b.x, [b.n, b.size, b.size, 3]);   // [4, 256, 256, 3]
 */

import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import sharp, { type Metadata, type OutputInfo } from 'sharp';
import type { Rng } from '../../core/rng';
import { clipXyxy } from '../../detection/boxes';
import { mapLimit } from '../images/decode';
import { DatasetError } from '../images/errors';
import { type CocoInstances, readCocoInstances } from './instances';

export type CocoCheck = 'exists' | 'header' | 'decode';

export interface OpenCocoOptions {
  /** the instances JSON file. */
  annotations: string;
  /** the image folder; each `file_name` is relative to it. */
  images: string;
  /**
   * What is verified at open time, for every image: 'exists' (a file is there: fastest),
   * 'header' (default: sharp reads the header; format and width×height must match the JSON),
   * 'decode' (every image fully decoded once: also finds truncated files, slowest). Problems not
   * found at open time are still reported, naming the file, when a batch decodes it.
   */
  check?: CocoCheck;
  /** files checked or decoded at once (sharp works on libuv's thread pool). Default 8. */
  concurrency?: number;
  /** bytes of resized uint8 images kept between batches (least recently used out). Default 64 MiB. */
  cacheBytes?: number;
}

export interface BatchOptions {
  /** side S of the square batch images, px. */
  size: number;
  /** default 'letterbox'. */
  resize?: 'letterbox' | 'stretch';
  /** value of padded pixels in [0, 1]; default 0.5. */
  padValue?: number;
  /** horizontal flip with probability `hflip`, drawn in batch order from `rng` (fork one per batch for reproducible runs). */
  augment?: { hflip: number; rng: Rng };
}

/** How batch image i was made from its source image: enough to map boxes both ways. */
export interface ImageTransform {
  /** row in the dataset (index into `images`). */
  index: number;
  imageId: number;
  /** original size (the JSON's, checked against the file). */
  width: number;
  height: number;
  /** resized content size in the S×S frame (letterbox: ≤ S; stretch: = S). */
  resizedWidth: number;
  resizedHeight: number;
  /** resizedWidth / width and resizedHeight / height. */
  scaleX: number;
  scaleY: number;
  flipped: boolean;
}

export interface CocoBatch {
  n: number;
  size: number;
  /** [n, S, S, 3] NHWC, values in [0, 1]. */
  x: Float32Array;
  /** per image: [m·4] boxes x0, y0, x1, y1 in the S×S frame (crowd boxes included, see iscrowd). */
  boxes: Float32Array[];
  /** per image: [m] contiguous labels 0..K−1. */
  labels: Int32Array[];
  /** per image: [m] 1 for crowd regions (ignored by matching in COCO evaluation), else 0. */
  iscrowd: Uint8Array[];
  transforms: ImageTransform[];
}

export interface CocoDataset {
  instances: CocoInstances;
  imageDir: string;
  /** number of images. */
  n: number;
  /** category names in label order. */
  classes: string[];
  /** absolute-or-given path of each image. */
  paths: string[];
  loadBatch(indices: readonly number[], opts: BatchOptions): Promise<CocoBatch>;
  /** the resized uint8 images currently cached, and their bytes. */
  cacheStats(): { images: number; bytes: number };
}

/** "images[3] (id 7) of <file>": the JSON entry of image row i, for error messages. */
function entryOf(inst: CocoInstances, i: number): string {
  return `images[${i}] (id ${inst.images[i].id}) of ${inst.file}`;
}

function sharpProblem(err: unknown): string {
  // libvips repeats lines ("VipsJpeg: premature end of JPEG image\nVipsJpeg: ..."): keep the distinct ones.
  const lines = String((err as Error)?.message ?? err).split('\n').map((l) => l.trim()).filter(Boolean);
  return [...new Set(lines)].join('; ');
}

function imageError(inst: CocoInstances, path: string, i: number, err: unknown): DatasetError {
  const msg = sharpProblem(err);
  if (/ENOENT|no such file|input file is missing/i.test(msg)) return new DatasetError(path, `image file not found (${entryOf(inst, i)})`, { cause: err });
  return new DatasetError(path, `unreadable image (${msg}) (${entryOf(inst, i)})`, { cause: err });
}

/**
 * When several decodes run at once and one fails, sharp 0.35 / libvips 8.18 sometimes reports
 * just "Unknown error" (the libvips error text is lost between threads; seen here with a truncated
 * JPEG decoded beside a good PNG, about 1 time in 5). Decoding the file again on its own recovers
 * the real message ("VipsJpeg: premature end of JPEG image"); up to 3 tries.
 */
async function explainedImageError(inst: CocoInstances, path: string, i: number, err: unknown): Promise<DatasetError> {
  let e = err;
  for (let k = 0; k < 3 && /^(unknown error)?$/i.test(sharpProblem(e)); k++) {
    try {
      await sharp(path, { failOn: 'error' }).raw().toBuffer();
      break; // decodes now: keep the first report
    } catch (again) {
      e = again;
    }
  }
  return imageError(inst, path, i, e);
}

function checkSize(inst: CocoInstances, path: string, i: number, width: number | undefined, height: number | undefined): void {
  const im = inst.images[i];
  if (width !== im.width || height !== im.height) {
    throw new DatasetError(path, `image is ${width}×${height} (width×height) but ${entryOf(inst, i)} says ${im.width}×${im.height}`);
  }
}

/** Opens a COCO dataset: validates the JSON and checks the image files (see OpenCocoOptions.check). */
export async function openCocoDataset(opts: OpenCocoOptions): Promise<CocoDataset> {
  const inst = await readCocoInstances(opts.annotations);
  const imageDir = opts.images;
  const st = await stat(imageDir).catch(() => null);
  if (!st) throw new DatasetError(imageDir, `image folder not found (images of ${inst.file})`);
  if (!st.isDirectory()) throw new DatasetError(imageDir, `is a file, expected the image folder of ${inst.file}`);
  const paths = inst.images.map((im) => join(imageDir, im.fileName));
  const concurrency = opts.concurrency ?? 8;
  const check = opts.check ?? 'header';

  await mapLimit(paths, check === 'exists' ? 4 * concurrency : concurrency, async (path, i) => {
    if (check === 'exists') {
      const s = await stat(path).catch(() => null);
      if (!s) throw new DatasetError(path, `image file not found (${entryOf(inst, i)})`);
      if (!s.isFile()) throw new DatasetError(path, `is not a file (${entryOf(inst, i)})`);
      return;
    }
    let meta: Metadata;
    try {
      meta = await sharp(path).metadata();
    } catch (err) {
      throw await explainedImageError(inst, path, i, err);
    }
    checkSize(inst, path, i, meta.width, meta.height);
    if (check === 'decode') {
      await sharp(path, { failOn: 'error' })
        .raw()
        .toBuffer()
        .catch(async (err: unknown) => Promise.reject(await explainedImageError(inst, path, i, err)));
    }
  });

  // LRU cache of resized images: key "row:rw×rh" → RGB uint8 [rh, rw, 3]. Map keeps insertion order.
  const cacheLimit = opts.cacheBytes ?? 64 * 2 ** 20;
  const cache = new Map<string, Uint8Array>();
  let cacheBytes = 0;

  async function decodeResized(i: number, rw: number, rh: number): Promise<Uint8Array> {
    const key = `${i}:${rw}x${rh}`;
    const hit = cache.get(key);
    if (hit) {
      cache.delete(key); // most recently used goes last
      cache.set(key, hit);
      return hit;
    }
    const path = paths[i];
    let out: { data: Buffer; info: OutputInfo };
    try {
      const img = sharp(path, { failOn: 'error' });
      const meta = await img.metadata();
      checkSize(inst, path, i, meta.width, meta.height);
      out = await img.removeAlpha().toColourspace('srgb').resize(rw, rh, { fit: 'fill' }).raw().toBuffer({ resolveWithObject: true });
    } catch (err) {
      if (err instanceof DatasetError) throw err;
      throw await explainedImageError(inst, path, i, err);
    }
    if (out.info.channels !== 3 || out.info.width !== rw || out.info.height !== rh) {
      throw new DatasetError(path, `decoded to ${out.info.width}×${out.info.height}×${out.info.channels}, expected ${rw}×${rh}×3 (${entryOf(inst, i)})`);
    }
    const px = new Uint8Array(out.data.buffer, out.data.byteOffset, out.data.length);
    if (px.byteLength <= cacheLimit) {
      cache.set(key, px);
      cacheBytes += px.byteLength;
      for (const [k, v] of cache) {
        if (cacheBytes <= cacheLimit) break;
        cache.delete(k);
        cacheBytes -= v.byteLength;
      }
    }
    return px;
  }

  async function loadBatch(indices: readonly number[], bo: BatchOptions): Promise<CocoBatch> {
    const S = bo.size;
    if (!(Number.isInteger(S) && S >= 1)) throw new Error(`loadBatch(${inst.file}): size must be a positive integer, got ${S}`);
    const mode = bo.resize ?? 'letterbox';
    const pad = bo.padValue ?? 0.5;
    for (const i of indices) if (!(Number.isInteger(i) && i >= 0 && i < inst.images.length)) throw new Error(`loadBatch(${inst.file}): image row ${i} outside 0..${inst.images.length - 1}`);
    const hflip = bo.augment?.hflip ?? 0;
    const flips = indices.map(() => (hflip > 0 && bo.augment ? bo.augment.rng.bernoulli(hflip) : false));
    const transforms: ImageTransform[] = indices.map((i, k) => {
      const im = inst.images[i];
      const s = Math.min(S / im.width, S / im.height);
      const rw = mode === 'stretch' ? S : Math.min(S, Math.max(1, Math.round(im.width * s)));
      const rh = mode === 'stretch' ? S : Math.min(S, Math.max(1, Math.round(im.height * s)));
      return { index: i, imageId: im.id, width: im.width, height: im.height, resizedWidth: rw, resizedHeight: rh, scaleX: rw / im.width, scaleY: rh / im.height, flipped: flips[k] };
    });
    const pixels = await mapLimit(transforms, concurrency, (t) => decodeResized(t.index, t.resizedWidth, t.resizedHeight));

    const plane = S * S * 3;
    const x = new Float32Array(indices.length * plane).fill(pad); // [n, S, S, 3]
    const boxes: Float32Array[] = [];
    const labels: Int32Array[] = [];
    const iscrowd: Uint8Array[] = [];
    transforms.forEach((t, k) => {
      const src = pixels[k]; // [rh, rw, 3] uint8
      const rw = t.resizedWidth;
      for (let y = 0; y < t.resizedHeight; y++) {
        for (let j = 0; j < rw; j++) {
          const from = (y * rw + (t.flipped ? rw - 1 - j : j)) * 3;
          const to = k * plane + (y * S + j) * 3;
          x[to] = src[from] / 255;
          x[to + 1] = src[from + 1] / 255;
          x[to + 2] = src[from + 2] / 255;
        }
      }
      const anns = inst.annotationsOfImage[t.index];
      const b = new Float32Array(anns.length * 4); // [m·4] xyxy, S×S frame
      const l = new Int32Array(anns.length);
      const c = new Uint8Array(anns.length);
      anns.forEach((a, m) => {
        const ann = inst.annotations[a];
        const [bx, by, bw, bh] = ann.bbox;
        const x0 = bx * t.scaleX;
        const x1 = (bx + bw) * t.scaleX;
        b[4 * m] = t.flipped ? rw - x1 : x0;
        b[4 * m + 1] = by * t.scaleY;
        b[4 * m + 2] = t.flipped ? rw - x0 : x1;
        b[4 * m + 3] = (by + bh) * t.scaleY;
        l[m] = ann.label;
        c[m] = ann.iscrowd;
      });
      boxes.push(b);
      labels.push(l);
      iscrowd.push(c);
    });
    return { n: indices.length, size: S, x, boxes, labels, iscrowd, transforms };
  }

  return {
    instances: inst,
    imageDir,
    n: inst.images.length,
    classes: inst.categories.map((c) => c.name),
    paths,
    loadBatch,
    cacheStats: () => ({ images: cache.size, bytes: cacheBytes }),
  };
}

/**
 * Boxes in a batch's S×S frame (flat xyxy [m·4], e.g. predictions) → the original image's pixel
 * coordinates (flat xyxy, float64), undoing flip and scale, clipped to [0, W] × [0, H].
 */
export function toOriginalBoxes(boxes: ArrayLike<number>, t: ImageTransform): Float64Array {
  if (boxes.length % 4 !== 0) throw new Error(`toOriginalBoxes: flat box array length ${boxes.length} is not a multiple of 4`);
  const out = new Float64Array(boxes.length);
  for (let o = 0; o < boxes.length; o += 4) {
    const x0 = t.flipped ? t.resizedWidth - boxes[o + 2] : boxes[o];
    const x1 = t.flipped ? t.resizedWidth - boxes[o] : boxes[o + 2];
    out[o] = x0 / t.scaleX;
    out[o + 1] = boxes[o + 1] / t.scaleY;
    out[o + 2] = x1 / t.scaleX;
    out[o + 3] = boxes[o + 3] / t.scaleY;
  }
  return clipXyxy(out, t.width, t.height);
}
