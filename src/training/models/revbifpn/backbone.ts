/**
 * The reversible RevBiFPN backbone (official `revbifpn.py` RevBiFPN.__init__ / add_rev_make_layer /
 * _rev_stack_fwd; METHODS.md §2 "Backbone", "Reversible training"):
 *
 *   x [B,H,W,3] → tile to Cin = c₀/16 channels (not reversible: copies; runs before the sequence)
 *   ── one reversible sequence (nn/reversible.ts revSequence, ONE customGrad) ──
 *   space-to-depth 4 → scale 0 [B,H/4,W/4,c₀]
 *   stage b = 1..B (B = 3 + ext): blocksPerStage × (a RevResidualBlock on every existing scale), then
 *     a RevSilo — growing (adds scale b) for b ≤ 3, over all 4 scales after.
 *   → [B,H/4,W/4,c₀], [B,H/8,W/8,c₁], [B,H/16,W/16,c₂], [B,H/32,W/32,c₃]
 *
 * Reversible mode keeps O(1)-in-depth activation memory: the forward pass is untaped and keeps
 * only the 4 outputs; the backward pass reconstructs every block's inputs from its outputs and
 * back-propagates through a recomputation, with BN running statistics frozen during it
 * (`withoutStatUpdates`) and stochastic-depth masks replayed from (seed, module key).
 * `reversible: false` runs the same blocks with the same weights as ordinary taped ops (the twin).
 * Each per-scale RevResidualBlock is its own step of the sequence (`atIndex`), so the working set is
 * one MBConv pair at a time, not one per scale.
 *
 * Usage:
 *   const feats = applyRevBifpnBackbone(params, stats, x, cfg, { training: true, seed: step });
 */
import * as tf from '@tensorflow/tfjs';
import { withoutStatUpdates } from '../../nn/batchnorm';
import { atIndex, type RevBlock, revSequence } from '../../nn/reversible';
import { checkInputSize, type RevBifpnConfig } from './config';
import { type RevBifpnParams, type RevBifpnStats, revbifpnSpecs, stageScales } from './params';
import { type RevBifpnRunContext, revResidualBlock } from './rev-block';
import { revSilo } from './silo';
import { spaceToDepthBlock, tileChannels } from './stem';

export interface RevBifpnApplyOptions {
  readonly training: boolean; // BN batch statistics and updates, stochastic depth, dropout
  readonly reversible?: boolean; // default cfg.reversible; false = the taped twin
  readonly seed?: number; // stochastic-depth/dropout masks; change it every step (default 0)
}

export function runContext(opts: RevBifpnApplyOptions): RevBifpnRunContext {
  return { training: opts.training, seed: opts.seed ?? 0 };
}

/** The backbone as reversible-sequence blocks: stem, then per stage the per-scale blocks and a silo. */
export function revbifpnBlocks(params: RevBifpnParams, stats: RevBifpnStats, cfg: RevBifpnConfig, ctx: RevBifpnRunContext): RevBlock[] {
  const specs = revbifpnSpecs(cfg);
  const blocks: RevBlock[] = [spaceToDepthBlock(cfg.stemBlock)];
  specs.stages.forEach((stage, s) => {
    const { nIn, nOut } = stageScales(cfg, s);
    const ps = params.stages[s];
    const ss = stats.stages[s];
    if (!ps || !ss) throw new Error(`RevBiFPN: params/stats have no stage ${s} (config '${cfg.variant}' has ${specs.stages.length})`);
    stage.blocks.forEach((rep, r) =>
      rep.forEach((spec, i) => {
        blocks.push(atIndex(revResidualBlock(ps.blocks[r][i], ss.blocks[r][i], spec, ctx, ['stages', s, 'blocks', r, i]), i));
      }),
    );
    blocks.push(revSilo(ps.silo, ss.silo, stage.silo, nIn, nOut, ctx, ['stages', s, 'silo']));
  });
  return blocks;
}

/**
 * x [B,H,W,3] (H, W multiples of 32) → the 4 scales before the neck:
 * [B,H/4,W/4,c₀], [B,H/8,W/8,c₁], [B,H/16,W/16,c₂], [B,H/32,W/32,c₃]. x is borrowed.
 */
export function applyRevBifpnBackbone(params: RevBifpnParams, stats: RevBifpnStats, x: tf.Tensor4D, cfg: RevBifpnConfig, opts: RevBifpnApplyOptions): tf.Tensor4D[] {
  if (x.rank !== 4 || x.shape[3] !== 3) throw new Error(`RevBiFPN: input must be [B,H,W,3] RGB, got [${x.shape}]`);
  checkInputSize(cfg, x.shape[1], x.shape[2]);
  const cin = cfg.channels[0] / (cfg.stemBlock * cfg.stemBlock);
  const blocks = revbifpnBlocks(params, stats, cfg, runContext(opts));
  return tf.tidy(() => {
    const tiled = tileChannels(x, cin); // [B,H,W,Cin]
    return revSequence(blocks, [tiled], { reversible: opts.reversible ?? cfg.reversible, recompute: withoutStatUpdates }) as tf.Tensor4D[];
  });
}
