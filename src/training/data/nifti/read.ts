/**
 * Reading .nii and .nii.gz volumes. Gzip is detected from the bytes (1f 8b), not the name, and
 * inflated with Node's zlib on its thread pool (native, and it keeps the event loop free while a
 * 30 MB BraTS volume inflates). Voxels come back as float32 with scl_slope/scl_inter applied,
 * in NIfTI order (index = x + nx·(y + ny·z)).
 */

import { open, readFile } from 'node:fs/promises';
import { endianness } from 'node:os';
import { promisify } from 'node:util';
import { constants as zc, gunzip, gunzipSync } from 'node:zlib';
import { DATATYPES, type NiftiTypedArray } from './datatypes';
import { NiftiError, fsError } from './errors';
import { type NiftiHeader, voxelCount } from './header';
import { NIFTI2_HEADER_BYTES, type ParsedHeader, parseHeader } from './parse';

const gunzipAsync = promisify(gunzip);
const HOST_LE = endianness() === 'LE';

export interface NiftiImage {
  path: string;
  header: NiftiHeader;
  data: Float32Array; // scaled values (scl_slope/scl_inter applied), NIfTI voxel order
}

/**
 * Voxels as stored: on-disk type, host byte order, no scaling; exact where float32 is not
 * (int32/uint32 beyond ±2^24, float64). `raw` may view a larger buffer (the whole file), so use
 * `raw` itself, never `raw.buffer`.
 */
export interface NiftiRawImage {
  path: string;
  header: NiftiHeader;
  raw: NiftiTypedArray;
}

function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

function gzipError(path: string, err: unknown): NiftiError {
  return new NiftiError(path, `corrupt or truncated gzip data (${(err as Error).message})`, { cause: err });
}

/** The whole file, decompressed if gzipped. */
async function loadBytes(path: string): Promise<Uint8Array> {
  let file: Buffer;
  try {
    file = await readFile(path);
  } catch (err) {
    throw fsError(path, err, 'read');
  }
  if (!isGzip(file)) return file;
  try {
    return await gunzipAsync(file);
  } catch (err) {
    throw gzipError(path, err);
  }
}

function checkDataLength(path: string, parsed: ParsedHeader, available: number): void {
  const { header, voxOffset } = parsed;
  const needed = voxelCount(header) * DATATYPES[header.datatype].bytes;
  if (available - voxOffset < needed) {
    const [nx, ny, nz] = header.dims;
    throw new NiftiError(
      path,
      `truncated data: ${nx}×${ny}×${nz} ${header.datatype} voxels need ${needed} bytes after vox_offset ${voxOffset}, ` +
        `but only ${Math.max(0, available - voxOffset)} follow it`,
    );
  }
}

/** Typed view (or copy, when unaligned or byte-swapped) of the voxels in `bytes`. */
function decodeRaw(parsed: ParsedHeader, bytes: Uint8Array): NiftiTypedArray {
  const info = DATATYPES[parsed.header.datatype];
  const n = voxelCount(parsed.header);
  const start = bytes.byteOffset + parsed.voxOffset;
  const swap = info.bytes > 1 && parsed.littleEndian !== HOST_LE;
  if (!swap && start % info.bytes === 0) return new info.Array(bytes.buffer, start, n);
  const copy = new Uint8Array(n * info.bytes); // fresh buffer: offset 0, so aligned
  copy.set(bytes.subarray(parsed.voxOffset, parsed.voxOffset + n * info.bytes));
  if (swap) {
    const b = Buffer.from(copy.buffer, 0, copy.byteLength); // a view, swapped in place
    if (info.bytes === 2) b.swap16();
    else if (info.bytes === 4) b.swap32();
    else b.swap64();
  }
  return new info.Array(copy.buffer, 0, n);
}

/** Read a volume's voxels exactly as stored (see NiftiRawImage). */
export async function readNiftiRaw(path: string): Promise<NiftiRawImage> {
  const bytes = await loadBytes(path);
  const parsed = parseHeader(path, bytes);
  checkDataLength(path, parsed, bytes.length);
  return { path, header: parsed.header, raw: decodeRaw(parsed, bytes) };
}

/** Read a 3-D .nii/.nii.gz volume as float32 with scl_slope/scl_inter applied. */
export async function readNifti(path: string): Promise<NiftiImage> {
  const { header, raw } = await readNiftiRaw(path);
  const data = new Float32Array(raw.length);
  // NIfTI-1 §scl_slope: y = slope·x + inter when slope ≠ 0; slope 0 (or NaN/Inf) means unscaled.
  const slope = header.sclSlope;
  const inter = Number.isFinite(header.sclInter) ? header.sclInter : 0;
  if (Number.isFinite(slope) && slope !== 0 && (slope !== 1 || inter !== 0)) {
    for (let i = 0; i < raw.length; i++) data[i] = raw[i] * slope + inter; // in float64, then rounded once
  } else {
    data.set(raw); // native conversion to float32
  }
  return { path, header, data };
}

/**
 * Read only the header: the first 540 bytes of a .nii, or of a .nii.gz inflated from its first
 * compressed kilobytes (Z_SYNC_FLUSH lets zlib return what a partial stream holds). Checks what
 * readNifti checks except, for .nii.gz, the length of the data section (that needs a full inflate).
 */
export async function readNiftiHeader(path: string): Promise<NiftiHeader> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (err) {
    throw fsError(path, err, 'read');
  }
  try {
    const stat = await handle.stat();
    if (stat.isDirectory()) throw new NiftiError(path, 'is a directory, not a NIfTI file');
    const size = stat.size;
    const readPrefix = async (n: number): Promise<Uint8Array> => {
      const buf = Buffer.alloc(Math.min(n, size));
      const { bytesRead } = await handle.read(buf, 0, buf.length, 0);
      return buf.subarray(0, bytesRead);
    };
    let prefix = await readPrefix(NIFTI2_HEADER_BYTES);
    if (!isGzip(prefix)) {
      const parsed = parseHeader(path, prefix);
      checkDataLength(path, parsed, size);
      return parsed.header;
    }
    // Deflate expands at most ~1032×, so each try inflates at most ~1 KB per compressed byte.
    for (let chunk = 1024; ; chunk *= 4) {
      prefix = await readPrefix(chunk);
      let inflated: Uint8Array;
      try {
        inflated = gunzipSync(prefix, { finishFlush: zc.Z_SYNC_FLUSH });
      } catch (err) {
        throw gzipError(path, err);
      }
      if (inflated.length >= NIFTI2_HEADER_BYTES || chunk >= size) return parseHeader(path, inflated).header;
    }
  } catch (err) {
    if (err instanceof NiftiError) throw err;
    throw fsError(path, err, 'read');
  } finally {
    await handle.close();
  }
}
