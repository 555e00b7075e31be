/**
 * MLP for the continual-learning benchmarks (METHODS.md §4, DHP Softmax, arXiv 2006.16558):
 * fully connected ReLU layers over flattened images, then a classifier head.
 *
 *   h = act(…act(x·W0 + b0)…·W_{L−1} + b_{L−1})     [B, m]   m = hiddenSizes[L−1]
 *   logits = h·Wh + bh                                 [B, d]   (the plain softmax head)
 * `applyMlpHidden` returns h alone so that another head (continual/dhp-softmax.ts) can sit on it.
 *
 * Sizes: Split MNIST uses 2×256 ReLU [C blog]; Permuted MNIST 2×400 ReLU [U] (MLP_SIZES).
 * Init: PyTorch nn.Linear's default, W and b ~ U(−1/√fanIn, 1/√fanIn) (kaiming_uniform with
 * a = √5) [U: the reference implementation is PyTorch; its layer code is not published].
 *
 * Multi-head (Split MNIST): one shared d-way output layer, and each task reads only its own
 * classes' columns (`classes`). METHODS.md §4: "cross-entropy only on the current task's
 * outputs", and the blog's DHP code indexes its trace by the global label. Columns are
 * independent, so this equals one head per task: a task's loss has zero gradient on the other
 * tasks' columns. The columns are picked by a 0/1 matrix product, not tf.gather (whose gradient,
 * UnsortedSegmentSum, is missing on wasm; ENVIRONMENT.md §2).
 *
 * Usage:
 *   const cfg = mlpConfig({ hiddenSizes: [256, 256] });
 *   const params = initMlp(cfg, new Rng(0));
 *   const { h, logits } = applyMlp(params, x, cfg, { classes: [2, 3] }); // x [B, 784] → logits [B, 2]
 */
import * as tf from '@tensorflow/tfjs';
import { uniformInit } from '../core/params';
import { type Rng } from '../core/rng';
import { ACTIVATIONS, activate, type Activation } from '../nn/activations';

export interface MlpConfig {
  readonly inputSize: number; // features per sample: 784 for 28×28 MNIST, flattened
  readonly hiddenSizes: readonly number[]; // widths of the hidden layers; the last is m, the width of h
  readonly activation: Activation; // 'relu' in every DHP benchmark
  readonly numClasses: number; // d, outputs of the shared head: 10 for MNIST (all tasks)
}

export const MLP_DEFAULTS: MlpConfig = {
  inputSize: 784,
  hiddenSizes: [400, 400], // Permuted MNIST [U]
  activation: 'relu',
  numClasses: 10,
};

/** What differs from MLP_DEFAULTS per benchmark. */
export const MLP_SIZES = {
  'permuted-mnist': {}, // 2×400 ReLU, single 10-way head [U]
  'split-mnist': { hiddenSizes: [256, 256] }, // 2×256 ReLU, multi-head [C blog]
} as const satisfies Record<string, Partial<MlpConfig>>;

export function mlpConfig(over: Partial<MlpConfig> = {}, size: keyof typeof MLP_SIZES = 'permuted-mnist'): MlpConfig {
  const cfg = { ...MLP_DEFAULTS, ...MLP_SIZES[size], ...over };
  validateMlpConfig(cfg);
  return cfg;
}

export function validateMlpConfig(cfg: MlpConfig): void {
  const positiveInt = (name: string, v: unknown) => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new Error(`Mlp: ${name} = ${String(v)} must be an integer ≥ 1`);
  };
  positiveInt('inputSize', cfg.inputSize);
  positiveInt('numClasses', cfg.numClasses);
  if (!Array.isArray(cfg.hiddenSizes) || cfg.hiddenSizes.length < 1) throw new Error(`Mlp: hiddenSizes = ${JSON.stringify(cfg.hiddenSizes)} must list at least one width`);
  cfg.hiddenSizes.forEach((w, i) => positiveInt(`hiddenSizes[${i}]`, w));
  if (!ACTIVATIONS.includes(cfg.activation)) throw new Error(`Mlp: activation = '${String(cfg.activation)}' must be one of ${ACTIVATIONS.join(', ')}`);
}

export interface LinearParams<T = tf.Tensor> {
  readonly w: T; // [in, out]
  readonly b: T; // [out]
}

export interface MlpParams<T = tf.Tensor> {
  readonly hidden: readonly LinearParams<T>[]; // hidden[l].w [in_l, hiddenSizes[l]]
  readonly head: LinearParams<T>; // w [m, d]
}

/** Width m of h (the input of the head). */
export const mlpHiddenWidth = (cfg: MlpConfig): number => cfg.hiddenSizes[cfg.hiddenSizes.length - 1];

/** PyTorch nn.Linear default init: W, b ~ U(±1/√fanIn). */
export function initLinear(rng: Rng, fanIn: number, fanOut: number): LinearParams<tf.Variable> {
  const limit = 1 / Math.sqrt(fanIn);
  return { w: uniformInit(rng.fork('w'), [fanIn, fanOut], limit), b: uniformInit(rng.fork('b'), [fanOut], limit) };
}

export function initMlpHidden(cfg: MlpConfig, rng: Rng): LinearParams<tf.Variable>[] {
  validateMlpConfig(cfg);
  const ins = [cfg.inputSize, ...cfg.hiddenSizes.slice(0, -1)];
  return cfg.hiddenSizes.map((out, l) => initLinear(rng.fork('hidden', l), ins[l], out));
}

export function initMlp(cfg: MlpConfig, rng: Rng): MlpParams<tf.Variable> {
  return { hidden: initMlpHidden(cfg, rng), head: initLinear(rng.fork('head'), mlpHiddenWidth(cfg), cfg.numClasses) };
}

/** h = the last hidden layer's activations, [B, m]. x: [B, inputSize]. */
export function applyMlpHidden(hidden: readonly LinearParams[], x: tf.Tensor2D, cfg: MlpConfig): tf.Tensor2D {
  if (x.rank !== 2 || x.shape[1] !== cfg.inputSize) throw new Error(`Mlp: input must be [B, ${cfg.inputSize}], got [${x.shape}]`);
  if (hidden.length !== cfg.hiddenSizes.length) throw new Error(`Mlp: ${hidden.length} hidden layers given, config has ${cfg.hiddenSizes.length}`);
  return tf.tidy(() => {
    let h: tf.Tensor2D = x;
    for (const { w, b } of hidden) h = activate(tf.add(tf.matMul(h, w as tf.Tensor2D), b), cfg.activation) as tf.Tensor2D;
    return h;
  });
}

/**
 * The 0/1 matrix S [d, k] with S[classes[j], j] = 1: logits·S keeps the listed columns in the
 * listed order (this task's head). Errors name the bad entry.
 */
export function classSelector(classes: readonly number[], numClasses: number): tf.Tensor2D {
  if (classes.length < 1) throw new Error('classes: a task needs at least one class');
  const seen = new Set<number>();
  classes.forEach((c, j) => {
    if (!Number.isInteger(c) || c < 0 || c >= numClasses) throw new Error(`classes[${j}] = ${c} must be an integer in [0, ${numClasses})`);
    if (seen.has(c)) throw new Error(`classes[${j}] = ${c} is listed twice`);
    seen.add(c);
  });
  const s = new Float32Array(numClasses * classes.length);
  classes.forEach((c, j) => (s[c * classes.length + j] = 1));
  return tf.tensor2d(s, [numClasses, classes.length]);
}

/** logits [B, d] → [B, k] restricted to `classes` (all d when omitted). */
export function selectClasses(logits: tf.Tensor2D, classes?: readonly number[]): tf.Tensor2D {
  if (!classes) return logits.clone();
  return tf.tidy(() => tf.matMul(logits, classSelector(classes, logits.shape[1])));
}

/** Plain softmax head (pre-softmax logits): h·W + b [B, d], or this task's columns [B, k]. */
export function applyLinearHead(head: LinearParams, h: tf.Tensor2D, classes?: readonly number[]): tf.Tensor2D {
  return tf.tidy(() => selectClasses(tf.add(tf.matMul(h, head.w as tf.Tensor2D), head.b) as tf.Tensor2D, classes));
}

export function applyMlp(params: MlpParams, x: tf.Tensor2D, cfg: MlpConfig, opts: { classes?: readonly number[] } = {}): { h: tf.Tensor2D; logits: tf.Tensor2D } {
  const h = applyMlpHidden(params.hidden, x, cfg);
  return { h, logits: applyLinearHead(params.head, h, opts.classes) };
}
