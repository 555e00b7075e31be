/**
 * What a continual run reports: the 'task-eval' event after each task (one row of the accuracy
 * matrix and the metrics of the rows so far), the run's continual.json (the matrix and per-task
 * times, rewritten atomically after every task), and the summary (continual/metrics.ts formulas).
 */
import type { EngineEventInput } from '../../../shared/events';
import { continualSummary } from '../../continual/metrics';
import type { ContinualProgress } from './state';

export type TaskEvalInput = Extract<EngineEventInput, { type: 'task-eval' }>;

export function taskEvalEvent(step: number, taskNames: readonly string[], progress: ContinualProgress): TaskEvalInput {
  const R = progress.accuracies;
  const t = R.length - 1;
  const s = continualSummary(R);
  const norms = progress.plasticNorms[t];
  return {
    type: 'task-eval',
    step,
    afterTask: t,
    taskNames: [...taskNames],
    accuracies: R[t].slice(0, t + 1),
    averageAccuracy: s.finalAverageAccuracy,
    forgetting: s.meanForgetting,
    backwardTransfer: s.backwardTransfer,
    ...(norms ? { plasticNorms: norms } : {}),
  };
}

/** One line for people reading the log: "after task 2/5: accuracy 99.1 97.6 (average 98.4)". */
export function taskEvalLine(e: TaskEvalInput, tasks: number): string {
  const pct = (v: number) => (100 * v).toFixed(1);
  const extra = e.forgetting === null ? '' : `, forgetting ${pct(e.forgetting)}, BWT ${pct(e.backwardTransfer ?? 0)}`;
  return `after task ${e.afterTask + 1}/${tasks}: test accuracy ${e.accuracies.map(pct).join(' ')} % (average ${pct(e.averageAccuracy)}${extra})`;
}

export interface RunFacts {
  experiment: string;
  benchmark: string;
  method: string;
  taskNames: readonly string[];
  backend: string;
}

/** The accuracy matrix and its metrics, as persisted in the run folder and returned as the summary's core. */
export function continualResults(facts: RunFacts, progress: ContinualProgress): Record<string, unknown> {
  const R = progress.accuracies;
  const s = R.length ? continualSummary(R) : null;
  return {
    ...facts,
    taskNames: [...facts.taskNames],
    tasksDone: R.length,
    complete: R.length === facts.taskNames.length,
    accuracyMatrix: R,
    averageAccuracy: s?.finalAverageAccuracy ?? null,
    averageAccuracyAfterTask: s?.averageAccuracy ?? [],
    forgetting: s?.forgetting ?? [],
    meanForgetting: s?.meanForgetting ?? null,
    backwardTransfer: s?.backwardTransfer ?? null,
    trainSeconds: progress.trainSeconds,
    evalSeconds: progress.evalSeconds,
    ...(progress.plasticNorms.length ? { plasticNorms: progress.plasticNorms } : {}),
  };
}

/** Written to the run's continual.json beside the numbers. */
export const RESULT_DEFINITIONS = {
  accuracyMatrix: 'R[i][j] = test accuracy on task j after training task i (tasks 0..i)',
  averageAccuracy: 'mean of the last row of R; averageAccuracyAfterTask[i] = mean of row i',
  forgetting: 'per task j < T−1: best accuracy on j after any earlier task − final accuracy on j (Chaudhry et al. 2018)',
  backwardTransfer: 'mean over j < T−1 of R[T−1][j] − R[j][j] (Lopez-Paz & Ranzato 2017)',
  trainSeconds: 'wall seconds of updates per task; evalSeconds: consolidation + evaluation per task',
  plasticNorms: 'DHP Softmax: ‖α[:,c]⊙Hebb[:,c]‖₂ per class c after each task',
};
