/**
 * Reversible MBConv 3D U-Net for BraTS (Pendse, Thangarasa, Chiley, Holmdahl, Hestness,
 * DeCoste: "Memory Efficient 3D U-Net with Reversible Mobile Inverted Bottlenecks",
 * BrainLes 2020, arXiv 2104.09648; METHODS.md §3 gives the reference design used here).
 *
 *   stem: conv 3×3×3 in → C0, norm, act
 *   encoder level l: n reversible blocks at C_l, then (except at the bottom) a strided 3×3×3
 *     conv C_l → C_{l+1} with norm and act; the blocks' output is the skip
 *   decoder level l (bottom−1 … 0): 1×1×1 conv C_{l+1} → C_l, ×2 nearest upsampling, + skip,
 *     then n reversible blocks
 *   head: 1×1×1 conv C0 → 3 region logits (WT, TC, ET; sigmoid in the loss)
 * Each reversible block is an additive coupling whose F and G are MBConv3d on C_l/2 channels.
 * With `reversible: false` the same blocks and weights run as ordinary taped ops (the twin):
 * identical outputs and gradients, activations stored. Layout [B, D, H, W, C].
 *
 * Usage:
 *   const params = initRevUnet3d(cfg, new Rng(0));
 *   const logits = applyRevUnet3d(params, x, cfg); // x: [B, D, H, W, 4], D/H/W divisible by 2^(levels−1)
 */
import * as tf from '@tensorflow/tfjs';
import { type Rng } from '../core/rng';
import { constantInit, heNormal, withLeaves, leaves } from '../core/params';
import { activate, type Activation } from '../nn/activations';
import { conv3d, pointwiseConv3d } from '../nn/conv3d';
import { applyMbConv3d, groupsFor, initMbConv3d, initNorm, type MbConv3dConfig, type MbConv3dParams, type NormParams } from '../nn/mbconv3d';
import { groupNorm } from '../nn/norm';
import { additiveCoupling, revSequence, type RevBlock } from '../nn/reversible';
import { upsampleNearest3d } from '../nn/upsample3d';

export interface RevUnet3dConfig {
  readonly inChannels: number; // input modalities: 4 for BraTS (T1, T1ce, T2, FLAIR)
  readonly outChannels: number; // sigmoid outputs: 3 for BraTS regions (WT, TC, ET)
  readonly widths: readonly number[]; // channels per level, each even; levels = widths.length
  readonly blocksPerLevel: number; // reversible blocks at every encoder and decoder level
  readonly expansion: number; // MBConv hidden width = expansion × C_l/2
  readonly normGroups: number; // GroupNorm groups (batches of 1–2 volumes); 0 → instance norm
  readonly activation: Activation; // SiLU as in EfficientNet
  readonly se: number; // squeeze-excitation ratio inside MBConv; 0 disables
  readonly reversible: boolean; // false → the non-reversible twin (same code, stored activations)
}

export const REV_UNET3D_DEFAULTS: RevUnet3dConfig = {
  inChannels: 4,
  outChannels: 3,
  widths: [16, 32, 64, 128],
  blocksPerLevel: 2,
  expansion: 2,
  normGroups: 8,
  activation: 'silu',
  se: 0,
  reversible: true,
};

interface ConvNormParams<T = tf.Tensor> {
  readonly w: T; // [3, 3, 3, Cin, Cout]
  readonly norm: NormParams<T>;
}
interface CouplingParams<T = tf.Tensor> {
  readonly f: MbConv3dParams<T>;
  readonly g: MbConv3dParams<T>;
}

export interface RevUnet3dParams<T = tf.Tensor> {
  readonly stem: ConvNormParams<T>;
  readonly enc: readonly { readonly blocks: readonly CouplingParams<T>[]; readonly down?: ConvNormParams<T> }[];
  readonly dec: readonly { readonly up: T /* [C_{l+1}, C_l] */; readonly blocks: readonly CouplingParams<T>[] }[]; // dec[l], l = 0..levels−2
  readonly head: { readonly w: T; readonly b: T };
}

function blockConfig(cfg: RevUnet3dConfig, width: number): MbConv3dConfig {
  return {
    channels: width / 2,
    expansion: cfg.expansion,
    kernel: 3,
    activation: cfg.activation,
    normGroups: cfg.normGroups,
    se: cfg.se,
    zeroInitLast: true,
  };
}

export function validateRevUnet3dConfig(cfg: RevUnet3dConfig): void {
  if (cfg.widths.length < 1) throw new Error('RevUnet3d: widths must name at least one level');
  cfg.widths.forEach((w, i) => {
    if (!Number.isInteger(w) || w < 2 || w % 2 !== 0) throw new Error(`RevUnet3d: widths[${i}] = ${w} must be an even integer ≥ 2 (couplings split channels in halves)`);
  });
  if (!Number.isInteger(cfg.blocksPerLevel) || cfg.blocksPerLevel < 0) throw new Error(`RevUnet3d: blocksPerLevel = ${cfg.blocksPerLevel} must be an integer ≥ 0`);
  if (!(cfg.expansion >= 1)) throw new Error(`RevUnet3d: expansion = ${cfg.expansion} must be ≥ 1`);
}

/** Patch edges must be divisible by this (one halving per level below the top). */
export function sizeMultiple(cfg: RevUnet3dConfig): number {
  return 2 ** (cfg.widths.length - 1);
}

function initConvNorm(rng: Rng, cin: number, cout: number): ConvNormParams<tf.Variable> {
  return { w: heNormal(rng, [3, 3, 3, cin, cout], 27 * cin), norm: initNorm(cout) };
}

export function initRevUnet3d(cfg: RevUnet3dConfig, rng: Rng): RevUnet3dParams<tf.Variable> {
  validateRevUnet3dConfig(cfg);
  const L = cfg.widths.length;
  const blocks = (level: number, where: string) =>
    Array.from({ length: cfg.blocksPerLevel }, (_, i) => {
      const bc = blockConfig(cfg, cfg.widths[level]);
      return { f: initMbConv3d(bc, rng.fork(where, level, i, 'f')), g: initMbConv3d(bc, rng.fork(where, level, i, 'g')) };
    });
  return {
    stem: initConvNorm(rng.fork('stem'), cfg.inChannels, cfg.widths[0]),
    enc: cfg.widths.map((w, l) => ({
      blocks: blocks(l, 'enc'),
      ...(l < L - 1 ? { down: initConvNorm(rng.fork('down', l), w, cfg.widths[l + 1]) } : {}),
    })),
    dec: cfg.widths.slice(0, L - 1).map((w, l) => ({
      up: heNormal(rng.fork('up', l), [cfg.widths[l + 1], w], cfg.widths[l + 1], 1),
      blocks: blocks(l, 'dec'),
    })),
    head: { w: heNormal(rng.fork('head'), [cfg.widths[0], cfg.outChannels], cfg.widths[0], 1), b: constantInit([cfg.outChannels], 0) },
  };
}

function convNormAct(p: ConvNormParams, x: tf.Tensor5D, stride: 1 | 2, cfg: RevUnet3dConfig): tf.Tensor5D {
  const y = conv3d(x, p.w as tf.Tensor5D, stride);
  const c = y.shape[4];
  return activate(groupNorm(y, p.norm.gamma as tf.Tensor1D, p.norm.beta as tf.Tensor1D, groupsFor(c, cfg.normGroups)), cfg.activation) as tf.Tensor5D;
}

/** The couplings of one level as reversible blocks; F and G rebuild their trees from the flat weights. */
function levelBlocks(blocks: readonly CouplingParams[], width: number, cfg: RevUnet3dConfig): RevBlock[] {
  const bc = blockConfig(cfg, width);
  return blocks.map(({ f, g }) =>
    additiveCoupling(
      (x, ws) => applyMbConv3d(withLeaves(f, ws), x as tf.Tensor5D, bc),
      (x, ws) => applyMbConv3d(withLeaves(g, ws), x as tf.Tensor5D, bc),
      leaves(f),
      leaves(g),
    ),
  );
}

function runLevel(blocks: readonly CouplingParams[], x: tf.Tensor5D, width: number, cfg: RevUnet3dConfig): tf.Tensor5D {
  if (blocks.length === 0) return x;
  return revSequence(levelBlocks(blocks, width, cfg), [x], { reversible: cfg.reversible })[0] as tf.Tensor5D;
}

/** Region logits [B, D, H, W, outChannels] for x [B, D, H, W, inChannels]. */
export function applyRevUnet3d(p: RevUnet3dParams, x: tf.Tensor5D, cfg: RevUnet3dConfig): tf.Tensor5D {
  const m = sizeMultiple(cfg);
  const [, d, h, w] = x.shape;
  if (d % m || h % m || w % m) throw new Error(`RevUnet3d: input size ${d}×${h}×${w} must be divisible by ${m} (2^(levels−1))`);
  const L = cfg.widths.length;
  let y = convNormAct(p.stem, x, 1, cfg); // [B, D, H, W, C0]
  const skips: tf.Tensor5D[] = [];
  for (let l = 0; l < L; l++) {
    y = runLevel(p.enc[l].blocks, y, cfg.widths[l], cfg); // [B, D/2^l, H/2^l, W/2^l, C_l]
    const down = p.enc[l].down;
    if (down) {
      skips.push(y);
      y = convNormAct(down, y, 2, cfg); // [B, D/2^(l+1), .., C_{l+1}]
    }
  }
  for (let l = L - 2; l >= 0; l--) {
    y = tf.add(upsampleNearest3d(pointwiseConv3d(y, p.dec[l].up as tf.Tensor2D)), skips[l]); // [B, D/2^l, .., C_l]
    y = runLevel(p.dec[l].blocks, y, cfg.widths[l], cfg);
  }
  return pointwiseConv3d(y, p.head.w as tf.Tensor2D, p.head.b as tf.Tensor1D); // [B, D, H, W, out]
}
