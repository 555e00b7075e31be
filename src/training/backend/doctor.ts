/**
 * `frugal doctor`: everything needed to answer "why is training slow / not on my GPU?" in one
 * report (PRODUCT.md D and "Beyond" #4): versions, the backend choice with every candidate's
 * outcome, threads, CPU, RAM, process memory, TF_FORCE_GPU_ALLOW_GROWTH, and a numerical check
 * that the chosen backend computes a small conv3d and its gradients right (wasm's Conv3D input
 * gradient is silently wrong, ENVIRONMENT.md §2: a backend that loads is not one that works).
 *
 * The CLI prints formatDoctor(report); `--json` prints the report object.
 */
import { availableParallelism, cpus, freemem, totalmem, platform, release, arch } from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { appPackageJson, defaultRunsRoot } from '../runs/paths';
import { memorySnapshot, type MemorySnapshot } from './memory';
import { formatBackendReport, selectBackend, type BackendReport, type SelectOptions } from './select';
import { volumeOpsSanityCheck, type VolumeSanityResult } from './volume-sanity';
import { takeDeviceErrors } from './webgpu';

export interface SanityResult {
  pass: boolean;
  backend: string;
  /** Wall time of forward + both gradients + readback, ms (the first call includes warm-up). */
  ms: number;
  /** Largest |backend − reference| / max|reference|, over y, dx and dW. */
  maxRelError: { y: number; dx: number; dw: number };
  detail: string;
}

export interface DoctorReport {
  app: { name: string; version: string } | null;
  versions: Record<string, string>; // node, electron (if any), v8, tfjs
  os: { platform: string; release: string; arch: string };
  backend: BackendReport | null;
  backendError?: string;
  threads: number | null;
  cpu: { model: string; count: number; availableParallelism: number };
  memory: { totalBytes: number; freeBytes: number; process: MemorySnapshot };
  env: { TF_FORCE_GPU_ALLOW_GROWTH: string | null; FRUGAL_BACKEND: string | null; FRUGAL_RUNS: string | null };
  runsRoot: string;
  sanity: SanityResult;
  /** Rank-5 element-wise ops the U-Net needs (volume-sanity.ts). */
  volumeSanity: VolumeSanityResult;
  /** Things the user should act on, in words. */
  warnings: string[];
}

export type Conv3dImpl = (x: tf.Tensor5D, w: tf.Tensor5D) => tf.Tensor5D;

// ---------------------------------------------------------------------------------------------
// Reference conv3d (plain loops), stride 1, NDHWC input, [kd, kh, kw, cin, cout] filter.

/**
 * y = conv3d(x, w) with zero padding `padFront` on each spatial axis (0 = 'valid'; (k-1)/2 =
 * 'same' for odd k), and the gradients of L = Σ y·g: dx and dw. One loop nest accumulates all
 * three: every (output position, kernel offset) pair that lands inside x contributes
 * y[o] += x[i]·w[k], dx[i] += g[o]·w[k], dw[k] += x[i]·g[o].
 */
export function referenceConv3d(
  x: Float32Array,
  xShape: readonly [number, number, number, number, number],
  w: Float32Array,
  wShape: readonly [number, number, number, number, number],
  g: Float32Array | null,
  padding: 'valid' | 'same',
): { y: Float64Array; yShape: number[]; dx: Float64Array; dw: Float64Array } {
  const [n, D, H, W, C] = xShape;
  const [kd, kh, kw, cin, O] = wShape;
  if (cin !== C) throw new Error(`referenceConv3d: filter in-channels ${cin} ≠ input channels ${C}`);
  const [pd, ph, pw] = padding === 'same' ? [(kd - 1) >> 1, (kh - 1) >> 1, (kw - 1) >> 1] : [0, 0, 0];
  const [oD, oH, oW] = padding === 'same' ? [D, H, W] : [D - kd + 1, H - kh + 1, W - kw + 1];
  const y = new Float64Array(n * oD * oH * oW * O);
  const dx = new Float64Array(x.length);
  const dw = new Float64Array(w.length);
  for (let b = 0; b < n; b++)
    for (let od = 0; od < oD; od++)
      for (let oh = 0; oh < oH; oh++)
        for (let ow = 0; ow < oW; ow++) {
          const yBase = (((b * oD + od) * oH + oh) * oW + ow) * O;
          for (let a = 0; a < kd; a++) {
            const id = od + a - pd;
            if (id < 0 || id >= D) continue;
            for (let e = 0; e < kh; e++) {
              const ih = oh + e - ph;
              if (ih < 0 || ih >= H) continue;
              for (let f = 0; f < kw; f++) {
                const iw = ow + f - pw;
                if (iw < 0 || iw >= W) continue;
                const xBase = (((b * D + id) * H + ih) * W + iw) * C;
                const wBase = ((a * kh + e) * kw + f) * C * O;
                for (let c = 0; c < C; c++) {
                  const xv = x[xBase + c];
                  for (let o = 0; o < O; o++) {
                    const wv = w[wBase + c * O + o];
                    y[yBase + o] += xv * wv;
                    if (g) {
                      const gv = g[yBase + o];
                      dx[xBase + c] += gv * wv;
                      dw[wBase + c * O + o] += xv * gv;
                    }
                  }
                }
              }
            }
          }
        }
  return { y, yShape: [n, oD, oH, oW, O], dx, dw };
}

function maxRel(a: ArrayLike<number>, ref: ArrayLike<number>): number {
  let scale = 0;
  let err = 0;
  for (let i = 0; i < ref.length; i++) {
    scale = Math.max(scale, Math.abs(ref[i]));
    err = Math.max(err, Math.abs(a[i] - ref[i]));
  }
  return err / (scale || 1);
}

/** Deterministic, non-symmetric fill in [-1, 1] (so flipped kernels or swapped axes show). */
function pattern(len: number, mul: number, mod: number): Float32Array {
  const a = new Float32Array(len);
  for (let i = 0; i < len; i++) a[i] = (((i * mul) % mod) - (mod - 1) / 2) / ((mod - 1) / 2);
  return a;
}

/**
 * Compare the active backend's conv3d and its gradients with the reference on a small
 * asymmetric case: x [1,4,5,3,2] (D≠H≠W, so axis mix-ups fail), w [3,3,3,2,3], 'same'.
 * float32 over ≤54 products per output: relative errors stay far below the 1e-4 threshold.
 */
export async function conv3dSanityCheck(impl: Conv3dImpl = (x, w) => tf.conv3d(x, w, 1, 'same')): Promise<SanityResult> {
  const xShape = [1, 4, 5, 3, 2] as const;
  const wShape = [3, 3, 3, 2, 3] as const;
  const xv = pattern(1 * 4 * 5 * 3 * 2, 7, 11);
  const wv = pattern(3 * 3 * 3 * 2 * 3, 5, 13);
  const gv = pattern(1 * 4 * 5 * 3 * 3, 3, 7);
  const ref = referenceConv3d(xv, xShape, wv, wShape, gv, 'same');
  const backend = tf.getBackend();
  const t0 = performance.now();
  let got: { y: Float32Array; dx: Float32Array; dw: Float32Array };
  try {
    const [yT, dxT, dwT] = tf.tidy(() => {
      const x = tf.tensor5d(xv, [...xShape]); // [1,4,5,3,2]
      const w = tf.tensor5d(wv, [...wShape]); // [3,3,3,2,3]
      const g = tf.tensor5d(gv, [1, 4, 5, 3, 3]); // cotangent for y
      const y = impl(x, w); // [1,4,5,3,3]
      const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(impl(a as tf.Tensor5D, b as tf.Tensor5D), g)))([x, w]);
      return [y, dx, dw];
    });
    try {
      got = { y: (await yT.data()) as Float32Array, dx: (await dxT.data()) as Float32Array, dw: (await dwT.data()) as Float32Array };
    } finally {
      tf.dispose([yT, dxT, dwT]);
    }
  } catch (e) {
    return { pass: false, backend, ms: performance.now() - t0, maxRelError: { y: NaN, dx: NaN, dw: NaN }, detail: `conv3d failed: ${(e as Error).message}` };
  }
  const ms = performance.now() - t0;
  const err = { y: maxRel(got.y, ref.y), dx: maxRel(got.dx, ref.dx), dw: maxRel(got.dw, ref.dw) };
  const TOL = 1e-4;
  const bad = (Object.keys(err) as (keyof typeof err)[]).filter((k) => !(err[k] <= TOL));
  return {
    pass: bad.length === 0,
    backend,
    ms,
    maxRelError: err,
    detail: bad.length === 0 ? `conv3d forward, dx and dW match the reference (max rel. error ≤ ${TOL})` : `WRONG ${bad.join(', ')} (relative error ${bad.map((k) => err[k].toExponential(2)).join(', ')} > ${TOL})`,
  };
}

// ---------------------------------------------------------------------------------------------

export async function runDoctor(opts: { backend?: BackendReport; select?: SelectOptions; conv3d?: Conv3dImpl; env?: NodeJS.ProcessEnv } = {}): Promise<DoctorReport> {
  const env = opts.env ?? process.env;
  const warnings: string[] = [];
  let backend: BackendReport | null = opts.backend ?? null;
  let backendError: string | undefined;
  if (!backend) {
    try {
      backend = await selectBackend({ env, ...opts.select });
    } catch (e) {
      backendError = (e as Error).message;
      backend = (e as { report?: BackendReport }).report ?? null;
      warnings.push(`backend selection failed: ${backendError.split('\n')[0]}`);
    }
  }
  if (backend && !backendError) {
    const gpu = backend.candidates.find((c) => c.name === 'tensorflow-gpu');
    if (gpu && gpu.status !== 'chosen' && gpu.status !== 'unavailable') warnings.push(`GPU not used: tensorflow-gpu ${gpu.status}: ${gpu.reason}`);
    if (backend.chosen === 'cpu') warnings.push('running on the pure-JavaScript cpu backend: fine for demos and tests, ~100 s per training step on a 128³ BraTS patch (ENVIRONMENT.md §9)');
    if (/no usable GPU/.test(backend.device)) warnings.push(`tfjs-node-gpu runs on the CPU: ${backend.device}`);
    const webgpu = backend.candidates.find((c) => c.name === 'webgpu');
    if (webgpu?.status === 'failed') warnings.push(`GPU not used: webgpu failed: ${webgpu.reason}`);
    if (backend.adapter?.software && backend.chosen === 'webgpu') warnings.push(`webgpu runs on a software adapter (${backend.adapter.description || backend.adapter.architecture}): a CPU emulation, slower than the cpu backend; use it only for tests`);
    else if (backend.adapter?.software) warnings.push(`the only WebGPU adapter is a software one (${backend.adapter.description || backend.adapter.architecture}): no GPU driver is reachable through ${backend.adapter.api}`);
  }
  const sanity = await conv3dSanityCheck(opts.conv3d);
  const volumeSanity = await volumeOpsSanityCheck();
  if (!volumeSanity.pass) warnings.push(`backend '${volumeSanity.backend}' computes volume ops wrongly: ${volumeSanity.detail}`);
  const gpuErrors = takeDeviceErrors();
  if (gpuErrors.length) {
    sanity.pass = false;
    sanity.detail += `; but the GPU reported ${gpuErrors.length} error(s): ${gpuErrors[0].split('\n')[0]}`;
  }
  if (!sanity.pass) warnings.push(`backend '${sanity.backend}' computes conv3d wrongly: ${sanity.detail}`);
  const app = appPackageJson();
  const versions: Record<string, string> = { node: process.versions.node, v8: process.versions.v8, tfjs: tf.version.tfjs };
  if (process.versions.electron) versions.electron = process.versions.electron;
  const cpuList = cpus();
  return {
    app: app ? { name: app.name, version: app.version } : null,
    versions,
    os: { platform: platform(), release: release(), arch: arch() },
    backend,
    ...(backendError ? { backendError } : {}),
    threads: backend?.threads ?? null,
    cpu: { model: cpuList[0]?.model?.trim() ?? 'unknown', count: cpuList.length, availableParallelism: availableParallelism() },
    memory: { totalBytes: totalmem(), freeBytes: freemem(), process: memorySnapshot() },
    env: {
      TF_FORCE_GPU_ALLOW_GROWTH: env.TF_FORCE_GPU_ALLOW_GROWTH ?? null,
      FRUGAL_BACKEND: env.FRUGAL_BACKEND ?? null,
      FRUGAL_RUNS: env.FRUGAL_RUNS ?? null,
    },
    runsRoot: defaultRunsRoot({ env }),
    sanity,
    volumeSanity,
    warnings,
  };
}

const GB = 1024 ** 3;
const MB = 1024 ** 2;

export function formatDoctor(r: DoctorReport): string {
  const v = r.versions;
  const lines = [
    `Frugal Studio ${r.app?.version ?? '(version unknown)'}`,
    `  node ${v.node}${v.electron ? `, electron ${v.electron}` : ''}, tfjs ${v.tfjs}, ${r.os.platform} ${r.os.release} ${r.os.arch}`,
    `  cpu: ${r.cpu.model} × ${r.cpu.count} (available parallelism ${r.cpu.availableParallelism})`,
    `  ram: ${(r.memory.freeBytes / GB).toFixed(1)} GB free of ${(r.memory.totalBytes / GB).toFixed(1)} GB; ` +
      `process rss ${(r.memory.process.rss / MB).toFixed(0)} MB, heap ${(r.memory.process.heapUsed / MB).toFixed(0)} MB, ` +
      `tensors ${r.memory.process.tensors} (${(r.memory.process.bytes / MB).toFixed(1)} MB)` +
      (r.memory.process.gpuBytes !== undefined ? `, GPU ${(r.memory.process.gpuBytes / MB).toFixed(1)} MB in tensors` : '') +
      (r.memory.process.gpuAllocatedBytes !== undefined ? ` (${(r.memory.process.gpuAllocatedBytes / MB).toFixed(1)} MB allocated)` : ''),
    `  threads: ${r.threads ?? 'managed by the backend'}`,
    `  TF_FORCE_GPU_ALLOW_GROWTH=${r.env.TF_FORCE_GPU_ALLOW_GROWTH ?? '(unset)'}  FRUGAL_BACKEND=${r.env.FRUGAL_BACKEND ?? '(unset)'}`,
    `  runs: ${r.runsRoot}`,
    '',
  ];
  if (r.backend) lines.push(formatBackendReport(r.backend));
  if (r.backendError) lines.push(`backend error: ${r.backendError}`);
  lines.push(
    '',
    `sanity check (conv3d + gradients on '${r.sanity.backend}'): ${r.sanity.pass ? 'PASS' : 'FAIL'} in ${r.sanity.ms.toFixed(0)} ms — ${r.sanity.detail}`,
    `sanity check (volume ops on '${r.volumeSanity.backend}'): ${r.volumeSanity.pass ? 'PASS' : 'FAIL'} — ${r.volumeSanity.detail}`,
  );
  if (r.warnings.length) lines.push('', 'warnings:', ...r.warnings.map((w) => `  ! ${w}`));
  return lines.join('\n');
}
