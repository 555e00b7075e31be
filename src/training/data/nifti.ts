/**
 * NIfTI IO for the engine: read .nii/.nii.gz (NIfTI-1 and -2, either byte order) as float32
 * volumes, write NIfTI-1 masks and volumes in a source scan's geometry, and the voxel → world
 * affine. The implementation lives in ./nifti/ (one concern per file); this module is the API.
 *
 * Usage:
 *   const scan = await readNifti('case/BraTS-001-t1c.nii.gz');        // scan.data: Float32Array
 *   await writeNifti('run/predictions/BraTS-001-seg.nii.gz', scan.header, labels, { datatype: 'uint8' });
 */

export { type NiftiDatatype, type NiftiTypedArray, DATATYPES } from './nifti/datatypes';
export { NiftiError } from './nifti/errors';
export { type NiftiHeader, makeNiftiHeader, voxelCount } from './nifti/header';
export { niftiAffine, qformAffine } from './nifti/geometry';
export { type NiftiImage, type NiftiRawImage, readNifti, readNiftiHeader, readNiftiRaw } from './nifti/read';
export { type WriteNiftiOptions, encodeNifti1, writeNifti } from './nifti/write';
