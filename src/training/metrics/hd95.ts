/**
 * 95th-percentile Hausdorff distance (HD95, mm) between two binary masks, as the BraTS portal
 * reports it (METHODS.md §3), following MedPy's `medpy.metric.binary.hd95`:
 *   1. surface voxels: mask voxels with at least one 6-connected neighbour outside the mask;
 *      voxels on the volume border count as surface (scipy's binary_erosion, border_value 0);
 *   2. distances (mm, voxel spacing applied) from every surface voxel of P to the nearest surface
 *      voxel of G, and from every surface voxel of G to the nearest of P;
 *   3. both lists concatenated, then numpy's default percentile (linear interpolation) at 95.
 * Empty masks (MedPy raises; BraTS convention): both empty → 0, exactly one empty → 373.13 mm.
 *
 * Distances come from an exact EDT (edt.ts) run on the bounding box of P ∪ G only. That is exact,
 * with no margin: every feature (a surface voxel of one mask) and every query point (a surface
 * voxel of the other) lies inside the box, and the separable EDT restricted to a box that
 * contains all features yields, at each box voxel, the minimum over all features (outside the
 * box there are none: every pass there would only see +∞). Surface detection is also unchanged
 * by cropping: a mask voxel on a box face either lies on the volume border or has its outward
 * neighbour outside the union (else the box would be larger), so treating out-of-box neighbours
 * as background is exactly the full-volume rule. Tested against the uncropped computation.
 */
import { checkGeometry, edtSquaredInPlace, type Shape3 } from './edt';

/** HD95 (mm) when exactly one of prediction and ground truth is empty (BraTS convention). */
export const HD95_EMPTY_PENALTY_MM = 373.13;

/** Bounding box [lo, hi) per axis (D, H, W) of the voxels set in either mask; null if both empty. */
function unionBox(
  pred: ArrayLike<number>,
  gt: ArrayLike<number>,
  shapeDHW: Shape3,
): { lo: [number, number, number]; hi: [number, number, number]; predAny: boolean; gtAny: boolean } | null {
  const [nd, nh, nw] = shapeDHW;
  let d0 = nd, h0 = nh, w0 = nw, d1 = -1, h1 = -1, w1 = -1;
  let predAny = false;
  let gtAny = false;
  let i = 0;
  for (let d = 0; d < nd; d++) {
    for (let h = 0; h < nh; h++) {
      for (let w = 0; w < nw; w++, i++) {
        const p = pred[i];
        const g = gt[i];
        if (p === 0 && g === 0) continue;
        if ((p !== 0 && p !== 1) || (g !== 0 && g !== 1)) {
          const [name, v] = p !== 0 && p !== 1 ? ['pred', p] : ['gt', g];
          throw new Error(`metrics/hd95: ${name}[${i}] = ${v}; HD95 takes binary masks (0/1)`);
        }
        if (p === 1) predAny = true;
        if (g === 1) gtAny = true;
        if (d < d0) d0 = d;
        if (d > d1) d1 = d;
        if (h < h0) h0 = h;
        if (h > h1) h1 = h;
        if (w < w0) w0 = w;
        if (w > w1) w1 = w;
      }
    }
  }
  if (d1 < 0) return null;
  return { lo: [d0, h0, w0], hi: [d1 + 1, h1 + 1, w1 + 1], predAny, gtAny };
}

/**
 * Surface of a binary mask in a box: mask voxels with a 6-neighbour outside the mask or outside
 * the box. Returns the flat indices of the surface voxels.
 */
function surfaceIndices(mask: Uint8Array, shapeDHW: Shape3): Int32Array {
  const [nd, nh, nw] = shapeDHW;
  const plane = nh * nw;
  const out: number[] = [];
  let i = 0;
  for (let d = 0; d < nd; d++) {
    for (let h = 0; h < nh; h++) {
      for (let w = 0; w < nw; w++, i++) {
        if (mask[i] === 0) continue;
        if (
          w === 0 || w === nw - 1 || h === 0 || h === nh - 1 || d === 0 || d === nd - 1 ||
          mask[i - 1] === 0 || mask[i + 1] === 0 ||
          mask[i - nw] === 0 || mask[i + nw] === 0 ||
          mask[i - plane] === 0 || mask[i + plane] === 0
        ) {
          out.push(i);
        }
      }
    }
  }
  return Int32Array.from(out);
}

/** Distances (mm) from each `from` voxel to the nearest `to` voxel, via one EDT over the box. */
function nearestDistances(from: Int32Array, to: Int32Array, grid: Float64Array, shapeDHW: Shape3, spacingDHW: Shape3): Float64Array {
  grid.fill(Infinity);
  for (let k = 0; k < to.length; k++) grid[to[k]] = 0;
  edtSquaredInPlace(grid, shapeDHW, spacingDHW);
  const out = new Float64Array(from.length);
  for (let k = 0; k < from.length; k++) out[k] = Math.sqrt(grid[from[k]]);
  return out;
}

export interface SurfaceDistances {
  /** For each surface voxel of pred, distance (mm) to the nearest surface voxel of gt. */
  predToGt: Float64Array;
  /** For each surface voxel of gt, distance (mm) to the nearest surface voxel of pred. */
  gtToPred: Float64Array;
}

type Distances = SurfaceDistances | { empty: true; predEmpty: boolean; gtEmpty: boolean };

function computeDistances(
  pred: ArrayLike<number>,
  gt: ArrayLike<number>,
  shapeDHW: Shape3,
  spacingDHW: Shape3,
  crop: boolean,
): Distances {
  checkGeometry('metrics/hd95', shapeDHW, spacingDHW, pred.length);
  checkGeometry('metrics/hd95', shapeDHW, spacingDHW, gt.length);
  const box = unionBox(pred, gt, shapeDHW);
  if (box === null) return { empty: true, predEmpty: true, gtEmpty: true };
  if (!box.predAny || !box.gtAny) return { empty: true, predEmpty: !box.predAny, gtEmpty: !box.gtAny };
  const [nd, nh, nw] = shapeDHW;
  const lo = crop ? box.lo : [0, 0, 0];
  const hi = crop ? box.hi : [nd, nh, nw];
  const bshape: Shape3 = [hi[0] - lo[0], hi[1] - lo[1], hi[2] - lo[2]];
  const [bd, bh, bw] = bshape;
  const p = new Uint8Array(bd * bh * bw);
  const g = new Uint8Array(bd * bh * bw);
  let j = 0;
  for (let d = lo[0]; d < hi[0]; d++) {
    for (let h = lo[1]; h < hi[1]; h++) {
      let i = lo[2] + nw * (h + nh * d);
      for (let w = 0; w < bw; w++, i++, j++) {
        p[j] = pred[i];
        g[j] = gt[i];
      }
    }
  }
  const ps = surfaceIndices(p, bshape);
  const gs = surfaceIndices(g, bshape);
  const grid = new Float64Array(bd * bh * bw);
  return {
    predToGt: nearestDistances(ps, gs, grid, bshape, spacingDHW),
    gtToPred: nearestDistances(gs, ps, grid, bshape, spacingDHW),
  };
}

/**
 * Directed surface distances (mm) both ways, or null when either mask is empty.
 * `crop: false` runs the EDT on the whole volume (for tests of the cropping argument above).
 */
export function surfaceDistancesMm(
  pred: ArrayLike<number>,
  gt: ArrayLike<number>,
  shapeDHW: Shape3,
  spacingDHW: Shape3,
  opts: { crop?: boolean } = {},
): SurfaceDistances | null {
  const r = computeDistances(pred, gt, shapeDHW, spacingDHW, opts.crop !== false);
  return 'empty' in r ? null : r;
}

/**
 * numpy.percentile(values, q) with the default 'linear' method: virtual index (n−1)·q/100,
 * interpolated with numpy's `_lerp` (which, for t ≥ 0.5, computes from the upper neighbour).
 * Sorts `values` in place.
 */
export function percentileLinear(values: Float64Array, q: number): number {
  if (values.length === 0) throw new Error('metrics/hd95 percentileLinear: no values');
  if (!(q >= 0 && q <= 100)) throw new Error(`metrics/hd95 percentileLinear: q must be in [0, 100], got ${q}`);
  values.sort();
  const pos = (values.length - 1) * (q / 100);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, values.length - 1);
  const t = pos - lo;
  const a = values[lo];
  const b = values[hi];
  const diff = b - a;
  return t >= 0.5 ? b - diff * (1 - t) : a + diff * t;
}

/**
 * HD95 in mm between binary masks (0/1) `pred` and `gt`, row-major [D, H, W]
 * (index = w + W·(h + H·d), NIfTI order with x fastest).
 *
 * spacingDHW is the voxel size in mm in the same axis order. NIfTI pixdim[1..3] is
 * [dx, dy, dz] (x fastest), so pass spacingDHW = [pixdim[3], pixdim[2], pixdim[1]] = [pz, py, px].
 *
 * Both empty → 0; exactly one empty → HD95_EMPTY_PENALTY_MM (373.13).
 */
export function hd95(
  pred: ArrayLike<number>,
  gt: ArrayLike<number>,
  shapeDHW: [number, number, number],
  spacingDHW: [number, number, number],
): number {
  const sd = computeDistances(pred, gt, shapeDHW, spacingDHW, true);
  if ('empty' in sd) return sd.predEmpty && sd.gtEmpty ? 0 : HD95_EMPTY_PENALTY_MM;
  const all = new Float64Array(sd.predToGt.length + sd.gtToPred.length);
  all.set(sd.predToGt, 0);
  all.set(sd.gtToPred, sd.predToGt.length);
  return percentileLinear(all, 95);
}
