/**
 * Training BraTS segmentation: dataset split and validation, patch batches sampled as a function
 * of (seed, step) so a resumed run sees exactly the batches an uninterrupted one would, Adam with
 * warm-up and decay, full-volume validation Dice per region, checkpoints of weights and optimiser
 * state (best, interval, final, on stop).
 */
import * as tf from '@tensorflow/tfjs';
import type { EngineEventInput } from '../../../shared/events';
import { Adam } from '../../core/adam';
import { countParams, gradsByParamName } from '../../core/params';
import { Rng } from '../../core/rng';
import { readTrainingState, restoreOptimizer, restoreParams, writePrunedCheckpoint } from '../../core/training-state';
import { batchPatches } from '../../data/brats/patches';
import { labelsToRegionsChannelsLast, REGIONS } from '../../data/brats/regions';
import { learningRate } from '../../loop/schedule';
import { runTrainer, type CheckpointReason } from '../../loop/trainer';
import { regionDiceChannelsLast } from '../../metrics/dice';
import type { ExperimentContext } from '../experiment';
import { PreparedCaseCache, prepareBratsSplit } from './cases';
import type { BratsConfig } from './config';
import { batchLoss, createBratsModel, predictCaseProbs } from './model';

export async function* trainBrats(ctx: ExperimentContext<BratsConfig>): AsyncGenerator<EngineEventInput, Record<string, unknown>, void> {
  const c = ctx.config;
  const cache = new PreparedCaseCache(c.cacheCases);
  const split = await prepareBratsSplit(c.data, { seed: c.seed, valFraction: c.valFraction, cache });
  yield { type: 'dataset', root: c.data, trainCases: split.train.map((x) => x.id), valCases: split.val.map((x) => x.id), problems: split.problems };
  for (const p of split.problems) yield { type: 'log', level: p.severity === 'error' ? 'warn' : 'info', message: `${p.caseId}: ${p.message} (${p.path})` };

  const model = createBratsModel(c);
  const optimizer = new Adam(model.named, { weightDecay: c.weightDecay });
  const totalSteps = c.epochs * c.stepsPerEpoch;
  let startStep = 0;
  let best: { value: number; step: number } | undefined;
  try {
    if (ctx.resumeFrom) {
      const state = await readTrainingState(ctx.resumeFrom);
      restoreParams(state, model.named, ctx.resumeFrom);
      restoreOptimizer(state, optimizer, ctx.resumeFrom);
      startStep = state.counters.step;
      if (state.counters.bestMetric !== undefined && state.counters.bestStep !== undefined) best = { value: state.counters.bestMetric, step: state.counters.bestStep };
      yield { type: 'log', level: 'info', message: `resumed from ${ctx.resumeFrom} at step ${startStep}` };
    }
    const nParams = countParams(model.params);
    yield { type: 'log', level: 'info', message: `model: ${c.reversible ? 'reversible' : 'non-reversible twin'} U-Net, widths ${c.widths.join('/')}, ${c.blocksPerLevel} block(s)/level, ${nParams.toLocaleString('en')} parameters` };

    const rng = new Rng(c.seed);
    const patchOpts = { tumourProbability: c.tumourProbability, flip: c.flip, intensity: { scale: c.intensityScale, shift: c.intensityShift } };
    let batchCases: Awaited<ReturnType<PreparedCaseCache['get']>>[] = [];

    const checkpoint = async (done: number, reason: CheckpointReason, bestNow?: { value: number; step: number }): Promise<string> => {
      const tensors = new Map<string, tf.Tensor>();
      for (const [n, v] of model.named) tensors.set(`param/${n}`, v);
      for (const [n, t] of optimizer.stateTensors()) tensors.set(`opt/${n}`, t);
      const counters = { step: done, optimizerStep: optimizer.step, bestMetric: bestNow?.value, bestStep: bestNow?.step };
      return writePrunedCheckpoint(ctx.run.checkpointsDir, done, reason === 'best', tensors, { counters, experiment: 'brats', monitor: 'dice_mean' }, c.keepCheckpoints);
    };

    const trainer = runTrainer({
      totalSteps,
      startStep,
      stepsPerEpoch: c.stepsPerEpoch,
      validateEvery: split.val.length > 0 ? c.validateEvery * c.stepsPerEpoch : 0,
      checkpointEvery: c.checkpointEvery * c.stepsPerEpoch,
      lrAt: (s) => learningRate(s, { lr: c.lr, warmupSteps: c.warmupSteps, totalSteps, decay: c.decay, minLr: c.minLr, power: 0.9 }),
      trainStep: (step, lr) => {
        const b = batchPatches(batchCases, c.patchSize, rng.fork('patches', step), patchOpts);
        const [pd, ph, pw] = c.patchSize;
        const { value, grads } = tf.tidy(() => {
          const image = tf.tensor5d(b.image, [b.n, pd, ph, pw, 4]);
          const target = tf.tensor5d(b.target, [b.n, pd, ph, pw, 3]);
          return tf.variableGrads(() => batchLoss(model, image, target, c.bceWeight));
        });
        optimizer.apply(gradsByParamName(model.named, grads), lr);
        tf.dispose(grads);
        return value;
      },
      beforeStep: async (step) => {
        const pick = rng.fork('cases', step);
        batchCases = await Promise.all(Array.from({ length: c.batchSize }, () => cache.get(split.train[pick.int(split.train.length)])));
      },
      validate: async () => {
        const sums = Object.fromEntries(REGIONS.map((r) => [r, 0])) as Record<string, number>;
        for (const vc of split.val) {
          const prepared = await cache.get(vc);
          const probs = await predictCaseProbs(model, prepared, c);
          const pred = probs.map((p) => (p > 0.5 ? 1 : 0));
          const dice = regionDiceChannelsLast(pred, labelsToRegionsChannelsLast(prepared.labels!, prepared.etLabel));
          for (const r of REGIONS) sums[r] += dice[r];
        }
        const metrics: Record<string, number> = {};
        for (const r of REGIONS) metrics[`dice_${r}`] = sums[r] / split.val.length;
        metrics.dice_mean = REGIONS.reduce((a, r) => a + metrics[`dice_${r}`], 0) / REGIONS.length;
        return { metrics, on: `${split.val.length} validation case(s), whole brain box, sliding window ${c.patchSize.join('×')} overlap ${c.overlap}` };
      },
      monitor: { key: 'dice_mean', mode: 'max' },
      best,
      checkpoint,
      signal: ctx.signal,
    });
    let r = await trainer.next();
    while (!r.done) {
      yield r.value;
      r = await trainer.next();
    }
    const result = r.value;
    return {
      status: result.status,
      steps: result.steps,
      totalSteps,
      trainSeconds: result.trainSeconds,
      parameters: nParams,
      reversible: c.reversible,
      trainCases: split.train.length,
      valCases: split.val.length,
      ...(result.best ? { bestDiceMean: result.best.value, bestStep: result.best.step } : {}),
      ...(result.lastMetrics ? { lastValidation: result.lastMetrics } : {}),
    };
  } finally {
    optimizer.dispose();
    model.dispose();
  }
}
