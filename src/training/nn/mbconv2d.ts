/**
 * RevBiFPN's 2-D MBConv and ConvNormAct (METHODS.md §2 "Primitives"), channels-last [B,H,W,C].
 * Layer order, biases, widths and init follow the official code (`revbifpn.py`: ConvNormAct,
 * MBConvBlock, SqueezeExcite, RevBiFPN._initialize):
 *
 *   MBConv(in, out, k, s, e, se), h = floor(in·e) (`int(in_channels * expand_ratio)`):
 *     [e ≠ 1] 1×1 conv in→h (no bias) + BN + Hardswish
 *     k×k depthwise conv, stride s, pad (k−1)//2 (no bias) + BN + Hardswish
 *     [0 < se ≤ 1] SE: global average pool → 1×1 conv h→r WITH bias → Hardswish → 1×1 conv r→h
 *       WITH bias → hard-sigmoid relu6(z+3)/6 → multiply; r = max(1, floor(in·se)) — the block's
 *       INPUT width `in`, not h (`SqueezeExcite(int_ch, max(1, int(in_channels * se_ratio)))`)
 *     1×1 conv h→out (no bias) + BN, no activation; no internal residual.
 *   ConvNormAct(in, out, k, s): k×k conv, pad (k−1)//2, no bias (conv_bias = not norm) + BN +
 *     Hardswish (the classification head's final 1×1 conv).
 *   BN: eps 1e-3, momentum 0.1 (nn/batchnorm.ts).
 *   Init: every conv Kaiming-normal, mode fan_out, relu: std = sqrt(2 / fan_out) with PyTorch's
 *     fan_out = weight.size(0)·k·k = Cout·k·k. Depthwise too: its torch weight is [h, 1, k, k], so
 *     fan_out = h·k·k — torch does NOT divide by groups (timm's EfficientNet init does; this code
 *     calls nn.init.kaiming_normal_). Conv biases (SE) 0; BN γ = 1, β = 0; `zeroInit` sets the
 *     project BN's γ = 0 (`zero_init`, off in every released RevBiFPN config).
 *   Stochastic depth (per-sample drop of the block output) is not here: the reversible structures
 *   own its RNG replay.
 *
 * Parameter names/shapes (mbConv2dShapes; `flattenParams(params)` gives exactly these):
 *   expand.w [1,1,in,h], expand.bn.{gamma,beta} [h]      (only if e ≠ 1)
 *   dw.w [k,k,h], dw.bn.{gamma,beta} [h]
 *   se.reduce.w [1,1,h,r], se.reduce.b [r], se.expand.w [1,1,r,h], se.expand.b [h]   (only if se > 0)
 *   project.w [1,1,h,out], project.bn.{gamma,beta} [out]
 * Running BN statistics live in a parallel stats tree {expand?, dw, project} (not counted).
 *
 * Speed: MBConv(48→48, k 3, s 1, e 1, se 0.25), x [8,56,56,48], training-mode BN, forward +
 * backward (dx and all 9 parameter gradients for a fixed cotangent), median of 3, ms, cpu (shared,
 * loaded 2-core machine, one run):
 *   depthwise 'kernel', 1×1 convs 'auto' (pointwise kernel)    801   (the default on cpu)
 *   depthwise 'tfjs',   1×1 convs 'auto'                       5309
 *   depthwise 'kernel', 1×1 convs as depth-1 conv3d            1616
 *   depthwise 'kernel', 1×1 convs as tf.conv2d                19428
 *   forward only (default)                                      128
 *   default on wasm: 1061 forward + backward, 458 forward (dataSync copies out of the wasm heap).
 * The SE is one host customGrad (seKernel): as tfjs ops its broadcast multiply and spatial mean
 * took 2.9 s of the 4.9 s kernel time of a step (tf.profile). Peak memory of the default step:
 * 92 MB (19 tensors of [8,56,56,48]).
 * (A brief for this file gave the depthwise init as sqrt(2/(k·k·Cout/groups)); the official
 * code's nn.init.kaiming_normal_ does not divide by groups, so we follow the code: sqrt(2/(h·k·k)),
 * 0.068 for h 48, k 3, where ÷ groups would give sqrt(2/9) = 0.471.)
 *
 * Usage:
 *   const cfg = { inChannels: 48, outChannels: 48, kernel: 3, stride: 1, expansion: 1, se: 0.25 };
 *   const { params, stats } = initMbConv2d(cfg, new Rng(0));
 *   const y = applyMbConv2d(params, stats, x, cfg, { training: true });   // x [B,H,W,48] → [B,H,W,48]
 */
import * as tf from '@tensorflow/tfjs';
import { constantInit, heNormal } from '../core/params';
import { type Rng } from '../core/rng';
import { activate } from './activations';
import { type BatchNormContext, type BatchNormParams, type BatchNormStats, batchNorm2d, initBatchNorm } from './batchnorm';
import { type Conv2dRoute, conv2d } from './conv2d';
import { type Depthwise2dImpl, depthwiseConv2d } from './depthwise2d';
import { isHostBackend } from './host';

/** Implementation choices (all default 'auto'); for comparisons and GPU-backend tuning. */
export interface Conv2dImplOptions {
  readonly conv?: Conv2dRoute;
  readonly depthwise?: Depthwise2dImpl;
  /** Squeeze-excite: 'kernel' (host typed-array customGrad) on cpu/wasm, 'ops' elsewhere. */
  readonly se?: 'kernel' | 'ops';
}

// ---------------------------------------------------------------------------------------------
// ConvNormAct2d

export interface ConvNormAct2dConfig {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernel: number; // k×k, pad (k−1)//2 on each side
  readonly stride: number;
  readonly activation?: boolean; // Hardswish after the BN; default true
  readonly zeroInit?: boolean; // BN γ = 0; default false
}

export interface ConvNormAct2dParams<T = tf.Tensor> {
  readonly w: T; // [k,k,in,out]
  readonly bn: BatchNormParams<T>; // [out] each
}

export function convNormAct2dShapes(cfg: ConvNormAct2dConfig): Record<string, number[]> {
  checkConvNormAct(cfg);
  const { inChannels: i, outChannels: o, kernel: k } = cfg;
  return { w: [k, k, i, o], 'bn.gamma': [o], 'bn.beta': [o] };
}

export function convNormAct2dParamCount(cfg: ConvNormAct2dConfig): number {
  return sumSizes(convNormAct2dShapes(cfg));
}

export function initConvNormAct2d(cfg: ConvNormAct2dConfig, rng: Rng): { params: ConvNormAct2dParams<tf.Variable>; stats: BatchNormStats } {
  checkConvNormAct(cfg);
  const { inChannels: i, outChannels: o, kernel: k } = cfg;
  const bn = initBatchNorm(o, cfg.zeroInit ? 0 : 1);
  return { params: { w: heNormal(rng.fork('w'), [k, k, i, o], o * k * k), bn: bn.params }, stats: bn.stats };
}

/** x [B,H,W,in] → [B,H',W',out], H' = floor((H + 2·((k−1)//2) − k)/s) + 1. */
export function applyConvNormAct2d(
  p: ConvNormAct2dParams, stats: BatchNormStats, x: tf.Tensor4D, cfg: ConvNormAct2dConfig, ctx: BatchNormContext, impl: Conv2dImplOptions = {},
): tf.Tensor4D {
  checkConvNormAct(cfg);
  if (x.rank !== 4 || x.shape[3] !== cfg.inChannels) {
    throw new Error(`ConvNormAct2d: input must be [B,H,W,${cfg.inChannels}], got [${x.shape}]`);
  }
  checkShape('ConvNormAct2d', 'w', p.w, [cfg.kernel, cfg.kernel, cfg.inChannels, cfg.outChannels]);
  return tf.tidy(() => {
    const y = conv2d(x, p.w as tf.Tensor4D, { stride: cfg.stride, route: impl.conv }); // [B,H',W',out]
    const z = batchNorm2d(y, p.bn, stats, ctx);
    return (cfg.activation === false ? z : activate(z, 'hardswish')) as tf.Tensor4D;
  });
}

function checkConvNormAct(cfg: ConvNormAct2dConfig): void {
  positiveInt('ConvNormAct2d', 'inChannels', cfg.inChannels);
  positiveInt('ConvNormAct2d', 'outChannels', cfg.outChannels);
  positiveInt('ConvNormAct2d', 'kernel', cfg.kernel);
  positiveInt('ConvNormAct2d', 'stride', cfg.stride);
}

// ---------------------------------------------------------------------------------------------
// MBConv2d

export interface MbConv2dConfig {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernel: number; // depthwise k×k (odd in every RevBiFPN config: 3, 5, 7, 15)
  readonly stride: number; // depthwise stride (1, 2, 4, 8 in RevBiFPN)
  readonly expansion: number; // e: hidden width floor(in·e); the 1×1 expand exists only if e ≠ 1
  readonly se: number; // squeeze-excite ratio of `in` (0 = none; must be ≤ 1)
  readonly zeroInit?: boolean; // project BN γ = 0; default false (`zero_init`)
}

export interface MbConv2dParams<T = tf.Tensor> {
  readonly expand?: ConvNormAct2dParams<T>; // only if e ≠ 1
  readonly dw: { readonly w: T; readonly bn: BatchNormParams<T> }; // w [k,k,h]
  readonly se?: {
    readonly reduce: { readonly w: T; readonly b: T }; // [1,1,h,r], [r]
    readonly expand: { readonly w: T; readonly b: T }; // [1,1,r,h], [h]
  };
  readonly project: ConvNormAct2dParams<T>; // w [1,1,h,out]
}

export interface MbConv2dStats {
  readonly expand?: BatchNormStats;
  readonly dw: BatchNormStats;
  readonly project: BatchNormStats;
}

/** Hidden (depthwise) width: int(in·e) as in the official code. */
export function mbConv2dHidden(cfg: MbConv2dConfig): number {
  return Math.floor(cfg.inChannels * cfg.expansion);
}

/** SE bottleneck width max(1, int(in·se)) (0 when se = 0): of the block's input width, not h. */
export function mbConv2dSeWidth(cfg: MbConv2dConfig): number {
  return cfg.se > 0 ? Math.max(1, Math.floor(cfg.inChannels * cfg.se)) : 0;
}

export function mbConv2dShapes(cfg: MbConv2dConfig): Record<string, number[]> {
  checkMbConv(cfg);
  const { inChannels: i, outChannels: o, kernel: k } = cfg;
  const h = mbConv2dHidden(cfg);
  const r = mbConv2dSeWidth(cfg);
  return {
    ...(cfg.expansion !== 1 ? { 'expand.w': [1, 1, i, h], 'expand.bn.gamma': [h], 'expand.bn.beta': [h] } : {}),
    'dw.w': [k, k, h],
    'dw.bn.gamma': [h],
    'dw.bn.beta': [h],
    ...(r > 0 ? { 'se.reduce.w': [1, 1, h, r], 'se.reduce.b': [r], 'se.expand.w': [1, 1, r, h], 'se.expand.b': [h] } : {}),
    'project.w': [1, 1, h, o],
    'project.bn.gamma': [o],
    'project.bn.beta': [o],
  };
}

export function mbConv2dParamCount(cfg: MbConv2dConfig): number {
  return sumSizes(mbConv2dShapes(cfg));
}

export function initMbConv2d(cfg: MbConv2dConfig, rng: Rng): { params: MbConv2dParams<tf.Variable>; stats: MbConv2dStats } {
  checkMbConv(cfg);
  const { inChannels: i, outChannels: o, kernel: k } = cfg;
  const h = mbConv2dHidden(cfg);
  const r = mbConv2dSeWidth(cfg);
  const expand = cfg.expansion !== 1 ? initConvNormAct2d({ inChannels: i, outChannels: h, kernel: 1, stride: 1 }, rng.fork('expand')) : undefined;
  const dwBn = initBatchNorm(h);
  const dw = { w: heNormal(rng.fork('dw'), [k, k, h], h * k * k), bn: dwBn.params }; // torch fan_out = h·k·k
  const se =
    r > 0
      ? {
          reduce: { w: heNormal(rng.fork('se.reduce'), [1, 1, h, r], r), b: constantInit([r], 0) },
          expand: { w: heNormal(rng.fork('se.expand'), [1, 1, r, h], h), b: constantInit([h], 0) },
        }
      : undefined;
  const project = initConvNormAct2d({ inChannels: h, outChannels: o, kernel: 1, stride: 1, activation: false, zeroInit: cfg.zeroInit }, rng.fork('project'));
  return {
    params: { ...(expand ? { expand: expand.params } : {}), dw, ...(se ? { se } : {}), project: project.params },
    stats: { ...(expand ? { expand: expand.stats } : {}), dw: dwBn.stats, project: project.stats },
  };
}

/** x [B,H,W,in] → [B,H',W',out], H' = floor((H + 2·((k−1)//2) − k)/s) + 1. */
export function applyMbConv2d(
  p: MbConv2dParams, stats: MbConv2dStats, x: tf.Tensor4D, cfg: MbConv2dConfig, ctx: BatchNormContext, impl: Conv2dImplOptions = {},
): tf.Tensor4D {
  checkMbConv(cfg);
  if (x.rank !== 4 || x.shape[3] !== cfg.inChannels) throw new Error(`MbConv2d: input must be [B,H,W,${cfg.inChannels}], got [${x.shape}]`);
  checkMbParams(p, stats, cfg);
  const h = mbConv2dHidden(cfg);
  return tf.tidy(() => {
    let y = x;
    if (p.expand && stats.expand) {
      y = applyConvNormAct2d(p.expand, stats.expand, y, { inChannels: cfg.inChannels, outChannels: h, kernel: 1, stride: 1 }, ctx, impl); // [B,H,W,h]
    }
    y = depthwiseConv2d(y, p.dw.w as tf.Tensor3D, { stride: cfg.stride, impl: impl.depthwise }); // [B,H',W',h]
    y = activate(batchNorm2d(y, p.dw.bn, stats.dw, ctx), 'hardswish') as tf.Tensor4D;
    if (p.se) y = squeezeExcite(y, p.se, impl.se ?? (isHostBackend() ? 'kernel' : 'ops')); // [B,H',W',h]
    return applyConvNormAct2d(p.project, stats.project, y, { inChannels: h, outChannels: cfg.outChannels, kernel: 1, stride: 1, activation: false }, ctx, impl); // [B,H',W',out]
  });
}

function checkMbConv(cfg: MbConv2dConfig): void {
  positiveInt('MbConv2d', 'inChannels', cfg.inChannels);
  positiveInt('MbConv2d', 'outChannels', cfg.outChannels);
  positiveInt('MbConv2d', 'kernel', cfg.kernel);
  positiveInt('MbConv2d', 'stride', cfg.stride);
  if (!(typeof cfg.expansion === 'number' && cfg.expansion > 0) || mbConv2dHidden(cfg) < 1) {
    throw new Error(`MbConv2d: expansion = ${String(cfg.expansion)} must be > 0 with floor(inChannels·expansion) ≥ 1`);
  }
  if (!(typeof cfg.se === 'number' && cfg.se >= 0 && cfg.se <= 1)) throw new Error(`MbConv2d: se = ${String(cfg.se)} must be in [0, 1] (0 = no squeeze-excite)`);
}

function checkMbParams(p: MbConv2dParams, stats: MbConv2dStats, cfg: MbConv2dConfig): void {
  const shapes = mbConv2dShapes(cfg);
  const has = (name: string): boolean => name in shapes;
  if (has('expand.w') !== (p.expand !== undefined) || has('expand.w') !== (stats.expand !== undefined)) {
    throw new Error(`MbConv2d: params/stats ${p.expand ? 'have' : 'lack'} an expand conv but expansion = ${cfg.expansion}`);
  }
  if (has('se.reduce.w') !== (p.se !== undefined)) throw new Error(`MbConv2d: params ${p.se ? 'have' : 'lack'} an SE block but se = ${cfg.se}`);
  checkShape('MbConv2d', 'dw.w', p.dw.w, shapes['dw.w']);
  checkShape('MbConv2d', 'project.w', p.project.w, shapes['project.w']);
  if (p.expand) checkShape('MbConv2d', 'expand.w', p.expand.w, shapes['expand.w']);
  if (p.se) {
    for (const name of ['se.reduce.w', 'se.reduce.b', 'se.expand.w', 'se.expand.b'] as const) {
      const [part, leaf] = name.slice(3).split('.') as ['reduce' | 'expand', 'w' | 'b'];
      checkShape('MbConv2d', name, p.se[part][leaf], shapes[name]);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Squeeze-excite: y · hsig(hswish(mean_hw(y)·W1 + b1)·W2 + b2).

interface SeParams {
  readonly reduce: { readonly w: tf.Tensor; readonly b: tf.Tensor };
  readonly expand: { readonly w: tf.Tensor; readonly b: tf.Tensor };
}

/** y [B,H,W,h] → y·gate, gate [B,1,1,h]. */
function squeezeExcite(y: tf.Tensor4D, se: SeParams, impl: 'kernel' | 'ops'): tf.Tensor4D {
  if (impl === 'kernel') return seKernel(y, se.reduce.w, se.reduce.b, se.expand.w, se.expand.b);
  if (impl !== 'ops') throw new Error(`MbConv2d: unknown SE impl '${String(impl)}' (valid: kernel, ops)`);
  return tf.tidy(() => {
    const s = tf.mean(y, [1, 2], true) as tf.Tensor4D; // [B,1,1,h]
    const z = activate(conv2d(s, se.reduce.w as tf.Tensor4D, { bias: se.reduce.b as tf.Tensor1D }), 'hardswish') as tf.Tensor4D; // [B,1,1,r]
    const e = conv2d(z, se.expand.w as tf.Tensor4D, { bias: se.expand.b as tf.Tensor1D }); // [B,1,1,h]
    const gate = tf.relu6(e.add(3)).div(6); // hard-sigmoid, [B,1,1,h]
    return y.mul(gate) as tf.Tensor4D;
  });
}

/**
 * The whole SE as one host customGrad saving only y and the four weights. On cpu the tfjs-op
 * version spends its time in the broadcast multiply y·gate and the spatial mean (generic indexed
 * kernels: 2.9 of the 4.9 s kernel time of an MBConv(48, k3, SE) fwd+bwd at [8,56,56,48], tf.profile) and keeps
 * extra volume-sized tensors on the tape; here every volume-sized pass is one typed-array loop.
 * Backward (n = H·W, gate g = hsig(e), e = z·W2 + b2, z = hswish(a), a = s·W1 + b1, s = mean y):
 *   dy_in = dy·g + ds/n,  dg = Σ_hw dy·y,  de = dg·hsig'(e),  dW2 = zᵀde,  db2 = Σ_b de,
 *   dz = de·W2ᵀ,  da = dz·hswish'(a),  dW1 = sᵀda,  db1 = Σ_b da,  ds = da·W1ᵀ.
 * hsig'(e) = 1/6 on (−3, 3), else 0; hswish' as nn/activations.ts (PyTorch's conventions).
 */
function seKernel(y: tf.Tensor4D, w1: tf.Tensor, b1: tf.Tensor, w2: tf.Tensor, b2: tf.Tensor): tf.Tensor4D {
  const [B, H, W, C] = y.shape;
  const R = w1.shape[w1.rank - 1] as number; // w1 [1,1,C,R]
  const n = H * W;
  /** s [B·C], a [B·R], z [B·R], e [B·C], g [B·C] (float64) from host arrays. */
  const mlp = (yv: Float32Array, w1v: Float32Array, b1v: Float32Array, w2v: Float32Array, b2v: Float32Array) => {
    const s = new Float64Array(B * C), a = new Float64Array(B * R), z = new Float64Array(B * R), e = new Float64Array(B * C), g = new Float64Array(B * C);
    for (let b = 0; b < B; b++) {
      const sb = s.subarray(b * C, (b + 1) * C);
      for (let q = b * n * C, end = (b + 1) * n * C; q < end; q += C) for (let c = 0; c < C; c++) sb[c] += yv[q + c];
      for (let c = 0; c < C; c++) sb[c] /= n;
      for (let r = 0; r < R; r++) {
        let t = b1v[r];
        for (let c = 0; c < C; c++) t += sb[c] * w1v[c * R + r]; // w1 [1,1,C,R]
        a[b * R + r] = t;
        z[b * R + r] = t <= -3 ? 0 : t >= 3 ? t : (t * (t + 3)) / 6;
      }
      for (let c = 0; c < C; c++) {
        let t = b2v[c];
        for (let r = 0; r < R; r++) t += z[b * R + r] * w2v[r * C + c]; // w2 [1,1,R,C]
        e[b * C + c] = t;
        g[b * C + c] = Math.min(Math.max(t + 3, 0), 6) / 6;
      }
    }
    return { s, a, z, e, g };
  };
  const op = tf.customGrad((...args: unknown[]) => {
    const [yt, w1t, b1t, w2t, b2t] = args as tf.Tensor[];
    const save = args[5] as tf.GradSaveFunc;
    save([yt, w1t, b1t, w2t, b2t]);
    const yv = yt.dataSync() as Float32Array;
    const { g } = mlp(yv, w1t.dataSync() as Float32Array, b1t.dataSync() as Float32Array, w2t.dataSync() as Float32Array, b2t.dataSync() as Float32Array);
    const out = new Float32Array(yv.length);
    for (let b = 0; b < B; b++) {
      const gb = g.subarray(b * C, (b + 1) * C);
      for (let q = b * n * C, end = (b + 1) * n * C; q < end; q += C) for (let c = 0; c < C; c++) out[q + c] = yv[q + c] * gb[c];
    }
    return {
      value: tf.tensor4d(out, [B, H, W, C]),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [ys, w1s, b1s, w2s, b2s] = saved;
        const yv2 = ys.dataSync() as Float32Array, dyv = dy.dataSync() as Float32Array;
        const w1v = w1s.dataSync() as Float32Array, w2v = w2s.dataSync() as Float32Array;
        const f = mlp(yv2, w1v, b1s.dataSync() as Float32Array, w2v, b2s.dataSync() as Float32Array);
        const dg = new Float64Array(B * C);
        for (let b = 0; b < B; b++) {
          const db = dg.subarray(b * C, (b + 1) * C);
          for (let q = b * n * C, end = (b + 1) * n * C; q < end; q += C) for (let c = 0; c < C; c++) db[c] += dyv[q + c] * yv2[q + c];
        }
        const dW1 = new Float32Array(C * R), dB1 = new Float32Array(R), dW2 = new Float32Array(R * C), dB2 = new Float32Array(C);
        const acc1 = new Float64Array(C * R), accb1 = new Float64Array(R), acc2 = new Float64Array(R * C), accb2 = new Float64Array(C);
        const ds = new Float64Array(B * C);
        const de = new Float64Array(C), da = new Float64Array(R);
        for (let b = 0; b < B; b++) {
          for (let c = 0; c < C; c++) {
            const ev = f.e[b * C + c];
            de[c] = ev > -3 && ev < 3 ? dg[b * C + c] / 6 : 0;
            accb2[c] += de[c];
          }
          for (let r = 0; r < R; r++) {
            let dz = 0;
            for (let c = 0; c < C; c++) {
              acc2[r * C + c] += f.z[b * R + r] * de[c];
              dz += de[c] * w2v[r * C + c];
            }
            const av = f.a[b * R + r];
            da[r] = dz * (av < -3 ? 0 : av <= 3 ? av / 3 + 0.5 : 1);
            accb1[r] += da[r];
          }
          for (let c = 0; c < C; c++) {
            let t = 0;
            for (let r = 0; r < R; r++) {
              acc1[c * R + r] += f.s[b * C + c] * da[r];
              t += da[r] * w1v[c * R + r];
            }
            ds[b * C + c] = t / n; // d(mean)/dy = 1/n
          }
        }
        dW1.set(acc1); dB1.set(accb1); dW2.set(acc2); dB2.set(accb2);
        const dx = new Float32Array(yv2.length);
        for (let b = 0; b < B; b++) {
          const gb = f.g.subarray(b * C, (b + 1) * C), sb = ds.subarray(b * C, (b + 1) * C);
          for (let q = b * n * C, end = (b + 1) * n * C; q < end; q += C) for (let c = 0; c < C; c++) dx[q + c] = dyv[q + c] * gb[c] + sb[c];
        }
        return [tf.tensor4d(dx, [B, H, W, C]), tf.tensor(dW1, w1s.shape), tf.tensor1d(dB1), tf.tensor(dW2, w2s.shape), tf.tensor1d(dB2)];
      },
    };
  });
  return op(y, w1, b1, w2, b2) as tf.Tensor4D;
}

// ---------------------------------------------------------------------------------------------

function positiveInt(layer: string, field: string, v: unknown): void {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new Error(`${layer}: ${field} = ${String(v)} must be an integer ≥ 1`);
}

function checkShape(layer: string, name: string, t: tf.Tensor, want: number[]): void {
  if (t.shape.join(',') !== want.join(',')) throw new Error(`${layer}: parameter ${name} has shape [${t.shape}], expected [${want}]`);
}

function sumSizes(shapes: Record<string, number[]>): number {
  let n = 0;
  for (const s of Object.values(shapes)) n += s.reduce((a, b) => a * b, 1);
  return n;
}
