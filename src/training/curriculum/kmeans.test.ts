import { describe, expect, it } from 'vitest';
import { Rng } from '../core/rng';
import { clusterClassOf, kmeansPerClass } from './kmeans';

// Two classes in 2-D, each with two tight blobs of three points ("L" shapes):
//   class 0: {(0,0), (0,1), (1,0)} and {(10,0), (10,1), (11,0)}
//   class 1: {(0,10), (0,11), (1,10)} and {(10,10), (10,11), (11,10)}
// Each blob's mean is its corner + (1/3, 1/3); each point's squared distance to it is
// (1/9 + 1/9) = 2/9, (1/9 + 4/9) = 5/9, (4/9 + 1/9) = 5/9, so a blob's inertia is 12/9 = 4/3 and
// the whole clustering's is 4 · 4/3 = 16/3.
const corners = [[0, 0], [10, 0], [0, 10], [10, 10]];
const offsets = [[0, 0], [0, 1], [1, 0]];
const points: number[][] = [];
const labels: number[] = [];
const blob: number[] = []; // which corner each point came from
// Interleave so classes and blobs are not contiguous in index order.
for (const o of offsets) {
  corners.forEach((c, b) => {
    points.push([c[0] + o[0], c[1] + o[1]]);
    labels.push(b < 2 ? 0 : 1);
    blob.push(b);
  });
}
const emb = Float32Array.from(points.flat());

describe('kmeansPerClass (k-means++ per class)', () => {
  it('finds the blobs of each class: assignments, centroids, sizes and inertia', () => {
    const c = kmeansPerClass(emb, labels, 2, 2, new Rng(7), { clustersPerClass: 2 });
    expect(c.inertia).toBeCloseTo(16 / 3, 5);
    expect(Array.from(c.sizes)).toEqual([3, 3, 3, 3]);
    // Same blob ⇔ same cluster, and every cluster id belongs to its example's class.
    for (let i = 0; i < points.length; i++) {
      expect(clusterClassOf(c.assignments[i], 2)).toBe(labels[i]);
      for (let j = 0; j < points.length; j++) expect(c.assignments[i] === c.assignments[j]).toBe(blob[i] === blob[j]);
    }
    // Each point's cluster centroid is its blob's corner + (1/3, 1/3).
    for (let i = 0; i < points.length; i++) {
      const g = c.assignments[i];
      const corner = corners[blob[i]];
      expect(c.centroids[2 * g]).toBeCloseTo(corner[0] + 1 / 3, 5);
      expect(c.centroids[2 * g + 1]).toBeCloseTo(corner[1] + 1 / 3, 5);
    }
  });

  it('is deterministic given the seed, and independent of the rng position', () => {
    const a = kmeansPerClass(emb, labels, 2, 2, new Rng(3), { clustersPerClass: 2 });
    const used = new Rng(3);
    for (let i = 0; i < 100; i++) used.uniform(); // draws before do not matter (fork by seed)
    const b = kmeansPerClass(emb, labels, 2, 2, used, { clustersPerClass: 2 });
    expect(Array.from(b.assignments)).toEqual(Array.from(a.assignments));
    expect(Array.from(b.centroids)).toEqual(Array.from(a.centroids));
    // A harder case (random points, K = 3): still identical across calls with one seed.
    const r = new Rng(11);
    const pts = r.fill(200 * 3, (q) => q.normal());
    const lab = Array.from({ length: 200 }, (_, i) => i % 4);
    const x = kmeansPerClass(pts, lab, 4, 3, new Rng(5), { clustersPerClass: 3 });
    const y = kmeansPerClass(pts, lab, 4, 3, new Rng(5), { clustersPerClass: 3 });
    expect(Array.from(x.assignments)).toEqual(Array.from(y.assignments));
    expect(x.inertia).toBe(y.inertia);
    // More restarts never do worse (the best of 10 includes the first run).
    const one = kmeansPerClass(pts, lab, 4, 3, new Rng(5), { clustersPerClass: 3, nInit: 1 });
    expect(x.inertia).toBeLessThanOrEqual(one.inertia);
  });

  it('gives a class with fewer samples than K one cluster per distinct point and empty slots', () => {
    // class 0: 2 samples, class 1: 3 identical samples, class 2: none; K = 3.
    const e = Float32Array.from([0, 0, 4, 0, 9, 9, 9, 9, 9, 9]);
    const c = kmeansPerClass(e, [0, 0, 1, 1, 1], 3, 2, new Rng(1), { clustersPerClass: 3 });
    expect(Array.from(c.sizes)).toEqual([1, 1, 0, 3, 0, 0, 0, 0, 0]);
    expect(new Set([c.assignments[0], c.assignments[1]])).toEqual(new Set([0, 1]));
    expect(Array.from(c.assignments.slice(2))).toEqual([3, 3, 3]);
    expect(Array.from(c.centroids.slice(6, 8))).toEqual([9, 9]); // cluster 3
    for (const empty of [2, 4, 5, 6, 7, 8]) expect(Number.isNaN(c.centroids[2 * empty])).toBe(true);
    expect(c.inertia).toBe(0);
  });

  it('rejects bad input naming the field', () => {
    expect(() => kmeansPerClass(emb, labels, 2, 2, new Rng(0), { clustersPerClass: 0 })).toThrow(/clustersPerClass = 0/);
    expect(() => kmeansPerClass(emb, labels, 2, 3, new Rng(0))).toThrow(/expected N·E = 12·3/);
    expect(() => kmeansPerClass(emb, labels.map((l, i) => (i === 5 ? 2 : l)), 2, 2, new Rng(0))).toThrow(/labels\[5\] = 2 is not a class 0..1/);
    expect(() => kmeansPerClass(Float32Array.from([0, NaN]), [0], 1, 2, new Rng(0))).toThrow(/example 0 is not finite/);
  });
});
