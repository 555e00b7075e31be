/**
 * Self-paced learning: the newest 2-D projection of the Magnet-loss embedding ('embedding' events
 * replace the previous one), and what the scatter view needs to draw and hover it: a fit of the
 * points into a box with one scale for both axes (PCA distances stay honest), each cluster's rank
 * within its class (its marker shape), and the point nearest the pointer.
 */
import type { EngineEvent } from '../../shared/events';

export type EmbeddingEvent = Extract<EngineEvent, { type: 'embedding' }>;

export interface EmbeddingSnapshot {
  step: number;
  epoch: number;
  projection: string;
  points: readonly (readonly [number, number])[];
  labels: readonly number[];
  clusters: readonly number[];
  classNames: readonly string[];
  /** cluster id → 0-based rank among its class's clusters (ids ascending). */
  clusterRank: ReadonlyMap<number, number>;
  /** cluster id → its class (the class of its first point). */
  clusterClass: ReadonlyMap<number, number>;
}

export function snapshotOf(e: EmbeddingEvent): EmbeddingSnapshot {
  const n = Math.min(e.points.length, e.labels.length, e.clusters.length);
  const clusterClass = new Map<number, number>();
  for (let i = 0; i < n; i++) if (!clusterClass.has(e.clusters[i])) clusterClass.set(e.clusters[i], e.labels[i]);
  const clusterRank = new Map<number, number>();
  const next = new Map<number, number>();
  for (const id of [...clusterClass.keys()].sort((a, b) => a - b)) {
    const cls = clusterClass.get(id)!;
    clusterRank.set(id, next.get(cls) ?? 0);
    next.set(cls, (next.get(cls) ?? 0) + 1);
  }
  return {
    step: e.step,
    epoch: e.epoch,
    projection: e.projection,
    points: e.points.slice(0, n),
    labels: e.labels.slice(0, n),
    clusters: e.clusters.slice(0, n),
    classNames: e.classNames,
    clusterRank,
    clusterClass,
  };
}

export function className(s: Pick<EmbeddingSnapshot, 'classNames'>, label: number): string {
  return s.classNames[label] ?? `class ${label}`;
}

export interface Fit {
  /** data → pixel */
  x(v: number): number;
  y(v: number): number;
}

/** Fits the points into width × height minus `pad` on every side, same scale on both axes, y up. */
export function fitPoints(points: readonly (readonly [number, number])[], width: number, height: number, pad: number): Fit {
  let x0 = Infinity;
  let x1 = -Infinity;
  let y0 = Infinity;
  let y1 = -Infinity;
  for (const [px, py] of points) {
    if (!Number.isFinite(px) || !Number.isFinite(py)) continue;
    x0 = Math.min(x0, px);
    x1 = Math.max(x1, px);
    y0 = Math.min(y0, py);
    y1 = Math.max(y1, py);
  }
  if (!Number.isFinite(x0)) return { x: () => width / 2, y: () => height / 2 };
  // One scale for both axes: the largest at which both spans fit.
  const scale = Math.min((width - 2 * pad) / (x1 - x0 || 1e-12), (height - 2 * pad) / (y1 - y0 || 1e-12));
  const cx = (x0 + x1) / 2;
  const cy = (y0 + y1) / 2;
  return { x: (v) => width / 2 + (v - cx) * scale, y: (v) => height / 2 - (v - cy) * scale };
}

/** Index of the point drawn nearest (px, py), within `radius` pixels; -1 when none is. */
export function nearestPoint(s: Pick<EmbeddingSnapshot, 'points'>, fit: Fit, px: number, py: number, radius: number): number {
  let best = -1;
  let bestD = radius * radius;
  s.points.forEach(([x, y], i) => {
    const d = (fit.x(x) - px) ** 2 + (fit.y(y) - py) ** 2;
    if (d <= bestD) {
      bestD = d;
      best = i;
    }
  });
  return best;
}
