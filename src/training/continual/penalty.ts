/**
 * The one quadratic anchor penalty of every consolidation method (METHODS.md §4):
 *
 *   P(θ) = λ · Σ_terms c_t · Σ_k Ω_{t,k}·(θ_k − θ*_{t,k})²,    ∂P/∂θ_k = 2λ · Σ_t c_t·Ω_{t,k}·(θ_k − θ*_{t,k})
 *
 * An estimator (importance.ts) supplies its terms: EWC one per previous task with c = ½ and that
 * task's Fisher and anchor; Online EWC one term, c = ½; SI and MAS one term, c = 1 (METHODS.md's
 * "c·Σ Ω(θ − θ*)²" and "λ Σ Ω (θ − θ*_{n−1})²"). It is applied to the slow weights only
 * (ContinualClassifier.slow): parameters missing from a term's maps are not penalised, and a term
 * naming a parameter that is not given is an error.
 *
 * `addPenalty` is what a training step uses: loss gradients + ∂P/∂θ and the value P, fused into
 * one typed-array pass per parameter on host backends (cpu, wasm; nn/host.ts), where tfjs's
 * elementwise binary ops cost ~10× a plain loop (4.8M element-ops per step for a 480k-parameter
 * MLP otherwise); tfjs ops elsewhere. `quadraticAnchorPenalty(Grads)` are the op forms.
 */
import * as tf from '@tensorflow/tfjs';
import { hostData, useHostPath } from './host-path';

export interface AnchorTerm {
  /** Ω per slow parameter (≥ 0), same shapes as the parameters. */
  readonly importance: ReadonlyMap<string, tf.Tensor>;
  /** θ* per slow parameter. */
  readonly anchor: ReadonlyMap<string, tf.Tensor>;
  /** c: ½ for (Online) EWC, 1 for SI and MAS. */
  readonly coefficient: number;
}

function check(params: ReadonlyMap<string, tf.Tensor>, terms: readonly AnchorTerm[], lambda: number): void {
  if (!(lambda >= 0) || !Number.isFinite(lambda)) throw new Error(`penalty: lambda = ${lambda} must be a finite number ≥ 0`);
  terms.forEach((t, i) => {
    for (const name of t.importance.keys()) {
      const p = params.get(name);
      if (!p) throw new Error(`penalty: term ${i} has an importance for '${name}', which is not a slow parameter`);
      const a = t.anchor.get(name);
      if (!a) throw new Error(`penalty: term ${i} has no anchor for '${name}'`);
      const want = p.shape.join(',');
      if (t.importance.get(name)!.shape.join(',') !== want || a.shape.join(',') !== want) {
        throw new Error(`penalty: term ${i} '${name}': importance [${t.importance.get(name)!.shape}] and anchor [${a.shape}] must match the parameter [${p.shape}]`);
      }
    }
  });
}

/** P(θ) as a scalar tensor (0 with no terms). Differentiable in the parameters. */
export function quadraticAnchorPenalty(params: ReadonlyMap<string, tf.Tensor>, terms: readonly AnchorTerm[], lambda: number): tf.Scalar {
  check(params, terms, lambda);
  return tf.tidy(() => {
    const parts: tf.Tensor[] = [];
    for (const t of terms) {
      for (const [name, omega] of t.importance) {
        const diff = tf.sub(params.get(name)!, t.anchor.get(name)!);
        parts.push(tf.mul(tf.sum(tf.mul(omega, tf.square(diff))), t.coefficient));
      }
    }
    return (parts.length ? tf.mul(tf.addN(parts), lambda) : tf.scalar(0)) as tf.Scalar;
  });
}

/** ∂P/∂θ per penalised parameter (caller owns the tensors); parameters without a term are absent. */
export function quadraticAnchorPenaltyGrads(params: ReadonlyMap<string, tf.Tensor>, terms: readonly AnchorTerm[], lambda: number): Map<string, tf.Tensor> {
  check(params, terms, lambda);
  const out = new Map<string, tf.Tensor>();
  for (const [name, p] of params) {
    const owned = terms.filter((t) => t.importance.has(name));
    if (owned.length === 0) continue;
    out.set(
      name,
      tf.tidy(() => tf.addN(owned.map((t) => tf.mul(tf.mul(t.importance.get(name)!, tf.sub(p, t.anchor.get(name)!)), 2 * lambda * t.coefficient)))),
    );
  }
  return out;
}

/**
 * Loss gradients plus the penalty's, and the penalty's value P (new tensors, caller owns; `grads`
 * borrowed). Gradients of parameters without a term are copied unchanged (tf.clone, no data copy).
 */
export function addPenalty(
  params: ReadonlyMap<string, tf.Tensor>,
  grads: ReadonlyMap<string, tf.Tensor>,
  terms: readonly AnchorTerm[],
  lambda: number,
): { grads: Map<string, tf.Tensor>; value: tf.Scalar } {
  check(params, terms, lambda);
  const out = new Map<string, tf.Tensor>();
  if (!useHostPath()) {
    const pg = quadraticAnchorPenaltyGrads(params, terms, lambda);
    for (const [n, g] of grads) {
      const d = pg.get(n);
      out.set(n, d ? tf.add(g, d) : tf.clone(g));
    }
    tf.dispose([...pg.values()]);
    return { grads: out, value: quadraticAnchorPenalty(params, terms, lambda) };
  }
  let value = 0;
  for (const [n, g] of grads) {
    const owned = terms.filter((t) => t.importance.has(n));
    if (owned.length === 0) {
      out.set(n, tf.clone(g));
      continue;
    }
    const total = Float32Array.from(hostData(g));
    const theta = hostData(params.get(n)!);
    for (const t of owned) {
      const omega = hostData(t.importance.get(n)!);
      const anchor = hostData(t.anchor.get(n)!);
      const k = lambda * t.coefficient;
      let v = 0;
      for (let i = 0; i < total.length; i++) {
        const d = theta[i] - anchor[i];
        const od = omega[i] * d;
        total[i] += 2 * k * od; // ∂/∂θ of k·Ω·d²
        v += od * d;
      }
      value += k * v;
    }
    out.set(n, tf.tensor(total, g.shape, 'float32'));
  }
  return { grads: out, value: tf.scalar(value) };
}
