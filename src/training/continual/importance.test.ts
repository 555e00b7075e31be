import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadCheckpoint, saveCheckpoint } from '../core/checkpoint';
import { arrayBatches } from './batches';
import { taskTargets, type TaskOutputs } from './classifier';
import { createEstimator, restoreEstimator } from './estimators';
import { Ewc, OnlineEwc } from './ewc';
import { forceHostPath } from './host-path';
import { disposeMap, type ImportanceEstimator, type TaskData } from './importance';
import { Mas } from './mas';
import { Si } from './si';

const read = (t: tf.Tensor): number[] => Array.from(t.dataSync());
const close = (a: number[], b: number[], digits = 5) => {
  expect(a.length).toBe(b.length);
  a.forEach((v, i) => expect(v).toBeCloseTo(b[i], digits));
};

/** A 2-input, 2-class linear softmax z = x·W + b, W [2, 2] (rows = inputs), b [2]. */
function linearModel(W: number[][], b: number[]) {
  const params = new Map<string, tf.Variable>([
    ['w', tf.variable(tf.tensor2d(W))],
    ['b', tf.variable(tf.tensor1d(b))],
  ]);
  const outputs: TaskOutputs = {
    logits: (x) => tf.tidy(() => tf.add(tf.matMul(x as tf.Tensor2D, params.get('w')!), params.get('b')!) as tf.Tensor2D),
    targets: (y) => taskTargets(y, 2),
  };
  return { params, outputs, dispose: () => params.forEach((v) => v.dispose()) };
}

// Two samples: x1 = [1, 2] with y = 0, x2 = [3, −1] with y = 1.
const X = new Float32Array([1, 2, 3, -1]);
const Y = [0, 1];
const data = (outputs: TaskOutputs, n = 2): TaskData => ({ outputs, batches: arrayBatches(X.slice(0, 2 * n), Y.slice(0, n), 2, 2) });

let created: { dispose(): void }[] = [];
afterEach(() => {
  created.forEach((c) => c.dispose());
  created = [];
});
const track = <T extends { dispose(): void }>(x: T): T => (created.push(x), x);

// Every hand-worked case runs on both implementations: typed arrays (host backends) and tfjs ops.
for (const [host, path] of [[true, 'typed-array path'], [false, 'tfjs-op path']] as const) {
  describe(path, () => {
    beforeAll(() => forceHostPath(host));
    afterAll(() => forceHostPath(null));
    describe(`EWC Fisher on a 2-input linear softmax, by hand (${path})`, () => {
      // W = 0, b = [ln 3, 0] → p = softmax([ln 3, 0]) = [0.75, 0.25] for every x.
      // ∂ log p(c|x)/∂W_ij = x_i·(e_c − p)_j, ∂/∂b_j = (e_c − p)_j.
      it('empirical: mean over samples of the squared gradient of log p(label|x)', () => {
        // x1 = [1, 2], y = 0: e − p = [0.25, −0.25] → W² = [[0.0625, 0.0625], [0.25, 0.25]], b² = [0.0625, 0.0625]
        // x2 = [3, −1], y = 1: e − p = [−0.75, 0.75] → W² = [[5.0625, 5.0625], [0.5625, 0.5625]], b² = [0.5625, 0.5625]
        // mean: F_W = [[2.5625, 2.5625], [0.40625, 0.40625]], F_b = [0.3125, 0.3125]
        const m = track(linearModel([[0, 0], [0, 0]], [Math.log(3), 0]));
        const ewc = track(new Ewc({ fisher: 'empirical' }));
        const f = ewc.endTask(m.params, data(m.outputs));
        close(read(f.get('w')!), [2.5625, 2.5625, 0.40625, 0.40625]);
        close(read(f.get('b')!), [0.3125, 0.3125]);
      });

      it('true: Σ_c p_c·(∂ log p_c/∂θ)², the exact expectation over the model’s p(y|x)', () => {
        // Σ_c p_c·(e_c − p)_j² = p_j(1 − p_j) = 0.75·0.25 = 0.1875 for both j, so F_W,ij = mean(x_i²)·0.1875:
        // mean x_0² = (1 + 9)/2 = 5 → 0.9375; mean x_1² = (4 + 1)/2 = 2.5 → 0.46875; F_b = 0.1875
        const m = track(linearModel([[0, 0], [0, 0]], [Math.log(3), 0]));
        const ewc = track(new Ewc({ fisher: 'true' }));
        const f = ewc.endTask(m.params, data(m.outputs));
        close(read(f.get('w')!), [0.9375, 0.9375, 0.46875, 0.46875]);
        close(read(f.get('b')!), [0.1875, 0.1875]);
      });

      it('keeps one term per task (c = ½) with its own anchor, a snapshot the later training does not move', () => {
        const m = track(linearModel([[0, 0], [0, 0]], [Math.log(3), 0]));
        const ewc = track(new Ewc());
        ewc.endTask(m.params, data(m.outputs));
        tf.tidy(() => m.params.get('w')!.assign(tf.tensor2d([[1, 1], [1, 1]])));
        ewc.endTask(m.params, data(m.outputs, 1));
        const terms = ewc.penaltyTerms();
        expect(terms.map((t) => t.coefficient)).toEqual([0.5, 0.5]);
        expect(read(terms[0].anchor.get('w')!)).toEqual([0, 0, 0, 0]);
        expect(read(terms[1].anchor.get('w')!)).toEqual([1, 1, 1, 1]);
        expect(ewc.tasksSeen).toBe(2);
      });

      it('Online EWC: F̃ ← γF̃ + F_n with the latest anchor only', () => {
        // Task 1 on both samples: F1 (empirical, above). Task 2 on x1 only: F2_W = [[0.0625, 0.0625], [0.25, 0.25]], F2_b = 0.0625.
        // γ = 0.5: F̃_W = [[1.28125 + 0.0625, …], [0.203125 + 0.25, …]] = [[1.34375, 1.34375], [0.453125, 0.453125]]; F̃_b = 0.15625 + 0.0625 = 0.21875
        const m = track(linearModel([[0, 0], [0, 0]], [Math.log(3), 0]));
        const online = track(new OnlineEwc({ gamma: 0.5 }));
        online.endTask(m.params, data(m.outputs));
        const f = online.endTask(m.params, data(m.outputs, 1));
        close(read(f.get('w')!), [1.34375, 1.34375, 0.453125, 0.453125]);
        close(read(f.get('b')!), [0.21875, 0.21875]);
        expect(online.penaltyTerms()).toHaveLength(1);
        expect(online.penaltyTerms()[0].coefficient).toBe(0.5);
      });
    });

    describe(`MAS importance by hand (${path})`, () => {
      it('Ω = mean over x of |∂‖f(x)‖²/∂θ|, accumulated over tasks', () => {
        // W = [[1, −1], [0.5, 0]], b = 0; ∂‖f‖²/∂W_ij = 2·x_i·f_j, ∂/∂b_j = 2·f_j.
        // x1 = [1, 2]:  f = [1 + 1, −1 + 0] = [2, −1]     → |∂W| = [[4, 2], [8, 4]],  |∂b| = [4, 2]
        // x2 = [3, −1]: f = [3 − 0.5, −3 + 0] = [2.5, −3] → |∂W| = [[15, 18], [5, 6]], |∂b| = [5, 6]
        // Ω_W = [[9.5, 10], [6.5, 5]], Ω_b = [4.5, 4]  (labels are not used)
        const m = track(linearModel([[1, -1], [0.5, 0]], [0, 0]));
        const mas = track(new Mas());
        const o1 = mas.endTask(m.params, data(m.outputs));
        close(read(o1.get('w')!), [9.5, 10, 6.5, 5]);
        close(read(o1.get('b')!), [4.5, 4]);
        const o2 = mas.endTask(m.params, data(m.outputs)); // same parameters and data: Ω doubles
        close(read(o2.get('w')!), [19, 20, 13, 10]);
        expect(mas.penaltyTerms()[0].coefficient).toBe(1);
      });
    });

    describe(`SI path integral by hand (${path})`, () => {
      it('ω += −g·Δθ per step; Ω += ω/((θ_end − θ_start)² + ξ) at the task end; ω resets', () => {
        // θ_start = [1, 2], ξ = 0.01.
        // step 1: g = [0.5, −1],  θ → [0.95, 2.1]   Δ = [−0.05, 0.1]  → −g·Δ = [0.025, 0.1]
        // step 2: g = [0.2, 0.4], θ → [0.93, 2.06]  Δ = [−0.02, −0.04] → −g·Δ = [0.004, 0.016]
        // ω = [0.029, 0.116]; total change = [−0.07, 0.06] → Ω = [0.029/(0.0049 + 0.01), 0.116/(0.0036 + 0.01)] = [1.946309, 8.529412]
        const si = track(new Si({ xi: 0.01 }));
        const theta = tf.variable(tf.tensor1d([1, 2]));
        created.push(theta);
        const params = new Map([['w', theta]]);
        si.beginTask(params);
        const step = (g: number[], next: number[]) => {
          const prev = new Map([['w', tf.clone(theta)]]);
          const grads = new Map([['w', tf.tensor1d(g)]]);
          tf.tidy(() => theta.assign(tf.tensor1d(next)));
          si.afterStep({ prev, grads, current: params });
          disposeMap(prev);
          disposeMap(grads);
        };
        step([0.5, -1], [0.95, 2.1]);
        step([0.2, 0.4], [0.93, 2.06]);
        const omega = si.endTask(params);
        close(read(omega.get('w')!), [1.946309, 8.529412], 4);
        expect(read(si.penaltyTerms()[0].anchor.get('w')!).map((v) => +v.toFixed(5))).toEqual([0.93, 2.06]);
        // Task 2: one step g = [1, 0], θ → [0.83, 2.06]: ω = [0.1, 0], change [−0.1, 0] → + [0.1/0.02, 0/0.01] = [5, 0]
        si.beginTask(params);
        step([1, 0], [0.83, 2.06]);
        const omega2 = si.endTask(params);
        close(read(omega2.get('w')!), [1.946309 + 5, 8.529412], 4);
        expect(si.tasksSeen).toBe(2);
      });

      it('refuses steps outside a task', () => {
        const si = track(new Si());
        expect(() => si.afterStep({ prev: new Map(), grads: new Map(), current: new Map() })).toThrow(/afterStep before beginTask/);
      });
    });
  });
}

describe('estimator state', () => {
  let dir = '';
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
    dir = '';
  });

  it('every estimator round-trips through a safetensors checkpoint with the same penalty terms', async () => {
    dir = await mkdtemp(join(tmpdir(), 'continual-'));
    for (const kind of ['ewc', 'online-ewc', 'si', 'mas'] as const) {
      const m = track(linearModel([[1, -1], [0.5, 0]], [0.2, 0]));
      const est = track(createEstimator(kind, { samples: 2 }));
      for (let task = 0; task < 2; task++) {
        est.beginTask(m.params);
        if (est.needsSteps) {
          const prev = new Map([...m.params].map(([n, p]) => [n, tf.clone(p)]));
          const grads = new Map([...m.params].map(([n, p]) => [n, tf.onesLike(p)]));
          tf.tidy(() => m.params.forEach((p) => p.assign(tf.sub(p, 0.1))));
          est.afterStep({ prev, grads, current: m.params });
          disposeMap(prev);
          disposeMap(grads);
        }
        est.endTask(m.params, data(m.outputs));
      }
      const file = join(dir, `${kind}.safetensors`);
      await saveCheckpoint(file, est.stateTensors(), { estimator: est.stateMeta() });
      const loaded = await loadCheckpoint(file);
      const back: ImportanceEstimator = track(restoreEstimator(loaded.tensors, loaded.metadata.estimator as Record<string, unknown>));
      expect(back.kind).toBe(kind);
      expect(back.tasksSeen).toBe(2);
      const a = est.penaltyTerms();
      const b = back.penaltyTerms();
      expect(b.length).toBe(a.length);
      a.forEach((t, i) => {
        expect(b[i].coefficient).toBe(t.coefficient);
        for (const [n, v] of t.importance) expect(read(b[i].importance.get(n)!)).toEqual(read(v));
        for (const [n, v] of t.anchor) expect(read(b[i].anchor.get(n)!)).toEqual(read(v));
      });
    }
  });

  it('names bad options and bad state', () => {
    expect(() => createEstimator('l2' as never)).toThrow(/estimator 'l2' is not one of ewc, online-ewc, si, mas/);
    expect(() => new Ewc({ samples: 0 })).toThrow(/EWC: samples = 0/);
    expect(() => new Ewc({ fisher: 'exact' as never })).toThrow(/fisher = 'exact'/);
    expect(() => new OnlineEwc({ gamma: 2 })).toThrow(/gamma = 2 must be in \[0, 1\]/);
    expect(() => new Si({ xi: 0 })).toThrow(/xi = 0/);
    expect(() => new Mas({ samples: 1.5 })).toThrow(/MAS: samples = 1.5/);
    expect(() => restoreEstimator(new Map(), { kind: 'ewc', tasks: -1 })).toThrow(/'tasks' = -1/);
    expect(() => restoreEstimator(new Map(), { kind: 'mas', tasks: 1 })).toThrow(/MAS: state has 0 Ω/);
  });

  it('estimating importance leaks no tensors', () => {
    const m = track(linearModel([[1, -1], [0.5, 0]], [0, 0]));
    for (const est of [new Ewc({ fisher: 'true' }), new Mas(), new OnlineEwc()]) {
      est.endTask(m.params, data(m.outputs)); // warm-up
      const before = tf.memory().numTensors;
      const kept = est.kind === 'ewc' ? 4 : 0; // EWC keeps a Fisher and an anchor per task (2 params each)
      est.endTask(m.params, data(m.outputs));
      expect(tf.memory().numTensors).toBe(before + kept);
      est.dispose();
    }
  });
});
