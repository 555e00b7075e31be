/**
 * The engine's API handlers in this process (cpu backend, no transport): the experiment list
 * with the methods not built yet, the dataset scan with per-case problems and label volumes, the
 * memory estimate against a direct measurement, folder demo sets, one job at a time, and train → predict →
 * evaluate → runs:get with the evaluation merged into summary.json.
 */
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { EngineStatus, EventChannel } from '../../src/shared/api';
import type { EngineEvent } from '../../src/shared/events';
import { measurePeak } from '../../src/training/backend/memory';
import { selectBackend } from '../../src/training/backend/select';
import { countParams, disposeParams, flattenParams } from '../../src/training/core/params';
import { Rng } from '../../src/training/core/rng';
import { writeDemoBrats } from '../../src/training/data/brats/demo';
import { makeNiftiHeader, readNifti, writeNifti } from '../../src/training/data/nifti';
import { PLANNED_EXPERIMENTS } from '../../src/training/experiments/planned';
import { EXPERIMENTS } from '../../src/training/experiments/registry';
import { createEngineHost, type EngineHost } from '../../src/training/host/engine-handlers';
import { softDiceLoss } from '../../src/training/losses/dice';
import { applyRevUnet3d, initRevUnet3d, REV_UNET3D_DEFAULTS } from '../../src/training/models/rev-unet3d';

const tiny = { widths: [4, 8], blocksPerLevel: 1, patchSize: [16, 16, 16], batchSize: 1, epochs: 1, stepsPerEpoch: 2, warmupSteps: 1, validateEvery: 0, overlap: 0.25 };

describe('engine handlers', () => {
  let dir: string;
  let host: EngineHost;
  const events: { channel: EventChannel; payload: unknown }[] = [];
  const jobDone = (jobId: string) =>
    new Promise<EngineEvent>((resolve) => {
      const check = setInterval(() => {
        const d = events.find((e) => e.channel === 'engine:event' && (e.payload as { jobId: string }).jobId === jobId && (e.payload as { event: EngineEvent }).event.type === 'done');
        if (d && !host.job) {
          clearInterval(check);
          resolve((d.payload as { event: EngineEvent }).event);
        }
      }, 20);
    });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'frugal-host-'));
    const backend = await selectBackend({ prefer: 'cpu' });
    host = createEngineHost({ runsRoot: join(dir, 'runs'), backend, emit: (channel, payload) => events.push({ channel, payload }) });
  });

  it('lists every built experiment with its schema and presets, and the methods not built yet', async () => {
    const list = await host.handlers['experiments:list']({});
    const brats = list.find((e) => e.id === 'brats')!;
    expect(brats.built).toBe(true);
    expect(Object.keys((brats.configSchema as { properties: object }).properties)).toContain('patchSize');
    expect(Object.keys(brats.presets)).toContain('cpu-demo');
    expect(list.filter((e) => e.built).map((e) => e.id)).toEqual(Object.keys(EXPERIMENTS));
    const planned = list.filter((e) => !e.built);
    expect(planned.map((e) => e.id)).toEqual(PLANNED_EXPERIMENTS.map((p) => p.id));
    expect(list.filter((e) => e.built).map((e) => e.id)).toEqual(expect.arrayContaining(['spdf-pretrain', 'spdf-finetune']));
    for (const p of planned) expect(p.description.length).toBeGreaterThan(20);
  });

  it('scans a dataset: header geometry, label volumes in mL from pixdim, and each case its own problems', async () => {
    const data = join(dir, 'scan');
    await writeDemoBrats({ out: data, cases: 3, size: 16, seed: 2, spacing: [1, 1, 2] });
    // Demo_001: a flair with NaNs, a seg with the 2023 ET label 3. Demo_002: a t2 on another grid.
    const flair = await readNifti(join(data, 'Demo_001', 'Demo_001_flair.nii.gz'));
    const nanFlair = Float32Array.from(flair.data);
    nanFlair[5] = NaN;
    await writeNifti(flair.path, flair.header, nanFlair, { datatype: 'float32', overwrite: true });
    const seg1 = await readNifti(join(data, 'Demo_001', 'Demo_001_seg.nii.gz'));
    const seg = Uint8Array.from(seg1.data);
    seg[0] = 3;
    seg[1] = 3;
    await writeNifti(seg1.path, seg1.header, seg, { datatype: 'uint8', overwrite: true });
    await writeNifti(join(data, 'Demo_002', 'Demo_002_t2.nii.gz'), makeNiftiHeader([16, 16, 8], [1, 1, 2]), new Int16Array(16 * 16 * 8).fill(5), { datatype: 'int16', overwrite: true });

    const scan = await host.handlers['datasets:scan']({ root: data });
    expect(scan.cases.map((c) => c.id)).toEqual(['Demo_001', 'Demo_002', 'Demo_003']);
    const [c1, c2, c3] = scan.cases;
    expect(c1.dims).toEqual([16, 16, 16]);
    expect(c1.pixdim).toEqual([1, 1, 2]);
    expect(c1.problems.map((p) => p.message).join('\n')).toMatch(/1 of 4096 voxels are not finite[\s\S]*unknown label values 3 \(2 voxels\)/);
    expect(c2.problems).toHaveLength(1);
    expect(c2.problems[0]).toMatchObject({ caseId: 'Demo_002', severity: 'error', path: join(data, 'Demo_002', 'Demo_002_t2.nii.gz') });
    expect(c2.problems[0].message).toContain('shape mismatch');
    expect(c3.problems).toEqual([]);
    // mL = voxels × (1·1·2 mm³) / 1000
    const gt = (await readNifti(c3.files.seg!)).data;
    const count = (v: number) => gt.reduce((n, x) => n + (x === v ? 1 : 0), 0);
    expect(c3.labelVolumesMl).toEqual({ '1': (count(1) * 2) / 1000, '2': (count(2) * 2) / 1000, '4': (count(4) * 2) / 1000 });
  });

  it('estimates training memory from a small measurement, close to a direct one, and caches it', async () => {
    const config = { widths: [8, 16], blocksPerLevel: 1, patchSize: [32, 32, 32], batchSize: 1 };
    const est = await host.handlers['experiments:estimateMemory']({ experiment: 'brats', config });
    expect(est.basis).toContain('16×16×16');
    expect(est.reversibleBytes).toBeLessThan(est.standardBytes);
    // Direct measurement of the reversible step at 32³, plus what the estimate adds on top of the step peak.
    const cfg = { ...REV_UNET3D_DEFAULTS, widths: [8, 16], blocksPerLevel: 1 };
    const params = initRevUnet3d(cfg, new Rng(0));
    const vars = [...flattenParams(params).values()];
    const x = tf.randomNormal([1, 32, 32, 32, 4]) as tf.Tensor5D;
    const y = tf.tidy(() => tf.cast(tf.greater(tf.randomUniform([1, 32, 32, 32, 3]), 0.5), 'float32')) as tf.Tensor5D;
    const m = await measurePeak(() => {
      const r = tf.variableGrads(() => softDiceLoss(applyRevUnet3d(params, x, cfg), y, { bceWeight: 0.5 }), vars);
      tf.dispose([r.value, ...Object.values(r.grads)]);
    });
    const paramBytes = countParams(params) * 4;
    tf.dispose([x, y]);
    disposeParams(params);
    const direct = m.peakBytes + 3 * paramBytes + 32 ** 3 * 7 * 4;
    expect(Math.abs(est.reversibleBytes - direct) / direct).toBeLessThan(0.05); // measured: 0.2% at 32³
    // Linear in batch × voxels beyond the fixed part; the cached measurement answers at once.
    const t0 = performance.now();
    const est2 = await host.handlers['experiments:estimateMemory']({ experiment: 'brats', config: { ...config, batchSize: 2 } });
    expect(performance.now() - t0).toBeLessThan(200);
    const fixed = 4 * paramBytes;
    expect((est2.reversibleBytes - fixed) / (est.reversibleBytes - fixed)).toBeCloseTo(2, 2);
    await expect(host.handlers['experiments:estimateMemory']({ experiment: 'brats', config: { ...config, patchSize: 'big' } })).rejects.toThrow(/patchSize/);
  });

  it('writes a folder demo set as a job and says where each data field points; never over an existing set', async () => {
    const out = join(dir, 'demo-text');
    const r = await host.handlers['datasets:writeDemo']({ kind: 'text', out, seed: 0 });
    expect(r.folders).toEqual({ text: join(out, 'corpus'), 'data-to-text': join(out, 'e2e') });
    expect(r.summary).toMatch(/^wrote a demo text set to .*demo-text: corpus .*Moby-Dick, \d+ files.*train 800 rows/);
    expect((await readdir(r.folders.text)).length).toBeGreaterThan(10);
    expect(await readdir(r.folders['data-to-text'])).toEqual(expect.arrayContaining(['trainset.csv', 'devset.csv']));
    const jobEvents = events.filter((e) => e.channel === 'engine:event').map((e) => (e.payload as { event: EngineEvent }).event);
    expect(jobEvents.find((e) => e.type === 'done')).toMatchObject({ status: 'completed', summary: { out, folders: r.folders } });
    const before = await readFile(join(out, 'e2e', 'trainset.csv'), 'utf8');
    await expect(host.handlers['datasets:writeDemo']({ kind: 'text', out, seed: 1 })).rejects.toThrow(`${out}: folder is not empty`);
    expect(await readFile(join(out, 'e2e', 'trainset.csv'), 'utf8')).toBe(before);
    expect(host.status().state).toBe('idle');
  });

  it('trains, refuses a second job while busy, predicts, evaluates, and shows it all in runs:get', async () => {
    const data = join(dir, 'train');
    await host.handlers['datasets:createDemo']({ out: data, cases: 2, size: 24, seed: 0 });
    const job = await host.handlers['train:start']({ experiment: 'brats', config: { ...tiny, data } });
    expect(host.status().state).toBe('busy');
    await expect(host.handlers['runs:evaluate']({ runId: job.runId! })).rejects.toThrow(`the engine is busy with train job ${job.jobId} (run ${job.runId})`);
    expect(await jobDone(job.jobId)).toMatchObject({ status: 'completed', step: 2 });
    const statuses = events.filter((e) => e.channel === 'engine:statusChanged').map((e) => (e.payload as EngineStatus).state);
    expect(statuses.slice(-2)).toEqual(['busy', 'idle']);

    const pj = await host.handlers['runs:predict']({ runId: job.runId!, data, checkpoint: 'last' });
    expect(pj).toMatchObject({ kind: 'predict', runId: job.runId });
    expect(await jobDone(pj.jobId)).toMatchObject({ type: 'done', status: 'completed', summary: { predicted: 2, failed: 0 } });

    const ev = await host.handlers['runs:evaluate']({ runId: job.runId! });
    expect(ev.summary.n).toBe(2);
    expect(Object.keys(ev.summary.mean).sort()).toEqual(['ET', 'TC', 'WT']);

    const detail = await host.handlers['runs:get']({ runId: job.runId! });
    expect(detail.status).toBe('completed');
    expect(detail.config).toMatchObject({ widths: [4, 8], data });
    expect(detail.events.filter((e) => e.type === 'step')).toHaveLength(2);
    expect(detail.predictions).toHaveLength(1);
    expect(detail.predictions[0]).toMatchObject({ data, evaluated: true });
    expect(detail.predictions[0].cases.map((c) => c.id)).toEqual(['Demo_001', 'Demo_002']);
    // The stored evaluation reads back equal to the one just computed; none outside the run.
    expect(await host.handlers['runs:getEvaluation']({ runId: job.runId!, predictions: detail.predictions[0].dir })).toEqual(ev);
    await expect(host.handlers['runs:getEvaluation']({ runId: job.runId!, predictions: detail.dir })).rejects.toThrow(/not a prediction folder/);
    // The training summary is kept; the evaluation is added (one function, shared with the CLI).
    const summary = JSON.parse(await readFile(join(detail.dir, 'summary.json'), 'utf8')) as Record<string, unknown>;
    expect(summary).toMatchObject({ status: 'completed', steps: 2, evaluation: { n: 2, predictions: detail.predictions[0].dir } });
    expect(detail.summary).toEqual(summary);
  });
});
