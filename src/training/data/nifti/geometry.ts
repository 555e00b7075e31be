/**
 * Voxel → world geometry of a NIfTI header: the 4×4 affine mapping voxel indices (i, j, k) to
 * scanner coordinates in mm (RAS+: x Right, y Anterior, z Superior).
 *
 * Choice of transform (as nibabel and most viewers do): the sform when sform_code > 0, else the
 * qform quaternion when qform_code > 0 (NIfTI "method 2"), else the pixdim diagonal ("method 1").
 * The quaternion arithmetic follows nifti1_io.c `nifti_quatern_to_mat44`, including its
 * special case for 180° rotations and its replacement of non-positive spacings by 1.
 */

import type { NiftiHeader } from './header';

/** Row-major 4×4 affine: world = A · [i, j, k, 1]ᵀ. */
export function niftiAffine(header: NiftiHeader): number[][] {
  if (header.sformCode > 0) {
    return [[...header.srow[0]], [...header.srow[1]], [...header.srow[2]], [0, 0, 0, 1]];
  }
  if (header.qformCode > 0) return qformAffine(header);
  const [dx, dy, dz] = header.pixdim;
  return [
    [dx, 0, 0, 0],
    [0, dy, 0, 0],
    [0, 0, dz, 0],
    [0, 0, 0, 1],
  ];
}

/** The qform affine: rotation from the unit quaternion (a, b, c, d), columns scaled by spacing, k by qfac. */
export function qformAffine(header: NiftiHeader): number[][] {
  let [b, c, d] = header.quatern;
  let a = 1 - (b * b + c * c + d * d);
  if (a < 1e-7) {
    // (b, c, d) is (nearly) a unit vector: a 180° rotation. Renormalise, a = 0 (nifti1_io).
    const s = 1 / Math.sqrt(b * b + c * c + d * d);
    b *= s;
    c *= s;
    d *= s;
    a = 0;
  } else {
    a = Math.sqrt(a);
  }
  const [px, py, pz] = header.pixdim;
  const xd = px > 0 ? px : 1;
  const yd = py > 0 ? py : 1;
  const zd = (pz > 0 ? pz : 1) * (header.qfac < 0 ? -1 : 1);
  const [qx, qy, qz] = header.qoffset;
  return [
    [(a * a + b * b - c * c - d * d) * xd, 2 * (b * c - a * d) * yd, 2 * (b * d + a * c) * zd, qx],
    [2 * (b * c + a * d) * xd, (a * a + c * c - b * b - d * d) * yd, 2 * (c * d - a * b) * zd, qy],
    [2 * (b * d - a * c) * xd, 2 * (c * d + a * b) * yd, (a * a + d * d - c * c - b * b) * zd, qz],
    [0, 0, 0, 1],
  ];
}
