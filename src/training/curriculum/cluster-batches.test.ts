import { describe, expect, it } from 'vitest';
import { Rng } from '../core/rng';
import { ClusterBatchBuilder, impostorClusters } from './cluster-batches';
import { type Clustering } from './kmeans';

// A hand-made layout: 3 classes × K = 2 clusters on a line (E = 2, y = 0), 3 examples each.
//   cluster: 0     1     2     3     4     5
//   class:   0     0     1     1     2     2
//   x:       0     0.1   1     5     2     3
// Seen from cluster 0, the nearest centroid is cluster 1 (distance² 0.01) but it is the same
// class; among the other classes: 2 (d² = 1), 4 (4), 5 (9), 3 (25).
const xs = [0, 0.1, 1, 5, 2, 3];
const assignments = Int32Array.from({ length: 18 }, (_, n) => Math.floor(n / 3)); // examples 3c..3c+2 in cluster c
const layout: Clustering = {
  numClasses: 3,
  clustersPerClass: 2,
  dim: 2,
  assignments,
  centroids: Float32Array.from(xs.flatMap((x) => [x, 0])),
  sizes: Int32Array.from([3, 3, 3, 3, 3, 3]),
  inertia: 0,
};

describe('Magnet-loss batch building', () => {
  it('takes the M−1 nearest clusters of other classes as impostors', () => {
    expect(impostorClusters(layout, 0, 2)).toEqual([2, 4]);
    expect(impostorClusters(layout, 0, 4)).toEqual([2, 4, 5, 3]);
    expect(impostorClusters(layout, 0, 9)).toEqual([2, 4, 5, 3]); // only 4 exist
    // From cluster 4 (class 2, x = 2): 2 (1), 1 (3.61), 0 (4), 3 (9); cluster 5 is its own class.
    expect(impostorClusters(layout, 4, 3)).toEqual([2, 1, 0]);
    // An empty cluster is never an impostor.
    const holed = { ...layout, sizes: Int32Array.from([3, 3, 0, 3, 3, 3]) };
    expect(impostorClusters(holed, 0, 2)).toEqual([4, 5]);
  });

  it('builds cluster-major batches of D examples drawn from each chosen cluster', () => {
    const b = new ClusterBatchBuilder(layout, { clustersPerBatch: 3, examplesPerCluster: 4 });
    const batch = b.batchFromSeed(0, new Rng(1));
    expect(Array.from(batch.clusters)).toEqual([0, 2, 4]);
    expect(Array.from(batch.clusterClass)).toEqual([0, 1, 2]);
    expect(Array.from(batch.exampleCluster)).toEqual([0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2]);
    batch.indices.forEach((n, i) => expect(assignments[n]).toBe(batch.clusters[Math.floor(i / 4)]));
    // D = 4 > 3 members: drawn with replacement, so some example repeats within a cluster.
    const first = Array.from(batch.indices.slice(0, 4));
    expect(new Set(first).size).toBeLessThan(4);
  });

  it('picks seeds uniformly before any loss, then ∝ the clusters\' mean losses', () => {
    const b = new ClusterBatchBuilder(layout, { clustersPerBatch: 2, examplesPerCluster: 2 });
    expect(Array.from(b.seedProbabilities())).toEqual(new Array(6).fill(1 / 6));
    // Losses: cluster 0 ← {1, 3} (mean 2), cluster 1 ← {4} (mean 4), cluster 2 ← {0} (mean 0),
    // cluster 3 ← {2} (mean 2); clusters 4, 5 unseen → the seen clusters' mean (2+4+0+2)/4 = 2.
    // Weights 2, 4, 0, 2, 2, 2 (sum 12) → probabilities 1/6, 1/3, 0, 1/6, 1/6, 1/6.
    b.recordLosses([0, 1, 3, 6, 9], [1, 3, 4, 0, 2]);
    const p = Array.from(b.seedProbabilities());
    [1 / 6, 1 / 3, 0, 1 / 6, 1 / 6, 1 / 6].forEach((v, c) => expect(p[c]).toBeCloseTo(v, 12));
    expect(Array.from(b.clusterLosses().slice(0, 4))).toEqual([2, 4, 0, 2]);
    // A re-recorded example replaces its old loss: example 0 from 1 to 5 → cluster 0 mean (5+3)/2 = 4.
    b.recordLosses([0], [5]);
    expect(b.clusterLosses()[0]).toBe(4);
    // Cluster 2 (weight 0) is never a seed; cluster 1 (weight 4 of 14) is picked about 2/7 of the time.
    const rng = new Rng(9);
    let ones = 0;
    for (let i = 0; i < 2000; i++) {
      const seed = b.nextBatch(rng).clusters[0];
      expect(seed).not.toBe(2);
      if (seed === 1) ones++;
    }
    expect(ones / 2000).toBeGreaterThan(0.25); // 4/14 = 0.2857 ± 0.01 (1σ)
    expect(ones / 2000).toBeLessThan(0.32);
  });

  it('regroups stored losses after a re-clustering', () => {
    const b = new ClusterBatchBuilder(layout);
    b.recordLosses([0, 3], [1, 3]); // clusters 0 and 1
    // New clustering: examples 0..5 all in cluster 0, the rest unchanged.
    const moved = Int32Array.from(assignments, (c, n) => (n < 6 ? 0 : c));
    b.setClustering({ ...layout, assignments: moved, sizes: Int32Array.from([6, 0, 3, 3, 3, 3]) });
    expect(b.clusterLosses()[0]).toBe(2); // (1 + 3)/2
    expect(b.seedProbabilities()[1]).toBe(0); // empty now
  });

  it('rejects what cannot make a Magnet batch', () => {
    const oneClass = { ...layout, sizes: Int32Array.from([3, 3, 0, 0, 0, 0]) };
    expect(() => new ClusterBatchBuilder(oneClass)).toThrow(/at least 2 classes, got 1/);
    expect(() => new ClusterBatchBuilder(layout, { clustersPerBatch: 1 })).toThrow(/clustersPerBatch = 1/);
    const b = new ClusterBatchBuilder(layout);
    expect(() => b.recordLosses([18], [1])).toThrow(/index 18 is outside 0..17/);
    expect(() => b.recordLosses([0], [NaN])).toThrow(/loss NaN of example 0/);
  });
});
