/**
 * FCOS losses (Tian et al. 2019, arXiv 1904.01355 eq. 2; the v2 choices of MMDetection's
 * `fcos_head.py` loss(): GIoU weighted by the centerness target, centerness BCE on positives):
 *
 *   L_cls = Σ_{locations, classes} FL(p, y) / max(N_pos, 1)
 *           FL = α_t·(1 − p_t)^γ · BCE(logit, y),  p = σ(logit),  p_t = p·y + (1−p)(1−y),
 *           α_t = α·y + (1−α)(1−y),  α = 0.25, γ = 2  (Lin et al. 2017, arXiv 1708.02002)
 *   L_box = Σ_pos c*·(1 − GIoU(pred, target)) / Σ_pos c*        (c* = centerness target)
 *           GIoU = IoU − (|C| − |U|)/|C|, C the smallest enclosing box (Rezatofighi et al. 2019,
 *           arXiv 1902.09630); computed on ltrb distances from the location (both in stride units:
 *           IoU and GIoU are scale-invariant, so no decoding to pixels is needed)
 *   L_ctr = Σ_pos BCE(ctr logit, c*) / max(N_pos, 1)
 *   total = L_cls + L_box + L_ctr
 * N_pos counts positives over the whole batch (one device; FCOS averages it over GPUs). With no
 * positive at all, L_box = L_ctr = 0 (still connected to the outputs: zero gradients). BCE with logits = softplus(z) − z·y (stable for large |z|).
 * Boxes of negative locations are never looked at: their weight is 0 and their target is replaced
 * by a dummy (1,1,1,1), so no 0/0 can produce a NaN that 0·NaN would spread.
 *
 * Usage (inside a tidy / variableGrads):
 *   const flat = flattenFcosOutputs(applyFcosHead(params, feats, cfg));
 *   const { total, cls, box, ctr } = fcosLoss(flat, targetsPerImage);   // scalars
 */
import * as tf from '@tensorflow/tfjs';
import type { FcosFlatOutput } from './fcos-head';
import type { FcosTargets } from './fcos-targets';

export interface FcosLossOptions {
  readonly alpha: number; // focal-loss α for positives (negatives get 1−α): 0.25 (Lin et al. / FCOS)
  readonly gamma: number; // focal-loss focusing exponent: 2
}

export const FCOS_LOSS_DEFAULTS: FcosLossOptions = { alpha: 0.25, gamma: 2 };

export interface FcosLossParts {
  readonly cls: tf.Scalar; // focal loss / N_pos
  readonly box: tf.Scalar; // centerness-weighted GIoU loss
  readonly ctr: tf.Scalar; // centerness BCE / N_pos
  readonly total: tf.Scalar; // their sum
}

/** BCE with logits, elementwise: softplus(z) − z·y. */
export function bceWithLogits(logits: tf.Tensor, targets: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.sub(tf.softplus(logits), tf.mul(logits, targets)));
}

/** Sigmoid focal loss, elementwise (same shape as logits); targets in [0, 1]. */
export function sigmoidFocalLoss(logits: tf.Tensor, targets: tf.Tensor, opts: Partial<FcosLossOptions> = {}): tf.Tensor {
  const { alpha, gamma } = { ...FCOS_LOSS_DEFAULTS, ...opts };
  return tf.tidy(() => {
    const p = tf.sigmoid(logits);
    const notY = tf.sub(1, targets);
    const pt = tf.add(tf.mul(p, targets), tf.mul(tf.sub(1, p), notY)); // prob. of the true label
    const at = tf.add(tf.mul(targets, alpha), tf.mul(notY, 1 - alpha));
    const mod = gamma === 2 ? tf.square(tf.sub(1, pt)) : tf.pow(tf.sub(1, pt), gamma);
    return tf.mul(tf.mul(at, mod), bceWithLogits(logits, targets));
  });
}

/**
 * 1 − GIoU of boxes [..., 4] xyxy (x2 ≥ x1, y2 ≥ y1), elementwise → [...]. eps 1e-6 in the union and
 * the enclosing area (MMDetection's giou_loss) keeps empty boxes finite.
 */
export function giouLossXyxy(pred: tf.Tensor, target: tf.Tensor, eps = 1e-6): tf.Tensor {
  if (pred.shape[pred.rank - 1] !== 4 || target.shape.join(',') !== pred.shape.join(',')) {
    throw new Error(`giouLoss: pred [${pred.shape}] and target [${target.shape}] must have the same shape [..., 4]`);
  }
  return tf.tidy(() => {
    const [px1, py1, px2, py2] = tf.unstack(pred, pred.rank - 1); // each [...]
    const [tx1, ty1, tx2, ty2] = tf.unstack(target, target.rank - 1);
    const areaP = tf.mul(tf.sub(px2, px1), tf.sub(py2, py1));
    const areaT = tf.mul(tf.sub(tx2, tx1), tf.sub(ty2, ty1));
    const iw = tf.relu(tf.sub(tf.minimum(px2, tx2), tf.maximum(px1, tx1)));
    const ih = tf.relu(tf.sub(tf.minimum(py2, ty2), tf.maximum(py1, ty1)));
    const inter = tf.mul(iw, ih);
    const union = tf.add(tf.sub(tf.add(areaP, areaT), inter), eps);
    const cw = tf.sub(tf.maximum(px2, tx2), tf.minimum(px1, tx1));
    const ch = tf.sub(tf.maximum(py2, ty2), tf.minimum(py1, ty1));
    const enclose = tf.add(tf.mul(cw, ch), eps);
    const giou = tf.sub(tf.div(inter, union), tf.div(tf.sub(enclose, union), enclose));
    return tf.sub(1, giou);
  });
}

/** 1 − GIoU for boxes given as distances (l,t,r,b) ≥ 0 from a shared point: the boxes (−l, −t, r, b). */
export function giouLossLtrb(pred: tf.Tensor, target: tf.Tensor, eps = 1e-6): tf.Tensor {
  return tf.tidy(() => {
    const sign = tf.tensor1d([-1, -1, 1, 1]); // (l,t,r,b) → (x1,y1,x2,y2) around the point
    return giouLossXyxy(tf.mul(pred, sign), tf.mul(target, sign), eps);
  });
}

/**
 * The three FCOS losses and their sum over a batch. `out` from flattenFcosOutputs ([B,N,·]),
 * `targets[b]` from fcosTargets for image b on the same levels. Tensors in are borrowed; the
 * returned scalars belong to the caller.
 */
export function fcosLoss(out: FcosFlatOutput, targets: readonly FcosTargets[], opts: Partial<FcosLossOptions> = {}): FcosLossParts {
  const [B, N, K] = out.cls.shape;
  if (targets.length !== B) throw new Error(`FCOS loss: ${targets.length} target sets for a batch of ${B}`);
  if (out.box.shape[0] !== B || out.box.shape[1] !== N || out.ctr.shape[1] !== N) {
    throw new Error(`FCOS loss: outputs disagree: cls [${out.cls.shape}], box [${out.box.shape}], ctr [${out.ctr.shape}]`);
  }
  const onehot = new Float32Array(B * N * K);
  const pos = new Float32Array(B * N);
  const ltrb = new Float32Array(B * N * 4).fill(1); // dummy (1,1,1,1) at negatives
  const ctrT = new Float32Array(B * N);
  let numPos = 0;
  targets.forEach((t, b) => {
    if (t.numLocations !== N) throw new Error(`FCOS loss: targets of image ${b} cover ${t.numLocations} locations, the outputs ${N} (same levels and feature sizes?)`);
    for (let n = 0; n < N; n++) {
      const c = t.labels[n];
      if (c < 0) continue;
      if (c >= K) throw new Error(`FCOS loss: image ${b} location ${n} has class ${c}, but the head predicts ${K} classes`);
      const i = b * N + n;
      onehot[i * K + c] = 1;
      pos[i] = 1;
      ctrT[i] = t.centerness[n];
      for (let q = 0; q < 4; q++) ltrb[4 * i + q] = t.ltrb[4 * n + q];
      numPos++;
    }
  });
  let ctrSum = 0;
  for (let i = 0; i < ctrT.length; i++) ctrSum += ctrT[i];
  const { alpha, gamma } = { ...FCOS_LOSS_DEFAULTS, ...opts };
  if (!(alpha >= 0 && alpha <= 1)) throw new Error(`FCOS loss: alpha = ${alpha} must be in [0, 1]`);
  if (!(gamma >= 0)) throw new Error(`FCOS loss: gamma = ${gamma} must be ≥ 0`);
  const norm = Math.max(numPos, 1);
  return tf.tidy(() => {
    const y = tf.tensor3d(onehot, [B, N, K]);
    const cls = sigmoidFocalLoss(out.cls, y, { alpha, gamma }).sum().div(norm) as tf.Scalar;
    const w = tf.tensor2d(ctrT, [B, N]); // c* at positives, 0 elsewhere
    // With no positive, Σ c*·(…) = 0 and we divide by 1: zero, yet still a function of out.box so every
    // head parameter gets a (zero) gradient, as MMDetection's pos_bbox_preds.sum().
    const box = giouLossLtrb(out.box, tf.tensor3d(ltrb, [B, N, 4])).mul(w).sum().div(ctrSum > 0 ? ctrSum : 1) as tf.Scalar;
    const ctr = bceWithLogits(out.ctr, w).mul(tf.tensor2d(pos, [B, N])).sum().div(norm) as tf.Scalar;
    return { cls, box, ctr, total: cls.add(box).add(ctr) as tf.Scalar };
  });
}
