// The method views through the renderer's state: a live training job's curves (JobsState) fill the
// accuracy matrix and replace the embedding as events arrive, merged with the run's stored history;
// MethodCompareState takes a finished run's numbers from its summary, loads the events only of runs
// without one, and prefers a live job's curves.
import { describe, expect, it } from 'vitest';
import type { JobInfo, RunDetail, RunListItem } from '../../src/shared/api';
import type { EngineEvent } from '../../src/shared/events';
import { groupContinual } from '../../src/renderer/lib/method-compare';
import { EngineState } from '../../src/renderer/state/engine.svelte';
import { JobsState } from '../../src/renderer/state/jobs.svelte';
import { MethodCompareState } from '../../src/renderer/state/method-compare.svelte';
import { RunsState } from '../../src/renderer/state/runs.svelte';
import { ev, flush, idle, TestApi } from './fake-api';
import { mev, TASKS } from './method-events';

const info: JobInfo = { jobId: 'j1', kind: 'train', runId: 'live', startedAt: '2025-01-01T00:00:00Z' };
const detail = (id: string, config: Record<string, unknown>, events: EngineEvent[]): RunDetail => ({ id, dir: `/runs/${id}`, status: 'completed', config, card: {}, summary: null, events, predictions: [] });
const item = (d: Pick<RunDetail, 'id' | 'status' | 'summary'>): RunListItem => ({ id: d.id, dir: `/runs/${d.id}`, experiment: 'dhp-continual', status: d.status, startedAt: '2025-01-01T00:00:00Z', ...(d.summary ? { summary: d.summary } : {}) });
const items = (stored: Record<string, RunDetail>, ids: string[]): RunListItem[] => ids.map((id) => item(stored[id] ?? { id, status: 'completed', summary: null }));

function setup(stored: Record<string, RunDetail>) {
  const api = new TestApi()
    .handle('app:info', () => ({}) as never)
    .handle('engine:status', () => idle)
    .handle('runs:get', ({ runId }) => stored[runId] ?? Promise.reject(new Error(`no run ${runId}`)))
    .handle('runs:list', () => Object.values(stored).map(item));
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
  it('loads the runs without a summary and uses a live job’s curves for the run it trains', async () => {
    const stored = {
      a: detail('a', { head: 'softmax', importance: 'none' }, [mev.taskEval(0, [0.99]), mev.taskEval(1, [0.8, 0.98])]),
      b: detail('b', { head: 'dhp', importance: 'none' }, [mev.taskEval(0, [0.99]), mev.taskEval(1, [0.9, 0.98])]),
      live: detail('live', { head: 'dhp', importance: 'si' }, [mev.taskEval(0, [0.99])]),
      brats: detail('brats', {}, [ev.step(1)]),
    };
    const { api, jobs, runs } = setup(stored);
    const compare = new MethodCompareState(runs, jobs);
    await compare.load('dhp-continual', items(stored, ['a', 'b', 'live', 'brats']));
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
    await compare.load('dhp-continual', items({ a: detail('a', { head: 'dhp' }, []) }, ['a']));
    expect(compare.runs).toHaveLength(1);
    await compare.load(null, []);
    expect(compare.runs).toHaveLength(0);
  });

  it('reports a run that cannot be loaded', async () => {
    const { jobs, runs } = setup({});
    const compare = new MethodCompareState(runs, jobs);
    await compare.load('dhp-continual', items({}, ['gone']));
    expect(compare.error).toBe('could not load the runs to compare: no run gone');
  });

  it('takes finished runs from their summaries: no events requested for them', async () => {
    // Summaries as the engine writes them (continualResults), for a completed and a stopped run.
    const summary = (method: string, last: number[]) => ({
      experiment: 'dhp-continual',
      status: 'completed',
      benchmark: 'split-mnist',
      method,
      taskNames: TASKS,
      tasksDone: 3,
      complete: true,
      accuracyMatrix: [[0.99], [0.99, 0.99], last],
      averageAccuracy: (last[0] + last[1] + last[2]) / 3,
      meanForgetting: (0.99 - last[0] + 0.99 - last[1]) / 2,
      backwardTransfer: (last[0] - 0.99 + last[1] - 0.99) / 2,
    });
    const stored: Record<string, RunDetail> = {
      done: { ...detail('done', {}, []), summary: summary('Finetune', [0.8, 0.89, 0.98]) },
      stopped: { ...detail('stopped', {}, []), status: 'stopped', summary: summary('DHP Softmax', [0.9, 0.94, 0.98]) },
      // Being trained (resumed after a stop): its old summary is not current, so its events are loaded.
      live: { ...detail('live', { head: 'dhp', importance: 'si', benchmark: 'split-mnist' }, [mev.taskEval(0, [0.99])]), status: 'running', summary: summary('DHP+SI', [0.5, 0.5, 0.5]) },
    };
    const { api, jobs, runs } = setup(stored);
    const compare = new MethodCompareState(runs, jobs);
    await compare.load('dhp-continual', items(stored, ['done', 'stopped', 'live']));
    expect(api.callsTo('runs:get')).toEqual([{ runId: 'live' }]);
    expect(compare.error).toBeNull();
    // (0.8 + 0.89 + 0.98) / 3 = 0.89, (0.9 + 0.94 + 0.98) / 3 = 0.94 from the summaries; 0.99 after the live run's first task.
    expect(groupContinual(compare.runs).map((g) => [g.method, +g.averageAccuracy.toFixed(3), g.partial])).toEqual([
      ['Finetune', 0.89, 0],
      ['DHP Softmax', 0.94, 0],
      ['DHP+SI', 0.99, 1],
    ]);
    expect(groupContinual(compare.runs)[0].forgetting).toBeCloseTo(0.145, 12); // the summary's meanForgetting: (0.19 + 0.1) / 2
  });
});
