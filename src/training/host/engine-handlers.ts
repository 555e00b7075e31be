/**
 * The engine side of the API contract: one handler per engine channel (typed by
 * `EngineHandlers`, so a channel added to src/shared/api.ts without a handler here is a compile
 * error), built on the engine's own functions, the same ones the CLI calls. Transport-agnostic:
 * it gets requests already validated and hands events to `emit`; loop.ts carries them.
 *
 * Training, prediction, evaluation and demo data are jobs (jobs.ts): one at a time, events as
 * 'engine:event' {jobId, event}. 'train:start'/'train:resume'/'runs:predict' answer with the
 * JobInfo once the job has produced its first event (so a bad request is an error, not a failed
 * job); 'runs:evaluate' and 'datasets:createDemo' answer when their job is done.
 */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { AppInfo, EngineHandlers, EngineStatus, EventChannel, ExperimentInfo, JobInfo, MemoryEstimate, PayloadOf } from '../../shared/api';
import { DETECTIONS_FILE, type DetectionResults, parseDetectionResults } from '../../shared/detections';
import { memorySnapshot } from '../backend/memory';
import type { BackendReport } from '../backend/select';
import { writeDemoBrats } from '../data/brats/demo';
import { writeDemoFolder } from '../data/demo-folders';
import { evaluateBrats, readStoredEvaluation } from '../experiments/brats/evaluate';
import { recordEvaluation } from '../experiments/brats/evaluation-summary';
import { predictBrats } from '../experiments/brats/predict';
import { configJsonSchema, resolveConfig } from '../experiments/config';
import { PLANNED_EXPERIMENTS } from '../experiments/planned';
import { isRevBifpnMemoryExperiment, resolveRevBifpnMemoryRequest, RevBifpnMemoryLedger } from '../experiments/revbifpn/memory';
import { EXPERIMENTS, getExperiment } from '../experiments/registry';
import { currentBackend } from '../runs/backend';
import { resumeRun, startRun } from '../runs/driver';
import { appPackageJson } from '../runs/paths';
import { openRun } from '../runs/store';
import { scanBratsDataset } from './dataset-scan';
import { JobSlot } from './jobs';
import { MemoryEstimator } from './memory-estimate';
import { getRunDetail, listRunItems } from './run-detail';

export type Emit = <K extends EventChannel>(channel: K, payload: PayloadOf<K>) => void;

export interface EngineHostOptions {
  runsRoot: string;
  backend: BackendReport;
  emit: Emit;
  /** What 'app:info' says until the door fills in its own (it always does). */
  door?: AppInfo['door'];
}

export interface EngineHost {
  handlers: EngineHandlers;
  /** The host's own view: idle/busy, the job, backend, memory now. */
  status(): EngineStatus;
  /** The running job, if any. */
  readonly job: JobInfo | null;
  /** Stops the running job (if any) and resolves when it has ended. */
  stopAndWait(): Promise<void>;
}

function experimentInfos(): ExperimentInfo[] {
  const built: ExperimentInfo[] = Object.values(EXPERIMENTS).map((e) => ({
    id: e.id,
    title: e.title,
    description: e.description,
    built: true,
    datasets: [...e.datasets],
    configSchema: configJsonSchema(e) as unknown as Record<string, unknown>,
    presets: Object.fromEntries(Object.entries(e.presets).map(([k, p]) => [k, { description: p.description, values: { ...(p.values as Record<string, unknown>) } }])),
  }));
  const planned: ExperimentInfo[] = PLANNED_EXPERIMENTS.map((p) => ({
    id: p.id,
    title: p.title,
    description: p.description,
    built: false,
    datasets: [...p.datasets],
    configSchema: {},
    presets: {},
  }));
  return [...built, ...planned];
}

/** A well-formed answer for an experiment without a memory model: zero bytes, and why. */
function notApplicable(id: string): MemoryEstimate {
  return { patch: [0, 0, 0], batchSize: 0, reversibleBytes: 0, standardBytes: 0, basis: `not applicable: experiment '${id}' has no memory model` };
}

/** A dataset folder must exist before a run is created for it (else the run fails at once). */
async function checkFolder(path: string, field: string): Promise<void> {
  const s = await stat(path).catch(() => null);
  if (!s) throw new Error(`${field}: dataset folder ${path} does not exist`);
  if (!s.isDirectory()) throw new Error(`${field}: ${path} is not a folder`);
}

/**
 * A detection run's detections.json (shared/detections.ts), validated: null when the run has
 * none yet; unreadable or malformed, an error naming the file (and the field).
 */
async function readStoredDetections(runDir: string): Promise<DetectionResults | null> {
  const file = join(runDir, DETECTIONS_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new Error(`cannot read ${file}: ${(e as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new Error(`${file} is not valid JSON: ${(e as Error).message}`);
  }
  return parseDetectionResults(raw, file);
}

export function createEngineHost(opts: EngineHostOptions): EngineHost {
  const { runsRoot, backend, emit } = opts;
  const status = (): EngineStatus => {
    const m = memorySnapshot();
    const now = currentBackend(backend); // a running continual or self-paced run may have moved to wasm
    return {
      state: jobs.current ? 'busy' : 'idle',
      job: jobs.current,
      backend: now.chosen,
      device: now.device,
      memory: { tensors: m.tensors, tensorBytes: m.bytes, rssBytes: m.rss, ...(m.gpuBytes !== undefined ? { gpuBytes: m.gpuBytes } : {}) },
    };
  };
  let ended: Promise<unknown> = Promise.resolve();
  const jobs: JobSlot = new JobSlot({
    event: (jobId, event) => emit('engine:event', { jobId, event }),
    changed: () => emit('engine:statusChanged', status()),
  });
  const estimator = new MemoryEstimator();
  const ledgers = new RevBifpnMemoryLedger();
  const track = <T>(p: Promise<T>): Promise<T> => {
    ended = p.catch(() => undefined);
    return p;
  };

  const handlers: EngineHandlers = {
    'app:info': async () => {
      const app = appPackageJson();
      return {
        app: { name: app?.productName ?? app?.name ?? 'Frugal Studio', version: app?.version ?? '0.0.0' },
        versions: { ...backend.versions, ...(app ? { app: app.version } : {}) },
        backend,
        runsRoot,
        door: opts.door ?? 'serve',
      };
    },

    'experiments:list': async () => experimentInfos(),

    'experiments:estimateMemory': async ({ experiment, config }) => {
      // RevBiFPN measures (experiments/revbifpn/memory.ts: async tensor work, so not an
      // experiment's synchronous `estimateMemory`); the answer comes from the memory ledger.
      if (isRevBifpnMemoryExperiment(experiment)) {
        const req = resolveRevBifpnMemoryRequest(experiment, config);
        const busy = jobs.busyReason();
        if (busy && !ledgers.isCached(req)) throw new Error(`experiments:estimateMemory: cannot measure now: ${busy}`);
        return ledgers.estimate(req, { busy: () => jobs.busyReason() });
      }
      const exp = getExperiment(experiment);
      // An experiment that counts its memory from the config (experiments/memory-count.ts) answers at once.
      if (exp.estimateMemory) return exp.estimateMemory(resolveConfig(exp, { overrides: config }));
      if (exp.id !== 'brats') return notApplicable(exp.id);
      const cfg = MemoryEstimator.resolve(config);
      // A measurement is tensor work under tf.profile, whose peak is engine-global: a training
      // step running in between would be counted. Cached configs need no measurement.
      const busy = jobs.busyReason();
      if (busy && !estimator.isCached(cfg)) throw new Error(`experiments:estimateMemory: cannot measure now: ${busy}`);
      return estimator.estimate(cfg);
    },

    'experiments:memoryLedger': async ({ experiment, config }) => {
      const req = resolveRevBifpnMemoryRequest(experiment, config); // only revbifpn-classify / revbifpn-detect have one
      // Like estimateMemory: a measurement under tf.profile must not overlap a training step.
      const busy = jobs.busyReason();
      if (busy && !ledgers.isCached(req)) throw new Error(`experiments:memoryLedger: cannot measure now: ${busy}`);
      return (await ledgers.ledger(req, { busy: () => jobs.busyReason() })).ledger;
    },

    'datasets:scan': async ({ root }) => scanBratsDataset(root),

    'datasets:createDemo': async ({ out, cases, size, seed }) => {
      const job = await jobs.start({
        kind: 'demo-data',
        async *make() {
          yield { type: 'log', level: 'info', message: `writing ${cases} synthetic BraTS case(s) of ${size}³ voxels to ${out}` };
          return writeDemoBrats({ out, cases, size, seed });
        },
        summarize: (r) => ({ out, cases: r.caseIds, etEmpty: r.etEmptyIds }),
      });
      await track(job.result);
      return scanBratsDataset(out);
    },

    'datasets:writeDemo': async ({ kind, out, seed }) => {
      const job = await jobs.start({
        kind: 'demo-data',
        async *make() {
          yield { type: 'log', level: 'info', message: `writing the ${kind} demo set to ${out}` };
          return writeDemoFolder(kind, { out, seed });
        },
        summarize: (r) => ({ out, folders: r.folders }),
      });
      const r = await track(job.result);
      return { kind, out, folders: r.folders, summary: `wrote ${r.title} to ${out}: ${r.details}` };
    },

    'train:start': async ({ experiment, preset, config }) => {
      // Resolve once here so a bad config is the request's error; startRun resolves it again.
      const resolved = resolveConfig(getExperiment(experiment), { preset, overrides: config }) as { data?: unknown };
      if (typeof resolved.data === 'string') await checkFolder(resolved.data, 'config.data');
      const job = await jobs.start({
        kind: 'train',
        make: (signal) => startRun({ experimentId: experiment, preset, overrides: config, runsRoot, backend, signal }),
      });
      track(job.result);
      return job.info;
    },

    'train:resume': async ({ runId }) => {
      const job = await jobs.start({
        kind: 'train',
        make: (signal) => resumeRun({ run: runId, runsRoot, backend, signal }),
      });
      track(job.result);
      return job.info;
    },

    'jobs:stop': async ({ jobId }) => ({ stopping: jobs.stop(jobId) }),

    'runs:list': async () => listRunItems(runsRoot),

    'runs:get': async ({ runId }) => getRunDetail(runsRoot, runId),

    'runs:predict': async ({ runId, data, checkpoint }) => {
      const run = await openRun(runsRoot, runId);
      const job = await jobs.start({
        kind: 'predict',
        runId: run.id,
        make: (signal) => predictBrats({ runDir: run.dir, data, checkpoint, signal }),
        summarize: (r) => ({ dir: r.dir, predicted: r.manifest.cases.length, failed: r.manifest.failed.length }),
      });
      track(job.result);
      return job.info;
    },

    'runs:getEvaluation': async ({ runId, predictions }) => {
      const run = await openRun(runsRoot, runId);
      const ev = await readStoredEvaluation(run.dir, predictions);
      return ev && { predictions: ev.predictions, data: ev.data, cases: ev.cases, summary: { ...ev.summary }, skipped: ev.skipped };
    },
    'runs:getDetections': async ({ runId }) => readStoredDetections((await openRun(runsRoot, runId)).dir),

    'runs:evaluate': async ({ runId, predictions }) => {
      const run = await openRun(runsRoot, runId);
      const job = await jobs.start({
        kind: 'evaluate',
        runId: run.id,
        make: () => evaluateBrats({ runDir: run.dir, predictions }),
        summarize: (r) => ({ predictions: r.predictions, n: r.summary.n, mean: r.summary.mean }),
      });
      const result = await track(job.result);
      await recordEvaluation(run, result);
      return { predictions: result.predictions, data: result.data, cases: result.cases, summary: { ...result.summary }, skipped: result.skipped };
    },
  };

  return {
    handlers,
    status,
    get job() {
      return jobs.current;
    },
    async stopAndWait() {
      const j = jobs.current;
      if (j) jobs.stop(j.jobId);
      await ended;
    },
  };
}
