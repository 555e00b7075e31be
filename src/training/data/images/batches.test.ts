/**
 * Views and the seeded batch iterator on tiny hand-made datasets: pixel maps gather the values
 * worked out below, every row is visited once per epoch in an order fixed by (seed, epoch), and
 * the tensors handed out are the only ones created.
 */

import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { epochOrder, iterateBatches, numBatches } from './batches';
import type { ImageDataset } from './dataset';
import { gatherPixels, makeView, padAndReplicateMap, subView } from './view';

/** n images of 2×2×1; image i has pixels [i, i+1, i+2, i+3]·10 (mod 256) and label i mod 3. */
function tiny(n: number): ImageDataset {
  const images = new Uint8Array(n * 4);
  for (let i = 0; i < n; i++) for (let j = 0; j < 4; j++) images[i * 4 + j] = ((i + j) * 10) % 256;
  return { name: 'tiny', split: 'train', images, labels: Int32Array.from({ length: n }, (_, i) => i % 3), n, height: 2, width: 2, channels: 1, classes: ['a', 'b', 'c'] };
}

describe('views', () => {
  it('a permutation map gathers out[j] = in[perm[j]], scaled by 1/255', () => {
    const ds = tiny(2); // image 1 = [10, 20, 30, 40]
    const v = makeView(ds, { pixelMap: Int32Array.from([3, 2, 1, 0]) });
    const px = gatherPixels(v, [1]);
    expect(Array.from(px)).toEqual([40 / 255, 30 / 255, 20 / 255, 10 / 255].map(Math.fround));
  });

  it('pad-and-replicate: a 1×1×1 image in a 3×3×3 frame sits in the centre, in all three channels', () => {
    const map = padAndReplicateMap({ height: 1, width: 1, channels: 1 }, { height: 3, width: 3, channels: 3 });
    // centre pixel (y=1, x=1) → NHWC offset (1·3 + 1)·3 = 12..14
    expect(Array.from(map)).toEqual([...new Array(12).fill(-1), 0, 0, 0, ...new Array(12).fill(-1)]);
    const ds: ImageDataset = { ...tiny(1), images: Uint8Array.from([255]), height: 1, width: 1, labels: Int32Array.from([2]) };
    const v = makeView(ds, { pixelMap: map, shape: { height: 3, width: 3, channels: 3 }, labelOffset: 10 });
    expect(Array.from(gatherPixels(v, [0]))).toEqual([...new Array(12).fill(0), 1, 1, 1, ...new Array(12).fill(0)]);
    expect(v.labels[0]).toBe(12); // label 2 + offset 10
  });

  it('rejects maps that do not fit', () => {
    expect(() => makeView(tiny(1), { pixelMap: Int32Array.from([0, 1, 2]) })).toThrow(/pixelMap has 3 entries, output shape 2×2×1 needs 4/);
    expect(() => makeView(tiny(1), { pixelMap: Int32Array.from([0, 1, 2, 4]) })).toThrow(/pixelMap\[3\] = 4 is outside −1\.\.3/);
    expect(() => makeView(tiny(1), { rows: [1] })).toThrow(/row 1 outside 0\.\.0/);
  });

  it('subView keeps base rows and labels', () => {
    const v = subView(makeView(tiny(6), { rows: [5, 4, 3] }), [2, 0]);
    expect(Array.from(v.rows)).toEqual([3, 5]);
    expect(Array.from(v.labels)).toEqual([0, 2]);
  });
});

describe('batch iterator', () => {
  it('epoch order: a permutation fixed by (seed, epoch)', () => {
    const a = epochOrder(100, 7, 0);
    expect(Array.from(a).sort((x, y) => x - y)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(Array.from(epochOrder(100, 7, 0))).toEqual(Array.from(a));
    expect(Array.from(epochOrder(100, 7, 1))).not.toEqual(Array.from(a));
    expect(Array.from(epochOrder(100, 8, 0))).not.toEqual(Array.from(a));
    expect(Array.from(epochOrder(5, 7, 0, false))).toEqual([0, 1, 2, 3, 4]);
  });

  it('visits each row once per epoch; shapes, values and labels match the rows', () => {
    const ds = tiny(10);
    const view = makeView(ds);
    const before = tf.memory().numTensors;
    const seen: number[] = [];
    const sizes: number[] = [];
    for (const b of iterateBatches(view, { batchSize: 4, seed: 1, epoch: 2 })) {
      expect(b.x.shape).toEqual([b.size, 4]);
      expect(b.y.dtype).toBe('int32');
      const x = b.x.dataSync();
      const y = b.y.dataSync();
      b.rows.forEach((r, i) => {
        expect(y[i]).toBe(r % 3);
        expect(x[i * 4 + 1]).toBeCloseTo(((r + 1) * 10) / 255, 6);
      });
      seen.push(...b.rows);
      sizes.push(b.size);
      tf.dispose([b.x, b.y]);
    }
    expect(sizes).toEqual([4, 4, 2]);
    expect(seen).toEqual(Array.from(epochOrder(10, 1, 2)));
    expect(tf.memory().numTensors).toBe(before);
  });

  it('nhwc layout, dropRemainder, head labels, and no leak when stopping early', () => {
    const view = makeView(tiny(10));
    const before = tf.memory().numTensors;
    const all = [...iterateBatches(view, { batchSize: 4, seed: 1, layout: 'nhwc', dropRemainder: true, head: [2, 0, 1] })];
    expect(all.map((b) => b.x.shape)).toEqual([[4, 2, 2, 1], [4, 2, 2, 1]]);
    expect(numBatches(10, 4, true)).toBe(2);
    for (const b of all) {
      // head [2, 0, 1]: global class c is output position head.indexOf(c)
      expect(Array.from(b.y.dataSync())).toEqual(Array.from(b.rows).map((r) => [1, 2, 0][r % 3]));
      tf.dispose([b.x, b.y]);
    }
    for (const b of iterateBatches(view, { batchSize: 3, seed: 1 })) {
      tf.dispose([b.x, b.y]);
      break;
    }
    expect(tf.memory().numTensors).toBe(before);
    expect(() => iterateBatches(view, { batchSize: 3, seed: 1, head: [0, 1] }).next()).toThrow(/batch label 2 .* is not one of the head's classes \[0, 1\]/);
    expect(tf.memory().numTensors).toBe(before);
    expect(() => iterateBatches(view, { batchSize: 0, seed: 1 }).next()).toThrow(/option 'batchSize' must be a positive integer, got 0/);
  });
});
