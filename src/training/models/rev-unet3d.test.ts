import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { countParams, disposeParams, flattenParams } from '../core/params';
import { Rng } from '../core/rng';
import { applyRevUnet3d, initRevUnet3d, type RevUnet3dConfig } from './rev-unet3d';

const tiny: RevUnet3dConfig = {
  inChannels: 4,
  outChannels: 3,
  widths: [4, 8, 8],
  blocksPerLevel: 2,
  expansion: 2,
  normGroups: 2,
  activation: 'silu',
  se: 0.25,
  reversible: true,
};

function randomVolume(shape: [number, number, number, number, number], seed: number): tf.Tensor5D {
  const rng = new Rng(seed);
  return tf.tensor(rng.fill(shape.reduce((a, b) => a * b, 1), (r) => r.normal()), shape) as tf.Tensor5D;
}

/** Perturbs every parameter so zero-initialised γ do not hide the couplings' F and G. */
function perturb(params: ReturnType<typeof initRevUnet3d>, seed: number): void {
  const rng = new Rng(seed);
  for (const v of flattenParams(params).values()) {
    tf.tidy(() => v.assign(tf.add(v, tf.tensor(rng.fill(v.size, (r) => 0.2 * r.normal()), v.shape))));
  }
}

describe('RevUnet3d', () => {
  it('maps [B, D, H, W, 4] to [B, D, H, W, 3] logits, deterministic from the seed', () => {
    const a = initRevUnet3d(tiny, new Rng(1));
    const b = initRevUnet3d(tiny, new Rng(1));
    expect(countParams(a)).toBe(countParams(b));
    const x = randomVolume([1, 8, 4, 8, 2], 0); // wrong channel count
    expect(() => applyRevUnet3d(a, x, tiny)).toThrow();
    const v = randomVolume([1, 8, 4, 12, 4], 2);
    const ya = applyRevUnet3d(a, v, tiny);
    const yb = applyRevUnet3d(b, v, tiny);
    expect(ya.shape).toEqual([1, 8, 4, 12, 3]);
    expect(tf.max(tf.abs(tf.sub(ya, yb))).dataSync()[0]).toBe(0);
    expect(() => applyRevUnet3d(a, randomVolume([1, 6, 4, 4, 4], 3), tiny)).toThrow(/divisible by 4/);
    tf.dispose([x, v, ya, yb]);
    disposeParams(a);
    disposeParams(b);
  });

  it('reversible and twin give the same loss and gradients (1e-3 relative) and leak nothing', () => {
    const params = initRevUnet3d(tiny, new Rng(4));
    perturb(params, 5);
    const x = randomVolume([1, 8, 8, 8, 4], 6);
    const r = randomVolume([1, 8, 8, 8, 3], 7);
    const named = flattenParams(params);
    const lossOf = (reversible: boolean) => () => tf.sum(tf.mul(applyRevUnet3d(params, x, { ...tiny, reversible }), r)) as tf.Scalar;
    const before = tf.memory().numTensors;
    const rev = tf.variableGrads(lossOf(true));
    const twin = tf.variableGrads(lossOf(false));
    expect(Object.keys(rev.grads).length).toBe(named.size);
    const l1 = rev.value.dataSync()[0];
    const l2 = twin.value.dataSync()[0];
    expect(Math.abs(l1 - l2)).toBeLessThan(1e-4 * Math.max(1, Math.abs(l2)));
    let worst = 0;
    for (const [name, v] of named) {
      const a = rev.grads[v.name];
      const b = twin.grads[v.name];
      const err = tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0] / Math.max(tf.max(tf.abs(b)).dataSync()[0], 1e-6));
      if (err > worst) worst = err;
      expect(err, name).toBeLessThan(1e-3);
    }
    expect(worst).toBeLessThan(1e-3);
    tf.dispose([rev.value, twin.value, ...Object.values(rev.grads), ...Object.values(twin.grads)]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, r]);
    disposeParams(params);
  });
});
