/**
 * Reads a discovered BraTS case and checks it before it is trained on or predicted
 * (DESIGN.md "Data": bad input gets an error that names the file and the problem; it never
 * crashes the app). Checks: every file is readable NIfTI; all modalities and the segmentation
 * have the same dims and (within 1e-3 mm) the same spacing; every voxel is finite; segmentation
 * labels are in the scheme's set (0/1/2/4, or 0/1/2/3 from 2023).
 *
 * `validateCase` returns the problems; `loadCase` returns the volumes, or throws one error that
 * lists every error-level problem with its file. Both read each file once.
 */

import { readNifti, type NiftiHeader, type NiftiImage } from '../nifti';
import { MODALITIES, type BratsCase, type DatasetProblem } from './discover';
import { knownLabels, type EtLabel } from './regions';

export interface LoadedCase {
  id: string;
  /** Header of the first modality (t1): the geometry predictions are written back in. */
  header: NiftiHeader;
  shapeDHW: [number, number, number]; // [nz, ny, nx]
  spacingDHW: [number, number, number]; // [pz, py, px], mm
  /** [t1, t1ce, t2, flair], each [D, H, W] in NIfTI voxel order (x fastest). */
  modalities: Float32Array[];
  /** Segmentation labels [D, H, W], when the case has one. */
  labels?: Uint8Array;
  etLabel: EtLabel;
}

/** Spacings closer than this (mm) count as equal: headers written by different tools round pixdim. */
export const SPACING_TOLERANCE_MM = 1e-3;

const fmtShape = (d: readonly number[]): string => d.join('×');

interface ReadResult {
  problems: DatasetProblem[];
  images: Map<string, NiftiImage>;
}

async function readAndCheck(c: BratsCase): Promise<ReadResult> {
  const problems: DatasetProblem[] = [];
  const err = (path: string, message: string, severity: DatasetProblem['severity'] = 'error'): void => {
    problems.push({ caseId: c.id, path, severity, message });
  };
  const keys = [...MODALITIES, ...(c.files.seg !== undefined ? (['seg'] as const) : [])];
  const images = new Map<string, NiftiImage>();

  for (const key of keys) {
    const path = key === 'seg' ? c.files.seg! : c.files[key];
    try {
      images.set(key, await readNifti(path));
    } catch (e) {
      const msg = (e as Error).message;
      // NiftiError messages usually start with the path already; don't print it twice.
      err(path, msg.includes(path) ? msg : `${path}: ${msg}`);
    }
  }

  // Geometry: everything is compared with the first readable modality.
  const refKey = keys.find((k) => images.has(k));
  if (refKey !== undefined) {
    const ref = images.get(refKey)!;
    for (const key of keys) {
      const img = images.get(key);
      if (!img || key === refKey) continue;
      const [a, b] = [ref.header.dims, img.header.dims];
      if (a[0] !== b[0] || a[1] !== b[1] || a[2] !== b[2]) {
        err(img.path, `shape mismatch: ${ref.path} is ${fmtShape(a)} but ${img.path} is ${fmtShape(b)} (nx×ny×nz); all modalities and the segmentation must share one grid`);
        continue;
      }
      const [p, q] = [ref.header.pixdim, img.header.pixdim];
      if (p.some((v, i) => !(Math.abs(v - q[i]) <= SPACING_TOLERANCE_MM))) {
        err(img.path, `spacing mismatch: ${ref.path} has voxels ${fmtShape(p)} mm but ${img.path} has ${fmtShape(q)} mm`);
      }
    }
  }

  for (const [key, img] of images) {
    const d = img.data;
    let nonFinite = 0;
    let nonZero = 0;
    for (let i = 0; i < d.length; i++) {
      const v = d[i];
      if (!Number.isFinite(v)) nonFinite++;
      else if (v !== 0) nonZero++;
    }
    if (nonFinite > 0) err(img.path, `${nonFinite} of ${d.length} voxels are not finite (NaN or ±Inf)`);
    if (key !== 'seg' && nonZero === 0) err(img.path, 'every voxel is 0: an empty image has no brain to normalise', 'warning');
  }

  const seg = images.get('seg');
  if (seg) {
    const unknown = unknownLabelCounts(seg.data, knownLabels(c.etLabel));
    if (unknown.size > 0) {
      const list = [...unknown].map(([v, n]) => `${Number.isNaN(v) ? 'NaN' : v} (${n} voxel${n === 1 ? '' : 's'})`).join(', ');
      let hint = '';
      if (c.etLabel === 4 && unknown.has(3)) hint = '; 3 is the enhancing-tumour label of BraTS 2023+ (-t1n/-t1c/-t2w/-t2f/-seg names)';
      if (c.etLabel === 3 && unknown.has(4)) hint = '; 4 is the enhancing-tumour label up to BraTS 2021 (_t1/_t1ce/_t2/_flair/_seg names)';
      err(seg.path, `unknown label values ${list}; BraTS ${c.scheme} labels are ${knownLabels(c.etLabel).join(', ')}${hint}`);
    }
  }

  return { problems, images };
}

/** Counts of values not in `known` (non-integers and NaN included), ascending by value. */
export function unknownLabelCounts(data: ArrayLike<number>, known: readonly number[]): Map<number, number> {
  const isKnown = new Uint8Array(256);
  for (const k of known) isKnown[k] = 1;
  const small = new Float64Array(256); // counts of integer values 0..255, the common case
  const other = new Map<number, number>();
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v >= 0 && v < 256 && v === Math.floor(v)) {
      if (!isKnown[v]) small[v]++;
    } else {
      other.set(v, (other.get(v) ?? 0) + 1);
    }
  }
  const out: [number, number][] = [...other];
  for (let v = 0; v < 256; v++) if (small[v] > 0) out.push([v, small[v]]);
  out.sort((a, b) => (Number.isNaN(a[0]) ? 1 : Number.isNaN(b[0]) ? -1 : a[0] - b[0]));
  return new Map(out);
}

/** Every problem with the case's files (empty when it can be loaded). Never throws. */
export async function validateCase(c: BratsCase): Promise<DatasetProblem[]> {
  return (await readAndCheck(c)).problems;
}

/** Reads and checks a case; throws one error naming every bad file if it has an error-level problem. */
export async function loadCase(c: BratsCase): Promise<LoadedCase> {
  const { problems, images } = await readAndCheck(c);
  const errors = problems.filter((p) => p.severity === 'error');
  if (errors.length > 0) {
    throw new Error(`BraTS case ${c.id} cannot be loaded:\n${errors.map((p) => `  - ${p.message.includes(p.path) ? p.message : `${p.path}: ${p.message}`}`).join('\n')}`);
  }
  const first = images.get(MODALITIES[0])!;
  const [nx, ny, nz] = first.header.dims;
  const [px, py, pz] = first.header.pixdim;
  const loaded: LoadedCase = {
    id: c.id,
    header: first.header,
    shapeDHW: [nz, ny, nx],
    spacingDHW: [pz, py, px],
    modalities: MODALITIES.map((k) => images.get(k)!.data),
    etLabel: c.etLabel,
  };
  const seg = images.get('seg');
  if (seg) loaded.labels = Uint8Array.from(seg.data); // labels were checked to be integers in 0..4
  return loaded;
}
