/**
 * Runs of one method experiment grouped by method, for the Runs view's comparison:
 * - continual learning: the method is the head and the importance estimator ('DHP+SI', 'SI',
 *   'DHP Softmax', 'Finetune'); each group's average accuracy over all tasks, forgetting and BWT
 *   after each run's newest task, averaged over its runs;
 * - self-paced learning: the method is spl-advise, spld, random or all; each group's test accuracy
 *   and admitted fraction per epoch, averaged over its runs;
 * - SPDF: the method is the variant ('Sparse 75 %', 'Sparse 75 % → dense FT (SPDF)'), pre-training
 *   and fine-tuning apart; each group's validation curve and final numbers, averaged over its runs.
 * A run's numbers come from its events (runFromCurves: a run being trained, or one without a usable
 * summary) or from its summary (lib/method-summary.ts); both give the same method names and
 * settings. Runs on different benchmarks, datasets or task sequences are not comparable, so those
 * go into separate groups (labelled with the setting).
 */
import { variantRank } from '../../shared/spdf-variant';
import type { Curves } from './curves';
import { type SpdfNumbers, spdfNumbersOf } from './spdf-numbers';

/** Continual learning: the newest row of the accuracy matrix and its metrics. */
export interface ContinualNumbers {
  /** Every task of the sequence. */
  taskNames: readonly string[];
  tasksDone: number;
  averageAccuracy: number;
  forgetting: number | null;
  backwardTransfer: number | null;
}

/** Self-paced learning: one point per student epoch. */
export interface CurriculumNumbers {
  epochs: readonly number[];
  testAccuracy: readonly number[];
  admittedFraction: readonly number[];
}

export interface RunForCompare {
  id: string;
  /** The method as the engine's summary names it: 'DHP+SI', 'Finetune' (continual), 'spld' (self-paced). */
  method: string;
  /** What it was trained on: the benchmark (continual) or the dataset (self-paced); null when unknown. */
  trainedOn: string | null;
  continual: ContinualNumbers | null;
  curriculum: CurriculumNumbers | null;
  spdf: SpdfNumbers | null;
}

const str = (v: unknown): string | null => (typeof v === 'string' && v ? v : null);

const IMPORTANCES: Record<string, string> = { ewc: 'EWC', 'online-ewc': 'Online EWC', si: 'SI', mas: 'MAS' };
const NO_IMPORTANCE = new Set(['none', 'finetune', 'off', '']);

/** 'Finetune', 'SI', 'DHP Softmax', 'DHP+Online EWC': the head and importance of the config, named as in the paper (the engine's methodName()). */
export function continualMethodOf(config: Readonly<Record<string, unknown>>): string {
  const head = str(config.head) ?? 'softmax';
  // The importance estimator's key, as the engine may name it.
  const imp = str(config.importance) ?? str(config.consolidation) ?? str(config.estimator) ?? 'none';
  const x = NO_IMPORTANCE.has(imp) ? '' : (IMPORTANCES[imp] ?? imp);
  return head === 'dhp' ? (x ? `DHP+${x}` : 'DHP Softmax') : head === 'softmax' ? x || 'Finetune' : `${head}${x ? `+${x}` : ''}`;
}

/** Sort rank of a continual method's name: no importance first, then EWC, Online EWC, SI, MAS, others; softmax before DHP. */
function continualRank(label: string): number {
  const dhp = label.startsWith('DHP');
  const x = dhp ? label.replace(/^DHP(\+| Softmax$)/, '') : label === 'Finetune' ? '' : label;
  const names = Object.values(IMPORTANCES);
  const imp = x === '' ? 0 : names.indexOf(x) + 1 || names.length + 1;
  return imp * 2 + (dhp ? 1 : 0);
}

/** A run's numbers out of its (stored or live) curves (and its config, where SPDF reads the sparsity or mode). */
export function numbersOf(curves: Curves, config: Readonly<Record<string, unknown>> = {}): Pick<RunForCompare, 'continual' | 'curriculum' | 'spdf'> {
  const t = curves.tasks;
  const c = curves.curriculum;
  return {
    continual: t ? { taskNames: t.taskNames, tasksDone: t.latest.afterTask + 1, averageAccuracy: t.latest.averageAccuracy, forgetting: t.latest.forgetting, backwardTransfer: t.latest.backwardTransfer } : null,
    curriculum: c?.epochs.length ? { epochs: c.epochs, testAccuracy: c.testAccuracy, admittedFraction: c.admittedFraction } : null,
    spdf: spdfNumbersOf(config, curves),
  };
}

/** A run from its config and curves (its events folded, or a live job's). */
export function runFromCurves(id: string, config: Readonly<Record<string, unknown>>, curves: Curves): RunForCompare {
  const numbers = numbersOf(curves, config);
  if (numbers.spdf) return { id, method: numbers.spdf.variant, trainedOn: str(config.data), ...numbers };
  const continual = curves.tasks !== null || str(config.head) !== null;
  return {
    id,
    method: continual ? continualMethodOf(config) : (str(config.method) ?? curves.curriculum?.method ?? 'unknown'),
    trainedOn: str(config.benchmark) ?? str(config.dataset),
    ...numbers,
  };
}

/** Whether the run has numbers to compare. */
export const comparable = (r: RunForCompare): boolean => !!(r.continual || r.curriculum || r.spdf);

/**
 * Groups runs by method; when the runs were trained on different settings (`settingOf`:
 * benchmark, task sequence, dataset), the setting prefixes the label, so only like is averaged with like.
 */
function groupBy(runs: readonly RunForCompare[], rankOf: (method: string) => number, settingOf: (r: RunForCompare) => string): { label: string; runs: RunForCompare[] }[] {
  const settings = new Set(runs.map(settingOf));
  const groups = new Map<string, { label: string; bench: string; rank: number; runs: RunForCompare[] }>();
  for (const r of runs) {
    const bench = settings.size > 1 ? settingOf(r) : '';
    const key = bench ? `${bench} · ${r.method}` : r.method;
    const g = groups.get(key) ?? { label: key, bench, rank: rankOf(r.method), runs: [] };
    g.runs.push(r);
    groups.set(key, g);
  }
  return [...groups.values()].sort((a, b) => a.bench.localeCompare(b.bench) || a.rank - b.rank || a.label.localeCompare(b.label));
}

/** The dataset a task sequence is built from: the first word its task names share ('mnist classes 0/1', … → 'mnist'). */
function datasetOfTasks(names: readonly string[]): string | null {
  const first = names.map((n) => n.split(' ')[0]);
  return first.length && first.every((w) => w === first[0]) ? first[0] : null;
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
    runs.filter((r) => r.continual),
    continualRank,
    (r) => [r.trainedOn, datasetOfTasks(r.continual!.taskNames), `${r.continual!.taskNames.length} tasks`].filter(Boolean).join(', '),
  ).map((g) => {
    const latest = g.runs.map((r) => r.continual!);
    const accuracies = latest.map((e) => e.averageAccuracy);
    return {
      method: g.label,
      runIds: g.runs.map((r) => r.id),
      accuracies,
      averageAccuracy: mean(accuracies)!,
      forgetting: mean(latest.flatMap((e) => (e.forgetting === null ? [] : [e.forgetting]))),
      backwardTransfer: mean(latest.flatMap((e) => (e.backwardTransfer === null ? [] : [e.backwardTransfer]))),
      partial: latest.filter((e) => e.tasksDone < e.taskNames.length).length,
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

const METHOD_ORDER = ['spl-advise', 'spld', 'random', 'all'];

/** One group per method (spl-advise, spld, random, all first), each averaged per epoch over its runs. */
export function groupCurriculum(runs: readonly RunForCompare[]): CurriculumGroup[] {
  return groupBy(
    runs.filter((r) => r.curriculum),
    (m) => (METHOD_ORDER.includes(m) ? METHOD_ORDER.indexOf(m) : METHOD_ORDER.length),
    (r) => r.trainedOn ?? '?',
  ).map((g) => {
    const curves = g.runs.map((r) => r.curriculum!);
    const epochs = [...new Set(curves.flatMap((c) => c.epochs))].sort((a, b) => a - b);
    // Mean over the runs that reached each epoch.
    const perEpoch = (pick: (c: CurriculumNumbers) => readonly number[]): number[] =>
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

/** Mean over the runs that reached each x of their y there (nulls skipped; null where none has a value). */
function meanPerX(list: readonly { x: readonly number[]; y: readonly (number | null)[] }[]): { x: number[]; y: (number | null)[] } {
  const x = [...new Set(list.flatMap((s) => s.x))].sort((a, b) => a - b);
  const at = (s: (typeof list)[number], v: number): number[] => {
    const y = s.y[s.x.indexOf(v)];
    return typeof y === 'number' ? [y] : [];
  };
  return { x, y: x.map((v) => mean(list.flatMap((s) => at(s, v)))) };
}

const meanOf = (xs: readonly (number | null)[]): number | null => mean(xs.filter((v): v is number => v !== null));

export interface SpdfGroup {
  /** The variant, prefixed with the dataset when the runs were trained on several. */
  variant: string;
  runIds: string[];
  /** Validation steps and the mean validation loss there (over the runs that reached each step). */
  steps: number[];
  valLoss: (number | null)[];
  /** Fine-tuning: mean BLEU per validation step; null for pre-training. */
  bleu: (number | null)[] | null;
  /** Means over the runs of their final numbers (null where no run has one). */
  finalValLoss: number | null;
  perplexity: number | null;
  finalBleu: number | null;
  tokens: number | null;
  /** This phase's training FLOPs, mean over the runs, and a dense model's on the same tokens. */
  flopsSpent: number | null;
  denseEquivalent: number | null;
  /** denseEquivalent / flopsSpent: how many times fewer FLOPs than dense (1 for dense). */
  reduction: number | null;
  /** Fine-tuning: the pre-training FLOPs of the models the runs started from (mean over the runs that know it). */
  pretrainFlops: number | null;
}

/**
 * SPDF runs of one phase by variant and dataset. A run whose dataset is unknown (a summary that
 * does not name it) joins the others when they all share one dataset, and is '?' otherwise.
 */
function groupSpdf(runs: readonly RunForCompare[], phase: SpdfNumbers['phase']): SpdfGroup[] {
  const mine = runs.filter((r) => r.spdf?.phase === phase);
  const known = [...new Set(mine.flatMap((r) => (r.trainedOn ? [r.trainedOn] : [])))];
  return groupBy(mine, variantRank, (r) => r.trainedOn ?? (known.length === 1 ? known[0] : '?')).map((g) => {
    const xs = g.runs.map((r) => r.spdf!);
    const loss = meanPerX(xs.map((n) => ({ x: n.valSteps, y: n.valLoss })));
    const spent = meanOf(xs.map((n) => n.flops?.spent ?? null));
    const dense = meanOf(xs.map((n) => n.flops?.denseEquivalent ?? null));
    return {
      variant: g.label,
      runIds: g.runs.map((r) => r.id),
      steps: loss.x,
      valLoss: loss.y,
      bleu: phase === 'finetune' ? meanPerX(xs.map((n) => ({ x: n.valSteps, y: n.bleu ?? [] }))).y : null,
      finalValLoss: meanOf(xs.map((n) => n.finalValLoss)),
      perplexity: meanOf(xs.map((n) => n.perplexity)),
      finalBleu: meanOf(xs.map((n) => n.finalBleu)),
      tokens: meanOf(xs.map((n) => n.tokens)),
      flopsSpent: spent,
      denseEquivalent: dense,
      reduction: spent && dense !== null ? dense / spent : null,
      pretrainFlops: meanOf(xs.map((n) => n.pretrainFlops?.spent ?? null)),
    };
  });
}

/** SPDF pre-training runs, one group per variant (dense first, then by sparsity), per dataset. */
export const groupSpdfPretrain = (runs: readonly RunForCompare[]): SpdfGroup[] => groupSpdf(runs, 'pretrain');

/** SPDF fine-tuning runs, one group per variant (by pre-training sparsity, sparse fine-tuning before dense), per dataset. */
export const groupSpdfFinetune = (runs: readonly RunForCompare[]): SpdfGroup[] => groupSpdf(runs, 'finetune');

/**
 * The experiments whose runs the Runs view compares together: SPDF's pre-training and fine-tuning
 * runs form one comparison (both tables, whichever run is selected); any other experiment stands alone.
 */
export function compareFamily(experiment: string): { label: string; experiments: readonly string[] } {
  const spdf = ['spdf-pretrain', 'spdf-finetune'];
  return spdf.includes(experiment) ? { label: 'SPDF', experiments: spdf } : { label: experiment, experiments: [experiment] };
}
