/**
 * SPDF's two invariants (METHODS.md §1 acceptance 2 and 3): exactly round(s·n) zeros in every sparse
 * matrix after every AdamW step, at the same positions, with masked moments 0; and dense
 * fine-tuning starts from exactly the sparse model (step-0 loss equal to 1e-6), after which the
 * re-enabled weights learn.
 */
import * as tf from '@tensorflow/tfjs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { saveCheckpoint } from '../../core/checkpoint';
import { Rng } from '../../core/rng';
import { readTrainingState } from '../../core/training-state';
import { gptConfig, gptLoss, sparseWeightNames } from '../../models/gpt';
import { checkpointTensors, createSpdfModel, layerZeroFractions, modelLoss, restoreSpdf, spdfOptimizer, trainStep } from './model';

const cfg = gptConfig({ vocabSize: 20, contextLength: 12, nLayer: 2, nHead: 2, dModel: 16, embedding: 'oneHot' }, 'tiny');
const windows = (seed: number) => {
  const rng = new Rng(seed);
  // A learnable pattern: token t+1 = (token t + 3) mod 20, from a random start.
  return tf.tensor2d(Array.from({ length: 6 }, () => {
    const s = rng.int(20);
    return Array.from({ length: 13 }, (_, i) => (s + 3 * i) % 20);
  }), [6, 13], 'int32');
};
const dirs: string[] = [];
afterAll(async () => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

describe('SPDF sparse pre-training', () => {
  for (const s of [0.5, 0.75]) {
    it(`keeps exactly round(${s}·n) zeros at the same positions through 12 AdamW steps (weight decay, clipping), masked moments 0`, async () => {
      const model = createSpdfModel(cfg, 3, s);
      const opt = spdfOptimizer(model, { weightDecay: 0.1, beta2: 0.95 });
      const names = sparseWeightNames(cfg);
      const maskData = new Map(names.map((n) => [n, model.masks.get(n)!.dataSync() as Float32Array]));
      const check = () => {
        for (const n of names) {
          const w = model.named.get(n)!.dataSync() as Float32Array;
          const m = maskData.get(n)!;
          let zeros = 0;
          for (let i = 0; i < w.length; i++) {
            if (m[i] === 0) expect(w[i] === 0).toBe(true); // 0 or −0
            if (w[i] === 0) zeros++;
          }
          expect(zeros).toBe(Math.round(s * w.length)); // no kept weight is exactly 0 either
        }
      };
      check();
      const losses: number[] = [];
      for (let step = 0; step < 12; step++) {
        const w = windows(step);
        const { loss, gradNorm } = trainStep(model, opt, () => modelLoss(model, w), 3e-3, 1.0);
        losses.push(loss.dataSync()[0]);
        expect(gradNorm).toBeGreaterThan(0);
        tf.dispose([loss, w]);
        check();
      }
      for (const [key, t] of opt.stateTensors()) {
        const name = key.slice(2);
        const m = maskData.get(name);
        if (!m) continue;
        const v = t.dataSync() as Float32Array;
        for (let i = 0; i < v.length; i++) if (m[i] === 0) expect(v[i] === 0).toBe(true);
      }
      expect(losses.at(-1)!).toBeLessThan(losses[0] - 0.1); // it learns
      const z = await layerZeroFractions(model);
      expect(z).toHaveLength(2);
      for (const row of z) for (const f of row) expect(Math.abs(f - s)).toBeLessThan(0.01);
      opt.dispose();
      model.dispose();
    });
  }
});

describe('SPDF dense fine-tuning', () => {
  it('starts from exactly the sparse model (step-0 loss equal to 1e-6), then the re-enabled weights learn with fresh AdamW', async () => {
    const sparse = createSpdfModel(cfg, 5, 0.75);
    const opt = spdfOptimizer(sparse, { weightDecay: 0.1, beta2: 0.95 });
    for (let step = 0; step < 8; step++) {
      const w = windows(100 + step);
      const r = trainStep(sparse, opt, () => modelLoss(sparse, w), 3e-3, 1.0);
      tf.dispose([r.loss, w]);
    }
    const dir = await mkdtemp(join(tmpdir(), 'frugal-spdf-'));
    dirs.push(dir);
    const file = join(dir, 'step-000008.safetensors');
    await saveCheckpoint(file, checkpointTensors(sparse, opt), { counters: { step: 8, optimizerStep: opt.step } });

    // Load into a fresh model, keep the masks it saved (sparse FT) or drop them (dense FT).
    const state = await readTrainingState(file);
    const dense = createSpdfModel(cfg, 99, 0);
    restoreSpdf(state, file, dense);
    expect(dense.masks.size).toBe(sparseWeightNames(cfg).length);
    const masks = new Map(dense.masks);
    dense.masks.clear();
    const probe = windows(777);
    const sparseLoss = gptLoss(sparse.params, probe, cfg, { masks: sparse.masks }).dataSync()[0];
    const denseLoss = modelLoss(dense, probe).dataSync()[0];
    expect(Math.abs(denseLoss - sparseLoss)).toBeLessThanOrEqual(1e-6);

    const fresh = spdfOptimizer(dense, { weightDecay: 0.01, beta2: 0.999 });
    expect(fresh.step).toBe(0);
    for (let step = 0; step < 3; step++) {
      const w = windows(200 + step);
      const r = trainStep(dense, fresh, () => modelLoss(dense, w), 1e-3, 1.0);
      tf.dispose([r.loss, w]);
    }
    // Every re-enabled weight got a gradient step: almost none is still exactly 0.
    const z = await layerZeroFractions(dense);
    for (const row of z) for (const f of row) expect(f).toBeLessThan(0.02);
    const name = sparseWeightNames(cfg)[0];
    const m = masks.get(name)!.dataSync();
    const w = dense.named.get(name)!.dataSync();
    const reenabled = Array.from(m).flatMap((v, i) => (v === 0 ? [w[i]] : []));
    expect(reenabled.filter((v) => v !== 0).length).toBeGreaterThan(0.98 * reenabled.length);
    tf.dispose([...masks.values(), probe]);
    fresh.dispose();
    opt.dispose();
    dense.dispose();
    sparse.dispose();
  });
});
