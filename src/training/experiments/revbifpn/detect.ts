/**
 * RevBiFPN object detection on COCO-format data (METHODS.md §2): the backbone's four scales
 * (strides 4, 8, 16, 32) through the neck into an FCOS-style anchor-free head
 * (detection/fcos-*.ts; why FCOS and not the paper's Faster R-CNN: the README). Letterboxed
 * batches with random horizontal flips (data/coco), AdamW with warm-up and cosine decay, COCO
 * evaluation (metrics/coco-eval.ts, pycocotools semantics) on the validation images every
 * `validateEvery` epochs, and at the end the run's `detections.json` for the GUI's detection viewer
 * (ground truth and predictions per validation image, per-class AP) and `predictions/val-results.json`
 * in COCO results format.
 *
 * Dataset layout: `data/annotations/instances_<split>.json` with images in `data/<split>/`, for a
 * training split named train* and a validation split named val* (COCO 2017: train2017, val2017; the
 * demo: train, val).
 */
import * as tf from '@tensorflow/tfjs';
import { mkdir, readdir, rename, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { DETECTIONS_FILE, type DetectionResults } from '../../../shared/detections';
import type { EngineEventInput } from '../../../shared/events';
import { Adam } from '../../core/adam';
import { Rng } from '../../core/rng';
import { writePrunedCheckpoint } from '../../core/training-state';
import { openCocoDataset, toCocoResults, toOriginalBoxes, writeCocoResults, type CocoBatch, type CocoDataset, type CocoResult } from '../../data/coco';
import { decodeFcos, type Detections } from '../../detection/fcos-decode';
import { applyFcosHead, fcosHeadConfig, fcosLevelsOf, flattenFcosOutputs, initFcosHead, type FcosHeadConfig, type FcosHeadParams } from '../../detection/fcos-head';
import { fcosLoss } from '../../detection/fcos-loss';
import { fcosTargets, type FcosLevel, type FcosTargets } from '../../detection/fcos-targets';
import { learningRate } from '../../loop/schedule';
import { runTrainer, type CheckpointReason } from '../../loop/trainer';
import { cocoGtFromInstances, evaluateCoco, type CocoEvalResult } from '../../metrics/coco-eval';
import { applyRevBifpnBackbone, applyRevBifpnNeck, checkInputSize, type RevBifpnConfig } from '../../models/revbifpn';
import type { ExperimentContext, RunPlan } from '../experiment';
import { modelConfigOf, type DetectConfig } from './config';
import { checkpointTensors, createRevBifpnModel, normaliseImages, restoreRevBifpn, updateOn, validationSteps, type RevBifpnModel } from './model';

export const DETECT_EXPERIMENT_ID = 'revbifpn-detect';
export const STRIDES = [4, 8, 16, 32] as const;

export interface CocoSplitFiles {
  name: string;
  annotations: string;
  images: string;
}

/** annotations/instances_<split>.json + <split>/ for the first split starting with `prefix` ('train' / 'val'). */
export async function findCocoSplit(root: string, prefix: 'train' | 'val'): Promise<CocoSplitFiles> {
  const annDir = join(root, 'annotations');
  const names = await readdir(annDir).catch(() => {
    throw new Error(`${root}: no annotations/ folder (a COCO-format dataset has annotations/instances_${prefix}*.json; \`frugal demo-data coco --out DIR\` writes one)`);
  });
  const hit = names.filter((n) => n.startsWith(`instances_${prefix}`) && n.endsWith('.json')).sort()[0];
  if (!hit) throw new Error(`${annDir}: no instances_${prefix}*.json (found: ${names.join(', ') || 'nothing'})`);
  const name = hit.slice('instances_'.length, -'.json'.length);
  const images = join(root, name);
  if (!(await stat(images).catch(() => null))?.isDirectory()) throw new Error(`${root}: ${hit} needs its images in ${name}/, which is missing`);
  return { name, annotations: join(annDir, hit), images };
}

export interface DetectData {
  train: CocoDataset;
  val: CocoDataset;
  trainSplit: CocoSplitFiles;
  valSplit: CocoSplitFiles;
  trainRows: number;
  valRows: number;
}

export async function loadDetectData(c: DetectConfig): Promise<DetectData> {
  const trainSplit = await findCocoSplit(c.data, 'train');
  const valSplit = await findCocoSplit(c.data, 'val');
  const train = await openCocoDataset({ annotations: trainSplit.annotations, images: trainSplit.images });
  const val = await openCocoDataset({ annotations: valSplit.annotations, images: valSplit.images });
  const ids = (ds: CocoDataset) => ds.instances.categories.map((k) => `${k.id}:${k.name}`).join(',');
  if (ids(train) !== ids(val)) throw new Error(`${valSplit.annotations}: categories differ from ${trainSplit.annotations}'s (${ids(val)} vs ${ids(train)})`);
  const trainRows = c.trainLimit > 0 ? Math.min(c.trainLimit, train.n) : train.n;
  const valRows = c.valLimit > 0 ? Math.min(c.valLimit, val.n) : val.n;
  if (trainRows === 0) throw new Error(`${trainSplit.annotations}: no training images`);
  return { train, val, trainSplit, valSplit, trainRows, valRows };
}

export async function planDetect(c: DetectConfig): Promise<RunPlan<DetectData>> {
  const data = await loadDetectData(c);
  return { totalSteps: c.epochs * Math.ceil(data.trainRows / c.batchSize), prepared: data };
}

export interface Detector {
  readonly model: RevBifpnModel;
  readonly head: FcosHeadParams<tf.Variable>;
  readonly cfg: RevBifpnConfig;
  readonly headCfg: FcosHeadConfig;
}

export function createDetector(c: DetectConfig, classes: number): Detector {
  // The classifier head's parameters are not used by detection: classes 1 keeps its fc tiny, and
  // it is left out of the trainable set (Adam wants a gradient for every parameter it holds).
  const cfg = { ...modelConfigOf(c, 1), fcFeatures: 0 };
  const headCfg = fcosHeadConfig({ inChannels: cfg.headChannels, strides: [...STRIDES], numClasses: classes, width: c.headWidth, numConvs: c.towerConvs, gnGroups: groupsFor(c.headWidth) });
  return buildDetector(cfg, headCfg, c.seed);
}

/** Backbone + neck of `cfg` and an FCOS head on its four scales; the classification head is not trained. */
export function buildDetector(cfg: RevBifpnConfig, headCfg: FcosHeadConfig, seed: number): Detector {
  const head = initFcosHead(headCfg, new Rng(seed).fork('fcos'));
  const model = createRevBifpnModel(cfg, seed, { fcos: head });
  for (const name of [...model.named.keys()]) if (name.startsWith('head.')) model.named.delete(name);
  return { model, head, cfg, headCfg };
}

/** GroupNorm groups for a head width: 8 (or fewer, dividing it). */
function groupsFor(width: number): number {
  for (let g = 8; g > 1; g--) if (width % g === 0) return g;
  return 1;
}

/** Images → per-level FCOS outputs (the caller disposes). */
export function detectorForward(d: Detector, x: tf.Tensor4D, training: boolean, seed = 0) {
  const opts = { training, seed };
  const feats = applyRevBifpnBackbone(d.model.params, d.model.stats, x, d.cfg, opts);
  const neck = applyRevBifpnNeck(d.model.params, d.model.stats, feats, d.cfg, opts);
  tf.dispose(feats);
  const outs = applyFcosHead(d.head, neck, d.headCfg);
  tf.dispose(neck);
  return outs;
}

export function levelsFor(size: number): FcosLevel[] {
  return STRIDES.map((s) => ({ stride: s, height: size / s, width: size / s }));
}

/** FCOS targets of a batch; crowd regions are not targets (COCO evaluation ignores them). */
export function batchTargets(b: CocoBatch, levels: FcosLevel[], source: string): FcosTargets[] {
  return b.boxes.map((boxes, i) => {
    const keep = [...b.iscrowd[i]].map((cr, j) => (cr ? -1 : j)).filter((j) => j >= 0);
    const kept = new Float32Array(keep.length * 4);
    keep.forEach((j, o) => kept.set(boxes.subarray(4 * j, 4 * j + 4), 4 * o));
    return fcosTargets({ boxes: kept, classes: keep.map((j) => b.labels[i][j]) }, levels, { source: `${source} image ${b.transforms[i].imageId}` });
  });
}

interface Evaluation {
  result: CocoEvalResult;
  results: CocoResult[];
  perImage: { row: number; dets: Detections; batch: CocoBatch; index: number }[];
}

async function evaluateDetector(d: Detector, data: DetectData, c: DetectConfig, size: number): Promise<Evaluation> {
  const results: CocoResult[] = [];
  const perImage: Evaluation['perImage'] = [];
  for (let i0 = 0; i0 < data.valRows; i0 += c.batchSize) {
    const rows = Array.from({ length: Math.min(c.batchSize, data.valRows - i0) }, (_, j) => i0 + j);
    const b = await data.val.loadBatch(rows, { size });
    const outs = tf.tidy(() => detectorForward(d, normaliseImages(b.x, b.n, size), false));
    const dets = await decodeFcos(outs, [...STRIDES], { height: size, width: size }, { scoreThreshold: c.scoreThreshold, nmsIou: c.nmsIou, maxDetections: c.maxDetections });
    for (const o of outs) tf.dispose([o.cls, o.box, o.ctr]);
    results.push(...toCocoResults(data.val.instances.categories, dets.map((det, j) => ({ transform: b.transforms[j], boxes: det.boxes, labels: det.classes, scores: det.scores }))));
    dets.forEach((det, j) => perImage.push({ row: rows[j], dets: det, batch: b, index: j }));
  }
  // Ground truth of the evaluated images only (valLimit may take a prefix).
  const full = cocoGtFromInstances(data.val.instances);
  const imageIds = new Set(data.val.instances.images.slice(0, data.valRows).map((im) => im.id));
  const gt = { ...full, images: full.images.filter((im) => imageIds.has(im.id)), annotations: full.annotations.filter((a) => imageIds.has(a.image_id)) };
  const result = evaluateCoco(gt, results, { gtSource: data.valSplit.annotations, detSource: 'predictions' });
  return { result, results, perImage };
}

/** The GUI's detection viewer file (shared/detections.ts), boxes in original image pixels. */
function detectionResults(e: Evaluation, data: DetectData, c: DetectConfig, checkpoint: string): DetectionResults {
  const inst = data.val.instances;
  const ap50ById = new Map(e.result.perImage.map((p) => [p.image_id, p.ap50 ?? null]));
  const round = (v: number): number => Math.round(v * 100) / 100;
  return {
    split: data.valSplit.name,
    dataset: resolve(c.data),
    imagesRoot: resolve(data.valSplit.images),
    checkpoint,
    createdAt: new Date().toISOString(),
    categories: inst.categories.map((k) => ({ id: k.id, name: k.name })),
    stats: e.result.stats,
    perCategory: e.result.perCategory,
    images: e.perImage.map(({ row, dets, batch, index }) => {
      const im = inst.images[row];
      const boxes = toOriginalBoxes(dets.boxes, batch.transforms[index]);
      return {
        id: im.id,
        file: resolve(data.val.paths[row]),
        width: im.width,
        height: im.height,
        gt: inst.annotations.filter((a) => a.imageId === im.id).map((a) => ({ bbox: a.bbox.map(round) as [number, number, number, number], categoryId: a.categoryId, iscrowd: a.iscrowd === 1 })),
        detections: [...dets.scores].map((score, k) => ({
          bbox: [round(boxes[4 * k]), round(boxes[4 * k + 1]), round(boxes[4 * k + 2] - boxes[4 * k]), round(boxes[4 * k + 3] - boxes[4 * k + 1])] as [number, number, number, number],
          categoryId: inst.categories[dets.classes[k]].id,
          score: Math.min(1, Math.max(0, score)),
        })),
        ap50: ap50ById.get(im.id) ?? null,
      };
    }),
  };
}

async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, JSON.stringify(value));
  await rename(tmp, path);
}

export async function* trainDetect(ctx: ExperimentContext<DetectConfig, DetectData>): AsyncGenerator<EngineEventInput, Record<string, unknown>, void> {
  const c = ctx.config;
  const data = ctx.prepared ?? (await loadDetectData(c));
  const size = c.imageSize;
  const K = data.train.classes.length;
  yield { type: 'log', level: 'info', message: `data ${c.data}: ${data.trainRows} training images (${data.trainSplit.name}), ${data.valRows} validation images (${data.valSplit.name}), ${K} categories` };
  for (const n of [...data.train.instances.notes, ...data.val.instances.notes]) yield { type: 'log', level: 'info', message: n };

  const d = createDetector(c, K);
  checkInputSize(d.cfg, size, size);
  const optimizer = new Adam(d.model.named, { weightDecay: c.weightDecay });
  const stepsPerEpoch = Math.ceil(data.trainRows / c.batchSize);
  const totalSteps = c.epochs * stepsPerEpoch;
  const levels = levelsFor(size);
  let startStep = 0;
  let best: { value: number; step: number } | undefined;
  const curves: { step: number; AP: number; AP50: number; AP75: number }[] = [];
  let last: Evaluation | null = null;
  try {
    if (ctx.resumeFrom) {
      const { counters, metadata } = await restoreRevBifpn(ctx.resumeFrom, d.model, optimizer);
      startStep = counters.step;
      if (counters.bestMetric !== undefined && counters.bestStep !== undefined) best = { value: counters.bestMetric, step: counters.bestStep };
      if (Array.isArray(metadata.curves)) curves.push(...(metadata.curves as typeof curves));
      yield { type: 'log', level: 'info', message: `resumed from ${ctx.resumeFrom} at step ${startStep}` };
    }
    const count = (keep: (name: string) => boolean): number => [...d.model.named].reduce((a, [n, v]) => a + (keep(n) ? v.size : 0), 0);
    const trainable = count(() => true);
    const backboneParams = count((n) => !n.startsWith('fcos.'));
    yield { type: 'log', level: 'info', message: `model: RevBiFPN-${d.cfg.variant} ${c.reversible ? 'reversible' : 'non-reversible twin'} backbone + neck (channels ${d.cfg.channels.join('/')}, ${d.cfg.extLayers} extension stage(s)), FCOS head width ${c.headWidth}; ${trainable.toLocaleString('en')} trainable parameters (${backboneParams.toLocaleString('en')} in the backbone and neck), ${size}×${size} letterboxed images, ${K} classes` };

    let batch: { x: tf.Tensor4D; targets: FcosTargets[] } | null = null;
    const checkpoint = async (done: number, reason: CheckpointReason, bestNow?: { value: number; step: number }): Promise<string> =>
      writePrunedCheckpoint(
        ctx.run.checkpointsDir,
        done,
        reason === 'best',
        checkpointTensors(d.model, optimizer),
        { counters: { step: done, optimizerStep: optimizer.step, bestMetric: bestNow?.value, bestStep: bestNow?.step }, experiment: DETECT_EXPERIMENT_ID, monitor: 'AP', curves },
        c.keepCheckpoints,
      );

    const trainer = runTrainer({
      totalSteps,
      startStep,
      stepsPerEpoch,
      validateEvery: validationSteps(data.valRows > 0, c.validateEvery, stepsPerEpoch, totalSteps),
      checkpointEvery: c.checkpointEvery * stepsPerEpoch,
      lrAt: (s) => learningRate(s, { lr: c.lr, warmupSteps: c.warmupSteps, totalSteps, decay: c.decay, minLr: c.minLr, power: 0.9 }),
      beforeStep: async (step) => {
        const epoch = Math.floor(step / stepsPerEpoch);
        const order = new Rng(c.seed).fork('order', epoch);
        const rows = Array.from({ length: data.trainRows }, (_, i) => i);
        for (let i = rows.length - 1; i > 0; i--) {
          const j = order.int(i + 1);
          [rows[i], rows[j]] = [rows[j], rows[i]];
        }
        const first = (step % stepsPerEpoch) * c.batchSize;
        const pick = rows.slice(first, first + c.batchSize);
        const b = await data.train.loadBatch(pick, { size, ...(c.flip ? { augment: { hflip: 0.5, rng: new Rng(c.seed).fork('flip', step) } } : {}) });
        batch = { x: normaliseImages(b.x, b.n, size), targets: batchTargets(b, levels, data.trainSplit.annotations) };
      },
      trainStep: (step, lr) => {
        const b = batch!;
        batch = null;
        try {
          const seed = new Rng(c.seed).fork('masks', step).seed;
          return updateOn(d.model, optimizer, () => fcosLoss(flattenFcosOutputs(detectorForward(d, b.x, true, seed)), b.targets).total, lr);
        } finally {
          b.x.dispose();
        }
      },
      validate: async (done) => {
        last = await evaluateDetector(d, data, c, size);
        const s = last.result.stats;
        curves.push({ step: done, AP: s.AP, AP50: s.AP50, AP75: s.AP75 });
        return { metrics: { AP: s.AP, AP50: s.AP50, AP75: s.AP75, APs: s.APs, APm: s.APm, AR100: s.AR100 }, on: `${data.valRows} ${data.valSplit.name} image(s), COCO bbox evaluation` };
      },
      monitor: { key: 'AP', mode: 'max' },
      best,
      checkpoint,
      signal: ctx.signal,
    });
    let r = await trainer.next();
    let lastCheckpoint = '';
    while (!r.done) {
      if (r.value.type === 'checkpoint') lastCheckpoint = r.value.file;
      yield r.value;
      r = await trainer.next();
    }
    const result = r.value;
    const final = last as Evaluation | null;
    if (final) {
      await mkdir(join(ctx.run.dir, 'predictions'), { recursive: true });
      await writeCocoResults(join(ctx.run.dir, 'predictions', `${data.valSplit.name}-results.json`), final.results);
      await writeJsonAtomic(join(ctx.run.dir, DETECTIONS_FILE), detectionResults(final, data, c, lastCheckpoint));
      yield { type: 'log', level: 'info', message: `wrote ${DETECTIONS_FILE} (${final.perImage.length} images) and predictions/${data.valSplit.name}-results.json (${final.results.length} detections)` };
    }
    return {
      task: 'detection',
      status: result.status,
      steps: result.steps,
      totalSteps,
      trainSeconds: result.trainSeconds,
      backend: ctx.backend.chosen,
      model: { variant: d.cfg.variant, width: d.cfg.width, channels: d.cfg.channels, extLayers: d.cfg.extLayers, reversible: d.cfg.reversible, trainableParameters: trainable, imageSize: size, head: { kind: 'fcos', width: c.headWidth, towerConvs: c.towerConvs } },
      categories: data.train.instances.categories.map((k) => ({ id: k.id, name: k.name })),
      trainImages: data.trainRows,
      valImages: data.valRows,
      ...(final ? { stats: final.result.stats, perCategory: final.result.perCategory } : {}),
      ...(result.best ? { bestAP: result.best.value, bestStep: result.best.step } : {}),
      curves,
    };
  } finally {
    optimizer.dispose();
    d.model.dispose();
  }
}
