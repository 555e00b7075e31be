// JobsState over a fake API: jobs follow events and the engine status only, so a stopped or
// crashed job shows as such at once; early events and history replays are not lost.
import { describe, expect, it } from 'vitest';
import type { JobInfo, RunDetail } from '../../src/shared/api';
import { EngineState } from '../../src/renderer/state/engine.svelte';
import { JobsState } from '../../src/renderer/state/jobs.svelte';
import { ev, flush, idle, TestApi } from './fake-api';

const info: JobInfo = { jobId: 'j1', kind: 'train', runId: 'r1', startedAt: '2025-01-01T00:00:00Z' };
const busy = { ...idle, state: 'busy' as const, job: info };

function setup(history: RunDetail['events'] = []) {
  const api = new TestApi()
    .handle('app:info', () => ({}) as never)
    .handle('engine:status', () => idle)
    .handle('runs:get', ({ runId }) => ({ id: runId, dir: '', status: 'running' as const, config: {}, card: {}, summary: null, events: history, predictions: [] }));
  const engine = new EngineState(api);
  const jobs = new JobsState(api, engine);
  const off = jobs.connect();
  engine.connect(); // as AppState.start does: the engine's status feeds the jobs
  const ended: string[] = [];
  jobs.onEnded((j) => ended.push(`${j.info.jobId}:${j.phase}`));
  return { api, engine, jobs, off, ended };
}

describe('JobsState', () => {
  it('follows a job from its events to its done event, and reports it ended once', async () => {
    const { api, jobs, ended } = setup();
    jobs.track(info);
    await flush();
    api.emit('engine:event', { jobId: 'j1', event: ev.step(1) });
    expect(jobs.active?.step?.step).toBe(1);
    expect(jobs.latestTrain?.info.jobId).toBe('j1');
    api.emit('engine:event', { jobId: 'j1', event: ev.done('stopped', 1) });
    expect(jobs.jobs.j1.phase).toBe('stopped');
    expect(jobs.active).toBeNull();
    api.emit('engine:statusChanged', idle);
    expect(ended).toEqual(['j1:stopped']);
  });

  it('shows a crash at once: the crashed status ends the running job with the reason', async () => {
    const { api, jobs, ended } = setup();
    jobs.track(info);
    await flush();
    api.emit('engine:statusChanged', { ...idle, state: 'crashed', error: 'engine exited with signal SIGKILL' });
    expect(jobs.jobs.j1.phase).toBe('crashed');
    expect(jobs.jobs.j1.error).toBe('engine exited with signal SIGKILL');
    expect(jobs.active).toBeNull();
    expect(ended).toEqual(['j1:crashed']);
  });

  it('keeps events that arrive before the invoke answer and applies them when the job is tracked', async () => {
    const { api, jobs } = setup();
    api.emit('engine:event', { jobId: 'j1', event: ev.started('r1') });
    api.emit('engine:event', { jobId: 'j1', event: ev.step(1, 0.5) });
    jobs.track(info);
    await flush();
    expect(jobs.jobs.j1.step?.step).toBe(1);
    expect(jobs.curvesOf('j1')?.data.loss).toEqual([0.5]);
  });

  it("adopts the engine's running job with its earlier history, merged with live events", async () => {
    const history = [ev.started('r1'), ev.step(1, 0.9), ev.step(2, 0.8), ev.validation(2, { dice_mean: 0.3 }, true)];
    const { api, jobs } = setup(history);
    api.emit('engine:statusChanged', busy);
    // A live event arrives while the history is still loading.
    api.emit('engine:event', { jobId: 'j1', event: ev.step(3, 0.7) });
    await flush();
    await flush();
    const c = jobs.curvesOf('j1')!;
    expect(c.loading).toBe(false);
    expect(c.data.steps).toEqual([1, 2, 3]);
    expect(c.data.loss).toEqual([0.9, 0.8, 0.7]);
    expect(jobs.jobs.j1.step?.step).toBe(3); // the live step wins over the history's
    expect(jobs.jobs.j1.bestValidation?.step).toBe(2); // filled in from the history
    expect(api.callsTo('runs:get')).toEqual([{ runId: 'r1' }]);
  });

  it('stop marks the job stopping until the engine reports how it ended', async () => {
    const { api, jobs } = setup();
    api.handle('jobs:stop', () => ({ stopping: true }));
    jobs.track(info);
    await jobs.stop('j1');
    expect(jobs.jobs.j1.phase).toBe('stopping');
    expect(jobs.active?.info.jobId).toBe('j1');
    api.emit('engine:event', { jobId: 'j1', event: ev.done('stopped', 4) });
    expect(jobs.jobs.j1.phase).toBe('stopped');
  });

  it('a job that vanished from the engine without a done event shows as ended', async () => {
    const { api, jobs, ended } = setup();
    jobs.track(info);
    api.emit('engine:statusChanged', busy);
    expect(jobs.jobs.j1.phase).toBe('running');
    api.emit('engine:statusChanged', idle);
    expect(jobs.jobs.j1.phase).toBe('ended');
    expect(ended).toEqual(['j1:ended']);
  });

  it('unsubscribes on disconnect', () => {
    const { api, off } = setup();
    const before = api.listenerCount('engine:event');
    off();
    expect(api.listenerCount('engine:event')).toBe(before - 1);
  });

  it('an engine status asked for before a job started cannot end it', async () => {
    const { api, engine, jobs } = setup();
    let answer: (s: typeof idle) => void = () => {};
    api.handle('engine:status', () => new Promise((r) => (answer = r)));
    const refresh = engine.refresh(); // asked while idle …
    jobs.track(info); // … the job starts …
    answer(idle); // … and the old answer arrives
    await refresh;
    expect(jobs.jobs.j1.phase).toBe('running');
    api.emit('engine:statusChanged', idle); // a report sent after the start does end it
    expect(jobs.jobs.j1.phase).toBe('ended');
  });
});
