import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { Sgd } from './sgd';

describe('Sgd (PyTorch SGD: plain, momentum, Nesterov, weight decay)', () => {
  for (const host of [true, false]) {
    it(`plain: θ ← θ − lr·g (${host ? 'typed-array' : 'tfjs-op'} loop), no state, no leak`, () => {
      // θ = [1, −2], g = [0.5, −1], lr 0.1 → [0.95, −1.9]
      const p = tf.variable(tf.tensor1d([1, -2]));
      const g = tf.tensor1d([0.5, -1]);
      const asked: number[] = [];
      const opt = new Sgd(new Map([['p', p]]), {}, { hostLoop: () => (asked.push(1), host) });
      const before = tf.memory().numTensors;
      opt.apply(new Map([['p', g]]), 0.1);
      expect(tf.memory().numTensors).toBe(before);
      expect(asked).toHaveLength(1);
      Array.from(p.dataSync()).forEach((v, i) => expect(v).toBeCloseTo([0.95, -1.9][i], 6));
      expect(opt.stateTensors().size).toBe(0);
      expect(opt.step).toBe(1);
      expect(() => opt.apply(new Map(), 0.1)).toThrow(/SGD: no gradient for 1 parameter\(s\): p/);
      tf.dispose([p, g]);
    });
  }

  it('Nesterov with weight decay: two updates worked by hand; buffers and step restore exactly', () => {
    // θ = 1, g = 0.5 both steps, wd 0.1, μ 0.9, lr 0.1.
    // step 1: d = 0.5 + 0.1·1 = 0.6; b = 0.6; d + μb = 0.6 + 0.54 = 1.14; θ = 1 − 0.114 = 0.886.
    // step 2: d = 0.5 + 0.0886 = 0.5886; b = 0.54 + 0.5886 = 1.1286; d + μb = 0.5886 + 1.01574 = 1.60434;
    //         θ = 0.886 − 0.160434 = 0.725566.
    const theta = tf.variable(tf.tensor1d([1]));
    const before = tf.memory().numTensors;
    const cfg = { momentum: 0.9, nesterov: true, weightDecay: 0.1 };
    const opt = new Sgd(new Map([['w', theta]]), cfg, { hostLoop: () => true }); // momentum: never the host loop
    const g = tf.tensor1d([0.5]);
    opt.apply(new Map([['w', g]]), 0.1);
    expect(theta.dataSync()[0]).toBeCloseTo(0.886, 6);
    opt.apply(new Map([['w', g]]), 0.1);
    expect(theta.dataSync()[0]).toBeCloseTo(0.725566, 6);
    expect(opt.stateTensors().get('buf/w')!.dataSync()[0]).toBeCloseTo(1.1286, 6);

    const saved = new Map([['buf/w', { shape: [1], data: Float32Array.from(opt.stateTensors().get('buf/w')!.dataSync()) }]]);
    const twin = tf.tidy(() => tf.variable(tf.tensor1d([0.725566])));
    const opt2 = new Sgd(new Map([['w', twin]]), cfg);
    opt2.loadState(saved, opt.step);
    opt.apply(new Map([['w', g]]), 0.1);
    opt2.apply(new Map([['w', g]]), 0.1);
    expect(twin.dataSync()[0]).toBeCloseTo(theta.dataSync()[0], 6);
    expect(opt2.step).toBe(3);
    expect(() => opt2.loadState(new Map(), 0)).toThrow(/optimiser state is missing 'buf\/w'/);
    [opt, opt2].forEach((o) => o.dispose());
    twin.dispose();
    g.dispose();
    expect(tf.memory().numTensors).toBe(before);
    theta.dispose();
  });

  it('heavy-ball momentum (not Nesterov): θ moves by lr·b', () => {
    // θ = 1, g = 0.5, μ 0.5, lr 0.1: b1 = 0.5, θ = 0.95; b2 = 0.25 + 0.5 = 0.75, θ = 0.875.
    const theta = tf.variable(tf.tensor1d([1]));
    const g = tf.tensor1d([0.5]);
    const opt = new Sgd(new Map([['w', theta]]), { momentum: 0.5 });
    opt.apply(new Map([['w', g]]), 0.1);
    expect(theta.dataSync()[0]).toBeCloseTo(0.95, 6);
    opt.apply(new Map([['w', g]]), 0.1);
    expect(theta.dataSync()[0]).toBeCloseTo(0.875, 6);
    opt.dispose();
    tf.dispose([theta, g]);
  });

  it('rejects bad settings naming them', () => {
    expect(() => new Sgd(new Map(), { momentum: 1 })).toThrow(/momentum = 1/);
    expect(() => new Sgd(new Map(), { weightDecay: -1 })).toThrow(/weightDecay = -1/);
    expect(() => new Sgd(new Map(), {}).apply(new Map(), 0)).toThrow(/lr = 0/);
  });
});
