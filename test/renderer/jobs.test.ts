// A job's state from events and the engine status alone (lib/jobs.ts).
import { describe, expect, it } from 'vitest';
import type { JobInfo } from '../../src/shared/api';
import { isActive, jobsWithStatus, jobWithEvent, newJob } from '../../src/renderer/lib/jobs';
import { ev, idle } from './fake-api';

const info: JobInfo = { jobId: 'j1', kind: 'train', runId: 'r1', startedAt: '2025-01-01T00:00:00Z' };

describe('jobs', () => {
  it('is running until its done event says how it ended', () => {
    let j = newJob(info);
    j = jobWithEvent(j, ev.step(3));
    expect(j.phase).toBe('running');
    expect(j.step?.step).toBe(3);
    j = jobWithEvent(j, ev.done('failed', 3, 'NaN loss at step 3'));
    expect(j.phase).toBe('failed');
    expect(j.error).toBe('NaN loss at step 3');
    expect(isActive(j)).toBe(false);
  });

  it('keeps the best validation apart from the latest', () => {
    let j = newJob(info);
    j = jobWithEvent(j, ev.validation(1, { dice_mean: 0.5 }, true));
    j = jobWithEvent(j, ev.validation(2, { dice_mean: 0.4 }, false));
    expect(j.validation?.step).toBe(2);
    expect(j.bestValidation?.step).toBe(1);
  });

  it('an engine crash ends every active job as crashed, with the reason', () => {
    const jobs = { j1: newJob(info), j0: { ...newJob({ ...info, jobId: 'j0' }), phase: 'completed' as const } };
    const r = jobsWithStatus(jobs, { ...idle, state: 'crashed', error: 'exit code 137 (out of memory)' });
    expect(r.jobs.j1.phase).toBe('crashed');
    expect(r.jobs.j1.error).toBe('exit code 137 (out of memory)');
    expect(r.jobs.j0.phase).toBe('completed');
    expect(r.ended.map((j) => j.info.jobId)).toEqual(['j1']);
  });

  it('an active job the engine no longer runs has ended, even without a done event', () => {
    const r = jobsWithStatus({ j1: newJob(info) }, idle);
    expect(r.jobs.j1.phase).toBe('ended');
    expect(r.ended).toHaveLength(1);
  });

  it("the engine's current job stays running, and an unknown one is adopted", () => {
    const busy = { ...idle, state: 'busy' as const, job: info };
    expect(jobsWithStatus({ j1: newJob(info) }, busy).jobs.j1.phase).toBe('running');
    const r = jobsWithStatus({}, busy);
    expect(r.adopted?.info).toEqual(info);
    expect(r.jobs.j1.phase).toBe('running');
  });

  it('a status older than the job (asOf before knownSince) leaves it running', () => {
    const j = newJob(info, 10);
    expect(jobsWithStatus({ j1: j }, idle, 9).jobs.j1.phase).toBe('running');
    expect(jobsWithStatus({ j1: j }, idle, 11).jobs.j1.phase).toBe('ended');
  });

  it('a done event still tells the real outcome after the job was marked ended', () => {
    const ended = jobsWithStatus({ j1: newJob(info) }, idle).jobs.j1;
    expect(jobWithEvent(ended, ev.done('stopped', 7)).phase).toBe('stopped');
  });
});
