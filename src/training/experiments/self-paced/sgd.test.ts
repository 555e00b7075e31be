import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { NesterovSgd } from './sgd';

describe('NesterovSgd (PyTorch SGD, nesterov=True, weight_decay)', () => {
  it('matches two updates worked by hand, and restores its buffers exactly', () => {
    // θ = 1, g = 0.5 both steps, wd 0.1, μ 0.9, lr 0.1.
    // step 1: d = 0.5 + 0.1·1 = 0.6; b = 0.6; d + μb = 0.6 + 0.54 = 1.14; θ = 1 − 0.114 = 0.886.
    // step 2: d = 0.5 + 0.0886 = 0.5886; b = 0.54 + 0.5886 = 1.1286; d + μb = 0.5886 + 1.01574 = 1.60434;
    //         θ = 0.886 − 0.160434 = 0.725566.
    const theta = tf.variable(tf.tensor1d([1]));
    const params = new Map([['w', theta]]);
    const before = tf.memory().numTensors;
    const opt = new NesterovSgd(params, { momentum: 0.9, weightDecay: 0.1 });
    const g = tf.tensor1d([0.5]);
    opt.apply(new Map([['w', g]]), 0.1);
    expect(theta.dataSync()[0]).toBeCloseTo(0.886, 6);
    opt.apply(new Map([['w', g]]), 0.1);
    expect(theta.dataSync()[0]).toBeCloseTo(0.725566, 6);
    expect(opt.stateTensors().get('buf/w')!.dataSync()[0]).toBeCloseTo(1.1286, 6);

    // A fresh optimiser loaded with the saved buffer takes the same third step as the original.
    const saved = new Map([['buf/w', { shape: [1], data: Float32Array.from(opt.stateTensors().get('buf/w')!.dataSync()) }]]);
    const twin = tf.tidy(() => tf.variable(tf.tensor1d([0.725566])));
    const opt2 = new NesterovSgd(new Map([['w', twin]]), { momentum: 0.9, weightDecay: 0.1 });
    opt2.loadState(saved);
    opt.apply(new Map([['w', g]]), 0.1);
    opt2.apply(new Map([['w', g]]), 0.1);
    expect(twin.dataSync()[0]).toBeCloseTo(theta.dataSync()[0], 6);
    opt2.dispose();
    twin.dispose();
    opt.dispose();
    g.dispose();
    expect(tf.memory().numTensors).toBe(before);
    expect(() => opt.apply(new Map(), 0.1)).toThrow(/no gradient for 1 parameter\(s\): w/);
    theta.dispose();
  });

  it('rejects bad settings naming them', () => {
    expect(() => new NesterovSgd(new Map(), { momentum: 1, weightDecay: 0 })).toThrow(/momentum = 1/);
    expect(() => new NesterovSgd(new Map(), { momentum: 0.9, weightDecay: -1 })).toThrow(/weightDecay = -1/);
  });
});
