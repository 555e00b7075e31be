/**
 * The CLI verbs: thin wrappers that parse flags, pick the backend, call the engine and show its
 * events. No training logic lives here.
 */
import type { DemoFolderKind } from '../shared/api';
import type { EngineEvent } from '../shared/events';
import { formatDoctor, runDoctor } from '../training/backend/doctor';
import { selectBackend, type BackendReport } from '../training/backend/select';
import { writeDemoBrats } from '../training/data/brats/demo';
import { DEMO_FOLDER_OPTIONS, writeDemoFolder } from '../training/data/demo-folders';
import { evaluateBrats } from '../training/experiments/brats/evaluate';
import { recordEvaluation } from '../training/experiments/brats/evaluation-summary';
import { predictBrats } from '../training/experiments/brats/predict';
import { coerceCliValue, configJsonSchema, kebab } from '../training/experiments/config';
import type { BackendPurpose } from '../training/experiments/experiment';
import { getExperiment } from '../training/experiments/registry';
import { resumeRun, startRun } from '../training/runs/driver';
import { defaultRunsRoot } from '../training/runs/paths';
import { listRuns, openRun, type ListedRun } from '../training/runs/store';
import { stamp, type EngineEventInput } from '../shared/events';
import { formatDuration, jsonSink, textSink, type EventSink } from './output';

interface CommonOptions {
  runs?: string;
  backend?: string;
  json?: boolean;
}

const runsRoot = (o: CommonOptions): string => o.runs ?? defaultRunsRoot();
const sinkFor = (o: CommonOptions): EventSink => (o.json ? jsonSink() : textSink());

/** The backend for this process; `purpose` is the experiment's (wasm is welcome for 'matmul'). A --backend wins. */
async function backendFor(o: CommonOptions, purpose?: BackendPurpose): Promise<BackendReport> {
  return selectBackend({ ...(o.backend !== undefined ? { prefer: o.backend } : {}), ...(purpose ? { purpose } : {}) });
}

/** Ctrl-C once: stop after the current step (with a checkpoint); twice: exit now. */
function stopOnSigint(sink: EventSink): AbortController {
  const ac = new AbortController();
  const handler = () => {
    if (ac.signal.aborted) {
      process.stderr.write('\nfrugal: second Ctrl-C, exiting without a final checkpoint\n');
      process.exit(130);
    }
    sink.event(stamp({ type: 'log', level: 'warn', message: 'stopping after the current step (writing a checkpoint); Ctrl-C again to exit now' }));
    ac.abort();
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return ac;
}

/** Drains an engine generator into a sink; returns the generator's result. */
async function pump<T>(gen: AsyncGenerator<EngineEvent | EngineEventInput, T, void>, sink: EventSink, stampIt: boolean): Promise<T> {
  try {
    let r = await gen.next();
    while (!r.done) {
      sink.event(stampIt ? stamp(r.value as EngineEventInput) : (r.value as EngineEvent));
      r = await gen.next();
    }
    return r.value;
  } finally {
    sink.close();
  }
}

export async function doctorCommand(o: CommonOptions): Promise<void> {
  const report = await runDoctor(o.backend !== undefined ? { select: { prefer: o.backend } } : {});
  process.stdout.write(o.json ? `${JSON.stringify(report)}\n` : `${formatDoctor(report)}\n`);
  if (!report.sanity.pass || !report.volumeSanity.pass) process.exitCode = 1;
}

/** Flags of `frugal demo-data`, as strings (each kind applies its own defaults). */
export interface DemoDataFlags {
  out: string;
  seed: string;
  size?: string;
  cases?: string; // brats
  scheme?: string; // brats
  images?: string; // coco
  val?: string; // coco
  perClass?: string; // images
  valPerClass?: string; // images
}

/** Which flags each kind takes (besides --out and --seed). */
const DEMO_KIND_FLAGS: Record<string, (keyof DemoDataFlags)[]> = {
  brats: ['size', 'cases', 'scheme'],
  ...DEMO_FOLDER_OPTIONS,
};

export async function demoDataCommand(kind: string, o: DemoDataFlags): Promise<void> {
  const allowed = DEMO_KIND_FLAGS[kind];
  if (!allowed) throw new Error(`demo-data: unknown kind '${kind}' (kinds: ${Object.keys(DEMO_KIND_FLAGS).join(', ')})`);
  for (const key of ['size', 'cases', 'scheme', 'images', 'val', 'perClass', 'valPerClass'] as const) {
    if (o[key] !== undefined && !allowed.includes(key)) {
      const users = Object.keys(DEMO_KIND_FLAGS).filter((k) => DEMO_KIND_FLAGS[k].includes(key));
      throw new Error(`demo-data ${kind}: --${kebab(key)} applies to ${users.join(', ')} only`);
    }
  }
  const num = (flag: string, v: string): number => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isInteger(n)) throw new Error(`demo-data: --${flag} '${v}' is not an integer`);
    return n;
  };
  const opt = (key: 'size' | 'images' | 'val' | 'perClass' | 'valPerClass'): number | undefined => (o[key] === undefined ? undefined : num(kebab(key), o[key]));
  const seed = num('seed', o.seed);
  const t0 = performance.now();
  const took = (): string => formatDuration((performance.now() - t0) / 1000);
  if (kind !== 'brats') {
    const r = await writeDemoFolder(kind as DemoFolderKind, { out: o.out, seed, size: opt('size'), images: opt('images'), val: opt('val'), perClass: opt('perClass'), valPerClass: opt('valPerClass') });
    process.stderr.write(`wrote ${r.title} to ${o.out} in ${took()}: ${r.details}\n`);
    return;
  }
  const size = o.size ?? '64';
  const scheme = o.scheme ?? '2018-2021';
  const sizes = size.split(/[,x×]/).map((s) => num('size', s));
  if (sizes.length !== 1 && sizes.length !== 3) throw new Error(`demo-data: --size takes one edge or NX,NY,NZ, got '${size}'`);
  if (scheme !== '2018-2021' && scheme !== '2023') throw new Error(`demo-data: --scheme must be 2018-2021 or 2023, got '${scheme}'`);
  const r = await writeDemoBrats({
    out: o.out,
    cases: num('cases', o.cases ?? '8'),
    size: sizes.length === 1 ? sizes[0] : (sizes as [number, number, number]),
    seed,
    scheme,
  });
  process.stderr.write(`wrote ${r.caseIds.length} synthetic BraTS case(s) to ${o.out} in ${took()} (ET-empty: ${r.etEmptyIds.join(', ') || 'none'})\n`);
}

/** Flags → config overrides, typed by the experiment's schema. */
function overridesFrom(experimentId: string, opts: Record<string, unknown>): Record<string, unknown> {
  const schema = configJsonSchema(getExperiment(experimentId));
  const out: Record<string, unknown> = {};
  for (const [key, prop] of Object.entries(schema.properties)) {
    const raw = opts[key];
    if (raw === undefined) continue;
    out[key] = coerceCliValue(kebab(key), prop, String(raw));
  }
  return out;
}

export async function trainCommand(experimentId: string, opts: Record<string, unknown>): Promise<void> {
  const o = opts as CommonOptions & { preset?: string; resume?: string };
  const overrides = overridesFrom(experimentId, opts);
  if (o.resume && (Object.keys(overrides).length || o.preset)) throw new Error('--resume continues a run with its saved config; drop the other settings (or start a new run)');
  // A resumed run continues its own experiment (resumeRun reads it from the run), whatever the verb says.
  const runExperiment = o.resume ? (await openRun(runsRoot(o), o.resume)).readStatus().experiment : experimentId;
  const sink = sinkFor(o);
  const backend = await backendFor(o, getExperiment(runExperiment).backendPurpose);
  const ac = stopOnSigint(sink);
  let gen;
  if (o.resume) {
    gen = resumeRun({ run: o.resume, runsRoot: runsRoot(o), backend, signal: ac.signal });
  } else {
    gen = startRun({ experimentId, preset: o.preset, overrides, runsRoot: runsRoot(o), backend, signal: ac.signal });
  }
  const outcome = await pump(gen, sink, false);
  if (outcome.status === 'stopped') process.exitCode = 130;
}

export async function predictCommand(o: CommonOptions & { run: string; data: string; checkpoint: string }): Promise<void> {
  await backendFor(o);
  const run = await openRun(runsRoot(o), o.run);
  const sink = sinkFor(o);
  const ac = stopOnSigint(sink);
  const { dir, manifest } = await pump(predictBrats({ runDir: run.dir, data: o.data, checkpoint: o.checkpoint, signal: ac.signal }), sink, true);
  const line = `wrote ${manifest.cases.length} mask(s) to ${dir}${manifest.failed.length ? `; ${manifest.failed.length} case(s) failed` : ''}`;
  if (o.json) sink.event(stamp({ type: 'log', level: 'info', message: line }));
  else process.stderr.write(`${line}\n`);
  if (manifest.failed.length) process.exitCode = 1;
}

export async function evaluateCommand(o: CommonOptions & { run: string; predictions?: string; data?: string }): Promise<void> {
  const run = await openRun(runsRoot(o), o.run);
  const sink = sinkFor(o);
  const result = await pump(evaluateBrats({ runDir: run.dir, predictions: o.predictions, data: o.data }), sink, true);
  await recordEvaluation(run, result);
  if (o.json) {
    process.stdout.write(`${JSON.stringify({ type: 'evaluation', predictions: result.predictions, summary: result.summary, cases: result.cases })}\n`);
    return;
  }
  const m = result.summary.mean;
  const f = (x: number) => x.toFixed(4);
  const lines = [
    `evaluated ${result.summary.n} case(s) in ${result.predictions}`,
    `           Dice (mean)   HD95 mm (mean)`,
    ...(['WT', 'TC', 'ET'] as const).map((r) => `  ${r}       ${f(m[r].dice)}        ${m[r].hd95.toFixed(2)}`),
    `per-case table: ${result.predictions}/evaluation.csv (and evaluation.json)`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

export async function runsCommand(o: CommonOptions): Promise<void> {
  const runs = await listRuns(runsRoot(o));
  if (o.json) {
    process.stdout.write(`${JSON.stringify(runs)}\n`);
    return;
  }
  if (runs.length === 0) {
    process.stdout.write(`no runs in ${runsRoot(o)}\n`);
    return;
  }
  for (const r of runs) process.stdout.write(`${runLine(r)}\n`);
}

/** One `frugal runs` line: id, status, backend, steps and the experiment's key number. */
export function runLine(r: ListedRun): string {
  const s = (r.summary ?? {}) as Record<string, unknown>;
  const num = (k: string): number | null => (typeof s[k] === 'number' ? (s[k] as number) : null);
  const steps = num('steps');
  const total = num('totalSteps');
  const key: [string, number | null][] = [
    ['best val Dice', num('bestDiceMean')],
    ['average accuracy', num('averageAccuracy')],
    ['final test accuracy', num('finalTestAccuracy')],
  ];
  const parts = [
    r.backend ? `on ${r.backend}` : '',
    steps !== null ? `${steps}${total !== null ? `/${total}` : ''} steps` : '',
    ...key.map(([name, v]) => (v !== null ? `${name} ${v.toFixed(4)}` : '')),
  ];
  return `${r.id}  ${r.status.padEnd(11)} ${parts.filter(Boolean).join(', ')}`.trimEnd();
}
