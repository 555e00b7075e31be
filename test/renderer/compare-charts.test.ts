// The Runs view's overlay of two runs (lib/compare-charts.ts) draws the charts the runs report:
// Dice for BraTS, accuracy for the classification experiments, never an empty Dice chart.
import { describe, expect, it } from 'vitest';
import { compareCharts, type CompareRun } from '../../src/renderer/lib/compare-charts';
import { curvesFromEvents } from '../../src/renderer/lib/curves';
import type { EngineEvent } from '../../src/shared/events';
import { ev } from './fake-api';
import { mev } from './method-events';

const run = (id: string, events: EngineEvent[]): CompareRun => ({ id, label: id, curves: curvesFromEvents(events) });
const ids = (runs: CompareRun[]) => compareCharts(runs, 0).map((c) => c.testid);

const brats = (id: string, dice: number) => run(id, [ev.step(1), ev.step(2), ev.validation(2, { dice_WT: dice, dice_TC: dice, dice_ET: dice, dice_mean: dice })]);
const continual = (id: string, acc: number[][]) => run(id, [ev.step(10), ...acc.map((row, t) => mev.taskEval(t, row))]);
const selfPaced = (id: string, accs: number[]) => run(id, accs.flatMap((a, e) => [ev.step(5 * (e + 1)), ev.validation(5 * (e + 1), { test_accuracy: a, test_loss: 1 - a }), mev.curriculum(e, a, 1)]));

describe('compared runs: charts by what the runs report', () => {
  it('BraTS runs: training loss and validation mean Dice', () => {
    const charts = compareCharts([brats('rev', 0.7), brats('std', 0.6)], 0);
    expect(charts.map((c) => c.testid)).toEqual(['chart-compare-loss', 'chart-compare-dice']);
    expect(charts[1].ys).toEqual([[0.7], [0.6]]);
  });

  it('continual runs (dhp-continual): average accuracy after each task, no Dice chart', () => {
    const a = continual('dhp', [[0.99], [0.95, 0.97]]);
    const b = continual('finetune', [[0.98], [0.8, 0.96], [0.7, 0.85, 0.97]]);
    const charts = compareCharts([a, b], 0);
    expect(charts.map((c) => c.testid)).toEqual(['chart-compare-loss', 'chart-compare-average-accuracy']);
    const avg = charts[1];
    expect(avg.x).toEqual([1, 2, 3]); // tasks trained
    // after task 2: (0.95 + 0.97) / 2 = 0.96 and (0.8 + 0.96) / 2 = 0.88; task 3 only for b: (0.7 + 0.85 + 0.97) / 3 = 0.84
    expect(avg.ys[0].map((v) => (v === null ? null : +v.toFixed(12)))).toEqual([0.99, 0.96, null]);
    expect(avg.ys[1].map((v) => (v === null ? null : +v.toFixed(12)))).toEqual([0.98, 0.88, 0.84]);
  });

  it('self-paced runs (spl-advise): test accuracy per validation, no Dice chart', () => {
    const charts = compareCharts([selfPaced('spl', [0.6, 0.8]), selfPaced('spld', [0.55, 0.7])], 0);
    expect(charts.map((c) => c.testid)).toEqual(['chart-compare-loss', 'chart-compare-test-accuracy']);
    expect(charts[1]).toMatchObject({ title: 'Test accuracy', x: [5, 10], ys: [[0.6, 0.8], [0.55, 0.7]], yRange: [0, 1] });
    expect(charts[1].caption).toContain('2 validation cases, full volume'); // what the validations were computed on
  });

  it('runs of different kinds each get their charts; runs with nothing yet get none', () => {
    expect(ids([brats('rev', 0.7), selfPaced('spl', [0.6])])).toEqual(['chart-compare-loss', 'chart-compare-dice', 'chart-compare-test-accuracy']);
    expect(ids([run('a', []), run('b', [])])).toEqual([]);
  });
});
