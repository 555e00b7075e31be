/**
 * The RevBiFPN memory ledger as the Train view shows it ('experiments:memoryLedger', src/shared/api.ts
 * MemoryLedger): bytes with 3 significant digits, the twin/reversible ratio, how many samples fit
 * in a memory budget the user types, which config keys the ledger depends on (so the engine is not
 * asked again, up to a minute of measuring on a CPU, when only the learning rate changed), and the
 * two sweeps through the chosen row (over resolution, over num_ext_layers) as chart lines, measured
 * solid and extrapolated dashed.
 *
 * Numbers: the budget default is 8 GB (decimal, as formatBytes in lib/format.ts) because neither
 * 'app:info' nor 'engine:status' reports the machine's total memory; samples in a budget =
 * ⌊(budget − weightsBytes) / bytesPerSample⌋, weightsBytes being the parameters, their gradients
 * and AdamW's two moments (the engine's field, 4 × the weights).
 *
 * Usage: `samplesInBudget(parseBudget('8 GB').bytes, ledger.weightsBytes, ledger.chosen.reversibleBytesPerSample)`.
 */
import type { MemoryLedger, MemoryLedgerRow } from '../../shared/api';

/** The budget when nothing better is known: 8 GB (a common laptop). */
export const DEFAULT_BUDGET_BYTES = 8e9;
export const DEFAULT_BUDGET_TEXT = '8 GB';

/** Experiments the ledger (not the BraTS estimate) describes: 'revbifpn-classify', 'revbifpn-detect'. */
export function usesLedger(experimentId: string | null | undefined): boolean {
  return !!experimentId && experimentId.startsWith('revbifpn');
}

const UNITS: readonly [string, number][] = [
  ['TB', 1e12],
  ['GB', 1e9],
  ['MB', 1e6],
  ['kB', 1e3],
];

/** Bytes with `digits` significant digits in decimal units: 12345678 → '12.3 MB'; '—' when unknown. */
export function formatBytesSig(bytes: number | null | undefined, digits = 3): string {
  if (bytes === null || bytes === undefined || !Number.isFinite(bytes) || bytes < 0) return '—';
  if (bytes < 999.5) return `${Math.round(bytes)} B`;
  // The smallest unit that keeps the number under 1000 after rounding (999.96 MB → 1.00 GB).
  const units = [...UNITS].reverse(); // kB, MB, GB, TB
  for (const [i, [name, size]] of units.entries()) {
    if (Number((bytes / size).toPrecision(digits)) < 1000 || i === units.length - 1) return `${(bytes / size).toPrecision(digits)} ${name}`;
  }
  return '—';
}

/** How many times the twin's per-sample memory is the reversible net's; null when undefined. */
export function ledgerRatio(row: Pick<MemoryLedgerRow, 'reversibleBytesPerSample' | 'twinBytesPerSample'>): number | null {
  const { reversibleBytesPerSample: r, twinBytesPerSample: t } = row;
  return Number.isFinite(r) && Number.isFinite(t) && r > 0 && t >= 0 ? t / r : null;
}

export function formatRatio(ratio: number | null): string {
  return ratio === null ? '—' : `${ratio.toPrecision(3)}×`;
}

/**
 * Samples of one training step that fit: ⌊(budget − weights) / perSample⌋, 0 when the weights
 * alone fill the budget; null when a number is missing or the per-sample bytes are not positive.
 */
export function samplesInBudget(budgetBytes: number | null, weightsBytes: number, perSampleBytes: number): number | null {
  if (budgetBytes === null || !Number.isFinite(budgetBytes) || !Number.isFinite(weightsBytes) || !Number.isFinite(perSampleBytes) || perSampleBytes <= 0) return null;
  return Math.max(0, Math.floor((budgetBytes - weightsBytes) / perSampleBytes));
}

const BUDGET_UNITS: Record<string, number> = { '': 1e9, b: 1, k: 1e3, kb: 1e3, m: 1e6, mb: 1e6, g: 1e9, gb: 1e9, t: 1e12, tb: 1e12 };

/** A typed budget: '8 GB', '512mb', '1.5 g', '16' (GB when no unit) → bytes, or the problem. */
export function parseBudget(text: string): { bytes: number } | { error: string } {
  const m = /^\s*(\d+(?:\.\d*)?|\.\d+)\s*([a-z]*)\s*$/i.exec(text);
  if (!m) return { error: `'${text.trim()}' is not an amount of memory (e.g. 8 GB or 512 MB)` };
  const unit = BUDGET_UNITS[m[2].toLowerCase()];
  if (unit === undefined) return { error: `unknown unit '${m[2]}' (B, kB, MB, GB or TB)` };
  const bytes = Number(m[1]) * unit;
  if (!(bytes > 0)) return { error: 'the budget must be more than 0' };
  return { bytes };
}

/**
 * Config keys the ledger does not depend on: data and split, optimiser and schedule, evaluation
 * and post-processing, the seed, and `reversible` (the ledger measures both nets). Changing only
 * these keeps the shown ledger; anything else (size, width, ext, image size, head) asks again.
 */
export const LEDGER_IGNORED_KEYS: ReadonlySet<string> = new Set([
  'data',
  'valFraction',
  'limitPerClass',
  'trainLimit',
  'valLimit',
  'minCropScale',
  'labelSmoothing',
  'flip',
  'scoreThreshold',
  'nmsIou',
  'maxDetections',
  'reversible',
  'seed',
  'batchSize',
  'epochs',
  'lr',
  'weightDecay',
  'warmupSteps',
  'decay',
  'minLr',
  'validateEvery',
  'checkpointEvery',
  'keepCheckpoints',
]);

/** Identity of a ledger request: the experiment and the keys the ledger depends on, sorted. */
export function ledgerKey(experimentId: string, config: Record<string, unknown>): string {
  const kept = Object.keys(config)
    .filter((k) => !LEDGER_IGNORED_KEYS.has(k))
    .sort()
    .map((k) => [k, config[k]]);
  return JSON.stringify([experimentId, kept]);
}

export type LedgerAxis = 'resolution' | 'extLayers';

/**
 * The ledger's rows on the line through the chosen row along `axis` (the other coordinate held at
 * the chosen value), the chosen row included, one per x (a measured row wins over an
 * extrapolated one at the same x), sorted by x.
 */
export function ledgerSweep(ledger: Pick<MemoryLedger, 'chosen' | 'rows'>, axis: LedgerAxis): MemoryLedgerRow[] {
  const other: LedgerAxis = axis === 'resolution' ? 'extLayers' : 'resolution';
  const byX = new Map<number, MemoryLedgerRow>();
  for (const r of [ledger.chosen, ...ledger.rows]) {
    if (r[other] !== ledger.chosen[other]) continue;
    const seen = byX.get(r[axis]);
    if (!seen || (!seen.measured && r.measured)) byX.set(r[axis], r);
  }
  return [...byX.values()].sort((a, b) => a[axis] - b[axis]);
}

export interface LedgerLine {
  net: 'reversible' | 'twin';
  /** false: the measured points (solid); true: the extrapolated ones (dashed). */
  extrapolated: boolean;
  /** Per x, in `unit`s; null where this line has no point. */
  values: (number | null)[];
}

export interface LedgerChart {
  x: number[];
  unit: { name: string; bytes: number };
  lines: LedgerLine[];
  /** Whether any point is extrapolated (then the legend says what dashed means). */
  extrapolated: boolean;
}

/** The display unit of a chart: the largest of kB, MB, GB with at least 1 of it at the maximum. */
export function chartUnit(maxBytes: number): { name: string; bytes: number } {
  const [name, bytes] = UNITS.slice(1).find(([, size]) => maxBytes >= size) ?? ['kB', 1e3];
  return { name, bytes };
}

/**
 * Chart lines of a sweep: for each net a solid line through its measured points and, when some
 * are extrapolated, a dashed one through those, starting at the measured neighbour so the two join;
 * lines without a point are left out.
 */
export function ledgerChart(rows: readonly MemoryLedgerRow[], axis: LedgerAxis): LedgerChart {
  const max = Math.max(0, ...rows.flatMap((r) => [r.reversibleBytesPerSample, r.twinBytesPerSample]));
  const unit = chartUnit(max);
  const extrapolated = rows.some((r) => !r.measured);
  const lines: LedgerLine[] = [];
  for (const net of ['reversible', 'twin'] as const) {
    const v = (r: MemoryLedgerRow): number => (net === 'reversible' ? r.reversibleBytesPerSample : r.twinBytesPerSample) / unit.bytes;
    lines.push({ net, extrapolated: false, values: rows.map((r) => (r.measured ? v(r) : null)) });
    if (extrapolated) {
      const near = (i: number): boolean => rows[i - 1]?.measured === false || rows[i + 1]?.measured === false;
      lines.push({ net, extrapolated: true, values: rows.map((r, i) => (!r.measured || near(i) ? v(r) : null)) });
    }
  }
  // A sweep with no measured point (all above the measured sizes) has no solid lines.
  return { x: rows.map((r) => r[axis]), unit, lines: lines.filter((l) => l.values.some((v) => v !== null)), extrapolated };
}

/** Line colours: the reversible net green (less memory), its twin orange. */
export const LEDGER_COLORS = { reversible: '#3fb950', twin: '#ff9f43' } as const;
/** uPlot dash pattern of extrapolated points. */
export const EXTRAPOLATED_DASH = [5, 4];
