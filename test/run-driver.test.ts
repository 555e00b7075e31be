/**
 * The run driver before a run starts (src/training/runs/driver.ts): the backend the run trains on
 * and the experiment's plan go into 'started' and card.json. dhp-continual and spl-advise declare
 * backendPurpose 'matmul', so an engine that chose cpu automatically trains them on wasm and is
 * back on cpu afterwards; their plans count the updates up front (continual: Σ over tasks of
 * ⌈train images / batch⌉ · epochs; self-paced: Magnet steps + every student epoch as a full pass,
 * lowered by the step events as the selection shrinks); a plan that fails still gives 'started',
 * then a failed 'done'.
 */
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { EngineEvent } from '../src/shared/events';
import { selectBackend, type BackendReport } from '../src/training/backend/select';
import { startRun } from '../src/training/runs/driver';

type Ev<T extends EngineEvent['type']> = Extract<EngineEvent, { type: T }>;
const ofType = <T extends EngineEvent['type']>(events: EngineEvent[], t: T): Ev<T>[] => events.filter((e): e is Ev<T> => e.type === t);

async function collect(gen: AsyncGenerator<EngineEvent, unknown, void>): Promise<{ events: EngineEvent[]; error: Error | null }> {
  const events: EngineEvent[] = [];
  try {
    for await (const e of gen) events.push(e);
    return { events, error: null };
  } catch (e) {
    return { events, error: e as Error };
  }
}

describe('startRun: backend and plan before started', () => {
  let runs: string;
  let autoCpu: BackendReport; // the engine's cpu, as an automatic choice (no FRUGAL_BACKEND)
  let forcedCpu: BackendReport;
  beforeAll(async () => {
    runs = join(await mkdtemp(join(tmpdir(), 'frugal-driver-')), 'runs');
    forcedCpu = await selectBackend({ prefer: 'cpu' });
    const { forcedBy: _f, ...rest } = forcedCpu;
    autoCpu = rest;
  });

  it('trains dhp-continual on wasm when the engine chose cpu by itself, says so in started and the card, and leaves cpu active after', async () => {
    // 2 Split MNIST tasks of 100 images, batch 32: ⌈100/32⌉ = 4 updates per epoch, 2 epochs → 8 per task, 16 in all.
    const overrides = { tasks: 2, trainLimit: 100, testLimit: 40, batchSize: 32, epochs: 2, hiddenSizes: [16], logEvery: 1 };
    const { events, error } = await collect(startRun({ experimentId: 'dhp-continual', overrides, runsRoot: runs, backend: autoCpu, signal: new AbortController().signal }));
    expect(error).toBeNull();
    const started = events[0] as Ev<'started'>;
    expect(started).toMatchObject({ type: 'started', backend: 'wasm', totalSteps: 16 });
    expect(ofType(events, 'step').map((s) => s.totalSteps)).toEqual(new Array(16).fill(16));
    expect(events.at(-1)).toMatchObject({ type: 'done', status: 'completed', step: 16 });
    expect(ofType(events, 'log').map((l) => l.message)).toContain("backend: wasm (CPU (WebAssembly)) instead of the engine's cpu: this experiment is matMul-bound, where wasm is several times faster");
    const card = JSON.parse(await readFile(join(started.runDir, 'card.json'), 'utf8')) as { backend: BackendReport };
    expect(card.backend).toMatchObject({ chosen: 'wasm', device: 'CPU (WebAssembly)' });
    expect(card.backend.forcedBy).toBeUndefined();
    const results = JSON.parse(await readFile(join(started.runDir, 'continual.json'), 'utf8')) as { backend: string };
    expect(results.backend).toBe('wasm');
    expect(tf.getBackend()).toBe('cpu'); // the engine's backend again: a BraTS run next would not be on wasm
  });

  it('keeps a forced cpu for dhp-continual', async () => {
    const { events } = await collect(startRun({ experimentId: 'dhp-continual', overrides: { tasks: 1, trainLimit: 64, testLimit: 20, batchSize: 32, epochs: 1, hiddenSizes: [8] }, runsRoot: runs, backend: forcedCpu, signal: new AbortController().signal }));
    expect(events[0]).toMatchObject({ type: 'started', backend: 'cpu', totalSteps: 2 });
    expect(events.at(-1)).toMatchObject({ type: 'done', status: 'completed', step: 2 });
  });

  it('gives spl-advise an up-front total (Magnet steps + full student epochs) that the step events lower as the selection shrinks', async () => {
    // 160 images, student batch 16: 10 updates per full epoch; 4 Magnet steps + 2 epochs → at most 24.
    const overrides = { trainLimit: 160, testLimit: 50, embeddingSteps: 4, refreshEvery: 4, epochs: 2, studentUpdates: 0 };
    const { events, error } = await collect(startRun({ experimentId: 'spl-advise', preset: 'tiny', overrides, runsRoot: runs, backend: autoCpu, signal: new AbortController().signal }));
    expect(error).toBeNull();
    expect(events[0]).toMatchObject({ type: 'started', backend: 'wasm', totalSteps: 24 });
    const steps = ofType(events, 'step');
    const totals = steps.map((s) => s.totalSteps);
    expect(totals[0]).toBe(24);
    totals.slice(1).forEach((t, i) => expect(t).toBeLessThanOrEqual(totals[i])); // never grows
    const admitted = ofType(events, 'curriculum')[1].admittedFraction; // epoch 1 trains on ⌈admitted·160 / 16⌉ batches
    expect(admitted).toBeLessThan(1);
    expect(totals.at(-1)).toBe(4 + 10 + Math.ceil(Math.round(admitted * 160) / 16));
    expect(totals.at(-1)).toBe(steps.length);
    const done = events.at(-1) as Ev<'done'>;
    expect(done).toMatchObject({ status: 'completed', step: steps.length });
    expect(done.summary).toMatchObject({ steps: steps.length, totalSteps: steps.length });
    expect(tf.getBackend()).toBe('cpu');
  });

  it('reports a plan that fails (data not found) after started, as a failed run', async () => {
    const { events, error } = await collect(startRun({ experimentId: 'spl-advise', overrides: { dataset: '/no/such/folder' }, runsRoot: runs, backend: autoCpu, signal: new AbortController().signal }));
    expect(error?.message).toMatch(/\/no\/such\/folder/);
    expect(events.map((e) => e.type)).toEqual(['started', 'done']);
    expect(events[0]).toMatchObject({ backend: 'wasm', totalSteps: 0 });
    expect(events[1]).toMatchObject({ status: 'failed', error: expect.stringContaining('/no/such/folder') });
    const status = JSON.parse(await readFile(join((events[0] as Ev<'started'>).runDir, 'status.json'), 'utf8')) as { status: string };
    expect(status.status).toBe('failed');
    expect(tf.getBackend()).toBe('cpu');
  });
});
