/**
 * The version-independent NIfTI header the engine works with: the geometry (grid, spacing,
 * qform, sform) and the few metadata fields that matter for reading and writing voxels.
 * NIfTI-1 and NIfTI-2 files both parse into it; the writer turns it back into NIfTI-1.
 */

import type { NiftiDatatype } from './datatypes';

export interface NiftiHeader {
  version: 1 | 2; // of the file it was read from (the writer always writes NIfTI-1)
  dims: [number, number, number]; // nx, ny, nz (x fastest on disk)
  pixdim: [number, number, number]; // voxel spacing in xyzt units (usually mm)
  qfac: number; // pixdim[0], ±1: -1 flips the k axis of the qform (left-handed voxel grid)
  qformCode: number;
  sformCode: number;
  quatern: [number, number, number]; // b, c, d of the qform rotation (a = sqrt(1 - b² - c² - d²))
  qoffset: [number, number, number]; // world position (mm) of voxel (0,0,0) under the qform
  srow: [number[], number[], number[]]; // srow_x, srow_y, srow_z (4 each): the sform affine rows
  xyztUnits: number; // NIfTI units code: 2 = mm, +8 = seconds
  datatype: NiftiDatatype; // on-disk type of the source
  sclSlope: number; // as stored; the reader has already applied them to `data`
  sclInter: number;
  description: string;
}

/** Number of voxels of the 3-D grid, nx·ny·nz. */
export function voxelCount(header: NiftiHeader): number {
  const [nx, ny, nz] = header.dims;
  return nx * ny * nz;
}

const UNITS_MM = 2; // NIFTI_UNITS_MM
const XFORM_SCANNER_ANAT = 1; // NIFTI_XFORM_SCANNER_ANAT

/**
 * A plain header for synthetic volumes: axis-aligned RAS+ (i → Right, j → Anterior, k → Superior),
 * spacing `pixdim` mm, qform_code = sform_code = 1 describing the same affine.
 *
 * `origin` is the voxel index (i, j, k), possibly fractional, that sits at world (0, 0, 0) mm;
 * it defaults to the grid centre ((n - 1) / 2 per axis), as scanners roughly centre the head.
 * The affine is then x = pixdim[0]·(i - origin[0]), and likewise for y, z.
 */
export function makeNiftiHeader(
  dims: [number, number, number],
  pixdim: [number, number, number] = [1, 1, 1],
  opts: { datatype?: NiftiDatatype; origin?: [number, number, number] } = {},
): NiftiHeader {
  for (let a = 0; a < 3; a++) {
    if (!Number.isInteger(dims[a]) || dims[a] < 1 || dims[a] > 32767) {
      throw new Error(`makeNiftiHeader: dims[${a}] must be an integer in 1..32767, got ${dims[a]}`);
    }
    if (!(pixdim[a] > 0) || !Number.isFinite(pixdim[a])) {
      throw new Error(`makeNiftiHeader: pixdim[${a}] must be a positive number, got ${pixdim[a]}`);
    }
  }
  const origin = opts.origin ?? [(dims[0] - 1) / 2, (dims[1] - 1) / 2, (dims[2] - 1) / 2];
  // 0 - x rather than -x, so an origin of 0 gives offset +0, not -0
  const offset = [0, 1, 2].map((a) => 0 - pixdim[a] * origin[a]) as [number, number, number];
  return {
    version: 1,
    dims: [dims[0], dims[1], dims[2]],
    pixdim: [pixdim[0], pixdim[1], pixdim[2]],
    qfac: 1,
    qformCode: XFORM_SCANNER_ANAT,
    sformCode: XFORM_SCANNER_ANAT,
    quatern: [0, 0, 0], // identity rotation
    qoffset: offset,
    srow: [
      [pixdim[0], 0, 0, offset[0]],
      [0, pixdim[1], 0, offset[1]],
      [0, 0, pixdim[2], offset[2]],
    ],
    xyztUnits: UNITS_MM,
    datatype: opts.datatype ?? 'float32',
    sclSlope: 1,
    sclInter: 0,
    description: '',
  };
}
