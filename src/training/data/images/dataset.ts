/**
 * The one in-memory image dataset type of the engine, shared by the packaged MNIST/Fashion-MNIST
 * loaders (../mnist), the folder and CSV loaders of user datasets (./folder, ./csv) and the
 * continual-learning benchmarks built on them.
 *
 * Pixels stay uint8 (0..255) in host memory and are scaled by PIXEL_SCALE = 1/255 only when a batch
 * is built (./batches): full MNIST train is 47 MB as uint8 against 188 MB as float32, and ten
 * Permuted-MNIST tasks share those 47 MB (a task is a view with a pixel map, ./view).
 */

/** uint8 pixel value → network input in [0, 1]. */
export const PIXEL_SCALE = 1 / 255;

export type Split = 'train' | 'test';

export interface ImageDataset {
  /** e.g. 'mnist', 'fashion-mnist', or a folder/CSV name. */
  readonly name: string;
  readonly split: Split | string;
  /** n × height × width × channels, row-major (NHWC), raw 0..255. */
  readonly images: Uint8Array;
  /** class index per image, 0 ≤ label < classes.length. */
  readonly labels: Int32Array;
  readonly n: number;
  readonly height: number;
  readonly width: number;
  readonly channels: number;
  /** class names; labels index into it. */
  readonly classes: readonly string[];
}

/** Pixels per image (height·width·channels). */
export function imageSize(ds: Pick<ImageDataset, 'height' | 'width' | 'channels'>): number {
  return ds.height * ds.width * ds.channels;
}

/** Count of each label, length classes.length (or k). */
export function classCounts(labels: ArrayLike<number>, k: number): number[] {
  const out = new Array<number>(k).fill(0);
  for (let i = 0; i < labels.length; i++) out[labels[i]]++;
  return out;
}

/** Bytes held by a dataset's arrays (what a load costs in host memory). */
export function datasetBytes(ds: ImageDataset): number {
  return ds.images.byteLength + ds.labels.byteLength;
}

/** A new dataset holding only the given rows, in the given order (rows are copied). */
export function selectRows(ds: ImageDataset, rows: ArrayLike<number>): ImageDataset {
  const size = imageSize(ds);
  const images = new Uint8Array(rows.length * size);
  const labels = new Int32Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i];
    if (!(r >= 0 && r < ds.n)) throw new Error(`selectRows: row ${r} outside 0..${ds.n - 1} of ${ds.name}/${ds.split}`);
    images.set(ds.images.subarray(r * size, (r + 1) * size), i * size);
    labels[i] = ds.labels[r];
  }
  return { ...ds, images, labels, n: rows.length };
}

/** Checks the invariants every loader promises; the error names the dataset and the field. */
export function validateDataset(ds: ImageDataset): void {
  const where = `${ds.name}/${ds.split}`;
  for (const f of ['n', 'height', 'width', 'channels'] as const) {
    if (!Number.isInteger(ds[f]) || ds[f] < (f === 'n' ? 0 : 1)) throw new Error(`${where}: field '${f}' must be a positive integer, got ${ds[f]}`);
  }
  if (ds.images.length !== ds.n * imageSize(ds)) {
    throw new Error(`${where}: field 'images' has ${ds.images.length} values, expected n·h·w·c = ${ds.n * imageSize(ds)}`);
  }
  if (ds.labels.length !== ds.n) throw new Error(`${where}: field 'labels' has ${ds.labels.length} values, expected n = ${ds.n}`);
  for (let i = 0; i < ds.n; i++) {
    const y = ds.labels[i];
    if (!(y >= 0 && y < ds.classes.length)) {
      throw new Error(`${where}: label ${y} of image ${i} is outside 0..${ds.classes.length - 1} (field 'classes' has ${ds.classes.length} names)`);
    }
  }
}
