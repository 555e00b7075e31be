/**
 * Window/level presets from robust percentiles of a volume's intensities.
 *
 * MRI intensities have no absolute scale (no Hounsfield units), so presets are percentiles of the
 * head's voxels: exact zeros are skull-stripped background in BraTS and are left out, otherwise
 * half the volume would sit at the 0th percentile. Percentiles come from a sample of about
 * `maxSamples` voxels (a 240×240×155 volume has 8.9 M), linear between order statistics. The
 * sample is picked by hashing the voxel index, not by a fixed stride: a stride that divides the
 * row length would sample the same columns of every row.
 */
import type { Modality } from '../../shared/api';

export interface WindowRange {
  min: number;
  max: number;
}

export type PresetId = 'auto' | 'brain' | 'tumour-bright' | 'tumour-dark' | 'full';

export interface WindowPreset extends WindowRange {
  id: PresetId;
  label: string;
  help: string;
}

export interface IntensityStats {
  /** Over all voxels, background included. */
  min: number;
  max: number;
  /** Percentile (0..100) → value, over non-zero voxels. */
  pct: Record<number, number>;
}

export const STAT_PERCENTILES = [0.5, 2, 50, 98, 99.5, 99.9] as const;

/** Sorted sample → value at percentile p (0..100), interpolating linearly. */
export function percentileOfSorted(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const pos = (Math.min(100, Math.max(0, p)) / 100) * (n - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(n - 1, lo + 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

export function intensityStats(raw: ArrayLike<number>, slope = 1, inter = 0, maxSamples = 262_144): IntensityStats {
  const s = slope === 0 || !Number.isFinite(slope) ? 1 : slope;
  const b = Number.isFinite(inter) ? inter : 0;
  let min = Infinity;
  let max = -Infinity;
  let nonZero = 0;
  for (let n = 0; n < raw.length; n++) {
    const v = raw[n] * s + b;
    if (!Number.isFinite(v)) continue;
    if (v < min) min = v;
    if (v > max) max = v;
    if (v !== 0) nonZero++;
  }
  if (min > max) return { min: 0, max: 1, pct: Object.fromEntries(STAT_PERCENTILES.map((p) => [p, 0])) };
  const skipZero = nonZero > 0;
  const stride = Math.max(1, Math.ceil((skipZero ? nonZero : raw.length) / maxSamples));
  const sample: number[] = [];
  let seen = 0;
  for (let n = 0; n < raw.length; n++) {
    const v = raw[n] * s + b;
    if (!Number.isFinite(v) || (skipZero && v === 0)) continue;
    if (stride === 1 || hashIndex(seen) % stride === 0) sample.push(v);
    seen++;
  }
  const sorted = Float64Array.from(sample).sort();
  return { min, max, pct: Object.fromEntries(STAT_PERCENTILES.map((p) => [p, percentileOfSorted(sorted, p)])) };
}

/** A deterministic 32-bit integer hash (Murmur3's finaliser). */
function hashIndex(n: number): number {
  let h = Math.imul(n ^ (n >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

function range(min: number, max: number): WindowRange {
  return max > min ? { min, max } : { min, max: min + 1 };
}

/** Presets for one modality; `auto` comes first and is what a reset returns to. */
export function windowPresets(stats: IntensityStats, modality: Modality): WindowPreset[] {
  const p = stats.pct;
  const out: WindowPreset[] = [
    { id: 'auto', label: 'auto', help: 'robust range: 2nd–98th percentile of head voxels', ...range(p[2], p[98]) },
    { id: 'brain', label: 'brain', help: 'wide range: 0.5th–99.5th percentile of head voxels', ...range(p[0.5], p[99.5]) },
  ];
  if (modality === 't1') {
    out.push({ id: 'tumour-dark', label: 'tumour-dark', help: '0.5th–50th percentile: hypointense tumour core on T1 stands out', ...range(p[0.5], p[50]) });
  } else {
    out.push({ id: 'tumour-bright', label: 'tumour-bright', help: 'median–99.9th percentile: hyperintense tumour and oedema stand out', ...range(p[50], p[99.9]) });
  }
  out.push({ id: 'full', label: 'full', help: 'minimum–maximum of all voxels', ...range(stats.min, stats.max) });
  return out;
}

/** Width and centre (level) of a window, as radiologists quote them. */
export function toWidthLevel(w: WindowRange): { width: number; level: number } {
  return { width: w.max - w.min, level: (w.max + w.min) / 2 };
}

export function fromWidthLevel(width: number, level: number): WindowRange {
  const half = Math.max(width, 1e-6) / 2;
  return { min: level - half, max: level + half };
}
