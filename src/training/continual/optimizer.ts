/**
 * Optimisers for the continual benchmarks, behind one small interface: plain SGD (METHODS.md §4:
 * Split MNIST uses plain SGD, lr 0.01 [C blog]; P-MNIST SGD 0.01 [U]) or Adam (core/adam.ts).
 * A fixed learning rate: the DHP experiments use no schedule. SGD runs as one typed-array loop
 * per parameter on host backends (cpu, wasm), where two tfjs binary ops per parameter cost ~10×.
 */
import * as tf from '@tensorflow/tfjs';
import { Adam, ADAM_DEFAULTS, type AdamConfig } from '../core/adam';
import { hostData, useHostPath } from './host-path';

export type OptimizerSettings = { readonly kind: 'sgd'; readonly lr: number } | ({ readonly kind: 'adam'; readonly lr: number } & Partial<AdamConfig>);

export const SGD_DEFAULTS: OptimizerSettings = { kind: 'sgd', lr: 0.01 };

export interface StepOptimizer {
  readonly settings: OptimizerSettings;
  /** One update from gradients keyed by parameter name (borrowed); every parameter needs one. */
  apply(grads: ReadonlyMap<string, tf.Tensor>): void;
  /** Saveable state (Adam's moments; empty for SGD), borrowed. */
  stateTensors(): Map<string, tf.Tensor>;
  /** Updates taken (Adam's t in its bias corrections); checkpoints save it beside stateTensors. */
  readonly step: number;
  /** Restores what stateTensors saved, and the step count. */
  loadState(tensors: Map<string, { shape: number[]; data: Float32Array | Int32Array }>, step: number): void;
  dispose(): void;
}

class Sgd implements StepOptimizer {
  step = 0;
  constructor(private readonly params: ReadonlyMap<string, tf.Variable>, readonly settings: OptimizerSettings) {}

  apply(grads: ReadonlyMap<string, tf.Tensor>): void {
    const missing = [...this.params.keys()].filter((n) => !grads.get(n));
    if (missing.length) throw new Error(`SGD: no gradient for ${missing.length} parameter(s): ${missing.slice(0, 5).join(', ')}`);
    const { lr } = this.settings;
    this.step += 1;
    if (!useHostPath()) {
      tf.tidy(() => {
        for (const [n, p] of this.params) p.assign(tf.sub(p, tf.mul(grads.get(n)!, lr)));
      });
      return;
    }
    for (const [n, p] of this.params) {
      const pv = hostData(p);
      const gv = hostData(grads.get(n)!);
      const next = new Float32Array(pv.length);
      for (let i = 0; i < next.length; i++) next[i] = pv[i] - lr * gv[i];
      const t = tf.tensor(next, p.shape, 'float32');
      p.assign(t);
      t.dispose();
    }
  }

  stateTensors(): Map<string, tf.Tensor> {
    return new Map();
  }

  loadState(_tensors: Map<string, unknown>, step: number): void {
    this.step = step;
  }

  dispose(): void {}
}

class AdamStep implements StepOptimizer {
  private readonly adam: Adam;
  constructor(params: Map<string, tf.Variable>, readonly settings: OptimizerSettings & { kind: 'adam' }) {
    const { kind: _k, lr: _lr, ...config } = settings;
    this.adam = new Adam(params, { ...ADAM_DEFAULTS, ...config });
  }
  apply(grads: ReadonlyMap<string, tf.Tensor>): void {
    this.adam.apply(grads as Map<string, tf.Tensor>, this.settings.lr);
  }
  stateTensors(): Map<string, tf.Tensor> {
    return this.adam.stateTensors();
  }
  get step(): number {
    return this.adam.step;
  }
  loadState(tensors: Map<string, { shape: number[]; data: Float32Array | Int32Array }>, step: number): void {
    this.adam.loadState(tensors, step);
  }
  dispose(): void {
    this.adam.dispose();
  }
}

export function createOptimizer(params: Map<string, tf.Variable>, settings: OptimizerSettings): StepOptimizer {
  if (!(settings.lr > 0) || !Number.isFinite(settings.lr)) throw new Error(`optimizer: lr = ${settings.lr} must be a finite number > 0`);
  if (settings.kind === 'sgd') return new Sgd(params, settings);
  if (settings.kind === 'adam') return new AdamStep(params, settings);
  throw new Error(`optimizer: kind = '${String((settings as { kind: unknown }).kind)}' must be 'sgd' or 'adam'`);
}
