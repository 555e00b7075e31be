/**
 * The CSV loader on small files written here: pixel rows (with and without a header, HWC and CHW,
 * 0..255 and [0, 1]), path rows pointing at PNGs made with sharp, and the errors for bad rows.
 */

import { mkdtempSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { loadImageCsv } from './csv';
import { DatasetError } from './errors';

const root = mkdtempSync(join(tmpdir(), 'frugal-csv-test-'));
afterAll(() => rm(root, { recursive: true, force: true }));
const csv = async (name: string, body: string): Promise<string> => {
  const p = join(root, name);
  await writeFile(p, body);
  return p;
};

describe('pixel CSV', () => {
  it('label,pixels rows with a Kaggle-style header, CRLF and a blank line', async () => {
    const p = await csv('train.csv', 'label,pixel1,pixel2,pixel3,pixel4\r\n3,0,10,20,255\r\n\r\n1,5,6,7,8\r\n');
    const ds = await loadImageCsv(p, { height: 2, width: 2, channels: 1 });
    expect([ds.name, ds.split, ds.n]).toEqual([root.split('/').pop(), 'train', 2]);
    expect(Array.from(ds.labels)).toEqual([3, 1]);
    expect(Array.from(ds.images)).toEqual([0, 10, 20, 255, 5, 6, 7, 8]);
    expect(ds.classes).toEqual(['0', '1', '2', '3']);
  });

  it('CHW rows become HWC; [0, 1] values are scaled by 255', async () => {
    // one 1×2 RGB image stored as planes R = (1, 2), G = (3, 4), B = (5, 6)
    const p = await csv('chw.csv', '0,1,2,3,4,5,6\n');
    const ds = await loadImageCsv(p, { height: 1, width: 2, channels: 3, channelOrder: 'chw', classes: ['x'] });
    expect(Array.from(ds.images)).toEqual([1, 3, 5, 2, 4, 6]);
    const q = await csv('unit.csv', '1,0,0.5,1,0.2\n');
    const u = await loadImageCsv(q, { height: 2, width: 2, channels: 1, pixelMax: 1 });
    expect(Array.from(u.images)).toEqual([0, 128, 255, 51]); // round(0.5·255 = 127.5) = 128, 0.2·255 = 51
  });

  it('errors name the file and line (and column)', async () => {
    const short = await csv('short.csv', '0,1,2,3,4\n1,2,3\n');
    await expect(loadImageCsv(short, { height: 2, width: 2, channels: 1 })).rejects.toThrow(`${short}: line 2 has 3 values, expected 1 label + 2×2×1 = 5 pixels`);
    const big = await csv('big.csv', '0,1,2,3,4\n1,2,3,300,4\n');
    await expect(loadImageCsv(big, { height: 2, width: 2, channels: 1 })).rejects.toThrow(`${big}: line 2, column 4: pixel 300 is not an integer in 0..255`);
    const word = await csv('word.csv', '0,1,2,3,4\n1,2,x3,3,4\n');
    await expect(loadImageCsv(word, { height: 2, width: 2, channels: 1 })).rejects.toThrow(`${word}: line 2, column 3: not a number`);
    const label = await csv('label.csv', '1.5,1,2,3,4\n');
    await expect(loadImageCsv(label, { height: 2, width: 2, channels: 1 })).rejects.toThrow(`${label}: line 1: label 1.5 is not a non-negative integer`);
    await expect(loadImageCsv(big, { height: 2, width: 2, channels: 1, classes: ['a'], format: 'pixels' })).rejects.toThrow(/line 2: label 1 has no class name/);
    await expect(loadImageCsv(join(root, 'none.csv'), { height: 2, width: 2, channels: 1 })).rejects.toThrow(/none\.csv: CSV file not found/);
    const err = await loadImageCsv(await csv('empty.csv', '\n\n'), { height: 2, width: 2, channels: 1 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DatasetError);
    expect((err as Error).message).toMatch(/empty\.csv: CSV file is empty/);
  });
});

describe('path CSV', () => {
  it('path,label rows: images relative to the CSV, class names sorted, decoded to the asked shape', async () => {
    const img = join(root, 'img');
    await mkdir(img);
    for (const [name, v] of [['a', 10], ['b', 200]] as const) {
      await sharp(Buffer.alloc(3 * 3 * 3, v), { raw: { width: 3, height: 3, channels: 3 } }).png().toFile(join(img, `${name}.png`));
    }
    const p = await csv('test.csv', 'path,label\nimg/a.png,zebra\n"img/b.png",ant\n');
    const ds = await loadImageCsv(p, { height: 3, width: 3, channels: 1 });
    expect(ds.classes).toEqual(['ant', 'zebra']);
    expect(Array.from(ds.labels)).toEqual([1, 0]);
    expect([ds.images[0], ds.images[9]]).toEqual([10, 200]);
    const missing = await csv('missing.csv', 'img/a.png,0\nimg/nope.png,1\n');
    await expect(loadImageCsv(missing, { height: 3, width: 3, channels: 1 })).rejects.toThrow(
      `${join(img, 'nope.png')}: image file not found (listed on line 2 of ${missing})`,
    );
    const bad = await csv('bad.csv', 'img/a.png\n');
    await expect(loadImageCsv(bad, { height: 3, width: 3, channels: 1, format: 'paths' })).rejects.toThrow(/bad\.csv: line 1: expected 'path,label'/);
  });
});
