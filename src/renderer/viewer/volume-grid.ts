/**
 * Voxel-grid helpers shared by the overlay computations: flat indexing, label decoding, grid
 * comparison and which file axis a view slices. Volumes are in NIfTI file order (x fastest), as
 * NiiVue keeps them in `NVImage.img`.
 */

export type Dims = readonly [number, number, number];

/** A decoded label volume: integer labels in file order plus its grid. */
export interface LabelVolume {
  dims: Dims;
  labels: Uint8Array;
}

export function voxelCount(dims: Dims): number {
  return dims[0] * dims[1] * dims[2];
}

export function flatIndex(dims: Dims, i: number, j: number, k: number): number {
  return i + dims[0] * (j + dims[1] * k);
}

/**
 * Raw voxel values (any numeric type, with NIfTI scl_slope / scl_inter; slope 0 means 1) → integer
 * labels 0..255. Values are rounded: seg files stored as float must still compare exactly.
 * Throws naming `what` if a value is not a small non-negative integer.
 */
export function decodeLabels(raw: ArrayLike<number>, slope: number, inter: number, what: string): Uint8Array {
  const s = slope === 0 || !Number.isFinite(slope) ? 1 : slope;
  const b = Number.isFinite(inter) ? inter : 0;
  const out = new Uint8Array(raw.length);
  for (let n = 0; n < raw.length; n++) {
    const v = Math.round(raw[n] * s + b);
    if (!(v >= 0 && v <= 255)) throw new Error(`${what}: voxel ${n} has value ${raw[n] * s + b}, not a label (0–255)`);
    out[n] = v;
  }
  return out;
}

/** Voxel counts per label value present (value → count), background included. */
export function labelCounts(labels: Uint8Array): Map<number, number> {
  const hist = new Uint32Array(256);
  for (let n = 0; n < labels.length; n++) hist[labels[n]]++;
  const out = new Map<number, number>();
  hist.forEach((c, v) => {
    if (c > 0) out.set(v, c);
  });
  return out;
}

/** Why two grids cannot be overlaid voxel for voxel, or null if they can. */
export function gridMismatch(scan: Dims, other: Dims, otherName: string): string | null {
  if (scan[0] === other[0] && scan[1] === other[1] && scan[2] === other[2]) return null;
  return `${otherName} has dims ${other.join('×')} but the scan has ${scan.join('×')}; it cannot be overlaid voxel for voxel`;
}

/** Largest absolute difference between two 4×4 affines (row-major number[][]), in mm. */
export function affineDifference(a: readonly (readonly number[])[], b: readonly (readonly number[])[]): number {
  let d = 0;
  for (let r = 0; r < 3; r++) for (let c = 0; c < 4; c++) d = Math.max(d, Math.abs((a[r]?.[c] ?? 0) - (b[r]?.[c] ?? 0)));
  return d;
}

/**
 * Which file axis (0 i, 1 j, 2 k) runs along world axis `world` (0 x/left-right, 1 y/posterior-
 * anterior, 2 z/inferior-superior): the column of the affine with the largest |component| in that
 * row. An axial view (normal along world z) shows planes of constant index along that file axis.
 */
export function fileAxisAlongWorld(affine: readonly (readonly number[])[], world: 0 | 1 | 2): 0 | 1 | 2 {
  let best: 0 | 1 | 2 = world;
  let bestMag = -1;
  for (const c of [0, 1, 2] as const) {
    const m = Math.abs(affine[world]?.[c] ?? 0);
    if (m > bestMag) {
      bestMag = m;
      best = c;
    }
  }
  return best;
}

/**
 * Voxel nearest the centroid of the labelled (≠ 0) voxels, in file indices, or null if none is
 * labelled. If the centroid itself is unlabelled (a ring, two lesions), the labelled voxel closest
 * to it, so the crosshair always lands on the tumour.
 */
export function labelCentroid(labels: Uint8Array, dims: Dims): [number, number, number] | null {
  const [nx, ny, nz] = dims;
  let n = 0;
  let si = 0;
  let sj = 0;
  let sk = 0;
  for (let k = 0, p = 0; k < nz; k++) {
    for (let j = 0; j < ny; j++) {
      for (let i = 0; i < nx; i++, p++) {
        if (labels[p] === 0) continue;
        n++;
        si += i;
        sj += j;
        sk += k;
      }
    }
  }
  if (n === 0) return null;
  const c: [number, number, number] = [Math.round(si / n), Math.round(sj / n), Math.round(sk / n)];
  if (labels[flatIndex(dims, c[0], c[1], c[2])] !== 0) return c;
  let best: [number, number, number] = c;
  let bestD = Infinity;
  for (let k = 0, p = 0; k < nz; k++) {
    for (let j = 0; j < ny; j++) {
      for (let i = 0; i < nx; i++, p++) {
        if (labels[p] === 0) continue;
        const d = (i - c[0]) ** 2 + (j - c[1]) ** 2 + (k - c[2]) ** 2;
        if (d < bestD) {
          bestD = d;
          best = [i, j, k];
        }
      }
    }
  }
  return best;
}
