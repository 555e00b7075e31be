import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { Rng } from '../core/rng';
import { mlpConfig } from '../models/mlp';
import { arrayBatches, type Batch } from './batches';
import { mlpClassifier, softmaxCrossEntropy, taskTargets, type ContinualClassifier, type HeadKind } from './classifier';
import { createEstimator } from './estimators';
import { forceHostPath, useHostPath } from './host-path';
import type { EstimatorKind, ImportanceEstimator, StepRecord } from './importance';
import { createOptimizer } from '../core/optimizer';
import { consolidateTask, evaluateAccuracy, trainStep, trainTask } from './train-task';

const read = (t: tf.Tensor): number[] => Array.from(t.dataSync());
const tiny = (head: HeadKind, classes = 3, seed = 0) => mlpClassifier(mlpConfig({ inputSize: 2, hiddenSizes: [4], numClasses: classes }), head, new Rng(seed));
const batchOf = (x: number[][], y: number[]): Batch => ({ x: tf.tensor2d(x), y: tf.tensor1d(y, 'int32') });

describe('ContinualClassifier', () => {
  it('regularises every weight but DHP’s α and η; the trace is not a parameter', () => {
    const dhp = tiny('dhp');
    expect([...dhp.named.keys()]).toEqual(['body.hidden.0.w', 'body.hidden.0.b', 'head.theta', 'head.alpha', 'head.eta']);
    expect([...dhp.slow.keys()]).toEqual(['body.hidden.0.w', 'body.hidden.0.b', 'head.theta']);
    expect(dhp.trace!.value.trainable).toBe(false);
    const soft = tiny('softmax');
    expect([...soft.slow.keys()]).toEqual(['body.hidden.0.w', 'body.hidden.0.b', 'head.w', 'head.b']);
    expect(soft.trace).toBeNull();
    expect(() => tiny('hebb' as never)).toThrow(/head = 'hebb' must be one of softmax, dhp/);
    dhp.dispose();
    soft.dispose();
  });

  it("softmaxInitFan 'out' rescales the same head weights to U(±1/√classes); the bias and body do not change", () => {
    const cfg = mlpConfig({ inputSize: 3, hiddenSizes: [16], numClasses: 4 });
    const a = mlpClassifier(cfg, 'softmax', new Rng(7));
    const b = mlpClassifier(cfg, 'softmax', new Rng(7), { softmaxInitFan: 'out' });
    const w = (m: ContinualClassifier, n: string) => read(m.named.get(n)!);
    const wa = w(a, 'head.w');
    const wb = w(b, 'head.w');
    wb.forEach((v, i) => expect(v).toBeCloseTo(wa[i] * Math.sqrt(16 / 4), 5)); // 1/√4 over 1/√16
    expect(Math.max(...wb.map(Math.abs))).toBeLessThanOrEqual(0.5);
    expect(Math.max(...wb.map(Math.abs))).toBeGreaterThan(0.25); // 64 draws reach past half the bound
    expect(w(b, 'head.b')).toEqual(w(a, 'head.b'));
    expect(w(b, 'body.hidden.0.w')).toEqual(w(a, 'body.hidden.0.w'));
    expect(() => mlpClassifier(cfg, 'softmax', new Rng(7), { softmaxInitFan: 'x' as never })).toThrow(/softmaxInitFan = 'x' must be 'in' or 'out'/);
    [a, b].forEach((m) => m.dispose());
  });

  it('evaluates accuracy by hand, on all outputs and on a task’s head; a label outside the head is an error', async () => {
    // h = relu(x·W0) = [relu(x0), relu(x1), relu(−x0), relu(−x1)]; head picks h0, h1, h2 as the class-0/1/2 scores.
    const model = tiny('softmax', 3);
    const set = (n: string, v: number[]) => tf.tidy(() => model.named.get(n)!.assign(tf.tensor(v, model.named.get(n)!.shape)));
    set('body.hidden.0.w', [1, 0, -1, 0, 0, 1, 0, -1]);
    set('body.hidden.0.b', [0, 0, 0, 0]);
    set('head.w', [1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0]);
    set('head.b', [0, 0, 0]);
    // x: [2, 1] → scores [2, 1, 0]; [0.5, 3] → [0.5, 3, 0]; [−1, 0] → [0, 0, 1]; [1, 0] → [1, 0, 0]
    const x = new Float32Array([2, 1, 0.5, 3, -1, 0, 1, 0]);
    // all outputs, labels [0, 1, 2, 1]: predictions [0, 1, 2, 0] → 3/4
    expect(await evaluateAccuracy(model, arrayBatches(x, [0, 1, 2, 1], 2, 3))).toBe(0.75);
    // head [1, 2], labels [1, 2, 2, 1]: scores [1, 0], [3, 0], [0, 1], [0, 0] → predictions [1, 1, 2, 1] (a tie takes the first) → 3/4
    expect(await evaluateAccuracy(model, arrayBatches(x, [1, 2, 2, 1], 2, 2), [1, 2])).toBe(0.75);
    await expect(evaluateAccuracy(model, arrayBatches(x, [0, 2, 2, 1], 2, 2), [1, 2])).rejects.toThrow(/1 of 4 labels are not among this task's classes \[1, 2\]/);
    model.dispose();
  });

  it('saves and restores parameters and the Hebbian trace; reports the plastic norms', async () => {
    const a = tiny('dhp', 3, 1);
    const b = batchOf([[1, 2], [-1, 0.5]], [0, 2]);
    const optimizer = createOptimizer(a.named, { kind: 'sgd', lr: 0.1 }, { hostLoop: useHostPath });
    const r = trainStep({ model: a, optimizer }, b);
    const saved = new Map([...a.stateTensors()].map(([k, t]) => [k, { shape: t.shape, data: t.dataSync().slice() }]));
    expect(saved.has('dhp/hebb')).toBe(true);
    const c = tiny('dhp', 3, 2);
    c.loadState(saved);
    for (const [k, v] of a.stateTensors()) expect(read(c.stateTensors().get(k)!)).toEqual(read(v));
    const norms = (await a.plasticNorms())!;
    expect(norms).toHaveLength(3);
    expect(norms[1]).toBe(0); // class 1 was not in the batch: its trace column is still 0
    expect(norms[0]).toBeGreaterThan(0);
    const soft = tiny('softmax');
    expect(await soft.plasticNorms()).toBeNull();
    soft.dispose();
    saved.delete('head.alpha');
    expect(() => c.loadState(saved)).toThrow(/missing parameter 'head.alpha'/);
    tf.dispose([b.x, b.y, r.loss, r.penalty]);
    a.dispose();
    c.dispose();
  });
});

describe('trainStep', () => {
  it('DHP: the trace moves only on the batch’s classes, is committed, and is never reset by a new task', () => {
    const model = tiny('dhp', 4);
    const optimizer = createOptimizer(model.named, { kind: 'sgd', lr: 0.01 }, { hostLoop: useHostPath });
    const hebb = () => read(model.trace!.value); // [m = 4, d = 4] row-major: column c = entries c, c+4, c+8, c+12
    const col = (v: number[], c: number) => [0, 1, 2, 3].map((r) => v[r * 4 + c]);
    // Task 1 (classes 0, 1; multi-head), one step.
    const b1 = batchOf([[1, 2], [-1, 0.5], [2, -1]], [0, 1, 0]);
    const r1 = trainStep({ model, optimizer, classes: [0, 1] }, b1);
    const after1 = hebb();
    expect(col(after1, 0).some((v) => v !== 0)).toBe(true);
    expect(col(after1, 2).every((v) => v === 0) && col(after1, 3).every((v) => v === 0)).toBe(true);
    // Task 2 (classes 2, 3): columns 0 and 1 keep their values exactly; column 2 moves.
    const b2 = batchOf([[0.5, 0.5], [1, 1]], [2, 2]);
    const r2 = trainStep({ model, optimizer, classes: [2, 3] }, b2);
    const after2 = hebb();
    expect(col(after2, 0)).toEqual(col(after1, 0));
    expect(col(after2, 1)).toEqual(col(after1, 1));
    expect(col(after2, 2).some((v) => v !== 0)).toBe(true);
    expect(col(after2, 3).every((v) => v === 0)).toBe(true);
    tf.dispose([b1.x, b1.y, b2.x, b2.y, r1.loss, r1.penalty, r2.loss, r2.penalty]);
    model.dispose();
  });

  it('adds the penalty gradient to slow weights only and gives SI the unregularised gradient', () => {
    const model = tiny('dhp', 2, 3);
    const lr = 0.1;
    const lambda = 0.5;
    const optimizer = createOptimizer(model.named, { kind: 'sgd', lr }, { hostLoop: useHostPath });
    // A stub estimator: Ω = 1 on θ, anchor 0, c = 1 → P = λ·Σθ², ∂P/∂θ = 2λ·θ = θ; it records what afterStep sees.
    const theta = model.slow.get('head.theta')!;
    const term = { importance: new Map([['head.theta', tf.onesLike(theta)]]), anchor: new Map([['head.theta', tf.zerosLike(theta)]]), coefficient: 1 };
    const seen: { grads: Map<string, number[]>; prev: number[]; current: number[] }[] = [];
    const spy: ImportanceEstimator = {
      kind: 'si',
      needsSteps: true,
      tasksSeen: 1,
      beginTask() {},
      afterStep(s: StepRecord) {
        seen.push({ grads: new Map([...s.grads].map(([n, g]) => [n, read(g)])), prev: read(s.prev.get('head.theta')!), current: read(s.current.get('head.theta')!) });
      },
      endTask: () => new Map(),
      penaltyTerms: () => [term],
      stateTensors: () => new Map(),
      stateMeta: () => ({}),
      loadState() {},
      dispose() {},
    };
    const batch = batchOf([[1, 2], [-1, 0.5]], [0, 1]);
    // Reference: the CE gradient alone, at the same parameters and trace (a forward pass never writes the trace).
    const ref = tf.variableGrads(() => {
      const out = model.forward(batch.x, { labels: batch.y });
      return softmaxCrossEntropy(out.logits, taskTargets(batch.y, 2));
    }, [...model.named.values()]);
    const gTheta = read(ref.grads[theta.name]);
    const gAlpha = read(ref.grads[model.named.get('head.alpha')!.name]);
    const theta0 = read(theta);
    const alpha0 = read(model.named.get('head.alpha')!);
    const { loss, penalty } = trainStep({ model, optimizer, estimator: spy, lambda }, batch);
    // P = λ·Σθ² at the step's start.
    expect(penalty.dataSync()[0]).toBeCloseTo(lambda * theta0.reduce((a, v) => a + v * v, 0), 5);
    expect(loss.dataSync()[0]).toBeCloseTo(ref.value.dataSync()[0], 6);
    // θ ← θ − lr·(g + θ); α ← α − lr·g (no penalty on α).
    read(theta).forEach((v, i) => expect(v).toBeCloseTo(theta0[i] - lr * (gTheta[i] + theta0[i]), 6));
    read(model.named.get('head.alpha')!).forEach((v, i) => expect(v).toBeCloseTo(alpha0[i] - lr * gAlpha[i], 6));
    // SI's record: slow parameters only, the CE gradient (not CE + penalty), θ before and after.
    expect(seen).toHaveLength(1);
    expect([...seen[0].grads.keys()]).toEqual(['body.hidden.0.w', 'body.hidden.0.b', 'head.theta']);
    seen[0].grads.get('head.theta')!.forEach((v, i) => expect(v).toBeCloseTo(gTheta[i], 6));
    expect(seen[0].prev).toEqual(theta0);
    expect(seen[0].current).toEqual(read(theta));
    tf.dispose([batch.x, batch.y, loss, penalty, ref.value, ...Object.values(ref.grads), ...term.importance.values(), ...term.anchor.values()]);
    model.dispose();
  });

  it('leaks no tensors: DHP + SI with a penalty in force, SGD and Adam, typed-array and tfjs-op paths', async () => {
    for (const [kind, host] of [['sgd', true], ['adam', true], ['sgd', false]] as const) {
      forceHostPath(host);
      const model = tiny('dhp', 3, 1);
      const estimator = createEstimator('si');
      const optimizer = createOptimizer(model.named, kind === 'sgd' ? { kind, lr: 0.05 } : { kind, lr: 0.01 }, { hostLoop: useHostPath });
      const x = new Float32Array([1, 2, -1, 0.5, 2, -1, 0, 1]);
      const y = [0, 1, 2, 1];
      await trainTask({ model, optimizer, estimator, lambda: 1, batches: arrayBatches(x, y, 2, 2) });
      consolidateTask(model, estimator, { batches: arrayBatches(x, y, 2, 4) });
      estimator.beginTask(model.slow);
      const warm = batchOf([[1, 1]], [2]);
      const w = trainStep({ model, optimizer, estimator, lambda: 1 }, warm);
      tf.dispose([warm.x, warm.y, w.loss, w.penalty]);
      const before = tf.memory().numTensors;
      const r = await trainTask({ model, optimizer, estimator, lambda: 1, batches: arrayBatches(x, y, 2, 2, { epochs: 2 }), readEvery: 3, beginTask: false });
      expect(r.steps).toBe(4);
      expect(r.penalties.every((p) => p > 0)).toBe(true);
      expect(tf.memory().numTensors).toBe(before);
      const acc = await evaluateAccuracy(model, arrayBatches(x, y, 2, 3));
      expect(tf.memory().numTensors).toBe(before);
      expect(acc * 4).toBeCloseTo(Math.round(acc * 4), 6); // a fraction of the 4 samples
      optimizer.dispose();
      estimator.dispose();
      model.dispose();
      forceHostPath(null);
    }
  });

  it('stops with a clear error when the loss diverges', async () => {
    const model = tiny('softmax', 2);
    const optimizer = createOptimizer(model.named, { kind: 'sgd', lr: 1e30 }, { hostLoop: useHostPath });
    const x = new Float32Array(40).map((_, i) => (i % 3) - 1);
    const y = Array.from({ length: 20 }, (_, i) => i % 2);
    await expect(trainTask({ model, optimizer, batches: arrayBatches(x, y, 2, 2, { epochs: 5 }) })).rejects.toThrow(/loss is not finite at step \d+/);
    model.dispose();
  });
});

// --- learning check -------------------------------------------------------------------------
// Two 2-class tasks in 4-D, generated with the project rng: features ~ N(0, 1) plus ±1.5 along the
// task's direction (+ for class 1), and a task cue x3 = +1 (task 1) / −1 (task 2). Task 1's direction
// is e0, task 2's is (−e0 + e1)/√2: learned alone, task 2 maps large x0 to the other class (the
// label-to-feature maps conflict), but with x1 and the cue an MLP can solve both.
const D = 4;
function gaussianTask(rng: Rng, dir: readonly number[], cue: number, n: number) {
  const x = new Float32Array(n * D);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = rng.int(2);
    y[i] = c;
    for (let k = 0; k < D; k++) x[i * D + k] = rng.normal() + (c ? 1.5 : -1.5) * dir[k];
    x[i * D + 3] = cue;
  }
  return { x, y };
}
const DIRS = [
  [1, 0, 0, 0],
  [-Math.SQRT1_2, Math.SQRT1_2, 0, 0],
];

/** Trains task 1 then task 2 (SGD 0.05, batch 32, 5 epochs of 512 samples); returns R and the task losses. */
async function twoTasks(head: HeadKind, estimatorKind: EstimatorKind | null, lambda: number) {
  const rng = new Rng(7);
  const train = DIRS.map((d, t) => gaussianTask(rng.fork('train', t), d, t ? -1 : 1, 512));
  const test = DIRS.map((d, t) => gaussianTask(rng.fork('test', t), d, t ? -1 : 1, 1000));
  const model: ContinualClassifier = mlpClassifier(mlpConfig({ inputSize: D, hiddenSizes: [16], numClasses: 2 }), head, rng.fork('model'));
  const estimator = estimatorKind ? createEstimator(estimatorKind, { samples: 256 }) : null;
  const R: number[][] = [];
  const losses: number[][] = [];
  for (let t = 0; t < 2; t++) {
    const optimizer = createOptimizer(model.named, { kind: 'sgd', lr: 0.05 }, { hostLoop: useHostPath });
    const r = await trainTask({ model, optimizer, estimator, lambda, batches: arrayBatches(train[t].x, train[t].y, D, 32, { rng: rng.fork('order', t), epochs: 5 }) });
    losses.push(r.losses);
    optimizer.dispose();
    if (estimator) consolidateTask(model, estimator, { batches: arrayBatches(train[t].x, train[t].y, D, 64) });
    const row: number[] = [];
    for (let j = 0; j <= t; j++) row.push(await evaluateAccuracy(model, arrayBatches(test[j].x, test[j].y, D, 500)));
    R.push(row);
  }
  model.dispose();
  estimator?.dispose();
  return { R, losses };
}

const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;

describe('learning check: two conflicting Gaussian tasks', () => {
  it('fine-tuning forgets task 1; EWC (λ 30), SI (c 0.3) and MAS (λ 0.3) keep measurably more, and still learn task 2', async () => {
    // Measured (cpu, seed 7): task-1 test accuracy after task 2: fine-tune 0.387, EWC 0.754, SI 0.639,
    // MAS 0.811; task 2: 0.923 / 0.917 / 0.926 / 0.908; task 1 right after training it: 0.928.
    const ft = await twoTasks('softmax', null, 0);
    const ewc = await twoTasks('softmax', 'ewc', 30);
    const si = await twoTasks('softmax', 'si', 0.3);
    const mas = await twoTasks('softmax', 'mas', 0.3);
    expect(ft.R[0][0]).toBeGreaterThan(0.9);
    expect(ft.R[1][0]).toBeLessThan(0.5); // forgetting ≥ 0.4
    expect(ewc.R[1][0]).toBeGreaterThan(ft.R[1][0] + 0.3);
    expect(si.R[1][0]).toBeGreaterThan(ft.R[1][0] + 0.2);
    expect(mas.R[1][0]).toBeGreaterThan(ft.R[1][0] + 0.3);
    for (const r of [ft, ewc, si, mas]) expect(r.R[1][1]).toBeGreaterThan(0.9);
  });

  it('DHP Softmax trains (the loss falls on both tasks) and combines with EWC', async () => {
    // Measured (cpu, seed 7; 80 steps per task): mean loss over the first 16 steps → the last 16:
    // task 1 0.561 → 0.242, task 2 0.895 → 0.177; accuracy 0.927 on task 1, then 0.922 on task 2
    // (and 0.368 on task 1: DHP alone, with no consolidation, forgets about as much as fine-tuning here).
    // DHP + EWC (λ 30): task 1 0.657 after task 2, task 2 0.922.
    const dhp = await twoTasks('dhp', null, 0);
    for (const l of dhp.losses) expect(mean(l.slice(-16))).toBeLessThan(0.6 * mean(l.slice(0, 16)));
    expect(dhp.R[0][0]).toBeGreaterThan(0.9);
    expect(dhp.R[1][1]).toBeGreaterThan(0.9);
    const dhpEwc = await twoTasks('dhp', 'ewc', 30);
    expect(dhpEwc.R[1][0]).toBeGreaterThan(dhp.R[1][0] + 0.2);
    expect(dhpEwc.R[1][1]).toBeGreaterThan(0.9);
  });
});
