/**
 * DHP Softmax: Differentiable Hebbian Plasticity in the softmax layer (Thangarasa, Miconi,
 * Taylor, "Enabling Continual Learning with Differentiable Hebbian Plasticity", IJCNN 2020,
 * arXiv 2006.16558; METHODS.md §4; the layer code is in the author's blog post [C]).
 *
 * Each connection has a slow weight θ and a plastic part α⊙Hebb (m = width of h, d = classes):
 *   θ    [m, d]  slow weights, learned
 *   α    [m, d]  plasticity coefficients, learned, init U(0, 0.01) [C]
 *   η    [1]     plasticity rate, learned, one scalar; init 0.01 [U: `eta_rate` is unpublished]
 *   Hebb [m, d]  Hebbian trace: state, not a parameter. Zero at the start of task 1, never reset
 *                between tasks, updated only in training, carried between steps without gradient.
 * Training forward, with h [B, m] and labels y [B] (METHODS.md §4, vectorised form):
 *   Y = onehot(y) [B, d];  s = Σ_b Y [d];  H̄ = hᵀY / max(s, 1) [m, d]
 *   Hebb' = Hebb + η·(H̄ − Hebb)·[s > 0]       (= (1−η)·Hebb[:,c] + η·h̄_c for present classes c)
 *   z = h·(θ + α⊙Hebb')                        no bias; ŷ = softmax(z)
 * The update happens BEFORE the logits. Within the step gradients reach θ, α, η and h, also
 * through Hebb' (η and H̄ are on the tape); the old Hebb is a non-trainable variable, so nothing
 * flows into past steps. After the step the caller stores Hebb' (`HebbianTrace.commit`).
 * Inference: z = h·(θ + α⊙Hebb) with the latest trace, no update.
 *
 * θ init: METHODS.md says "PyTorch-Linear init (kaiming_uniform, a=√5)", i.e. U(±1/√m) with
 * fan-in m. The blog's code applies `kaiming_uniform_` to a tensor shaped (in, out) = (m, d), for
 * which PyTorch takes fan-in = d, giving U(±1/√d). `thetaInitFan` picks: 'in' (default, the
 * spec's wording) or 'out' (what the blog's code does).
 *
 * Slow weights for the consolidation penalty: θ only; α and η are never regularised, and the
 * trace is not a parameter at all (`DHP_PLASTIC_PARAMS`).
 *
 * Usage:
 *   const p = initDhpSoftmax(dhpSoftmaxConfig({ inFeatures: 256, numClasses: 10 }), rng);
 *   const trace = new HebbianTrace(256, 10);
 *   // inside tf.variableGrads: const { logits, hebb } = applyDhpSoftmax(p, h, trace.value, { labels: y });
 *   // after the step: trace.commit(hebb)
 */
import * as tf from '@tensorflow/tfjs';
import { constantInit, uniformInit, variableFrom } from '../core/params';
import { type Rng } from '../core/rng';

export interface DhpSoftmaxConfig {
  readonly inFeatures: number; // m, width of h (the last hidden layer)
  readonly numClasses: number; // d, one column per class (shared across tasks)
  readonly etaInit: number; // initial plasticity rate η: 0.01 [U: `eta_rate` is not published]
  readonly alphaInitMax: number; // α ~ U(0, alphaInitMax): 0.01 [C blog]
  readonly thetaInitFan: 'in' | 'out'; // θ ~ U(±1/√fan): 'in' = m (METHODS.md), 'out' = d (the blog's code)
}

export const DHP_SOFTMAX_DEFAULTS: Omit<DhpSoftmaxConfig, 'inFeatures' | 'numClasses'> = {
  etaInit: 0.01,
  alphaInitMax: 0.01,
  thetaInitFan: 'in',
};

export function dhpSoftmaxConfig(over: Partial<DhpSoftmaxConfig> & Pick<DhpSoftmaxConfig, 'inFeatures' | 'numClasses'>): DhpSoftmaxConfig {
  const cfg = { ...DHP_SOFTMAX_DEFAULTS, ...over };
  validateDhpSoftmaxConfig(cfg);
  return cfg;
}

export function validateDhpSoftmaxConfig(cfg: DhpSoftmaxConfig): void {
  for (const f of ['inFeatures', 'numClasses'] as const) {
    if (!Number.isInteger(cfg[f]) || cfg[f] < 1) throw new Error(`DhpSoftmax: ${f} = ${cfg[f]} must be an integer ≥ 1`);
  }
  if (!Number.isFinite(cfg.etaInit)) throw new Error(`DhpSoftmax: etaInit = ${cfg.etaInit} must be a finite number`);
  if (!(cfg.alphaInitMax >= 0) || !Number.isFinite(cfg.alphaInitMax)) throw new Error(`DhpSoftmax: alphaInitMax = ${cfg.alphaInitMax} must be ≥ 0`);
  if (cfg.thetaInitFan !== 'in' && cfg.thetaInitFan !== 'out') throw new Error(`DhpSoftmax: thetaInitFan = '${String(cfg.thetaInitFan)}' must be 'in' or 'out'`);
}

export interface DhpSoftmaxParams<T = tf.Tensor> {
  readonly theta: T; // [m, d] slow weights
  readonly alpha: T; // [m, d] plasticity coefficients
  readonly eta: T; // [1] plasticity rate
}

/** Parameter keys (inside the head) that are plastic, hence never regularised. */
export const DHP_PLASTIC_PARAMS: readonly string[] = ['alpha', 'eta'];

export function initDhpSoftmax(cfg: DhpSoftmaxConfig, rng: Rng): DhpSoftmaxParams<tf.Variable> {
  validateDhpSoftmaxConfig(cfg);
  const { inFeatures: m, numClasses: d } = cfg;
  const fan = cfg.thetaInitFan === 'in' ? m : d;
  const a = rng.fork('alpha');
  return {
    theta: uniformInit(rng.fork('theta'), [m, d], 1 / Math.sqrt(fan)),
    alpha: variableFrom(a.fill(m * d, (r) => r.range(0, cfg.alphaInitMax)), [m, d]),
    eta: constantInit([1], cfg.etaInit),
  };
}

/**
 * Hebb' = Hebb + η·(H̄ − Hebb)·[s > 0]: only the columns of classes present in `labels` move,
 * each toward that class's mean h. Differentiable in η and h; pass the trace as the
 * non-trainable `HebbianTrace.value` so that no gradient reaches it.
 * h [B, m], labels [B] int (global class ids in [0, d)), eta [1] or scalar. Returns [m, d].
 */
export function hebbianUpdate(hebb: tf.Tensor2D, h: tf.Tensor2D, labels: tf.Tensor1D, eta: tf.Tensor): tf.Tensor2D {
  const [m, d] = hebb.shape;
  if (h.rank !== 2 || h.shape[1] !== m) throw new Error(`DhpSoftmax: h must be [B, ${m}], got [${h.shape}]`);
  if (labels.rank !== 1 || labels.shape[0] !== h.shape[0]) throw new Error(`DhpSoftmax: labels must be [${h.shape[0]}] (one per row of h), got [${labels.shape}]`);
  return tf.tidy(() => {
    const y = tf.oneHot(labels.dtype === 'int32' ? labels : tf.cast(labels, 'int32'), d).toFloat(); // [B, d]
    const s = tf.sum(y, 0); // [d] samples per class
    const hbar = tf.div(tf.matMul(h, y, true, false), tf.maximum(s, 1)); // [m, d] class means (0 where absent)
    const present = tf.cast(tf.greater(s, 0), 'float32'); // [d]
    return tf.add(hebb, tf.mul(tf.mul(eta, tf.sub(hbar, hebb)), present)) as tf.Tensor2D;
  });
}

/** z = h·(θ + α⊙Hebb) [B, d]. */
export function dhpLogits(params: DhpSoftmaxParams, h: tf.Tensor2D, hebb: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => tf.matMul(h, tf.add(params.theta, tf.mul(params.alpha, hebb)) as tf.Tensor2D));
}

/**
 * The layer's forward pass. With `labels` (training) the trace is updated first and the logits
 * use the new trace, returned as `hebb` for the caller to commit after the step; without labels
 * (inference) the current trace is used and `hebb` is null.
 */
export function applyDhpSoftmax(params: DhpSoftmaxParams, h: tf.Tensor2D, hebb: tf.Tensor2D, opts: { labels?: tf.Tensor1D } = {}): { logits: tf.Tensor2D; hebb: tf.Tensor2D | null } {
  if (!opts.labels) return { logits: dhpLogits(params, h, hebb), hebb: null };
  const next = hebbianUpdate(hebb, h, opts.labels, params.eta);
  return { logits: dhpLogits(params, h, next), hebb: next };
}

/** ‖α[:,c]⊙Hebb[:,c]‖₂ per class: the size of the plastic (fast) weights of each class, [d]. */
export function plasticNormPerClass(params: DhpSoftmaxParams, hebb: tf.Tensor2D): tf.Tensor1D {
  return tf.tidy(() => tf.sqrt(tf.sum(tf.square(tf.mul(params.alpha, hebb)), 0)) as tf.Tensor1D);
}

/**
 * The Hebbian trace as a non-trainable variable [m, d]: tf.variableGrads never differentiates
 * it, and a step's new trace is stored by `commit` (a plain assignment: nothing of the step's tape
 * is kept). Zeroed at construction (start of task 1); nothing here resets it between tasks.
 */
export class HebbianTrace {
  readonly value: tf.Variable;
  /** Saved under this key by `stateTensors` (checkpoints). */
  static readonly KEY = 'dhp/hebb';

  constructor(readonly inFeatures: number, readonly numClasses: number) {
    this.value = constantInit([inFeatures, numClasses], 0, false);
  }

  /** Store a step's updated trace (e.g. `hebb` from applyDhpSoftmax); `next` stays the caller's. */
  commit(next: tf.Tensor): void {
    if (next.shape.join(',') !== this.value.shape.join(',')) throw new Error(`HebbianTrace.commit: shape [${next.shape}], expected [${this.value.shape}]`);
    tf.tidy(() => this.value.assign(tf.clone(next)));
  }

  /** Back to zero: only for a new run (the method itself never resets the trace). */
  reset(): void {
    tf.tidy(() => this.value.assign(tf.zerosLike(this.value)));
  }

  /** ‖Hebb[:,c]‖₂ per class, [d] (caller owns). */
  normPerClass(): tf.Tensor1D {
    return tf.tidy(() => tf.sqrt(tf.sum(tf.square(this.value), 0)) as tf.Tensor1D);
  }

  stateTensors(): Map<string, tf.Tensor> {
    return new Map([[HebbianTrace.KEY, this.value]]);
  }

  loadState(tensors: Map<string, { shape: readonly number[]; data: ArrayLike<number> }>): void {
    const saved = tensors.get(HebbianTrace.KEY);
    if (!saved) throw new Error(`checkpoint is missing the Hebbian trace '${HebbianTrace.KEY}'`);
    if (saved.shape.join(',') !== this.value.shape.join(',')) throw new Error(`Hebbian trace '${HebbianTrace.KEY}' has shape [${saved.shape}], expected [${this.value.shape}]`);
    tf.tidy(() => this.value.assign(tf.tensor(Float32Array.from(saved.data), [...saved.shape], 'float32')));
  }

  dispose(): void {
    this.value.dispose();
  }
}
