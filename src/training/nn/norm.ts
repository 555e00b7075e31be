/**
 * Group normalisation for channels-last volumes [B,D,H,W,C] (Wu & He 2018, arXiv 1803.08494):
 * per sample and per group of C/G channels, subtract the mean and divide by sqrt(var + eps)
 * (biased variance over D·H·W·C/G values), then scale by gamma and shift by beta per channel.
 * groups = C gives instance norm, groups = 1 layer norm. The U-Net uses it because 3D batches
 * are 1–2 volumes (METHODS.md §3). tf.batchNorm fails on rank 5 (ENVIRONMENT.md §2), so:
 *
 *  - 'moments': reshape to [B, DHW, G, C/G], tf.moments, sub, rsqrt, mul; autodiff. The tape
 *               keeps several full-size intermediates (x−μ, (x−μ)², x̂, x̂·γ) per call.
 *  - 'fused'  : tf.customGrad that saves only x (and γ), recomputing the statistics in the
 *               backward pass; gradients from the closed form
 *                 dx = rstd · (g − mean_grp(g) − x̂ · mean_grp(g·x̂)),  g = dy·γ,
 *                 dγ = Σ dy·x̂,  dβ = Σ dy   (sums over B,D,H,W).
 *               Built from tfjs ops, for any backend.
 *  - 'kernel' : the same customGrad with typed-array loops (host backends only, see
 *               depthwise3d.ts): two passes for the statistics (float64, two-pass variance, no
 *               cancellation), one pass to write y; backward four passes, no temporaries
 *               bigger than a channel vector.
 * 'auto' = 'kernel' on cpu/wasm, 'fused' elsewhere.
 *
 * Measured on cpu (bench/depthwise3d.bench.ts, "groupNorm"; fwd+bwd ms / peak MB of one
 * forward+backward above what was live; a volume [1,32,32,32,64] is 8 MB):
 *   [1,32,32,32,64] G=8 :  moments 3380 / 184,  fused 4119 / 112,  kernel 153 / 16
 *   [1,32,32,32,64] G=64:  moments 3170 / 184,  fused 4035 / 112,  kernel 95 / 16
 *   [1,16,16,16,128] G=8:  moments 1079 / 46,   fused 1448 / 28,   kernel 20 / 4
 * So on cpu the kernel is 20–50× faster and peaks at 2 volumes (y and dx) instead of 23; 'fused'
 * cuts the peak by 39% for ~25% more time, the trade wanted off the host (memory is the headline,
 * and a reversible net re-runs every block's norms under the tape).
 */
import * as tf from '@tensorflow/tfjs';
import { isHostBackend } from './host';

export type NormImpl = 'auto' | 'moments' | 'fused' | 'kernel';

export interface NormOptions {
  /** Which implementation; 'auto' picks by backend (see header). */
  readonly impl?: NormImpl;
}


export function normImplFor(backend: string = tf.getBackend()): Exclude<NormImpl, 'auto'> {
  return isHostBackend(backend) ? 'kernel' : 'fused';
}

/** x: [B,D,H,W,C], gamma/beta: [C]; groups must divide C. Returns [B,D,H,W,C]. */
export function groupNorm(
  x: tf.Tensor5D,
  gamma: tf.Tensor1D,
  beta: tf.Tensor1D,
  groups: number,
  eps = 1e-5,
  opts: NormOptions = {},
): tf.Tensor5D {
  const C = x.shape[4];
  if (x.rank !== 5) throw new Error(`norm: groupNorm x must be [B,D,H,W,C], got [${x.shape}]`);
  if (!Number.isInteger(groups) || groups < 1 || C % groups !== 0) {
    throw new Error(`norm: groupNorm groups=${groups} must be a positive divisor of C=${C}`);
  }
  if (gamma.size !== C || beta.size !== C) {
    throw new Error(`norm: groupNorm gamma [${gamma.shape}] and beta [${beta.shape}] must have C=${C} entries`);
  }
  if (!(eps > 0)) throw new Error(`norm: groupNorm eps must be > 0, got ${eps}`);
  const impl = opts.impl === undefined || opts.impl === 'auto' ? normImplFor() : opts.impl;
  switch (impl) {
    case 'moments':
      return groupNormMoments(x, gamma, beta, groups, eps);
    case 'fused':
      return fusedOp(groups, eps, false)(x, gamma, beta);
    case 'kernel':
      return fusedOp(groups, eps, true)(x, gamma, beta);
    default:
      throw new Error(`norm: unknown impl '${String(impl)}'`);
  }
}

/** Plain autodiff reference. */
export function groupNormMoments(
  x: tf.Tensor5D, gamma: tf.Tensor1D, beta: tf.Tensor1D, groups: number, eps = 1e-5,
): tf.Tensor5D {
  return tf.tidy(() => {
    const [B, D, H, W, C] = x.shape;
    const xr = x.reshape([B, D * H * W, groups, C / groups]); // [B,N,G,C/G]
    const { mean, variance } = tf.moments(xr, [1, 3], true); // [B,1,G,1] each
    const xhat = xr.sub(mean).mul(tf.rsqrt(variance.add(eps))).reshape(x.shape); // [B,D,H,W,C]
    return xhat.mul(gamma).add(beta) as tf.Tensor5D;
  });
}

// ---------------------------------------------------------------------------------------------
// Fused customGrad: saves x, gamma (beta's gradient needs no saved value).

type NormOp = (x: tf.Tensor5D, gamma: tf.Tensor1D, beta: tf.Tensor1D) => tf.Tensor5D;
const opCache = new Map<string, NormOp>();

function fusedOp(groups: number, eps: number, kernel: boolean): NormOp {
  const key = `${groups}|${eps}|${kernel}`;
  let op = opCache.get(key);
  if (op === undefined) {
    op = makeFusedOp(groups, eps, kernel);
    opCache.set(key, op);
  }
  return op;
}

function makeFusedOp(groups: number, eps: number, kernel: boolean): NormOp {
  const f = (x: tf.Tensor5D, gamma: tf.Tensor1D, beta: tf.Tensor1D, save: tf.GradSaveFunc) => {
    save([x, gamma]);
    const value = kernel ? kernelForward(x, gamma, beta, groups, eps) : opsForward(x, gamma, beta, groups, eps);
    return {
      value,
      gradFunc: (dy: tf.Tensor5D, saved: tf.Tensor[]) => {
        const [xs, gs] = saved as [tf.Tensor5D, tf.Tensor1D];
        return kernel ? kernelBackward(xs, gs, dy, groups, eps) : opsBackward(xs, gs, dy, groups, eps);
      },
    };
  };
  return tf.customGrad(f as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as NormOp;
}

/** Per-sample, per-group mean and rstd = 1/sqrt(var+eps), shaped [B,1,G,1] for xr = [B,N,G,C/G]. */
function groupStats(xr: tf.Tensor4D, eps: number): { mean: tf.Tensor; rstd: tf.Tensor } {
  const { mean, variance } = tf.moments(xr, [1, 3], true);
  return { mean, rstd: tf.rsqrt(variance.add(eps)) };
}

function opsForward(x: tf.Tensor5D, gamma: tf.Tensor1D, beta: tf.Tensor1D, groups: number, eps: number): tf.Tensor5D {
  return groupNormMoments(x, gamma, beta, groups, eps);
}

function opsBackward(x: tf.Tensor5D, gamma: tf.Tensor1D, dy: tf.Tensor5D, groups: number, eps: number): tf.Tensor[] {
  return tf.tidy(() => {
    const [B, D, H, W, C] = x.shape;
    const grouped: [number, number, number, number] = [B, D * H * W, groups, C / groups];
    const xr = x.reshape(grouped) as tf.Tensor4D; // [B,N,G,C/G]
    const { mean, rstd } = groupStats(xr, eps); // [B,1,G,1]
    const xhat = xr.sub(mean).mul(rstd); // [B,N,G,C/G]
    const dyr = dy.reshape(grouped);
    const g = dyr.mul(gamma.reshape([1, 1, groups, C / groups])); // dy·γ, [B,N,G,C/G]
    const mg = g.mean([1, 3], true); // [B,1,G,1]
    const mgx = g.mul(xhat).mean([1, 3], true); // [B,1,G,1]
    const dx = g.sub(mg).sub(xhat.mul(mgx)).mul(rstd).reshape(x.shape);
    const dgamma = dyr.mul(xhat).sum([0, 1]).reshape([C]);
    const dbeta = dy.sum([0, 1, 2, 3]);
    return [dx, dgamma, dbeta];
  });
}

// ---------------------------------------------------------------------------------------------
// Typed-array kernel. Flat index of (b, voxel v, channel c) = (b·N + v)·C + c.

interface Stats {
  /** per (b, c): its group's mean and 1/sqrt(var+eps), float64, length B·C */
  readonly mean: Float64Array;
  readonly rstd: Float64Array;
}

function hostStats(xv: Float32Array, B: number, N: number, C: number, groups: number, eps: number): Stats {
  const cg = C / groups;
  const M = N * cg; // values per (sample, group)
  const mean = new Float64Array(B * C);
  const rstd = new Float64Array(B * C);
  const acc = new Float64Array(C);
  for (let b = 0; b < B; b++) {
    const base = b * N * C;
    acc.fill(0);
    for (let v = 0; v < N; v++) {
      const o = base + v * C;
      for (let c = 0; c < C; c++) acc[c] += xv[o + c];
    }
    for (let gi = 0; gi < groups; gi++) {
      let s = 0;
      for (let c = gi * cg; c < (gi + 1) * cg; c++) s += acc[c];
      for (let c = gi * cg; c < (gi + 1) * cg; c++) mean[b * C + c] = s / M;
    }
    acc.fill(0);
    const mb = mean.subarray(b * C, (b + 1) * C);
    for (let v = 0; v < N; v++) {
      const o = base + v * C;
      for (let c = 0; c < C; c++) {
        const d = xv[o + c] - mb[c];
        acc[c] += d * d;
      }
    }
    for (let gi = 0; gi < groups; gi++) {
      let s = 0;
      for (let c = gi * cg; c < (gi + 1) * cg; c++) s += acc[c];
      const r = 1 / Math.sqrt(s / M + eps);
      for (let c = gi * cg; c < (gi + 1) * cg; c++) rstd[b * C + c] = r;
    }
  }
  return { mean, rstd };
}

function kernelForward(x: tf.Tensor5D, gamma: tf.Tensor1D, beta: tf.Tensor1D, groups: number, eps: number): tf.Tensor5D {
  const [B, D, H, W, C] = x.shape;
  const N = D * H * W;
  const xv = x.dataSync() as Float32Array;
  const gv = gamma.dataSync() as Float32Array;
  const bv = beta.dataSync() as Float32Array;
  const { mean, rstd } = hostStats(xv, B, N, C, groups, eps);
  const y = new Float32Array(xv.length);
  const scale = new Float64Array(C);
  const shift = new Float64Array(C);
  for (let b = 0; b < B; b++) {
    // y = (x − μ)·rstd·γ + β = x·scale + shift
    for (let c = 0; c < C; c++) {
      scale[c] = rstd[b * C + c] * gv[c];
      shift[c] = bv[c] - mean[b * C + c] * scale[c];
    }
    const base = b * N * C;
    for (let v = 0; v < N; v++) {
      const o = base + v * C;
      for (let c = 0; c < C; c++) y[o + c] = xv[o + c] * scale[c] + shift[c];
    }
  }
  return tf.tensor5d(y, [B, D, H, W, C]);
}

function kernelBackward(x: tf.Tensor5D, gamma: tf.Tensor1D, dy: tf.Tensor5D, groups: number, eps: number): tf.Tensor[] {
  const [B, D, H, W, C] = x.shape;
  const N = D * H * W;
  const cg = C / groups;
  const M = N * cg;
  const xv = x.dataSync() as Float32Array;
  const gv = gamma.dataSync() as Float32Array;
  const dyv = dy.dataSync() as Float32Array;
  const { mean, rstd } = hostStats(xv, B, N, C, groups, eps);
  const dx = new Float32Array(xv.length);
  const dgamma = new Float64Array(C);
  const dbeta = new Float64Array(C);
  const sdy = new Float64Array(C); // Σ_v dy        per channel, this sample
  const sdyx = new Float64Array(C); // Σ_v dy·(x−μ) per channel, this sample
  const A = new Float64Array(C);
  const Bc = new Float64Array(C);
  const Cc = new Float64Array(C);
  for (let b = 0; b < B; b++) {
    const base = b * N * C;
    const mb = mean.subarray(b * C, (b + 1) * C);
    sdy.fill(0);
    sdyx.fill(0);
    for (let v = 0; v < N; v++) {
      const o = base + v * C;
      for (let c = 0; c < C; c++) {
        const e = dyv[o + c];
        sdy[c] += e;
        sdyx[c] += e * (xv[o + c] - mb[c]);
      }
    }
    // dγ_c += Σ dy·x̂ = rstd·Σ dy·(x−μ);  dβ_c += Σ dy.
    // Per group: m1 = mean_grp(g) = Σ_c γ_c·sdy_c / M;  m2 = mean_grp(g·x̂) = rstd·Σ_c γ_c·sdyx_c / M.
    // dx = rstd·(γ·dy − m1 − x̂·m2) = dy·[rstd·γ] + x·[−rstd²·m2] + [−rstd·m1 + μ·rstd²·m2].
    for (let gi = 0; gi < groups; gi++) {
      let s1 = 0, s2 = 0;
      for (let c = gi * cg; c < (gi + 1) * cg; c++) {
        s1 += gv[c] * sdy[c];
        s2 += gv[c] * sdyx[c];
      }
      for (let c = gi * cg; c < (gi + 1) * cg; c++) {
        const r = rstd[b * C + c];
        const m1 = s1 / M;
        const m2 = (r * s2) / M;
        dgamma[c] += r * sdyx[c];
        dbeta[c] += sdy[c];
        A[c] = r * gv[c];
        Bc[c] = -r * r * m2;
        Cc[c] = -r * m1 + mb[c] * r * r * m2;
      }
    }
    for (let v = 0; v < N; v++) {
      const o = base + v * C;
      for (let c = 0; c < C; c++) dx[o + c] = dyv[o + c] * A[c] + xv[o + c] * Bc[c] + Cc[c];
    }
  }
  return [tf.tensor5d(dx, [B, D, H, W, C]), tf.tensor1d(Float32Array.from(dgamma)), tf.tensor1d(Float32Array.from(dbeta))];
}
