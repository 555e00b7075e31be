/**
 * The second numerical check of `frugal doctor`: the rank-5 (volume) element-wise ops the U-Net
 * leans on, which tfjs-backend-webgpu 4.22 gets silently wrong without webgpu-kernels.ts (a
 * per-channel scale and shift, a channel slice's gradient, tf.where, a cast mask summed over the
 * volume). Each result is compared with plain JavaScript on a small asymmetric volume, so a GPU
 * driver or tfjs version that breaks one of them shows up before a training run does.
 */
import * as tf from '@tensorflow/tfjs';

export interface VolumeSanityResult {
  pass: boolean;
  backend: string;
  /** Largest |backend − reference| / max|reference| per check. */
  maxRelError: { scaleShift: number; sliceGrad: number; where: number; castSum: number };
  detail: string;
}

const SHAPE = [2, 3, 4, 5, 6] as const; // D≠H≠W≠C; batch 2, as a Dice denominator sums per sample
const C = SHAPE[4];
const N = SHAPE.reduce((a, b) => a * b, 1);

function rel(a: ArrayLike<number>, ref: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < ref.length; i++) {
    num = Math.max(num, Math.abs(a[i] - ref[i]));
    den = Math.max(den, Math.abs(ref[i]));
  }
  return Number.isFinite(num) ? num / (den || 1) : Infinity;
}

/** Varies the data from call to call: a kernel that never writes its output returns a pooled
 * buffer, which may still hold the right answer from the previous call. */
let calls = 0;

export async function volumeOpsSanityCheck(): Promise<VolumeSanityResult> {
  const backend = tf.getBackend();
  const k = calls++;
  const x = Float32Array.from({ length: N }, (_, i) => ((i * 7 + k) % 13) / 6 - 1); // in [-1, 1], both signs
  const gamma = Float32Array.from({ length: C }, (_, c) => 0.5 + c + k / 8);
  const beta = Float32Array.from({ length: C }, (_, c) => c / 4 - 0.5);
  const g = Float32Array.from({ length: N / 2 }, (_, i) => ((i * 5) % 7) / 3 - 1); // cotangent of the slice

  // References in plain JavaScript (NDHWC: channel = index mod C).
  const scaleShift = x.map((v, i) => v * gamma[i % C] + beta[i % C]);
  const where = x.map((v) => (v > 0 ? v : 0.1 * v));
  const castSum = new Float32Array(SHAPE[0] * C); // [B, C]: positives per sample and channel
  const perSample = N / SHAPE[0];
  x.forEach((v, i) => (castSum[Math.floor(i / perSample) * C + (i % C)] += v > 0 ? 1 : 0));
  // d/dx Σ slice(x⊙γ+β, channels 0..C/2)·g = γ[c]·g on the kept channels, 0 elsewhere.
  const sliceGrad = new Float32Array(N);
  for (let i = 0; i < N; i++) {
    const c = i % C;
    if (c < C / 2) sliceGrad[i] = gamma[c] * g[Math.floor(i / C) * (C / 2) + c];
  }

  const xt = tf.tensor5d(x, [...SHAPE]);
  const gt = tf.tensor1d(gamma);
  const bt = tf.tensor1d(beta);
  const cot = tf.tensor5d(g, [2, 3, 4, 5, C / 2]);
  const f = (v: tf.Tensor) => tf.sum(tf.mul(tf.slice(tf.add(tf.mul(v, gt), bt), [0, 0, 0, 0, 0], [2, 3, 4, 5, C / 2]), cot));
  const checks: [keyof VolumeSanityResult['maxRelError'], () => tf.Tensor, Float32Array][] = [
    ['scaleShift', () => tf.add(tf.mul(xt, gt), bt), scaleShift],
    ['sliceGrad', () => tf.grad(f)(xt), sliceGrad],
    ['where', () => tf.where(tf.greater(xt, 0), xt, tf.mul(xt, 0.1)), where],
    ['castSum', () => tf.sum(tf.cast(tf.greater(xt, 0), 'float32'), [1, 2, 3]), castSum],
  ];
  const err = { scaleShift: NaN, sliceGrad: NaN, where: NaN, castSum: NaN };
  const failures: string[] = [];
  // One at a time, each read back before the next: a kernel that throws or fails to compile
  // then cannot take the others' results down with it (tfjs-webgpu batches dispatches).
  for (const [name, run, ref] of checks) {
    try {
      const t = tf.tidy(run);
      const got = await t.data();
      t.dispose();
      err[name] = rel(got, ref);
    } catch (e) {
      failures.push(`${name} failed: ${(e as Error).message}`);
    }
  }
  tf.dispose([xt, gt, bt, cot]);
  const TOL = 1e-5;
  const wrong = (Object.keys(err) as (keyof typeof err)[]).filter((k) => err[k] > TOL || err[k] === Infinity);
  const problems = [...wrong.map((k) => `${k} WRONG (relative error ${err[k].toExponential(2)})`), ...failures];
  return {
    pass: problems.length === 0,
    backend,
    maxRelError: err,
    detail: problems.length === 0 ? `volume ops (per-channel scale/shift, slice gradient, where, cast-sum) match (max rel. error ≤ ${TOL})` : problems.join('; '),
  };
}
