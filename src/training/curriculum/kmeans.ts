/**
 * Per-class k-means++ on embeddings: the clusters that SPL-ADVisE's Magnet-loss batches are drawn
 * from and that its student's self-paced selection ranks within (METHODS.md §5, poster Alg. 1
 * step 2). Each class's examples are clustered separately into K clusters; the global cluster
 * id is class·K + k, so the class of cluster c is ⌊c/K⌋.
 *
 * Per class: `nInit` runs of k-means++ seeding (Arthur & Vassilvitskii 2007: first centre
 * uniform, each next one drawn with probability ∝ D², the squared distance to the nearest centre
 * so far) then Lloyd iterations (assign to the nearest centre, ties to the lower index; move
 * each centre to its members' mean) until no assignment changes or `maxIter`; the run with the
 * lowest inertia (Σ squared distance to the own centre) wins, ties to the earlier run. Defaults
 * n_init 10, max_iter 20 as the SPL-ADVisE code's sklearn call [C].
 *
 * Rules for degenerate classes (documented, tested):
 * - Fewer distinct points than K (in particular fewer samples than K): the class gets as many
 *   clusters as it has distinct points (k-means++ stops when every point coincides with a
 *   centre). Its remaining slots are empty: size 0, centroid NaN; batch building never picks them.
 * - A class with no samples: all K slots empty.
 * - A cluster that empties during Lloyd is moved to the member point farthest from its centre
 *   (as sklearn does); if all points sit on centres it stays empty.
 * Non-empty clusters fill the class's first slots, in the order of the winning run.
 *
 * Host arrays on purpose: it runs between epochs on [N, E] embeddings (N ≤ 60 000, E ≤ 64).
 * Deterministic: class c's run i draws from `rng.fork('kmeans', c, i)`, so the same rng seed gives
 * the same clusters whatever happened to the rng before. Refreshes that must differ should pass
 * `rng.fork('refresh', t)`.
 */
import { type Rng } from '../core/rng';

export interface KMeansConfig {
  readonly clustersPerClass: number; // K: 8 in the SPL-ADVisE code [C]
  readonly nInit: number; // k-means++ restarts per class, the best inertia kept: 10 [C]
  readonly maxIter: number; // Lloyd iterations per restart: 20 [C]
}

export const KMEANS_DEFAULTS: KMeansConfig = { clustersPerClass: 8, nInit: 10, maxIter: 20 };

export interface Clustering {
  readonly numClasses: number;
  readonly clustersPerClass: number; // K
  readonly dim: number; // E
  readonly assignments: Int32Array; // [N]: global cluster id class·K + k of each example
  readonly centroids: Float32Array; // [numClasses·K, E] row-major; NaN rows for empty clusters
  readonly sizes: Int32Array; // [numClasses·K] members per cluster (0 = empty)
  readonly inertia: number; // Σ over examples of the squared distance to their centroid
}

export function validateKMeansConfig(cfg: KMeansConfig): void {
  for (const field of ['clustersPerClass', 'nInit', 'maxIter'] as const) {
    const v = cfg[field];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new Error(`KMeans: ${field} = ${String(v)} must be an integer ≥ 1`);
  }
}

/** Class of a global cluster id. */
export function clusterClassOf(cluster: number, clustersPerClass: number): number {
  return Math.floor(cluster / clustersPerClass);
}

/**
 * Clusters `embeddings` ([N, E] row-major) per class of `labels` (N integers in 0..numClasses−1).
 */
export function kmeansPerClass(
  embeddings: Float32Array,
  labels: ArrayLike<number>,
  numClasses: number,
  dim: number,
  rng: Rng,
  config: Partial<KMeansConfig> = {},
): Clustering {
  const cfg = { ...KMEANS_DEFAULTS, ...config };
  validateKMeansConfig(cfg);
  if (!Number.isInteger(numClasses) || numClasses < 1) throw new Error(`KMeans: numClasses = ${numClasses} must be an integer ≥ 1`);
  if (!Number.isInteger(dim) || dim < 1) throw new Error(`KMeans: dim = ${dim} must be an integer ≥ 1`);
  const N = labels.length;
  if (embeddings.length !== N * dim) throw new Error(`KMeans: embeddings hold ${embeddings.length} values, expected N·E = ${N}·${dim}`);
  for (let i = 0; i < embeddings.length; i++) {
    if (!Number.isFinite(embeddings[i])) throw new Error(`KMeans: embedding of example ${Math.floor(i / dim)} is not finite (${embeddings[i]})`);
  }
  const members: number[][] = Array.from({ length: numClasses }, () => []);
  for (let n = 0; n < N; n++) {
    const y = labels[n];
    if (!Number.isInteger(y) || y < 0 || y >= numClasses) throw new Error(`KMeans: labels[${n}] = ${y} is not a class 0..${numClasses - 1}`);
    members[y].push(n);
  }
  const K = cfg.clustersPerClass;
  const assignments = new Int32Array(N);
  const centroids = new Float32Array(numClasses * K * dim).fill(NaN);
  const sizes = new Int32Array(numClasses * K);
  let inertia = 0;
  for (let c = 0; c < numClasses; c++) {
    const idx = members[c];
    if (idx.length === 0) continue;
    const pts = new Float64Array(idx.length * dim);
    idx.forEach((n, i) => {
      for (let e = 0; e < dim; e++) pts[i * dim + e] = embeddings[n * dim + e];
    });
    let best: LloydResult | null = null;
    for (let run = 0; run < cfg.nInit; run++) {
      const seeds = kmeansPlusPlus(pts, idx.length, dim, K, rng.fork('kmeans', c, run));
      const res = lloyd(pts, idx.length, dim, seeds, cfg.maxIter);
      if (best === null || res.inertia < best.inertia) best = res;
    }
    const res = best!;
    // Compact: non-empty clusters to the front, keeping their order.
    const slot = new Int32Array(res.k).fill(-1);
    let next = 0;
    for (let j = 0; j < res.k; j++) if (res.sizes[j] > 0) slot[j] = next++;
    for (let j = 0; j < res.k; j++) {
      if (slot[j] < 0) continue;
      const g = c * K + slot[j];
      sizes[g] = res.sizes[j];
      for (let e = 0; e < dim; e++) centroids[g * dim + e] = res.centres[j * dim + e];
    }
    idx.forEach((n, i) => {
      assignments[n] = c * K + slot[res.assign[i]];
    });
    inertia += res.inertia;
  }
  return { numClasses, clustersPerClass: K, dim, assignments, centroids, sizes, inertia };
}

/** k-means++ seeding: up to k centres ([k', E], k' ≤ k stops early once every D² is 0). */
export function kmeansPlusPlus(pts: Float64Array, n: number, dim: number, k: number, rng: Rng): Float64Array {
  const centres: number[] = [];
  const first = rng.int(n);
  for (let e = 0; e < dim; e++) centres.push(pts[first * dim + e]);
  const d2 = new Float64Array(n);
  for (let i = 0; i < n; i++) d2[i] = sqDist(pts, i, Float64Array.from(centres), 0, dim);
  while (centres.length / dim < k) {
    let total = 0;
    for (let i = 0; i < n; i++) total += d2[i];
    if (!(total > 0)) break; // every point sits on a centre: no more distinct centres exist
    let u = rng.uniform() * total;
    let pick = -1;
    for (let i = 0; i < n; i++) {
      if (d2[i] === 0) continue;
      pick = i;
      u -= d2[i];
      if (u < 0) break;
    }
    const at = centres.length;
    for (let e = 0; e < dim; e++) centres.push(pts[pick * dim + e]);
    const cArr = Float64Array.from(centres);
    for (let i = 0; i < n; i++) d2[i] = Math.min(d2[i], sqDist(pts, i, cArr, at / dim, dim));
  }
  return Float64Array.from(centres);
}

interface LloydResult {
  readonly k: number;
  readonly centres: Float64Array; // [k, E]
  readonly assign: Int32Array; // [n] in 0..k−1
  readonly sizes: Int32Array; // [k]
  readonly inertia: number;
}

function lloyd(pts: Float64Array, n: number, dim: number, seeds: Float64Array, maxIter: number): LloydResult {
  const k = seeds.length / dim;
  const centres = Float64Array.from(seeds);
  const assign = new Int32Array(n).fill(-1);
  const dist = new Float64Array(n);
  const sizes = new Int32Array(k);
  const assignAll = (): boolean => {
    let changed = false;
    for (let i = 0; i < n; i++) {
      let bj = 0;
      let bd = Infinity;
      for (let j = 0; j < k; j++) {
        if (Number.isNaN(centres[j * dim])) continue; // an empty cluster with nowhere to go
        const d = sqDist(pts, i, centres, j, dim);
        if (d < bd) {
          bd = d;
          bj = j;
        }
      }
      dist[i] = bd;
      if (assign[i] !== bj) {
        assign[i] = bj;
        changed = true;
      }
    }
    return changed;
  };
  assignAll();
  for (let it = 0; it < maxIter; it++) {
    const sums = new Float64Array(k * dim);
    sizes.fill(0);
    for (let i = 0; i < n; i++) {
      const j = assign[i];
      sizes[j]++;
      for (let e = 0; e < dim; e++) sums[j * dim + e] += pts[i * dim + e];
    }
    for (let j = 0; j < k; j++) {
      if (sizes[j] > 0) {
        for (let e = 0; e < dim; e++) centres[j * dim + e] = sums[j * dim + e] / sizes[j];
        continue;
      }
      // Empty: move it onto the point farthest from its own centre (sklearn's relocation).
      let far = -1;
      for (let i = 0; i < n; i++) if (dist[i] > 0 && (far < 0 || dist[i] > dist[far])) far = i;
      if (far < 0) {
        centres.fill(NaN, j * dim, (j + 1) * dim);
        continue;
      }
      for (let e = 0; e < dim; e++) centres[j * dim + e] = pts[far * dim + e];
      dist[far] = 0;
    }
    if (!assignAll()) break;
  }
  sizes.fill(0);
  let inertia = 0;
  for (let i = 0; i < n; i++) {
    sizes[assign[i]]++;
    inertia += dist[i];
  }
  return { k, centres, assign, sizes, inertia };
}

function sqDist(a: Float64Array, i: number, b: Float64Array, j: number, dim: number): number {
  let s = 0;
  for (let e = 0; e < dim; e++) {
    const t = a[i * dim + e] - b[j * dim + e];
    s += t * t;
  }
  return s;
}
