/**
 * Turns the current label volumes and display settings into the overlay's RGBA voxels, caching
 * what is expensive and does not change with every slider move: outline masks per (volume, plane)
 * and the error classes per (ground truth, prediction, region). One RGBA buffer is reused.
 */
import type { EtLabel, Region } from './brats-labels';
import { type OverlaySettings, composeOverlay, sourceStyles } from './compose-overlay';
import { type ErrorCounts, type ErrorOverlay, computeErrorOverlay } from './error-overlay';
import { type OutlinePlane, outlineMask, outlineOnSlices, planeKey } from './outline';
import { type Dims, voxelCount } from './volume-grid';

export interface OverlayRequest {
  dims: Dims;
  gt: Uint8Array | null;
  pred: Uint8Array | null;
  settings: OverlaySettings;
  plane: OutlinePlane;
  errorRegion: Region;
}

export class OverlayPipeline {
  /** Whole-volume outlines per label volume and plane key ('xyz', '0', '1', '2'). */
  private readonly outlines = new WeakMap<Uint8Array, Map<string, Uint8Array>>();
  /** Per label volume, the buffer crosshair-plane outlines are written into. */
  private readonly scratch = new WeakMap<Uint8Array, Uint8Array>();
  private errors: { gt: Uint8Array; pred: Uint8Array; et: EtLabel; result: ErrorOverlay } | null = null;
  private buffer: Uint8Array | null = null;

  compose(r: OverlayRequest): { rgba: Uint8Array; counts: ErrorCounts | null } {
    const n = voxelCount(r.dims);
    if (!this.buffer || this.buffer.length !== n * 4) this.buffer = new Uint8Array(n * 4);
    const styles = sourceStyles(r.gt !== null, r.pred !== null, r.settings);
    let errors: ErrorOverlay | null = null;
    if (r.gt && r.pred) errors = this.errorOverlay(r.gt, r.pred, r.errorRegion, r.settings.et);
    const rgba = composeOverlay(
      {
        voxels: n,
        gt: r.gt,
        gtOutline: r.gt && styles.gt === 'outline' ? this.outline(r.gt, r.dims, r.plane) : null,
        pred: r.pred,
        predOutline: r.pred && styles.pred === 'outline' ? this.outline(r.pred, r.dims, r.plane) : null,
        errors: errors?.classes ?? null,
      },
      r.settings,
      this.buffer,
    );
    return { rgba, counts: errors?.counts ?? null };
  }

  private outline(labels: Uint8Array, dims: Dims, plane: OutlinePlane): Uint8Array {
    if (typeof plane === 'object') {
      let out = this.scratch.get(labels);
      if (!out) this.scratch.set(labels, (out = new Uint8Array(labels.length)));
      return outlineOnSlices(labels, dims, this.outline(labels, dims, 'xyz'), plane.slices, out);
    }
    let perPlane = this.outlines.get(labels);
    if (!perPlane) this.outlines.set(labels, (perPlane = new Map()));
    const key = planeKey(plane);
    let m = perPlane.get(key);
    if (!m) perPlane.set(key, (m = outlineMask(labels, dims, plane)));
    return m;
  }

  private errorOverlay(gt: Uint8Array, pred: Uint8Array, region: Region, et: EtLabel): ErrorOverlay {
    const e = this.errors;
    if (e && e.gt === gt && e.pred === pred && e.et === et && e.result.region === region) return e.result;
    const result = computeErrorOverlay(gt, pred, region, et);
    this.errors = { gt, pred, et, result };
    return result;
  }
}
