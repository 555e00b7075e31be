/**
 * Phase 1 of SPL-ADVisE (METHODS.md §5 "Embedding CNN", poster Alg. 1): train the embedding CNN
 * with the Magnet loss on cluster batches, re-embedding and re-clustering on schedule, then
 * cluster the whole training set once more: those clusters are the groups the student's
 * self-paced rule ranks within.
 *
 *   every R steps from step 0: embed the (sub)set, per-class k-means++ (K clusters), refresh the
 *     batch builder (losses kept), report a PCA plot and the nearest-cluster test accuracy;
 *   each step: seed cluster ∝ its mean loss, its M−1 nearest other-class clusters, D examples
 *     each; one Adam step on the Magnet loss; store the per-example losses.
 *   at the end: embed every training image and cluster it (global id = class·K + k).
 *
 * As the released code (METHODS.md (e)), the embedding is trained first and then kept fixed; the
 * poster's parallel training of embedding and student is not done here.
 */
import * as tf from '@tensorflow/tfjs';
import type { EngineEventInput } from '../../../shared/events';
import { Adam } from '../../core/adam';
import { countParams, disposeParams, flattenParams } from '../../core/params';
import { type Rng } from '../../core/rng';
import { ClusterBatchBuilder } from '../../curriculum/cluster-batches';
import { type Clustering, kmeansPerClass } from '../../curriculum/kmeans';
import { magnetTrainStep, nearestClusterClass } from '../../curriculum/magnet-step';
import { pca2d } from '../../curriculum/pca';
import { type DatasetView, gatherPixels } from '../../data/images/view';
import { applyLeNet, initLeNet, lenetConfig } from '../../models/lenet';
import type { SelfPacedExperimentConfig } from './config';
import { allRows, forwardRows } from './passes';
import { type StepClock, yieldToEventLoop } from './progress';
import { type LoadedRunState, type RunCurves, type Snapshot, assignSaved, prefixed, savedArray, unprefixed } from './state';

/** At most this many points in an 'embedding' event (a readable scatter plot, a small event). */
export const PLOT_POINTS = 500;
/** Test images embedded for the nearest-cluster accuracy at each refresh. */
export const NEAREST_CLUSTER_TEST_IMAGES = 1000;

export interface EmbeddingPhaseArgs {
  readonly c: SelfPacedExperimentConfig;
  readonly train: DatasetView;
  readonly test: DatasetView;
  readonly classNames: readonly string[];
  readonly rng: Rng; // the run's root stream
  readonly clock: StepClock;
  readonly signal: AbortSignal;
  readonly curves: RunCurves;
  readonly resume: LoadedRunState | null; // a checkpoint taken in this phase
  checkpoint(snap: Snapshot, reason: 'stop'): Promise<EngineEventInput>;
}

export interface EmbeddingSummary {
  readonly steps: number;
  readonly refreshEvery: number;
  readonly trainedOn: number; // images in the embedding's subset
  readonly parameters: number;
  readonly finalNearestClusterAccuracy: number;
  readonly finalMagnetLoss: number | null;
  readonly clusters: number; // non-empty clusters of the final clustering
}

export type EmbeddingPhaseResult = { stopped: true } | { stopped: false; groups: Int32Array; summary: EmbeddingSummary };

/** The embedding's subset of training rows: all, or `refreshSubset` seeded rows in order. */
export function embeddingSubset(n: number, refreshSubset: number, rng: Rng): Int32Array {
  if (refreshSubset <= 0 || refreshSubset >= n) return allRows(n);
  const rows = rng.fork('embedding-subset').shuffle(Array.from({ length: n }, (_, i) => i)).slice(0, refreshSubset);
  return Int32Array.from(rows).sort();
}

export async function* embeddingPhase(a: EmbeddingPhaseArgs): AsyncGenerator<EngineEventInput, EmbeddingPhaseResult, void> {
  const { c, train, test, rng, clock } = a;
  const numClasses = a.classNames.length;
  const subset = embeddingSubset(train.n, c.refreshSubset, rng);
  const nSub = subset.length;
  const subsetLabels = Int32Array.from(subset, (r) => train.labels[r]);
  const batchSize = c.clustersPerBatch * c.examplesPerCluster;
  const R = c.refreshEvery > 0 ? c.refreshEvery : Math.ceil(nSub / batchSize); // paper: ⌈N/64⌉
  const kcfg = { clustersPerClass: c.clustersPerClass, nInit: c.kmeansRestarts, maxIter: c.kmeansIterations };
  const bcfg = { clustersPerBatch: c.clustersPerBatch, examplesPerCluster: c.examplesPerCluster };
  const cfg = lenetConfig('magnet-embedding', { inputSize: train.height, inChannels: train.channels, convChannels: c.embeddingChannels, outDim: c.embeddingDim });
  const params = initLeNet(cfg, rng.fork('embedding-init'));
  const named = flattenParams(params);
  const adam = new Adam(named);
  const embed = (x: tf.Tensor4D): tf.Tensor2D => applyLeNet(params, x, cfg);
  const plotRng = rng.fork('plot-sample');
  const plotPositions = Int32Array.from(plotRng.shuffle(Array.from({ length: nSub }, (_, i) => i)).slice(0, PLOT_POINTS)).sort(); // positions in the subset
  const testRows = allRows(Math.min(NEAREST_CLUSTER_TEST_IMAGES, test.n));

  let t = 0; // Magnet steps done
  let clustering: Clustering | null = null;
  let builder: ClusterBatchBuilder | null = null;
  const losses = new Float32Array(nSub).fill(NaN); // latest Magnet loss per subset example
  let window = { sum: 0, count: 0 }; // Magnet losses since the last refresh
  let lastLoss: number | null = null;

  if (a.resume) {
    const s = a.resume;
    assignSaved(s, 'emb/param/', named);
    const m = s.metadata as { phaseStep: number; adamStep: number; inertia?: number; window: { sum: number; count: number } };
    adam.loadState(unprefixed(s, 'emb/opt/') as Map<string, { shape: number[]; data: Float32Array }>, m.adamStep);
    t = m.phaseStep;
    window = { ...m.window };
    losses.set(savedArray(s, 'emb/losses', Float32Array, nSub));
    if (s.tensors.has('emb/clusters/assignments')) {
      clustering = {
        numClasses,
        clustersPerClass: c.clustersPerClass,
        dim: c.embeddingDim,
        assignments: savedArray(s, 'emb/clusters/assignments', Int32Array, nSub),
        centroids: savedArray(s, 'emb/clusters/centroids', Float32Array, numClasses * c.clustersPerClass * c.embeddingDim),
        sizes: savedArray(s, 'emb/clusters/sizes', Int32Array, numClasses * c.clustersPerClass),
        inertia: m.inertia ?? 0,
      };
      builder = new ClusterBatchBuilder(clustering, bcfg);
      const seen = Array.from(losses.keys()).filter((i) => !Number.isNaN(losses[i]));
      builder.recordLosses(seen, seen.map((i) => losses[i])); // the same per-cluster sums (up to rounding)
    }
  }

  const snapshot = (): Snapshot => {
    const tensors = new Map<string, tf.Tensor | { data: Float32Array | Int32Array; shape: number[] }>([
      ...prefixed('emb/param/', named),
      ...prefixed('emb/opt/', adam.stateTensors()),
      ['emb/losses', { data: losses, shape: [nSub] }],
    ]);
    if (clustering) {
      tensors.set('emb/clusters/assignments', { data: clustering.assignments, shape: [nSub] });
      tensors.set('emb/clusters/centroids', { data: clustering.centroids, shape: [clustering.sizes.length, clustering.dim] });
      tensors.set('emb/clusters/sizes', { data: clustering.sizes, shape: [clustering.sizes.length] });
    }
    return { phase: 'embedding', tensors, meta: { phaseStep: t, adamStep: adam.step, inertia: clustering?.inertia, window } };
  };

  /** Nearest-cluster accuracy on the test rows, an embedding plot and a curve point. */
  async function* report(cl: Clustering, sampleValues: Float32Array, sampleLabels: ArrayLike<number>, sampleClusters: ArrayLike<number>): AsyncGenerator<EngineEventInput, number, void> {
    const testEmb = await forwardRows(embed, test, testRows, c.evalBatch);
    const pred = nearestClusterClass(testEmb.values, cl);
    let hits = 0;
    for (let i = 0; i < testRows.length; i++) hits += pred[i] === test.labels[testRows[i]] ? 1 : 0;
    const accuracy = testRows.length ? hits / testRows.length : 0;
    const magnetLoss = window.count ? window.sum / window.count : null;
    a.curves.embedding.push({ step: clock.step, phaseStep: t, magnetLoss, nearestClusterAccuracy: accuracy, inertia: cl.inertia });
    window = { sum: 0, count: 0 };
    const { points } = pca2d(sampleValues, c.embeddingDim);
    const epoch = Math.floor((t * batchSize) / nSub);
    yield { type: 'embedding', step: clock.step, epoch, projection: 'pca', points, labels: Array.from(sampleLabels), clusters: Array.from(sampleClusters), classNames: [...a.classNames] };
    yield {
      type: 'validation',
      step: clock.step,
      epoch: (t * batchSize) / nSub,
      on: `${testRows.length} test images, class of the nearest cluster centroid in the Magnet embedding (after ${t} steps)`,
      metrics: { nearest_cluster_accuracy: accuracy, ...(magnetLoss !== null ? { magnet_loss: magnetLoss } : {}) },
      best: false,
    };
    return accuracy;
  }

  const pick = (values: Float32Array, positions: Int32Array): Float32Array => {
    const E = c.embeddingDim;
    const out = new Float32Array(positions.length * E);
    positions.forEach((p, i) => out.set(values.subarray(p * E, (p + 1) * E), i * E));
    return out;
  };

  try {
    yield { type: 'log', level: 'info', message: `embedding: Magnet loss, LeNet conv ${c.embeddingChannels.join('/')} → ${c.embeddingDim}-d (${countParams(params).toLocaleString('en')} parameters), ${c.embeddingSteps} steps of ${c.clustersPerBatch}×${c.examplesPerCluster} images on ${nSub} training images, re-clustered every ${R} steps (K = ${c.clustersPerClass} per class)` };
    let s0 = performance.now();
    while (t < c.embeddingSteps) {
      if (a.signal.aborted) {
        yield await a.checkpoint(snapshot(), 'stop');
        return { stopped: true };
      }
      if (t % R === 0) {
        const emb = await forwardRows(embed, train, subset, c.evalBatch);
        clustering = kmeansPerClass(emb.values, subsetLabels, numClasses, c.embeddingDim, rng.fork('refresh', t), kcfg);
        if (builder) builder.setClustering(clustering);
        else builder = new ClusterBatchBuilder(clustering, bcfg);
        yield* report(clustering, pick(emb.values, plotPositions), Array.from(plotPositions, (p) => subsetLabels[p]), Array.from(plotPositions, (p) => clustering!.assignments[p]));
        s0 = performance.now(); // the refresh is not part of the step's time
      }
      const batch = builder!.nextBatch(rng.fork('magnet-batch', t));
      const rows = Array.from(batch.indices, (i) => subset[i]);
      const x = tf.tensor4d(gatherPixels(train, rows), [rows.length, train.height, train.width, train.channels]); // [M·D, H, W, C]
      const r = await magnetTrainStep(embed, named, adam, c.embeddingLr, x, batch, c.magnetAlpha);
      x.dispose();
      builder!.recordLosses(batch.indices, r.perExample);
      batch.indices.forEach((i, k) => (losses[i] = r.perExample[k]));
      window.sum += r.loss;
      window.count += 1;
      lastLoss = r.loss;
      await yieldToEventLoop();
      t += 1;
      const ms = performance.now() - s0;
      yield clock.stepEvent(r.loss, c.embeddingLr, (t * batchSize) / nSub, ms, 'Magnet');
      s0 = performance.now();
    }
    // The student's groups: every training image, embedded and clustered with the final weights.
    const all = await forwardRows(embed, train, allRows(train.n), c.evalBatch);
    const final = kmeansPerClass(all.values, train.labels, numClasses, c.embeddingDim, rng.fork('refresh', 'final'), kcfg);
    const plotRows = Int32Array.from(plotPositions, (p) => subset[p]);
    const accuracy = yield* report(final, pick(all.values, plotRows), Array.from(plotRows, (r) => train.labels[r]), Array.from(plotRows, (r) => final.assignments[r]));
    const clusters = Array.from(final.sizes).filter((s) => s > 0).length;
    yield { type: 'log', level: 'info', message: `embedding done: ${clusters} clusters over ${train.n} training images; nearest-cluster test accuracy ${(100 * accuracy).toFixed(1)}%` };
    return {
      stopped: false,
      groups: final.assignments,
      summary: { steps: t, refreshEvery: R, trainedOn: nSub, parameters: countParams(params), finalNearestClusterAccuracy: accuracy, finalMagnetLoss: lastLoss, clusters },
    };
  } finally {
    adam.dispose();
    disposeParams(params);
  }
}
