/**
 * The counted memory estimates of dhp-continual and spl-advise (src/training/experiments/memory-count.ts)
 * against hand counts for tiny configs, the counted parameters against the real models, and the
 * counted transient of one update against a measurement of it (cpu).
 */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { measurePeak } from '../src/training/backend/memory';
import { mlpClassifier } from '../src/training/continual/classifier';
import { useHostPath } from '../src/training/continual/host-path';
import { createOptimizer } from '../src/training/core/optimizer';
import { trainTask } from '../src/training/continual/train-task';
import { countParams, disposeParams, flattenParams, gradsByParamName } from '../src/training/core/params';
import { Rng } from '../src/training/core/rng';
import { resolveConfig } from '../src/training/experiments/config';
import { headOptions, type ContinualConfig } from '../src/training/experiments/continual/config';
import type { SelfPacedExperimentConfig } from '../src/training/experiments/self-paced/config';
import { perSampleCrossEntropy } from '../src/training/experiments/self-paced/passes';
import { getExperiment } from '../src/training/experiments/registry';
import { continualMemoryCount, estimateContinualMemory, estimateSelfPacedMemory, lenetCounts, selfPacedMemoryCount } from '../src/training/experiments/memory-count';
import { mlpConfig } from '../src/training/models/mlp';
import { applyLeNet, initLeNet, lenetConfig } from '../src/training/models/lenet';

const continual = (o: Record<string, unknown>) => resolveConfig(getExperiment('dhp-continual'), { overrides: o }) as ContinualConfig;
const selfPaced = (o: Record<string, unknown>) => resolveConfig(getExperiment('spl-advise'), { overrides: o }) as SelfPacedExperimentConfig;

const transientMax = (n: { transient: Readonly<Record<string, number>> }) => Math.max(...Object.values(n.transient));

describe('counted training memory', () => {
  it('dhp-continual, DHP head, Adam, SI: matches a hand count', () => {
    const c = continual({ hiddenSizes: [8], head: 'dhp', optimizer: 'adam', importance: 'si', batchSize: 4, evalBatchSize: 10, tasks: 2 });
    // MLP 784→8, DHP head over 10 classes (m = 8, d = 10):
    //   body 784·8 + 8 = 6280; parameters 6280 + θ, α 2·8·10 + η 1 = 6441; slow (anchored) 6280 + θ 80 = 6360
    //   persistent: parameters 6441 + Adam 2·6441 = 12882 + trace 80 + SI 4·6360 = 25440 → 44843
    //   backward: 2·6441 + 4·(2·784 + 6·8 + 8·10) = 6784 + DHP 19·80 = 1520 + 2·4·8 = 64 → 21250
    //   Adam update: 15·6441 = 96615 + the batch 4·784 = 3136 + the new trace 80 → 99831
    //   evaluation 10·(784 + 3·8 + 10) = 8180; importance pass: none for SI
    //   peak 44843 + 99831 = 144674 values = 578696 bytes
    const n = continualMemoryCount(c);
    expect(n.parameters).toBe(6441);
    expect(n.transient).toEqual({ 'backward pass at batch 4': 21250, 'adam update': 99831, 'evaluation batch of 10': 8180, 'importance pass': 0 });
    expect(n.peakFloats).toBe(144674);
    const est = estimateContinualMemory(c);
    expect(est).toMatchObject({ patch: [28, 28, 1], batchSize: 4, reversibleBytes: 578696, standardBytes: 578696 });
    expect(est.basis).toContain('MLP 784→8→10 with a DHP Softmax head, 6,441 parameters');
  });

  it('dhp-continual, softmax head, SGD, EWC over 3 tasks: the importance pass is the largest transient', () => {
    const c = continual({ hiddenSizes: [8, 4], head: 'softmax', optimizer: 'sgd', importance: 'ewc', batchSize: 2, evalBatchSize: 3, tasks: 3 });
    // body 784·8+8 + 8·4+4 = 6316; parameters = slow = 6316 + 4·10 + 10 = 6366
    // persistent: 6366 + EWC's Fisher and anchor per task 2·6366·3 = 38196 → 44562
    // backward 2·6366 + 2·(2·784 + 6·12 + 8·10) = 16172; SGD update 3·6366 + 2·784 = 20666;
    // evaluation 3·(784 + 36 + 10) = 2490; importance 5·6366 + 2·(784 + 2·10) = 33438
    // peak 44562 + 33438 = 78000 values = 312000 bytes
    const n = continualMemoryCount(c);
    expect(transientMax(n)).toBe(n.transient['importance pass']);
    expect(n.peakFloats).toBe(78000);
    expect(estimateContinualMemory(c).reversibleBytes).toBe(312000);
  });

  it('counts the parameters the continual classifier really has', () => {
    for (const head of ['dhp', 'softmax'] as const) {
      const c = continual({ hiddenSizes: [8, 4], head });
      const model = mlpClassifier(mlpConfig({ inputSize: 784, hiddenSizes: c.hiddenSizes, numClasses: 10 }), head, new Rng(0), headOptions(c));
      const real = [...model.named.values()].reduce((a, v) => a + v.size, 0);
      model.dispose();
      expect(continualMemoryCount(c).parameters, head).toBe(real);
    }
  });

  it('spl-advise: the student alone (spld) and with the Magnet embedding, by hand', () => {
    // LeNet-5 on 28×28×1: conv 5×5 1→6 (156) → 24² → pool 12²; conv 6→16 (2416) → 8² → pool 4²;
    // 256→120 (30840) → 84 (10164) → 10 (850): 44426 parameters. Forward values per image:
    // 784 + 3·24²·6 = 10368 + 12²·6 = 864 + 3·8²·16 = 3072 + 4²·16 = 256 + 3·120 + 3·84 + 2·10 = 15976
    expect(lenetCounts(lenetConfig('lenet5'))).toEqual({ parameters: 44426, forwardValues: 15976 });
    const params = initLeNet(lenetConfig('lenet5'), new Rng(0));
    expect(countParams(params)).toBe(44426);
    disposeParams(params);
    // spld, SGD, batch 8, evaluation batch 5: persistent 44426 + momentum 44426 = 88852;
    // backward 2·44426 + ⌈3.65·15976⌉ = 58313 per image · 8 = 555356; SGD update 3·44426 + 8·784 = 139550;
    // evaluation ⌈1.1·15976⌉ = 17574 · 5 = 87870 → peak 88852 + 555356 = 644208 values
    const spld = selfPaced({ method: 'spld', optimizer: 'sgd', batchSize: 8, evalBatch: 5 });
    expect(selfPacedMemoryCount(spld)).toMatchObject({ phase: 'student', peakFloats: 644208 });
    expect(estimateSelfPacedMemory(spld)).toMatchObject({ patch: [28, 28, 1], batchSize: 8, reversibleBytes: 644208 * 4 });

    // Magnet embedding CNN [8, 16] → 2, 'same' 5×5: conv 1→8 (208) → 28² → pool 14²; conv 8→16
    // (3216) → 14² → pool 7²; 784→2 (1570): 4994 parameters. Forward values 784 + 3·28²·8 = 18816
    // + 14²·8 = 1568 + 3·14²·16 = 9408 + 7²·16 = 784 + 2·2 = 31364. Batch M·D = 4·8 = 32, Adam:
    // persistent 3·4994 = 14982; backward 2·4994 + ⌈3.65·31364⌉ = 114479 · 32 = 3673316
    // → peak 3688298, above the student's 644208
    const spl = selfPaced({ method: 'spl-advise', embeddingChannels: [8, 16], embeddingDim: 2, clustersPerBatch: 4, examplesPerCluster: 8, optimizer: 'sgd', batchSize: 8, evalBatch: 5 });
    expect(lenetCounts(lenetConfig('magnet-embedding', { convChannels: [8, 16], outDim: 2 }))).toEqual({ parameters: 4994, forwardValues: 31364 });
    expect(selfPacedMemoryCount(spl)).toMatchObject({ phase: 'embedding', parameters: 4994, peakFloats: 3688298 });
    expect(estimateSelfPacedMemory(spl)).toMatchObject({ batchSize: 32, reversibleBytes: 3688298 * 4 });
    expect(estimateSelfPacedMemory(spl).basis).toContain('the Magnet embedding CNN, the larger of the two phases');
  });

  // Measured on cpu, one update's peak above what was alive before it (tf.profile):
  // MLP 784→64, batch 16: softmax SGD 134271 values (counted 165214: the SGD update on wasm's tfjs
  // path), DHP Adam 786017 (counted 785999); LeNet-5 SGD batch 16: 816418 (counted 1021860).
  it('bounds a measured update from above, within 30 %', async () => {
    const x = (b: number, shape: number[]) => tf.randomUniform([b, ...shape]);
    const labels = (b: number) => tf.tensor1d(Array.from({ length: b }, (_, i) => i % 2), 'int32');
    for (const [head, optimizer] of [['softmax', 'sgd'], ['dhp', 'adam']] as const) {
      const c = continual({ hiddenSizes: [64], head, optimizer, batchSize: 16, evalBatchSize: 10 });
      const model = mlpClassifier(mlpConfig({ inputSize: 784, hiddenSizes: [64], numClasses: 10 }), head, new Rng(0), headOptions(c));
      const opt = createOptimizer(model.named, { kind: optimizer, lr: 0.01 }, { hostLoop: useHostPath });
      let left = 2;
      const batches = { next: () => (left-- > 0 ? { x: x(16, [784]) as tf.Tensor2D, y: labels(16) } : null) };
      await trainTask({ model, batches, optimizer: opt, classes: [0, 1], maxSteps: 1, readEvery: 1 }); // Adam's moments exist before the measured step
      const measured = (await measurePeak(() => trainTask({ model, batches, optimizer: opt, classes: [0, 1], maxSteps: 1, readEvery: 1 }))).peakBytes / 4;
      opt.dispose();
      model.dispose();
      const ratio = transientMax(continualMemoryCount(c)) / measured;
      expect(ratio, `${head} ${optimizer}`).toBeGreaterThan(0.99);
      expect(ratio, `${head} ${optimizer}`).toBeLessThan(1.3);
    }
    const cfg = lenetConfig('lenet5');
    const params = initLeNet(cfg, new Rng(0));
    const named = flattenParams(params);
    const opt = createOptimizer(named, { kind: 'sgd', lr: 0.01, momentum: 0.9, nesterov: true, weightDecay: 5e-4 });
    const step = () =>
      tf.tidy(() => {
        const { value, grads } = tf.variableGrads(() => tf.mean(perSampleCrossEntropy(applyLeNet(params, x(16, [28, 28, 1]) as tf.Tensor4D, cfg), labels(16))) as tf.Scalar, [...named.values()]);
        opt.apply(gradsByParamName(named, grads), 0.01);
        value.dispose();
      });
    step();
    const measured = (await measurePeak(step)).peakBytes / 4;
    opt.dispose();
    disposeParams(params);
    const counted = selfPacedMemoryCount(selfPaced({ method: 'spld', optimizer: 'sgd', batchSize: 16, evalBatch: 4 }));
    expect(transientMax(counted) / measured).toBeGreaterThan(0.99);
    expect(transientMax(counted) / measured).toBeLessThan(1.3);
  });
});
