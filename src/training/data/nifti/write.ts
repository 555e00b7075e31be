/**
 * Writing NIfTI-1 (.nii, or .nii.gz by the extension) that keeps the source's geometry, so a
 * predicted mask written with a scan's header lies exactly on that scan in any viewer.
 *
 * Layout: 348-byte little-endian header, 4 zero extension bytes, voxels from offset 352. The header
 * keeps dims, pixdim (qfac in pixdim[0]), qform/sform codes, quaternion, qoffset, srow and
 * xyzt_units; scl_slope = 1, scl_inter = 0 (values are written unscaled), cal_min/cal_max span
 * the data. A NIfTI-2 source header is narrowed to NIfTI-1's int16 dims and float32 geometry.
 *
 * Writes are atomic and never clobber: bytes go to `<path>.tmp-<random>`, are fsynced, then
 * hard-linked to `path` (fails if it exists, even if it appeared meanwhile) or, with
 * `overwrite`, renamed over it.
 */

import { randomBytes } from 'node:crypto';
import { link, open, rename, rm, stat, unlink } from 'node:fs/promises';
import { endianness } from 'node:os';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { DATATYPES, type NiftiDatatype, isNiftiDatatype } from './datatypes';
import { NiftiError, fsError } from './errors';
import { type NiftiHeader, voxelCount } from './header';
import { NIFTI1_HEADER_BYTES } from './parse';

const gzipAsync = promisify(gzip);
const HOST_LE = endianness() === 'LE';
const VOX_OFFSET = 352; // 348-byte header + 4-byte extension flag (no extensions)
const DESCRIPTION = 'Frugal Studio';

export interface WriteNiftiOptions {
  datatype?: NiftiDatatype; // defaults to header.datatype
  overwrite?: boolean; // replace an existing file (default: throw)
}

/** Encode `data` (NIfTI voxel order) with `header`'s geometry as NIfTI-1 bytes. Integer types are rounded and clamped. */
export function encodeNifti1(path: string, header: NiftiHeader, data: ArrayLike<number>, datatype: NiftiDatatype): Uint8Array {
  const info = DATATYPES[datatype];
  const n = voxelCount(header);
  if (data.length !== n) {
    throw new NiftiError(path, `data has ${data.length} values but dims ${header.dims.join('×')} need ${n}`);
  }
  header.dims.forEach((d, a) => {
    if (!Number.isInteger(d) || d < 1 || d > 32767) {
      throw new NiftiError(path, `dims[${a}] = ${d} cannot be written to NIfTI-1 (int16 dims: 1..32767)`);
    }
  });

  const out = new Uint8Array(VOX_OFFSET + n * info.bytes);
  const voxels = new info.Array(out.buffer, VOX_OFFSET, n); // 352 is a multiple of 8: aligned for every type
  if (info.integer) {
    for (let i = 0; i < n; i++) {
      const v = Math.round(data[i]); // half-way values round up (Math.round)
      voxels[i] = v > info.max ? info.max : v < info.min ? info.min : v === v ? v : 0; // NaN → 0
    }
  } else {
    voxels.set(data);
  }
  let calMin = Infinity;
  let calMax = -Infinity;
  for (let i = 0; i < n; i++) {
    const v = voxels[i];
    if (v < calMin) calMin = v;
    if (v > calMax) calMax = v;
  }
  if (!(calMin <= calMax)) calMin = calMax = 0; // all NaN
  if (!HOST_LE && info.bytes > 1) {
    const b = Buffer.from(out.buffer, VOX_OFFSET, n * info.bytes);
    if (info.bytes === 2) b.swap16();
    else if (info.bytes === 4) b.swap32();
    else b.swap64();
  }

  const h = new DataView(out.buffer, 0, VOX_OFFSET);
  const i16 = (at: number, v: number): void => h.setInt16(at, v, true);
  const f32 = (at: number, v: number): void => h.setFloat32(at, v, true);
  h.setInt32(0, NIFTI1_HEADER_BYTES, true); // sizeof_hdr
  out[38] = 0x72; // regular = 'r' (ANALYZE legacy, expected by old readers)
  [3, header.dims[0], header.dims[1], header.dims[2], 1, 1, 1, 1].forEach((d, k) => i16(40 + 2 * k, d));
  i16(70, info.code); // datatype
  i16(72, 8 * info.bytes); // bitpix
  [header.qfac < 0 ? -1 : 1, ...header.pixdim, 1, 1, 1, 1].forEach((p, k) => f32(76 + 4 * k, p));
  f32(108, VOX_OFFSET);
  f32(112, 1); // scl_slope
  f32(116, 0); // scl_inter
  out[123] = header.xyztUnits & 0xff;
  f32(124, calMax);
  f32(128, calMin);
  for (let k = 0; k < DESCRIPTION.length; k++) out[148 + k] = DESCRIPTION.charCodeAt(k); // descrip[80]
  i16(252, header.qformCode);
  i16(254, header.sformCode);
  header.quatern.forEach((q, k) => f32(256 + 4 * k, q));
  header.qoffset.forEach((q, k) => f32(268 + 4 * k, q));
  header.srow.forEach((row, r) => {
    for (let c = 0; c < 4; c++) f32(280 + 16 * r + 4 * c, row[c] ?? 0);
  });
  out.set([0x6e, 0x2b, 0x31, 0], 344); // magic "n+1\0"; bytes 348..351 (extension flag) stay 0
  return out;
}

/** Write a 3-D volume as NIfTI-1 (.nii, or gzipped if `path` ends in .gz), atomically, never overwriting unless asked. */
export async function writeNifti(
  path: string,
  header: NiftiHeader,
  data: ArrayLike<number>,
  opts: WriteNiftiOptions = {},
): Promise<void> {
  const datatype = opts.datatype ?? header.datatype;
  if (!isNiftiDatatype(datatype)) throw new NiftiError(path, `cannot write datatype ${JSON.stringify(datatype)}`);
  const gz = /\.nii\.gz$/i.test(path);
  if (!gz && !/\.nii$/i.test(path)) throw new NiftiError(path, 'file name must end in .nii or .nii.gz');
  if (!opts.overwrite && (await exists(path))) throw existsError(path);

  const raw = encodeNifti1(path, header, data, datatype);
  const bytes = gz ? await gzipAsync(raw) : raw;

  const tmp = `${path}.tmp-${randomBytes(6).toString('hex')}`;
  try {
    const handle = await open(tmp, 'wx');
    try {
      await handle.writeFile(bytes);
      await handle.sync(); // the rename must not publish a file whose bytes are still in cache
    } finally {
      await handle.close();
    }
    if (opts.overwrite) {
      await rename(tmp, path);
    } else {
      await linkNoClobber(tmp, path);
      await unlink(tmp);
    }
  } catch (err) {
    await rm(tmp, { force: true }).catch(() => undefined);
    if (err instanceof NiftiError) throw err;
    throw fsError(path, err, 'write');
  }
}

function existsError(path: string): NiftiError {
  return new NiftiError(path, 'file already exists; not overwriting it (pass { overwrite: true } to replace it)');
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw fsError(path, err, 'write');
  }
}

/** link(2) refuses to replace `to`, atomically. Filesystems without hard links (FAT, some shares) fall back to check-then-rename. */
async function linkNoClobber(from: string, to: string): Promise<void> {
  try {
    await link(from, to);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw existsError(to);
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS') throw err;
    if (await exists(to)) throw existsError(to);
    await rename(from, to);
  }
}
