/**
 * The charts that overlay compared runs in the Runs view, chosen by what the runs report rather
 * than drawn for every experiment: training loss when a run logged steps; validation mean Dice for
 * segmentation (BraTS); one chart per validation accuracy metric (self-paced: the student's test
 * accuracy); continual learning's average accuracy after each task. A chart that none of the runs
 * reports is left out, so two classification runs get no (empty) Dice chart.
 */
import { accuracyKeys, type Curves } from './curves';
import { ema } from './ema';
import { alignSeries } from './overlay';

export interface CompareRun {
  id: string;
  label: string;
  curves: Curves;
}

export interface CompareChart {
  testid: string;
  title: string;
  caption: string;
  ariaLabel: string;
  xLabel: string;
  yLabel: string;
  yRange: [number, number] | null;
  /** Point markers (sparse series: validations, tasks). */
  points: boolean;
  x: number[];
  /** One series per run, in the runs' order, on `x`. */
  ys: (number | null)[][];
}

const diceMeanKey = (c: Curves): string | undefined => Object.keys(c.val).find((k) => k.startsWith('dice') && k.endsWith('mean'));
const words = (key: string): string => key.replace(/_/g, ' ');
const sentence = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

/** What the validations of the runs reporting `key` were computed on. */
function validatedOn(runs: readonly CompareRun[], has: (c: Curves) => boolean, fallback: string): string {
  return [...new Set(runs.filter((r) => has(r.curves)).map((r) => r.curves.valOn).filter(Boolean))].join(' | ') || fallback;
}

export function compareCharts(runs: readonly CompareRun[], smoothing: number): CompareChart[] {
  const charts: CompareChart[] = [];
  const overlay = (pick: (c: Curves) => { x: readonly number[]; y: readonly (number | null)[] }) => alignSeries(runs.map((r) => pick(r.curves)));

  if (runs.some((r) => r.curves.steps.length)) {
    const { x, ys } = overlay((c) => ({ x: c.steps, y: ema(c.loss, smoothing) }));
    charts.push({
      testid: 'chart-compare-loss',
      title: `Training loss (EMA ${smoothing.toFixed(2)})`,
      caption: "Training loss of each step's batch, smoothed; one line per run.",
      ariaLabel: 'training loss of the compared runs',
      xLabel: 'step',
      yLabel: 'loss',
      yRange: null,
      points: false,
      x,
      ys,
    });
  }

  if (runs.some((r) => diceMeanKey(r.curves))) {
    const { x, ys } = overlay((c) => ({ x: c.valSteps, y: c.val[diceMeanKey(c) ?? ''] ?? [] }));
    charts.push({
      testid: 'chart-compare-dice',
      title: 'Validation mean Dice',
      caption: `Mean of WT/TC/ET Dice on ${validatedOn(runs, (c) => !!diceMeanKey(c), 'each run’s validation cases')}.`,
      ariaLabel: 'validation mean Dice of the compared runs',
      xLabel: 'step',
      yLabel: 'Dice',
      yRange: [0, 1],
      points: true,
      x,
      ys,
    });
  }

  for (const key of [...new Set(runs.flatMap((r) => accuracyKeys(r.curves)))].sort()) {
    const { x, ys } = overlay((c) => ({ x: c.valSteps, y: c.val[key] ?? [] }));
    charts.push({
      testid: `chart-compare-${key.replace(/_/g, '-')}`,
      title: sentence(words(key)),
      caption: `${sentence(words(key))} at each validation, on ${validatedOn(runs, (c) => key in c.val, 'each run’s validation set')}.`,
      ariaLabel: `${words(key)} of the compared runs`,
      xLabel: 'step',
      yLabel: 'accuracy',
      yRange: [0, 1],
      points: true,
      x,
      ys,
    });
  }

  if (runs.some((r) => r.curves.tasks)) {
    const { x, ys } = overlay((c) => {
      const done = c.tasks?.evals.flatMap((e, i) => (e ? [{ task: i + 1, acc: e.averageAccuracy }] : [])) ?? [];
      return { x: done.map((d) => d.task), y: done.map((d) => d.acc) };
    });
    charts.push({
      testid: 'chart-compare-average-accuracy',
      title: 'Average accuracy after each task',
      caption: 'Mean test accuracy on all tasks seen so far, after training each task (continual learning); one line per run.',
      ariaLabel: 'average accuracy after each task of the compared runs',
      xLabel: 'task',
      yLabel: 'accuracy',
      yRange: [0, 1],
      points: true,
      x,
      ys,
    });
  }
  return charts;
}
