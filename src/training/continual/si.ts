/**
 * Synaptic Intelligence (Zenke, Poole, Ganguli 2017) as METHODS.md §4 states it:
 *   during a task, after every step:  ω_k += −g_k·Δθ_k   (g = gradient of the unregularised loss
 *                                                          at the step's start, Δθ = the step's change)
 *   at the end of the task:           Ω_k += ω_k / ((θ_k(end) − θ_k(start))² + ξ), then ω ← 0
 *   penalty:                          c·Σ Ω_k·(θ_k − θ*_k)², θ* = the parameters at the end of the last task
 * (c is the penalty's λ; coefficient 1.) ξ (damping) is not given in METHODS.md [U: 1e-3, Zenke
 * et al.'s value].
 */
import * as tf from '@tensorflow/tfjs';
import { hostData, useHostPath } from './host-path';
import { anchoredTerms, disposeMap, metaCount, putAnchored, putState, snapshot, takeAnchored, takeState, type EstimatorKind, type ImportanceEstimator, type LoadedState, type StepRecord } from './importance';
import type { AnchorTerm } from './penalty';

export interface SiOptions {
  readonly xi: number; // damping ξ in Ω += ω/(Δ² + ξ): 1e-3 [U: Zenke et al. 2017]
}

export const SI_DEFAULTS: SiOptions = { xi: 1e-3 };

/** ω − g·(cur − prev) in one typed-array pass (host backends: cpu, wasm). */
function hostStep(w: tf.Tensor, g: tf.Tensor, prev: tf.Tensor, cur: tf.Tensor): tf.Tensor {
  const out = Float32Array.from(hostData(w));
  const gv = hostData(g);
  const pv = hostData(prev);
  const cv = hostData(cur);
  for (let i = 0; i < out.length; i++) out[i] -= gv[i] * (cv[i] - pv[i]);
  return tf.tensor(out, w.shape, 'float32');
}

export class Si implements ImportanceEstimator {
  readonly kind: EstimatorKind = 'si';
  readonly needsSteps = true;
  readonly options: SiOptions;
  private omega: Map<string, tf.Tensor> | null = null; // Ω, accumulated over tasks
  private anchor: Map<string, tf.Tensor> | null = null; // θ* at the end of the last task
  private running: Map<string, tf.Tensor> | null = null; // ω of the current task
  private start: Map<string, tf.Tensor> | null = null; // θ at the start of the current task
  private tasks = 0;

  constructor(options: Partial<SiOptions> = {}) {
    this.options = { ...SI_DEFAULTS, ...options };
    if (!(this.options.xi > 0) || !Number.isFinite(this.options.xi)) throw new Error(`SI: xi = ${this.options.xi} must be a finite number > 0`);
  }

  get tasksSeen(): number {
    return this.tasks;
  }

  beginTask(params: ReadonlyMap<string, tf.Tensor>): void {
    disposeMap(this.start);
    disposeMap(this.running);
    this.start = snapshot(params);
    this.running = new Map([...params].map(([n, p]) => [n, tf.zerosLike(p)]));
  }

  afterStep(step: StepRecord): void {
    if (!this.running) throw new Error('SI: afterStep before beginTask');
    const next = new Map<string, tf.Tensor>();
    for (const [n, w] of this.running) {
      const g = step.grads.get(n);
      const prev = step.prev.get(n);
      const cur = step.current.get(n);
      if (!g || !prev || !cur) throw new Error(`SI: step is missing the ${!g ? 'gradient' : !prev ? 'previous value' : 'current value'} of '${n}'`);
      next.set(n, useHostPath() ? hostStep(w, g, prev, cur) : tf.tidy(() => tf.sub(w, tf.mul(g, tf.sub(cur, prev))))); // ω − g·Δθ
    }
    disposeMap(this.running);
    this.running = next;
  }

  endTask(params: ReadonlyMap<string, tf.Tensor>): ReadonlyMap<string, tf.Tensor> {
    if (!this.running || !this.start) throw new Error('SI: endTask before beginTask');
    const { xi } = this.options;
    const next = new Map<string, tf.Tensor>();
    for (const [n, w] of this.running) {
      const p = params.get(n);
      if (!p) throw new Error(`SI: endTask is missing parameter '${n}'`);
      const start = this.start.get(n)!;
      const prevOmega = this.omega?.get(n);
      next.set(
        n,
        tf.tidy(() => {
          const add = tf.div(w, tf.add(tf.square(tf.sub(p, start)), xi));
          return prevOmega ? tf.add(prevOmega, add) : add;
        }),
      );
    }
    disposeMap(this.omega);
    disposeMap(this.anchor);
    disposeMap(this.running);
    disposeMap(this.start);
    this.omega = next;
    this.anchor = snapshot(params);
    this.running = null;
    this.start = null;
    this.tasks += 1;
    return this.omega;
  }

  penaltyTerms(): readonly AnchorTerm[] {
    return anchoredTerms(this.omega, this.anchor, 1);
  }

  stateTensors(): Map<string, tf.Tensor> {
    const out = new Map<string, tf.Tensor>();
    putAnchored(out, 'si/', 'omega', this.omega, this.anchor);
    if (this.running && this.start) {
      putState(out, 'si/running/', this.running);
      putState(out, 'si/start/', this.start);
    }
    return out;
  }

  stateMeta(): Record<string, unknown> {
    return { kind: this.kind, tasks: this.tasks, inTask: this.running !== null, ...this.options };
  }

  loadState(tensors: LoadedState, meta: Record<string, unknown>): void {
    const n = metaCount(meta, 'tasks', 'SI');
    this.dispose();
    this.tasks = n;
    if (n > 0) {
      ({ importance: this.omega, anchor: this.anchor } = takeAnchored(tensors, 'si/', 'omega', 'SI', 'Ω'));
    }
    if (meta.inTask === true) {
      this.running = takeState(tensors, 'si/running/', 'SI');
      this.start = takeState(tensors, 'si/start/', 'SI');
      if (this.running.size === 0 || this.running.size !== this.start.size) throw new Error(`SI: state has ${this.running.size} running ω and ${this.start.size} start tensors`);
    }
  }

  dispose(): void {
    for (const m of [this.omega, this.anchor, this.running, this.start]) disposeMap(m);
    this.omega = this.anchor = this.running = this.start = null;
    this.tasks = 0;
  }
}
