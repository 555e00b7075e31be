/**
 * The image-folder loader on real PNG and JPEG files written with sharp into a temp folder.
 * Pixel values are chosen grey (R = G = B) so the expected greyscale values are exact.
 */

import { mkdtempSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DatasetError } from './errors';
import { loadImageFolder, nameAndSplit } from './folder';

const root = mkdtempSync(join(tmpdir(), 'frugal-folder-test-'));
afterAll(() => rm(root, { recursive: true, force: true }));

/** A w×h RGB PNG whose pixel (x, y) is grey value base + x + 10·y. */
async function writeGreyPng(path: string, w: number, h: number, base: number): Promise<void> {
  const raw = Buffer.alloc(w * h * 3);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) raw.fill(base + x + 10 * y, (y * w + x) * 3, (y * w + x) * 3 + 3);
  await sharp(raw, { raw: { width: w, height: h, channels: 3 } }).png().toFile(path);
}

const ds1 = join(root, 'pets', 'train');
beforeAll(async () => {
  for (const c of ['dog', 'cat']) await mkdir(join(ds1, c), { recursive: true });
  await writeGreyPng(join(ds1, 'cat', 'b.png'), 4, 3, 100);
  await writeGreyPng(join(ds1, 'cat', 'a.png'), 4, 3, 50);
  await writeGreyPng(join(ds1, 'dog', 'x.png'), 4, 3, 0);
  await writeFile(join(ds1, 'dog', 'notes.txt'), 'ignored');
  await writeFile(join(ds1, 'dog', '.hidden.png'), 'ignored');
});

describe('image folder loader', () => {
  it('classes are the sub-folders in name order, images in name order, exact pixels', async () => {
    const ds = await loadImageFolder(ds1, { height: 3, width: 4, channels: 1 });
    expect([ds.name, ds.split, ds.n, ds.height, ds.width, ds.channels]).toEqual(['pets', 'train', 3, 3, 4, 1]);
    expect(ds.classes).toEqual(['cat', 'dog']);
    expect(Array.from(ds.labels)).toEqual([0, 0, 1]);
    expect(ds.files.map((f) => f.slice(ds1.length + 1))).toEqual(['cat/a.png', 'cat/b.png', 'dog/x.png']);
    // image 0 = cat/a.png: base 50, row y holds 50 + x + 10y
    expect(Array.from(ds.images.subarray(0, 12))).toEqual([50, 51, 52, 53, 60, 61, 62, 63, 70, 71, 72, 73]);
    const rgb = await loadImageFolder(ds1, { height: 3, width: 4, channels: 3, classes: ['dog', 'cat'] });
    expect(Array.from(rgb.labels)).toEqual([0, 1, 1]);
    expect(Array.from(rgb.images.subarray(0, 6))).toEqual([0, 0, 0, 1, 1, 1]); // dog/x.png, grey in R, G, B
  });

  it('resizes to the asked shape, or names a file of another size', async () => {
    const ds = await loadImageFolder(ds1, { height: 6, width: 8, channels: 1 });
    expect(ds.images.length).toBe(3 * 48);
    const err = await loadImageFolder(ds1, { height: 6, width: 8, channels: 1, sizeMismatch: 'error' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DatasetError);
    expect((err as Error).message).toBe(`${join(ds1, 'cat', 'a.png')}: image is 4×3 (width×height), expected 8×6; load with sizeMismatch 'resize' to scale it`);
  });

  it('reads JPEG too', async () => {
    const d = join(root, 'jpg');
    await mkdir(join(d, 'only'), { recursive: true });
    const raw = Buffer.alloc(8 * 8 * 3, 128);
    await sharp(raw, { raw: { width: 8, height: 8, channels: 3 } }).jpeg({ quality: 95 }).toFile(join(d, 'only', 'a.jpg'));
    const ds = await loadImageFolder(d, { height: 8, width: 8, channels: 3 });
    expect(Math.max(...Array.from(ds.images).map((v) => Math.abs(v - 128)))).toBeLessThanOrEqual(2); // lossy, flat grey
    expect([ds.name, ds.split]).toEqual(['jpg', 'all']);
  });

  it('errors name the folder or file: no classes, empty class, unreadable image, missing class', async () => {
    const d = join(root, 'bad');
    await mkdir(d, { recursive: true });
    await expect(loadImageFolder(d, { height: 2, width: 2, channels: 1 })).rejects.toThrow(`${d}: has no class sub-folders`);
    await mkdir(join(d, 'a'));
    await mkdir(join(d, 'b'));
    await writeGreyPng(join(d, 'a', '1.png'), 2, 2, 0);
    await expect(loadImageFolder(d, { height: 2, width: 2, channels: 1 })).rejects.toThrow(`${join(d, 'b')}: class 'b' has no images (.png, .jpg, .jpeg)`);
    await writeFile(join(d, 'b', 'broken.png'), 'not a png at all');
    await writeGreyPng(join(d, 'b', 'ok.png'), 2, 2, 9);
    await expect(loadImageFolder(d, { height: 2, width: 2, channels: 1 })).rejects.toThrow(new RegExp(`^${join(d, 'b', 'broken.png')}: unreadable image`));
    const skipped = await loadImageFolder(d, { height: 2, width: 2, channels: 1, skipUnreadable: true });
    expect(skipped.n).toBe(2);
    expect(skipped.skipped.map((s) => s.path)).toEqual([join(d, 'b', 'broken.png')]);
    await expect(loadImageFolder(d, { height: 2, width: 2, channels: 1, classes: ['a', 'z'] })).rejects.toThrow(`${d}: class folder(s) 'z' not found (present: a, b)`);
    await expect(loadImageFolder(join(root, 'nope'), { height: 2, width: 2, channels: 1 })).rejects.toThrow(`${join(root, 'nope')}: folder not found`);
    await expect(loadImageFolder(d, { height: 2, width: 2, channels: 2 })).rejects.toThrow(/option 'channels' must be 1 or 3, got 2/);
  });

  it('names datasets after the parent of a split folder', () => {
    expect(nameAndSplit('/data/svhn/test')).toEqual({ name: 'svhn', split: 'test' });
    expect(nameAndSplit('/data/cifar10/train.csv')).toEqual({ name: 'cifar10', split: 'train' });
    expect(nameAndSplit('/data/flowers')).toEqual({ name: 'flowers', split: 'all' });
  });
});
