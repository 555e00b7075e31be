/**
 * One engine host serving experiments of different kinds (the app and `frugal serve`): with an
 * engine that chose cpu automatically, a dhp-continual run trains on wasm (its started event,
 * card and the engine's status say so), the engine is on cpu again when it ends, and a BraTS run
 * after it trains on cpu. 'experiments:estimateMemory' answers for every built experiment, even
 * while a job runs (the MLP and LeNet estimates are counted, no tensor work).
 */
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { MemoryEstimate, type EngineStatus, type EventChannel } from '../../src/shared/api';
import type { EngineEvent } from '../../src/shared/events';
import { selectBackend } from '../../src/training/backend/select';
import { createEngineHost, type EngineHost } from '../../src/training/host/engine-handlers';

type Ev<T extends EngineEvent['type']> = Extract<EngineEvent, { type: T }>;

describe('engine host: the backend per experiment', () => {
  let dir: string;
  let host: EngineHost;
  const events: { channel: EventChannel; payload: unknown }[] = [];
  const jobEvents = (jobId: string): EngineEvent[] =>
    events.filter((e) => e.channel === 'engine:event' && (e.payload as { jobId: string }).jobId === jobId).map((e) => (e.payload as { event: EngineEvent }).event);
  const jobDone = (jobId: string) =>
    new Promise<EngineEvent[]>((resolve) => {
      const check = setInterval(() => {
        if (jobEvents(jobId).some((e) => e.type === 'done') && !host.job) {
          clearInterval(check);
          resolve(jobEvents(jobId));
        }
      }, 20);
    });
  const statuses = () => events.filter((e) => e.channel === 'engine:statusChanged').map((e) => e.payload as EngineStatus);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'frugal-host-backend-'));
    const { forcedBy: _forced, ...automatic } = await selectBackend({ prefer: 'cpu' }); // as if no FRUGAL_BACKEND were set
    host = createEngineHost({ runsRoot: join(dir, 'runs'), backend: automatic, emit: (channel, payload) => events.push({ channel, payload }) });
  });

  it('trains dhp-continual on wasm, then BraTS on cpu', async () => {
    const job = await host.handlers['train:start']({ experiment: 'dhp-continual', config: { tasks: 1, trainLimit: 64, testLimit: 20, batchSize: 32, hiddenSizes: [8], epochs: 1 } });
    expect(host.status()).toMatchObject({ state: 'busy', backend: 'wasm', device: 'CPU (WebAssembly)' });
    // estimateMemory needs no tensor work, so it answers while the job trains
    expect(MemoryEstimate.safeParse(await host.handlers['experiments:estimateMemory']({ experiment: 'spl-advise', config: {} })).success).toBe(true);
    const cont = await jobDone(job.jobId);
    const started = cont[0] as Ev<'started'>;
    expect(started).toMatchObject({ type: 'started', backend: 'wasm', totalSteps: 2 });
    expect(cont.at(-1)).toMatchObject({ type: 'done', status: 'completed', step: 2 });
    const card = JSON.parse(await readFile(join(started.runDir, 'card.json'), 'utf8')) as { backend: { chosen: string } };
    expect(card.backend.chosen).toBe('wasm');
    expect(statuses().slice(-2).map((s) => [s.state, s.backend])).toEqual([
      ['busy', 'wasm'],
      ['idle', 'cpu'],
    ]);
    expect(tf.getBackend()).toBe('cpu');

    const data = join(dir, 'brats');
    await host.handlers['datasets:createDemo']({ out: data, cases: 2, size: 16, seed: 0 });
    const tiny = { widths: [4, 8], blocksPerLevel: 1, patchSize: [16, 16, 16], batchSize: 1, epochs: 1, stepsPerEpoch: 1, warmupSteps: 1, validateEvery: 0, overlap: 0.25, data };
    const bj = await host.handlers['train:start']({ experiment: 'brats', config: tiny });
    expect(host.status().backend).toBe('cpu');
    const brats = await jobDone(bj.jobId);
    expect(brats[0]).toMatchObject({ type: 'started', backend: 'cpu', totalSteps: 1 });
    expect(brats.at(-1)).toMatchObject({ type: 'done', status: 'completed' });
  });

  it('estimates memory for dhp-continual and spl-advise as a well-formed answer, not an error', async () => {
    for (const experiment of ['dhp-continual', 'spl-advise']) {
      const est = await host.handlers['experiments:estimateMemory']({ experiment, config: {} });
      expect(MemoryEstimate.safeParse(est).success, experiment).toBe(true);
      expect(est.reversibleBytes).toBeGreaterThan(0);
      expect(est.standardBytes).toBe(est.reversibleBytes); // no reversible variant
      expect(est.basis).toMatch(/^counted from the config \(its shapes × per-operation factors measured on cpu and wasm; an upper bound\)/);
    }
    // a bad value is still the request's error, naming the field
    await expect(host.handlers['experiments:estimateMemory']({ experiment: 'dhp-continual', config: { head: 'hebb' } })).rejects.toThrow(/head/);
  });
});
