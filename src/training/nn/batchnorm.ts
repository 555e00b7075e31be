/**
 * BatchNorm2d over channels-last images [B,H,W,C], with PyTorch's semantics, as RevBiFPN uses it
 * (METHODS.md §2; official `revbifpn.py` norm_kwargs_defaults: eps 1e-3, momentum 0.1, affine,
 * track_running_stats):
 *
 *   training:  μ, σ² = mean and BIASED variance of x over (B,H,W) per channel (n = B·H·W values);
 *              y = (x − μ)/sqrt(σ² + eps)·γ + β;
 *              running_mean ← (1 − m)·running_mean + m·μ
 *              running_var  ← (1 − m)·running_var  + m·σ²·n/(n − 1)   (UNBIASED, as torch does)
 *   inference: y = (x − running_mean)/sqrt(running_var + eps)·γ + β.
 * m = 0.1 is PyTorch's momentum (TF/Keras would call it 0.9). Running stats start at mean 0, var 1.
 *
 * γ, β are trainable parameters (counted in parameter counts); the running statistics are
 * non-trainable tf.Variables kept in a separate tree (BatchNormStats), so optimisers, parameter
 * counts and `flattenParams(params)` never see them. Checkpoints must save both trees.
 *
 * Updates happen once per training-mode call. A reversible backward pass re-runs every block's F/G
 * to rebuild activations; it wraps that recomputation in `withoutStatUpdates`, so each BN updates
 * its running stats exactly once per training step (the official code updates them twice there:
 * METHODS.md §2 "Paper vs code").
 *
 * Implementations ('auto': 'kernel' on host backends, 'ops' elsewhere):
 *  - 'kernel': per-channel statistics in float64 on the host (two passes: mean, then Σ(x−μ)²; no
 *    cancellation), then a tf.customGrad whose forward is y = x·scale + shift and whose backward is
 *    the closed form below, both typed-array loops; the statistics are captured by the gradient
 *    closure, so nothing but x and γ is kept for backward. Training-mode backward:
 *      dx = rstd·(g − mean(g) − x̂·mean(g·x̂)),  g = dy·γ,  means over (B,H,W);
 *      dγ = Σ dy·x̂,  dβ = Σ dy.
 *    Inference-mode backward: dx = dy·γ·rstd (the running stats are constants).
 *  - 'ops': tfjs ops (tf.moments; the same closed-form backward in a customGrad for training).
 *
 * Usage:
 *   const { params, stats } = initBatchNorm(48);
 *   const y = batchNorm2d(x, params, stats, { training: true });      // x [B,H,W,48]; updates stats
 *   withoutStatUpdates(() => batchNorm2d(x, params, stats, { training: true }));  // recomputation
 */
import * as tf from '@tensorflow/tfjs';
import { constantInit } from '../core/params';
import { isHostBackend } from './host';

/** eps of `revbifpn.py` norm_kwargs_defaults (PyTorch's default would be 1e-5). */
export const BN_EPS = 1e-3;
/** PyTorch momentum of `revbifpn.py` norm_kwargs_defaults: running = 0.9·running + 0.1·batch. */
export const BN_MOMENTUM = 0.1;

/** Trainable affine parameters, each [C]: counted in parameter counts. */
export interface BatchNormParams<T = tf.Tensor> {
  readonly gamma: T;
  readonly beta: T;
}

/** Running statistics, each a non-trainable [C] variable: not counted, kept in a separate tree. */
export interface BatchNormStats {
  readonly mean: tf.Variable;
  readonly variance: tf.Variable;
}

/** training: normalise with batch statistics and update the running ones; else use the running ones. */
export interface BatchNormContext {
  readonly training: boolean;
}

export type BatchNormImpl = 'auto' | 'kernel' | 'ops';

export interface BatchNormOptions {
  readonly eps?: number; // default BN_EPS
  readonly momentum?: number; // PyTorch convention; default BN_MOMENTUM
  readonly impl?: BatchNormImpl; // default 'auto'
}

export function batchNormImplFor(backend: string = tf.getBackend()): Exclude<BatchNormImpl, 'auto'> {
  return isHostBackend(backend) ? 'kernel' : 'ops';
}

/** γ = gamma (1; 0 for a zero-initialised last BN), β = 0; running mean 0, variance 1 (PyTorch). */
export function initBatchNorm(channels: number, gamma = 1): { params: BatchNormParams<tf.Variable>; stats: BatchNormStats } {
  if (!Number.isInteger(channels) || channels < 1) throw new Error(`batchnorm: channels = ${channels} must be an integer ≥ 1`);
  return {
    params: { gamma: constantInit([channels], gamma), beta: constantInit([channels], 0) },
    stats: { mean: constantInit([channels], 0, false), variance: constantInit([channels], 1, false) },
  };
}

let suspended = 0;

/**
 * Runs fn with running-stat updates switched off: training-mode BN inside still normalises with
 * batch statistics but leaves the running ones alone. Nests; restores on throw.
 */
export function withoutStatUpdates<T>(fn: () => T): T {
  suspended++;
  try {
    return fn();
  } finally {
    suspended--;
  }
}

/** False inside withoutStatUpdates. */
export function statUpdatesEnabled(): boolean {
  return suspended === 0;
}

/** x [B,H,W,C], γ/β/stats [C] → [B,H,W,C]. Arguments are borrowed; the result belongs to the caller. */
export function batchNorm2d(x: tf.Tensor4D, p: BatchNormParams, stats: BatchNormStats, ctx: BatchNormContext, opts: BatchNormOptions = {}): tf.Tensor4D {
  const eps = opts.eps ?? BN_EPS;
  const momentum = opts.momentum ?? BN_MOMENTUM;
  check(x, p, stats, eps, momentum);
  const impl = opts.impl === undefined || opts.impl === 'auto' ? batchNormImplFor() : opts.impl;
  if (impl !== 'kernel' && impl !== 'ops') throw new Error(`batchnorm: unknown impl '${String(impl)}' (valid: auto, kernel, ops)`);
  const [B, H, W] = x.shape;
  const n = B * H * W;
  if (ctx.training && n < 2) {
    throw new Error(`batchnorm: training needs more than 1 value per channel (x [${x.shape}]: B·H·W = ${n}), as in PyTorch`);
  }
  const update = ctx.training && statUpdatesEnabled();
  return tf.tidy(() => {
    if (impl === 'kernel') {
      const xv = x.dataSync() as Float32Array;
      const C = x.shape[3];
      let mean: Float64Array, variance: Float64Array;
      if (ctx.training) {
        ({ mean, variance } = hostMoments(xv, C));
        if (update) {
          const rm = stats.mean.dataSync() as Float32Array, rv = stats.variance.dataSync() as Float32Array;
          const nm = new Float32Array(C), nv = new Float32Array(C);
          for (let c = 0; c < C; c++) {
            nm[c] = (1 - momentum) * rm[c] + momentum * mean[c];
            nv[c] = (1 - momentum) * rv[c] + momentum * variance[c] * (n / (n - 1));
          }
          stats.mean.assign(tf.tensor1d(nm));
          stats.variance.assign(tf.tensor1d(nv));
        }
      } else {
        mean = Float64Array.from(stats.mean.dataSync() as Float32Array);
        variance = Float64Array.from(stats.variance.dataSync() as Float32Array);
      }
      const rstd = variance.map((v) => 1 / Math.sqrt(v + eps));
      return kernelOp(mean, rstd, ctx.training)(x, p.gamma as tf.Tensor1D, p.beta as tf.Tensor1D);
    }
    if (update) {
      const { mean, variance } = tf.moments(x, [0, 1, 2]); // [C] each, biased variance
      stats.mean.assign(stats.mean.mul(1 - momentum).add(mean.mul(momentum)));
      stats.variance.assign(stats.variance.mul(1 - momentum).add(variance.mul((momentum * n) / (n - 1))));
    }
    if (ctx.training) return opsTrainOp(eps)(x, p.gamma as tf.Tensor1D, p.beta as tf.Tensor1D);
    // Inference: running stats are constants; plain autodiff through a per-channel affine map.
    const scale = tf.rsqrt(stats.variance.add(eps)).mul(p.gamma); // [C]
    return x.sub(stats.mean).mul(scale).add(p.beta) as tf.Tensor4D;
  });
}

/** Plain-autodiff reference of the training-mode forward (batch statistics; no stat update). */
export function batchNorm2dReference(x: tf.Tensor4D, p: BatchNormParams, eps = BN_EPS): tf.Tensor4D {
  return tf.tidy(() => {
    const { mean, variance } = tf.moments(x, [0, 1, 2]); // [C], biased
    return x.sub(mean).div(tf.sqrt(variance.add(eps))).mul(p.gamma).add(p.beta) as tf.Tensor4D;
  });
}

function check(x: tf.Tensor, p: BatchNormParams, stats: BatchNormStats, eps: number, momentum: number): void {
  if (x.rank !== 4) throw new Error(`batchnorm: x must be [B,H,W,C], got shape [${x.shape}]`);
  const C = x.shape[3];
  const vec = (name: string, t: tf.Tensor | undefined): void => {
    if (t === undefined || t.rank !== 1 || t.shape[0] !== C) throw new Error(`batchnorm: ${name} must be [${C}] (C of x [${x.shape}]), got ${t === undefined ? 'nothing' : `[${t.shape}]`}`);
  };
  vec('gamma', p.gamma);
  vec('beta', p.beta);
  vec('stats.mean', stats.mean);
  vec('stats.variance', stats.variance);
  if (!(eps > 0)) throw new Error(`batchnorm: eps = ${eps} must be > 0`);
  if (!(momentum >= 0 && momentum <= 1)) throw new Error(`batchnorm: momentum = ${momentum} must be in [0, 1] (PyTorch convention)`);
}

// ---------------------------------------------------------------------------------------------
// Host kernel. Flat index of (pixel q, channel c) = q·C + c, q over B·H·W.

/** Per-channel mean and biased variance (two-pass, float64). */
function hostMoments(xv: Float32Array, C: number): { mean: Float64Array; variance: Float64Array } {
  const n = xv.length / C;
  const mean = new Float64Array(C);
  const variance = new Float64Array(C);
  for (let o = 0; o < xv.length; o += C) for (let c = 0; c < C; c++) mean[c] += xv[o + c];
  for (let c = 0; c < C; c++) mean[c] /= n;
  for (let o = 0; o < xv.length; o += C) {
    for (let c = 0; c < C; c++) {
      const d = xv[o + c] - mean[c];
      variance[c] += d * d;
    }
  }
  for (let c = 0; c < C; c++) variance[c] /= n;
  return { mean, variance };
}

type NormOp = (x: tf.Tensor4D, gamma: tf.Tensor1D, beta: tf.Tensor1D) => tf.Tensor4D;

/**
 * customGrad with the statistics (host float64 arrays) fixed by closure. batch = true: they are
 * the batch statistics of x, so the backward includes their dependence on x.
 */
function kernelOp(mean: Float64Array, rstd: Float64Array, batch: boolean): NormOp {
  const C = mean.length;
  const f = (x: tf.Tensor4D, gamma: tf.Tensor1D, beta: tf.Tensor1D, save: tf.GradSaveFunc) => {
    save([x, gamma]);
    const xv = x.dataSync() as Float32Array;
    const gv = gamma.dataSync() as Float32Array;
    const bv = beta.dataSync() as Float32Array;
    const scale = new Float64Array(C), shift = new Float64Array(C);
    for (let c = 0; c < C; c++) {
      scale[c] = rstd[c] * gv[c]; // y = (x − μ)·rstd·γ + β = x·scale + shift
      shift[c] = bv[c] - mean[c] * scale[c];
    }
    const y = new Float32Array(xv.length);
    for (let o = 0; o < xv.length; o += C) for (let c = 0; c < C; c++) y[o + c] = xv[o + c] * scale[c] + shift[c];
    return {
      value: tf.tensor4d(y, x.shape),
      gradFunc: (dy: tf.Tensor4D, saved: tf.Tensor[]) => {
        const [xs, gs] = saved as [tf.Tensor4D, tf.Tensor1D];
        const sx = xs.dataSync() as Float32Array;
        const sg = gs.dataSync() as Float32Array;
        const dyv = dy.dataSync() as Float32Array;
        const n = sx.length / C;
        const sdy = new Float64Array(C); // Σ dy
        const sdyx = new Float64Array(C); // Σ dy·(x − μ)
        for (let o = 0; o < sx.length; o += C) {
          for (let c = 0; c < C; c++) {
            const e = dyv[o + c];
            sdy[c] += e;
            sdyx[c] += e * (sx[o + c] - mean[c]);
          }
        }
        // dx = dy·A + x·Bc + Cc. Batch statistics: with m1 = γ·Σdy/n and m2 = rstd·γ·Σdy(x−μ)/n,
        // dx = rstd·(γ·dy − m1 − x̂·m2) → A = rstd·γ, Bc = −rstd²·m2, Cc = −rstd·m1 − μ·Bc.
        // Running statistics: dx = dy·rstd·γ (Bc = Cc = 0).
        const A = new Float64Array(C), Bc = new Float64Array(C), Cc = new Float64Array(C);
        const dgamma = new Float32Array(C), dbeta = new Float32Array(C);
        for (let c = 0; c < C; c++) {
          const r = rstd[c];
          A[c] = r * sg[c];
          if (batch) {
            const m1 = (sg[c] * sdy[c]) / n;
            const m2 = (r * sg[c] * sdyx[c]) / n;
            Bc[c] = -r * r * m2;
            Cc[c] = -r * m1 - mean[c] * Bc[c];
          }
          dgamma[c] = r * sdyx[c];
          dbeta[c] = sdy[c];
        }
        const dx = new Float32Array(sx.length);
        for (let o = 0; o < sx.length; o += C) for (let c = 0; c < C; c++) dx[o + c] = dyv[o + c] * A[c] + sx[o + c] * Bc[c] + Cc[c];
        return [tf.tensor4d(dx, xs.shape), tf.tensor1d(dgamma), tf.tensor1d(dbeta)];
      },
    };
  };
  return tf.customGrad(f as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as NormOp;
}

// ---------------------------------------------------------------------------------------------
// tfjs-op path (any backend): training-mode customGrad saving x and γ only.

const opsOps = new Map<number, NormOp>();

function opsTrainOp(eps: number): NormOp {
  let op = opsOps.get(eps);
  if (op !== undefined) return op;
  const f = (x: tf.Tensor4D, gamma: tf.Tensor1D, beta: tf.Tensor1D, save: tf.GradSaveFunc) => {
    save([x, gamma]);
    return {
      value: batchNorm2dReference(x, { gamma, beta }, eps),
      gradFunc: (dy: tf.Tensor4D, saved: tf.Tensor[]) =>
        tf.tidy(() => {
          const [xs, gs] = saved as [tf.Tensor4D, tf.Tensor1D];
          const { mean, variance } = tf.moments(xs, [0, 1, 2]); // [C]
          const rstd = tf.rsqrt(variance.add(eps)); // [C]
          const xhat = xs.sub(mean).mul(rstd); // [B,H,W,C]
          const g = dy.mul(gs); // dy·γ
          const dx = g.sub(g.mean([0, 1, 2])).sub(xhat.mul(g.mul(xhat).mean([0, 1, 2]))).mul(rstd);
          return [dx, dy.mul(xhat).sum([0, 1, 2]), dy.sum([0, 1, 2])];
        }),
    };
  };
  op = tf.customGrad(f as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as NormOp;
  opsOps.set(eps, op);
  return op;
}
