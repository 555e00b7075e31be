// TrainState: presets fill the form, the estimate is debounced and only the newest answer shows,
// the server's field errors land on their fields, Start is blocked with a reason.
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ExperimentInfo, MemoryEstimate } from '../../src/shared/api';
import schema from '../../src/renderer/dev/brats-schema.json';
import { DatasetsState } from '../../src/renderer/state/datasets.svelte';
import { EngineState } from '../../src/renderer/state/engine.svelte';
import { JobsState } from '../../src/renderer/state/jobs.svelte';
import { ESTIMATE_DEBOUNCE_MS, TrainState } from '../../src/renderer/state/train.svelte';
import { flush, idle, TestApi } from './fake-api';

const brats: ExperimentInfo = {
  id: 'brats',
  title: 'BraTS',
  description: '',
  built: true,
  datasets: ['brats'],
  configSchema: schema as Record<string, unknown>,
  presets: { 'gpu-128': { description: '', values: {} }, 'cpu-demo': { description: '', values: { patchSize: [32, 32, 32], batchSize: 2 } } },
};
const planned: ExperimentInfo = { ...brats, id: 'coco', title: 'COCO', built: false, configSchema: {}, presets: {} };

async function setup() {
  const api = new TestApi().handle('experiments:list', () => [planned, brats]).handle('engine:status', () => idle).handle('app:info', () => ({}) as never);
  const engine = new EngineState(api);
  const jobs = new JobsState(api, engine);
  jobs.connect();
  engine.connect();
  const datasets = new DatasetsState(api);
  const train = new TrainState(api, jobs, datasets);
  await train.load();
  return { api, jobs, train };
}

afterEach(() => vi.useRealTimers());

describe('TrainState', () => {
  it('starts on the first built experiment with its cpu preset', async () => {
    const { train } = await setup();
    expect(train.experimentId).toBe('brats');
    expect(train.preset).toBe('cpu-demo');
    expect(train.form.values.patchSize).toEqual([32, 32, 32]);
    expect(train.form.values.widths).toEqual([16, 32, 64, 128]); // schema default
    train.form.set('data', '/d');
    train.selectPreset('gpu-128');
    expect(train.form.values.patchSize).toEqual([128, 128, 128]);
    expect(train.form.values.data).toBe('/d'); // the folder survives a preset change
  });

  it('blocks Start with a reason: invalid fields, then a busy engine', async () => {
    const { api, train } = await setup();
    expect(train.startBlocker).toBe('fix the fields marked in red'); // data is empty
    train.form.set('data', '/d');
    expect(train.startBlocker).toBeNull();
    api.emit('engine:statusChanged', { ...idle, state: 'busy', job: { jobId: 'j9', kind: 'predict', runId: 'r9', startedAt: 'x' } });
    expect(train.startBlocker).toBe('the engine is busy with a predict job (run r9)');
  });

  it('puts the field named in a server error next to that field', async () => {
    const { api, train } = await setup();
    api.handle('train:start', () => Promise.reject(new Error("train:start: config of 'brats': patchSize: each side must be divisible by 8")));
    train.form.set('data', '/d');
    await train.start();
    expect(train.form.errors.patchSize).toBe('each side must be divisible by 8');
    expect(train.actionError).toBe('the engine rejected the fields marked in red');
    train.form.set('patchSize', ['64', '64', '64']);
    expect(train.form.errors.patchSize).toBeUndefined(); // editing the field clears it
  });

  it('sends the form values and tracks the new job', async () => {
    const { api, train, jobs } = await setup();
    api.handle('train:start', () => ({ jobId: 'j1', kind: 'train' as const, runId: 'r1', startedAt: 'x' }));
    train.form.set('data', '/d');
    await train.start();
    const req = api.callsTo('train:start')[0] as { experiment: string; preset: string; config: Record<string, unknown> };
    expect(req.experiment).toBe('brats');
    expect(req.preset).toBe('cpu-demo');
    expect(req.config).toMatchObject({ data: '/d', patchSize: [32, 32, 32], batchSize: 2, reversible: true });
    expect(jobs.active?.info.jobId).toBe('j1');
    expect(train.job?.runId).toBe('r1');
  });

  it('debounces the memory estimate and keeps only the newest answer', async () => {
    const { api, train } = await setup();
    vi.useFakeTimers();
    const answers: ((e: MemoryEstimate) => void)[] = [];
    api.handle('experiments:estimateMemory', () => new Promise<MemoryEstimate>((r) => answers.push(r)));
    const est = (b: number): MemoryEstimate => ({ patch: [32, 32, 32], batchSize: b, reversibleBytes: b, standardBytes: 3 * b, basis: 'test' });
    train.form.set('batchSize', '3');
    train.scheduleEstimate();
    train.form.set('batchSize', '4');
    train.scheduleEstimate();
    vi.advanceTimersByTime(ESTIMATE_DEBOUNCE_MS - 1);
    expect(api.callsTo('experiments:estimateMemory')).toHaveLength(0);
    vi.advanceTimersByTime(1);
    expect(api.callsTo('experiments:estimateMemory')).toHaveLength(1);
    expect((api.callsTo('experiments:estimateMemory')[0] as { config: Record<string, unknown> }).config).toMatchObject({ batchSize: 4 });
    expect((api.callsTo('experiments:estimateMemory')[0] as { config: Record<string, unknown> }).config).not.toHaveProperty('data');
    train.form.set('batchSize', '5');
    train.scheduleEstimate();
    vi.advanceTimersByTime(ESTIMATE_DEBOUNCE_MS);
    answers[1](est(5));
    answers[0](est(4)); // the older answer arrives last
    vi.useRealTimers();
    await flush();
    expect(train.estimate?.batchSize).toBe(5);
  });

  it('gives no estimate for an invalid config, and says why', async () => {
    const { api, train } = await setup();
    api.handle('experiments:estimateMemory', () => Promise.reject(new Error('should not be called')));
    train.form.set('batchSize', '0');
    await train.estimateNow();
    expect(train.estimate).toBeNull();
    expect(train.estimateError).toMatch(/fields marked in red/);
    expect(api.callsTo('experiments:estimateMemory')).toHaveLength(0);
  });
});
