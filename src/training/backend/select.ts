/**
 * Picks the tfjs backend at start and says why (DESIGN.md "Backends", ENVIRONMENT.md §1, §2,
 * §9, §10, PRODUCT.md D). Order: @tensorflow/tfjs-node-gpu (NVIDIA, CUDA 11.2 + cuDNN 8.1), webgpu
 * (Dawn: Metal, Direct3D 12 or Vulkan; real GPUs only unless forced, webgpu.ts),
 * @tensorflow/tfjs-node (libtensorflow on the CPU),
 * wasm (only for matMul-heavy models or when forced: its Conv3D input gradient is wrong), cpu.
 *
 * The native packages are optional dependencies: npm silently drops them when their install
 * script fails, and a denied install script leaves them present but broken. So every candidate
 * ends with an outcome and a reason in the report (the exact load error, the CUDA libraries
 * found or missing): a silent fallback from GPU to CPU is a bug. FRUGAL_BACKEND (or `prefer`)
 * forces one backend and throws if it cannot be had; it never falls back.
 *
 * Module loading is injectable (`loader`), so tests simulate absent, broken and working native
 * packages without having them; the CUDA probe is injectable the same way.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { arch, platform as osPlatform } from 'node:os';
import { posix, win32 } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { installedPackageVersion } from '../runs/paths';
import { exposeWebGpu, probeWebGpu, watchDeviceErrors, type GpuAdapterReport } from './webgpu';
import { applyWebGpuWorkarounds } from './webgpu-kernels';

/** Names tfjs registers backends under (what tf.getBackend() returns). */
export type BackendName = 'tensorflow' | 'webgpu' | 'wasm' | 'cpu';
/** Names of the candidates in the report; both native packages register 'tensorflow'. */
export type CandidateName = 'tensorflow-gpu' | 'webgpu' | 'tensorflow' | 'wasm' | 'cpu';
export type CandidateStatus = 'chosen' | 'unavailable' | 'skipped' | 'failed';

export interface CandidateOutcome {
  name: CandidateName;
  package?: string;
  status: CandidateStatus;
  reason: string;
}

export interface BackendReport {
  /** The tfjs backend in use (tf.getBackend()). */
  chosen: BackendName;
  /** Where it computes, in words: "NVIDIA GPU (CUDA, libtensorflow)", "CPU (JavaScript, 1 thread)", ... */
  device: string;
  /** Every candidate, in order, with its outcome. */
  candidates: CandidateOutcome[];
  tfjsVersion: string;
  /** node, tfjs, platform, arch, electron (if any), and each backend package that is installed. */
  versions: Record<string, string>;
  /** Compute threads, when the backend says; null when it manages its own pool (libtensorflow). */
  threads: number | null;
  /** What forced the choice, e.g. "FRUGAL_BACKEND=cpu"; absent in automatic mode. */
  forcedBy?: string;
  /** The WebGPU adapter Dawn offered, whether or not it was chosen (absent when none was found or not probed). */
  adapter?: GpuAdapterReport;
}

/** How packages are imported. `installedVersion` answers without importing (no side effects). */
export interface ModuleLoader {
  load(pkg: string): Promise<unknown>;
  installedVersion?(pkg: string): string | null;
}

export interface CudaProbe {
  /** All required libraries were found where the dynamic loader looks. */
  ok: boolean;
  /** library → path where found. */
  found: Record<string, string>;
  missing: string[];
  /** Where we looked, in words (ldconfig cache, LD_LIBRARY_PATH dirs, PATH dirs). */
  searched: string[];
  /** Actionable notes: a library found off the search path, a wrong CUDA major version, ... */
  hints: string[];
}

export interface SelectOptions {
  /** Force a backend: cpu | tensorflow | tensorflow-gpu | wasm | webgpu ('auto'/'' = choose). Default $FRUGAL_BACKEND. */
  prefer?: string;
  /** 'matmul' lets wasm in (GPT, MLPs); 'conv3d' (default) keeps it out. */
  purpose?: 'conv3d' | 'matmul';
  loader?: ModuleLoader | ((pkg: string) => Promise<unknown>);
  cudaProbe?: () => CudaProbe | Promise<CudaProbe>;
  env?: NodeJS.ProcessEnv;
  platform?: NodeJS.Platform;
}

export class BackendSelectionError extends Error {
  constructor(
    message: string,
    readonly report: BackendReport,
  ) {
    super(message);
    this.name = 'BackendSelectionError';
  }
}

export const PACKAGES = {
  'tensorflow-gpu': '@tensorflow/tfjs-node-gpu',
  webgpu: '@tensorflow/tfjs-backend-webgpu',
  dawn: 'webgpu',
  tensorflow: '@tensorflow/tfjs-node',
  wasm: '@tensorflow/tfjs-backend-wasm',
} as const;

const FORCEABLE = ['cpu', 'tensorflow', 'tensorflow-gpu', 'wasm', 'webgpu'] as const;
type Forced = (typeof FORCEABLE)[number];

/** Which candidates a forced value admits: 'tensorflow' takes either native package, GPU first. */
const ADMITS: Record<Forced, CandidateName[]> = {
  cpu: ['cpu'],
  wasm: ['wasm'],
  webgpu: ['webgpu'],
  tensorflow: ['tensorflow-gpu', 'tensorflow'],
  'tensorflow-gpu': ['tensorflow-gpu'],
};

const defaultLoader: ModuleLoader = {
  load: (pkg) => import(pkg),
  installedVersion: installedPackageVersion,
};

/** Which package registered each backend in this process (both native ones claim 'tensorflow'). */
const registeredBy = new Map<BackendName, string>();

// ---------------------------------------------------------------------------------------------
// CUDA / cuDNN probe

/** tfjs-node-gpu 4.22 wraps TensorFlow 2.9: CUDA 11.x runtime, cuDNN 8, plus the NVIDIA driver. */
const CUDA_LIBS: Partial<Record<NodeJS.Platform, { lib: string; what: string; family: RegExp }[]>> = {
  linux: [
    { lib: 'libcuda.so.1', what: 'NVIDIA driver', family: /^libcuda\.so\.\d+$/ },
    { lib: 'libcudart.so.11.0', what: 'CUDA 11 runtime', family: /^libcudart\.so\.\d+(\.\d+)?$/ },
    { lib: 'libcudnn.so.8', what: 'cuDNN 8', family: /^libcudnn\.so\.\d+$/ },
  ],
  win32: [
    { lib: 'nvcuda.dll', what: 'NVIDIA driver', family: /^nvcuda\.dll$/i },
    { lib: 'cudart64_110.dll', what: 'CUDA 11 runtime', family: /^cudart64_\d+\.dll$/i },
    { lib: 'cudnn64_8.dll', what: 'cuDNN 8', family: /^cudnn64_\d+\.dll$/i },
  ],
};

/** Where CUDA installs put libraries that are often not on the loader's path. */
const LINUX_CUDA_HOMES = ['/usr/local/cuda/lib64', '/usr/local/cuda-11.2/lib64', '/usr/local/cuda-11/lib64', '/opt/cuda/lib64'];
const LINUX_DEFAULT_DIRS = ['/lib', '/usr/lib', '/lib64', '/usr/lib64', '/lib/x86_64-linux-gnu', '/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu'];

function runLdconfig(): string | null {
  for (const bin of ['ldconfig', '/sbin/ldconfig', '/usr/sbin/ldconfig']) {
    try {
      return execFileSync(bin, ['-p'], { encoding: 'utf8', timeout: 3000, stdio: ['ignore', 'pipe', 'ignore'] });
    } catch {
      // not on PATH for non-root users on some distros: try the sbin paths
    }
  }
  return null;
}

/** Parse `ldconfig -p` lines: "\tlibcudnn.so.8 (libc6,x86-64) => /usr/lib/x86_64-linux-gnu/libcudnn.so.8". */
export function parseLdconfig(out: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of out.split('\n')) {
    const hit = /^\s*(\S+)\s+\(.*\)\s+=>\s+(\S.*)$/.exec(line);
    if (hit && !m.has(hit[1])) m.set(hit[1], hit[2].trim());
  }
  return m;
}

/**
 * Look for the NVIDIA driver, the CUDA 11 runtime and cuDNN 8 where the dynamic loader looks.
 * TensorFlow dlopen()s them at first use and, if one is missing, quietly runs on the CPU
 * (tfjs#8269), so we look first and say what is missing.
 */
export function probeCudaLibraries(
  o: {
    platform?: NodeJS.Platform;
    env?: NodeJS.ProcessEnv;
    ldconfig?: () => string | null;
    exists?: (path: string) => boolean;
  } = {},
): CudaProbe {
  const platform = o.platform ?? osPlatform();
  const env = o.env ?? process.env;
  const exists = o.exists ?? existsSync;
  // Paths of the probed platform, not the host's (tests probe Windows from Linux).
  const { join, delimiter } = platform === 'win32' ? win32 : posix;
  const libs = CUDA_LIBS[platform];
  if (!libs) {
    return { ok: false, found: {}, missing: [], searched: [], hints: [`CUDA is not available on ${platform} (tfjs-node-gpu supports Linux and Windows)`] };
  }
  const found: Record<string, string> = {};
  const searched: string[] = [];
  const hints: string[] = [];
  let dirs: string[];
  let cache = new Map<string, string>();
  if (platform === 'win32') {
    dirs = (env.PATH ?? env.Path ?? '').split(';').filter(Boolean);
    searched.push(`PATH (${dirs.length} folders)`);
  } else {
    const ld = (o.ldconfig ?? runLdconfig)();
    if (ld != null) {
      cache = parseLdconfig(ld);
      searched.push('ldconfig -p');
    } else {
      searched.push('ldconfig -p (unavailable)');
    }
    const ldPath = (env.LD_LIBRARY_PATH ?? '').split(delimiter).filter(Boolean);
    if (ldPath.length) searched.push(`LD_LIBRARY_PATH (${ldPath.join(delimiter)})`);
    dirs = [...ldPath, ...LINUX_DEFAULT_DIRS];
  }
  for (const { lib } of libs) {
    const inCache = cache.get(lib);
    if (inCache) {
      found[lib] = inCache;
      continue;
    }
    for (const d of dirs) {
      const p = join(d, lib);
      if (exists(p)) {
        found[lib] = p;
        break;
      }
    }
  }
  const missing = libs.filter((l) => !found[l.lib]).map((l) => l.lib);
  for (const { lib, what, family } of libs) {
    if (found[lib]) continue;
    // Another major version present? (e.g. CUDA 12 / cuDNN 9 installed, TF 2.9 needs 11 / 8)
    const others = [...cache.keys()].filter((k) => family.test(k) && k !== lib);
    if (others.length) hints.push(`${lib} (${what}) missing but ${others.join(', ')} found: tfjs-node-gpu 4.22 (TensorFlow 2.9) needs CUDA 11.2 and cuDNN 8.1`);
    else hints.push(`${lib} (${what}) not found`);
    // Installed but off the loader's path?
    const homes = platform === 'win32' ? [env.CUDA_PATH ? join(env.CUDA_PATH, 'bin') : '', 'C:\\Program Files\\NVIDIA GPU Computing Toolkit\\CUDA\\v11.2\\bin'] : LINUX_CUDA_HOMES;
    for (const h of homes.filter(Boolean)) {
      if (exists(join(h, lib))) {
        hints.push(`${lib} exists in ${h}, which is not on the ${platform === 'win32' ? 'PATH' : 'loader path: add it to LD_LIBRARY_PATH or run ldconfig'}`);
        break;
      }
    }
  }
  return { ok: missing.length === 0, found, missing, searched, hints };
}

function describeProbe(p: CudaProbe): string {
  const found = Object.entries(p.found).map(([k, v]) => `${k} at ${v}`);
  const parts: string[] = [];
  if (p.missing.length) parts.push(`missing ${p.missing.join(', ')}`);
  if (found.length) parts.push(`found ${found.join(', ')}`);
  if (p.hints.length) parts.push(p.hints.join('; '));
  if (p.searched.length) parts.push(`searched ${p.searched.join(', ')}`);
  return parts.join('; ');
}

// ---------------------------------------------------------------------------------------------
// Candidates

/** What a candidate's `prepare` gets: how to import, the environment, whether the user forced a choice. */
export interface SelectContext {
  loader: ModuleLoader;
  env: NodeJS.ProcessEnv;
  platform: NodeJS.Platform;
  forced: Forced | null;
  cudaProbe: () => CudaProbe | Promise<CudaProbe>;
  versions: Record<string, string>;
  /** Set by the webgpu candidate when Dawn offers an adapter. */
  adapter?: GpuAdapterReport;
}

/** A candidate made its backend available (registered with tfjs); selectBackend then activates it. */
export type PreparedBackend =
  | { ok: true; note: string; module?: unknown }
  | { ok: false; status: Exclude<CandidateStatus, 'chosen'>; reason: string };

/**
 * One backend candidate: `prepare` makes its backend registered (or says why not), `device` and
 * `threads` describe it once active.
 */
export interface BackendCandidate {
  name: CandidateName;
  backend: BackendName;
  package?: string;
  prepare(ctx: SelectContext): Promise<PreparedBackend>;
  /** After activation: where it computes, in words; may veto (throwing) when forced. */
  device(ctx: SelectContext, module: unknown): string;
  threads(module: unknown): number | null;
}

function errorText(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}

/** An import error saying the package itself cannot be resolved (as opposed to a broken install). */
function isPackageNotFound(e: unknown, pkg: string): boolean {
  const code = (e as NodeJS.ErrnoException | null)?.code;
  const msg = errorText(e);
  return (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && (msg.includes(`'${pkg}'`) || msg.includes(`"${pkg}"`));
}

/** Shared steps for npm-packaged backends: installed? importable? registered its backend? */
async function importBackendPackage(ctx: SelectContext, pkg: string, backend: BackendName): Promise<PreparedBackend> {
  const version = ctx.loader.installedVersion ? ctx.loader.installedVersion(pkg) : undefined;
  if (version === null) {
    return { ok: false, status: 'unavailable', reason: `not installed (${pkg} is an optional dependency; npm drops it silently when its install script fails)` };
  }
  if (version) ctx.versions[pkg] = version;
  const owner = registeredBy.get(backend);
  if (owner && owner !== pkg && tf.findBackendFactory(backend)) {
    return { ok: false, status: 'skipped', reason: `backend '${backend}' is already registered by ${owner} in this process` };
  }
  let module: unknown;
  try {
    module = await ctx.loader.load(pkg);
  } catch (e) {
    if (isPackageNotFound(e, pkg)) return { ok: false, status: 'unavailable', reason: `not installed (${errorText(e)})` };
    return { ok: false, status: 'failed', reason: `installed${version ? ` (${version})` : ''} but failed to load: ${errorText(e)}` };
  }
  if (!tf.findBackendFactory(backend)) {
    const tfjs = tf.version.tfjs;
    return {
      ok: false,
      status: 'failed',
      reason: `loaded but registered no '${backend}' backend with this tfjs (${tfjs}${version && version !== tfjs ? `; ${pkg} is ${version}: versions must match` : ''})`,
    };
  }
  registeredBy.set(backend, pkg);
  return { ok: true, note: version ? `${pkg} ${version}` : pkg, module };
}

const tensorflowGpu: BackendCandidate = {
  name: 'tensorflow-gpu',
  backend: 'tensorflow',
  package: PACKAGES['tensorflow-gpu'],
  async prepare(ctx) {
    if (ctx.platform === 'darwin') return { ok: false, status: 'unavailable', reason: 'tfjs-node-gpu needs CUDA, which macOS does not have' };
    const installed = ctx.loader.installedVersion?.(PACKAGES['tensorflow-gpu']);
    if (installed === null) return importBackendPackage(ctx, PACKAGES['tensorflow-gpu'], 'tensorflow'); // → "not installed"
    const probe = await ctx.cudaProbe();
    if (!probe.ok && ctx.forced !== 'tensorflow-gpu') {
      // Loading it anyway would give TensorFlow on the CPU and block tfjs-node (same backend name).
      return { ok: false, status: 'skipped', reason: `CUDA libraries not usable: ${describeProbe(probe)}` };
    }
    // It grabs the whole GPU otherwise (PRODUCT.md D); a user's explicit setting wins.
    if (ctx.env.TF_FORCE_GPU_ALLOW_GROWTH === undefined) ctx.env.TF_FORCE_GPU_ALLOW_GROWTH = 'true';
    const r = await importBackendPackage(ctx, PACKAGES['tensorflow-gpu'], 'tensorflow');
    if (r.ok) r.note += probe.ok ? `; CUDA: ${describeProbe(probe)}` : `; forced despite CUDA probe: ${describeProbe(probe)}`;
    else if (r.status === 'failed') r.reason += `; CUDA: ${describeProbe(probe)}`;
    return r;
  },
  device(ctx, _module) {
    const onGpu = (tf.backend() as unknown as { isUsingGpuDevice?: boolean }).isUsingGpuDevice;
    if (onGpu === true) return 'NVIDIA GPU (CUDA, libtensorflow)';
    if (onGpu === false) {
      if (ctx.forced === 'tensorflow-gpu') throw new Error('tfjs-node-gpu loaded but TensorFlow found no usable GPU (it would run on the CPU)');
      return 'CPU (libtensorflow-gpu found no usable GPU and runs on the CPU)';
    }
    return 'libtensorflow-gpu (device not reported)';
  },
  threads: () => null,
};

/**
 * WebGPU through Dawn (webgpu.ts). The adapter is probed before tfjs-backend-webgpu is imported,
 * so a refused adapter leaves no 'webgpu' backend registered. Software adapters are refused
 * unless forced: on this kind of machine they are ~25× slower than the cpu backend.
 */
const webgpu: BackendCandidate = {
  name: 'webgpu',
  backend: 'webgpu',
  package: PACKAGES.webgpu,
  async prepare(ctx) {
    const dawnVersion = ctx.loader.installedVersion?.(PACKAGES.dawn);
    if (dawnVersion === null) return { ok: false, status: 'unavailable', reason: `Dawn not installed (${PACKAGES.dawn} is an optional dependency; npm drops it silently when it cannot be installed)` };
    if (dawnVersion) ctx.versions[PACKAGES.dawn] = dawnVersion;
    const probe = await probeWebGpu(() => ctx.loader.load(PACKAGES.dawn), ctx.platform);
    if (!probe.ok) return probe;
    ctx.adapter = probe.adapter;
    const name = probe.adapter.name;
    if (probe.adapter.software && ctx.forced !== 'webgpu') {
      return {
        ok: false,
        status: 'skipped',
        reason: `${name} is a software adapter (${probe.adapter.softwareReason}): it emulates a GPU on the CPU and trains ~25× slower than the cpu backend; FRUGAL_BACKEND=webgpu forces it (tests do)`,
      };
    }
    exposeWebGpu(probe.gpu, probe.globals);
    const r = await importBackendPackage(ctx, PACKAGES.webgpu, 'webgpu');
    if (r.ok) {
      const fixes = applyWebGpuWorkarounds();
      r.note += `; adapter ${name}${probe.adapter.software ? ' — software, forced' : ''}${fixes.length ? `; kernel workarounds: ${fixes.join(', ')}` : ''}`;
    } else r.reason += `; adapter ${name}`;
    return r;
  },
  device(ctx) {
    watchDeviceErrors(tf.backend()); // silent kernel failures become errors (webgpu.ts)
    const a = ctx.adapter;
    if (!a) return 'GPU (WebGPU)';
    return a.software ? `CPU emulating a GPU (WebGPU on ${a.name})` : `GPU (WebGPU on ${a.name})`;
  },
  threads: () => null,
};

const tensorflowCpu: BackendCandidate = {
  name: 'tensorflow',
  backend: 'tensorflow',
  package: PACKAGES.tensorflow,
  prepare: (ctx) => importBackendPackage(ctx, PACKAGES.tensorflow, 'tensorflow'),
  device: () => 'CPU (libtensorflow, multi-threaded)',
  threads: () => null,
};

const wasm: BackendCandidate = {
  name: 'wasm',
  backend: 'wasm',
  package: PACKAGES.wasm,
  prepare: (ctx) => importBackendPackage(ctx, PACKAGES.wasm, 'wasm'),
  device: () => 'CPU (WebAssembly)',
  threads(module) {
    const f = (module as { getThreadsCount?: () => number } | undefined)?.getThreadsCount;
    return typeof f === 'function' ? f() : 1;
  },
};

const cpu: BackendCandidate = {
  name: 'cpu',
  backend: 'cpu',
  async prepare() {
    if (!tf.findBackendFactory('cpu')) return { ok: false, status: 'failed', reason: "@tensorflow/tfjs registered no 'cpu' backend" };
    return { ok: true, note: 'pure JavaScript, always available' };
  },
  device: () => 'CPU (JavaScript, 1 thread)',
  threads: () => 1, // tfjs-backend-cpu runs kernels on the calling thread
};

/** The order of preference. */
export const CANDIDATES: readonly BackendCandidate[] = [tensorflowGpu, webgpu, tensorflowCpu, wasm, cpu];

// ---------------------------------------------------------------------------------------------

/** tf.setBackend logs an init failure with console.warn and returns false: keep the text. */
async function activate(name: BackendName): Promise<{ ok: boolean; error?: string }> {
  const warnings: string[] = [];
  const orig = console.warn;
  console.warn = (...args: unknown[]) => {
    warnings.push(args.map(String).join(' '));
    orig.apply(console, args);
  };
  let ok = false;
  try {
    ok = await tf.setBackend(name);
  } catch (e) {
    warnings.push(errorText(e));
  } finally {
    console.warn = orig;
  }
  if (!ok) return { ok: false, error: warnings.join(' | ') || 'no error message (tfjs logging is off)' };
  await tf.ready();
  return { ok: true };
}

function parseForced(v: string | undefined): Forced | null {
  if (v === undefined) return null;
  const s = v.trim().toLowerCase();
  if (s === '' || s === 'auto') return null;
  if ((FORCEABLE as readonly string[]).includes(s)) return s as Forced;
  throw new Error(`unknown backend ${JSON.stringify(v)}: choose one of auto, ${FORCEABLE.join(', ')}`);
}

/**
 * Choose, activate (tf.setBackend + tf.ready) and report the backend. Throws
 * BackendSelectionError (with the report) if a forced backend cannot be had.
 */
export async function selectBackend(opts: SelectOptions = {}): Promise<BackendReport> {
  const env = opts.env ?? process.env;
  const source = opts.prefer !== undefined ? `--backend ${opts.prefer}` : env.FRUGAL_BACKEND !== undefined ? `FRUGAL_BACKEND=${env.FRUGAL_BACKEND}` : undefined;
  const forced = parseForced(opts.prefer ?? env.FRUGAL_BACKEND);
  const loader: ModuleLoader = typeof opts.loader === 'function' ? { load: opts.loader } : (opts.loader ?? defaultLoader);
  const purpose = opts.purpose ?? 'conv3d';
  const versions: Record<string, string> = {
    node: process.versions.node,
    tfjs: tf.version.tfjs,
    platform: opts.platform ?? osPlatform(),
    arch: arch(),
  };
  if (process.versions.electron) versions.electron = process.versions.electron;
  const ctx: SelectContext = {
    loader,
    env,
    platform: opts.platform ?? osPlatform(),
    forced,
    cudaProbe: opts.cudaProbe ?? (() => probeCudaLibraries({ platform: opts.platform, env })),
    versions,
  };

  const previous = tf.getBackend() as string | null;
  const outcomes: CandidateOutcome[] = [];
  let chosen: { c: BackendCandidate; device: string; threads: number | null } | null = null;
  for (const c of CANDIDATES) {
    const base = { name: c.name, ...(c.package ? { package: c.package } : {}) };
    const skip = (reason: string) => outcomes.push({ ...base, status: 'skipped', reason });
    if (chosen) {
      skip(`not tried: ${chosen.c.name} was chosen first`);
      continue;
    }
    if (forced && !ADMITS[forced].includes(c.name)) {
      skip(`not tried: ${source} forces '${forced}'`);
      continue;
    }
    if (!forced && c.name === 'wasm' && purpose !== 'matmul') {
      skip("not used for 3D convolutions (its Conv3D input gradient is wrong, ENVIRONMENT.md §2); opt in with FRUGAL_BACKEND=wasm or purpose 'matmul'");
      continue;
    }
    const p = await c.prepare(ctx);
    if (!p.ok) {
      outcomes.push({ ...base, status: p.status, reason: p.reason });
      continue;
    }
    const act = await activate(c.backend);
    if (!act.ok) {
      outcomes.push({ ...base, status: 'failed', reason: `${p.note}; tf.setBackend('${c.backend}') failed: ${act.error}` });
      continue;
    }
    let device: string;
    try {
      device = c.device(ctx, p.module);
    } catch (e) {
      outcomes.push({ ...base, status: 'failed', reason: `${p.note}; ${errorText(e)}` });
      if (previous) await tf.setBackend(previous); // do not leave a rejected backend active
      continue;
    }
    outcomes.push({ ...base, status: 'chosen', reason: `${p.note}; runs on ${device}` });
    chosen = { c, device, threads: c.threads(p.module) };
  }

  const report: BackendReport = {
    chosen: (chosen?.c.backend ?? (tf.getBackend() as BackendName)) as BackendName,
    device: chosen?.device ?? 'none',
    candidates: outcomes,
    tfjsVersion: tf.version.tfjs,
    versions,
    threads: chosen?.threads ?? null,
    ...(forced && source ? { forcedBy: source } : {}),
    ...(ctx.adapter ? { adapter: ctx.adapter } : {}),
  };
  if (chosen?.c.backend === 'cpu') swallowCpuBanner();
  if (!chosen) {
    const why = outcomes
      .filter((o) => forced === null || ADMITS[forced].includes(o.name))
      .map((o) => `${o.name}: ${o.reason}`)
      .join('\n  ');
    throw new BackendSelectionError(
      forced ? `${source}: backend '${forced}' cannot be used (no fallback when forced):\n  ${why}` : `no tfjs backend could be started:\n  ${why}`,
      report,
    );
  }
  return report;
}

/**
 * tfjs-backend-cpu prints a "Hi, looks like you are running TensorFlow.js in Node.js…" banner on
 * its first tensor; the report already says which backend runs and why. Make that first tensor
 * here with just that message filtered out (tfjs's PROD flag would also silence the backend-init
 * errors `activate` needs).
 */
function swallowCpuBanner(): void {
  const orig = console.warn;
  console.warn = (...args: unknown[]) => {
    if (!String(args[0]).includes('looks like you are running TensorFlow.js in Node.js')) orig.apply(console, args);
  };
  try {
    tf.scalar(0).dispose();
  } finally {
    console.warn = orig;
  }
}

/** One line per candidate, for logs, `frugal doctor` and the status bar's tooltip. */
export function formatBackendReport(r: BackendReport): string {
  const lines = [`backend: ${r.chosen} — ${r.device}${r.forcedBy ? ` (forced by ${r.forcedBy})` : ''}`];
  for (const c of r.candidates) lines.push(`  ${c.status.padEnd(11)} ${c.name.padEnd(14)} ${c.reason}`);
  if (r.adapter) {
    const l = r.adapter.limits;
    lines.push(`  webgpu adapter: ${r.adapter.name}${r.adapter.software ? ' [software]' : ''}; max buffer ${formatGiB(l.maxBufferSize)}, max storage binding ${formatGiB(l.maxStorageBufferBindingSize)}, workgroup storage ${l.maxComputeWorkgroupStorageSize} B, ${l.maxComputeInvocationsPerWorkgroup} invocations/workgroup`);
  }
  return lines.join('\n');
}

function formatGiB(bytes: number): string {
  return bytes >= 2 ** 30 ? `${(bytes / 2 ** 30).toFixed(bytes % 2 ** 30 ? 1 : 0)} GiB` : `${Math.round(bytes / 2 ** 20)} MiB`;
}
