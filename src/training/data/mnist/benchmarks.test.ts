/**
 * The METHODS.md §4 benchmarks on the real packaged MNIST: permutation properties, Split-MNIST
 * task contents against MNIST's published per-digit counts, the imbalance rule's proportions, and
 * a full seeded epoch of batches without tensor leaks.
 */

import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../core/rng';
import { iterateBatches } from '../images/batches';
import { type ImageDataset, classCounts } from '../images/dataset';
import { gatherPixels } from '../images/view';
import { imbalancedPermutedTasks, loadMnistBenchmark, permutedTasks, splitTasks, taskPermutations, viewClassCounts } from './benchmarks';
import { loadVisionDataset } from './packaged';

let train: ImageDataset;
let test: ImageDataset;
beforeAll(async () => {
  [train, test] = await Promise.all([loadVisionDataset('mnist', 'train'), loadVisionDataset('mnist', 'test')]);
});

const TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949];
const TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009];

describe('Permuted MNIST', () => {
  it('task 1 is the identity; the others are seeded bijections of the 784 pixels, all different', () => {
    const perms = taskPermutations(10, 784, 42);
    const identity = Array.from({ length: 784 }, (_, i) => i);
    expect(Array.from(perms[0])).toEqual(identity);
    for (const p of perms) expect(Array.from(p).sort((a, b) => a - b)).toEqual(identity); // bijection
    for (let s = 1; s < 10; s++) {
      const fixed = perms[s].filter((v, j) => v === j).length;
      expect(fixed).toBeLessThan(10); // a random permutation fixes ~1 pixel on average
      for (let t = 0; t < s; t++) expect(Array.from(perms[s])).not.toEqual(Array.from(perms[t]));
    }
    const again = taskPermutations(10, 784, 42);
    const other = taskPermutations(10, 784, 43);
    expect(again.map((p) => Array.from(p))).toEqual(perms.map((p) => Array.from(p)));
    expect(Array.from(other[1])).not.toEqual(Array.from(perms[1]));
  });

  it('train and test of a task share one permutation, applied as out[j] = in[perm[j]]', () => {
    const seq = permutedTasks(train, test, { tasks: 3, seed: 1 });
    expect(seq.tasks.map((t) => [t.train.n, t.test.n])).toEqual([[60000, 10000], [60000, 10000], [60000, 10000]]);
    expect(seq.tasks[0].train.pixelMap).toBeNull();
    const t2 = seq.tasks[2];
    expect(t2.test.pixelMap).toBe(t2.train.pixelMap);
    const perm = t2.train.pixelMap as Int32Array;
    const got = gatherPixels(t2.test, [0]);
    for (const j of [0, 100, 400, 783]) expect(got[j]).toBeCloseTo(test.images[perm[j]] / 255, 6);
    expect(seq.multiHead).toBe(false);
    expect(seq.tasks[1].classes).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(train.images.byteLength).toBe(47040000); // one copy of the pixels behind all tasks
  });
});

describe('Split MNIST', () => {
  it('five two-class tasks with exactly their classes and the real counts', () => {
    const seq = splitTasks(train, test);
    expect(seq.tasks.map((t) => t.classes)).toEqual([[0, 1], [2, 3], [4, 5], [6, 7], [8, 9]]);
    expect(seq.tasks.map((t) => t.head)).toEqual([0, 1, 2, 3, 4].map((i) => ({ index: i, classes: [2 * i, 2 * i + 1] })));
    // e.g. task {0, 1}: 5923 + 6742 = 12665 train, 980 + 1135 = 2115 test
    expect(seq.tasks.map((t) => t.train.n)).toEqual([12665, 12089, 11263, 12183, 11800]);
    expect(seq.tasks.map((t) => t.test.n)).toEqual([2115, 2042, 1874, 1986, 1983]);
    for (const [i, t] of seq.tasks.entries()) {
      const tr = viewClassCounts(t.train, 10);
      const te = viewClassCounts(t.test, 10);
      tr.forEach((c, k) => expect(c).toBe(t.classes.includes(k) ? TRAIN_COUNTS[k] : 0));
      te.forEach((c, k) => expect(c).toBe(t.classes.includes(k) ? TEST_COUNTS[k] : 0));
      expect(t.name).toBe(`mnist classes ${2 * i}/${2 * i + 1}`);
    }
  });

  it('one epoch of a task: every image once, head labels 0/1 matching the digits, no tensor left', () => {
    const task = splitTasks(train, test).tasks[2]; // digits 4 and 5
    const before = tf.memory().numTensors;
    let n = 0;
    let ones = 0;
    const seen = new Uint8Array(task.train.n);
    for (const b of iterateBatches(task.train, { batchSize: 1000, seed: 3, epoch: 0, head: task.head?.classes })) {
      const y = b.y.dataSync();
      b.rows.forEach((r, i) => {
        seen[r]++;
        expect(y[i]).toBe(task.train.labels[r] - 4);
      });
      for (const v of y) ones += v;
      n += b.size;
      tf.dispose([b.x, b.y]);
    }
    expect(n).toBe(11263);
    expect(seen.every((s) => s === 1)).toBe(true);
    expect(ones).toBe(TRAIN_COUNTS[5]); // label 1 ⇔ digit 5: 5421 of them
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('imbalanced Permuted MNIST', () => {
  it('drops each training image of class c in task t with p[t][c] ~ U(0,1); test sets stay whole', () => {
    const seed = 5;
    const seq = imbalancedPermutedTasks(train, test, { tasks: 4, seed });
    const plain = permutedTasks(train, test, { tasks: 4, seed });
    for (const [t, task] of seq.tasks.entries()) {
      // the rule's probabilities: ten draws of Rng(seed).fork('imbalance', t)
      const r = new Rng(seed).fork('imbalance', t);
      const p = Array.from({ length: 10 }, () => r.uniform());
      expect(seq.dropProbability[t]).toEqual(p);
      const kept = viewClassCounts(task.train, 10);
      for (let c = 0; c < 10; c++) {
        // kept ~ Binomial(n_c, 1 − p): within 5 standard deviations (+1 for rounding)
        const mean = TRAIN_COUNTS[c] * (1 - p[c]);
        const sd = Math.sqrt(TRAIN_COUNTS[c] * p[c] * (1 - p[c]));
        expect(Math.abs(kept[c] - mean)).toBeLessThanOrEqual(5 * sd + 1);
      }
      expect(task.test.n).toBe(10000);
      expect(classCounts(task.test.labels, 10)).toEqual(TEST_COUNTS);
      // same permutations as P-MNIST with the same seed
      if (t === 0) expect(task.train.pixelMap).toBeNull();
      else expect(Array.from(task.train.pixelMap as Int32Array)).toEqual(Array.from(plain.tasks[t].train.pixelMap as Int32Array));
    }
    // tasks are imbalanced differently
    const ratios = seq.tasks.map((t) => viewClassCounts(t.train, 10));
    expect(ratios[0]).not.toEqual(ratios[1]);
    const again = imbalancedPermutedTasks(train, test, { tasks: 4, seed });
    expect(Array.from(again.tasks[3].train.rows)).toEqual(Array.from(seq.tasks[3].train.rows));
  });
});

describe('loadMnistBenchmark', () => {
  it('builds from the packaged data with seeded subsets', async () => {
    const seq = await loadMnistBenchmark('split', { seed: 2, limit: { train: 1000, test: 500 } });
    expect(seq.tasks.reduce((a, t) => a + t.train.n, 0)).toBe(1000);
    expect(seq.tasks.reduce((a, t) => a + t.test.n, 0)).toBe(500);
    await expect(loadMnistBenchmark('rotated' as never)).rejects.toThrow(/unknown benchmark 'rotated'/);
  });
});
