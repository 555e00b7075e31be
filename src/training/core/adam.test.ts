import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { Adam } from './adam';
import { learningRate } from '../loop/schedule';

describe('Adam', () => {
  it('matches a hand-computed first and second step', () => {
    // θ0 = 1, g = 0.5 both steps, lr 0.1, β1 .9, β2 .999, ε 1e-8.
    // Step 1: m = .05, v = .00025, m̂ = .5, v̂ = .25 → θ = 1 − 0.1·.5/.5 = 0.9.
    // Step 2: m = .095, v = .00049975, m̂ = .095/.19 = .5, v̂ = .00049975/.001999 = .25 → θ = 0.8.
    const p = tf.variable(tf.scalar(1));
    const opt = new Adam(new Map([['p', p]]));
    const g = tf.scalar(0.5);
    opt.apply({ p: g }, 0.1);
    expect(p.dataSync()[0]).toBeCloseTo(0.9, 6);
    opt.apply({ p: g }, 0.1);
    expect(p.dataSync()[0]).toBeCloseTo(0.8, 6);
    expect(opt.step).toBe(2);
    opt.dispose();
    tf.dispose([p, g]);
  });

  it('applies decoupled weight decay (AdamW)', () => {
    // θ0 = 2, g = 1, lr 0.1, wd 0.5: update = m̂/√v̂ + wd·θ = 1 + 1 → θ = 2 − 0.2 = 1.8.
    const p = tf.variable(tf.scalar(2));
    const opt = new Adam(new Map([['p', p]]), { weightDecay: 0.5 });
    const g = tf.scalar(1);
    opt.apply({ p: g }, 0.1);
    expect(p.dataSync()[0]).toBeCloseTo(1.8, 6);
    opt.dispose();
    tf.dispose([p, g]);
  });

  it('restores its state exactly: two runs, one saved and reloaded mid-way, end equal', () => {
    const grads = [0.3, -0.2, 0.7, 0.1].map((x) => tf.tensor1d([x, -x]));
    const run = (reloadAt: number | null): Float32Array => {
      let p = tf.variable(tf.tensor1d([1, 2]));
      let opt = new Adam(new Map([['p', p]]));
      for (let i = 0; i < grads.length; i++) {
        if (i === reloadAt) {
          const saved = new Map([...opt.stateTensors()].map(([k, t]) => [k, { shape: t.shape, data: t.dataSync() as Float32Array }]));
          const weights = p.dataSync().slice();
          const step = opt.step;
          opt.dispose();
          p.dispose();
          p = tf.variable(tf.tensor1d(weights));
          opt = new Adam(new Map([['p', p]]));
          opt.loadState(saved, step);
        }
        opt.apply({ p: grads[i] }, 0.05);
      }
      const out = p.dataSync().slice() as Float32Array;
      opt.dispose();
      p.dispose();
      return out;
    };
    expect(Array.from(run(2))).toEqual(Array.from(run(null)));
    tf.dispose(grads);
  });

  it('leaks no tensors per step', () => {
    const p = tf.variable(tf.ones([3, 3]));
    const opt = new Adam(new Map([['p', p]]), { weightDecay: 0.01 });
    const g = tf.onesLike(p);
    opt.apply({ p: g }, 0.01);
    const before = tf.memory().numTensors;
    opt.apply({ p: g }, 0.01);
    expect(tf.memory().numTensors).toBe(before);
    opt.dispose();
    tf.dispose([p, g]);
  });
});

describe('learningRate', () => {
  const base = { lr: 1, warmupSteps: 4, totalSteps: 14, minLr: 0, power: 2 } as const;
  it('warms up linearly, then decays by cosine or poly to minLr', () => {
    expect(learningRate(0, { ...base, decay: 'cosine' })).toBeCloseTo(0.25); // (0+1)/4
    expect(learningRate(3, { ...base, decay: 'cosine' })).toBeCloseTo(1);
    expect(learningRate(9, { ...base, decay: 'cosine' })).toBeCloseTo(0.5); // t = 5/10 → ½(1+cos π/2)
    expect(learningRate(14, { ...base, decay: 'cosine' })).toBeCloseTo(0);
    expect(learningRate(9, { ...base, decay: 'poly' })).toBeCloseTo(0.25); // (1 − 0.5)²
    expect(learningRate(9, { ...base, decay: 'constant' })).toBe(1);
    expect(learningRate(14, { ...base, decay: 'cosine', minLr: 0.1 })).toBeCloseTo(0.1);
  });
});
