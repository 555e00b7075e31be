/**
 * A self-paced run stopped in the embedding phase (at a re-clustering step), resumed, stopped
 * again mid-way through a student epoch, and resumed to the end gives the same step losses,
 * curriculum and test accuracies as an uninterrupted run: weights, optimisers, clusters, loss
 * tables and the epoch's visiting order all come back from the checkpoints. No tensor leaks.
 */
import * as tf from '@tensorflow/tfjs';
import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { EngineEvent } from '../../../shared/events';
import { selectBackend, type BackendReport } from '../../backend/select';
import { resumeRun, startRun } from '../../runs/driver';
import { collectEvents, stepLosses } from '../../../../test/run-events';

const overrides = {
  trainLimit: 240,
  testLimit: 100,
  embeddingChannels: [4, 8],
  embeddingDim: 2,
  clustersPerClass: 2,
  clustersPerBatch: 3,
  examplesPerCluster: 4,
  embeddingLr: 3e-3,
  embeddingSteps: 6,
  refreshEvery: 3,
  kmeansRestarts: 1,
  epochs: 2,
  batchSize: 48, // 5 batches in epoch 0
  optimizer: 'adam',
  lr: 3e-3,
  augment: true, // its draws are a function of (epoch, batch): must survive a resume
  lossScoring: 'as-trained', // the loss table changes mid-epoch: must survive a resume
  keepCheckpoints: 5,
};


type Ev<T extends EngineEvent['type']> = Extract<EngineEvent, { type: T }>;
const ofType = <T extends EngineEvent['type']>(events: EngineEvent[], t: T): Ev<T>[] => events.filter((e): e is Ev<T> => e.type === t);

describe('spl-advise resume', () => {
  let runs: string;
  let backend: BackendReport;
  beforeAll(async () => {
    runs = join(await mkdtemp(join(tmpdir(), 'frugal-spl-resume-')), 'runs');
    backend = await selectBackend({ prefer: 'cpu' });
  });

  it('continues exactly from a stop in either phase', async () => {
    const before = tf.memory().numTensors;
    const full = await collectEvents(startRun({ experimentId: 'spl-advise', overrides, runsRoot: runs, backend, signal: new AbortController().signal }));
    expect(tf.memory().numTensors).toBe(before);
    const fullLosses = stepLosses(full);
    const total = fullLosses.size;
    expect(total).toBeGreaterThan(6 + 5); // 6 Magnet steps, 5 student steps in epoch 0, then the selection's

    // Stop when step 3 is reported: the next step (t = 3) would re-cluster first.
    let ac = new AbortController();
    const a = await collectEvents(startRun({ experimentId: 'spl-advise', overrides, runsRoot: runs, backend, signal: ac.signal }), (e) => {
      if (e.type === 'step' && e.step === 3) ac.abort();
    });
    expect(a.at(-1)).toMatchObject({ type: 'done', status: 'stopped', step: 3 });
    expect(ofType(a, 'checkpoint').at(-1)).toMatchObject({ reason: 'stop', step: 3 });
    const runId = (a[0] as Ev<'started'>).runId;

    // Resume; stop again in student epoch 0 after its 2nd batch (global step 6 + 2).
    ac = new AbortController();
    const b = await collectEvents(resumeRun({ run: runId, runsRoot: runs, backend, signal: ac.signal }), (e) => {
      if (e.type === 'step' && e.step === 8) ac.abort();
    });
    expect((b[0] as Ev<'started'>).startStep).toBe(3);
    expect(b.at(-1)).toMatchObject({ type: 'done', status: 'stopped', step: 8 });

    const c = await collectEvents(resumeRun({ run: runId, runsRoot: runs, backend, signal: new AbortController().signal }));
    expect((c[0] as Ev<'started'>).startStep).toBe(8);
    expect(c.at(-1)).toMatchObject({ type: 'done', status: 'completed', step: total });
    expect(tf.memory().numTensors).toBe(before);

    const pieces = [stepLosses(a), stepLosses(b), stepLosses(c)];
    expect(pieces.map((m) => [...m.keys()])).toEqual([
      [1, 2, 3],
      [4, 5, 6, 7, 8],
      Array.from({ length: total - 8 }, (_, i) => 9 + i),
    ]);
    for (const m of pieces) for (const [s, l] of m) expect(Math.abs(l - fullLosses.get(s)!), `step ${s}`).toBeLessThan(1e-6);
    // The same selection and test accuracy per epoch (epoch 0 in b, epoch 1 in c).
    const curriculum = (events: EngineEvent[]) => ofType(events, 'curriculum').map(({ time: _t, ...rest }) => rest);
    expect([...curriculum(b), ...curriculum(c)]).toEqual(curriculum(full));
    expect(curriculum(full)[1].admittedFraction).toBeLessThan(1);
    // The embedding plots after the resume match the uninterrupted run's.
    const plots = (events: EngineEvent[]) => ofType(events, 'embedding').map((e) => [e.step, e.clusters]);
    expect([...plots(a), ...plots(b)]).toEqual(plots(full));
    const files = await readdir(join(runs, runId, 'checkpoints'));
    expect(files).toContain(`step-${String(total).padStart(6, '0')}.safetensors`);
  }, 60_000);
});
