/**
 * FCOS detection head (Tian et al., "FCOS: Fully Convolutional One-Stage Object Detection",
 * ICCV 2019, arXiv 1904.01355; the "v2" improvements of the authors' repo and of MMDetection's
 * `fcos_head.py`: centerness on the box tower, GIoU, norm_reg_targets, center sampling), on ANY
 * list of feature maps with given strides (RevBiFPN gives 4 maps at strides 4, 8, 16, 32 with
 * different channel counts, METHODS.md §2). Anchor-free: every feature-map location predicts
 * K class logits, a box as distances (l, t, r, b) to its four sides, and a centerness logit.
 *
 *   per level i:  z_i = lateral_i(x_i)                1×1 conv + bias, C_i → W  (ours: levels differ
 *                                                     in channels; FCOS's FPN gives W everywhere)
 *   shared over levels (one set of weights):
 *     cls tower:  n × [3×3 conv W→W (no bias), GroupNorm(G), ReLU]
 *     box tower:  n × [3×3 conv W→W (no bias), GroupNorm(G), ReLU]
 *     cls   = conv3×3(cls tower) + b,  b = −log((1−π)/π), π = 0.01        [B,H,W,K]   (paper §3.1 / focal-loss prior)
 *     box   = relu(s_i · (conv3×3(box tower) + b))                        [B,H,W,4]   ltrb in units of the stride
 *     ctr   = conv3×3(box tower) + b                                      [B,H,W,1]   centerness logit
 * Box parameterisation: FCOS v2 "norm_reg_targets" (MMDetection `norm_on_bbox=True`): relu(s_i·t)
 * with a learnable per-level scalar s_i (init 1), targets divided by the stride; decoding multiplies
 * by the stride. Chosen over exp(s_i·t) because it cannot overflow and its targets are O(1) on every
 * level. Convs carry no bias where GroupNorm follows (MMDetection ConvModule, bias='auto').
 * Init: tower and head convs normal std 0.01, bias 0 (paper §3.1 "initialized as in RetinaNet");
 * GN γ = 1, β = 0; laterals Xavier-uniform, bias 0 (MMDetection FPN's lateral init); scales 1.
 * Defaults for CPU: W = 64, n = 2 convs per tower (FCOS: 256 and 4), GN groups 8 (8 channels per
 * group; FCOS: 32 groups of 8 for 256).
 *
 * Convolutions go through nn/conv2d.ts (on cpu a depth-1 conv3d, 1×1s as one matMul,
 * ENVIRONMENT.md §3); GroupNorm is nn/norm.ts's rank-5 groupNorm on a depth-1 view.
 *
 * Usage:
 *   const cfg = fcosHeadConfig({ inChannels: [48, 64, 128, 320], strides: [4, 8, 16, 32], numClasses: 80 });
 *   const params = initFcosHead(cfg, new Rng(0));
 *   const outs = applyFcosHead(params, feats, cfg);   // per level {cls [B,H,W,K], box [B,H,W,4], ctr [B,H,W,1]}
 *   const flat = flattenFcosOutputs(outs);           // {cls [B,N,K], box [B,N,4], ctr [B,N]}, N = Σ H_i·W_i
 * Then fcos-targets.ts (assignment), fcos-loss.ts (losses), fcos-decode.ts (boxes + NMS).
 */
import * as tf from '@tensorflow/tfjs';
import { constantInit, heNormal, uniformInit } from '../core/params';
import { type Rng } from '../core/rng';
import { conv2d, type Conv2dRoute } from '../nn/conv2d';
import { groupNorm } from '../nn/norm';
import type { FcosLevel } from './fcos-targets';

export interface FcosHeadConfig {
  readonly inChannels: readonly number[]; // channels of each input feature map, finest level first
  readonly strides: readonly number[]; // stride of each level in input pixels, increasing (e.g. 4, 8, 16, 32)
  readonly numClasses: number; // K foreground classes (sigmoid per class; background = all zeros)
  readonly width: number; // W, the common channel width after the 1×1 laterals: 64 for CPU (FCOS: 256)
  readonly numConvs: number; // 3×3 conv+GN+ReLU layers per tower: 2 for CPU (FCOS: 4)
  readonly gnGroups: number; // GroupNorm groups in the towers, must divide width: 8 (8 channels each)
  readonly priorProb: number; // π of the cls-logit bias −log((1−π)/π): 0.01 (RetinaNet/FCOS)
  readonly conv: Conv2dRoute; // 'auto': depth-1 conv3d on cpu/wasm, tf.conv2d elsewhere (nn/conv2d.ts)
}

export const FCOS_HEAD_DEFAULTS: Omit<FcosHeadConfig, 'inChannels' | 'strides' | 'numClasses'> = {
  width: 64,
  numConvs: 2,
  gnGroups: 8,
  priorProb: 0.01,
  conv: 'auto',
};

/** Defaults, then the given fields; validated. */
export function fcosHeadConfig(
  over: Pick<FcosHeadConfig, 'inChannels' | 'strides' | 'numClasses'> & Partial<FcosHeadConfig>,
): FcosHeadConfig {
  const cfg: FcosHeadConfig = { ...FCOS_HEAD_DEFAULTS, ...over };
  validateFcosHeadConfig(cfg);
  return cfg;
}

export function validateFcosHeadConfig(cfg: FcosHeadConfig): void {
  const posInt = (field: string, v: unknown): void => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new Error(`FCOS head: ${field} = ${String(v)} must be an integer ≥ 1`);
  };
  if (!Array.isArray(cfg.inChannels) || cfg.inChannels.length === 0) throw new Error('FCOS head: inChannels must be a non-empty array (one entry per level)');
  if (!Array.isArray(cfg.strides) || cfg.strides.length !== cfg.inChannels.length) {
    throw new Error(`FCOS head: strides has ${Array.isArray(cfg.strides) ? cfg.strides.length : 'no'} entries, inChannels ${cfg.inChannels.length}: need one stride per level`);
  }
  cfg.inChannels.forEach((c, i) => posInt(`inChannels[${i}]`, c));
  cfg.strides.forEach((s, i) => {
    posInt(`strides[${i}]`, s);
    if (i > 0 && s <= cfg.strides[i - 1]) throw new Error(`FCOS head: strides must increase, got strides[${i - 1}] = ${cfg.strides[i - 1]}, strides[${i}] = ${s}`);
  });
  posInt('numClasses', cfg.numClasses);
  posInt('width', cfg.width);
  if (typeof cfg.numConvs !== 'number' || !Number.isInteger(cfg.numConvs) || cfg.numConvs < 0) throw new Error(`FCOS head: numConvs = ${String(cfg.numConvs)} must be an integer ≥ 0`);
  posInt('gnGroups', cfg.gnGroups);
  if (cfg.width % cfg.gnGroups !== 0) throw new Error(`FCOS head: gnGroups = ${cfg.gnGroups} must divide width = ${cfg.width}`);
  if (!(cfg.priorProb > 0 && cfg.priorProb < 1)) throw new Error(`FCOS head: priorProb = ${cfg.priorProb} must be in (0, 1)`);
  if (cfg.conv !== 'auto' && cfg.conv !== 'conv3d' && cfg.conv !== 'conv2d') throw new Error(`FCOS head: conv = '${String(cfg.conv)}' must be 'auto', 'conv3d' or 'conv2d'`);
}

interface ConvBias<T> {
  readonly w: T; // [k, k, Cin, Cout]
  readonly b: T; // [Cout]
}
interface ConvGn<T> {
  readonly w: T; // [3, 3, W, W]
  readonly gamma: T; // [W]
  readonly beta: T; // [W]
}

export interface FcosHeadParams<T = tf.Tensor> {
  readonly lateral: readonly ConvBias<T>[]; // per level, [1,1,C_i,W]
  readonly clsTower: readonly ConvGn<T>[];
  readonly boxTower: readonly ConvGn<T>[];
  readonly cls: ConvBias<T>; // [3,3,W,K]
  readonly box: ConvBias<T>; // [3,3,W,4]
  readonly ctr: ConvBias<T>; // [3,3,W,1]
  readonly scales: readonly T[]; // per level, [1]
}

/**
 * One level's raw head outputs (channels-last). `box` is relu(s·t) ≥ 0 in units of the level's stride.
 * (Type aliases, not interfaces, so that arrays of them are tfjs TensorContainers: tf.tidy can return them.)
 */
export type FcosLevelOutput = {
  readonly cls: tf.Tensor4D; // [B,H,W,K] logits
  readonly box: tf.Tensor4D; // [B,H,W,4] (l, t, r, b) / stride
  readonly ctr: tf.Tensor4D; // [B,H,W,1] logit
};

/** All levels concatenated, locations in level order then row-major (y, then x): the order of fcos-targets.ts. */
export type FcosFlatOutput = {
  readonly cls: tf.Tensor3D; // [B,N,K]
  readonly box: tf.Tensor3D; // [B,N,4]
  readonly ctr: tf.Tensor2D; // [B,N]
};

export function initFcosHead(cfg: FcosHeadConfig, rng: Rng): FcosHeadParams<tf.Variable> {
  validateFcosHeadConfig(cfg);
  const W = cfg.width;
  // N(0, 0.01²): heNormal's std = gain/√fan with fan 1, gain 0.01 (torch.nn.init.normal_(std=0.01) in FCOS).
  const normal = (name: string, shape: number[]): tf.Variable => heNormal(rng.fork(name), shape, 1, 0.01);
  const lateral = cfg.inChannels.map((c, i) => {
    const limit = Math.sqrt(6 / (c + W)); // Xavier uniform, fan_in = C_i, fan_out = W (1×1 kernel)
    return { w: uniformInit(rng.fork('lateral', i), [1, 1, c, W], limit), b: constantInit([W], 0) };
  });
  const tower = (name: string): ConvGn<tf.Variable>[] =>
    Array.from({ length: cfg.numConvs }, (_, i) => ({
      w: normal(`${name}.${i}`, [3, 3, W, W]),
      gamma: constantInit([W], 1),
      beta: constantInit([W], 0),
    }));
  const priorBias = -Math.log((1 - cfg.priorProb) / cfg.priorProb); // π = 0.01 → −4.595
  return {
    lateral,
    clsTower: tower('clsTower'),
    boxTower: tower('boxTower'),
    cls: { w: normal('cls', [3, 3, W, cfg.numClasses]), b: constantInit([cfg.numClasses], priorBias) },
    box: { w: normal('box', [3, 3, W, 4]), b: constantInit([4], 0) },
    ctr: { w: normal('ctr', [3, 3, W, 1]), b: constantInit([1], 0) },
    scales: cfg.strides.map(() => constantInit([1], 1)),
  };
}

/** Features (one per level, [B,H_i,W_i,C_i], borrowed) → per-level outputs (owned by the caller). */
export function applyFcosHead(p: FcosHeadParams, feats: readonly tf.Tensor4D[], cfg: FcosHeadConfig): FcosLevelOutput[] {
  if (feats.length !== cfg.inChannels.length) throw new Error(`FCOS head: got ${feats.length} feature maps, the config has ${cfg.inChannels.length} levels`);
  if (p.lateral.length !== feats.length || p.scales.length !== feats.length) {
    throw new Error(`FCOS head: params have ${p.lateral.length} laterals / ${p.scales.length} scales for ${feats.length} levels`);
  }
  if (p.clsTower.length !== cfg.numConvs || p.boxTower.length !== cfg.numConvs) {
    throw new Error(`FCOS head: params have ${p.clsTower.length}/${p.boxTower.length} tower convs, the config ${cfg.numConvs}`);
  }
  const B = feats[0].shape[0];
  feats.forEach((f, i) => {
    if (f.rank !== 4) throw new Error(`FCOS head: feature map ${i} must be [B,H,W,C], got [${f.shape}]`);
    if (f.shape[3] !== cfg.inChannels[i]) throw new Error(`FCOS head: feature map ${i} [${f.shape}] has ${f.shape[3]} channels, the config ${cfg.inChannels[i]}`);
    if (f.shape[0] !== B) throw new Error(`FCOS head: feature map ${i} [${f.shape}] has batch ${f.shape[0]}, map 0 has ${B}`);
  });
  const route = cfg.conv;
  const convB = (x: tf.Tensor4D, c: ConvBias<tf.Tensor>): tf.Tensor4D => conv2d(x, c.w as tf.Tensor4D, { route }).add(c.b) as tf.Tensor4D;
  const tower = (x: tf.Tensor4D, layers: readonly ConvGn<tf.Tensor>[]): tf.Tensor4D => {
    let h = x;
    for (const l of layers) {
      const y = conv2d(h, l.w as tf.Tensor4D, { route }); // [B,H,W,W]
      const n = groupNorm(y.expandDims(1) as tf.Tensor5D, l.gamma as tf.Tensor1D, l.beta as tf.Tensor1D, cfg.gnGroups); // [B,1,H,W,W]
      h = tf.relu(n.squeeze([1])) as tf.Tensor4D; // [B,H,W,W]
    }
    return h;
  };
  return tf.tidy(() =>
    feats.map((x, i) => {
      const z = convB(x, p.lateral[i]); // [B,H,W,W]
      const c = tower(z, p.clsTower); // [B,H,W,W]
      const r = tower(z, p.boxTower); // [B,H,W,W]
      return {
        cls: convB(c, p.cls), // [B,H,W,K]
        box: tf.relu(convB(r, p.box).mul(p.scales[i])) as tf.Tensor4D, // [B,H,W,4], stride units
        ctr: convB(r, p.ctr), // [B,H,W,1]
      };
    }),
  );
}

/** Per-level outputs → [B,N,·] in level order, row-major within a level (borrowed in, owned out). */
export function flattenFcosOutputs(outs: readonly FcosLevelOutput[]): FcosFlatOutput {
  if (outs.length === 0) throw new Error('FCOS head: flattenFcosOutputs needs at least one level');
  return tf.tidy(() => {
    const B = outs[0].cls.shape[0];
    const K = outs[0].cls.shape[3];
    const cls = tf.concat(outs.map((o) => o.cls.reshape([B, -1, K])), 1) as tf.Tensor3D; // [B,N,K]
    const box = tf.concat(outs.map((o) => o.box.reshape([B, -1, 4])), 1) as tf.Tensor3D; // [B,N,4]
    const ctr = tf.concat(outs.map((o) => o.ctr.reshape([B, -1])), 1) as tf.Tensor2D; // [B,N]
    return { cls, box, ctr };
  });
}

/** The levels (stride, feature height, width) of head outputs, for fcosTargets / decode. */
export function fcosLevelsOf(outs: readonly FcosLevelOutput[], strides: readonly number[]): FcosLevel[] {
  if (outs.length !== strides.length) throw new Error(`FCOS head: ${outs.length} output levels but ${strides.length} strides`);
  return outs.map((o, i) => ({ stride: strides[i], height: o.cls.shape[1], width: o.cls.shape[2] }));
}
