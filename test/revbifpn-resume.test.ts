/**
 * `--resume` continues a RevBiFPN classification run exactly: stopped after step 3 and resumed, it
 * gives the same losses for steps 4–6 as an uninterrupted run (the crops, flips and stochastic-depth
 * masks of a step are functions of (seed, step); weights, BN running statistics and AdamW moments
 * come back from the checkpoint), and the validation after the last step agrees too.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { EngineEvent } from '../src/shared/events';
import { selectBackend, type BackendReport } from '../src/training/backend/select';
import { writeDemoImages } from '../src/training/data/images/demo';
import { resumeRun, startRun } from '../src/training/runs/driver';
import { collectEvents, stepLosses } from './run-events';

const lastValidation = (events: EngineEvent[]) => events.filter((e): e is Extract<EngineEvent, { type: 'validation' }> => e.type === 'validation').at(-1)!;

describe('RevBiFPN training resume', () => {
  let data: string;
  let runs: string;
  let backend: BackendReport;
  beforeAll(async () => {
    const dir = await mkdtemp(join(tmpdir(), 'frugal-rb-resume-'));
    data = join(dir, 'images');
    runs = join(dir, 'runs');
    await writeDemoImages({ out: data, perClass: 4, valPerClass: 1, size: 40, seed: 4 });
    backend = await selectBackend({ prefer: 'cpu' });
  });

  it('gives the same losses and final validation as an uninterrupted run', async () => {
    const run = (signal: AbortSignal, onEvent?: (e: EngineEvent) => void) =>
      collectEvents(startRun({ experimentId: 'revbifpn-classify', preset: 'tiny', overrides: { data, validateEvery: 2 }, runsRoot: runs, backend, signal }), onEvent);
    const before = tf.memory().numTensors;
    const full = await run(new AbortController().signal);
    const fullLosses = stepLosses(full);
    expect([...fullLosses.keys()]).toEqual([1, 2, 3, 4, 5, 6]);

    const ac = new AbortController();
    const first = await run(ac.signal, (e) => {
      if (e.type === 'step' && e.step === 3) ac.abort();
    });
    expect((first.at(-1) as Extract<EngineEvent, { type: 'done' }>).status).toBe('stopped');
    const started = first[0] as Extract<EngineEvent, { type: 'started' }>;
    const second = await collectEvents(resumeRun({ run: started.runId, runsRoot: runs, backend, signal: new AbortController().signal }));
    const resumed = stepLosses(second);
    expect([...resumed.keys()]).toEqual([4, 5, 6]);
    for (const s of [4, 5, 6]) expect(Math.abs(resumed.get(s)! - fullLosses.get(s)!)).toBeLessThan(1e-5);
    expect(lastValidation(second).metrics.val_loss).toBeCloseTo(lastValidation(full).metrics.val_loss, 5);
    expect(tf.memory().numTensors).toBe(before);
  });
});
