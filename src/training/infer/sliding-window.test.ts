import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { gaussianImportance, slidingWindowPredict, windowStarts } from './sliding-window';

describe('windowStarts', () => {
  it('spreads windows evenly from 0 to size − patch', () => {
    expect(windowStarts(10, 4, 0.5)).toEqual([0, 2, 4, 6]); // stride 2: ceil(6/2)+1 = 4 windows
    expect(windowStarts(9, 4, 0.5)).toEqual([0, 2, 3, 5]); // ceil(5/2)+1 = 4, spread over 5
    expect(windowStarts(4, 4, 0.5)).toEqual([0]);
    expect(windowStarts(3, 4, 0.5)).toEqual([0]); // smaller than the patch: one padded window
    expect(windowStarts(8, 4, 0)).toEqual([0, 4]);
  });
});

describe('gaussianImportance', () => {
  it('peaks at the centre and is symmetric', () => {
    const g = gaussianImportance([3, 3, 3]);
    expect(g[13]).toBeCloseTo(1); // centre voxel (1,1,1)
    expect(g[0]).toBeCloseTo(g[26]);
    expect(g[0]).toBeLessThan(g[13]);
  });
});

describe('slidingWindowPredict', () => {
  it('reproduces a position-independent prediction exactly, whatever the windows and padding', async () => {
    // predict = per-voxel map (2·a − b, a + b): any correct blending returns it unchanged.
    const shape = [5, 7, 9] as const;
    const n = 5 * 7 * 9;
    const image = Float32Array.from({ length: n * 2 }, (_, i) => Math.sin(i));
    const predict = (x: tf.Tensor5D) => {
      const [a, b] = tf.split(x, 2, 4);
      return tf.concat([tf.sub(tf.mul(a, 2), b), tf.add(a, b)], 4) as tf.Tensor5D;
    };
    const before = tf.memory().numTensors;
    const out = await slidingWindowPredict(image, shape, 2, 2, predict, { patch: [4, 4, 4], overlap: 0.5, batchSize: 3 });
    expect(tf.memory().numTensors).toBe(before);
    for (let v = 0; v < n; v++) {
      expect(out[2 * v]).toBeCloseTo(2 * image[2 * v] - image[2 * v + 1], 5);
      expect(out[2 * v + 1]).toBeCloseTo(image[2 * v] + image[2 * v + 1], 5);
    }
    // Padding path: a volume smaller than the patch.
    const small = await slidingWindowPredict(image.subarray(0, 2 * 2 * 3 * 2), [2, 2, 3], 2, 2, predict, { patch: [4, 4, 4], overlap: 0.5, batchSize: 1 });
    expect(small[0]).toBeCloseTo(2 * image[0] - image[1], 5);
  });

  it('weights window centres above borders', async () => {
    // A predictor that says 1 for the window's centre half and 0 elsewhere along W: where two
    // windows overlap, the Gaussian favours the window whose centre the voxel is in.
    const shape = [1, 1, 12] as const;
    const image = new Float32Array(12);
    const predict = (x: tf.Tensor5D) => {
      const w = x.shape[3];
      const mask = Array.from({ length: w }, (_, i) => (i >= w / 4 && i < (3 * w) / 4 ? 1 : 0));
      return tf.tile(tf.reshape(tf.tensor1d(mask), [1, 1, 1, w, 1]), [x.shape[0], 1, 1, 1, 1]) as tf.Tensor5D;
    };
    const out = await slidingWindowPredict(image, shape, 1, 1, predict, { patch: [1, 1, 8], overlap: 0.5, batchSize: 2 });
    // Windows start at 0 and 4. Voxel 5 is at position 5 of window 0 (centre half [2, 6): 1,
    // 1.5 from its centre 3.5) and at position 1 of window 1 (border: 0, 2.5 from its centre),
    // so window 0 weighs more and the blend is above ½.
    expect(out[5]).toBeGreaterThan(0.5);
    expect(out[0]).toBe(0);
  });
});
