/**
 * Magnet-loss batches (Rippel et al. 2016; SPL-ADVisE poster Alg. 1 step 3, METHODS.md §5):
 *   1. pick a seed cluster with probability ∝ its mean Magnet loss over the examples seen so far
 *      (uniform over non-empty clusters before any loss exists);
 *   2. add the M−1 clusters of *other* classes whose centroids are nearest the seed's (squared
 *      Euclidean; ties to the lower cluster id);
 *   3. draw D examples from each cluster uniformly, with replacement.
 * The batch is cluster-major: batch cluster m holds examples m·D … m·D+D−1.
 *
 * Seed weights, where the paper and the code are silent or odd [U]:
 * - A cluster's loss is the mean of the latest recorded per-example losses of its current members
 *   that have one. The code marks "has a loss" by the loss being non-zero, so an example with a
 *   zero hinge counts as unseen; here a recorded 0 counts (it lowers its cluster's weight).
 * - Once some losses exist, a non-empty cluster none of whose members has one gets the mean of
 *   the seen clusters' losses (the code gives it 0: it could never be a seed again).
 * - Empty clusters (see kmeans.ts) are never seeds nor impostors. If fewer than M−1 other-class
 *   clusters exist, the batch takes all of them (M' < M clusters).
 * After a re-clustering (`setClustering`), stored per-example losses are kept and regrouped by
 * the new assignments.
 */
import { type Rng } from '../core/rng';
import { clusterClassOf, type Clustering } from './kmeans';

export interface MagnetBatchConfig {
  readonly clustersPerBatch: number; // M: 8 [C]
  readonly examplesPerCluster: number; // D: 8 [C] (batch of M·D = 64)
}

export const MAGNET_BATCH_DEFAULTS: MagnetBatchConfig = { clustersPerBatch: 8, examplesPerCluster: 8 };

export interface MagnetBatch {
  readonly indices: Int32Array; // [M'·D] dataset indices, cluster-major
  readonly exampleCluster: Int32Array; // [M'·D] batch cluster 0..M'−1 of each example
  readonly clusterClass: Int32Array; // [M'] class of each batch cluster
  readonly clusters: Int32Array; // [M'] global cluster ids; clusters[0] is the seed
}

export function validateMagnetBatchConfig(cfg: MagnetBatchConfig): void {
  if (!Number.isInteger(cfg.clustersPerBatch) || cfg.clustersPerBatch < 2) {
    throw new Error(`MagnetBatch: clustersPerBatch = ${cfg.clustersPerBatch} must be an integer ≥ 2 (a seed and at least one impostor)`);
  }
  if (!Number.isInteger(cfg.examplesPerCluster) || cfg.examplesPerCluster < 1) {
    throw new Error(`MagnetBatch: examplesPerCluster = ${cfg.examplesPerCluster} must be an integer ≥ 1`);
  }
}

/**
 * The `count` non-empty clusters of classes other than the seed's whose centroids are nearest the
 * seed's centroid (squared Euclidean distance, ties to the lower id), nearest first.
 */
export function impostorClusters(clustering: Clustering, seed: number, count: number): number[] {
  const { clustersPerClass: K, dim: E, centroids, sizes } = clustering;
  const seedClass = clusterClassOf(seed, K);
  const cands: { c: number; d: number }[] = [];
  for (let c = 0; c < sizes.length; c++) {
    if (sizes[c] === 0 || clusterClassOf(c, K) === seedClass) continue;
    let d = 0;
    for (let e = 0; e < E; e++) {
      const t = centroids[c * E + e] - centroids[seed * E + e];
      d += t * t;
    }
    cands.push({ c, d });
  }
  cands.sort((a, b) => a.d - b.d || a.c - b.c);
  return cands.slice(0, count).map((x) => x.c);
}

/** Builds Magnet-loss batches from a clustering and the per-example losses recorded so far. */
export class ClusterBatchBuilder {
  readonly config: MagnetBatchConfig;
  private clustering: Clustering;
  private members: Int32Array[] = []; // per global cluster: its dataset indices
  private readonly exampleLoss: Float64Array; // latest loss per example
  private readonly seen: Uint8Array; // 1 once a loss was recorded for the example
  private clusterSum = new Float64Array(0);
  private clusterSeen = new Int32Array(0);
  private anySeen = false;

  constructor(clustering: Clustering, config: Partial<MagnetBatchConfig> = {}) {
    this.config = { ...MAGNET_BATCH_DEFAULTS, ...config };
    validateMagnetBatchConfig(this.config);
    const N = clustering.assignments.length;
    this.exampleLoss = new Float64Array(N);
    this.seen = new Uint8Array(N);
    this.clustering = clustering;
    this.setClustering(clustering);
  }

  /** Swaps in a fresh clustering of the same examples (re-embed + re-cluster); losses are kept. */
  setClustering(clustering: Clustering): void {
    const N = this.exampleLoss.length;
    if (clustering.assignments.length !== N) {
      throw new Error(`ClusterBatchBuilder: the clustering covers ${clustering.assignments.length} examples, the builder ${N}`);
    }
    const nClusters = clustering.sizes.length;
    let usable = 0;
    const classes = new Set<number>();
    for (let c = 0; c < nClusters; c++) {
      if (clustering.sizes[c] > 0) {
        usable++;
        classes.add(clusterClassOf(c, clustering.clustersPerClass));
      }
    }
    if (classes.size < 2) throw new Error(`ClusterBatchBuilder: Magnet batches need non-empty clusters of at least 2 classes, got ${classes.size} (${usable} non-empty clusters)`);
    const lists: number[][] = Array.from({ length: nClusters }, () => []);
    for (let n = 0; n < N; n++) lists[clustering.assignments[n]].push(n);
    this.members = lists.map((l) => Int32Array.from(l));
    this.clustering = clustering;
    this.clusterSum = new Float64Array(nClusters);
    this.clusterSeen = new Int32Array(nClusters);
    for (let n = 0; n < N; n++) {
      if (!this.seen[n]) continue;
      const c = clustering.assignments[n];
      this.clusterSum[c] += this.exampleLoss[n];
      this.clusterSeen[c] += 1;
    }
  }

  /** Stores per-example losses (e.g. a batch's Magnet losses); a repeated index keeps the last. */
  recordLosses(indices: ArrayLike<number>, losses: ArrayLike<number>): void {
    if (indices.length !== losses.length) throw new Error(`ClusterBatchBuilder: ${indices.length} indices but ${losses.length} losses`);
    const N = this.exampleLoss.length;
    for (let i = 0; i < indices.length; i++) {
      const n = indices[i];
      const l = losses[i];
      if (!Number.isInteger(n) || n < 0 || n >= N) throw new Error(`ClusterBatchBuilder: index ${n} is outside 0..${N - 1}`);
      if (!(l >= 0) || !Number.isFinite(l)) throw new Error(`ClusterBatchBuilder: loss ${l} of example ${n} must be finite and ≥ 0`);
      const c = this.clustering.assignments[n];
      if (this.seen[n]) this.clusterSum[c] -= this.exampleLoss[n];
      else this.clusterSeen[c] += 1;
      this.clusterSum[c] += l;
      this.exampleLoss[n] = l;
      this.seen[n] = 1;
    }
    if (indices.length > 0) this.anySeen = true;
  }

  /** Mean recorded loss per cluster (NaN where no member has a loss yet). */
  clusterLosses(): Float64Array {
    return this.clusterSum.map((s, c) => (this.clusterSeen[c] > 0 ? s / this.clusterSeen[c] : NaN));
  }

  /** Seed-cluster probabilities (see the file comment for the rules); sums to 1. */
  seedProbabilities(): Float64Array {
    const sizes = this.clustering.sizes;
    const w = new Float64Array(sizes.length);
    const means = this.clusterLosses();
    let seenMean = 0;
    let seenCount = 0;
    for (let c = 0; c < sizes.length; c++) {
      if (sizes[c] > 0 && this.clusterSeen[c] > 0) {
        seenMean += means[c];
        seenCount++;
      }
    }
    seenMean = seenCount > 0 ? seenMean / seenCount : 0;
    let total = 0;
    for (let c = 0; c < sizes.length; c++) {
      if (sizes[c] === 0) continue;
      w[c] = !this.anySeen ? 1 : this.clusterSeen[c] > 0 ? means[c] : seenMean;
      total += w[c];
    }
    if (!(total > 0)) {
      // Every loss is 0 (or none exists): uniform over non-empty clusters.
      total = 0;
      for (let c = 0; c < sizes.length; c++) total += w[c] = sizes[c] > 0 ? 1 : 0;
    }
    return w.map((v) => v / total);
  }

  /** One batch: a seed drawn by `seedProbabilities`, its impostors, D examples from each. */
  nextBatch(rng: Rng): MagnetBatch {
    const p = this.seedProbabilities();
    let u = rng.uniform();
    let seed = -1;
    for (let c = 0; c < p.length; c++) {
      if (p[c] === 0) continue;
      seed = c;
      u -= p[c];
      if (u < 0) break;
    }
    return this.batchFromSeed(seed, rng);
  }

  /** The batch for a given seed cluster (its examples still drawn from `rng`). */
  batchFromSeed(seed: number, rng: Rng): MagnetBatch {
    const { clustersPerBatch: M, examplesPerCluster: D } = this.config;
    const K = this.clustering.clustersPerClass;
    if (!(seed >= 0 && seed < this.members.length) || this.members[seed].length === 0) {
      throw new Error(`ClusterBatchBuilder: seed cluster ${seed} does not exist or is empty`);
    }
    const clusters = Int32Array.from([seed, ...impostorClusters(this.clustering, seed, M - 1)]);
    const Mb = clusters.length;
    const indices = new Int32Array(Mb * D);
    const exampleCluster = new Int32Array(Mb * D);
    for (let m = 0; m < Mb; m++) {
      const pool = this.members[clusters[m]];
      for (let j = 0; j < D; j++) {
        indices[m * D + j] = pool[rng.int(pool.length)];
        exampleCluster[m * D + j] = m;
      }
    }
    const clusterClass = clusters.map((c) => clusterClassOf(c, K));
    return { indices, exampleCluster, clusterClass, clusters };
  }
}
