/**
 * An image-classification folder: one sub-folder per class, PNG/JPEG images inside (the layout of
 * ImageNet-style sets and of notMNIST, SVHN or CIFAR-10 exported to images). Images are decoded
 * with sharp to the shape the caller asks for (e.g. 28×28×1 or 32×32×3), see ./decode.
 *
 *   const ds = await loadImageFolder('data/notmnist/train', { height: 28, width: 28, channels: 1 });
 *
 * Classes are the sub-folders in name order (or `classes`, which must each exist); hidden entries
 * and files of other extensions are ignored; images are taken in name order within a class.
 */

import { readdir, stat } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import type { ImageDataset } from './dataset';
import { IMAGE_EXTENSIONS, type SizeMismatch, checkShape, decodeImage, mapLimit } from './decode';
import { DatasetError, fsDatasetError } from './errors';
import type { ImageShape } from './view';

export interface ImageFolderOptions extends ImageShape {
  /** 'resize' (default) scales images of another size; 'error' rejects them. */
  sizeMismatch?: SizeMismatch;
  /** class names in label order; default: the sub-folders sorted by name. */
  classes?: readonly string[];
  /** at most this many images per class (the first in name order). */
  limitPerClass?: number;
  /** skip (and list) unreadable images instead of failing on the first. Default false. */
  skipUnreadable?: boolean;
  /** images decoded at once. Default 8. */
  concurrency?: number;
  /** dataset name; default the folder's name, or its parent's for a folder named train/test/val. */
  name?: string;
  split?: string;
}

export interface FolderDataset extends ImageDataset {
  /** the file of each row. */
  files: string[];
  /** images skipped with skipUnreadable, and why. */
  skipped: { path: string; reason: string }[];
}

/** 'data/svhn/train' → { name: 'svhn', split: 'train' }; 'data/flowers' → { name: 'flowers', split: 'all' }. */
export function nameAndSplit(path: string): { name: string; split: string } {
  const leaf = basename(path).replace(/\.csv$/i, '');
  if (/^(train|test|val|valid|validation)$/i.test(leaf)) return { name: basename(dirname(path)), split: leaf.toLowerCase() };
  return { name: leaf, split: 'all' };
}

const byName = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

async function listDir(dir: string): Promise<import('node:fs').Dirent[]> {
  try {
    return await readdir(dir, { withFileTypes: true });
  } catch (err) {
    throw fsDatasetError(dir, err, 'folder');
  }
}

/** A class folder's images in label order: the classes and every (path, label), not decoded. */
export interface ImageFolderListing {
  classes: string[];
  items: { path: string; label: number }[];
}

/** Lists `dir`'s class sub-folders and their images (see the header for the rules); nothing is decoded. */
export async function listImageFolder(dir: string, opts: Pick<ImageFolderOptions, 'classes' | 'limitPerClass'> = {}): Promise<ImageFolderListing> {
  const st = await stat(dir).catch((err) => Promise.reject(fsDatasetError(dir, err, 'folder')));
  if (!st.isDirectory()) throw new DatasetError(dir, 'is a file, expected a folder with one sub-folder per class');
  const entries = await listDir(dir);
  const subdirs = entries.filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => e.name).sort(byName);
  if (subdirs.length === 0) throw new DatasetError(dir, 'has no class sub-folders (expected one sub-folder of images per class)');
  const classes = opts.classes ? [...opts.classes] : subdirs;
  const missing = classes.filter((c) => !subdirs.includes(c));
  if (missing.length) throw new DatasetError(dir, `class folder(s) ${missing.map((m) => `'${m}'`).join(', ')} not found (present: ${subdirs.join(', ')})`);

  const items: { path: string; label: number }[] = [];
  for (let label = 0; label < classes.length; label++) {
    const cdir = join(dir, classes[label]);
    const files = (await listDir(cdir))
      .filter((e) => e.isFile() && !e.name.startsWith('.') && IMAGE_EXTENSIONS.includes(extname(e.name).toLowerCase()))
      .map((e) => e.name)
      .sort(byName);
    if (files.length === 0) throw new DatasetError(cdir, `class '${classes[label]}' has no images (${IMAGE_EXTENSIONS.join(', ')})`);
    const take = opts.limitPerClass ? files.slice(0, opts.limitPerClass) : files;
    for (const f of take) items.push({ path: join(cdir, f), label });
  }
  return { classes, items };
}

export async function loadImageFolder(dir: string, opts: ImageFolderOptions): Promise<FolderDataset> {
  checkShape(opts, `loadImageFolder(${dir})`);
  const { classes, items } = await listImageFolder(dir, opts);

  const size = opts.height * opts.width * opts.channels;
  const skipped: { path: string; reason: string }[] = [];
  const decoded = await mapLimit(items, opts.concurrency ?? 8, async (it) => {
    try {
      return await decodeImage(it.path, opts, opts.sizeMismatch ?? 'resize');
    } catch (err) {
      if (!opts.skipUnreadable || !(err instanceof DatasetError)) throw err;
      skipped.push({ path: it.path, reason: err.message });
      return null;
    }
  });
  const kept = items.map((it, i) => ({ ...it, px: decoded[i] })).filter((it) => it.px !== null);
  for (let c = 0; c < classes.length; c++) {
    if (!kept.some((it) => it.label === c)) throw new DatasetError(join(dir, classes[c]), `class '${classes[c]}' has no readable images`);
  }
  const images = new Uint8Array(kept.length * size);
  const labels = new Int32Array(kept.length);
  kept.forEach((it, i) => {
    images.set(it.px as Uint8Array, i * size);
    labels[i] = it.label;
  });
  skipped.sort((a, b) => byName(a.path, b.path));
  const { name, split } = nameAndSplit(dir);
  return {
    name: opts.name ?? name,
    split: opts.split ?? split,
    images,
    labels,
    n: kept.length,
    height: opts.height,
    width: opts.width,
    channels: opts.channels,
    classes,
    files: kept.map((it) => it.path),
    skipped,
  };
}
