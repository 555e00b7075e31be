/**
 * IDX files, the format of MNIST and Fashion-MNIST (yann.lecun.com/exdb/mnist, "THE IDX FILE
 * FORMAT"): a 4-byte magic [0, 0, type code, number of dimensions], one big-endian uint32 per
 * dimension, then the values, big-endian, row-major (last index fastest).
 * Type codes: 0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32, 0x0D float32, 0x0E float64.
 *
 * Gzipped copies (.gz, as the files are distributed) are detected from the bytes (1f 8b), not the
 * name. uint8 data is returned as a view of the file's bytes (no copy).
 *
 *   const { images, labels, n, height, width } = await loadIdxPair('train-images-idx3-ubyte', 'train-labels-idx1-ubyte.gz');
 */

import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { DatasetError, fsDatasetError } from '../images/errors';

const gunzipAsync = promisify(gunzip);

export type IdxDtype = 'uint8' | 'int8' | 'int16' | 'int32' | 'float32' | 'float64';
export type IdxTypedArray = Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;

const TYPES: Record<number, { dtype: IdxDtype; bytes: number }> = {
  0x08: { dtype: 'uint8', bytes: 1 },
  0x09: { dtype: 'int8', bytes: 1 },
  0x0b: { dtype: 'int16', bytes: 2 },
  0x0c: { dtype: 'int32', bytes: 4 },
  0x0d: { dtype: 'float32', bytes: 4 },
  0x0e: { dtype: 'float64', bytes: 8 },
};
const CODE_OF: Record<IdxDtype, number> = { uint8: 0x08, int8: 0x09, int16: 0x0b, int32: 0x0c, float32: 0x0d, float64: 0x0e };

export interface IdxArray {
  path: string;
  dtype: IdxDtype;
  /** dimension sizes as stored, e.g. [60000, 28, 28]. */
  dims: number[];
  /** values in host order, row-major; uint8 views the file bytes. */
  data: IdxTypedArray;
}

const hex = (b: number): string => `0x${b.toString(16).padStart(2, '0')}`;

/** Parse an (already inflated) IDX file; `path` is only used in error messages. */
export function parseIdx(bytes: Uint8Array, path: string): IdxArray {
  if (bytes.length < 4) throw new DatasetError(path, `truncated IDX file: ${bytes.length} bytes, the 4-byte magic number alone needs 4`);
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    throw new DatasetError(path, `not an IDX file: magic number must start with bytes 0x00 0x00, got ${hex(bytes[0])} ${hex(bytes[1])}`);
  }
  const type = TYPES[bytes[2]];
  if (!type) throw new DatasetError(path, `IDX magic number: unknown data type code ${hex(bytes[2])} (expected 0x08, 0x09, 0x0b, 0x0c, 0x0d or 0x0e)`);
  const ndim = bytes[3];
  if (ndim === 0) throw new DatasetError(path, 'IDX magic number: number of dimensions is 0');
  const headerBytes = 4 + 4 * ndim;
  if (bytes.length < headerBytes) {
    throw new DatasetError(path, `truncated IDX header: ${ndim} dimensions need ${headerBytes} header bytes, the file has ${bytes.length}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims: number[] = [];
  for (let d = 0; d < ndim; d++) dims.push(view.getUint32(4 + 4 * d, false));
  const count = dims.reduce((a, b) => a * b, 1);
  const dataBytes = count * type.bytes;
  const have = bytes.length - headerBytes;
  if (have < dataBytes) {
    throw new DatasetError(
      path,
      `truncated IDX data: dimensions [${dims.join(', ')}] of ${type.dtype} need ${dataBytes} bytes after the ${headerBytes}-byte header, only ${have} follow`,
    );
  }
  if (have > dataBytes) {
    throw new DatasetError(path, `IDX size mismatch: dimensions [${dims.join(', ')}] of ${type.dtype} need ${dataBytes} data bytes, the file has ${have - dataBytes} more`);
  }
  const data = decode(type.dtype, view, headerBytes, count, bytes);
  return { path, dtype: type.dtype, dims, data };
}

function decode(dtype: IdxDtype, view: DataView, at: number, n: number, bytes: Uint8Array): IdxTypedArray {
  switch (dtype) {
    case 'uint8':
      return bytes.subarray(at, at + n);
    case 'int8':
      return new Int8Array(bytes.buffer, bytes.byteOffset + at, n);
    case 'int16': {
      const out = new Int16Array(n);
      for (let i = 0; i < n; i++) out[i] = view.getInt16(at + 2 * i, false);
      return out;
    }
    case 'int32': {
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++) out[i] = view.getInt32(at + 4 * i, false);
      return out;
    }
    case 'float32': {
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = view.getFloat32(at + 4 * i, false);
      return out;
    }
    case 'float64': {
      const out = new Float64Array(n);
      for (let i = 0; i < n; i++) out[i] = view.getFloat64(at + 8 * i, false);
      return out;
    }
  }
}

/** The bytes of an IDX file (magic, big-endian dims, big-endian values): the inverse of parseIdx. */
export function encodeIdx(dtype: IdxDtype, dims: number[], values: ArrayLike<number>): Uint8Array {
  const count = dims.reduce((a, b) => a * b, 1);
  if (values.length !== count) throw new Error(`encodeIdx: ${values.length} values for dimensions [${dims.join(', ')}] (${count})`);
  const width = TYPES[CODE_OF[dtype]].bytes;
  const head = 4 + 4 * dims.length;
  const out = new Uint8Array(head + count * width);
  const v = new DataView(out.buffer);
  out[2] = CODE_OF[dtype];
  out[3] = dims.length;
  dims.forEach((d, i) => v.setUint32(4 + 4 * i, d, false));
  for (let i = 0; i < count; i++) {
    const at = head + i * width;
    if (dtype === 'uint8') v.setUint8(at, values[i]);
    else if (dtype === 'int8') v.setInt8(at, values[i]);
    else if (dtype === 'int16') v.setInt16(at, values[i], false);
    else if (dtype === 'int32') v.setInt32(at, values[i], false);
    else if (dtype === 'float32') v.setFloat32(at, values[i], false);
    else v.setFloat64(at, values[i], false);
  }
  return out;
}

/** Read an IDX file, inflating it first when gzipped. */
export async function readIdx(path: string): Promise<IdxArray> {
  let file: Buffer;
  try {
    file = await readFile(path);
  } catch (err) {
    throw fsDatasetError(path, err, 'IDX file');
  }
  let bytes: Uint8Array = file;
  if (file.length >= 2 && file[0] === 0x1f && file[1] === 0x8b) {
    try {
      bytes = await gunzipAsync(file);
    } catch (err) {
      throw new DatasetError(path, `corrupt or truncated gzip data (${(err as Error).message})`, { cause: err });
    }
  }
  return parseIdx(bytes, path);
}

export interface IdxPair {
  /** n × height × width (× channels when the images file is 4-D), uint8. */
  images: Uint8Array;
  labels: Uint8Array;
  n: number;
  height: number;
  width: number;
  channels: number;
}

/** An images file (uint8, [n, h, w] or [n, h, w, c]) and its labels file (uint8, [n]), checked against each other. */
export async function loadIdxPair(imagesPath: string, labelsPath: string): Promise<IdxPair> {
  const [img, lab] = await Promise.all([readIdx(imagesPath), readIdx(labelsPath)]);
  if (img.dtype !== 'uint8') throw new DatasetError(imagesPath, `IDX images must be uint8 (type code 0x08), got ${img.dtype}`);
  if (img.dims.length !== 3 && img.dims.length !== 4) {
    throw new DatasetError(imagesPath, `IDX images must have 3 dimensions [n, height, width] (or 4 with channels), got [${img.dims.join(', ')}]`);
  }
  if (lab.dtype !== 'uint8') throw new DatasetError(labelsPath, `IDX labels must be uint8 (type code 0x08), got ${lab.dtype}`);
  if (lab.dims.length !== 1) throw new DatasetError(labelsPath, `IDX labels must have 1 dimension [n], got [${lab.dims.join(', ')}]`);
  const [n, height, width, channels = 1] = img.dims;
  if (lab.dims[0] !== n) {
    throw new DatasetError(labelsPath, `IDX count mismatch: ${lab.dims[0]} labels, but images file ${imagesPath} holds ${n} images`);
  }
  return { images: img.data as Uint8Array, labels: lab.data as Uint8Array, n, height, width, channels };
}
