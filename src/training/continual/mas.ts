/**
 * Memory Aware Synapses (Aljundi et al. 2018) as METHODS.md §4 states it:
 *   Ω_k = mean over x of |∂‖f(x)‖²₂/∂θ_k|, f(x) = the logit vector (this task's outputs); no labels.
 *   Ω accumulates across tasks (Ω ← Ω + Ω_n); one anchor θ* = the parameters after the last task;
 *   penalty λ·Σ Ω_k·(θ_k − θ*_k)² (coefficient 1: METHODS.md's general L̃ has no ½).
 * Per-sample gradients (one backward pass per sample) over up to `samples` samples of the task
 * [U: the sample count is not in METHODS.md].
 */
import * as tf from '@tensorflow/tfjs';
import { anchoredTerms, disposeMap, metaCount, perSampleGradientMean, putAnchored, snapshot, takeAnchored, type EstimatorKind, type ImportanceEstimator, type LoadedState, type StepRecord, type TaskData } from './importance';
import type { AnchorTerm } from './penalty';

export interface MasOptions {
  readonly samples: number; // per-task samples for Ω: 1024 [U]
}

export const MAS_DEFAULTS: MasOptions = { samples: 1024 };

export class Mas implements ImportanceEstimator {
  readonly kind: EstimatorKind = 'mas';
  readonly needsSteps = false;
  readonly options: MasOptions;
  private omega: Map<string, tf.Tensor> | null = null;
  private anchor: Map<string, tf.Tensor> | null = null;
  private tasks = 0;

  constructor(options: Partial<MasOptions> = {}) {
    this.options = { ...MAS_DEFAULTS, ...options };
    if (!Number.isInteger(this.options.samples) || this.options.samples < 1) throw new Error(`MAS: samples = ${this.options.samples} must be an integer ≥ 1`);
  }

  get tasksSeen(): number {
    return this.tasks;
  }

  beginTask(): void {}
  afterStep(_step: StepRecord): void {}

  endTask(params: ReadonlyMap<string, tf.Tensor>, data: TaskData): ReadonlyMap<string, tf.Tensor> {
    const { mean } = perSampleGradientMean(params as ReadonlyMap<string, tf.Variable>, data, 'mas', this.options.samples);
    if (this.omega) {
      const old = this.omega;
      this.omega = new Map([...mean].map(([n, o]) => [n, tf.add(old.get(n)!, o)]));
      disposeMap(old);
      disposeMap(mean);
    } else {
      this.omega = mean;
    }
    disposeMap(this.anchor);
    this.anchor = snapshot(params);
    this.tasks += 1;
    return this.omega;
  }

  penaltyTerms(): readonly AnchorTerm[] {
    return anchoredTerms(this.omega, this.anchor, 1);
  }

  stateTensors(): Map<string, tf.Tensor> {
    const out = new Map<string, tf.Tensor>();
    putAnchored(out, 'mas/', 'omega', this.omega, this.anchor);
    return out;
  }

  stateMeta(): Record<string, unknown> {
    return { kind: this.kind, tasks: this.tasks, ...this.options };
  }

  loadState(tensors: LoadedState, meta: Record<string, unknown>): void {
    const n = metaCount(meta, 'tasks', 'MAS');
    this.dispose();
    this.tasks = n;
    if (n === 0) return;
    ({ importance: this.omega, anchor: this.anchor } = takeAnchored(tensors, 'mas/', 'omega', 'MAS', 'Ω'));
  }

  dispose(): void {
    disposeMap(this.omega);
    disposeMap(this.anchor);
    this.omega = null;
    this.anchor = null;
    this.tasks = 0;
  }
}
