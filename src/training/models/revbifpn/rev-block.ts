/**
 * RevBiFPN's per-sample stochastic depth and its RevResidualBlock (official `revbifpn.py`
 * `stochastic_depth_fn` and `rev_structs/revstructs/rev_block.py`; METHODS.md §2).
 *
 * Stochastic depth (mode "row"): in training, each sample's MBConv output is kept with probability
 * 1 − p and then scaled by 1/(1 − p), or zeroed; identity in inference or when p = 0. The mask is a
 * pure function of (run seed, module key): the reversible backward pass recomputes every F/G and
 * must see the same mask as the forward (the official code saves and restores the RNG state per op;
 * a keyed seed needs no state). The caller changes `seed` every step.
 *
 * RevResidualBlock on one scale, halves (x₁, x₂) of the channels (torch.chunk(x, 2, dim=1)):
 *   y₂ = x₂ + F(x₁),  y₁ = x₁ + G(y₂);   inverse: x₁ = y₁ − G(y₂), x₂ = y₂ − F(x₁).
 * rev_block.py builds it as a RevLimResidualSilo: the f coupling adds f(chunk 0) to chunk 1, then the
 * g coupling (run on the reversed list) adds g(chunk 1) to chunk 0. This is nn/reversible.ts's
 * additiveCoupling with `updates: 'x2'`. F and G: MBConv(c/2 → c/2, k = dwk + dwkp, e, se, stride 1),
 * each followed by stochastic depth.
 *
 * Usage:
 *   const block = revResidualBlock(params.f/g…, stats…, specs…, { training: true, seed: step }, ['stages', 0, 'blocks', 0, 0]);
 *   revSequence([atIndex(block, scale), …], xs, { recompute: withoutStatUpdates });
 */
import * as tf from '@tensorflow/tfjs';
import { leaves, withLeaves } from '../../core/params';
import { mixSeed, Rng } from '../../core/rng';
import { type MbConv2dParams, type MbConv2dStats, applyMbConv2d } from '../../nn/mbconv2d';
import { additiveCoupling, type RevBlock } from '../../nn/reversible';
import { type CouplingTree, type MbSpec } from './params';
import { upsampleBilinear } from './upsample';

/** What every RevBiFPN forward needs besides weights: BN mode and the step's random seed. */
export interface RevBifpnRunContext {
  readonly training: boolean; // BN batch statistics + stat updates, stochastic depth, dropout
  readonly seed: number; // stochastic-depth and dropout masks derive from (seed, module key)
}

export type ModuleKey = readonly (string | number)[];

/** Per-sample keep mask [B,1,1,1] with values 0 or 1/(1 − p); deterministic in (seed, key). */
export function dropPathMask(batch: number, p: number, seed: number, key: ModuleKey): Float32Array {
  const rng = new Rng(mixSeed(seed, 'drop-path', ...key));
  return rng.fill(batch, (r) => (r.bernoulli(1 - p) ? 1 / (1 - p) : 0));
}

/** Stochastic depth ("row" mode) of x [B,H,W,C]; identity unless training with p > 0. */
export function dropPath(x: tf.Tensor4D, p: number, ctx: RevBifpnRunContext, key: ModuleKey): tf.Tensor4D {
  if (!ctx.training || p === 0) return x;
  const B = x.shape[0];
  return tf.tidy(() => tf.mul(x, tf.tensor4d(dropPathMask(B, p, ctx.seed, key), [B, 1, 1, 1])) as tf.Tensor4D);
}

/**
 * One spec'd transform as a function of its input and flat weights: MBConv, stochastic depth,
 * then upsampling (silo up path). `template` gives the param tree the flat weights fill.
 */
export function specTransform(
  template: MbConv2dParams,
  stats: MbConv2dStats,
  spec: MbSpec,
  ctx: RevBifpnRunContext,
  key: ModuleKey,
): (x: tf.Tensor, ws: readonly tf.Tensor[]) => tf.Tensor4D {
  return (x, ws) =>
    tf.tidy(() => {
      const y = applyMbConv2d(withLeaves(template, ws), stats, x as tf.Tensor4D, spec.cfg, ctx); // [B,H',W',out]
      const d = dropPath(y, spec.drop, ctx, key);
      return spec.upsample > 1 ? upsampleBilinear(d, spec.upsample) : d; // [B,H'·u,W'·u,out]
    });
}

/** A RevResidualBlock on one scale as a reversible-sequence block (1 tensor → 1 tensor). */
export function revResidualBlock(
  p: CouplingTree<MbConv2dParams>,
  stats: CouplingTree<MbConv2dStats>,
  spec: CouplingTree<MbSpec>,
  ctx: RevBifpnRunContext,
  key: ModuleKey,
): RevBlock {
  return additiveCoupling(
    specTransform(p.f, stats.f, spec.f, ctx, [...key, 'f']),
    specTransform(p.g, stats.g, spec.g, ctx, [...key, 'g']),
    leaves(p.f),
    leaves(p.g),
    { updates: 'x2' },
  );
}
