// The method views through the renderer's state: a live training job's curves (JobsState) fill the
// accuracy matrix and replace the embedding as events arrive, merged with the run's stored history;
// MethodCompareState loads every run of the selected experiment and prefers a live job's curves.
import { describe, expect, it } from 'vitest';
import type { JobInfo, RunDetail, RunListItem } from '../../src/shared/api';
import type { EngineEvent } from '../../src/shared/events';
import { groupContinual } from '../../src/renderer/lib/method-compare';
import { EngineState } from '../../src/renderer/state/engine.svelte';
import { JobsState } from '../../src/renderer/state/jobs.svelte';
import { MethodCompareState } from '../../src/renderer/state/method-compare.svelte';
import { RunsState } from '../../src/renderer/state/runs.svelte';
import { ev, flush, idle, TestApi } from './fake-api';
import { mev } from './method-events';

const info: JobInfo = { jobId: 'j1', kind: 'train', runId: 'live', startedAt: '2025-01-01T00:00:00Z' };
const detail = (id: string, config: Record<string, unknown>, events: EngineEvent[]): RunDetail => ({ id, dir: `/runs/${id}`, status: 'completed', config, card: {}, summary: null, events, predictions: [] });

function setup(stored: Record<string, RunDetail>) {
  const api = new TestApi()
    .handle('app:info', () => ({}) as never)
    .handle('engine:status', () => idle)
    .handle('runs:get', ({ runId }) => stored[runId] ?? Promise.reject(new Error(`no run ${runId}`)))
    .handle('runs:list', () => Object.values(stored).map((d): RunListItem => ({ id: d.id, dir: d.dir, experiment: 'dhp-continual', status: d.status, startedAt: '2025-01-01T00:00:00Z' })));
  const engine = new EngineState(api);
  const jobs = new JobsState(api, engine);
  jobs.connect();
  engine.connect();
  const runs = new RunsState(api, jobs);
  return { api, jobs, runs };
}

describe('method views in the live job', () => {
  it('the accuracy matrix fills row by row from live task-eval events, after the stored rows', async () => {
    const { api, jobs } = setup({ live: detail('live', { head: 'dhp' }, [ev.started('live'), mev.taskEval(0, [0.99])]) });
    jobs.track(info);
    api.emit('engine:event', { jobId: 'j1', event: mev.taskEval(1, [0.93, 0.98]) }); // arrives while the history loads
    await flush();
    await flush();
    const c = jobs.curvesOf('j1')!;
    expect(c.data.tasks!.filled).toBe(2);
    api.emit('engine:event', { jobId: 'j1', event: mev.taskEval(2, [0.9, 0.95, 0.97]) });
    expect(c.data.tasks!.filled).toBe(3);
    expect(c.data.tasks!.latest.accuracies).toEqual([0.9, 0.95, 0.97]);
  });

  it('a new embedding event replaces the drawn points; the curriculum curve grows per epoch', async () => {
    const { api, jobs } = setup({ live: detail('live', { method: 'spld' }, []) });
    jobs.track(info);
    await flush();
    const c = jobs.curvesOf('j1')!;
    api.emit('engine:event', { jobId: 'j1', event: mev.embedding(0, [[0, 0], [1, 1], [2, 2]], [0, 1, 1], [0, 1, 1]) });
    const first = c.data.embedding;
    expect(first!.points).toHaveLength(3);
    api.emit('engine:event', { jobId: 'j1', event: mev.curriculum(0, 0.6, 1, 'spld') });
    expect(c.data.embedding).toBe(first); // an epoch's point does not redraw the scatter
    api.emit('engine:event', { jobId: 'j1', event: mev.embedding(2, [[3, 3]], [1], [1]) });
    expect(c.data.embedding!.points).toEqual([[3, 3]]);
    expect(c.data.curriculum!.epochs).toEqual([0]);
  });
});

describe('MethodCompareState', () => {
  it('loads every run of the experiment and uses a live job’s curves for the run it trains', async () => {
    const stored = {
      a: detail('a', { head: 'softmax', importance: 'none' }, [mev.taskEval(0, [0.99]), mev.taskEval(1, [0.8, 0.98])]),
      b: detail('b', { head: 'dhp', importance: 'none' }, [mev.taskEval(0, [0.99]), mev.taskEval(1, [0.9, 0.98])]),
      live: detail('live', { head: 'dhp', importance: 'si' }, [mev.taskEval(0, [0.99])]),
      brats: detail('brats', {}, [ev.step(1)]),
    };
    const { api, jobs, runs } = setup(stored);
    const compare = new MethodCompareState(runs, jobs);
    await compare.load('dhp-continual', ['a', 'b', 'live', 'brats']);
    expect(compare.runs.map((r) => r.id)).toEqual(['a', 'b', 'live']); // the run without method views is left out
    expect(groupContinual(compare.runs).map((g) => [g.method, +g.averageAccuracy.toFixed(3)])).toEqual([
      ['Finetune', 0.89],
      ['DHP Softmax', 0.94],
      ['DHP+SI', 0.99],
    ]);
    jobs.track(info);
    await flush();
    api.emit('engine:event', { jobId: 'j1', event: mev.taskEval(1, [0.96, 0.98]) });
    expect(groupContinual(compare.runs).find((g) => g.method === 'DHP+SI')!.averageAccuracy).toBeCloseTo(0.97, 12);
  });

  it('clears when the selected run is not a method run', async () => {
    const { jobs, runs } = setup({ a: detail('a', { head: 'dhp' }, [mev.taskEval(0, [0.99])]) });
    const compare = new MethodCompareState(runs, jobs);
    await compare.load('dhp-continual', ['a']);
    expect(compare.runs).toHaveLength(1);
    await compare.load(null, []);
    expect(compare.runs).toHaveLength(0);
  });

  it('reports a run that cannot be loaded', async () => {
    const { jobs, runs } = setup({});
    const compare = new MethodCompareState(runs, jobs);
    await compare.load('dhp-continual', ['gone']);
    expect(compare.error).toBe('could not load the runs to compare: no run gone');
  });
});
