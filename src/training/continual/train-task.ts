/**
 * Training on one task of a continual sequence, consolidating it, and evaluating it.
 *
 * One step (all tensor work synchronous, nothing kept but the two scalars it returns):
 *   1. forward in training mode: a DHP head updates its trace from the batch labels first
 *   2. g = ∇ CE over this task's outputs (`classes`; all when omitted) for every trainable parameter
 *   3. slow parameters get + ∂P/∂θ of the anchor penalty P = λ·Σ c·Ω(θ − θ*)² (penalty.ts),
 *      from the estimator's terms of the previous tasks; α and η never do
 *   4. the optimiser step; the new Hebbian trace is committed (no gradient is carried over)
 *   5. SI: the estimator sees (θ before, g of the unregularised loss, θ after)
 * Losses are read from the device every `readEvery` steps in one batch (no per-step sync).
 *
 * Usage, per task i:
 *   const r = await trainTask({ model, batches, optimizer, classes, estimator, lambda });
 *   consolidateTask(model, estimator, { batches: sampleBatches, classes });
 *   R[i] = await Promise.all(tasks.map((t) => evaluateAccuracy(model, t.testBatches, t.classes)));
 */
import * as tf from '@tensorflow/tfjs';
import { gradsByParamName } from '../core/params';
import type { Batch, BatchIterator } from './batches';
import { softmaxCrossEntropy, taskTargets, type ContinualClassifier } from './classifier';
import { snapshot, disposeMap, type ImportanceEstimator } from './importance';
import { addPenalty } from './penalty';
import type { Optimizer } from '../core/optimizer';

export interface TrainTaskOptions {
  readonly model: ContinualClassifier;
  /** This task's training batches (consumed; each batch is disposed after its step). */
  readonly batches: BatchIterator;
  readonly optimizer: Optimizer;
  /** This task's classes (multi-head); omitted = all outputs (single head). */
  readonly classes?: readonly number[];
  readonly estimator?: ImportanceEstimator | null;
  /** Penalty strength λ (SI's c); 0 or no estimator = fine-tuning. */
  readonly lambda?: number;
  /** Stop after this many steps even if batches remain. */
  readonly maxSteps?: number;
  /** Read losses from the device every this many steps (default 50). */
  readonly readEvery?: number;
  /** Called after each read with the steps read since the last call. */
  readonly onProgress?: (steps: readonly StepLog[]) => void;
  /** Checked between steps (takes effect at the next read). */
  readonly signal?: AbortSignal;
  /** Call estimator.beginTask first (default true; false when resuming mid-task). */
  readonly beginTask?: boolean;
}

export interface StepLog {
  step: number; // 0-based within the task
  loss: number; // cross-entropy on the batch (this task's outputs)
  penalty: number; // λ·Σ c·Ω(θ − θ*)² at the step's start (0 without terms)
}

export interface TrainTaskResult {
  steps: number;
  losses: number[];
  penalties: number[];
  stopped: boolean;
}

/** One update on one batch (borrowed); returns the batch loss and penalty (caller disposes). */
export function trainStep(opts: Pick<TrainTaskOptions, 'model' | 'optimizer' | 'classes' | 'estimator' | 'lambda'>, batch: Batch): { loss: tf.Scalar; penalty: tf.Scalar } {
  const { model, optimizer, classes } = opts;
  const estimator = opts.estimator ?? null;
  const lambda = opts.lambda ?? 0;
  const prev = estimator?.needsSteps ? snapshot(model.slow) : null;
  let hebb: tf.Tensor | null = null;
  const { value: loss, grads } = tf.variableGrads(() => {
    const out = model.forward(batch.x, { labels: batch.y, classes });
    if (out.hebb) hebb = tf.keep(out.hebb);
    return softmaxCrossEntropy(out.logits, taskTargets(batch.y, model.numClasses, classes));
  }, [...model.named.values()]);
  const g = gradsByParamName(model.named, grads);
  const terms = estimator && lambda > 0 ? estimator.penaltyTerms() : [];
  let penalty: tf.Scalar;
  let total: Map<string, tf.Tensor> = g;
  if (terms.length > 0) {
    const r = addPenalty(model.slow, g, terms, lambda);
    penalty = r.value;
    total = r.grads;
  } else {
    penalty = tf.scalar(0);
  }
  optimizer.apply(total);
  if (total !== g) tf.dispose([...total.values()]);
  if (hebb) {
    model.trace!.commit(hebb);
    (hebb as tf.Tensor).dispose();
  }
  if (prev && estimator) {
    estimator.afterStep({ prev, grads: new Map([...model.slow.keys()].map((n) => [n, g.get(n)!])), current: model.slow });
    disposeMap(prev);
  }
  tf.dispose(Object.values(grads));
  return { loss, penalty };
}

export async function trainTask(opts: TrainTaskOptions): Promise<TrainTaskResult> {
  const readEvery = opts.readEvery ?? 50;
  if (!Number.isInteger(readEvery) || readEvery < 1) throw new Error(`trainTask: readEvery = ${readEvery} must be an integer ≥ 1`);
  const lambda = opts.lambda ?? 0;
  if (!(lambda >= 0) || !Number.isFinite(lambda)) throw new Error(`trainTask: lambda = ${lambda} must be a finite number ≥ 0`);
  const maxSteps = opts.maxSteps ?? Infinity;
  if (opts.estimator && opts.beginTask !== false) opts.estimator.beginTask(opts.model.slow);

  const losses: number[] = [];
  const penalties: number[] = [];
  let pending: { loss: tf.Scalar; penalty: tf.Scalar }[] = [];
  const flush = async () => {
    if (pending.length === 0) return;
    const stacked = tf.tidy(() => tf.stack(pending.flatMap((p) => [p.loss, p.penalty])));
    const values = await stacked.data();
    stacked.dispose();
    const first = losses.length;
    for (let i = 0; i < pending.length; i++) {
      losses.push(values[2 * i]);
      penalties.push(values[2 * i + 1]);
    }
    pending.forEach((p) => tf.dispose([p.loss, p.penalty]));
    pending = [];
    const bad = losses.findIndex((v, i) => i >= first && !Number.isFinite(v + penalties[i]));
    if (bad >= 0) {
      throw new Error(`trainTask: the loss is not finite at step ${bad} (loss ${losses[bad]}, penalty ${penalties[bad]}); lr ${opts.optimizer.settings.lr} may be too large for λ = ${lambda} and these importances`);
    }
    opts.onProgress?.(losses.slice(first).map((loss, i) => ({ step: first + i, loss, penalty: penalties[first + i] })));
  };

  let steps = 0;
  let stopped = false;
  while (steps < maxSteps) {
    if (opts.signal?.aborted) {
      stopped = true;
      break;
    }
    const batch = opts.batches.next();
    if (!batch) break;
    try {
      pending.push(trainStep({ ...opts, lambda }, batch));
    } finally {
      tf.dispose([batch.x, batch.y]);
    }
    steps += 1;
    if (pending.length >= readEvery) await flush();
  }
  await flush();
  return { steps, losses, penalties, stopped };
}

/** Ends the task for the estimator: importance and anchor from `batches` of the finished task. */
export function consolidateTask(model: ContinualClassifier, estimator: ImportanceEstimator, data: { batches: BatchIterator; classes?: readonly number[] }): ReadonlyMap<string, tf.Tensor> {
  return estimator.endTask(model.slow, { outputs: model.taskOutputs(data.classes), batches: data.batches });
}

/**
 * Accuracy on a task: argmax over its outputs (`classes`; all when omitted) against the label,
 * inference mode (DHP: the current trace, unchanged). Consumes and disposes the batches; one read
 * at the end. A label outside `classes` is an error (it has no output to be right on).
 */
export async function evaluateAccuracy(model: ContinualClassifier, batches: BatchIterator, classes?: readonly number[]): Promise<number> {
  const outputs = model.taskOutputs(classes);
  let counts: tf.Tensor1D = tf.zeros([2]); // [correct, labels inside classes]
  let n = 0;
  for (let b = batches.next(); b !== null; b = batches.next()) {
    const batch = b;
    const next = tf.tidy(() => {
      const targets = outputs.targets(batch.y); // [B, k], zero rows for labels outside classes
      const valid = tf.sum(targets, 1);
      const hit = tf.mul(tf.cast(tf.equal(tf.argMax(outputs.logits(batch.x), 1), tf.argMax(targets, 1)), 'float32'), valid);
      return tf.add(counts, tf.stack([tf.sum(hit), tf.sum(valid)])) as tf.Tensor1D;
    });
    counts.dispose();
    counts = next;
    n += batch.x.shape[0];
    tf.dispose([batch.x, batch.y]);
  }
  const [correct, valid] = Array.from(await counts.data());
  counts.dispose();
  if (n === 0) throw new Error('evaluateAccuracy: no samples');
  if (valid !== n) throw new Error(`evaluateAccuracy: ${n - valid} of ${n} labels are not among this task's classes [${classes?.join(', ')}]`);
  return correct / n;
}
