import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { disposeParams } from '../core/params';
import { Rng } from '../core/rng';
import { applyDhpSoftmax, dhpSoftmaxConfig, hebbianUpdate, HebbianTrace, initDhpSoftmax, plasticNormPerClass, type DhpSoftmaxParams } from './dhp-softmax';

const read = (t: tf.Tensor): number[] => Array.from(t.dataSync());
const close = (a: number[], b: number[], digits = 5) => {
  expect(a.length).toBe(b.length);
  a.forEach((v, i) => expect(v).toBeCloseTo(b[i], digits));
};

/** A DHP head with hand-set θ, α, η (m = rows, d = columns). */
function headOf(theta: number[][], alpha: number[][], eta: number): DhpSoftmaxParams<tf.Variable> {
  const p = initDhpSoftmax(dhpSoftmaxConfig({ inFeatures: theta.length, numClasses: theta[0].length }), new Rng(0));
  tf.tidy(() => {
    p.theta.assign(tf.tensor2d(theta));
    p.alpha.assign(tf.tensor2d(alpha));
    p.eta.assign(tf.tensor1d([eta]));
  });
  return p;
}

// m = 2 features, d = 3 classes. Hebb (old) = [[0.1, 0.2, 0.3], [0.4, 0.5, 0.6]] (rows = features).
const OLD = [
  [0.1, 0.2, 0.3],
  [0.4, 0.5, 0.6],
];
const H = [
  [1, 2],
  [3, 0],
  [5, 6],
];

describe('hebbianUpdate', () => {
  it('moves only the columns of the classes in the batch, each by η·(mean h − old)', () => {
    // η = 0.5, y = [0, 2, 0]:
    //   class 0: rows 0, 2 → h̄ = [(1+5)/2, (2+6)/2] = [3, 4]; new = [0.1 + 0.5·2.9, 0.4 + 0.5·3.6] = [1.55, 2.2]
    //   class 1: absent → [0.2, 0.5] unchanged
    //   class 2: row 1 → h̄ = [3, 0]; new = [0.3 + 0.5·2.7, 0.6 + 0.5·(−0.6)] = [1.65, 0.3]
    const out = tf.tidy(() => hebbianUpdate(tf.tensor2d(OLD), tf.tensor2d(H), tf.tensor1d([0, 2, 0], 'int32'), tf.scalar(0.5)));
    close(read(out), [1.55, 0.2, 1.65, 2.2, 0.5, 0.3]);
    out.dispose();
  });

  it('METHODS.md acceptance: a batch with classes {0, 1} changes only columns 0 and 1', () => {
    // y = [1, 0, 1]: class 1 rows 0, 2 → h̄ = [3, 4]; new col 1 = [0.2 + 0.5·2.8, 0.5 + 0.5·3.5] = [1.6, 2.25]
    //                class 0 row 1 → h̄ = [3, 0]; new col 0 = [0.1 + 0.5·2.9, 0.4 + 0.5·(−0.4)] = [1.55, 0.2]
    //                column 2 stays [0.3, 0.6] exactly.
    const out = tf.tidy(() => hebbianUpdate(tf.tensor2d(OLD), tf.tensor2d(H), tf.tensor1d([1, 0, 1], 'int32'), tf.tensor1d([0.5])));
    const v = read(out);
    close(v, [1.55, 1.6, 0.3, 0.2, 2.25, 0.6]);
    expect([v[2], v[5]]).toEqual([Math.fround(0.3), Math.fround(0.6)]); // bit-exact, not just close
    out.dispose();
  });

  it('names bad shapes', () => {
    tf.tidy(() => {
      expect(() => hebbianUpdate(tf.zeros([2, 3]) as tf.Tensor2D, tf.zeros([3, 4]) as tf.Tensor2D, tf.tensor1d([0, 1, 2], 'int32'), tf.scalar(0.1))).toThrow(/h must be \[B, 2\], got \[3,4\]/);
      expect(() => hebbianUpdate(tf.zeros([2, 3]) as tf.Tensor2D, tf.zeros([3, 2]) as tf.Tensor2D, tf.tensor1d([0, 1], 'int32'), tf.scalar(0.1))).toThrow(/labels must be \[3\]/);
    });
  });
});

describe('applyDhpSoftmax', () => {
  const theta = [
    [1, 0, -1],
    [0, 1, 2],
  ];
  const alpha = [
    [0.5, 0.5, 0.5],
    [1, 1, 1],
  ];

  it('training: updates the trace first, then z = h·(θ + α⊙Hebb′); inference: the current trace, no update', () => {
    const p = headOf(theta, alpha, 0.5);
    const trace = new HebbianTrace(2, 3);
    trace.commit(tf.tidy(() => tf.tensor2d(OLD)));
    // Training with y = [0, 2, 0]: Hebb′ = [[1.55, 0.2, 1.65], [2.2, 0.5, 0.3]] (test above).
    //   θ + α⊙Hebb′ = [[1 + 0.775, 0 + 0.1, −1 + 0.825], [0 + 2.2, 1 + 0.5, 2 + 0.3]] = [[1.775, 0.1, −0.175], [2.2, 1.5, 2.3]]
    //   row h = [1, 2]: z = [1.775 + 4.4, 0.1 + 3, −0.175 + 4.6] = [6.175, 3.1, 4.425]
    const train = tf.tidy(() => {
      const out = applyDhpSoftmax(p, tf.tensor2d(H), trace.value as tf.Tensor2D, { labels: tf.tensor1d([0, 2, 0], 'int32') });
      return { z: out.logits.slice([0, 0], [1, 3]), hebb: out.hebb! };
    });
    close(read(train.z), [6.175, 3.1, 4.425]);
    close(read(trace.value), OLD.flat()); // not yet committed: the layer never writes the trace itself
    // Inference with the old trace: θ + α⊙Hebb = [[1.05, 0.1, −0.85], [0.4, 1.5, 2.6]]; h = [1, 2] → [1.85, 3.1, 4.35].
    const h1 = tf.tensor2d([[1, 2]]);
    const infer = applyDhpSoftmax(p, h1, trace.value as tf.Tensor2D);
    close(read(infer.logits), [1.85, 3.1, 4.35]);
    expect(infer.hebb).toBeNull();
    h1.dispose();
    trace.commit(train.hebb);
    close(read(trace.value), [1.55, 0.2, 1.65, 2.2, 0.5, 0.3]);
    tf.dispose([train.z, train.hebb, infer.logits]);
    trace.dispose();
    disposeParams(p);
  });

  it('gradients reach θ, α, η and h (also through the fresh trace), and not the trace', () => {
    // m = 2, d = 2, one sample h = [1, 2], y = [0], Hebb = 0, η = 0.1, loss L = Σ z.
    //   Hebb′[:,0] = η·h = [0.1, 0.2]; Hebb′[:,1] = 0
    //   ∂L/∂θ_ij = h_i                          → [[1, 1], [2, 2]]
    //   ∂L/∂α_ij = h_i·Hebb′_ij                 → [[0.1, 0], [0.4, 0]]
    //   ∂L/∂η    = Σ_i h_i·α_i0·(h̄_i − Hebb_i0) = 1·0.5·1 + 2·0.25·2 = 1.5
    //   ∂L/∂h_i  = Σ_j (θ + α⊙Hebb′)_ij + h_i·α_i0·η   (second term: through Hebb′ = η·h)
    //            h_0: (1 + 0.05) + (−1) + 0.05 = 0.1;  h_1: (0.5 + 0.05) + 2 + 0.05 = 2.6
    const p = headOf([[1, -1], [0.5, 2]], [[0.5, 0.3], [0.25, 0.7]], 0.1);
    const trace = new HebbianTrace(2, 2);
    const h = tf.tensor2d([[1, 2]]);
    const y = tf.tensor1d([0], 'int32');
    let hebb: tf.Tensor | null = null;
    const { value, grads } = tf.variableGrads(() => {
      const out = applyDhpSoftmax(p, h, trace.value as tf.Tensor2D, { labels: y });
      hebb = tf.keep(out.hebb!);
      return tf.sum(out.logits) as tf.Scalar;
    });
    close(read(grads[p.theta.name]), [1, 1, 2, 2]);
    close(read(grads[p.alpha.name]), [0.1, 0, 0.4, 0]);
    close(read(grads[p.eta.name]), [1.5]);
    expect(trace.value.trainable).toBe(false);
    expect(Object.keys(grads)).not.toContain(trace.value.name); // the trace is state: no gradient
    expect(Object.keys(grads).sort()).toEqual([p.theta.name, p.alpha.name, p.eta.name].sort());
    const dh = tf.grads((hh: tf.Tensor) => tf.sum(applyDhpSoftmax(p, hh as tf.Tensor2D, trace.value as tf.Tensor2D, { labels: y }).logits))([h]);
    close(read(dh[0]), [0.1, 2.6]);
    trace.commit(hebb!);

    // Second step, same sample: the carried trace is a constant. Hebb″[:,0] = [0.1, 0.2] + 0.1·([1, 2] − [0.1, 0.2]) = [0.19, 0.38]
    //   ∂L/∂η = Σ_i h_i·α_i0·(h_i − Hebb_i0) = 1·0.5·0.9 + 2·0.25·1.8 = 1.35
    //   (had the gradient flowed back into step 1's trace, (1 − η)·∂Hebb/∂η = 0.9·h would add 1.35 → 2.7)
    const second = tf.variableGrads(() => tf.sum(applyDhpSoftmax(p, h, trace.value as tf.Tensor2D, { labels: y }).logits) as tf.Scalar);
    close(read(second.grads[p.eta.name]), [1.35]);
    tf.dispose([value, ...Object.values(grads), second.value, ...Object.values(second.grads), ...dh, h, y, hebb!]);
    trace.dispose();
    disposeParams(p);
  });

  it('reports the plastic component’s norm per class, ‖α[:,c]⊙Hebb[:,c]‖₂', () => {
    // α⊙Hebb = [[0.05, 0.1, 0.15], [0.4, 0.5, 0.6]] → √0.1625 = 0.403113, √0.26 = 0.509902, √0.3825 = 0.618466
    const p = headOf(theta, alpha, 0.5);
    const trace = new HebbianTrace(2, 3);
    trace.commit(tf.tidy(() => tf.tensor2d(OLD)));
    const n = plasticNormPerClass(p, trace.value as tf.Tensor2D);
    close(read(n), [0.403113, 0.509902, 0.618466]);
    const t = trace.normPerClass(); // ‖Hebb[:,c]‖: √0.17, √0.29, √0.45
    close(read(t), [Math.sqrt(0.17), Math.sqrt(0.29), Math.sqrt(0.45)]);
    tf.dispose([n, t]);
    trace.dispose();
    disposeParams(p);
  });
});

describe('DHP Softmax init, config and state', () => {
  it('initialises θ ~ U(±1/√fan), α ~ U(0, 0.01), η = 0.01, trace 0', () => {
    const m = 64;
    const d = 4;
    const p = initDhpSoftmax(dhpSoftmaxConfig({ inFeatures: m, numClasses: d }), new Rng(5));
    const th = read(p.theta);
    expect(Math.max(...th.map(Math.abs))).toBeLessThanOrEqual(1 / 8); // fan-in m = 64
    expect(Math.max(...th.map(Math.abs))).toBeGreaterThan(0.1); // and fills it (256 draws)
    const a = read(p.alpha);
    expect(Math.min(...a)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...a)).toBeLessThan(0.01);
    close(read(p.eta), [0.01]);
    const q = initDhpSoftmax(dhpSoftmaxConfig({ inFeatures: m, numClasses: d, thetaInitFan: 'out' }), new Rng(5));
    expect(Math.max(...read(q.theta).map(Math.abs))).toBeGreaterThan(1 / 8); // the blog's code: U(±1/√d) = ±0.5
    expect(Math.max(...read(q.theta).map(Math.abs))).toBeLessThanOrEqual(0.5);
    const trace = new HebbianTrace(m, d);
    expect(read(trace.value).every((v) => v === 0)).toBe(true);
    trace.dispose();
    disposeParams(p);
    disposeParams(q);
  });

  it('validates the config, naming the field', () => {
    expect(() => dhpSoftmaxConfig({ inFeatures: 0, numClasses: 2 })).toThrow(/inFeatures = 0/);
    expect(() => dhpSoftmaxConfig({ inFeatures: 2, numClasses: 2, alphaInitMax: -1 })).toThrow(/alphaInitMax = -1/);
    expect(() => dhpSoftmaxConfig({ inFeatures: 2, numClasses: 2, etaInit: NaN })).toThrow(/etaInit = NaN/);
    expect(() => dhpSoftmaxConfig({ inFeatures: 2, numClasses: 2, thetaInitFan: 'x' as never })).toThrow(/thetaInitFan = 'x'/);
  });

  it('saves and restores the trace; a wrong shape is named', () => {
    const a = new HebbianTrace(2, 3);
    a.commit(tf.tidy(() => tf.tensor2d(OLD)));
    const saved = new Map([...a.stateTensors()].map(([k, t]) => [k, { shape: t.shape, data: t.dataSync() as Float32Array }]));
    const b = new HebbianTrace(2, 3);
    b.loadState(saved);
    expect(read(b.value)).toEqual(read(a.value));
    const c = new HebbianTrace(3, 2);
    expect(() => c.loadState(saved)).toThrow(/'dhp\/hebb' has shape \[2,3\], expected \[3,2\]/);
    expect(() => c.loadState(new Map())).toThrow(/missing the Hebbian trace/);
    [a, b, c].forEach((t) => t.dispose());
  });
});
