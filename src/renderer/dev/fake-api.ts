/**
 * Dev-only in-memory FrugalApi (loaded by `?fake` in the URL, never by production code paths):
 * plausible answers and timed events for every channel, so every view can be looked at and
 * clicked through without an engine. Scenarios: `?fake` (runs and a dataset exist), `?fake=empty`
 * (first start), `?fake=crash` (the engine crashes 12 steps into training), `?fake=electron`
 * (the folder dialog answers). Besides BraTS, continual-learning and self-paced runs (past ones
 * for the Runs view's method comparison, and live ones from Train) come from dev/fake-methods.ts;
 * a finished object-detection run with its detections and images from dev/fake-detections.ts; the
 * RevBiFPN experiments' memory ledger and live runs from dev/fake-revbifpn.ts; SPDF pre-training
 * and fine-tuning runs (past and live; a fine-tune starts from a listed pre-training run) from
 * dev/fake-spdf.ts.
 * `window.__frugalFake` exposes crash() for manual checks.
 */
import type { CaseInfo, DatasetScan, EngineStatus, EventChannel, Evaluation, ExperimentInfo, FrugalApi, InvokeChannel, JobInfo, PayloadOf, RequestOf, ResponseOf, RunDetail, RunListItem } from '../../shared/api';
import type { EngineEvent, EngineEventInput } from '../../shared/events';
import { setApi } from '../lib/api';
import bratsSchema from './brats-schema.json';
import { DETECTION_EXPERIMENT, fakeDetectionRun, fakeDetections, fakeImageUrl } from './fake-detections';
import { continualExperiment, fakeConfig, methodSummary, PAST_METHOD_RUNS, selfPacedExperiment, servedExperiment, type Tick, ticksOf } from './fake-methods';
import { FAKE_LEDGER_MS, fakeLedger, revbifpnSummary, revbifpnTicks } from './fake-revbifpn';
import { type FindPretrain, findPastPretrain, isSpdf, PAST_SPDF_RUNS, spdfFinetuneExperiment, spdfPretrainExperiment, spdfSummary, spdfTicks } from './fake-spdf';
import { syntheticVolume } from './nifti';

type Handlers = { [K in InvokeChannel]: (req: RequestOf<K>) => Promise<ResponseOf<K>> | ResponseOf<K> };
type Run = RunDetail & { experiment: string; startedAt: string; endedAt?: string; nextStep: number; totalSteps: number; ticks?: Tick[] };

const isRevbifpn = (experiment: string): boolean => experiment.startsWith('revbifpn');
/** A method, RevBiFPN or SPDF run's ticks and summary (`find`: the pre-training runs a fine-tune can start from). */
const ticksFor = (experiment: string, config: Record<string, unknown>, find: FindPretrain = findPastPretrain): Tick[] =>
  isRevbifpn(experiment) ? revbifpnTicks(experiment, config) : isSpdf(experiment) ? spdfTicks(experiment, config, find) : ticksOf(experiment, config);
const summaryOf = (experiment: string, config: Record<string, unknown>, ticks: readonly Tick[], status: 'completed' | 'stopped', find: FindPretrain = findPastPretrain): Record<string, unknown> =>
  isRevbifpn(experiment) ? revbifpnSummary(experiment, ticks, status) : isSpdf(experiment) ? spdfSummary(experiment, config, ticks, status, find) : methodSummary(experiment, config, ticks, status);
const summaryFor = (run: Run, ticks: readonly Tick[], status: 'completed' | 'stopped', find?: FindPretrain): Record<string, unknown> => summaryOf(run.experiment, run.config, ticks, status, find);

const STEP_MS = 120;
const now = (): string => new Date().toISOString();
const stamp = (e: EngineEventInput): EngineEvent => ({ ...e, time: now() }) as EngineEvent;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function fakeCases(root: string, n: number, size: number): CaseInfo[] {
  return Array.from({ length: n }, (_, i) => {
    const id = `BraTS-DEMO-${String(i + 1).padStart(3, '0')}`;
    const dir = `${root}/${id}`;
    const f = (m: string): string => `${dir}/${id}_${m}.nii.gz`;
    const problems: CaseInfo['problems'] = [];
    if (i === 2) problems.push({ caseId: id, path: f('seg'), severity: 'warning', message: 'label 3 found in a 2018-2021 case; read as ET' });
    if (i === 4) problems.push({ caseId: id, path: f('t2'), severity: 'error', message: 't2 is 48×48×47, t1 is 48×48×48: modalities must share one grid' });
    return {
      id,
      dir,
      scheme: '2018-2021',
      files: { t1: f('t1'), t1ce: f('t1ce'), t2: f('t2'), flair: f('flair'), seg: f('seg') },
      dims: [size, size, size],
      pixdim: [1, 1, 1],
      labelVolumesMl: { '1': 1.2 + i * 0.31, '2': 6.8 + i * 0.9, '4': 0.7 + i * 0.17 },
      problems,
    };
  });
}

function scanOf(root: string, n = 6, size = 48): DatasetScan {
  return {
    root,
    cases: fakeCases(root, n, size),
    problems: [{ caseId: 'BraTS-DEMO-999', path: `${root}/BraTS-DEMO-999`, severity: 'error', message: 'no flair file (expected *_flair.nii.gz or -t2f.nii.gz)' }],
  };
}

function lossAt(step: number, reversible: boolean): number {
  return 1.3 * Math.exp(-step / (reversible ? 40 : 46)) + 0.25 + 0.08 * Math.sin(step * 1.7) + 0.05 * Math.cos(step * 0.37);
}

function diceAt(step: number, k: number): number {
  return Math.max(0, Math.min(1, (0.85 - 0.08 * k) * (1 - Math.exp(-step / 50)) + 0.02 * Math.sin(step)));
}

function trainEvents(runId: string, from: number, to: number, total: number, reversible: boolean): EngineEvent[] {
  const ev: EngineEvent[] = [stamp({ type: 'started', runId, runDir: `/runs/${runId}`, experiment: 'brats', backend: 'cpu', startStep: from, totalSteps: total })];
  for (let s = from + 1; s <= to; s++) ev.push(...stepEvents(runId, s, total, reversible));
  return ev;
}

function stepEvents(runId: string, s: number, total: number, reversible: boolean): EngineEvent[] {
  const out: EngineEvent[] = [
    stamp({
      type: 'step',
      step: s,
      totalSteps: total,
      epoch: s / 25,
      loss: lossAt(s, reversible),
      lr: 3e-3 * Math.min(1, s / 10),
      stepMs: 900 + 40 * Math.sin(s),
      etaSec: (total - s) * 0.9,
      memory: { tensors: 412 + (s % 3), tensorBytes: (reversible ? 180e6 : 520e6) + 1e5 * (s % 5), rssBytes: 1.1e9 + 1e6 * s },
    }),
  ];
  if (s % 25 === 0) {
    const m = { dice_WT: diceAt(s, 0), dice_TC: diceAt(s, 1), dice_ET: diceAt(s, 2) };
    out.push(stamp({ type: 'validation', step: s, epoch: s / 25, on: '2 validation case(s), whole brain box, sliding window 32×32×32 overlap 0.25', metrics: { ...m, dice_mean: (m.dice_WT + m.dice_TC + m.dice_ET) / 3 }, best: true }));
    out.push(stamp({ type: 'checkpoint', step: s, file: `/runs/${runId}/checkpoints/step-${s}`, reason: 'interval' }));
  }
  void runId;
  return out;
}

function pastRun(id: string, reversible: boolean, status: 'completed' | 'stopped', steps: number, day: number): Run {
  const total = 150;
  const events = trainEvents(id, 0, steps, total, reversible);
  events.push(stamp({ type: 'done', status, step: steps }));
  const startedAt = new Date(Date.UTC(2025, 10, day, 9, 30)).toISOString();
  return {
    id,
    dir: `/home/user/.frugal/runs/${id}`,
    experiment: 'brats',
    status,
    startedAt,
    endedAt: startedAt,
    nextStep: steps,
    totalSteps: total,
    config: { data: '/home/user/demo-brats', seed: 0, widths: [8, 16, 32], patchSize: [32, 32, 32], batchSize: 2, reversible, epochs: 6, stepsPerEpoch: 25 },
    card: {
      id,
      experiment: 'brats',
      createdAt: startedAt,
      app: { name: 'frugal-studio', version: '0.1.0' },
      tfjs: '4.22.0',
      node: '20.19.0',
      os: { platform: 'linux', arch: 'x64' },
      seed: 0,
      preset: 'cpu-demo',
      backend: { chosen: 'cpu', device: 'CPU (JavaScript kernels)' },
      dataset: { path: '/home/user/demo-brats', fingerprint: 'sha256:3f9a…c21e (6 cases, 48³)' },
    },
    summary: status === 'completed' ? { status, steps, totalSteps: total, reversible, bestDiceMean: (diceAt(steps, 0) + diceAt(steps, 1) + diceAt(steps, 2)) / 3, bestStep: steps } : { status, steps, totalSteps: total, reversible },
    events,
    predictions: reversible
      ? [{ dir: `/home/user/.frugal/runs/${id}/predictions/best__demo-brats`, name: 'best__demo-brats', createdAt: startedAt, data: '/home/user/demo-brats', checkpoint: 'best', evaluated: true, cases: fakeCases('/home/user/demo-brats', 6, 48).map((c) => ({ id: c.id, file: `${c.id}.nii.gz`, source: c.files.t1 })) }]
      : [],
  };
}

/** A finished continual, self-paced or SPDF run, with the events the engine would have stored. */
function pastMethodRun({ id, experiment, preset, config, day }: (typeof PAST_METHOD_RUNS)[number]): Run {
  const ticks = ticksFor(experiment, config);
  const startedAt = new Date(Date.UTC(2025, 10, day, 14, 0)).toISOString();
  const totalSteps = ticks.flat().filter((e) => e.type === 'step').length;
  const summary = summaryOf(experiment, config, ticks, 'completed');
  const events = [
    stamp({ type: 'started', runId: id, runDir: `/home/user/.frugal/runs/${id}`, experiment, backend: 'cpu', startStep: 0, totalSteps }),
    ...ticks.flat().map(stamp),
    stamp({ type: 'done', status: 'completed', step: totalSteps, summary }),
  ];
  const card = { id, experiment, createdAt: startedAt, app: { name: 'frugal-studio', version: '0.1.0' }, tfjs: '4.22.0', node: '20.19.0', seed: config.seed ?? 0, preset, backend: { chosen: 'cpu', device: 'CPU (JavaScript kernels)' } };
  return { id, dir: `/home/user/.frugal/runs/${id}`, experiment, status: 'completed', startedAt, endedAt: startedAt, nextStep: totalSteps, totalSteps, config, card, summary, events, predictions: [] };
}

/** A finished detection run (dev/fake-detections.ts): its Runs panel is the detection viewer. */
function pastDetectionRun(id: string, day: number): Run {
  const startedAt = new Date(Date.UTC(2025, 10, day, 16, 0)).toISOString();
  const { config, summary, events, totalSteps } = fakeDetectionRun(id);
  const card = { id, experiment: DETECTION_EXPERIMENT, createdAt: startedAt, app: { name: 'frugal-studio', version: '0.1.0' }, tfjs: '4.22.0', node: '20.19.0', seed: 0, preset: 'cpu-demo', backend: { chosen: 'cpu', device: 'CPU (JavaScript kernels)' } };
  return { id, dir: `/home/user/.frugal/runs/${id}`, experiment: DETECTION_EXPERIMENT, status: 'completed', startedAt, endedAt: startedAt, nextStep: totalSteps, totalSteps, config, card, summary, events: events.map(stamp), predictions: [] };
}

export function createFakeApi(opts: { scenario?: string } = {}): FrugalApi {
  const scenario = opts.scenario ?? '';
  const listeners = new Map<string, Set<(p: unknown) => void>>();
  const emit = <K extends EventChannel>(channel: K, payload: PayloadOf<K>): void => listeners.get(channel)?.forEach((l) => l(payload));
  const runs: Run[] = scenario === 'empty' ? [] : [pastRun('20251125-0930-rev', true, 'completed', 150, 25), pastRun('20251124-0930-std', false, 'stopped', 110, 24), ...PAST_METHOD_RUNS.map(pastMethodRun), ...PAST_SPDF_RUNS.map(pastMethodRun), pastDetectionRun('20251123-1600-revbifpn-detect', 23)];
  let status: EngineStatus = { state: 'idle', job: null, backend: 'cpu', device: 'CPU (JavaScript kernels)', memory: { tensors: 0, tensorBytes: 0, rssBytes: 310e6 } };
  let stopRequested = false;
  let jobSeq = 0;
  const blobs = new Map<string, string>();

  const setStatus = (s: Partial<EngineStatus>): void => {
    status = { ...status, ...s };
    emit('engine:statusChanged', status);
  };
  const busy = (): void => {
    if (status.state === 'crashed') throw new Error('the engine is not running (it crashed); restart it first');
    if (status.job) throw new Error(`the engine is busy with job ${status.job.jobId}`);
  };
  const newJob = (kind: JobInfo['kind'], runId?: string): JobInfo => {
    const job: JobInfo = { jobId: `job-${++jobSeq}`, kind, runId, startedAt: now() };
    setStatus({ state: 'busy', job });
    return job;
  };
  const record = (run: Run, jobId: string, e: EngineEvent): void => {
    run.events.push(e);
    emit('engine:event', { jobId, event: e });
  };
  /** A listed spdf-pretrain run by `from`: its folder, its id or a file in its folder. */
  const findPretrain: FindPretrain = (from) => {
    const r = runs.find((x) => x.experiment === spdfPretrainExperiment.id && (from === x.id || from === x.dir || from.startsWith(`${x.dir}/`)));
    return r ? { id: r.id, dir: r.dir, config: r.config, summary: r.summary } : null;
  };
  const crash = (): void => {
    status = { ...status, state: 'crashed', job: null, error: 'engine process exited with code null (signal SIGKILL): out of memory?' };
    emit('engine:statusChanged', status);
  };

  async function runTraining(run: Run, job: JobInfo, from: number): Promise<void> {
    stopRequested = false;
    const reversible = run.config.reversible !== false;
    record(run, job.jobId, stamp({ type: 'started', runId: run.id, runDir: run.dir, experiment: 'brats', backend: 'cpu', startStep: from, totalSteps: run.totalSteps, ...(from ? { resumedFrom: `${run.dir}/checkpoints/step-${from}` } : {}) }));
    if (!from) record(run, job.jobId, stamp({ type: 'dataset', root: String(run.config.data), trainCases: ['BraTS-DEMO-001', 'BraTS-DEMO-002', 'BraTS-DEMO-003', 'BraTS-DEMO-004'], valCases: ['BraTS-DEMO-006'], problems: scanOf(String(run.config.data)).cases.flatMap((c) => c.problems) }));
    for (let s = from + 1; s <= run.totalSteps; s++) {
      await sleep(STEP_MS);
      if (status.state === 'crashed' || status.job?.jobId !== job.jobId) return;
      if (scenario === 'crash' && s === from + 12) return crash();
      for (const e of stepEvents(run.id, s, run.totalSteps, reversible)) record(run, job.jobId, e);
      run.nextStep = s;
      if (stopRequested) {
        record(run, job.jobId, stamp({ type: 'checkpoint', step: s, file: `${run.dir}/checkpoints/step-${s}`, reason: 'stop' }));
        run.status = 'stopped';
        run.summary = { status: 'stopped', steps: s, totalSteps: run.totalSteps, reversible };
        record(run, job.jobId, stamp({ type: 'done', status: 'stopped', step: s }));
        return setStatus({ state: 'idle', job: null });
      }
    }
    run.status = 'completed';
    run.summary = { status: 'completed', steps: run.totalSteps, totalSteps: run.totalSteps, reversible, bestDiceMean: 0.71, bestStep: run.totalSteps };
    record(run, job.jobId, stamp({ type: 'done', status: 'completed', step: run.totalSteps, summary: run.summary }));
    setStatus({ state: 'idle', job: null });
  }

  /** A continual or self-paced run: one tick of events per timer, from tick `from` (a resume). */
  async function runMethod(run: Run, job: JobInfo, from: number): Promise<void> {
    stopRequested = false;
    const ticks = (run.ticks ??= ticksFor(run.experiment, run.config));
    const stepOf = (i: number): number => ticks.slice(0, i).flat().filter((e) => e.type === 'step').length;
    record(run, job.jobId, stamp({ type: 'started', runId: run.id, runDir: run.dir, experiment: run.experiment, backend: 'cpu', startStep: stepOf(from), totalSteps: run.totalSteps }));
    for (let i = from; i < ticks.length; i++) {
      await sleep(STEP_MS);
      if (status.state === 'crashed' || status.job?.jobId !== job.jobId) return;
      for (const e of ticks[i]) record(run, job.jobId, stamp(e));
      run.nextStep = i + 1;
      if (stopRequested && i + 1 < ticks.length) {
        run.status = 'stopped';
        run.summary = summaryFor(run, ticks.slice(0, i + 1), 'stopped', findPretrain);
        record(run, job.jobId, stamp({ type: 'done', status: 'stopped', step: stepOf(i + 1) }));
        return setStatus({ state: 'idle', job: null });
      }
    }
    run.status = 'completed';
    run.summary = summaryFor(run, ticks, 'completed', findPretrain);
    record(run, job.jobId, stamp({ type: 'done', status: 'completed', step: run.totalSteps, summary: run.summary }));
    setStatus({ state: 'idle', job: null });
  }

  const find = (runId: string): Run => {
    const r = runs.find((x) => x.id === runId);
    if (!r) throw new Error(`runs:get: no run '${runId}' in /home/user/.frugal/runs`);
    return r;
  };

  const experiments: ExperimentInfo[] = [
    {
      id: 'brats',
      title: 'BraTS segmentation, reversible 3D U-Net',
      description: 'Brain-tumour segmentation (WT/TC/ET) from four MRI modalities with a reversible MBConv 3D U-Net.',
      built: true,
      datasets: ['brats'],
      configSchema: bratsSchema as Record<string, unknown>,
      presets: {
        'cpu-demo': { description: 'minutes on the cpu backend with demo data: 32³ patches, 3 narrow levels', values: { widths: [8, 16, 32], blocksPerLevel: 1, patchSize: [32, 32, 32], batchSize: 2, epochs: 6, stepsPerEpoch: 25, lr: 3e-3, warmupSteps: 10, minLr: 1e-4, overlap: 0.25, inferBatch: 2 } },
        'gpu-128': { description: 'BraTS on a GPU: 128³ patches (the defaults)', values: {} },
        'gpu-whole-brain': { description: 'reversible only: whole-brain-box patches 160×192×128 at batch 1', values: { patchSize: [128, 192, 160], reversible: true } },
      },
    },
    servedExperiment('revbifpn-classify'),
    servedExperiment('revbifpn-detect'),
    continualExperiment,
    selfPacedExperiment,
    spdfPretrainExperiment,
    spdfFinetuneExperiment,
  ];

  const storedEvaluations = new Map<string, Evaluation>();

  const handlers: Handlers = {
    'app:info': () => ({
      app: { name: 'frugal-studio', version: '0.1.0' },
      versions: { node: '20.19.0', tfjs: '4.22.0' },
      backend: {
        chosen: 'cpu',
        device: 'CPU (JavaScript kernels)',
        candidates: [
          { name: 'tensorflow', package: '@tensorflow/tfjs-node-gpu', status: 'unavailable', reason: 'libcudnn.so.8 not found (CUDA 11.2 / cuDNN 8.1 needed)' },
          { name: 'tensorflow', package: '@tensorflow/tfjs-node', status: 'unavailable', reason: 'not installed (optional dependency skipped)' },
          { name: 'webgpu', status: 'skipped', reason: 'no WebGPU adapter in Node' },
          { name: 'wasm', status: 'skipped', reason: 'slower than cpu for 3D convolutions' },
          { name: 'cpu', status: 'chosen', reason: 'always available' },
        ],
        tfjsVersion: '4.22.0',
        versions: {},
        threads: null,
      },
      runsRoot: '/home/user/.frugal/runs',
      door: scenario === 'electron' ? 'electron' : 'serve',
    }),
    'experiments:list': () => experiments,
    'experiments:estimateMemory': ({ config }) => {
      const patch = (config.patchSize as [number, number, number] | undefined) ?? [128, 128, 128];
      const batch = Number(config.batchSize ?? 1);
      const widths = (config.widths as number[] | undefined) ?? [16, 32, 64, 128];
      const vox = patch[0] * patch[1] * patch[2] * batch;
      const act = widths.reduce((a, w, i) => a + (w * vox) / 8 ** i, 0) * 4;
      return { patch, batchSize: batch, reversibleBytes: act * 3 + 40e6, standardBytes: act * 11 + 40e6, basis: 'dev fake: activation count × 4 bytes, not measured' };
    },
    'experiments:memoryLedger': async ({ experiment, config }) => {
      if (!isRevbifpn(experiment)) throw new Error(`experiments:memoryLedger: '${experiment}' is not a RevBiFPN experiment (the ledger is RevBiFPN's; use experiments:estimateMemory)`);
      await sleep(FAKE_LEDGER_MS); // the engine measures for seconds to a minute
      return fakeLedger(experiment, config);
    },
    'datasets:scan': async ({ root }) => {
      await sleep(150);
      if (/bad|missing/.test(root)) throw new Error(`datasets:scan: ${root}: no such folder`);
      return scanOf(root);
    },
    'datasets:createDemo': async ({ out, cases, size }) => {
      await sleep(600);
      return scanOf(out, cases ?? 6, size ?? 48);
    },
    'datasets:writeDemo': async ({ kind, out }) => {
      await sleep(600);
      if (/exists/.test(out)) throw new Error(`demo ${kind}: ${out} already exists; not overwriting it (choose another output folder or remove it)`);
      const folders: Record<string, string> = kind === 'text' ? { text: `${out}/corpus`, 'data-to-text': `${out}/e2e` } : { [kind]: out };
      return { kind, out, folders, summary: `wrote a dev-fake ${kind} demo set to ${out}` };
    },
    'files:url': ({ path }) => {
      const image = fakeImageUrl(path); // the detection run's validation images
      if (image) return { url: image };
      let url = blobs.get(path);
      if (!url) {
        const kind = /_(t1ce|t1|t2|flair|seg)\.nii/.exec(path)?.[1] ?? 'pred';
        const seed = Number(/(\d{3})(?:_[a-z0-9]+)?\.nii/.exec(path)?.[1] ?? 1);
        url = `${URL.createObjectURL(new Blob([syntheticVolume(kind, 48, seed) as BlobPart]))}#${path.split('/').pop()}`;
        blobs.set(path, url);
      }
      return { url };
    },
    'train:start': ({ experiment, preset, config }) => {
      busy();
      if (experiment !== 'brats') {
        const exp = experiments.find((e) => e.id === experiment && e.built);
        if (!exp) throw new Error(`train:start: unknown experiment '${experiment}'`);
        const id = `2025${String(Date.now()).slice(-8)}-${experiment}`;
        let resolved: Record<string, unknown>;
        let ticks: Tick[];
        try {
          resolved = fakeConfig(exp, config, preset);
          ticks = ticksFor(experiment, resolved, findPretrain);
        } catch (e) {
          throw new Error(`train:start: ${(e as Error).message}`);
        }
        const totalSteps = ticks.flat().filter((e) => e.type === 'step').length;
        const run: Run = { id, dir: `/home/user/.frugal/runs/${id}`, experiment, status: 'running', startedAt: now(), nextStep: 0, totalSteps, ticks, config: resolved, card: { id, experiment, seed: resolved.seed ?? 0, preset: preset ?? '', backend: { chosen: 'cpu' } }, summary: null, events: [], predictions: [] };
        runs.unshift(run);
        const job = newJob('train', id);
        void runMethod(run, job, 0);
        return job;
      }
      if (typeof config.data !== 'string' || !config.data) throw new Error("train:start: config of 'brats': data: Invalid input: expected string, received undefined");
      const p = config.patchSize as number[] | undefined;
      const levels = (config.widths as number[] | undefined)?.length ?? 4;
      if (p && p.some((v) => v % 2 ** (levels - 1) !== 0)) throw new Error(`train:start: config of 'brats': patchSize: each side must be divisible by 2^(levels−1) = ${2 ** (levels - 1)}`);
      const id = `2025${String(Date.now()).slice(-8)}-new`;
      const run: Run = { id, dir: `/home/user/.frugal/runs/${id}`, experiment: 'brats', status: 'running', startedAt: now(), nextStep: 0, totalSteps: 150, config, card: { id, seed: config.seed ?? 0, preset: 'cpu-demo', backend: { chosen: 'cpu' } }, summary: null, events: [], predictions: [] };
      runs.unshift(run);
      const job = newJob('train', id);
      void runTraining(run, job, 0);
      return job;
    },
    'train:resume': ({ runId }) => {
      busy();
      const run = find(runId);
      if (run.status === 'completed') throw new Error(`train:resume: run ${runId} already completed; nothing to resume`);
      run.status = 'running';
      const job = newJob('train', runId);
      void (run.experiment === 'brats' ? runTraining(run, job, run.nextStep) : runMethod(run, job, run.nextStep));
      return job;
    },
    'jobs:stop': ({ jobId }) => {
      const running = status.job?.jobId === jobId;
      if (running) stopRequested = true;
      return { stopping: running };
    },
    'runs:list': () => runs.map((r): RunListItem => ({ id: r.id, dir: r.dir, experiment: r.experiment, status: status.state === 'crashed' && r.status === 'running' ? 'interrupted' : r.status, startedAt: r.startedAt, endedAt: r.endedAt, summary: r.summary ?? undefined })),
    'runs:get': ({ runId }) => {
      const r = find(runId);
      return { ...r, status: status.state === 'crashed' && r.status === 'running' ? 'interrupted' : r.status, events: [...r.events], predictions: [...r.predictions] };
    },
    'runs:predict': ({ runId, data }) => {
      busy();
      const run = find(runId);
      const job = newJob('predict', runId);
      const scan = scanOf(data);
      void (async () => {
        for (let i = 0; i < scan.cases.length; i++) {
          await sleep(250);
          emit('engine:event', { jobId: job.jobId, event: stamp({ type: 'progress', task: 'predict', done: i + 1, total: scan.cases.length, item: scan.cases[i].id }) });
        }
        const name = `best__${data.split('/').pop()}${run.predictions.length ? `-${run.predictions.length + 1}` : ''}`;
        run.predictions.push({ dir: `${run.dir}/predictions/${name}`, name, createdAt: now(), data, checkpoint: 'best', evaluated: false, cases: scan.cases.map((c) => ({ id: c.id, file: `${c.id}.nii.gz`, source: c.files.t1 })) });
        emit('engine:event', { jobId: job.jobId, event: stamp({ type: 'done', status: 'completed', step: 0 }) });
        setStatus({ state: 'idle', job: null });
      })();
      return job;
    },
    'runs:evaluate': async ({ runId, predictions }) => {
      const run = find(runId);
      const p = run.predictions.find((x) => x.dir === predictions) ?? run.predictions.at(-1);
      if (!p) throw new Error(`runs:evaluate: run ${runId} has no predictions; predict first`);
      await sleep(400);
      p.evaluated = true;
      const cases = p.cases.map((c, i) => {
        const d = [0.9 - 0.11 * ((i * 3) % 5), 0.8 - 0.13 * ((i * 2) % 4), 0.7 - 0.2 * (i % 3)];
        const regions = Object.fromEntries(['WT', 'TC', 'ET'].map((r, k) => [r, { dice: Math.max(0, d[k]), hd95: d[k] <= 0.31 ? 373.13 : 2 + 10 * (1 - d[k]), predVoxels: 900 - 100 * k, gtVoxels: 950 - 90 * k }]));
        return { caseId: c.id, regions };
      });
      const mean = Object.fromEntries(['WT', 'TC', 'ET'].map((r) => [r, { dice: cases.reduce((a, c) => a + c.regions[r].dice, 0) / cases.length, hd95: cases.reduce((a, c) => a + c.regions[r].hd95, 0) / cases.length }]));
      const ev: Evaluation = { predictions: p.dir, data: p.data, cases, summary: { n: cases.length, mean }, skipped: [] };
      storedEvaluations.set(p.dir, ev);
      return ev;
    },
    'runs:getEvaluation': ({ predictions }) => storedEvaluations.get(predictions) ?? null,
    'runs:getDetections': ({ runId }) => (find(runId).experiment === DETECTION_EXPERIMENT ? fakeDetections() : null),
    'engine:status': () => status,
    'engine:restart': async () => {
      await sleep(300);
      status = { state: 'idle', job: null, backend: 'cpu', device: 'CPU (JavaScript kernels)', memory: { tensors: 0, tensorBytes: 0, rssBytes: 300e6 } };
      for (const r of runs) if (r.status === 'running') r.status = 'interrupted';
      emit('engine:statusChanged', status);
      return status;
    },
    'dialog:openFolder': () => ({ path: scenario === 'electron' ? '/home/user/demo-brats' : null }),
  };

  (window as unknown as { __frugalFake: object }).__frugalFake = { crash, runs };
  // Populated scenarios start with a dataset opened before (DatasetsState rescans it).
  if (scenario !== 'empty' && !localStorage.getItem('frugal.dataset')) localStorage.setItem('frugal.dataset', '/home/user/demo-brats');

  const api = {
    async invoke(channel, req) {
      await sleep(20);
      const h = handlers[channel] as (r: unknown) => unknown;
      return (await h(req ?? {})) as never;
    },
    on(channel, listener) {
      let set = listeners.get(channel);
      if (!set) listeners.set(channel, (set = new Set()));
      set.add(listener as (p: unknown) => void);
      return () => set.delete(listener as (p: unknown) => void);
    },
  } as FrugalApi;
  setApi(api); // components that take the API from lib/api.ts (the detection viewer) get the fake too
  return api;
}
