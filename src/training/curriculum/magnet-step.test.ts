import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { values } from '../../../test/numeric';
import { Adam } from '../core/adam';
import { variableFrom } from '../core/params';
import { type Clustering } from './kmeans';
import { embedAll, magnetTrainStep, nearestClusterClass } from './magnet-step';

describe('Magnet training helpers', () => {
  it('classifies by the nearest non-empty centroid', () => {
    // Clusters (K = 2): 0 at (0,0) class 0, 1 empty, 2 at (4,0) class 1, 3 at (0,4) class 1.
    const c: Clustering = {
      numClasses: 2,
      clustersPerClass: 2,
      dim: 2,
      assignments: new Int32Array(0),
      centroids: Float32Array.from([0, 0, NaN, NaN, 4, 0, 0, 4]),
      sizes: Int32Array.from([1, 0, 1, 1]),
      inertia: 0,
    };
    // (1,1) → cluster 0 (d² 2) → class 0; (3,0) → cluster 2 (1) → class 1; (0,2.1) → cluster 3 (3.61 < 4.41) → 1.
    expect(Array.from(nearestClusterClass(Float32Array.from([1, 1, 3, 0, 0, 2.1]), c))).toEqual([0, 1, 1]);
  });

  it('embeds in chunks exactly as in one pass, and a step updates the weights without leaking', async () => {
    // A linear "embedding": flatten [B, 2, 2, 1] → [B, 4] · W [4, 2].
    const w = variableFrom(values(8, 1), [4, 2]);
    const embed = (x: tf.Tensor4D) => tf.matMul(x.reshape([x.shape[0], 4]), w) as tf.Tensor2D;
    const x = tf.tensor4d(values(6 * 4, 2), [6, 2, 2, 1]);
    const whole = await embedAll(embed, x, 6);
    const chunked = await embedAll(embed, x, 4); // 4 + 2
    expect(whole.dim).toBe(2);
    expect(Array.from(chunked.values)).toEqual(Array.from(whole.values));
    const params = new Map([['w', w]]);
    const adam = new Adam(params);
    const before = tf.memory().numTensors;
    const w0 = Array.from(w.dataSync());
    const batch = { indices: Int32Array.from([0, 1, 2, 3, 4, 5]), exampleCluster: Int32Array.from([0, 0, 1, 1, 2, 2]), clusterClass: Int32Array.from([0, 1, 2]), clusters: Int32Array.from([0, 2, 4]) };
    const out = await magnetTrainStep(embed, params, adam, 0.01, x, batch);
    expect(out.perExample.length).toBe(6);
    expect(out.loss).toBeGreaterThan(0); // random points: some hinge is active, so W moves
    expect(out.loss).toBeCloseTo(out.perExample.reduce((a, b) => a + b, 0) / 6, 5);
    expect(Array.from(w.dataSync())).not.toEqual(w0);
    expect(tf.memory().numTensors).toBe(before);
    const five = x.slice([0, 0, 0, 0], [5, -1, -1, -1]) as tf.Tensor4D;
    await expect(magnetTrainStep(embed, params, adam, 0.01, five, batch)).rejects.toThrow(/5 images for a batch of 6/);
    tf.dispose([x, five, w]);
    adam.dispose();
  });
});
