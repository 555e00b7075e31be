import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { forceHostPath } from './host-path';
import { addPenalty, quadraticAnchorPenalty, quadraticAnchorPenaltyGrads, type AnchorTerm } from './penalty';

const read = (t: tf.Tensor): number[] => Array.from(t.dataSync());
const t1 = (v: number[]) => tf.tensor1d(v);

describe('quadraticAnchorPenalty', () => {
  it('has the hand-computed value and gradient, one term and two (EWC-style, c = ½)', () => {
    const theta = tf.variable(t1([1, 2]));
    const params = new Map([['w', theta as tf.Tensor]]);
    const si: AnchorTerm = { importance: new Map([['w', t1([2, 4])]]), anchor: new Map([['w', t1([0.5, 3])]]), coefficient: 1 };
    // λ = 0.5, c = 1: λ·Σ Ω(θ − θ*)² = 0.5·(2·0.5² + 4·(−1)²) = 0.5·4.5 = 2.25
    // ∂/∂θ = 2λ·Ω(θ − θ*) = [2·0.5·2·0.5, 2·0.5·4·(−1)] = [1, −4]
    const p1 = quadraticAnchorPenalty(params, [si], 0.5);
    expect(p1.dataSync()[0]).toBeCloseTo(2.25, 6);
    const g1 = quadraticAnchorPenaltyGrads(params, [si], 0.5);
    expect(read(g1.get('w')!)).toEqual([1, -4]);
    // + a term with c = ½, Ω = [1, 1], θ* = [1, 1]: + 0.5·0.5·(0 + 1) = 0.25 → 2.5; gradient + 2·0.5·0.5·[0, 1] = [0, 0.5] → [1, −3.5]
    const ewc: AnchorTerm = { importance: new Map([['w', t1([1, 1])]]), anchor: new Map([['w', t1([1, 1])]]), coefficient: 0.5 };
    const p2 = quadraticAnchorPenalty(params, [si, ewc], 0.5);
    expect(p2.dataSync()[0]).toBeCloseTo(2.5, 6);
    const g2 = quadraticAnchorPenaltyGrads(params, [si, ewc], 0.5);
    expect(read(g2.get('w')!)).toEqual([1, -3.5]);
    // The analytic gradient is autodiff's.
    const auto = tf.variableGrads(() => quadraticAnchorPenalty(params, [si, ewc], 0.5), [theta]);
    expect(read(auto.grads[theta.name])).toEqual([1, -3.5]);
    tf.dispose([p1, p2, auto.value, ...Object.values(auto.grads), ...g1.values(), ...g2.values(), theta, ...si.importance.values(), ...si.anchor.values(), ...ewc.importance.values(), ...ewc.anchor.values()]);
  });

  it('touches only the parameters its terms name (slow weights); no terms → 0', () => {
    const slow = tf.variable(t1([1]));
    const plastic = tf.variable(t1([5]));
    const params = new Map<string, tf.Tensor>([['body.w', slow], ['head.alpha', plastic]]);
    const term: AnchorTerm = { importance: new Map([['body.w', t1([1])]]), anchor: new Map([['body.w', t1([0])]]), coefficient: 1 };
    const g = quadraticAnchorPenaltyGrads(params, [term], 1);
    expect([...g.keys()]).toEqual(['body.w']);
    const zero = quadraticAnchorPenalty(params, [], 3);
    expect(zero.dataSync()[0]).toBe(0);
    tf.dispose([zero, ...g.values(), slow, plastic, ...term.importance.values(), ...term.anchor.values()]);
  });

  it('names bad terms and λ', () => {
    const p = new Map([['a', t1([1, 2])]]);
    const bad = (imp: Record<string, number[]>, anc: Record<string, number[]>): AnchorTerm => ({
      importance: new Map(Object.entries(imp).map(([k, v]) => [k, t1(v)])),
      anchor: new Map(Object.entries(anc).map(([k, v]) => [k, t1(v)])),
      coefficient: 1,
    });
    expect(() => quadraticAnchorPenalty(p, [bad({ 'head.alpha': [1] }, { 'head.alpha': [1] })], 1)).toThrow(/'head.alpha', which is not a slow parameter/);
    expect(() => quadraticAnchorPenalty(p, [bad({ a: [1, 1] }, {})], 1)).toThrow(/term 0 has no anchor for 'a'/);
    expect(() => quadraticAnchorPenalty(p, [bad({ a: [1] }, { a: [1] })], 1)).toThrow(/'a': importance \[1\] and anchor \[1\] must match the parameter \[2\]/);
    expect(() => quadraticAnchorPenalty(p, [], -1)).toThrow(/lambda = -1/);
  });
});

describe('addPenalty (what a training step uses)', () => {
  for (const host of [true, false]) {
    it(`adds ∂P/∂θ to the loss gradients and returns P, ${host ? 'typed-array' : 'tfjs-op'} path`, () => {
      forceHostPath(host);
      try {
        // θ = [1, 2], loss gradient [0.1, 0.2]; terms as in the first test (λ = 0.5): P = 2.5, ∂P/∂θ = [1, −3.5]
        // → total gradient [1.1, −3.3]. A parameter without a term ('alpha') keeps its gradient [7].
        const params = new Map<string, tf.Tensor>([['w', t1([1, 2])]]);
        const grads = new Map<string, tf.Tensor>([['w', t1([0.1, 0.2])], ['alpha', t1([7])]]);
        const terms: AnchorTerm[] = [
          { importance: new Map([['w', t1([2, 4])]]), anchor: new Map([['w', t1([0.5, 3])]]), coefficient: 1 },
          { importance: new Map([['w', t1([1, 1])]]), anchor: new Map([['w', t1([1, 1])]]), coefficient: 0.5 },
        ];
        const r = addPenalty(params, grads, terms, 0.5);
        expect(r.value.dataSync()[0]).toBeCloseTo(2.5, 6);
        read(r.grads.get('w')!).forEach((v, i) => expect(v).toBeCloseTo([1.1, -3.3][i], 6));
        expect(read(r.grads.get('alpha')!)).toEqual([7]);
        expect(read(grads.get('w')!).map((v) => +v.toFixed(6))).toEqual([0.1, 0.2]); // borrowed, untouched
        tf.dispose([r.value, ...r.grads.values(), ...params.values(), ...grads.values(), ...terms.flatMap((t) => [...t.importance.values(), ...t.anchor.values()])]);
      } finally {
        forceHostPath(null);
      }
    });
  }
});
