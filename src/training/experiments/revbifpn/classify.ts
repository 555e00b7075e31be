/**
 * RevBiFPN image classification from ImageNet-style class folders (METHODS.md §2): RandomResizedCrop
 * + flip decoded per batch with sharp (data/images/crops.ts), AdamW with warm-up and cosine decay,
 * label-smoothed cross-entropy, validation top-1 / top-5 on centre crops, the confusion matrix of
 * the final validation in the summary, checkpoints (weights, BN running statistics, AdamW) that
 * resume exactly: the batch of step s is a function of (seed, s).
 */
import * as tf from '@tensorflow/tfjs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { EngineEventInput } from '../../../shared/events';
import { Adam } from '../../core/adam';
import { Rng } from '../../core/rng';
import { writePrunedCheckpoint } from '../../core/training-state';
import { decodeEvalCrop, decodeTrainCrop } from '../../data/images/crops';
import { mapLimit } from '../../data/images/decode';
import { listImageFolder, type ImageFolderListing } from '../../data/images/folder';
import { epochOrder } from '../../data/images/batches';
import { learningRate } from '../../loop/schedule';
import { runTrainer, type CheckpointReason } from '../../loop/trainer';
import { argmaxRows, confusionMatrix, topKAccuracy } from '../../metrics/classification';
import { applyRevBifpnClassifier, checkInputSize, revbifpnParamCount } from '../../models/revbifpn';
import type { ExperimentContext, RunPlan } from '../experiment';
import { modelConfigOf, type ClassifyConfig } from './config';
import { checkpointTensors, createRevBifpnModel, normaliseImages, restoreRevBifpn, updateOn, validationSteps } from './model';

export const CLASSIFY_EXPERIMENT_ID = 'revbifpn-classify';

interface Item {
  path: string;
  label: number;
}

export interface ClassifySplit {
  classes: string[];
  train: Item[];
  val: Item[];
  /** How the split was made, for the log. */
  source: string;
}

const isDir = async (p: string): Promise<boolean> => (await stat(p).catch(() => null))?.isDirectory() ?? false;

/** train/ + val/ (or validation/) class folders, else one folder of class folders split by valFraction (seeded, per class). */
export async function loadClassifySplit(c: Pick<ClassifyConfig, 'data' | 'valFraction' | 'limitPerClass' | 'seed'>): Promise<ClassifySplit> {
  const limit = c.limitPerClass > 0 ? { limitPerClass: c.limitPerClass } : {};
  if (await isDir(join(c.data, 'train'))) {
    const valName = (await isDir(join(c.data, 'val'))) ? 'val' : (await isDir(join(c.data, 'validation'))) ? 'validation' : null;
    if (!valName) throw new Error(`${c.data}: has train/ but no val/ (or validation/) folder of class folders`);
    const train = await listImageFolder(join(c.data, 'train'), limit);
    const val: ImageFolderListing = await listImageFolder(join(c.data, valName), { classes: train.classes });
    return { classes: train.classes, train: train.items, val: val.items, source: `train/ (${train.items.length}) and ${valName}/ (${val.items.length})` };
  }
  const all = await listImageFolder(c.data);
  const rng = new Rng(c.seed).fork('val-split');
  const train: Item[] = [];
  const val: Item[] = [];
  for (let k = 0; k < all.classes.length; k++) {
    const items = all.items.filter((it) => it.label === k);
    const order = Array.from(items, (_, i) => i);
    for (let i = order.length - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      [order[i], order[j]] = [order[j], order[i]];
    }
    const nVal = Math.max(1, Math.round(c.valFraction * items.length));
    order.forEach((j, i) => (i < nVal ? val : train).push(items[j]));
  }
  const limited = c.limitPerClass > 0 ? all.classes.flatMap((_, k) => train.filter((it) => it.label === k).slice(0, c.limitPerClass)) : train;
  return { classes: all.classes, train: limited, val, source: `one folder, ${Math.round(100 * c.valFraction)} % of each class held out (seed ${c.seed})` };
}

export function classifyImageSize(c: ClassifyConfig): number {
  return c.imageSize > 0 ? c.imageSize : modelConfigOf(c, 2).resolution;
}

export async function planClassify(c: ClassifyConfig): Promise<RunPlan<ClassifySplit>> {
  const split = await loadClassifySplit(c);
  return { totalSteps: c.epochs * Math.ceil(split.train.length / c.batchSize), prepared: split };
}

export async function* trainClassify(ctx: ExperimentContext<ClassifyConfig, ClassifySplit>): AsyncGenerator<EngineEventInput, Record<string, unknown>, void> {
  const c = ctx.config;
  const split = ctx.prepared ?? (await loadClassifySplit(c));
  const size = classifyImageSize(c);
  const cfg = modelConfigOf(c, split.classes.length);
  checkInputSize(cfg, size, size);
  if (split.train.length === 0) throw new Error(`${c.data}: no training images`);
  yield { type: 'log', level: 'info', message: `data ${c.data}: ${split.classes.length} classes, ${split.source}` };

  const model = createRevBifpnModel(cfg, c.seed);
  const optimizer = new Adam(model.named, { weightDecay: c.weightDecay });
  const stepsPerEpoch = Math.ceil(split.train.length / c.batchSize);
  const totalSteps = c.epochs * stepsPerEpoch;
  let startStep = 0;
  let best: { value: number; step: number } | undefined;
  const K = split.classes.length;
  let lastConfusion: number[][] | null = null;
  const curves: { step: number; top1: number; top5: number; loss: number }[] = [];
  try {
    if (ctx.resumeFrom) {
      const { counters, metadata } = await restoreRevBifpn(ctx.resumeFrom, model, optimizer);
      startStep = counters.step;
      if (counters.bestMetric !== undefined && counters.bestStep !== undefined) best = { value: counters.bestMetric, step: counters.bestStep };
      if (Array.isArray(metadata.curves)) curves.push(...(metadata.curves as typeof curves));
      yield { type: 'log', level: 'info', message: `resumed from ${ctx.resumeFrom} at step ${startStep}` };
    }
    const nParams = revbifpnParamCount(cfg);
    yield { type: 'log', level: 'info', message: `model: RevBiFPN-${cfg.variant} ${c.reversible ? 'reversible' : 'non-reversible twin'}, channels ${cfg.channels.join('/')}, ${cfg.extLayers} extension stage(s), ${nParams.toLocaleString('en')} parameters, ${size}×${size} crops` };

    let batch: { x: tf.Tensor4D; y: Int32Array } | null = null;
    const valCache: (Uint8Array | null)[] = new Array(split.val.length).fill(null);
    const VAL_CACHE_BYTES = 256 * 2 ** 20;
    const cacheVal = split.val.length * size * size * 3 <= VAL_CACHE_BYTES;

    const checkpoint = async (done: number, reason: CheckpointReason, bestNow?: { value: number; step: number }): Promise<string> =>
      writePrunedCheckpoint(
        ctx.run.checkpointsDir,
        done,
        reason === 'best',
        checkpointTensors(model, optimizer),
        { counters: { step: done, optimizerStep: optimizer.step, bestMetric: bestNow?.value, bestStep: bestNow?.step }, experiment: CLASSIFY_EXPERIMENT_ID, monitor: 'top1', curves },
        c.keepCheckpoints,
      );

    const evaluate = async (): Promise<{ top1: number; top5: number; loss: number; confusion: number[][] }> => {
      const logits = new Float32Array(split.val.length * K);
      const labels = Int32Array.from(split.val, (it) => it.label);
      let lossSum = 0;
      for (let i0 = 0; i0 < split.val.length; i0 += c.batchSize) {
        const items = split.val.slice(i0, i0 + c.batchSize);
        const px = await mapLimit(items, 8, async (it, j) => valCache[i0 + j] ?? decodeEvalCrop(it.path, size));
        if (cacheVal) px.forEach((p, j) => (valCache[i0 + j] = p));
        const flat = new Uint8Array(items.length * size * size * 3);
        px.forEach((p, j) => flat.set(p, j * size * size * 3));
        const out = tf.tidy(() => {
          const l = applyRevBifpnClassifier(model.params, model.stats, normaliseImages(flat, items.length, size), cfg, { training: false });
          const ce = tf.losses.softmaxCrossEntropy(tf.oneHot(labels.subarray(i0, i0 + items.length), K), l, undefined, 0, tf.Reduction.SUM);
          return [l, ce];
        });
        logits.set(await out[0].data(), i0 * K);
        lossSum += (await out[1].data())[0];
        tf.dispose(out);
      }
      const confusion = confusionMatrix(argmaxRows(logits, split.val.length, K), labels, K);
      return { top1: topKAccuracy(logits, labels, K, 1), top5: topKAccuracy(logits, labels, K, 5), loss: lossSum / split.val.length, confusion };
    };

    const trainer = runTrainer({
      totalSteps,
      startStep,
      stepsPerEpoch,
      validateEvery: validationSteps(split.val.length > 0, c.validateEvery, stepsPerEpoch, totalSteps),
      checkpointEvery: c.checkpointEvery * stepsPerEpoch,
      lrAt: (s) => learningRate(s, { lr: c.lr, warmupSteps: c.warmupSteps, totalSteps, decay: c.decay, minLr: c.minLr, power: 0.9 }),
      beforeStep: async (step) => {
        const epoch = Math.floor(step / stepsPerEpoch);
        const order = epochOrder(split.train.length, c.seed, epoch);
        const first = (step % stepsPerEpoch) * c.batchSize;
        const rows = [...order.subarray(first, Math.min(first + c.batchSize, split.train.length))];
        const rng = new Rng(c.seed).fork('crops', step);
        const px = await mapLimit(rows, 8, (r, j) => decodeTrainCrop(split.train[r].path, size, rng.fork(j), c.minCropScale));
        const flat = new Uint8Array(rows.length * size * size * 3);
        px.forEach((p, j) => flat.set(p, j * size * size * 3));
        batch = { x: normaliseImages(flat, rows.length, size), y: Int32Array.from(rows, (r) => split.train[r].label) };
      },
      trainStep: (step, lr) => {
        const b = batch!;
        batch = null;
        try {
          const seed = new Rng(c.seed).fork('masks', step).seed;
          return updateOn(model, optimizer, () => tf.losses.softmaxCrossEntropy(tf.oneHot(b.y, K), applyRevBifpnClassifier(model.params, model.stats, b.x, cfg, { training: true, seed }), undefined, c.labelSmoothing) as tf.Scalar, lr);
        } finally {
          b.x.dispose();
        }
      },
      validate: async (done) => {
        const r = await evaluate();
        lastConfusion = r.confusion;
        curves.push({ step: done, top1: r.top1, top5: r.top5, loss: r.loss });
        return { metrics: { top1: r.top1, top5: r.top5, val_loss: r.loss }, on: `${split.val.length} validation image(s), centre crops ${size}×${size}` };
      },
      monitor: { key: 'top1', mode: 'max' },
      best,
      checkpoint,
      signal: ctx.signal,
    });
    const result = yield* trainer;
    const last = curves.at(-1);
    return {
      task: 'classification',
      status: result.status,
      steps: result.steps,
      totalSteps,
      trainSeconds: result.trainSeconds,
      backend: ctx.backend.chosen,
      model: { variant: cfg.variant, width: cfg.width, channels: cfg.channels, extLayers: cfg.extLayers, reversible: cfg.reversible, parameters: nParams, imageSize: size },
      classes: split.classes,
      trainImages: split.train.length,
      valImages: split.val.length,
      ...(last ? { top1: last.top1, top5: last.top5, valLoss: last.loss } : {}),
      ...(result.best ? { bestTop1: result.best.value, bestStep: result.best.step } : {}),
      curves,
      ...(lastConfusion ? { confusion: lastConfusion } : {}),
    };
  } finally {
    optimizer.dispose();
    model.dispose();
  }
}
