/**
 * RevBiFPN neck and classification head (official `revbifpn.py` FPN_Neck and ClassHead;
 * METHODS.md §2). Both are ordinary taped ops here. (The official code gradient-checkpoints the
 * neck with RecomputeSilo; its activations are one MBConv per scale, not depth-dependent, so it is
 * left taped: TODO(checkpoint the neck if per-sample memory at S4+ resolution needs it; measure with
 * tf.profile peakBytes of a backbone+neck step).)
 *
 *   neck:  n_i = MBConv(c_i → h_i, k 5, stride 1)(f_i) for every scale i
 *   head:  out = n₀; for i = 0..L−2: out = n_{i+1} + MBConv(h_i → h_{i+1}, k 5, stride 2)(out)
 *          → 1×1 ConvNormAct h_last → fc (BN + Hardswish) → global average pool → dropout (training)
 *          → Linear(fc → classes)
 * Dropout keeps each feature with probability 1 − p and scales it by 1/(1 − p); its mask derives from
 * (seed, 'head.dropout') like the stochastic-depth masks.
 *
 * Usage:
 *   const logits = applyRevBifpnClassifier(params, stats, x, cfg, { training: true, seed: step }); // [B, classes]
 */
import * as tf from '@tensorflow/tfjs';
import { mixSeed, Rng } from '../../core/rng';
import { applyConvNormAct2d, applyMbConv2d } from '../../nn/mbconv2d';
import { type RevBifpnConfig } from './config';
import { applyRevBifpnBackbone, type RevBifpnApplyOptions } from './backbone';
import { type RevBifpnParams, type RevBifpnStats, revbifpnSpecs } from './params';

/** Backbone scales → neck outputs [B,H/4/2^i,W/4/2^i,h_i]. feats are borrowed. */
export function applyRevBifpnNeck(params: RevBifpnParams, stats: RevBifpnStats, feats: tf.Tensor4D[], cfg: RevBifpnConfig, opts: RevBifpnApplyOptions): tf.Tensor4D[] {
  const specs = revbifpnSpecs(cfg);
  if (feats.length !== specs.neck.length) throw new Error(`RevBiFPN neck: expected ${specs.neck.length} scales, got ${feats.length}`);
  const ctx = { training: opts.training };
  return feats.map((f, i) => applyMbConv2d(params.neck[i], stats.neck[i], f, specs.neck[i].cfg, ctx)); // [B,h,w,h_i]
}

/** Neck outputs → logits [B, classes]. */
export function applyRevBifpnHead(params: RevBifpnParams, stats: RevBifpnStats, neck: tf.Tensor4D[], cfg: RevBifpnConfig, opts: RevBifpnApplyOptions): tf.Tensor2D {
  const specs = revbifpnSpecs(cfg);
  const ctx = { training: opts.training };
  return tf.tidy(() => {
    let out = neck[0]; // [B,H/4,W/4,h₀]
    specs.head.down.forEach((spec, i) => {
      out = tf.add(neck[i + 1], applyMbConv2d(params.head.down[i], stats.head.down[i], out, spec.cfg, ctx)) as tf.Tensor4D; // [B,H/4/2^(i+1),…,h_{i+1}]
    });
    const final = specs.head.final;
    if (final && params.head.final && stats.head.final) out = applyConvNormAct2d(params.head.final, stats.head.final, out, final.cfg, ctx); // [B,h,w,fc]
    let pooled = tf.mean(out, [1, 2]) as tf.Tensor2D; // [B, fc]
    if (opts.training && cfg.dropout > 0) {
      const [B, F] = pooled.shape;
      const keep = 1 - cfg.dropout;
      const mask = new Rng(mixSeed(opts.seed ?? 0, 'head.dropout')).fill(B * F, (r) => (r.bernoulli(keep) ? 1 / keep : 0));
      pooled = tf.mul(pooled, tf.tensor2d(mask, [B, F]));
    }
    return tf.add(tf.matMul(pooled, params.head.fc.w as tf.Tensor2D), params.head.fc.b) as tf.Tensor2D; // [B, classes]
  });
}

/** Image [B,H,W,3] → logits [B, classes]: backbone, neck, head. */
export function applyRevBifpnClassifier(params: RevBifpnParams, stats: RevBifpnStats, x: tf.Tensor4D, cfg: RevBifpnConfig, opts: RevBifpnApplyOptions): tf.Tensor2D {
  return tf.tidy(() => {
    const feats = applyRevBifpnBackbone(params, stats, x, cfg, opts);
    return applyRevBifpnHead(params, stats, applyRevBifpnNeck(params, stats, feats, cfg, opts), cfg, opts);
  });
}
