/**
 * MBConv in 3D: the mobile inverted bottleneck (MobileNetV2 / MnasNet / EfficientNet), used as
 * the F and G of the reversible U-Net's couplings (METHODS.md §3):
 *   1×1×1 conv C → e·C, norm, act; 3×3×3 depthwise conv, norm, act; optional squeeze-excitation;
 *   1×1×1 conv e·C → C, norm (no activation). No internal residual: the coupling adds it.
 * Convs carry no bias (a norm follows each). Layout [B, D, H, W, C].
 */
import * as tf from '@tensorflow/tfjs';
import { type Rng } from '../core/rng';
import { constantInit, heNormal } from '../core/params';
import { activate, type Activation } from './activations';
import { pointwiseConv3d } from './conv3d';
import { depthwiseConv3d } from './depthwise3d';
import { groupNorm } from './norm';

export interface MbConv3dConfig {
  readonly channels: number; // C: input and output width
  readonly expansion: number; // e: hidden width e·C
  readonly kernel: number; // depthwise kernel edge (odd)
  readonly activation: Activation;
  readonly normGroups: number; // GroupNorm groups; 0 → instance norm (one group per channel)
  readonly se: number; // squeeze-excitation bottleneck ratio of C; 0 disables
  readonly zeroInitLast: boolean; // last norm's γ = 0, so a fresh block is the identity map in a coupling
}

export interface NormParams<T = tf.Tensor> {
  readonly gamma: T;
  readonly beta: T;
}

export interface MbConv3dParams<T = tf.Tensor> {
  readonly expand: T; // [C, eC]
  readonly norm1: NormParams<T>;
  readonly dw: T; // [k, k, k, eC]
  readonly norm2: NormParams<T>;
  readonly se?: { readonly reduce: T; readonly reduceBias: T; readonly expand: T; readonly expandBias: T };
  readonly project: T; // [eC, C]
  readonly norm3: NormParams<T>;
}

/** Groups for a GroupNorm over `channels`: the largest divisor of `channels` not above `wanted`. */
export function groupsFor(channels: number, wanted: number): number {
  if (wanted <= 0) return channels;
  let g = Math.min(wanted, channels);
  while (channels % g !== 0) g--;
  return g;
}

export function initNorm(channels: number, gamma = 1): NormParams<tf.Variable> {
  return { gamma: constantInit([channels], gamma), beta: constantInit([channels], 0) };
}

export function initMbConv3d(cfg: MbConv3dConfig, rng: Rng): MbConv3dParams<tf.Variable> {
  const c = cfg.channels;
  const h = c * cfg.expansion;
  const k = cfg.kernel;
  const seWidth = Math.max(1, Math.floor(c * cfg.se));
  return {
    expand: heNormal(rng.fork('expand'), [c, h], c),
    norm1: initNorm(h),
    dw: heNormal(rng.fork('dw'), [k, k, k, h], k * k * k),
    norm2: initNorm(h),
    ...(cfg.se > 0
      ? {
          se: {
            reduce: heNormal(rng.fork('se.reduce'), [h, seWidth], h),
            reduceBias: constantInit([seWidth], 0),
            expand: heNormal(rng.fork('se.expand'), [seWidth, h], seWidth, 1),
            expandBias: constantInit([h], 0),
          },
        }
      : {}),
    project: heNormal(rng.fork('project'), [h, c], h, 1),
    norm3: initNorm(c, cfg.zeroInitLast ? 0 : 1),
  };
}

export function applyMbConv3d(p: MbConv3dParams, x: tf.Tensor5D, cfg: MbConv3dConfig): tf.Tensor5D {
  const h = cfg.channels * cfg.expansion;
  const gH = groupsFor(h, cfg.normGroups);
  let y = pointwiseConv3d(x, p.expand as tf.Tensor2D); // [B, D, H, W, eC]
  y = activate(groupNorm(y, p.norm1.gamma as tf.Tensor1D, p.norm1.beta as tf.Tensor1D, gH), cfg.activation) as tf.Tensor5D;
  y = depthwiseConv3d(y, p.dw as tf.Tensor4D); // [B, D, H, W, eC]
  y = activate(groupNorm(y, p.norm2.gamma as tf.Tensor1D, p.norm2.beta as tf.Tensor1D, gH), cfg.activation) as tf.Tensor5D;
  if (p.se) {
    const s = tf.mean(y, [1, 2, 3], true) as tf.Tensor5D; // [B, 1, 1, 1, eC]
    const r = activate(pointwiseConv3d(s, p.se.reduce as tf.Tensor2D, p.se.reduceBias as tf.Tensor1D), cfg.activation) as tf.Tensor5D;
    const gate = tf.sigmoid(pointwiseConv3d(r, p.se.expand as tf.Tensor2D, p.se.expandBias as tf.Tensor1D));
    y = tf.mul(y, gate);
  }
  y = pointwiseConv3d(y, p.project as tf.Tensor2D); // [B, D, H, W, C]
  return groupNorm(y, p.norm3.gamma as tf.Tensor1D, p.norm3.beta as tf.Tensor1D, groupsFor(cfg.channels, cfg.normGroups));
}
