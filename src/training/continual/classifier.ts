/**
 * A continual-learning classifier: a body (any function x → h; the benchmarks use the MLP of
 * models/mlp.ts) under one of two heads (METHODS.md §4):
 *   'softmax'  plain linear softmax head, h·W + b
 *   'dhp'      DHP Softmax, h·(θ + α⊙Hebb), with its Hebbian trace (dhp-softmax.ts)
 * Multi-head tasks (Split MNIST) pass `classes`: the shared d-way head is read on those columns
 * only, and labels stay global class ids (models/mlp.ts explains why this equals one head per task).
 *
 * Parameter names are the dotted names of flattenParams({ body, head }) ('body.hidden.0.w',
 * 'head.theta', 'head.alpha', …). `slow` is what the consolidation penalty and the importance
 * estimators see: every body weight and bias, and the head's W and b (softmax) or θ (DHP).
 * DHP's α and η are trainable but never regularised; the Hebbian trace is state, not a parameter.
 */
import * as tf from '@tensorflow/tfjs';
import { flattenParams, uniformInit, type ParamTree } from '../core/params';
import { type Rng } from '../core/rng';
import { applyLinearHead, applyMlpHidden, classSelector, initLinear, initMlpHidden, mlpHiddenWidth, selectClasses, type LinearParams, type MlpConfig } from '../models/mlp';
import { applyDhpSoftmax, DHP_PLASTIC_PARAMS, dhpSoftmaxConfig, HebbianTrace, initDhpSoftmax, plasticNormPerClass, type DhpSoftmaxConfig, type DhpSoftmaxParams } from './dhp-softmax';

export type HeadKind = 'softmax' | 'dhp';
export const HEAD_KINDS: readonly HeadKind[] = ['softmax', 'dhp'];

/** Any network producing the representation h [B, width] the head sits on. */
export interface Body {
  readonly params: ParamTree;
  readonly width: number;
  hidden(x: tf.Tensor): tf.Tensor2D;
}

export function mlpBody(cfg: MlpConfig, rng: Rng): Body {
  const params = { hidden: initMlpHidden(cfg, rng) };
  return { params, width: mlpHiddenWidth(cfg), hidden: (x) => applyMlpHidden(params.hidden, x as tf.Tensor2D, cfg) };
}

export type DhpOptions = Partial<Omit<DhpSoftmaxConfig, 'inFeatures' | 'numClasses'>>;

/**
 * Head initialisation. DHP's settings, and for the plain softmax head the fan of its weights'
 * U(±1/√fan): 'in' = the width m (PyTorch nn.Linear, the default) or 'out' = the classes d, the
 * scale DHP's θ gets from the authors' code: the ablation that separates DHP's plastic weights
 * from its larger initial head (bench/continual-split-paper.bench.ts). The bias stays U(±1/√m).
 */
export type HeadOptions = DhpOptions & { readonly softmaxInitFan?: 'in' | 'out' };

function initSoftmaxHead(rng: Rng, width: number, numClasses: number, fan: 'in' | 'out'): LinearParams<tf.Variable> {
  if (fan !== 'in' && fan !== 'out') throw new Error(`ContinualClassifier: softmaxInitFan = '${String(fan)}' must be 'in' or 'out'`);
  const head = initLinear(rng, width, numClasses);
  if (fan === 'in') return head;
  head.w.dispose();
  return { w: uniformInit(rng.fork('w'), [width, numClasses], 1 / Math.sqrt(numClasses)), b: head.b };
}

/** The outputs of one task, as the importance estimators and evaluation read them. */
export interface TaskOutputs {
  /** Inference-mode logits on this task's classes, [B, k] (DHP: current trace, no update). */
  logits(x: tf.Tensor): tf.Tensor2D;
  /** One-hot targets on the same columns, [B, k], from global labels [B]. */
  targets(labels: tf.Tensor1D): tf.Tensor2D;
}

/** One-hot [B, k] over `classes` (all d when omitted) for global labels; a label outside `classes` gives a zero row. */
export function taskTargets(labels: tf.Tensor1D, numClasses: number, classes?: readonly number[]): tf.Tensor2D {
  return tf.tidy(() => {
    const y = tf.oneHot(labels.dtype === 'int32' ? labels : tf.cast(labels, 'int32'), numClasses).toFloat() as tf.Tensor2D;
    return classes ? tf.matMul(y, classSelector(classes, numClasses)) : y;
  });
}

/** Mean softmax cross-entropy, −(1/B)·Σ_b Σ_j t_bj·log softmax(z)_bj. */
export function softmaxCrossEntropy(logits: tf.Tensor2D, targets: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => tf.neg(tf.mean(tf.sum(tf.mul(targets, tf.logSoftmax(logits)), 1))) as tf.Scalar);
}

export interface ForwardOptions {
  /** Training mode: DHP updates its trace from these global labels before the logits. */
  readonly labels?: tf.Tensor1D;
  /** This task's classes (multi-head); all d when omitted. */
  readonly classes?: readonly number[];
}

export class ContinualClassifier {
  readonly params: { readonly body: ParamTree; readonly head: LinearParams<tf.Variable> | DhpSoftmaxParams<tf.Variable> };
  /** Every trainable parameter by dotted name (the optimiser's set). */
  readonly named: Map<string, tf.Variable>;
  /** The regularised subset: all but DHP's α and η. */
  readonly slow: Map<string, tf.Variable>;
  /** DHP only. */
  readonly trace: HebbianTrace | null;

  constructor(
    readonly body: Body,
    readonly headKind: HeadKind,
    readonly numClasses: number,
    rng: Rng,
    headOptions: HeadOptions = {},
  ) {
    if (!HEAD_KINDS.includes(headKind)) throw new Error(`ContinualClassifier: head = '${String(headKind)}' must be one of ${HEAD_KINDS.join(', ')}`);
    if (!Number.isInteger(numClasses) || numClasses < 1) throw new Error(`ContinualClassifier: numClasses = ${numClasses} must be an integer ≥ 1`);
    const { softmaxInitFan = 'in', ...dhp } = headOptions;
    const head =
      headKind === 'dhp'
        ? initDhpSoftmax(dhpSoftmaxConfig({ ...dhp, inFeatures: body.width, numClasses }), rng.fork('head'))
        : initSoftmaxHead(rng.fork('head'), body.width, numClasses, softmaxInitFan);
    this.params = { body: body.params, head };
    this.named = flattenParams(this.params);
    const plastic = new Set(headKind === 'dhp' ? DHP_PLASTIC_PARAMS.map((k) => `head.${k}`) : []);
    this.slow = new Map([...this.named].filter(([n]) => !plastic.has(n)));
    this.trace = headKind === 'dhp' ? new HebbianTrace(body.width, numClasses) : null;
  }

  /**
   * h [B, m] and logits [B, k]. With labels and a DHP head, `hebb` is the updated trace (the
   * logits used it); commit it with `this.trace.commit` after the step. Otherwise `hebb` is null.
   */
  forward(x: tf.Tensor, opts: ForwardOptions = {}): { h: tf.Tensor2D; logits: tf.Tensor2D; hebb: tf.Tensor2D | null } {
    const h = this.body.hidden(x);
    if (this.headKind === 'softmax') return { h, logits: applyLinearHead(this.params.head as LinearParams, h, opts.classes), hebb: null };
    const out = applyDhpSoftmax(this.params.head as DhpSoftmaxParams, h, this.trace!.value as tf.Tensor2D, { labels: opts.labels });
    const logits = selectClasses(out.logits, opts.classes);
    out.logits.dispose();
    return { h, logits, hebb: out.hebb };
  }

  taskOutputs(classes?: readonly number[]): TaskOutputs {
    if (classes) classSelector(classes, this.numClasses).dispose(); // validate now, naming the bad entry
    return {
      logits: (x) =>
        tf.tidy(() => {
          const { logits } = this.forward(x, { classes });
          return logits;
        }),
      targets: (labels) => taskTargets(labels, this.numClasses, classes),
    };
  }

  /** DHP: ‖α[:,c]⊙Hebb[:,c]‖₂ per class (the plastic weights' size, for the GUI); null for a softmax head. */
  async plasticNorms(): Promise<number[] | null> {
    if (!this.trace) return null;
    const n = plasticNormPerClass(this.params.head as DhpSoftmaxParams, this.trace.value as tf.Tensor2D);
    const values = Array.from(await n.data());
    n.dispose();
    return values;
  }

  /** Parameters (by dotted name) and the trace ('dhp/hebb'), for checkpoints (borrowed). */
  stateTensors(): Map<string, tf.Tensor> {
    const out = new Map<string, tf.Tensor>(this.named);
    if (this.trace) for (const [k, t] of this.trace.stateTensors()) out.set(k, t);
    return out;
  }

  /** Restores what stateTensors saved; every parameter (and the trace) must be present with its shape. */
  loadState(tensors: Map<string, { shape: readonly number[]; data: ArrayLike<number> }>): void {
    for (const [name, v] of this.named) {
      const saved = tensors.get(name);
      if (!saved) throw new Error(`checkpoint is missing parameter '${name}'`);
      if (saved.shape.join(',') !== v.shape.join(',')) throw new Error(`parameter '${name}' has shape [${saved.shape}] in the checkpoint, expected [${v.shape}]`);
    }
    for (const [name, v] of this.named) {
      const saved = tensors.get(name)!;
      tf.tidy(() => v.assign(tf.tensor(Float32Array.from(saved.data), [...saved.shape], 'float32')));
    }
    this.trace?.loadState(tensors);
  }

  dispose(): void {
    for (const v of this.named.values()) v.dispose();
    this.trace?.dispose();
  }
}

/** The benchmarks' model: the MLP body of models/mlp.ts under a softmax or DHP head. */
export function mlpClassifier(cfg: MlpConfig, head: HeadKind, rng: Rng, headOptions: HeadOptions = {}): ContinualClassifier {
  return new ContinualClassifier(mlpBody(cfg, rng.fork('body')), head, cfg.numClasses, rng, headOptions);
}
