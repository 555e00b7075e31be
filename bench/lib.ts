/**
 * Shared helpers of the benchmark suite (`npm run bench`, bench/index.ts): statistics, timing,
 * machine info, Markdown tables, atomic result files, and the one U-Net training step that the
 * memory and speed benchmarks both measure.
 *
 * Why these choices: the build machine is a shared, noisy 2-core box, so benchmarks report
 * medians, and compare variants by ratios formed within one round (the two variants run back
 * to back, alternating which goes first), never by single absolute times. Results are written
 * with the run store's atomic writer so a killed bench never leaves half a table in
 * bench/results/ (which the README cites).
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { measurePeak } from '../src/training/backend/memory';
import type { BackendReport } from '../src/training/backend/select';
import { Adam } from '../src/training/core/adam';
import { countParams, disposeParams, flattenParams, gradsByParamName } from '../src/training/core/params';
import { Rng } from '../src/training/core/rng';
import { softDiceLoss } from '../src/training/losses/dice';
import { applyRevUnet3d, initRevUnet3d, REV_UNET3D_DEFAULTS, type RevUnet3dConfig, type RevUnet3dParams } from '../src/training/models/rev-unet3d';
import { writeFileAtomic, writeJsonAtomic } from '../src/training/runs/atomic';

// ---------------------------------------------------------------------------------------------
// The bench contract

export interface BenchContext {
  /** Shrunk sizes for a smoke pass (a couple of minutes for the whole suite); numbers not citable. */
  quick: boolean;
  /** Progress lines (stderr-free: the runner prints them with the bench's name). */
  log: (line: string) => void;
}

/** What a bench returns; the runner adds machine info and timing, then writes both files. */
export interface BenchResult {
  /** Sizes and settings the numbers were measured with. */
  config: Record<string, unknown>;
  /** Every measured number, before any reduction. */
  samples: unknown;
  /** Medians, ratios, fits and pass/fail against the targets. */
  derived: Record<string, unknown>;
  /** Markdown body (tables and notes) without the title and machine line, which the runner adds. */
  markdown: string;
}

export interface Bench {
  readonly name: string;
  /** One line for `--help` and the Markdown title. */
  readonly title: string;
  run(ctx: BenchContext): Promise<BenchResult>;
}

// ---------------------------------------------------------------------------------------------
// Statistics and formatting

export function median(xs: readonly number[]): number {
  if (xs.length === 0) throw new Error('bench/lib median: no samples');
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Round to `digits` decimals (for tables; JSON keeps raw samples unrounded). */
export const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
/** Sample standard deviation (n − 1); 0 for fewer than two values. */
export const sampleSd = (xs: readonly number[]): number => (xs.length < 2 ? 0 : Math.sqrt(xs.reduce((a, x) => a + (x - mean(xs)) ** 2, 0) / (xs.length - 1)));
/** A fraction as a percentage with 2 decimals: 0.9831 → "98.31". */
export const pct = (v: number): string => (100 * v).toFixed(2);
/** Paired differences (fractions) as points: "mean (per seed / …)". */
export const pointsPerSeed = (xs: readonly number[]): string => `${pct(mean(xs))} (${xs.map(pct).join(' / ')})`;

/** max over arrays k of (max_i |a_k[i] − b_k[i]|) / max_i |a_k[i]|: how far two sets of gradients (or weights) differ, relative to each array's scale. */
export function maxRelativeDifference(a: readonly Float32Array[], b: readonly Float32Array[]): number {
  if (a.length !== b.length) throw new Error(`bench/lib maxRelativeDifference: ${a.length} arrays against ${b.length}`);
  let worst = 0;
  a.forEach((va, k) => {
    let d = 0;
    let m = 0;
    for (let i = 0; i < va.length; i++) {
      d = Math.max(d, Math.abs(va[i] - b[k][i]));
      m = Math.max(m, Math.abs(va[i]));
    }
    worst = Math.max(worst, d / (m || 1));
  });
  return worst;
}

export const round = (v: number, digits = 1): number => Math.round(v * 10 ** digits) / 10 ** digits;

/** Bytes as MiB (2^20 bytes), the unit tables use throughout. */
export const mib = (bytes: number): number => bytes / 2 ** 20;

/** Least-squares line y = a + b·x with its coefficient of determination. */
export function linearFit(xs: readonly number[], ys: readonly number[]): { intercept: number; slope: number; r2: number } {
  if (xs.length !== ys.length || xs.length < 2) throw new Error(`bench/lib linearFit: need ≥ 2 paired points, got ${xs.length} and ${ys.length}`);
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (xs[i] - mx) * (ys[i] - my);
    sxx += (xs[i] - mx) ** 2;
    syy += (ys[i] - my) ** 2;
  }
  const slope = sxy / sxx;
  return { intercept: my - slope * mx, slope, r2: syy === 0 ? 1 : (sxy * sxy) / (sxx * syy) };
}

/** A GitHub-flavoured Markdown table; cells are printed with String(). */
export function markdownTable(headers: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const line = (cells: readonly (string | number)[]) => `|${cells.map((c) => String(c).replace(/\|/g, '\\|')).join('|')}|`;
  return [line(headers), line(headers.map(() => '---')), ...rows.map(line)].join('\n');
}

export const shapeText = (dhw: readonly number[]): string => (dhw.every((e) => e === dhw[0]) ? `${dhw[0]}³` : dhw.join('×'));

// ---------------------------------------------------------------------------------------------
// Timing

/** Wall time of `fn` in ms (cpu tfjs is synchronous; callers read results back inside fn). */
export async function timeMs(fn: () => unknown): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

/**
 * Runs the variants side by side for `rounds` rounds, alternating which goes first (round r
 * starts with variant r mod n), so slow drifts in machine load hit every variant alike.
 * Returns ms samples per variant, in round order.
 */
export async function alternate(variants: readonly (() => unknown)[], rounds: number, onSample?: (variant: number, round: number, ms: number) => void): Promise<number[][]> {
  const out = variants.map(() => [] as number[]);
  for (let r = 0; r < rounds; r++) {
    for (let k = 0; k < variants.length; k++) {
      const i = (r + k) % variants.length;
      const ms = await timeMs(variants[i]);
      out[i].push(ms);
      onSample?.(i, r, ms);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Machine info and result files

export interface MachineInfo {
  cpu: string;
  cores: number;
  memoryGiB: number;
  os: string;
  node: string;
  tfjs: string;
  backend: string;
  device: string;
  /** 1-minute load average at the start and end of the bench: how busy the shared box was. */
  loadavg: { start: number; end?: number };
  date: string;
  /** The code measured: git HEAD when the runner started and the engine/bench files that differed from it (null outside git). */
  source: { commit: string; uncommitted: string[] } | null;
}

const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));

function sourceState(): MachineInfo['source'] {
  try {
    const git = (...args: string[]) => execFileSync('git', args, { cwd: REPO_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const commit = git('rev-parse', '--short', 'HEAD').trim();
    const uncommitted = git('status', '--porcelain', '--untracked-files=all', '--', 'src/training', 'bench')
      .split('\n')
      .filter((l) => l.trim() && !l.includes('bench/results/'))
      .map((l) => l.slice(3));
    return { commit, uncommitted };
  } catch {
    return null; // not a git checkout (e.g. an installed package)
  }
}

/** Taken once, when the runner loads: the code this process runs, even if files change later. */
const SOURCE_AT_START = sourceState();

export function machineInfo(backend: BackendReport): MachineInfo {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    memoryGiB: round(os.totalmem() / 2 ** 30, 1),
    os: `${os.platform()} ${os.release()} ${os.arch()}`,
    node: process.version,
    tfjs: tf.version.tfjs,
    backend: backend.chosen,
    device: backend.device,
    loadavg: { start: round(os.loadavg()[0], 2) },
    date: new Date().toISOString(),
    source: SOURCE_AT_START,
  };
}

export function machineLine(m: MachineInfo): string {
  const load = m.loadavg.end === undefined ? `${m.loadavg.start}` : `${m.loadavg.start}→${m.loadavg.end}`;
  const src = m.source ? `; code at ${m.source.commit}${m.source.uncommitted.length ? ` + ${m.source.uncommitted.length} uncommitted engine/bench files` : ''}` : '';
  return `${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB; Node ${m.node}, tfjs ${m.tfjs}, backend \`${m.backend}\` (${m.device}); load average ${load}; ${m.date.slice(0, 10)}${src}.`;
}

/** Where results go: bench/results/ (or the given folder, e.g. a temp folder for --quick). */
export const RESULTS_DIR = fileURLToPath(new URL('./results/', import.meta.url));

/** Writes `<dir>/<name>.json` and `<dir>/<name>.md` atomically, replacing earlier results. */
export async function writeResults(dir: string, name: string, json: unknown, markdown: string): Promise<{ json: string; md: string }> {
  await mkdir(dir, { recursive: true });
  const paths = { json: join(dir, `${name}.json`), md: join(dir, `${name}.md`) };
  await writeJsonAtomic(paths.json, json, { overwrite: true });
  await writeFileAtomic(paths.md, markdown.endsWith('\n') ? markdown : `${markdown}\n`, { overwrite: true });
  return paths;
}

// ---------------------------------------------------------------------------------------------
// The U-Net training step (shared by unet-memory and unet-speed)

export type Dhw = [number, number, number];

/** The engine's default U-Net with overrides; `reversible: false` gives the twin. */
export function unetConfig(over: Partial<RevUnet3dConfig>): RevUnet3dConfig {
  return { ...REV_UNET3D_DEFAULTS, ...over };
}

export const BCE_WEIGHT = 0.5; // soft Dice + 0.5·BCE, the BraTS experiment's loss

export interface UnetHarness {
  readonly cfg: RevUnet3dConfig;
  readonly dhw: Dhw;
  readonly params: RevUnet3dParams<tf.Variable>;
  readonly named: Map<string, tf.Variable>;
  /** Float32 bytes of the weights, which is also the bytes of one full set of weight gradients. */
  readonly paramBytes: number;
  /** Loss value and weight gradients, keyed by the dotted parameter names (caller disposes). */
  lossAndGrads(): { value: tf.Scalar; grads: Map<string, tf.Tensor> };
  /** One step without the optimiser: gradients computed, then disposed. */
  gradStep(): void;
  dispose(): void;
}

/**
 * Model, random input [1, D, H, W, 4] (normal) and random 0/1 target [1, D, H, W, 3], all seeded.
 * Weights, input and target are live before any step, so a peak measured around a step leaves
 * them out.
 */
export function unetHarness(cfg: RevUnet3dConfig, dhw: Dhw, seed = 0): UnetHarness {
  const params = initRevUnet3d(cfg, new Rng(seed).fork('bench-init'));
  const named = flattenParams(params);
  const vars = [...named.values()];
  const [d, h, w] = dhw;
  const x = tf.randomNormal([1, d, h, w, cfg.inChannels], 0, 1, 'float32', seed + 1) as tf.Tensor5D; // [1, D, H, W, 4]
  const target = tf.tidy(() => tf.cast(tf.greater(tf.randomUniform([1, d, h, w, cfg.outChannels], 0, 1, 'float32', seed + 2), 0.5), 'float32')) as tf.Tensor5D; // [1, D, H, W, 3]
  const lossAndGrads = () => {
    const r = tf.variableGrads(() => softDiceLoss(applyRevUnet3d(params, x, cfg), target, { bceWeight: BCE_WEIGHT }), vars);
    return { value: r.value, grads: gradsByParamName(named, r.grads) };
  };
  return {
    cfg,
    dhw,
    params,
    named,
    paramBytes: countParams(params) * 4,
    lossAndGrads,
    gradStep: () => {
      const { value, grads } = lossAndGrads();
      tf.dispose([value, ...grads.values()]);
    },
    dispose: () => {
      tf.dispose([x, target]);
      disposeParams(params);
    },
  };
}

export interface PeakSample {
  /** measurePeak of the first (warm-up) step and of the second; the second is the reported one. */
  peakBytes: number[];
  paramBytes: number;
  /** Wall ms of each measured step, for orientation only (single runs on a noisy box). */
  stepMs: number[];
}

/**
 * Peak tracked tensor bytes of one training step (variableGrads of the loss, then dispose), above
 * what was live before: activations, temporaries and the weight gradients; not the weights,
 * input, target, or optimiser state (the update comes after the gradients and is not activation
 * memory). Two steps are measured: the first is the warm-up, the second is reported.
 */
export async function measureStepPeak(cfg: RevUnet3dConfig, dhw: Dhw, steps = 2): Promise<PeakSample> {
  const h = unetHarness(cfg, dhw);
  const tensorsBefore = tf.memory().numTensors;
  const peakBytes: number[] = [];
  const stepMs: number[] = [];
  try {
    for (let i = 0; i < steps; i++) {
      const t0 = performance.now();
      const m = await measurePeak(() => h.gradStep());
      stepMs.push(performance.now() - t0);
      peakBytes.push(m.peakBytes);
      if (tf.memory().numTensors !== tensorsBefore) throw new Error(`bench: training step leaked ${tf.memory().numTensors - tensorsBefore} tensors (${shapeText(dhw)}, reversible ${cfg.reversible})`);
    }
    return { peakBytes, paramBytes: h.paramBytes, stepMs };
  } finally {
    h.dispose();
  }
}

/** A full training step: gradients, then an Adam update; returns a closure that runs one. */
export function adamStep(h: UnetHarness, lr = 1e-4): { step: () => number; dispose: () => void } {
  const opt = new Adam(h.named);
  return {
    step: () => {
      const { value, grads } = h.lossAndGrads();
      if (grads.size !== h.named.size) throw new Error(`bench: ${h.named.size - grads.size} parameters got no gradient`);
      opt.apply(grads, lr);
      const loss = value.dataSync()[0];
      tf.dispose([value, ...grads.values()]);
      return loss;
    },
    dispose: () => opt.dispose(),
  };
}

// ---------------------------------------------------------------------------------------------
// Experiment runs through the real CLI, in child processes

const FRUGAL_BIN = fileURLToPath(new URL('../bin/frugal.js', import.meta.url));

/** Runs at once for benches of whole experiment runs: one JavaScript thread each, at most 2 (this machine's cores). */
export const parallelRuns = (): number => Math.max(1, Math.min(2, os.availableParallelism()));

/**
 * `frugal train <experiment> <args> --json` in its own process (the backend it picks for itself);
 * resolves to every event and the `done` summary, rejects with the tail of stderr otherwise.
 */
export function runTrainCli(experiment: string, args: readonly string[]): Promise<{ summary: Record<string, unknown>; events: Record<string, unknown>[] }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [FRUGAL_BIN, 'train', experiment, ...args, '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-4000)));
    child.on('error', reject);
    child.on('exit', (code) => {
      const events = out
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      const done = events.find((e) => e.type === 'done') as { status?: string; summary?: Record<string, unknown> } | undefined;
      if (code === 0 && done?.status === 'completed' && done.summary) resolve({ summary: done.summary, events });
      else reject(new Error(`frugal train ${experiment} ${args.join(' ')}: exit ${code}, ${done?.status ?? 'no done event'}\n${err}`));
    });
  });
}

/** Runs the jobs `width` at a time, in order of submission; results in that order. */
export async function pool<T>(jobs: readonly (() => Promise<T>)[], width: number): Promise<T[]> {
  const out: T[] = new Array(jobs.length);
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const i = next++;
      out[i] = await jobs[i]();
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, jobs.length) }, worker));
  return out;
}
