/**
 * Runs of one method experiment grouped by method, for the Runs view's comparison:
 * - continual learning: the method is the head and the importance estimator of the run's config
 *   ('DHP+SI', 'SI', 'DHP Softmax', 'Finetune'); each group's average accuracy over all tasks,
 *   forgetting and BWT from each run's newest accuracy-matrix row, averaged over its runs;
 * - self-paced learning: the method is the config's `method` (spl-advise, spld, random); each
 *   group's test accuracy and admitted fraction per epoch, averaged over its runs.
 * Runs on different benchmarks, datasets or task counts are not comparable, so those go into
 * separate groups (labelled with the setting).
 */
import type { CurriculumCurve } from './curriculum';
import type { Curves } from './curves';

export interface RunForCompare {
  id: string;
  config: Readonly<Record<string, unknown>>;
  curves: Curves;
}

const str = (v: unknown): string | null => (typeof v === 'string' && v ? v : null);

/** What the run was trained on, where its config says so (benchmark or dataset). */
export function benchmarkOf(config: Readonly<Record<string, unknown>>): string | null {
  return str(config.benchmark) ?? str(config.dataset);
}

const IMPORTANCES: Record<string, string> = { ewc: 'EWC', 'online-ewc': 'Online EWC', si: 'SI', mas: 'MAS' };
const NO_IMPORTANCE = new Set(['none', 'finetune', 'off', '']);

interface ContinualMethod {
  label: string;
  /** Sort rank: no importance first, then EWC, Online EWC, SI, MAS, others; softmax before DHP. */
  rank: number;
}

function continualMethod(config: Readonly<Record<string, unknown>>): ContinualMethod {
  const head = str(config.head) ?? 'softmax';
  // The importance estimator's key, as the engine may name it.
  const imp = str(config.importance) ?? str(config.consolidation) ?? str(config.estimator) ?? 'none';
  const none = NO_IMPORTANCE.has(imp);
  const x = none ? '' : (IMPORTANCES[imp] ?? imp);
  const impRank = none ? 0 : Object.keys(IMPORTANCES).indexOf(imp) + 1 || Object.keys(IMPORTANCES).length + 1;
  // The poster's names (METHODS.md §4), as the engine's methodName() spells them.
  const label = head === 'dhp' ? (x ? `DHP+${x}` : 'DHP Softmax') : head === 'softmax' ? x || 'Finetune' : `${head}${x ? `+${x}` : ''}`;
  return { label, rank: impRank * 2 + (head === 'dhp' ? 1 : 0) };
}

/** 'Finetune', 'SI', 'DHP Softmax', 'DHP+Online EWC': the head and importance of the config, named as in the paper. */
export function continualMethodOf(config: Readonly<Record<string, unknown>>): string {
  return continualMethod(config).label;
}

export function curriculumMethodOf(run: RunForCompare): string {
  return str(run.config.method) ?? run.curves.curriculum?.method ?? 'unknown';
}

/**
 * Groups runs by method label; when the runs were trained on different settings (`settingOf`:
 * benchmark, task count), the setting prefixes the label, so only like is averaged with like.
 */
function groupBy<M extends { label: string; rank: number }>(
  runs: readonly RunForCompare[],
  methodOf: (r: RunForCompare) => M,
  settingOf: (r: RunForCompare) => string,
): { label: string; runs: RunForCompare[] }[] {
  const settings = new Set(runs.map(settingOf));
  const groups = new Map<string, { label: string; bench: string; rank: number; runs: RunForCompare[] }>();
  for (const r of runs) {
    const m = methodOf(r);
    const bench = settings.size > 1 ? settingOf(r) : '';
    const key = bench ? `${bench} · ${m.label}` : m.label;
    const g = groups.get(key) ?? { label: key, bench, rank: m.rank, runs: [] };
    g.runs.push(r);
    groups.set(key, g);
  }
  return [...groups.values()].sort((a, b) => a.bench.localeCompare(b.bench) || a.rank - b.rank || a.label.localeCompare(b.label));
}

const mean = (xs: readonly number[]): number | null => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);

export interface ContinualGroup {
  method: string;
  runIds: string[];
  /** Each run's average accuracy over the tasks seen, after its newest row. */
  accuracies: number[];
  averageAccuracy: number;
  forgetting: number | null;
  backwardTransfer: number | null;
  /** Runs that have not finished every task of their sequence yet. */
  partial: number;
}

/** One group per method, ordered by importance estimator, then head (softmax before DHP). */
export function groupContinual(runs: readonly RunForCompare[]): ContinualGroup[] {
  return groupBy(
    runs.filter((r) => r.curves.tasks),
    (r) => continualMethod(r.config),
    (r) => [str(r.config.benchmark), str(r.config.dataset), `${r.curves.tasks!.taskNames.length} tasks`].filter(Boolean).join(', '),
  ).map((g) => {
    const latest = g.runs.map((r) => r.curves.tasks!.latest);
    const accuracies = latest.map((e) => e.averageAccuracy);
    return {
      method: g.label,
      runIds: g.runs.map((r) => r.id),
      accuracies,
      averageAccuracy: mean(accuracies)!,
      forgetting: mean(latest.flatMap((e) => (e.forgetting === null ? [] : [e.forgetting]))),
      backwardTransfer: mean(latest.flatMap((e) => (e.backwardTransfer === null ? [] : [e.backwardTransfer]))),
      partial: g.runs.filter((r) => r.curves.tasks!.latest.afterTask < r.curves.tasks!.taskNames.length - 1).length,
    };
  });
}

export interface CurriculumGroup {
  method: string;
  runIds: string[];
  epochs: number[];
  /** Mean over the group's runs that reached each epoch. */
  testAccuracy: number[];
  admittedFraction: number[];
}

const METHOD_ORDER = ['spl-advise', 'spld', 'random'];

/** One group per method (spl-advise, spld, random first), each averaged per epoch over its runs. */
export function groupCurriculum(runs: readonly RunForCompare[]): CurriculumGroup[] {
  return groupBy(
    runs.filter((r) => r.curves.curriculum?.epochs.length),
    (r) => {
      const m = curriculumMethodOf(r);
      return { label: m, rank: METHOD_ORDER.includes(m) ? METHOD_ORDER.indexOf(m) : METHOD_ORDER.length };
    },
    (r) => benchmarkOf(r.config) ?? '?',
  ).map((g) => {
    const curves = g.runs.map((r) => r.curves.curriculum!);
    const epochs = [...new Set(curves.flatMap((c) => c.epochs))].sort((a, b) => a - b);
    // Mean over the runs that reached each epoch.
    const perEpoch = (pick: (c: CurriculumCurve) => readonly number[]): number[] =>
      epochs.map((ep) => mean(curves.flatMap((c) => (c.epochs.includes(ep) ? [pick(c)[c.epochs.indexOf(ep)]] : [])))!);
    return {
      method: g.label,
      runIds: g.runs.map((r) => r.id),
      epochs,
      testAccuracy: perEpoch((c) => c.testAccuracy),
      admittedFraction: perEpoch((c) => c.admittedFraction),
    };
  });
}
