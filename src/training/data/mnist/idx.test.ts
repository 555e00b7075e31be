/**
 * IDX reader tests on files written byte by byte here from the IDX layout (magic 00 00 type ndim,
 * big-endian uint32 dims, big-endian values), plain and gzipped, and on broken copies of them.
 */

import { mkdtempSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { DatasetError } from '../images/errors';
import { encodeIdx, loadIdxPair, parseIdx, readIdx } from './idx';

const dir = mkdtempSync(join(tmpdir(), 'frugal-idx-test-'));
afterAll(() => rm(dir, { recursive: true, force: true }));
const file = async (name: string, bytes: Uint8Array): Promise<string> => {
  const p = join(dir, name);
  await writeFile(p, bytes);
  return p;
};

// 3 images of 2×3 pixels with values 10·i + j, and their labels 7, 2, 9.
const IMAGES = Uint8Array.from([
  0x00, 0x00, 0x08, 0x03, // magic: uint8, 3 dims
  0x00, 0x00, 0x00, 0x03, // n = 3
  0x00, 0x00, 0x00, 0x02, // height = 2
  0x00, 0x00, 0x00, 0x03, // width = 3
  0, 1, 2, 3, 4, 5, //
  10, 11, 12, 13, 14, 15, //
  20, 21, 22, 23, 24, 25,
]);
const LABELS = Uint8Array.from([0x00, 0x00, 0x08, 0x01, 0x00, 0x00, 0x00, 0x03, 7, 2, 9]);

describe('IDX reader', () => {
  it('reads a hand-written image/label pair, plain and gzipped', async () => {
    const img = await file('imgs-idx3-ubyte', IMAGES);
    const labGz = await file('labels-idx1-ubyte.gz', gzipSync(LABELS));
    for (const [i, l] of [
      [img, await file('labels-idx1-ubyte', LABELS)],
      [await file('imgs-idx3-ubyte.gz', gzipSync(IMAGES)), labGz],
    ]) {
      const pair = await loadIdxPair(i, l);
      expect([pair.n, pair.height, pair.width, pair.channels]).toEqual([3, 2, 3, 1]);
      expect(Array.from(pair.images)).toEqual([0, 1, 2, 3, 4, 5, 10, 11, 12, 13, 14, 15, 20, 21, 22, 23, 24, 25]);
      expect(Array.from(pair.labels)).toEqual([7, 2, 9]);
    }
  });

  it('encodeIdx writes the same bytes (round trip)', () => {
    expect(Array.from(encodeIdx('uint8', [3, 2, 3], Array.from(IMAGES.subarray(16))))).toEqual(Array.from(IMAGES));
    expect(Array.from(encodeIdx('uint8', [3], [7, 2, 9]))).toEqual(Array.from(LABELS));
    const back = parseIdx(encodeIdx('float64', [2, 2], [0.5, -1, Math.PI, 1e300]), 'mem');
    expect(Array.from(back.data)).toEqual([0.5, -1, Math.PI, 1e300]);
  });

  it('decodes the other IDX types big-endian', () => {
    const head = (code: number, dims: number[]) => [0, 0, code, dims.length, ...dims.flatMap((d) => [0, 0, 0, d])];
    const cases: [string, number[], string, number[], number[]][] = [
      ['int8', head(0x09, [2]), 'int8', [0x80, 0x7f], [-128, 127]],
      ['int16', head(0x0b, [2]), 'int16', [0xff, 0xfe, 0x01, 0x00], [-2, 256]],
      ['int32', head(0x0c, [1, 2]), 'int32', [0xff, 0xff, 0xff, 0xff, 0x00, 0x01, 0x00, 0x00], [-1, 65536]],
      ['float32', head(0x0d, [1]), 'float32', [0x3f, 0xc0, 0x00, 0x00], [1.5]], // sign 0, exp 127, mantissa .1b
      ['float64', head(0x0e, [1]), 'float64', [0x40, 0x09, 0x21, 0xfb, 0x54, 0x44, 0x2d, 0x18], [Math.PI]],
    ];
    for (const [name, h, dtype, body, want] of cases) {
      const a = parseIdx(Uint8Array.from([...h, ...body]), name);
      expect(a.dtype).toBe(dtype);
      expect(Array.from(a.data)).toEqual(want);
    }
  });

  it('errors name the file and the field', async () => {
    const bad = async (name: string, bytes: Uint8Array, re: RegExp) => {
      const p = await file(name, bytes);
      const err = await readIdx(p).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DatasetError);
      expect((err as Error).message.startsWith(p)).toBe(true);
      expect((err as Error).message).toMatch(re);
    };
    await bad('trunc', IMAGES.subarray(0, IMAGES.length - 1), /truncated IDX data: dimensions \[3, 2, 3\] of uint8 need 18 bytes after the 16-byte header, only 17 follow/);
    await bad('trunc-head', IMAGES.subarray(0, 10), /truncated IDX header: 3 dimensions need 16 header bytes, the file has 10/);
    await bad('magic', Uint8Array.from([1, ...IMAGES.subarray(1)]), /not an IDX file: magic number must start with bytes 0x00 0x00, got 0x01 0x00/);
    await bad('type', Uint8Array.from([0, 0, 0x07, ...IMAGES.subarray(3)]), /unknown data type code 0x07/);
    await bad('extra', Uint8Array.from([...IMAGES, 0]), /IDX size mismatch: .* the file has 1 more/);
    await bad('corrupt.gz', gzipSync(IMAGES).subarray(0, 20), /corrupt or truncated gzip data/);
    await expect(readIdx(join(dir, 'absent'))).rejects.toThrow(/absent: IDX file not found/);
  });

  it('a labels file with another count names both files', async () => {
    const img = await file('img-pair', IMAGES);
    const lab = await file('lab-pair', Uint8Array.from([0, 0, 8, 1, 0, 0, 0, 2, 1, 2]));
    await expect(loadIdxPair(img, lab)).rejects.toThrow(`${lab}: IDX count mismatch: 2 labels, but images file ${img} holds 3 images`);
    const lab2d = await file('lab-2d', Uint8Array.from([0, 0, 8, 2, 0, 0, 0, 3, 0, 0, 0, 1, 1, 2, 3]));
    await expect(loadIdxPair(img, lab2d)).rejects.toThrow(/IDX labels must have 1 dimension \[n\], got \[3, 1\]/);
    const imgInt = await file('img-int16', encodeIdx('int16', [1, 1, 1], [5]));
    await expect(loadIdxPair(imgInt, lab)).rejects.toThrow(/IDX images must be uint8 \(type code 0x08\), got int16/);
  });
});
