/**
 * WebGPU in tests (ENVIRONMENT.md §10): point Dawn at a software adapter when the machine names
 * no Vulkan driver, force the 'webgpu' backend, and compare against cpu. Files that use it run in
 * their own forked process (vitest.config.ts), so the backend switch stays local to the file.
 *
 * Where no adapter exists the tests are skipped with the reason (`ctx.skip(gpu.why)`), never
 * passed.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { BackendSelectionError, selectBackend, type BackendReport } from '../src/training/backend/select';

/** Where Debian's chromium package puts its SwiftShader Vulkan driver (the only software ICD Dawn accepts here). */
export const SWIFTSHADER_ICDS = ['/usr/lib/chromium/vk_swiftshader_icd.json', '/usr/lib64/chromium/vk_swiftshader_icd.json'];

/**
 * On Linux with no VK_ICD_FILENAMES set, use Chromium's SwiftShader ICD (Dawn reads the variable
 * when the first adapter is requested, so setting it in-process works). Vulkan's loader also wants
 * XDG_RUNTIME_DIR. Returns the ICD path in use, or null.
 */
export function useSoftwareAdapter(env: NodeJS.ProcessEnv = process.env): string | null {
  if (process.platform !== 'linux') return null;
  if (!env.XDG_RUNTIME_DIR) {
    const dir = join(tmpdir(), `xdg-runtime-${process.getuid?.() ?? 'user'}`);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    env.XDG_RUNTIME_DIR = dir;
  }
  if (env.VK_ICD_FILENAMES) return env.VK_ICD_FILENAMES;
  const icd = SWIFTSHADER_ICDS.find((p) => existsSync(p));
  if (icd) env.VK_ICD_FILENAMES = icd;
  return icd ?? null;
}

export type WebGpuAvailability = { ok: true; report: BackendReport } | { ok: false; why: string };

/**
 * Force the webgpu backend (software adapters allowed), then switch back to cpu so each test
 * picks its backend explicitly. `why` explains a missing adapter in one line for ctx.skip.
 *
 * Also turns off WEBGPU_CPU_FORWARD: tfjs-backend-webgpu otherwise runs ops on small tensors
 * (< 1000 elements) whose data is still on the host with its cpu kernels, so tests at tiny
 * shapes would check the cpu kernels twice and none of the GPU ones (it hid the rank-5 binary-op
 * bug that webgpu-kernels.ts works around).
 */
export async function startWebGpu(): Promise<WebGpuAvailability> {
  const icd = useSoftwareAdapter();
  try {
    const report = await selectBackend({ prefer: 'webgpu' });
    tf.env().set('WEBGPU_CPU_FORWARD', false);
    await tf.setBackend('cpu');
    return { ok: true, report };
  } catch (e) {
    const reason = e instanceof BackendSelectionError ? (e.report.candidates.find((c) => c.name === 'webgpu')?.reason ?? e.message) : String(e);
    const hint = icd ? '' : ' (no Vulkan ICD: install Debian\'s chromium for SwiftShader and libvulkan1, as .ci/run does)';
    await tf.setBackend('cpu');
    return { ok: false, why: `no WebGPU adapter: ${reason}${hint}` };
  }
}

/**
 * Run `fn` on one backend with inputs made there from host arrays; returns every output's values.
 * Inputs: name → [shape, values]. Outputs are read with await data() and disposed.
 */
export async function runOn(
  backend: 'cpu' | 'webgpu',
  inputs: Record<string, [number[], Float32Array | Int32Array]>,
  fn: (t: Record<string, tf.Tensor>) => tf.Tensor | tf.Tensor[] | Record<string, tf.Tensor>,
): Promise<Record<string, Float32Array>> {
  await tf.setBackend(backend);
  const made: Record<string, tf.Tensor> = {};
  for (const [k, [shape, v]] of Object.entries(inputs)) made[k] = tf.tensor(v, shape, v instanceof Int32Array ? 'int32' : 'float32');
  const outs = tf.tidy(() => {
    const r = fn(made);
    if (r instanceof tf.Tensor) return { out: r };
    if (Array.isArray(r)) return Object.fromEntries(r.map((t, i) => [String(i), t]));
    return r;
  });
  const result: Record<string, Float32Array> = {};
  for (const [k, t] of Object.entries(outs)) result[k] = Float32Array.from(await t.data());
  tf.dispose([...Object.values(outs), ...Object.values(made)]);
  return result;
}
