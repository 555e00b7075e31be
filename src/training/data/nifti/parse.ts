/**
 * Header bytes → NiftiHeader, for NIfTI-1 (348-byte header, magic "n+1") and NIfTI-2 (540 bytes,
 * magic "n+2"), either byte order. nifti-reader-js parses the fields; this file decides what is
 * a NIfTI file at all, checks what the engine supports (single-file, 3-D, known datatype) and
 * reads the few fields the library gets wrong or hides:
 *  - NIfTI-1 srow_x/y/z: the library only exposes them through its `affine`, and only when
 *    sform_code >= qform_code; the writer must keep them whatever the codes are.
 *  - NIfTI-2 int64 dims and vox_offset: its getInt64At swaps the words of big-endian values and
 *    mis-signs negative ones; DataView.getBigInt64 is exact.
 */

import * as nifti from 'nifti-reader-js';
import { datatypeFromCode, unsupportedDatatypeMessage } from './datatypes';
import { NiftiError } from './errors';
import type { NiftiHeader } from './header';

export const NIFTI1_HEADER_BYTES = 348;
export const NIFTI2_HEADER_BYTES = 540;

/** A header plus what the reader needs to find and decode the voxels. */
export interface ParsedHeader {
  header: NiftiHeader;
  voxOffset: number; // byte offset of the first voxel in the (decompressed) file
  littleEndian: boolean;
}

function magicAt(bytes: Uint8Array, at: number): string {
  return String.fromCharCode(bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]);
}

function printable(s: string): string {
  return JSON.stringify(s.replace(/\0+$/, ''));
}

/** Parse and validate the header at the start of `bytes` (the decompressed file, or at least its first 540 bytes). */
export function parseHeader(path: string, bytes: Uint8Array): ParsedHeader {
  if (bytes.length < NIFTI1_HEADER_BYTES) {
    throw new NiftiError(path, `file is ${bytes.length} bytes, too short for a NIfTI header (${NIFTI1_HEADER_BYTES} bytes)`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // sizeof_hdr (first int32) is 348 or 540; its byte order is the file's byte order.
  const sizeLE = view.getInt32(0, true);
  const sizeBE = view.getInt32(0, false);
  const version: 1 | 2 = sizeLE === NIFTI1_HEADER_BYTES || sizeBE === NIFTI1_HEADER_BYTES ? 1 : 2;
  const littleEndian = sizeLE === NIFTI1_HEADER_BYTES || sizeLE === NIFTI2_HEADER_BYTES;
  if (![NIFTI1_HEADER_BYTES, NIFTI2_HEADER_BYTES].includes(littleEndian ? sizeLE : sizeBE)) {
    throw new NiftiError(path, `not a NIfTI file (sizeof_hdr is ${sizeLE}, expected 348 for NIfTI-1 or 540 for NIfTI-2)`);
  }
  const headerBytes = version === 1 ? NIFTI1_HEADER_BYTES : NIFTI2_HEADER_BYTES;
  if (bytes.length < headerBytes) {
    throw new NiftiError(path, `file is ${bytes.length} bytes, too short for a NIfTI-2 header (${headerBytes} bytes)`);
  }
  const magic = magicAt(bytes, version === 1 ? 344 : 4);
  const expected = version === 1 ? 'n+1\0' : 'n+2\0';
  if (magic === (version === 1 ? 'ni1\0' : 'ni2\0')) {
    throw new NiftiError(path, `is the header of a .hdr/.img pair (magic ${printable(magic)}); only single-file .nii/.nii.gz is supported`);
  }
  if (magic !== expected) {
    throw new NiftiError(path, `bad magic ${printable(magic)} (expected ${printable(expected)}): not a NIfTI-${version} file`);
  }

  // Hand the library exactly the header (a copy): no extension parsing, no gzip sniffing.
  const lib = version === 1 ? new nifti.NIFTI1() : new nifti.NIFTI2();
  try {
    lib.readHeader(bytes.slice(0, headerBytes).buffer);
  } catch (err) {
    throw new NiftiError(path, `unreadable NIfTI-${version} header (${(err as Error).message})`, { cause: err });
  }

  const int64 = (at: number): number => Number(view.getBigInt64(at, littleEndian));
  const dim = version === 1 ? lib.dims.slice(0, 8) : Array.from({ length: 8 }, (_, i) => int64(16 + 8 * i));
  checkDims(path, dim);

  const datatype = datatypeFromCode(lib.datatypeCode);
  if (!datatype) throw new NiftiError(path, unsupportedDatatypeMessage(lib.datatypeCode));

  let voxOffset = version === 1 ? Math.floor(lib.vox_offset) : int64(168);
  // vox_offset 0 in a single file is a writer bug nibabel also tolerates: data follows the header
  // and its 4-byte extension flag.
  if (!(voxOffset >= headerBytes)) voxOffset = headerBytes + 4;

  const srow =
    version === 1
      ? [0, 1, 2].map((r) => [0, 1, 2, 3].map((c) => view.getFloat32(280 + 4 * (4 * r + c), littleEndian)))
      : [0, 1, 2].map((r) => lib.affine[r].slice(0, 4));

  // Spacing 0 or non-finite is unusable; nifti1_io replaces it by 1 on read. qfac is only a sign.
  const spacing = (v: number): number => (Number.isFinite(v) && v !== 0 ? v : 1);
  const header: NiftiHeader = {
    version,
    dims: [dim[1], dim[2], dim[3]],
    pixdim: [spacing(lib.pixDims[1]), spacing(lib.pixDims[2]), spacing(lib.pixDims[3])],
    qfac: lib.pixDims[0] < 0 ? -1 : 1,
    qformCode: lib.qform_code,
    sformCode: lib.sform_code,
    quatern: [lib.quatern_b, lib.quatern_c, lib.quatern_d],
    qoffset: [lib.qoffset_x, lib.qoffset_y, lib.qoffset_z],
    srow: [srow[0], srow[1], srow[2]],
    xyztUnits: lib.xyzt_units,
    datatype,
    sclSlope: lib.scl_slope,
    sclInter: lib.scl_inter,
    description: lib.description.trim(),
  };
  return { header, voxOffset, littleEndian };
}

/** 3-D only: dim[0] = 3, or dim[0] in 4..7 with every dimension past z equal to 1. */
function checkDims(path: string, dim: number[]): void {
  const ndim = dim[0];
  const shown = `dim = [${dim.slice(0, Math.min(Math.max(ndim, 0), 7) + 1).join(', ')}]`;
  if (!Number.isInteger(ndim) || ndim < 1 || ndim > 7) {
    throw new NiftiError(path, `invalid dim[0] = ${ndim} (number of dimensions must be 1..7)`);
  }
  if (ndim < 3) throw new NiftiError(path, `is a ${ndim}-D image (${shown}); only 3-D volumes are supported`);
  for (let i = 4; i <= ndim; i++) {
    if (dim[i] !== 1) {
      throw new NiftiError(
        path,
        `is a ${ndim}-D series (${shown}, dim[${i}] = ${dim[i]}); only 3-D volumes are supported — split it into 3-D files first`,
      );
    }
  }
  for (let i = 1; i <= 3; i++) {
    if (!Number.isSafeInteger(dim[i]) || dim[i] < 1) {
      throw new NiftiError(path, `invalid dim[${i}] = ${dim[i]} (${shown}); image sizes must be positive`);
    }
  }
}
