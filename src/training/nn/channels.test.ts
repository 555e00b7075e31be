import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { concatChannels, sliceChannels, splitChannelHalves } from './channels';

describe('channel slicing', () => {
  it('matches tf.slice in value and gradient', () => {
    const x = tf.tensor(Array.from({ length: 2 * 3 * 6 }, (_, i) => i * 0.5 - 3), [2, 3, 6]);
    const ref = tf.slice(x, [0, 0, 2], [2, 3, 3]);
    const got = sliceChannels(x, 2, 3);
    expect(got.shape).toEqual([2, 3, 3]);
    expect(Array.from(got.dataSync())).toEqual(Array.from(ref.dataSync()));
    // d/dx Σ w ⊙ slice(x): w scattered into channels 2..4, zero elsewhere.
    const w = tf.tensor(Array.from({ length: 18 }, (_, i) => i + 1), [2, 3, 3]);
    const gRef = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.slice(t, [0, 0, 2], [2, 3, 3]), w)))(x);
    const gGot = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(sliceChannels(t, 2, 3), w)))(x);
    expect(Array.from(gGot.dataSync())).toEqual(Array.from(gRef.dataSync()));
    expect(gGot.dataSync()[0]).toBe(0); // channel 0 gets no gradient
    expect(gGot.dataSync()[2]).toBe(1); // channel 2 of voxel 0 gets w[0] = 1
    tf.dispose([x, ref, got, w, gRef, gGot]);
  });

  it('concatenates with the same gradient as tf.concat', () => {
    const a = tf.tensor(Array.from({ length: 2 * 3 }, (_, i) => i), [2, 3]);
    const b = tf.tensor(Array.from({ length: 2 * 2 }, (_, i) => 10 + i), [2, 2]);
    const w = tf.tensor(Array.from({ length: 2 * 5 }, (_, i) => i + 1), [2, 5]);
    const ref = tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.sum(tf.mul(tf.concat([p, q], -1), w)))([a, b]);
    const got = tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.sum(tf.mul(concatChannels([p, q]), w)))([a, b]);
    // d/da = w[:, 0:3] = [1,2,3,6,7,8]; d/db = w[:, 3:5] = [4,5,9,10].
    expect(Array.from(got[0].dataSync())).toEqual([1, 2, 3, 6, 7, 8]);
    expect(Array.from(got[1].dataSync())).toEqual([4, 5, 9, 10]);
    expect(Array.from(got[0].dataSync())).toEqual(Array.from(ref[0].dataSync()));
    const cat = concatChannels([a, b]);
    expect(Array.from(cat.dataSync())).toEqual([0, 1, 2, 10, 11, 3, 4, 5, 12, 13]);
    tf.dispose([a, b, w, cat, ...ref, ...got]);
  });

  it('splits into halves that concatenate back to the input', () => {
    const x = tf.randomNormal([1, 2, 2, 2, 8]);
    const [a, b] = splitChannelHalves(x);
    expect(a.shape).toEqual([1, 2, 2, 2, 4]);
    const back = concatChannels([a, b]);
    expect(tf.max(tf.abs(tf.sub(back, x))).dataSync()[0]).toBe(0);
    expect(() => sliceChannels(x, 6, 4)).toThrow(/outside 8 channels/);
    tf.dispose([x, a, b, back]);
  });
});
