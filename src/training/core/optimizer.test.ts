import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { createOptimizer } from './optimizer';

describe('createOptimizer', () => {
  it('Adam: core/adam.ts’s first step (θ − lr·sign(g) at step 1)', () => {
    const p = tf.variable(tf.tensor1d([1, -2]));
    const g = tf.tensor1d([0.5, -1]);
    const opt = createOptimizer(new Map([['p', p]]), { kind: 'adam', lr: 0.1 });
    opt.apply(new Map([['p', g]])); // the settings' lr; m̂ = g, v̂ = g² → update g/|g| = ±1
    Array.from(p.dataSync()).forEach((v, i) => expect(v).toBeCloseTo([0.9, -1.9][i], 5));
    expect([...opt.stateTensors().keys()]).toEqual(['m/p', 'v/p']);
    opt.apply(new Map([['p', g]]), 0.01); // a scheduled lr overrides the settings' (step 2: m̂/√v̂ is still ±1)
    Array.from(p.dataSync()).forEach((v, i) => expect(v).toBeCloseTo([0.89, -1.89][i], 5));
    opt.dispose();
    tf.dispose([p, g]);
  });

  it('restores Adam’s moments and step: the next update equals an uninterrupted one', () => {
    const g = tf.tensor1d([0.5, -1]);
    const a = tf.variable(tf.tensor1d([1, -2]));
    const optA = createOptimizer(new Map([['p', a]]), { kind: 'adam', lr: 0.1 });
    optA.apply(new Map([['p', g]]));
    const saved = new Map([...optA.stateTensors()].map(([k, t]) => [k, { shape: t.shape, data: t.dataSync() as Float32Array }]));
    expect(optA.step).toBe(1);
    const b = tf.variable(tf.tensor1d(a.dataSync()));
    const optB = createOptimizer(new Map([['p', b]]), { kind: 'adam', lr: 0.1 });
    optB.loadState(saved, optA.step);
    optA.apply(new Map([['p', g]]));
    optB.apply(new Map([['p', g]]));
    expect(optB.step).toBe(2);
    expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));
    const sgd = createOptimizer(new Map([['p', b]]), { kind: 'sgd', lr: 0.1 });
    sgd.loadState(new Map(), 7);
    sgd.apply(new Map([['p', g]]));
    expect(sgd.step).toBe(8);
    optA.dispose();
    optB.dispose();
    tf.dispose([a, b, g]);
  });

  it('names bad settings', () => {
    const p = tf.variable(tf.scalar(1));
    expect(() => createOptimizer(new Map([['p', p]]), { kind: 'sgd', lr: 0 })).toThrow(/lr = 0/);
    expect(() => createOptimizer(new Map([['p', p]]), { kind: 'rmsprop', lr: 1 } as never)).toThrow(/kind = 'rmsprop' must be 'sgd' or 'adam'/);
    expect(() => createOptimizer(new Map([['p', p]]), { kind: 'sgd', lr: 0.1, momentum: 1.5 })).toThrow(/momentum = 1.5/);
    p.dispose();
  });
});
