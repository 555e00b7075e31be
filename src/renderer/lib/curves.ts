/**
 * Training curves out of engine events: training loss per step and validation metrics per
 * validation, keyed by step; and the method-specific views (continual learning's accuracy matrix,
 * self-paced learning's epochs and embedding, SPDF's weight sparsity, text samples and summary),
 * folded by their own modules. A step seen again (a resumed run repeating steps after its last
 * checkpoint, or history replayed over live events) replaces what followed it, so a curve never
 * doubles back or shows a segment the run has since redone.
 */
import type { EngineEvent } from '../../shared/events';
import { type CurriculumCurve, curriculumUpTo, withCurriculum } from './curriculum';
import { type EmbeddingSnapshot, snapshotOf } from './embedding';
import { samplesUpTo, type TextSample, withSample } from './spdf-samples';
import { type SparsityHistory, sparsityUpTo, withSparsity } from './spdf-sparsity';
import { type SpdfSummary, spdfSummaryOf } from './spdf-summary';
import { type TaskMatrix, taskMatrixUpTo, withTaskEval } from './task-matrix';

export interface Curves {
  steps: number[];
  loss: number[];
  epoch: number[];
  lr: number[];
  valSteps: number[];
  /** metric name → one value per validation (null where a metric was missing). */
  val: Record<string, (number | null)[]>;
  /** What the latest validation was computed on (ValidationEvent.on). */
  valOn: string | null;
  bestStep: number | null;
  totalSteps: number | null;
  /** Continual learning: rows of the task × task accuracy matrix ('task-eval'); immutable. */
  tasks: TaskMatrix | null;
  /** Self-paced learning: one point per student epoch ('curriculum'); immutable. */
  curriculum: CurriculumCurve | null;
  /** Self-paced learning: the newest 2-D embedding ('embedding'); immutable. */
  embedding: EmbeddingSnapshot | null;
  /** SPDF: every 'sparsity' snapshot (zero fraction per layer and matrix, FLOPs so far); immutable. */
  sparsity: SparsityHistory | null;
  /** SPDF: the newest 'text-sample' events, in step order; immutable. */
  samples: readonly TextSample[] | null;
  /** SPDF: the run's summary, from its 'done' event; null until it ends (and again once resumed). */
  spdfSummary: SpdfSummary | null;
}

export function emptyCurves(): Curves {
  return { steps: [], loss: [], epoch: [], lr: [], valSteps: [], val: {}, valOn: null, bestStep: null, totalSteps: null, tasks: null, curriculum: null, embedding: null, sparsity: null, samples: null, spdfSummary: null };
}

/** Validation metrics that are accuracies (classification runs: 'test_accuracy', …), in name order. */
export function accuracyKeys(c: Curves): string[] {
  return Object.keys(c.val)
    .filter((k) => /accuracy/i.test(k))
    .sort();
}

/**
 * Whether the Dice chart belongs in the job panel: the run reports Dice, or it has reported no
 * validation metric and no method view yet (a segmentation run before its first validation).
 */
export function showsDice(c: Curves): boolean {
  const keys = Object.keys(c.val);
  return keys.some((k) => k.startsWith('dice')) || (keys.length === 0 && !hasMethodData(c));
}

/** Whether the run reports a method-specific view (continual or self-paced learning, SPDF). */
export function hasMethodData(c: Curves): boolean {
  return !!(c.tasks || c.curriculum || c.embedding || hasSpdfData(c));
}

/** Whether the run reports SPDF's views (sparsity, text samples or an SPDF summary). */
export function hasSpdfData(c: Curves): boolean {
  return !!(c.sparsity || c.samples || c.spdfSummary);
}

/** Index of the first entry >= step (arrays are ascending). */
function firstAtOrAfter(xs: readonly number[], step: number): number {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (xs[mid] < step) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function truncateSteps(c: Curves, fromStep: number): void {
  const i = firstAtOrAfter(c.steps, fromStep);
  if (i < c.steps.length) {
    c.steps.length = i;
    c.loss.length = i;
    c.epoch.length = i;
    c.lr.length = i;
  }
}

function truncateVal(c: Curves, fromStep: number): void {
  const i = firstAtOrAfter(c.valSteps, fromStep);
  if (i < c.valSteps.length) {
    c.valSteps.length = i;
    for (const k of Object.keys(c.val)) c.val[k].length = i;
    if (c.bestStep !== null && c.bestStep >= fromStep) c.bestStep = null;
  }
}

/** Adds one event to `c` in place; true when the curves changed. */
export function addEvent(c: Curves, e: EngineEvent): boolean {
  switch (e.type) {
    case 'started':
      c.totalSteps = e.totalSteps;
      // A resumed run continues after startStep: anything later in the history is redone.
      truncateSteps(c, e.startStep + 1);
      truncateVal(c, e.startStep + 1);
      c.tasks = taskMatrixUpTo(c.tasks, e.startStep);
      c.curriculum = curriculumUpTo(c.curriculum, e.startStep);
      if (c.embedding && c.embedding.step > e.startStep) c.embedding = null;
      c.sparsity = sparsityUpTo(c.sparsity, e.startStep);
      c.samples = samplesUpTo(c.samples, e.startStep);
      c.spdfSummary = null; // a resumed run's summary is written again when it ends
      return true;
    case 'step': {
      truncateSteps(c, e.step);
      c.steps.push(e.step);
      c.loss.push(e.loss);
      c.epoch.push(e.epoch);
      c.lr.push(e.lr);
      c.totalSteps = e.totalSteps;
      return true;
    }
    case 'validation': {
      truncateVal(c, e.step);
      const n = c.valSteps.length;
      c.valSteps.push(e.step);
      for (const [k, v] of Object.entries(e.metrics)) {
        // A metric first seen now gets nulls for the validations before it.
        c.val[k] ??= new Array<number | null>(n).fill(null);
        c.val[k].push(Number.isFinite(v) ? v : null);
      }
      for (const k of Object.keys(c.val)) if (c.val[k].length === n) c.val[k].push(null);
      c.valOn = e.on;
      if (e.best) c.bestStep = e.step;
      return true;
    }
    case 'task-eval':
      c.tasks = withTaskEval(c.tasks, e);
      return true;
    case 'curriculum':
      c.curriculum = withCurriculum(c.curriculum, e);
      return true;
    case 'embedding':
      c.embedding = snapshotOf(e);
      return true;
    case 'sparsity':
      c.sparsity = withSparsity(c.sparsity, e);
      return true;
    case 'text-sample':
      c.samples = withSample(c.samples, e);
      return true;
    case 'done': {
      const summary = spdfSummaryOf(e.summary);
      if (summary) c.spdfSummary = summary;
      return summary !== null;
    }
    default:
      return false;
  }
}

/**
 * A copy sharing nothing mutable with `c` (the UI keeps immutable snapshots; charts compare by
 * identity). The method views are immutable already, so the copy shares them: a new step does not
 * redraw the accuracy matrix or the embedding.
 */
export function cloneCurves(c: Curves): Curves {
  return {
    ...c,
    steps: c.steps.slice(),
    loss: c.loss.slice(),
    epoch: c.epoch.slice(),
    lr: c.lr.slice(),
    valSteps: c.valSteps.slice(),
    val: Object.fromEntries(Object.entries(c.val).map(([k, v]) => [k, v.slice()])),
  };
}

export function curvesFromEvents(events: readonly EngineEvent[]): Curves {
  const c = emptyCurves();
  for (const e of events) addEvent(c, e);
  return c;
}

/** Metric names in display order: mean first, then regions as the engine named them. */
export function metricOrder(keys: readonly string[]): string[] {
  const rank = (k: string): number => (k.endsWith('mean') ? 0 : k.endsWith('WT') ? 1 : k.endsWith('TC') ? 2 : k.endsWith('ET') ? 3 : 4);
  return [...keys].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}
