/**
 * BraTS case evaluation: per-region (WT, TC, ET) Dice and HD95 from label volumes, summary
 * statistics over cases, and a per-case CSV table — what `frugal evaluate` and the app's
 * evaluation view report (METHODS.md §3, scoring as the BraTS portal does it).
 *
 * Label volumes are row-major [D, H, W] (NIfTI order, x fastest); spacingDHW = [pz, py, px] mm
 * (NIfTI pixdim reversed, see hd95.ts). Empty-region conventions come from dice.ts / hd95.ts:
 * both empty → Dice 1, HD95 0; exactly one empty → Dice 0, HD95 373.13 mm.
 */
import { knownLabels, REGIONS, regionMask, type EtLabel, type Region } from '../data/brats/regions';
import { dice } from './dice';
import { checkGeometry } from './edt';
import { hd95 } from './hd95';

export interface RegionScores {
  dice: number;
  /** mm */
  hd95: number;
  predVoxels: number;
  gtVoxels: number;
}

export type CaseScores = Record<Region, RegionScores>;

export interface CaseResult {
  caseId: string;
  regions: CaseScores;
}

export type MetricName = 'dice' | 'hd95';
export type RegionStats = Record<Region, Record<MetricName, number>>;

export interface Summary {
  /** Number of cases summarised. */
  n: number;
  mean: RegionStats;
  /** Median with numpy's convention (mean of the two middle values for even n). */
  median: RegionStats;
  /** Population standard deviation (ddof = 0, numpy's default). */
  std: RegionStats;
}

function checkLabels(name: string, labels: ArrayLike<number>, et: EtLabel): void {
  const ok = knownLabels(et);
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i];
    if (l !== 0 && l !== 1 && l !== 2 && l !== et) {
      const hint = l === 3 || l === 4 ? ` (label ${l} marks ET in ${l === 3 ? 'BraTS 2023+: pass et = 3' : 'BraTS ≤ 2021: pass et = 4'})` : '';
      throw new Error(`metrics/brats-eval: ${name} voxel ${i} has label ${l}, not one of ${ok.join(', ')}${hint}`);
    }
  }
}

function count(mask: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < mask.length; i++) n += mask[i];
  return n;
}

/**
 * Dice, HD95 and voxel counts for WT, TC and ET of one case. Labels must be 0, 1, 2 or `et`
 * (4 up to BraTS 2021, 3 from 2023); anything else is an error rather than silently background.
 */
export function evaluateCase(
  predLabels: ArrayLike<number>,
  gtLabels: ArrayLike<number>,
  shapeDHW: [number, number, number],
  spacingDHW: [number, number, number],
  et: EtLabel = 4,
): CaseScores {
  checkGeometry('metrics/brats-eval (pred)', shapeDHW, spacingDHW, predLabels.length);
  checkGeometry('metrics/brats-eval (gt)', shapeDHW, spacingDHW, gtLabels.length);
  checkLabels('pred', predLabels, et);
  checkLabels('gt', gtLabels, et);
  const out = {} as CaseScores;
  for (const r of REGIONS) {
    const p = regionMask(predLabels, r, et);
    const g = regionMask(gtLabels, r, et);
    out[r] = { dice: dice(p, g), hd95: hd95(p, g, shapeDHW, spacingDHW), predVoxels: count(p), gtVoxels: count(g) };
  }
  return out;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Mean, median and standard deviation of Dice and HD95 per region over cases. */
export function summarize(cases: readonly CaseResult[]): Summary {
  if (cases.length === 0) throw new Error('metrics/brats-eval summarize: no cases');
  const n = cases.length;
  const stats = (f: (xs: number[]) => number): RegionStats => {
    const out = {} as RegionStats;
    for (const r of REGIONS) {
      out[r] = { dice: f(cases.map((c) => c.regions[r].dice)), hd95: f(cases.map((c) => c.regions[r].hd95)) };
    }
    return out;
  };
  const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
  return {
    n,
    mean: stats(mean),
    median: stats(median),
    std: stats((xs) => {
      const m = mean(xs);
      return Math.sqrt(xs.reduce((a, x) => a + (x - m) * (x - m), 0) / xs.length);
    }),
  };
}

/** RFC 4180 field: quoted (with inner quotes doubled) when it holds a comma, quote, CR or LF. */
export function csvField(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export const CSV_COLUMNS = [
  'case',
  ...REGIONS.map((r) => `${r}_dice`),
  ...REGIONS.map((r) => `${r}_hd95`),
  ...REGIONS.map((r) => `${r}_pred_voxels`),
  ...REGIONS.map((r) => `${r}_gt_voxels`),
] as const;

/**
 * Per-case table, one row per case: case, WT/TC/ET Dice, WT/TC/ET HD95 (mm), then predicted and
 * ground-truth voxel counts per region. RFC 4180: CRLF line ends (the last line too), the case
 * id quoted when needed. Numbers are written in full precision (shortest round-trip form).
 */
export function toCsv(rows: readonly CaseResult[]): string {
  const lines = [CSV_COLUMNS.join(',')];
  for (const { caseId, regions } of rows) {
    const cells = [
      csvField(caseId),
      ...REGIONS.map((r) => String(regions[r].dice)),
      ...REGIONS.map((r) => String(regions[r].hd95)),
      ...REGIONS.map((r) => String(regions[r].predVoxels)),
      ...REGIONS.map((r) => String(regions[r].gtVoxels)),
    ];
    lines.push(cells.join(','));
  }
  return lines.join('\r\n') + '\r\n';
}
