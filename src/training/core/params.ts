/**
 * Parameter trees: models are pure functions over a readonly tree of `tf.Variable`s
 * (STYLE.md §4). `flattenParams` gives every leaf a dotted name ('enc.0.f.expand.w'), which
 * is how checkpoints, optimiser state, EWC/SI/MAS importances and sparse masks address them.
 */
import * as tf from '@tensorflow/tfjs';
import { Rng } from './rng';

/**
 * A tree of objects and arrays with tf.Variable leaves. Typed as `object` so that model param
 * interfaces (which have no index signature) qualify; the walkers check leaves at run time.
 */
export type ParamTree = object;

/** Leaves in a stable, deterministic order (object key order, then array order). */
export function flattenParams(tree: ParamTree, prefix = ''): Map<string, tf.Variable> {
  const out = new Map<string, tf.Variable>();
  const walk = (node: unknown, name: string): void => {
    if (node instanceof tf.Variable) {
      if (out.has(name)) throw new Error(`flattenParams: duplicate parameter name '${name}'`);
      out.set(name, node);
      return;
    }
    if (node === null || typeof node !== 'object' || node instanceof tf.Tensor) {
      throw new Error(`flattenParams: '${name}' is not a tf.Variable or a tree of them`);
    }
    const entries: [string, unknown][] = Array.isArray(node) ? node.map((v, i) => [String(i), v]) : Object.entries(node);
    for (const [k, v] of entries) walk(v, name ? `${name}.${k}` : k);
  };
  walk(tree, prefix);
  return out;
}

/**
 * Gradients from tf.variableGrads (keyed by tfjs's internal Variable.name) re-keyed by the
 * parameters' dotted names. Every parameter must have one.
 */
export function gradsByParamName(named: Map<string, tf.Variable>, grads: tf.NamedTensorMap): Map<string, tf.Tensor> {
  const out = new Map<string, tf.Tensor>();
  for (const [name, v] of named) {
    const g = grads[v.name];
    if (!g) throw new Error(`no gradient for parameter '${name}' (is it used by the loss?)`);
    out.set(name, g);
  }
  return out;
}

export function countParams(tree: ParamTree): number {
  let n = 0;
  for (const v of flattenParams(tree).values()) n += v.size;
  return n;
}

export function disposeParams(tree: ParamTree): void {
  for (const v of flattenParams(tree).values()) v.dispose();
}

/** Variable from host data; unnamed so several models can coexist in one tfjs engine. */
export function variableFrom(values: Float32Array, shape: number[], trainable = true): tf.Variable {
  return tf.tidy(() => tf.variable(tf.tensor(values, shape, 'float32'), trainable));
}

/** Kaiming/He normal: std = gain / sqrt(fan). Deterministic from the rng. */
export function heNormal(rng: Rng, shape: number[], fan: number, gain = Math.SQRT2): tf.Variable {
  const std = gain / Math.sqrt(fan);
  const n = shape.reduce((a, b) => a * b, 1);
  return variableFrom(rng.fill(n, (r) => r.normal() * std), shape);
}

/** Normal with a given std, truncated at ±2σ (GPT-style init). */
export function truncNormal(rng: Rng, shape: number[], std: number): tf.Variable {
  const n = shape.reduce((a, b) => a * b, 1);
  return variableFrom(rng.fill(n, (r) => r.truncatedNormal(2) * std), shape);
}

/** Uniform in [-limit, limit] (PyTorch-Linear-style kaiming_uniform with a=√5 gives limit = 1/√fanIn). */
export function uniformInit(rng: Rng, shape: number[], limit: number): tf.Variable {
  const n = shape.reduce((a, b) => a * b, 1);
  return variableFrom(rng.fill(n, (r) => r.range(-limit, limit)), shape);
}

export function constantInit(shape: number[], value: number, trainable = true): tf.Variable {
  const n = shape.reduce((a, b) => a * b, 1);
  return variableFrom(new Float32Array(n).fill(value), shape, trainable);
}

/** A tree of the same shape as a ParamTree with any tensors at the leaves (checked at run time). */
export type TensorTree = object;

/** Leaves in `flattenParams` order. */
export function leaves(tree: TensorTree): tf.Tensor[] {
  const out: tf.Tensor[] = [];
  const walk = (node: unknown): void => {
    if (node instanceof tf.Tensor) out.push(node);
    else if (Array.isArray(node)) node.forEach(walk);
    else if (node !== null && typeof node === 'object') Object.values(node).forEach(walk);
    else throw new Error(`leaves: ${String(node)} is not a tensor or a tree of them`);
  };
  walk(tree);
  return out;
}

/**
 * The tree `template` with its leaves replaced, in `leaves` order, by `list` — how a block whose
 * weights arrive as a flat list (a reversible block's gradFunc inputs) rebuilds its param tree.
 */
export function withLeaves<T extends TensorTree>(template: T, list: readonly tf.Tensor[]): T {
  let i = 0;
  const walk = (node: unknown): unknown => {
    if (node instanceof tf.Tensor) {
      if (i >= list.length) throw new Error(`withLeaves: ${list.length} tensors for a larger tree`);
      const t = list[i++];
      if (t.shape.join(',') !== node.shape.join(',')) {
        throw new Error(`withLeaves: leaf ${i - 1} has shape [${t.shape}], expected [${node.shape}]`);
      }
      return t;
    }
    if (Array.isArray(node)) return node.map(walk);
    return Object.fromEntries(Object.entries(node as object).map(([k, v]) => [k, walk(v)]));
  };
  const out = walk(template) as T;
  if (i !== list.length) throw new Error(`withLeaves: ${list.length} tensors for a tree of ${i}`);
  return out;
}
