/**
 * Image datasets as CSV, the form notMNIST, SVHN, CIFAR-10 and Fashion-MNIST copies often take:
 *
 * - 'pixels': `label,p0,p1,...` per row, h·w·c pixel values in HWC order (channel fastest; set
 *   channelOrder 'chw' for copies that store the R plane, then G, then B, like CIFAR's pickles).
 *   Values are integers 0..255, or numbers in [0, 1] with pixelMax 1 (scaled by 255, rounded).
 * - 'paths': `path,label` per row, the path relative to the CSV's folder, decoded with sharp to
 *   the requested shape (./decode); labels are integers or class names.
 *
 * A header line is recognised (and skipped) when it holds letters (pixels) or starts with a column
 * name such as `path`/`file`/`image` (paths); `header` forces either. Fields are unquoted (a
 * path in double quotes is unquoted, but may not contain a comma). Empty lines are ignored.
 *
 *   const ds = await loadImageCsv('fashion-mnist_test.csv', { height: 28, width: 28, channels: 1 });
 */

import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, join } from 'node:path';
import type { ImageDataset } from './dataset';
import { type SizeMismatch, checkShape, decodeImage, mapLimit } from './decode';
import { DatasetError, fsDatasetError } from './errors';
import { nameAndSplit } from './folder';
import type { ImageShape } from './view';

export interface ImageCsvOptions extends ImageShape {
  /** default 'auto': more than two columns → 'pixels', else 'paths'. */
  format?: 'auto' | 'pixels' | 'paths';
  /** true/false: the first line is/is not a header. Default: detected. */
  header?: boolean;
  /** class names in label order. Pixels: default '0'..'max label'. Paths: default the integer labels, or the names sorted. */
  classes?: readonly string[];
  /** the value meaning full intensity in a pixels CSV: 255 (default) or 1. */
  pixelMax?: 255 | 1;
  channelOrder?: 'hwc' | 'chw';
  /** at most this many rows (the first). */
  limit?: number;
  /** paths format: see ImageFolderOptions. */
  sizeMismatch?: SizeMismatch;
  skipUnreadable?: boolean;
  concurrency?: number;
  name?: string;
  split?: string;
}

interface Line {
  no: number; // 1-based line number in the file
  start: number;
  end: number;
}

function splitLines(bytes: Uint8Array): Line[] {
  const out: Line[] = [];
  let start = 0;
  let no = 1;
  for (let i = 0; i <= bytes.length; i++) {
    if (i === bytes.length || bytes[i] === 0x0a) {
      let end = i;
      if (end > start && bytes[end - 1] === 0x0d) end--;
      let blank = true;
      for (let j = start; j < end && blank; j++) if (bytes[j] !== 0x20 && bytes[j] !== 0x09) blank = false;
      if (!blank) out.push({ no, start, end });
      start = i + 1;
      no++;
    }
  }
  return out;
}

const text = (bytes: Uint8Array, l: Line): string => Buffer.from(bytes.buffer, bytes.byteOffset + l.start, l.end - l.start).toString('utf8');

/** The numbers of one line into `out`; returns how many fields the line has (even past out.length), or −(field+1) for a non-number. */
function parseNumbers(bytes: Uint8Array, l: Line, out: Float64Array): number {
  let field = 0;
  let i = l.start;
  while (i <= l.end) {
    let j = i;
    let v = 0;
    let simple = true;
    while (j < l.end && bytes[j] !== 0x2c) {
      const b = bytes[j];
      if (b >= 0x30 && b <= 0x39) v = v * 10 + (b - 0x30);
      else simple = false;
      j++;
    }
    if (!simple || j === i) {
      const s = Buffer.from(bytes.buffer, bytes.byteOffset + i, j - i).toString('latin1').trim();
      v = s === '' ? Number.NaN : Number(s);
      if (!Number.isFinite(v)) return -(field + 1);
    }
    if (field < out.length) out[field] = v;
    field++;
    i = j + 1;
  }
  return field;
}

export async function loadImageCsv(path: string, opts: ImageCsvOptions): Promise<ImageDataset> {
  checkShape(opts, `loadImageCsv(${path})`);
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (err) {
    throw fsDatasetError(path, err, 'CSV file');
  }
  let lines = splitLines(bytes);
  if (lines.length === 0) throw new DatasetError(path, 'CSV file is empty');
  const first = text(bytes, lines[0]);
  const firstFields = first.split(',').length;
  const format = opts.format && opts.format !== 'auto' ? opts.format : firstFields > 2 ? 'pixels' : 'paths';
  const header = opts.header ?? (format === 'pixels' ? /[a-df-z]/i.test(first) : /^\s*"?(path|file|filename|filepath|image|img)"?\s*,/i.test(first));
  if (header) lines = lines.slice(1);
  if (opts.limit !== undefined) lines = lines.slice(0, opts.limit);
  if (lines.length === 0) throw new DatasetError(path, 'CSV file has a header but no rows');
  const base = { ...nameAndSplit(path), ...(opts.name ? { name: opts.name } : {}), ...(opts.split ? { split: opts.split } : {}) };
  return format === 'pixels' ? parsePixelRows(path, bytes, lines, opts, base) : loadPathRows(path, bytes, lines, opts, base);
}

function parsePixelRows(path: string, bytes: Uint8Array, lines: Line[], opts: ImageCsvOptions, base: { name: string; split: string }): ImageDataset {
  const { height: h, width: w, channels: c } = opts;
  const size = h * w * c;
  const max = opts.pixelMax ?? 255;
  const chw = opts.channelOrder === 'chw' && c > 1;
  const row = new Float64Array(1 + size);
  const images = new Uint8Array(lines.length * size);
  const labels = new Int32Array(lines.length);
  let maxLabel = -1;
  lines.forEach((l, r) => {
    const got = parseNumbers(bytes, l, row);
    if (got < 0) throw new DatasetError(path, `line ${l.no}, column ${-got}: not a number`);
    if (got !== 1 + size) throw new DatasetError(path, `line ${l.no} has ${got} values, expected 1 label + ${h}×${w}×${c} = ${1 + size} pixels`);
    const y = row[0];
    if (!Number.isInteger(y) || y < 0) throw new DatasetError(path, `line ${l.no}: label ${y} is not a non-negative integer`);
    if (opts.classes && y >= opts.classes.length) throw new DatasetError(path, `line ${l.no}: label ${y} has no class name (option 'classes' has ${opts.classes.length})`);
    labels[r] = y;
    if (y > maxLabel) maxLabel = y;
    const o = r * size;
    for (let k = 0; k < size; k++) {
      const v = row[1 + k];
      if (!(v >= 0 && v <= max) || (max === 255 && !Number.isInteger(v))) {
        throw new DatasetError(path, `line ${l.no}, column ${k + 2}: pixel ${v} is not ${max === 255 ? 'an integer in 0..255' : 'a number in [0, 1]'}`);
      }
      // csv index k → HWC index: for chw, k = ch·h·w + p with p the pixel, stored at p·c + ch
      const at = chw ? (k % (h * w)) * c + Math.floor(k / (h * w)) : k;
      images[o + at] = max === 255 ? v : Math.round(v * 255);
    }
  });
  const classes = opts.classes ? [...opts.classes] : Array.from({ length: maxLabel + 1 }, (_, i) => String(i));
  return { ...base, images, labels, n: lines.length, height: h, width: w, channels: c, classes };
}

async function loadPathRows(path: string, bytes: Uint8Array, lines: Line[], opts: ImageCsvOptions, base: { name: string; split: string }): Promise<ImageDataset> {
  const dir = dirname(path);
  const rows = lines.map((l) => {
    const fields = text(bytes, l).split(',').map((f) => f.trim().replace(/^"(.*)"$/, '$1'));
    if (fields.length !== 2 || !fields[0] || !fields[1]) throw new DatasetError(path, `line ${l.no}: expected 'path,label', got ${JSON.stringify(text(bytes, l).slice(0, 80))}`);
    return { no: l.no, file: isAbsolute(fields[0]) ? fields[0] : join(dir, fields[0]), label: fields[1] };
  });
  const allInts = rows.every((r) => /^\d+$/.test(r.label));
  let classes: string[];
  let labelOf: (r: (typeof rows)[number]) => number;
  if (opts.classes) {
    classes = [...opts.classes];
    labelOf = (r) => {
      const i = allInts ? Number(r.label) : classes.indexOf(r.label);
      if (i < 0 || i >= classes.length) throw new DatasetError(path, `line ${r.no}: label '${r.label}' is not one of option 'classes' (${classes.join(', ')})`);
      return i;
    };
  } else if (allInts) {
    const maxLabel = Math.max(...rows.map((r) => Number(r.label)));
    classes = Array.from({ length: maxLabel + 1 }, (_, i) => String(i));
    labelOf = (r) => Number(r.label);
  } else {
    classes = [...new Set(rows.map((r) => r.label))].sort();
    labelOf = (r) => classes.indexOf(r.label);
  }
  const size = opts.height * opts.width * opts.channels;
  const decoded = await mapLimit(rows, opts.concurrency ?? 8, async (r) => {
    try {
      return await decodeImage(r.file, opts, opts.sizeMismatch ?? 'resize');
    } catch (err) {
      if (opts.skipUnreadable && err instanceof DatasetError) return null;
      if (err instanceof DatasetError) throw new DatasetError(err.path, `${err.message.slice(err.path.length + 2)} (listed on line ${r.no} of ${path})`, { cause: err });
      throw err;
    }
  });
  const kept = rows.map((r, i) => ({ r, px: decoded[i] })).filter((k) => k.px !== null);
  if (kept.length === 0) throw new DatasetError(path, 'no readable images');
  const images = new Uint8Array(kept.length * size);
  const labels = new Int32Array(kept.length);
  kept.forEach((k, i) => {
    images.set(k.px as Uint8Array, i * size);
    labels[i] = labelOf(k.r);
  });
  return { ...base, images, labels, n: kept.length, height: opts.height, width: opts.width, channels: opts.channels, classes };
}
