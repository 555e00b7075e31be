/**
 * Elastic Weight Consolidation (Kirkpatrick et al. 2017) and Online EWC (Schwarz et al. 2018),
 * as METHODS.md §4 states them:
 *   EWC:        after task t, F_t = E_x[(∂ log p(y|x)/∂θ)²] (diagonal) and θ*_t; the penalty has
 *               one term per previous task, (λ/2)·Σ F_t,k·(θ_k − θ*_t,k)².
 *   Online EWC: F̃ ← γ·F̃ + F_n after each task, a single anchor θ*_{n−1}, penalty (λ/2)·Σ F̃·(·)².
 * The expectation is over samples of the finished task (up to `samples` of them, one backward
 * pass each); which y enters log p(y|x) is not stated in METHODS.md [U]: `fisher: 'empirical'`
 * (default; the sample's label, one backward pass) or 'true' (the exact expectation over the
 * model's p(y|x), k backward passes per sample).
 */
import * as tf from '@tensorflow/tfjs';
import { anchoredTerms, disposeMap, metaCount, perSampleGradientMean, putAnchored, putState, snapshot, takeAnchored, takeState, type EstimatorKind, type ImportanceEstimator, type LoadedState, type StepRecord, type TaskData } from './importance';
import type { AnchorTerm } from './penalty';

export type FisherKind = 'empirical' | 'true';

export interface EwcOptions {
  readonly fisher: FisherKind; // which y in log p(y|x): 'empirical' labels (default) or 'true' expectation [U]
  readonly samples: number; // per-task samples for the Fisher: 1024 [U: not in METHODS.md]
}

export interface OnlineEwcOptions extends EwcOptions {
  readonly gamma: number; // decay of the running Fisher, F̃ ← γF̃ + F_n: 1 [U]
}

export const EWC_DEFAULTS: EwcOptions = { fisher: 'empirical', samples: 1024 };
export const ONLINE_EWC_DEFAULTS: OnlineEwcOptions = { ...EWC_DEFAULTS, gamma: 1 };

function validate(o: EwcOptions, where: string): void {
  if (o.fisher !== 'empirical' && o.fisher !== 'true') throw new Error(`${where}: fisher = '${String(o.fisher)}' must be 'empirical' or 'true'`);
  if (!Number.isInteger(o.samples) || o.samples < 1) throw new Error(`${where}: samples = ${o.samples} must be an integer ≥ 1`);
}

function fisherOf(params: ReadonlyMap<string, tf.Tensor>, data: TaskData, o: EwcOptions): Map<string, tf.Tensor> {
  return perSampleGradientMean(params as ReadonlyMap<string, tf.Variable>, data, o.fisher === 'true' ? 'fisher-true' : 'fisher-empirical', o.samples).mean;
}

/** EWC: one Fisher and one anchor per finished task. */
export class Ewc implements ImportanceEstimator {
  readonly kind: EstimatorKind = 'ewc';
  readonly needsSteps = false;
  readonly options: EwcOptions;
  private tasks: { fisher: Map<string, tf.Tensor>; anchor: Map<string, tf.Tensor> }[] = [];

  constructor(options: Partial<EwcOptions> = {}) {
    this.options = { ...EWC_DEFAULTS, ...options };
    validate(this.options, 'EWC');
  }

  get tasksSeen(): number {
    return this.tasks.length;
  }

  beginTask(): void {}
  afterStep(_step: StepRecord): void {}

  endTask(params: ReadonlyMap<string, tf.Tensor>, data: TaskData): ReadonlyMap<string, tf.Tensor> {
    const fisher = fisherOf(params, data, this.options);
    this.tasks.push({ fisher, anchor: snapshot(params) });
    return fisher;
  }

  penaltyTerms(): readonly AnchorTerm[] {
    return this.tasks.map((t) => ({ importance: t.fisher, anchor: t.anchor, coefficient: 0.5 }));
  }

  stateTensors(): Map<string, tf.Tensor> {
    const out = new Map<string, tf.Tensor>();
    this.tasks.forEach((t, i) => {
      putState(out, `ewc/${i}/fisher/`, t.fisher);
      putState(out, `ewc/${i}/anchor/`, t.anchor);
    });
    return out;
  }

  stateMeta(): Record<string, unknown> {
    return { kind: this.kind, tasks: this.tasks.length, ...this.options };
  }

  loadState(tensors: LoadedState, meta: Record<string, unknown>): void {
    const n = metaCount(meta, 'tasks', 'EWC');
    this.disposeTasks();
    for (let i = 0; i < n; i++) {
      const fisher = takeState(tensors, `ewc/${i}/fisher/`, 'EWC');
      const anchor = takeState(tensors, `ewc/${i}/anchor/`, 'EWC');
      if (fisher.size === 0 || fisher.size !== anchor.size) throw new Error(`EWC: state for task ${i} has ${fisher.size} Fisher and ${anchor.size} anchor tensors`);
      this.tasks.push({ fisher, anchor });
    }
  }

  private disposeTasks(): void {
    for (const t of this.tasks) {
      disposeMap(t.fisher);
      disposeMap(t.anchor);
    }
    this.tasks = [];
  }

  dispose(): void {
    this.disposeTasks();
  }
}

/** Online EWC: one running Fisher F̃ (decay γ) and the latest anchor. */
export class OnlineEwc implements ImportanceEstimator {
  readonly kind: EstimatorKind = 'online-ewc';
  readonly needsSteps = false;
  readonly options: OnlineEwcOptions;
  private fisher: Map<string, tf.Tensor> | null = null;
  private anchor: Map<string, tf.Tensor> | null = null;
  private tasks = 0;

  constructor(options: Partial<OnlineEwcOptions> = {}) {
    this.options = { ...ONLINE_EWC_DEFAULTS, ...options };
    validate(this.options, 'Online EWC');
    if (!(this.options.gamma >= 0 && this.options.gamma <= 1)) throw new Error(`Online EWC: gamma = ${this.options.gamma} must be in [0, 1]`);
  }

  get tasksSeen(): number {
    return this.tasks;
  }

  beginTask(): void {}
  afterStep(_step: StepRecord): void {}

  endTask(params: ReadonlyMap<string, tf.Tensor>, data: TaskData): ReadonlyMap<string, tf.Tensor> {
    const fn = fisherOf(params, data, this.options);
    if (this.fisher) {
      const old = this.fisher;
      const { gamma } = this.options;
      this.fisher = new Map([...fn].map(([n, f]) => [n, tf.tidy(() => tf.add(tf.mul(old.get(n)!, gamma), f))]));
      disposeMap(old);
      disposeMap(fn);
    } else {
      this.fisher = fn;
    }
    disposeMap(this.anchor);
    this.anchor = snapshot(params);
    this.tasks += 1;
    return this.fisher;
  }

  penaltyTerms(): readonly AnchorTerm[] {
    return anchoredTerms(this.fisher, this.anchor, 0.5);
  }

  stateTensors(): Map<string, tf.Tensor> {
    const out = new Map<string, tf.Tensor>();
    putAnchored(out, 'online-ewc/', 'fisher', this.fisher, this.anchor);
    return out;
  }

  stateMeta(): Record<string, unknown> {
    return { kind: this.kind, tasks: this.tasks, ...this.options };
  }

  loadState(tensors: LoadedState, meta: Record<string, unknown>): void {
    const n = metaCount(meta, 'tasks', 'Online EWC');
    this.dispose();
    this.tasks = n;
    if (n === 0) return;
    ({ importance: this.fisher, anchor: this.anchor } = takeAnchored(tensors, 'online-ewc/', 'fisher', 'Online EWC', 'Fisher'));
  }

  dispose(): void {
    disposeMap(this.fisher);
    disposeMap(this.anchor);
    this.fisher = null;
    this.anchor = null;
    this.tasks = 0;
  }
}
