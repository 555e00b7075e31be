/**
 * Label outlines computed in JS. NiiVue 0.69 has two outline features, neither usable here:
 * `overlayOutlineWidth` draws one black rim around the union of all overlays, and
 * `opts.atlasOutline` only raises the alpha of border voxels of a label atlas (its interior still
 * shows). A coloured per-label contour (ground truth as outline over a filled prediction) needs the
 * boundary voxels themselves, which this computes.
 *
 * A voxel is on the outline of its label when it is labelled (≠ 0) and a neighbour has a different
 * label (or lies outside the volume). `plane` picks the neighbours:
 *   - 0 | 1 | 2: the 4 in-plane neighbours of planes normal to that file axis: a 1-voxel contour on
 *     every slice of the view that cuts those planes (single-view layouts);
 *   - 'xyz': the 6 face neighbours in 3D: the surface, which in any plane is the in-plane contour
 *     plus the full cap where the structure starts or ends (the 3D render);
 *   - { slices }: the multiplanar layout shows one plane per view (the three planes through the
 *     crosshair), so those planes get their own in-plane contours and the rest of the volume keeps
 *     the surface for the 3D tile. One RGBA volume then gives every 2D view a true in-plane
 *     outline; the cost is a recompose when the crosshair changes slice.
 */
import type { Layout } from './keymap';
import { type Dims, fileAxisAlongWorld, voxelCount } from './volume-grid';

export type Axis = 0 | 1 | 2;
/** Planes through the crosshair: [file axis normal to the plane, index along it]. */
export interface CrosshairPlanes {
  slices: ReadonlyArray<readonly [Axis, number]>;
}
export type OutlinePlane = 'xyz' | Axis | CrosshairPlanes;

/** World axis along each single view's normal: axial z, coronal y, sagittal x. */
const VIEW_NORMAL = { axial: 2, coronal: 1, sagittal: 0 } as const;

/**
 * The outline plane for a layout: in-plane contours for one 2D view, the crosshair's three planes
 * for the multiplanar layout (given the crosshair's file voxel), surfaces otherwise.
 */
export function outlinePlaneFor(
  layout: Layout,
  affine: readonly (readonly number[])[] | null,
  crosshairFileVox: readonly [number, number, number] | null = null,
): OutlinePlane {
  if (layout === 'render' || !affine) return 'xyz';
  if (layout !== 'multiplanar') return fileAxisAlongWorld(affine, VIEW_NORMAL[layout]);
  if (!crosshairFileVox) return 'xyz';
  const axes = [VIEW_NORMAL.axial, VIEW_NORMAL.coronal, VIEW_NORMAL.sagittal].map((w) => fileAxisAlongWorld(affine, w));
  return { slices: axes.map((a) => [a, crosshairFileVox[a]] as const) };
}

/** A stable cache key for a plane choice. */
export function planeKey(plane: OutlinePlane): string {
  return typeof plane === 'object' ? plane.slices.map(([a, i]) => `${a}@${i}`).join(',') : String(plane);
}

/**
 * `surface` (the 'xyz' outline) with the given planes replaced by their in-plane outlines, written
 * into `out` (reused between crosshair moves). Planes with an index outside the volume are skipped.
 */
export function outlineOnSlices(
  labels: Uint8Array,
  dims: Dims,
  surface: Uint8Array,
  slices: CrosshairPlanes['slices'],
  out: Uint8Array = new Uint8Array(labels.length),
): Uint8Array {
  out.set(surface);
  const stride = [1, dims[0], dims[0] * dims[1]];
  for (const [a, c] of slices) {
    if (!(c >= 0 && c < dims[a])) continue;
    const p = a === 0 ? 1 : 0;
    const q = a === 2 ? 1 : 2;
    const [sp, sq, np, nq] = [stride[p], stride[q], dims[p], dims[q]];
    for (let uq = 0; uq < nq; uq++) {
      let n = c * stride[a] + uq * sq;
      for (let up = 0; up < np; up++, n += sp) {
        const v = labels[n];
        if (v === 0) {
          out[n] = 0;
          continue;
        }
        const edge =
          up === 0 || up === np - 1 || labels[n - sp] !== v || labels[n + sp] !== v ||
          uq === 0 || uq === nq - 1 || labels[n - sq] !== v || labels[n + sq] !== v;
        out[n] = edge ? 1 : 0;
      }
    }
  }
  return out;
}

export function outlineMask(labels: Uint8Array, dims: Dims, plane: OutlinePlane): Uint8Array {
  const [nx, ny, nz] = dims;
  if (labels.length !== voxelCount(dims)) throw new Error(`outlineMask: ${labels.length} labels for dims ${dims.join('×')}`);
  const useX = plane === 'xyz' || plane !== 0;
  const useY = plane === 'xyz' || plane !== 1;
  const useZ = plane === 'xyz' || plane !== 2;
  const sy = nx;
  const sz = nx * ny;
  const out = new Uint8Array(labels.length);
  for (let k = 0; k < nz; k++) {
    for (let j = 0; j < ny; j++) {
      let n = j * sy + k * sz;
      for (let i = 0; i < nx; i++, n++) {
        const v = labels[n];
        if (v === 0) continue;
        const edge =
          (useX && (i === 0 || i === nx - 1 || labels[n - 1] !== v || labels[n + 1] !== v)) ||
          (useY && (j === 0 || j === ny - 1 || labels[n - sy] !== v || labels[n + sy] !== v)) ||
          (useZ && (k === 0 || k === nz - 1 || labels[n - sz] !== v || labels[n + sz] !== v));
        if (edge) out[n] = 1;
      }
    }
  }
  return out;
}
