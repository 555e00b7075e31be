/**
 * The one API contract between the engine and its doors (DESIGN.md, Processes): every request,
 * response and event the app exchanges with the engine is declared here once, with runtime
 * schemas (zod). Everything else is derived from it:
 *   - the engine host's handler table (`ApiHandlers`: a missing or extra handler is a type error),
 *   - the Electron preload bridge (`window.frugal`, built by iterating `API`),
 *   - the Electron main process's ipcMain handlers and the `frugal serve` WebSocket router
 *     (both validate every payload with `parseRequest`),
 *   - the renderer's client (`FrugalApi`, the same shape over IPC or WebSocket).
 * Channel names are `domain:verb`. No electron, DOM or tfjs imports here.
 */
import { z } from 'zod';
import { DetectionResults } from './detections';
import { EngineEvent } from './events';

// ---------------------------------------------------------------------------------------------
// Shared data shapes

export const BackendInfo = z.object({
  chosen: z.string().describe('tfjs backend in use: tensorflow, webgpu, wasm or cpu'),
  device: z.string().describe('where it computes, in words'),
  candidates: z.array(z.object({ name: z.string(), package: z.string().optional(), status: z.enum(['chosen', 'unavailable', 'skipped', 'failed']), reason: z.string() })),
  tfjsVersion: z.string(),
  versions: z.record(z.string(), z.string()),
  threads: z.number().nullable(),
  forcedBy: z.string().optional(),
  /** The WebGPU adapter Dawn offered, chosen or not (engine: backend/webgpu.ts GpuAdapterReport). */
  adapter: z
    .object({
      name: z.string().describe('in words: "google swiftshader (SwiftShader driver 5.0.0), Vulkan"'),
      vendor: z.string(),
      architecture: z.string(),
      device: z.string(),
      description: z.string(),
      api: z.enum(['Metal', 'Direct3D 12', 'Vulkan']),
      software: z.boolean().describe('a CPU emulation (SwiftShader, llvmpipe, WARP): never chosen unless forced'),
      softwareReason: z.string().optional(),
      limits: z.object({ maxBufferSize: z.number(), maxStorageBufferBindingSize: z.number(), maxComputeWorkgroupStorageSize: z.number(), maxComputeInvocationsPerWorkgroup: z.number() }),
    })
    .optional(),
});
export type BackendInfo = z.infer<typeof BackendInfo>;

export const AppInfo = z.object({
  app: z.object({ name: z.string(), version: z.string() }),
  versions: z.record(z.string(), z.string()),
  backend: BackendInfo,
  runsRoot: z.string(),
  /** 'electron' inside the desktop app, 'serve' in a browser tab. */
  door: z.enum(['electron', 'serve']),
});
export type AppInfo = z.infer<typeof AppInfo>;

export const DatasetProblem = z.object({ caseId: z.string(), path: z.string(), severity: z.enum(['error', 'warning']), message: z.string() });
export type DatasetProblem = z.infer<typeof DatasetProblem>;

export const Modality = z.enum(['t1', 't1ce', 't2', 'flair']);
export type Modality = z.infer<typeof Modality>;

export const CaseInfo = z.object({
  id: z.string(),
  dir: z.string(),
  scheme: z.enum(['2018-2021', '2023']),
  files: z.object({ t1: z.string(), t1ce: z.string(), t2: z.string(), flair: z.string(), seg: z.string().optional() }),
  /** [nx, ny, nz] voxels and [px, py, pz] mm of the first modality (header only). */
  dims: z.tuple([z.number(), z.number(), z.number()]).nullable(),
  pixdim: z.tuple([z.number(), z.number(), z.number()]).nullable(),
  /** Label volumes in mL (labels 1, 2, ET) when a segmentation was read. */
  labelVolumesMl: z.record(z.string(), z.number()).optional(),
  problems: z.array(DatasetProblem),
});
export type CaseInfo = z.infer<typeof CaseInfo>;

export const DatasetScan = z.object({
  root: z.string(),
  cases: z.array(CaseInfo),
  /** Problems that belong to no loadable case (a folder missing a modality, …). */
  problems: z.array(DatasetProblem),
});
export type DatasetScan = z.infer<typeof DatasetScan>;

export const ExperimentInfo = z.object({
  id: z.string(),
  title: z.string(),
  description: z.string(),
  /** false: declared in the registry but not built yet (shown as such, not hidden). */
  built: z.boolean(),
  datasets: z.array(z.string()),
  /** The config schema as JSON Schema (the form is generated from it). */
  configSchema: z.record(z.string(), z.unknown()),
  presets: z.record(z.string(), z.object({ description: z.string(), values: z.record(z.string(), z.unknown()) })),
});
export type ExperimentInfo = z.infer<typeof ExperimentInfo>;

export const RunStatus = z.enum(['running', 'completed', 'failed', 'stopped', 'interrupted', 'unreadable']);

export const RunListItem = z.object({
  id: z.string(),
  dir: z.string(),
  experiment: z.string(),
  status: RunStatus,
  startedAt: z.string(),
  endedAt: z.string().optional(),
  summary: z.record(z.string(), z.unknown()).optional(),
  problem: z.string().optional(),
});
export type RunListItem = z.infer<typeof RunListItem>;

export const RunDetail = z.object({
  id: z.string(),
  dir: z.string(),
  status: RunStatus,
  config: z.record(z.string(), z.unknown()),
  card: z.record(z.string(), z.unknown()),
  summary: z.record(z.string(), z.unknown()).nullable(),
  events: z.array(EngineEvent),
  predictions: z.array(z.object({ dir: z.string(), name: z.string(), createdAt: z.string(), data: z.string(), checkpoint: z.string(), cases: z.array(z.object({ id: z.string(), file: z.string(), source: z.string() })), evaluated: z.boolean() })),
});
export type RunDetail = z.infer<typeof RunDetail>;

export const RegionScore = z.object({ dice: z.number(), hd95: z.number(), predVoxels: z.number(), gtVoxels: z.number() });
export const Evaluation = z.object({
  predictions: z.string(),
  data: z.string(),
  cases: z.array(z.object({ caseId: z.string(), regions: z.record(z.string(), RegionScore) })),
  summary: z.object({ n: z.number(), mean: z.record(z.string(), z.object({ dice: z.number(), hd95: z.number() })) }).passthrough(),
  skipped: z.array(z.object({ id: z.string(), reason: z.string() })),
});
export type Evaluation = z.infer<typeof Evaluation>;

export const MemoryEstimate = z.object({
  patch: z.tuple([z.number(), z.number(), z.number()]),
  batchSize: z.number(),
  /** Peak training bytes predicted for the reversible net and its non-reversible twin. */
  reversibleBytes: z.number(),
  standardBytes: z.number(),
  basis: z.string().describe('how the estimate was made'),
});
export type MemoryEstimate = z.infer<typeof MemoryEstimate>;

/**
 * RevBiFPN's memory ledger: measured peak training memory per sample of the reversible backbone
 * and its non-reversible twin at the chosen size, over resolutions and num_ext_layers.
 */
export const MemoryLedgerRow = z.object({
  resolution: z.number().int().positive(),
  extLayers: z.number().int().positive(),
  /** Peak bytes of one training step per sample (activations and their gradients), weights excluded. */
  reversibleBytesPerSample: z.number(),
  twinBytesPerSample: z.number(),
  /** true: measured at this size; false: extrapolated from smaller measured sizes (linear in pixels). */
  measured: z.boolean(),
});
export type MemoryLedgerRow = z.infer<typeof MemoryLedgerRow>;
export const MemoryLedger = z.object({
  /** e.g. 'S0 (w 1, ext 2)'. */
  model: z.string(),
  backend: z.string(),
  /** Parameters, their gradients and AdamW's two moments (4 × the weights), for context. */
  weightsBytes: z.number(),
  /** The row of the chosen config (its resolution and ext). */
  chosen: MemoryLedgerRow,
  rows: z.array(MemoryLedgerRow),
  basis: z.string().describe('how it was measured'),
});
export type MemoryLedger = z.infer<typeof MemoryLedger>;

export const JobInfo = z.object({
  jobId: z.string(),
  kind: z.enum(['train', 'predict', 'evaluate', 'demo-data']),
  runId: z.string().optional(),
  startedAt: z.string(),
});
export type JobInfo = z.infer<typeof JobInfo>;

export const EngineStatus = z.object({
  state: z.enum(['starting', 'idle', 'busy', 'crashed']),
  job: JobInfo.nullable(),
  backend: z.string().nullable(),
  device: z.string().nullable(),
  memory: z.object({ tensors: z.number(), tensorBytes: z.number(), rssBytes: z.number(), gpuBytes: z.number().optional() }).nullable(),
  /** Why the engine is 'crashed' (exit code, signal, last error). */
  error: z.string().optional(),
});
export type EngineStatus = z.infer<typeof EngineStatus>;

/** The folder demo sets the GUI can write (BraTS cases have 'datasets:createDemo'). */
export const DemoFolderKind = z.enum(['images', 'coco', 'text']);
export type DemoFolderKind = z.infer<typeof DemoFolderKind>;

export const DemoFolder = z.object({
  kind: DemoFolderKind,
  out: z.string(),
  /** Where a `data` field should point, by dataset kind ('images', 'coco', 'text', 'data-to-text'). */
  folders: z.record(z.string(), z.string()),
  summary: z.string(),
});
export type DemoFolder = z.infer<typeof DemoFolder>;

/** App-menu items the renderer carries out (the desktop app's File menu). */
export const MenuCommand = z.enum(['open-dataset', 'create-demo-data']);
export type MenuCommand = z.infer<typeof MenuCommand>;

// ---------------------------------------------------------------------------------------------
// The contract

interface InvokeSpec<Req extends z.ZodType, Res extends z.ZodType> {
  readonly kind: 'invoke';
  readonly request: Req;
  readonly response: Res;
  readonly description: string;
}
interface EventSpec<P extends z.ZodType> {
  readonly kind: 'event';
  readonly payload: P;
  readonly description: string;
}

const invoke = <Req extends z.ZodType, Res extends z.ZodType>(request: Req, response: Res, description: string): InvokeSpec<Req, Res> => ({ kind: 'invoke', request, response, description });
const event = <P extends z.ZodType>(payload: P, description: string): EventSpec<P> => ({ kind: 'event', payload, description });
const none = z.object({}).strict();
const runRef = z.object({ runId: z.string().min(1) }).strict();

export const API = {
  'app:info': invoke(none, AppInfo, 'versions, backend report, runs folder'),
  'experiments:list': invoke(none, z.array(ExperimentInfo), "the registry's experiments with their config schemas and presets"),
  'experiments:estimateMemory': invoke(
    z.object({ experiment: z.string(), config: z.record(z.string(), z.unknown()) }).strict(),
    MemoryEstimate,
    'predicted peak training memory of the reversible net and its twin for a config',
  ),
  'experiments:memoryLedger': invoke(
    z.object({ experiment: z.string(), config: z.record(z.string(), z.unknown()) }).strict(),
    MemoryLedger,
    "RevBiFPN: measured training memory per sample of the reversible net and its twin at the config's size, over resolutions and num_ext_layers",
  ),
  'datasets:scan': invoke(z.object({ root: z.string().min(1) }).strict(), DatasetScan, 'discover and check the BraTS cases in a folder'),
  'datasets:createDemo': invoke(
    z.object({ out: z.string().min(1), cases: z.number().int().min(1).max(64).default(6), size: z.number().int().min(16).max(256).default(48), seed: z.number().int().min(0).default(0) }).strict(),
    DatasetScan,
    'write synthetic BraTS-like demo cases, then scan them',
  ),
  'datasets:writeDemo': invoke(
    z.object({ kind: DemoFolderKind, out: z.string().min(1), seed: z.number().int().min(0).default(0) }).strict(),
    DemoFolder,
    'write a small demo set for an experiment that reads a folder (image classes, COCO shapes, text corpus + data-to-text); never overwrites',
  ),
  'files:url': invoke(z.object({ path: z.string().min(1) }).strict(), z.object({ url: z.string() }), 'a URL the viewer can load a NIfTI file from'),
  'train:start': invoke(
    z.object({ experiment: z.string(), preset: z.string().optional(), config: z.record(z.string(), z.unknown()) }).strict(),
    JobInfo,
    'start training a new run',
  ),
  'train:resume': invoke(runRef, JobInfo, 'continue a stopped or interrupted run from its newest checkpoint'),
  'jobs:stop': invoke(z.object({ jobId: z.string() }).strict(), z.object({ stopping: z.boolean() }), 'ask the running job to stop after its current step (training checkpoints first)'),
  'runs:list': invoke(none, z.array(RunListItem), 'all runs, newest first'),
  'runs:get': invoke(runRef, RunDetail, "a run's config, card, summary, events and predictions"),
  'runs:predict': invoke(z.object({ runId: z.string(), data: z.string().min(1), checkpoint: z.string().default('best') }).strict(), JobInfo, 'predict masks for a dataset with a run'),
  'runs:getEvaluation': invoke(
    z.object({ runId: z.string(), predictions: z.string().min(1) }).strict(),
    Evaluation.nullable(),
    "the stored evaluation of one of a run's prediction folders (null when it has not been evaluated)",
  ),
  'runs:evaluate': invoke(z.object({ runId: z.string(), predictions: z.string().optional() }).strict(), Evaluation, "Dice/HD95 of a run's predictions"),
  'runs:getDetections': invoke(
    runRef,
    DetectionResults.nullable(),
    "a detection run's validation images with ground-truth and predicted boxes, and its COCO APs (null before it has any)",
  ),
  'engine:status': invoke(none, EngineStatus, 'the engine process: state, job, backend, memory'),
  'engine:restart': invoke(none, EngineStatus, 'start a new engine process after a crash'),
  'dialog:openFolder': invoke(z.object({ title: z.string().default('Open folder') }).strict(), z.object({ path: z.string().nullable() }), 'a native folder picker (desktop app only; null when cancelled or unavailable)'),

  'engine:event': event(z.object({ jobId: z.string(), event: EngineEvent }), 'an event of a running job'),
  'engine:statusChanged': event(EngineStatus, 'the engine started, became busy or idle, or crashed'),
  'app:menu': event(z.object({ command: MenuCommand }), 'the user chose an app-menu item the renderer carries out (desktop app only)'),
} as const;

export type Api = typeof API;
export type Channel = keyof Api;
export type InvokeChannel = { [K in Channel]: Api[K] extends { kind: 'invoke' } ? K : never }[Channel];
export type EventChannel = { [K in Channel]: Api[K] extends { kind: 'event' } ? K : never }[Channel];

/** What the caller passes (defaults may be omitted). */
export type RequestOf<K extends InvokeChannel> = z.input<Api[K] extends InvokeSpec<infer R, z.ZodType> ? R : never>;
/** What a handler receives (defaults applied). */
export type ParsedRequestOf<K extends InvokeChannel> = z.output<Api[K] extends InvokeSpec<infer R, z.ZodType> ? R : never>;
export type ResponseOf<K extends InvokeChannel> = z.output<Api[K] extends InvokeSpec<z.ZodType, infer R> ? R : never>;
export type PayloadOf<K extends EventChannel> = z.output<Api[K] extends EventSpec<infer P> ? P : never>;

/** The engine side: one handler per invoke channel, no more, no less. */
export type ApiHandlers = { [K in InvokeChannel]: (req: ParsedRequestOf<K>) => Promise<ResponseOf<K>> };

/** The renderer side: the same calls over any transport, plus event subscriptions. */
export type FrugalApi = {
  invoke<K extends InvokeChannel>(channel: K, req: RequestOf<K>): Promise<ResponseOf<K>>;
  on<K extends EventChannel>(channel: K, listener: (payload: PayloadOf<K>) => void): () => void;
};

/**
 * Channels the door answers itself (Electron main or `frugal serve`), because they need the
 * door's own powers (native dialogs, serving files, supervising the engine process); the engine
 * host answers every other invoke channel.
 */
export const DOOR_CHANNELS = ['files:url', 'dialog:openFolder', 'engine:status', 'engine:restart'] as const satisfies readonly InvokeChannel[];
export type DoorChannel = (typeof DOOR_CHANNELS)[number];
export type EngineChannel = Exclude<InvokeChannel, DoorChannel>;
export type EngineHandlers = Pick<ApiHandlers, EngineChannel>;
export type DoorHandlers = Pick<ApiHandlers, DoorChannel>;

/**
 * `window.frugal` in the desktop app: one method per channel of the contract, named by the
 * channel: invoke channels take the request and resolve to the response; event channels take a
 * listener and return an unsubscribe function. Nothing else (no ipcRenderer).
 */
export type FrugalBridge = { [K in InvokeChannel]: (req: RequestOf<K>) => Promise<ResponseOf<K>> } & {
  [K in EventChannel]: (listener: (payload: PayloadOf<K>) => void) => () => void;
};

export const INVOKE_CHANNELS = (Object.keys(API) as Channel[]).filter((k): k is InvokeChannel => API[k].kind === 'invoke');
export const EVENT_CHANNELS = (Object.keys(API) as Channel[]).filter((k): k is EventChannel => API[k].kind === 'event');

export class ApiValidationError extends Error {
  constructor(
    readonly channel: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiValidationError';
  }
}

function describeIssues(e: z.ZodError): string {
  return e.issues.map((i) => `${i.path.length ? i.path.join('.') : '(request)'}: ${i.message}`).join('; ');
}

/** Validates an incoming request (main process, server): throws naming the channel and field. */
export function parseRequest<K extends InvokeChannel>(channel: K, raw: unknown): ParsedRequestOf<K> {
  const spec = API[channel] as InvokeSpec<z.ZodType, z.ZodType> | undefined;
  if (!spec || spec.kind !== 'invoke') throw new ApiValidationError(String(channel), `unknown API channel '${String(channel)}'`);
  const r = spec.request.safeParse(raw ?? {});
  if (!r.success) throw new ApiValidationError(channel, `${channel}: invalid request: ${describeIssues(r.error)}`);
  return r.data as ParsedRequestOf<K>;
}

export const ENGINE_CHANNELS = INVOKE_CHANNELS.filter((c): c is EngineChannel => !(DOOR_CHANNELS as readonly string[]).includes(c));

/** Every name `window.frugal` must expose, and nothing more. */
export const BRIDGE_KEYS: readonly Channel[] = Object.keys(API) as Channel[];

export function isInvokeChannel(c: unknown): c is InvokeChannel {
  return typeof c === 'string' && (INVOKE_CHANNELS as string[]).includes(c);
}
