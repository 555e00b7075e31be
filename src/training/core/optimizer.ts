/**
 * The optimisers the MLP and LeNet experiments choose between, behind one interface: SGD
 * (core/sgd.ts: plain, or with Nesterov momentum and weight decay) or Adam (core/adam.ts,
 * weight decay decoupled). `apply(grads, lr?)` takes the settings' lr unless a schedule passes
 * one. State for checkpoints: `stateTensors()` ('buf/…' for SGD with momentum, 'm/…' and 'v/…'
 * for Adam) plus `step`, both restored by `loadState`.
 */
import type * as tf from '@tensorflow/tfjs';
import { Adam, type AdamConfig } from './adam';
import { Sgd, type SgdConfig, type SgdOptions } from './sgd';

export type OptimizerSettings = ({ readonly kind: 'sgd'; readonly lr: number } & Partial<SgdConfig>) | ({ readonly kind: 'adam'; readonly lr: number } & Partial<AdamConfig>);

export interface Optimizer {
  readonly settings: OptimizerSettings;
  /** One update from gradients keyed by parameter name (borrowed); every parameter needs one. */
  apply(grads: ReadonlyMap<string, tf.Tensor>, lr?: number): void;
  /** Saveable state, borrowed (valid until the next apply). */
  stateTensors(): Map<string, tf.Tensor>;
  /** Updates taken (Adam's t in its bias corrections); checkpoints save it beside stateTensors. */
  readonly step: number;
  /** Restores what stateTensors saved, and the step count. */
  loadState(tensors: Map<string, { shape: number[]; data: Float32Array | Int32Array | Uint8Array }>, step: number): void;
  dispose(): void;
}

export function createOptimizer(params: Map<string, tf.Variable>, settings: OptimizerSettings, options: SgdOptions = {}): Optimizer {
  if (!(settings.lr > 0) || !Number.isFinite(settings.lr)) throw new Error(`optimizer: lr = ${settings.lr} must be a finite number > 0`);
  if (settings.kind === 'sgd') {
    const { kind: _k, lr: _lr, ...config } = settings;
    const sgd = new Sgd(params, config, options);
    return {
      settings,
      apply: (g, lr = settings.lr) => sgd.apply(g, lr),
      stateTensors: () => sgd.stateTensors(),
      get step() {
        return sgd.step;
      },
      loadState: (t, step) => sgd.loadState(t, step),
      dispose: () => sgd.dispose(),
    };
  }
  if (settings.kind === 'adam') {
    const { kind: _k, lr: _lr, ...config } = settings;
    const adam = new Adam(params, config);
    return {
      settings,
      apply: (g, lr = settings.lr) => adam.apply(g as Map<string, tf.Tensor>, lr),
      stateTensors: () => adam.stateTensors(),
      get step() {
        return adam.step;
      },
      loadState: (t, step) => adam.loadState(t as Map<string, { shape: number[]; data: Float32Array }>, step),
      dispose: () => adam.dispose(),
    };
  }
  throw new Error(`optimizer: kind = '${String((settings as { kind: unknown }).kind)}' must be 'sgd' or 'adam'`);
}
