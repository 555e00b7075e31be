/**
 * Continual-learning benchmarks of METHODS.md §4 as pure, seeded data transforms: each returns a
 * TaskSequence of views over the datasets it is given (no pixel copies; maps applied per batch).
 *
 *   const seq = permutedTasks(train, test, { tasks: 10, seed: 1 });     // P-MNIST
 *   const seq = splitTasks(train, test);                               // Split MNIST, 5 heads
 *   const seq = imbalancedPermutedTasks(train, test, { tasks: 10, seed: 1 });
 *   // or, reading the packaged MNIST: await loadMnistBenchmark('permuted', { tasks: 10, seed: 1 })
 *
 * Labels: every view stores global class ids. A multi-head sequence gives each task a `head`
 * (its classes in order); `iterateBatches(view, { head: task.head.classes })` yields y as the
 * position in the head (0/1 for Split MNIST), which is what a model with one small output layer
 * per task needs; a model with one shared output layer masked to the head's columns uses the
 * global ids (omit `head`). Single-head sequences (P-MNIST) have no `head`: y is the digit.
 */

import { Rng } from '../../core/rng';
import { type ImageDataset, type Split, classCounts, imageSize } from '../images/dataset';
import { type DatasetView, type ImageShape, makeView } from '../images/view';
import { type LoadVisionOptions, loadVisionDataset } from './packaged';

export interface TaskHead {
  /** index of the head (output layer) this task trains and is evaluated with. */
  index: number;
  /** global class ids of the head's outputs, in output order. */
  classes: number[];
}

export interface Task {
  /** 0-based position in the sequence. */
  id: number;
  name: string;
  train: DatasetView;
  test: DatasetView;
  /** global class ids present in the task. */
  classes: number[];
  head?: TaskHead;
}

export interface TaskSequence {
  name: string;
  tasks: Task[];
  /** size of the global label space (10 for MNIST benchmarks, 50 for the 5-task mixture). */
  numClasses: number;
  /** names of the global classes. */
  classNames: string[];
  multiHead: boolean;
  inputShape: ImageShape;
}

function checkPair(train: ImageDataset, test: ImageDataset): void {
  if (train.height !== test.height || train.width !== test.width || train.channels !== test.channels) {
    throw new Error(`train ${train.height}×${train.width}×${train.channels} and test ${test.height}×${test.width}×${test.channels} shapes differ`);
  }
}

/**
 * The pixel permutations of a permuted benchmark: task 0 is the identity, task t ≥ 1 is a
 * Fisher–Yates shuffle drawn from Rng(seed).fork('permutation', t). Entry t maps output pixel j to
 * input pixel perm[t][j]. The same permutation is used for a task's train and test images.
 */
export function taskPermutations(tasks: number, pixels: number, seed: number): Int32Array[] {
  if (!Number.isInteger(tasks) || tasks < 1) throw new Error(`option 'tasks' must be a positive integer, got ${tasks}`);
  const out: Int32Array[] = [];
  for (let t = 0; t < tasks; t++) {
    const p = Int32Array.from({ length: pixels }, (_, i) => i);
    if (t > 0) {
      const rng = new Rng(seed).fork('permutation', t);
      for (let i = pixels - 1; i > 0; i--) {
        const j = rng.int(i + 1);
        const s = p[i];
        p[i] = p[j];
        p[j] = s;
      }
    }
    out.push(p);
  }
  return out;
}

export interface PermutedOptions {
  /** number of tasks T (METHODS.md §4: 10). */
  tasks?: number;
  seed: number;
}

/** Permuted MNIST: T tasks over all 10 classes, one shared 10-way head; task 1 unpermuted. */
export function permutedTasks(train: ImageDataset, test: ImageDataset, opts: PermutedOptions): TaskSequence {
  checkPair(train, test);
  const T = opts.tasks ?? 10;
  const perms = taskPermutations(T, imageSize(train), opts.seed);
  const classes = train.classes.map((_, c) => c);
  const tasks = perms.map((p, t): Task => ({
    id: t,
    name: t === 0 ? `${train.name} (unpermuted)` : `${train.name} permutation ${t}`,
    train: makeView(train, { pixelMap: t === 0 ? null : p }),
    test: makeView(test, { pixelMap: t === 0 ? null : p }),
    classes,
  }));
  return { name: `permuted-${train.name}`, tasks, numClasses: classes.length, classNames: [...train.classes], multiHead: false, inputShape: shapeOf(train) };
}

export type ImbalancedOptions = PermutedOptions;

export interface ImbalancedSequence extends TaskSequence {
  /** dropProbability[t][c]: the probability with which each training image of class c was dropped in task t. */
  dropProbability: number[][];
}

/**
 * Imbalanced Permuted MNIST (METHODS.md §4, rule marked [U] there): the P-MNIST tasks (same
 * permutations for the same seed), but in each task t every class c gets a drop probability
 * p[t][c] ~ U(0, 1) (Rng(seed).fork('imbalance', t), classes in order) and each training image of
 * class c is dropped with probability p[t][c] (Rng(seed).fork('drop', t), images in order).
 * Test sets are kept whole, so accuracy is measured on the balanced test data.
 */
export function imbalancedPermutedTasks(train: ImageDataset, test: ImageDataset, opts: ImbalancedOptions): ImbalancedSequence {
  const base = permutedTasks(train, test, opts);
  const k = train.classes.length;
  const dropProbability: number[][] = [];
  const tasks = base.tasks.map((task, t): Task => {
    const pr = new Rng(opts.seed).fork('imbalance', t);
    const p = Array.from({ length: k }, () => pr.uniform());
    dropProbability.push(p);
    const dr = new Rng(opts.seed).fork('drop', t);
    const keep: number[] = [];
    for (let i = 0; i < train.n; i++) if (dr.uniform() >= p[train.labels[i]]) keep.push(i);
    return { ...task, name: `${task.name}, imbalanced`, train: makeView(train, { rows: keep, pixelMap: task.train.pixelMap }) };
  });
  return { ...base, name: `imbalanced-permuted-${train.name}`, tasks, dropProbability };
}

export interface SplitOptions {
  /** class groups, one task each (METHODS.md §4: {0,1}, {2,3}, {4,5}, {6,7}, {8,9}). */
  groups?: number[][];
}

export const SPLIT_MNIST_GROUPS: readonly (readonly number[])[] = [[0, 1], [2, 3], [4, 5], [6, 7], [8, 9]];

/** Split MNIST: one task per class group, each with its own head over the group's classes. */
export function splitTasks(train: ImageDataset, test: ImageDataset, opts: SplitOptions = {}): TaskSequence {
  checkPair(train, test);
  const groups = (opts.groups ?? SPLIT_MNIST_GROUPS).map((g) => [...g]);
  const k = train.classes.length;
  const seen = new Set<number>();
  for (const g of groups) {
    for (const c of g) {
      if (!(Number.isInteger(c) && c >= 0 && c < k)) throw new Error(`option 'groups': class ${c} is not a class of ${train.name} (0..${k - 1})`);
      if (seen.has(c)) throw new Error(`option 'groups': class ${c} is in more than one task`);
      seen.add(c);
    }
  }
  const rowsOf = (ds: ImageDataset, g: number[]): number[] => {
    const out: number[] = [];
    for (let i = 0; i < ds.n; i++) if (g.includes(ds.labels[i])) out.push(i);
    return out;
  };
  const tasks = groups.map((g, t): Task => ({
    id: t,
    name: `${train.name} classes ${g.map((c) => train.classes[c]).join('/')}`,
    train: makeView(train, { rows: rowsOf(train, g) }),
    test: makeView(test, { rows: rowsOf(test, g) }),
    classes: g,
    head: { index: t, classes: g },
  }));
  return { name: `split-${train.name}`, tasks, numClasses: k, classNames: [...train.classes], multiHead: true, inputShape: shapeOf(train) };
}

function shapeOf(ds: ImageDataset): ImageShape {
  return { height: ds.height, width: ds.width, channels: ds.channels };
}

/** Class counts of a view (by global id), e.g. to check an imbalanced task. */
export function viewClassCounts(view: DatasetView, numClasses: number): number[] {
  return classCounts(view.labels, numClasses);
}

export type MnistBenchmark = 'permuted' | 'imbalanced-permuted' | 'split';

export interface MnistBenchmarkOptions {
  tasks?: number;
  seed?: number;
  dataset?: 'mnist' | 'fashion-mnist';
  /** subsets per split (see loadVisionDataset); for quick runs and tests. */
  limit?: Partial<Record<Split, number>>;
  idxDir?: LoadVisionOptions['idxDir'];
}

/** A benchmark over the packaged MNIST (or Fashion-MNIST). */
export async function loadMnistBenchmark(kind: MnistBenchmark, opts: MnistBenchmarkOptions = {}): Promise<TaskSequence> {
  const name = opts.dataset ?? 'mnist';
  const seed = opts.seed ?? 0;
  const load = (split: Split) => loadVisionDataset(name, split, { limit: opts.limit?.[split], seed: opts.limit?.[split] ? seed : undefined, idxDir: opts.idxDir });
  const [train, test] = await Promise.all([load('train'), load('test')]);
  if (kind === 'permuted') return permutedTasks(train, test, { tasks: opts.tasks, seed });
  if (kind === 'imbalanced-permuted') return imbalancedPermutedTasks(train, test, { tasks: opts.tasks, seed });
  if (kind === 'split') return splitTasks(train, test);
  throw new Error(`loadMnistBenchmark: unknown benchmark '${kind as string}' (known: permuted, imbalanced-permuted, split)`);
}
