/**
 * Activations by name, so layer configs stay plain serialisable strings (STYLE.md §5).
 * silu and hardswish are tf.customGrad ops that save only their input: autodiff of
 * x·sigmoid(x) would keep sigmoid(x) on the tape as well, and x·relu6(x+3)/6 three more
 * volume-sized intermediates. In a reversible net every F/G block is re-run under the tape in
 * the backward pass, so each saved intermediate is a volume-sized tensor of working set.
 * On host backends (cpu, wasm) both are typed-array loops, one pass forward and one backward
 * ('kernel'); tfjs ops ('ops') elsewhere. On cpu the op chains are slow mostly because tfjs's
 * scalar-broadcast binary ops take a generic indexed path. silu fwd+bwd at [1,32,32,32,64]
 * (bench/depthwise3d.bench.ts): kernel 150 ms / 16 MB peak, ops customGrad 552 ms / 56 MB,
 * plain autodiff 596 ms / 72 MB.
 * Derivatives (PyTorch conventions at the kinks):
 *   silu'(x)      = s·(1 + x·(1 − s)),  s = sigmoid(x)
 *   hardswish'(x) = 0 for x < −3;  x/3 + 1/2 for −3 ≤ x ≤ 3;  1 for x > 3
 *   leakyRelu uses slope 0.01 (PyTorch's and nnU-Net's default; tfjs's own default is 0.2).
 */
import * as tf from '@tensorflow/tfjs';
import { isHostBackend } from './host';

export type Activation = 'silu' | 'relu' | 'leakyRelu' | 'relu6' | 'hardswish' | 'linear';

export const ACTIVATIONS: readonly Activation[] = ['silu', 'relu', 'leakyRelu', 'relu6', 'hardswish', 'linear'];

/** Negative slope of 'leakyRelu'. */
export const LEAKY_SLOPE = 0.01;

export type ActivationImpl = 'auto' | 'kernel' | 'ops';

export interface ActivationOptions {
  /** For silu and hardswish: 'auto' = 'kernel' on cpu/wasm, 'ops' elsewhere. */
  readonly impl?: ActivationImpl;
}


type Unary = (x: tf.Tensor) => tf.Tensor;
type Scalar = (v: number) => number;

/** customGrad saving only x, from tfjs-op forward and derivative. */
function opsUnary(forward: Unary, derivative: Unary): Unary {
  const f = (x: tf.Tensor, save: tf.GradSaveFunc) => {
    save([x]);
    return {
      value: forward(x),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => [tf.tidy(() => dy.mul(derivative(saved[0])))],
    };
  };
  return tf.customGrad(f as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as Unary;
}

/** customGrad saving only x, from scalar forward and derivative mapped over host arrays. */
function kernelUnary(forward: Scalar, derivative: Scalar): Unary {
  const f = (x: tf.Tensor, save: tf.GradSaveFunc) => {
    save([x]);
    const xv = x.dataSync() as Float32Array;
    const y = new Float32Array(xv.length);
    for (let i = 0; i < xv.length; i++) y[i] = forward(xv[i]);
    return {
      value: tf.tensor(y, x.shape, 'float32'),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const sv = saved[0].dataSync() as Float32Array;
        const dyv = dy.dataSync() as Float32Array;
        const dx = new Float32Array(sv.length);
        for (let i = 0; i < sv.length; i++) dx[i] = dyv[i] * derivative(sv[i]);
        return [tf.tensor(dx, saved[0].shape, 'float32')];
      },
    };
  };
  return tf.customGrad(f as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as Unary;
}

const siluOps = opsUnary(
  (x) => tf.tidy(() => x.mul(tf.sigmoid(x))),
  (x) =>
    tf.tidy(() => {
      const s = tf.sigmoid(x);
      return s.mul(x.mul(tf.scalar(1).sub(s)).add(1)); // s·(1 + x·(1−s))
    }),
);

const siluKernel = kernelUnary(
  (v) => v / (1 + Math.exp(-v)),
  (v) => {
    const s = 1 / (1 + Math.exp(-v));
    return s * (1 + v * (1 - s));
  },
);

const hardswishOps = opsUnary(
  (x) => tf.tidy(() => x.mul(tf.relu6(x.add(3))).div(6)),
  (x) =>
    tf.tidy(() => {
      const mid = x.div(3).add(0.5);
      return tf.where(x.less(-3), tf.zerosLike(x), tf.where(x.lessEqual(3), mid, tf.onesLike(x)));
    }),
);

const hardswishKernel = kernelUnary(
  (v) => (v <= -3 ? 0 : v >= 3 ? v : (v * (v + 3)) / 6),
  (v) => (v < -3 ? 0 : v <= 3 ? v / 3 + 0.5 : 1),
);

/** Applies `act` elementwise; returns a new tensor owned by the caller (also for 'linear'). */
export function activate(x: tf.Tensor, act: Activation, opts: ActivationOptions = {}): tf.Tensor {
  const impl = opts.impl === undefined || opts.impl === 'auto' ? (isHostBackend(tf.getBackend()) ? 'kernel' : 'ops') : opts.impl;
  if (impl !== 'kernel' && impl !== 'ops') throw new Error(`activations: unknown impl '${String(impl)}'`);
  const host = impl === 'kernel' && x.dtype === 'float32';
  switch (act) {
    case 'silu':
      return (host ? siluKernel : siluOps)(x);
    case 'relu':
      return tf.relu(x);
    case 'leakyRelu':
      return tf.leakyRelu(x, LEAKY_SLOPE);
    case 'relu6':
      return tf.relu6(x);
    case 'hardswish':
      return (host ? hardswishKernel : hardswishOps)(x);
    case 'linear':
      return x.clone(); // shares x's data; a separate handle so the caller may dispose either
    default:
      throw new Error(`activations: unknown activation '${String(act)}' (valid: ${ACTIVATIONS.join(', ')})`);
  }
}
