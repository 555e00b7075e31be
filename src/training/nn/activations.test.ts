import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { ACTIVATIONS, activate, type Activation, type ActivationImpl } from './activations';

const IMPLS: ActivationImpl[] = ['kernel', 'ops'];

const XS = [-4, -3, -1, 0, 0.5, 3, 4];
const sig = (v: number) => 1 / (1 + Math.exp(-v));

// Hand values at XS:
// silu = x·σ(x): σ(−4)=0.0179862, σ(−3)=0.0474259, σ(−1)=0.2689414, σ(.5)=0.6224593, σ(3)=0.9525741, σ(4)=0.9820138
// hardswish = x·relu6(x+3)/6: −4→0, −3→0, −1→−1·2/6, 0→0, .5→.5·3.5/6, 3→3·6/6, 4→4·6/6 (relu6 caps at 6)
const VALUES: Record<Activation, number[]> = {
  silu: [-0.0719448, -0.1422777, -0.2689414, 0, 0.3112297, 2.8577223, 3.9280552],
  relu: [0, 0, 0, 0, 0.5, 3, 4],
  leakyRelu: [-0.04, -0.03, -0.01, 0, 0.5, 3, 4],
  relu6: [0, 0, 0, 0, 0.5, 3, 4],
  hardswish: [0, 0, -1 / 3, 0, 0.2916667, 3, 4],
  linear: XS,
};

// Derivatives: silu' = σ(1 + x(1−σ)); hardswish' = 0 (x<−3), x/3+1/2 (−3≤x≤3), 1 (x>3).
const GRADS: Partial<Record<Activation, number[]>> = {
  silu: XS.map((v) => sig(v) * (1 + v * (1 - sig(v)))),
  hardswish: [0, -0.5, 1 / 6, 0.5, 2 / 3, 1.5, 1],
  leakyRelu: [0.01, 0.01, 0.01, 0.01, 1, 1, 1], // tfjs takes the negative slope at 0
  linear: [1, 1, 1, 1, 1, 1, 1],
};

describe('activate', () => {
  it.each(ACTIVATIONS.flatMap((a) => IMPLS.map((m) => [a, m])))('%s (%s): hand-computed values', (act, impl) => {
    const y = tf.tidy(() => activate(tf.tensor1d(XS), act as Activation, { impl: impl as ActivationImpl }).dataSync());
    VALUES[act as Activation].forEach((v, i) => expect(y[i]).toBeCloseTo(v, 6));
  });

  it.each(Object.keys(GRADS).flatMap((a) => IMPLS.map((m) => [a, m])))('%s (%s): hand-computed derivatives', (act, impl) => {
    const f = (x: tf.Tensor) => activate(x, act as Activation, { impl: impl as ActivationImpl });
    const g = tf.tidy(() => tf.grad(f)(tf.tensor1d(XS)).dataSync());
    GRADS[act as Activation]!.forEach((v, i) => expect(g[i]).toBeCloseTo(v, 6));
  });

  it('kernel and ops agree on a 4-D tensor (values and gradients)', () => {
    const x = tf.tensor4d(Array.from({ length: 120 }, (_, i) => Math.sin(i) * 6), [2, 3, 4, 5]);
    for (const act of ['silu', 'hardswish'] as Activation[]) {
      const [a, b] = IMPLS.map((impl) =>
        tf.tidy(() => {
          const f = (t: tf.Tensor) => activate(t, act, { impl });
          return [f(x).dataSync(), tf.grad((t: tf.Tensor) => f(t).square().sum())(x).dataSync()];
        }),
      );
      for (let i = 0; i < 120; i++) {
        expect(a[0][i]).toBeCloseTo(b[0][i], 5);
        expect(a[1][i]).toBeCloseTo(b[1][i], 4);
      }
    }
    x.dispose();
  });

  it('silu and hardswish gradients match finite differences and autodiff of their formulas', () => {
    const xs = Array.from({ length: 41 }, (_, i) => -5.05 + i * 0.25); // avoids the kinks at ±3
    const x = tf.tensor1d(xs);
    const formulas: [Activation, (t: tf.Tensor) => tf.Tensor][] = [
      ['silu', (t) => t.mul(tf.sigmoid(t))],
      ['hardswish', (t) => t.mul(tf.relu6(t.add(3))).div(6)],
    ];
    for (const [act, formula] of formulas) {
      const ours = tf.tidy(() => tf.grad((t: tf.Tensor) => activate(t, act))(x).dataSync()); // auto = kernel on cpu
      const auto = tf.tidy(() => tf.grad(formula)(x).dataSync());
      const h = 1e-3;
      const fd = tf.tidy(() => activate(x.add(h), act).sub(activate(x.sub(h), act)).div(2 * h).dataSync());
      for (let i = 0; i < xs.length; i++) {
        expect(ours[i]).toBeCloseTo(auto[i], 5);
        expect(ours[i]).toBeCloseTo(fd[i], 2);
      }
    }
    x.dispose();
  });

  it('linear returns a separate handle the caller owns', () => {
    const x = tf.tensor1d([1, 2]);
    const y = activate(x, 'linear');
    expect(y).not.toBe(x);
    x.dispose();
    expect(Array.from(y.dataSync())).toEqual([1, 2]);
    y.dispose();
  });

  it('leaks no tensors and names unknown activations', () => {
    const x = tf.tensor1d(XS);
    const before = tf.memory().numTensors;
    for (const act of ACTIVATIONS) {
      for (const impl of IMPLS) {
        const y = activate(x, act, { impl });
        const g = tf.grad((t: tf.Tensor) => activate(t, act, { impl }).square().sum())(x);
        tf.dispose([y, g]);
      }
    }
    expect(tf.memory().numTensors).toBe(before);
    expect(() => activate(x, 'gelu' as Activation)).toThrow(/activations: unknown activation 'gelu'/);
    x.dispose();
  });
});
