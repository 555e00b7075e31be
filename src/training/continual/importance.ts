/**
 * Importance estimators for the consolidation penalty (METHODS.md §4): each produces per-
 * parameter importance maps Ω over the slow weights and the anchors θ*, and hands them to the
 * one quadratic penalty (penalty.ts) as `AnchorTerm`s. Implementations: ewc.ts (EWC, Online
 * EWC), si.ts (SI), mas.ts (MAS); `createEstimator` in estimators.ts picks one by name.
 *
 * Lifecycle per task: beginTask(params) → afterStep(…) after every optimiser step (only when
 * `needsSteps`; SI's path integral) → endTask(params, data) → penaltyTerms() for the next tasks.
 * Estimators never see DHP's α, η or the Hebbian trace: they get ContinualClassifier.slow.
 *
 * State is a name → tensor map plus JSON metadata, so it saves with core/checkpoint.ts.
 */
import * as tf from '@tensorflow/tfjs';
import { hostData, useHostPath } from './host-path';
import type { BatchIterator } from './batches';
import type { TaskOutputs } from './classifier';
import type { AnchorTerm } from './penalty';

export type EstimatorKind = 'ewc' | 'online-ewc' | 'si' | 'mas';
export const ESTIMATOR_KINDS: readonly EstimatorKind[] = ['ewc', 'online-ewc', 'si', 'mas'];

/** One optimiser step as SI sees it; all borrowed. */
export interface StepRecord {
  /** Slow parameters before the step. */
  readonly prev: ReadonlyMap<string, tf.Tensor>;
  /** Gradients of the unregularised task loss at `prev` (METHODS.md: SI uses these, not the penalty's). */
  readonly grads: ReadonlyMap<string, tf.Tensor>;
  /** Slow parameters after the step. */
  readonly current: ReadonlyMap<string, tf.Tensor>;
}

/** What endTask measures on: the finished task's outputs and samples (batches are consumed and disposed). */
export interface TaskData {
  readonly outputs: TaskOutputs;
  readonly batches: BatchIterator;
}

export type LoadedState = Map<string, { shape: readonly number[]; data: ArrayLike<number> }>;

export interface ImportanceEstimator {
  readonly kind: EstimatorKind;
  /** True when the trainer must call afterStep after every step (with a copy of the pre-step parameters). */
  readonly needsSteps: boolean;
  /** Tasks finished (endTask calls). */
  readonly tasksSeen: number;
  beginTask(params: ReadonlyMap<string, tf.Tensor>): void;
  afterStep(step: StepRecord): void;
  /** Consolidates the finished task; returns the importance now in force (borrowed, valid until the next endTask/dispose). */
  endTask(params: ReadonlyMap<string, tf.Tensor>, data: TaskData): ReadonlyMap<string, tf.Tensor>;
  /** The penalty's terms (borrowed); empty before the first endTask. */
  penaltyTerms(): readonly AnchorTerm[];
  /** Borrowed tensors, keyed `<kind>/…`. */
  stateTensors(): Map<string, tf.Tensor>;
  stateMeta(): Record<string, unknown>;
  loadState(tensors: LoadedState, meta: Record<string, unknown>): void;
  dispose(): void;
}

/** Copies of the parameters' current values (cheap: tensors are immutable, assign swaps data). */
export function snapshot(params: ReadonlyMap<string, tf.Tensor>): Map<string, tf.Tensor> {
  return new Map([...params].map(([n, p]) => [n, tf.clone(p)]));
}

export function disposeMap(map: ReadonlyMap<string, tf.Tensor> | null | undefined): void {
  if (map) for (const t of map.values()) t.dispose();
}

/** Per-sample statistic of the gradients, averaged over samples. */
export type SampleObjective =
  /** Mean over x of (∂ log p(y|x)/∂θ)², y = the sample's label: the empirical Fisher. */
  | 'fisher-empirical'
  /** Mean over x of Σ_c p(c|x)·(∂ log p(c|x)/∂θ)²: the exact (true) Fisher, k backward passes per sample. */
  | 'fisher-true'
  /** Mean over x of |∂‖f(x)‖²₂/∂θ|, f = logits: MAS, no labels used. */
  | 'mas';

/**
 * Mean over up to `maxSamples` samples of the per-sample statistic, one backward pass per sample
 * (k for 'fisher-true'). Per-sample gradients need a loop: the mean of squares is not the square
 * of the batch mean. Reads batches until `maxSamples` samples (disposing each); the rest of a
 * batch beyond the limit is skipped. Returns new tensors (caller owns).
 */
export function perSampleGradientMean(
  params: ReadonlyMap<string, tf.Variable>,
  data: TaskData,
  objective: SampleObjective,
  maxSamples: number,
): { mean: Map<string, tf.Tensor>; samples: number } {
  if (!Number.isInteger(maxSamples) || maxSamples < 1) throw new Error(`importance: samples = ${maxSamples} must be an integer ≥ 1`);
  const names = [...params.keys()];
  const vars = names.map((n) => params.get(n)!);
  const square = objective !== 'mas'; // Fisher: g²; MAS: |g|
  // Host backends (cpu, wasm) accumulate in typed arrays: one loop instead of tfjs binary ops (nn/host.ts).
  const host = useHostPath();
  const hostSums = host ? vars.map((v) => new Float32Array(v.size)) : [];
  let sums: tf.Tensor[] = host ? [] : vars.map((v) => tf.zerosLike(v));
  let count = 0;
  /** sums += weight·transform(∂loss/∂θ). `weight` is a number on host backends, a [1] tensor elsewhere. */
  const addGrads = (loss: () => tf.Scalar, weight: number | tf.Tensor) => {
    const { value, grads } = tf.variableGrads(loss, vars);
    const gs = names.map((n, i) => {
      const g = grads[vars[i].name];
      if (!g) throw new Error(`importance: no gradient for '${n}' (is it used by the task's outputs?)`);
      return g;
    });
    if (host) {
      const w = weight as number;
      gs.forEach((g, i) => {
        const gv = hostData(g);
        const acc = hostSums[i];
        if (square) for (let j = 0; j < acc.length; j++) acc[j] += w * gv[j] * gv[j];
        else for (let j = 0; j < acc.length; j++) acc[j] += w * Math.abs(gv[j]);
      });
    } else {
      const next = tf.tidy(() => gs.map((g, i) => tf.add(sums[i], tf.mul(square ? tf.square(g) : tf.abs(g), weight))));
      tf.dispose(sums);
      sums = next;
    }
    tf.dispose([value, ...Object.values(grads)]);
  };
  while (count < maxSamples) {
    const batch = data.batches.next();
    if (!batch) break;
    const n = Math.min(batch.x.shape[0], maxSamples - count);
    for (let i = 0; i < n; i++) {
      const xi = tf.slice(batch.x, [i], [1]);
      const yi = tf.slice(batch.y, [i], [1]) as tf.Tensor1D;
      if (objective === 'mas') {
        addGrads(() => tf.sum(tf.square(data.outputs.logits(xi))) as tf.Scalar, 1);
      } else if (objective === 'fisher-empirical') {
        const t = data.outputs.targets(yi); // [1, k]
        addGrads(() => tf.sum(tf.mul(t, tf.logSoftmax(data.outputs.logits(xi)))) as tf.Scalar, 1);
        t.dispose();
      } else {
        const p = tf.tidy(() => tf.softmax(data.outputs.logits(xi)).reshape([-1])); // [k], no gradient
        const pHost = host ? hostData(p) : null;
        for (let c = 0; c < p.shape[0]; c++) {
          const pc = pHost ? pHost[c] : tf.slice(p, [c], [1]);
          addGrads(() => tf.sum(tf.slice(tf.logSoftmax(data.outputs.logits(xi)), [0, c], [1, 1])) as tf.Scalar, pc);
          if (typeof pc !== 'number') pc.dispose();
        }
        p.dispose();
      }
      tf.dispose([xi, yi]);
    }
    count += n;
    tf.dispose([batch.x, batch.y]);
  }
  if (count === 0) {
    tf.dispose(sums);
    throw new Error('importance: the task data gave no samples');
  }
  const mean = host
    ? new Map(names.map((n, i) => [n, tf.tensor(hostSums[i].map((v) => v / count), vars[i].shape, 'float32')]))
    : new Map(names.map((n, i) => [n, tf.tidy(() => tf.div(sums[i], count))]));
  tf.dispose(sums);
  return { mean, samples: count };
}

/** Adds `<prefix><param>` entries for a map to a state map. */
export function putState(out: Map<string, tf.Tensor>, prefix: string, map: ReadonlyMap<string, tf.Tensor>): void {
  for (const [n, t] of map) out.set(`${prefix}${n}`, t);
}

/** Rebuilds a map of tensors from `<prefix><param>` state entries; every entry under the prefix is taken. */
export function takeState(tensors: LoadedState, prefix: string, where: string): Map<string, tf.Tensor> {
  const out = new Map<string, tf.Tensor>();
  for (const [k, v] of tensors) {
    if (!k.startsWith(prefix)) continue;
    const size = v.shape.reduce((a, b) => a * b, 1);
    if (v.data.length !== size) throw new Error(`${where}: state '${k}' has ${v.data.length} values for shape [${v.shape}]`);
    out.set(k.slice(prefix.length), tf.tensor(Float32Array.from(v.data), [...v.shape], 'float32'));
  }
  return out;
}

/**
 * Online EWC, SI and MAS keep one importance map and one anchor (the parameters at the end of the
 * last task): their single penalty term and its checkpoint entries `<prefix><key>/…`,
 * `<prefix>anchor/…`. (EWC keeps one pair per task: ewc.ts.)
 */
export function anchoredTerms(importance: ReadonlyMap<string, tf.Tensor> | null, anchor: ReadonlyMap<string, tf.Tensor> | null, coefficient: number): readonly AnchorTerm[] {
  return importance && anchor ? [{ importance, anchor, coefficient }] : [];
}

export function putAnchored(out: Map<string, tf.Tensor>, prefix: string, key: string, importance: ReadonlyMap<string, tf.Tensor> | null, anchor: ReadonlyMap<string, tf.Tensor> | null): void {
  if (!importance || !anchor) return;
  putState(out, `${prefix}${key}/`, importance);
  putState(out, `${prefix}anchor/`, anchor);
}

/** Reads what putAnchored wrote; `label` names the importance in errors (Ω, Fisher). */
export function takeAnchored(tensors: LoadedState, prefix: string, key: string, where: string, label: string): { importance: Map<string, tf.Tensor>; anchor: Map<string, tf.Tensor> } {
  const importance = takeState(tensors, `${prefix}${key}/`, where);
  const anchor = takeState(tensors, `${prefix}anchor/`, where);
  if (importance.size === 0 || importance.size !== anchor.size) {
    disposeMap(importance);
    disposeMap(anchor);
    throw new Error(`${where}: state has ${importance.size} ${label} and ${anchor.size} anchor tensors`);
  }
  return { importance, anchor };
}

/** Reads a non-negative integer from estimator metadata, naming the field when it is bad. */
export function metaCount(meta: Record<string, unknown>, field: string, where: string): number {
  const v = meta[field];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw new Error(`${where}: state metadata '${field}' = ${JSON.stringify(v)} must be an integer ≥ 0`);
  return v;
}
