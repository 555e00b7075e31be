import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { countParams, disposeParams, flattenParams } from '../core/params';
import { Rng } from '../core/rng';
import { applyLinearHead, applyMlp, classSelector, initMlp, mlpConfig, selectClasses, type MlpConfig } from './mlp';

const read = (t: tf.Tensor): number[] => Array.from(t.dataSync());

/** Sets every parameter of a tiny MLP by name. */
function setParams(params: ReturnType<typeof initMlp>, values: Record<string, number[]>): void {
  const named = flattenParams(params);
  for (const [n, v] of Object.entries(values)) tf.tidy(() => named.get(n)!.assign(tf.tensor(v, named.get(n)!.shape)));
}

describe('Mlp config', () => {
  it('validates, naming the bad field', () => {
    expect(() => mlpConfig({ inputSize: 0 })).toThrow(/inputSize = 0/);
    expect(() => mlpConfig({ hiddenSizes: [] })).toThrow(/hiddenSizes = \[\] must list/);
    expect(() => mlpConfig({ hiddenSizes: [10, 2.5] })).toThrow(/hiddenSizes\[1\] = 2.5/);
    expect(() => mlpConfig({ numClasses: -1 })).toThrow(/numClasses = -1/);
    expect(() => mlpConfig({ activation: 'tanh' as never })).toThrow(/activation = 'tanh'/);
  });

  it('has the benchmark sizes: P-MNIST 2×400, Split MNIST 2×256, 784 inputs, 10 classes', () => {
    // 784·400 + 400 + 400·400 + 400 + 400·10 + 10 = 313600 + 160000 + 800 + 4010 = 478410.
    const p = initMlp(mlpConfig(), new Rng(0));
    expect(countParams(p)).toBe(478_410);
    disposeParams(p);
    // 784·256 + 256 + 256·256 + 256 + 256·10 + 10 = 200704 + 65536 + 512 + 2570 = 269322.
    const s = initMlp(mlpConfig({}, 'split-mnist'), new Rng(0));
    expect(countParams(s)).toBe(269_322);
    disposeParams(s);
  });

  it('initialises as PyTorch nn.Linear: U(±1/√fanIn) for weights and biases, seeded', () => {
    const cfg = mlpConfig({ inputSize: 100, hiddenSizes: [50], numClasses: 4 });
    const p = initMlp(cfg, new Rng(3));
    const w0 = read(p.hidden[0].w);
    const limit = 1 / Math.sqrt(100); // 0.1
    expect(Math.max(...w0.map(Math.abs))).toBeLessThanOrEqual(limit);
    const sd = Math.sqrt(w0.reduce((a, v) => a + v * v, 0) / w0.length);
    expect(sd).toBeCloseTo(limit / Math.sqrt(3), 2); // uniform on ±a has sd a/√3 = 0.0577
    expect(Math.max(...read(p.head.w).map(Math.abs))).toBeLessThanOrEqual(1 / Math.sqrt(50));
    const q = initMlp(cfg, new Rng(3));
    expect(read(q.head.b)).toEqual(read(p.head.b));
    disposeParams(p);
    disposeParams(q);
  });
});

describe('applyMlp', () => {
  const cfg: MlpConfig = mlpConfig({ inputSize: 2, hiddenSizes: [2], numClasses: 3 });

  it('computes h and logits by hand, and a task head reads only its classes', () => {
    const p = initMlp(cfg, new Rng(0));
    setParams(p, { 'hidden.0.w': [1, 2, 3, -1], 'hidden.0.b': [0.5, -0.5], 'head.w': [1, 0, 2, -1, 1, 0.5], 'head.b': [0.1, 0.2, 0.3] });
    const x = tf.tensor2d([[1, -2]]);
    // pre = x·W0 + b0 = [1·1 + (−2)·3 + 0.5, 1·2 + (−2)·(−1) − 0.5] = [−4.5, 3.5] → relu [0, 3.5]
    // logits = h·Wh + bh = [3.5·(−1) + 0.1, 3.5·1 + 0.2, 3.5·0.5 + 0.3] = [−3.4, 3.7, 2.05]
    const all = applyMlp(p, x, cfg);
    expect(read(all.h)).toEqual([0, 3.5]);
    read(all.logits).forEach((v, i) => expect(v).toBeCloseTo([-3.4, 3.7, 2.05][i], 5));
    const task = applyMlp(p, x, cfg, { classes: [2, 0] }); // this task's head: columns 2, then 0
    read(task.logits).forEach((v, i) => expect(v).toBeCloseTo([2.05, -3.4][i], 5));
    tf.dispose([x, all.h, all.logits, task.h, task.logits]);
    disposeParams(p);
  });

  it('a task loss leaves the other tasks’ head columns with zero gradient (multi-head)', () => {
    const p = initMlp(cfg, new Rng(1));
    const x = tf.tensor2d([[0.3, -0.7], [1.2, 0.4]]);
    const { grads, value } = tf.variableGrads(() => {
      const { logits } = applyMlp(p, x, cfg, { classes: [0, 2] });
      return tf.losses.softmaxCrossEntropy(tf.tensor2d([[1, 0], [0, 1]]), logits) as tf.Scalar;
    });
    const gw = read(grads[p.head.w.name]); // [2, 3] row-major: column 1 is entries 1 and 4
    expect(gw[1]).toBe(0);
    expect(gw[4]).toBe(0);
    expect(read(grads[p.head.b.name])[1]).toBe(0);
    expect(Math.abs(read(grads[p.head.b.name])[0])).toBeGreaterThan(0.01); // the task's own columns learn
    tf.dispose([x, value, ...Object.values(grads)]);
    disposeParams(p);
  });

  it('rejects bad inputs and class lists, naming them', () => {
    const p = initMlp(cfg, new Rng(0));
    const x = tf.zeros([1, 3]) as tf.Tensor2D;
    expect(() => applyMlp(p, x, cfg)).toThrow(/input must be \[B, 2\], got \[1,3\]/);
    expect(() => classSelector([0, 3], 3)).toThrow(/classes\[1\] = 3 must be an integer in \[0, 3\)/);
    expect(() => classSelector([1, 1], 3)).toThrow(/classes\[1\] = 1 is listed twice/);
    expect(() => classSelector([], 3)).toThrow(/at least one class/);
    x.dispose();
    disposeParams(p);
  });

  it('leaks no tensors', () => {
    const p = initMlp(cfg, new Rng(0));
    const x = tf.ones([4, 2]) as tf.Tensor2D;
    const before = tf.memory().numTensors;
    const out = applyMlp(p, x, cfg, { classes: [1] });
    const sel = selectClasses(out.logits);
    const head = applyLinearHead(p.head, out.h, [0, 1]);
    tf.dispose([out.h, out.logits, sel, head]);
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
    disposeParams(p);
  });
});
