/**
 * `--resume` continues a run exactly: a run stopped after step 3 and resumed gives the same
 * per-step losses for steps 4–6 as an uninterrupted run with the same seed (the batches are a
 * function of (seed, step); weights and Adam moments are restored from the checkpoint).
 */
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { EngineEvent } from '../src/shared/events';
import { selectBackend, type BackendReport } from '../src/training/backend/select';
import { writeDemoBrats } from '../src/training/data/brats/demo';
import { resumeRun, startRun } from '../src/training/runs/driver';
import { listRuns } from '../src/training/runs/store';
import { collectEvents, stepLosses } from './run-events';

const tiny = {
  widths: [4, 8],
  blocksPerLevel: 1,
  patchSize: [16, 16, 16],
  batchSize: 1,
  epochs: 2,
  stepsPerEpoch: 3,
  warmupSteps: 1,
  lr: 3e-3,
  validateEvery: 0,
  checkpointEvery: 1,
  cacheCases: 8,
};



describe('BraTS training resume', () => {
  let data: string;
  let runs: string;
  let backend: BackendReport;
  beforeAll(async () => {
    const dir = await mkdtemp(join(tmpdir(), 'frugal-resume-'));
    data = join(dir, 'data');
    runs = join(dir, 'runs');
    await writeDemoBrats({ out: data, cases: 3, size: 24, seed: 3 });
    backend = await selectBackend({ prefer: 'cpu' });
  });

  it('gives the same loss curve as an uninterrupted run, and leaks no tensors', async () => {
    const overrides = { ...tiny, data };
    const before = tf.memory().numTensors;
    const full = await collectEvents(startRun({ experimentId: 'brats', overrides, runsRoot: runs, backend, signal: new AbortController().signal }));
    expect(tf.memory().numTensors).toBe(before);
    const fullLosses = stepLosses(full);
    expect([...fullLosses.keys()]).toEqual([1, 2, 3, 4, 5, 6]);

    // Second run: stop once step 3 is reported (the loop checkpoints and returns before step 4).
    const ac = new AbortController();
    const first = await collectEvents(startRun({ experimentId: 'brats', overrides, runsRoot: runs, backend, signal: ac.signal }), (e) => {
      if (e.type === 'step' && e.step === 3) ac.abort();
    });
    const done = first.at(-1) as Extract<EngineEvent, { type: 'done' }>;
    expect(done.type).toBe('done');
    expect(done.status).toBe('stopped');
    const started = first[0] as Extract<EngineEvent, { type: 'started' }>;
    expect((await listRuns(runs)).find((r) => r.id === started.runId)?.status).toBe('stopped');

    const second = await collectEvents(resumeRun({ run: started.runId, runsRoot: runs, backend, signal: new AbortController().signal }));
    expect((second[0] as Extract<EngineEvent, { type: 'started' }>).startStep).toBe(3);
    const resumed = stepLosses(second);
    expect([...resumed.keys()]).toEqual([4, 5, 6]);
    for (const s of [4, 5, 6]) expect(Math.abs(resumed.get(s)! - fullLosses.get(s)!)).toBeLessThan(1e-6);
    // The first three steps of the stopped run match too (same seed, same batches).
    for (const s of [1, 2, 3]) expect(stepLosses(first).get(s)).toBe(fullLosses.get(s));
    expect((await listRuns(runs)).find((r) => r.id === started.runId)?.status).toBe('completed');
    // metrics.jsonl holds both segments, each event on its own line.
    const lines = (await readFile(join(started.runDir, 'metrics.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as EngineEvent);
    expect(lines.filter((e) => e.type === 'started')).toHaveLength(2);
    expect(tf.memory().numTensors).toBe(before);
  });
});
