import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { Rng } from '../core/rng';
import { additiveCoupling, atIndex, genericRevBlock, revSequence, vjp, type RevBlock } from './reversible';

/** F and G of the tests: relu(conv3d(x, w, 3×3×3) + b), C/2 → C/2 (a stand-in for MBConv). */
const convRelu = (x: tf.Tensor, [w, b]: readonly tf.Tensor[]): tf.Tensor =>
  tf.relu(tf.add(tf.conv3d(x as tf.Tensor5D, w as tf.Tensor5D, 1, 'same'), b));

function makeBlocks(n: number, half: number, seed: number): { blocks: RevBlock[]; vars: tf.Variable[] } {
  const rng = new Rng(seed);
  const vars: tf.Variable[] = [];
  const v = (shape: number[], std: number): tf.Variable => {
    const t = tf.variable(tf.tensor(rng.fill(shape.reduce((a, b) => a * b, 1), (r) => r.normal() * std), shape));
    vars.push(t);
    return t;
  };
  const blocks: RevBlock[] = [];
  for (let i = 0; i < n; i++) {
    const std = 1 / Math.sqrt(27 * half);
    const fw = [v([3, 3, 3, half, half], std), v([half], 0.1)];
    const gw = [v([3, 3, 3, half, half], std), v([half], 0.1)];
    blocks.push(additiveCoupling(convRelu, convRelu, fw, gw));
  }
  return { blocks, vars };
}

function randomTensor(shape: number[], seed: number): tf.Tensor {
  const rng = new Rng(seed);
  return tf.tensor(rng.fill(shape.reduce((a, b) => a * b, 1), (r) => r.normal()), shape);
}

function maxRelDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => {
    const num = tf.max(tf.abs(tf.sub(a, b))).dataSync()[0];
    const den = Math.max(tf.max(tf.abs(b)).dataSync()[0], 1e-12);
    return num / den;
  });
}

describe('additiveCoupling', () => {
  it('reconstructs the inputs of every block to 1e-4', () => {
    const { blocks, vars } = makeBlocks(4, 4, 1);
    const x = randomTensor([2, 6, 6, 6, 8], 2);
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      // Forward block by block, then walk back with the blocks' own reconstruction.
      const acts: tf.Tensor[] = [x];
      for (const b of blocks) acts.push(b.forward([acts[acts.length - 1]], b.weights)[0]);
      let y = acts[acts.length - 1];
      for (let i = blocks.length - 1; i >= 0; i--) {
        const { xs } = blocks[i].backward([y], [tf.zerosLike(y)], blocks[i].weights);
        const err = tf.max(tf.abs(tf.sub(xs[0], acts[i]))).dataSync()[0];
        expect(err).toBeLessThan(1e-4);
        y = xs[0];
      }
    });
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
    vars.forEach((t) => t.dispose());
  });
});

describe('revSequence', () => {
  it('gives the same outputs and gradients as the non-reversible twin (1e-3 relative)', () => {
    const { blocks, vars } = makeBlocks(3, 4, 3);
    const x = tf.variable(randomTensor([2, 5, 6, 7, 8], 4)); // odd sizes on purpose
    const r = randomTensor([2, 5, 6, 7, 8], 5);
    const lossOf = (reversible: boolean) => () => tf.sum(tf.mul(revSequence(blocks, [x], { reversible })[0], r)) as tf.Scalar;

    const rev = tf.variableGrads(lossOf(true));
    const twin = tf.variableGrads(lossOf(false));
    expect(Math.abs(rev.value.dataSync()[0] - twin.value.dataSync()[0])).toBeLessThan(1e-4 * Math.abs(twin.value.dataSync()[0]));
    // Every parameter and the input get a gradient, equal to the twin's.
    expect(Object.keys(rev.grads).length).toBe(vars.length + 1);
    for (const name of Object.keys(twin.grads)) {
      expect(maxRelDiff(rev.grads[name], twin.grads[name])).toBeLessThan(1e-3);
    }
    tf.dispose([rev.value, twin.value, ...Object.values(rev.grads), ...Object.values(twin.grads), x, r, ...vars]);
  });

  it('leaves the tensor count unchanged after a training step', () => {
    const { blocks, vars } = makeBlocks(2, 2, 6);
    const x = randomTensor([1, 4, 4, 4, 4], 7);
    const opt = tf.train.sgd(0.01);
    const step = () => {
      const cost = opt.minimize(() => tf.mean(tf.square(revSequence(blocks, [x])[0])) as tf.Scalar, true);
      cost?.dispose();
    };
    step(); // the optimiser may allocate state on its first step
    const before = tf.memory().numTensors;
    step();
    step();
    expect(tf.memory().numTensors).toBe(before);
    opt.dispose();
    tf.dispose([x, ...vars]);
  });

  it('keeps peak training memory flat in depth while the twin grows', async () => {
    const x = randomTensor([1, 8, 8, 8, 8], 8);
    const peak = async (n: number, reversible: boolean): Promise<number> => {
      const { blocks, vars } = makeBlocks(n, 4, 9);
      const base = tf.memory().numBytes;
      const info = await tf.profile(() => {
        const { value, grads } = tf.variableGrads(() => tf.sum(tf.square(revSequence(blocks, [x], { reversible })[0])) as tf.Scalar);
        tf.dispose([value, ...Object.values(grads)]);
      });
      vars.forEach((v) => v.dispose());
      return info.peakBytes - base;
    };
    const rev2 = await peak(2, true);
    const rev4 = await peak(4, true);
    const twin1 = await peak(1, false);
    const twin4 = await peak(4, false);
    // Reversible: one block's working set whatever the depth. From 2 blocks on (the first block
    // boundary adds one reconstructed input and its cotangent), the only growth is the weight
    // gradients of the extra blocks: 2 blocks × 2 × (27·4·4 + 4) floats × 4 bytes = 6,976 B.
    expect(rev4 - rev2).toBe(2 * 2 * (27 * 4 * 4 + 4) * 4);
    expect(twin4 / twin1).toBeGreaterThan(2);
    expect(rev4).toBeLessThan(twin4 / 2);
    x.dispose();
  });

  it('handles multi-input blocks by packing (generic block: [a, b] → [a + f(b), b])', () => {
    const rng = new Rng(10);
    const w = tf.variable(tf.tensor(rng.fill(6, (r) => r.normal()), [3, 2]));
    const f = (b: tf.Tensor, wt: tf.Tensor) => tf.tanh(tf.matMul(b as tf.Tensor2D, wt as tf.Tensor2D));
    const block = genericRevBlock(
      [w],
      ([a, b], [wt]) => [tf.add(a, f(b, wt)), tf.clone(b)],
      ([ya, yb], [wt]) => [tf.sub(ya, f(yb, wt)), tf.clone(yb)],
    );
    const a = tf.variable(randomTensor([4, 2], 11));
    const b = tf.variable(randomTensor([4, 3], 12));
    const r1 = randomTensor([4, 2], 13);
    const r2 = randomTensor([4, 3], 14);
    const lossOf = (reversible: boolean) => () => {
      const [ya, yb] = revSequence([block, block], [a, b], { reversible });
      return tf.add(tf.sum(tf.mul(ya, r1)), tf.sum(tf.mul(yb, r2))) as tf.Scalar;
    };
    const rev = tf.variableGrads(lossOf(true));
    const twin = tf.variableGrads(lossOf(false));
    for (const name of Object.keys(twin.grads)) expect(maxRelDiff(rev.grads[name], twin.grads[name])).toBeLessThan(1e-5);
    expect(Object.keys(rev.grads).length).toBe(3);
    tf.dispose([rev.value, twin.value, ...Object.values(rev.grads), ...Object.values(twin.grads), w, a, b, r1, r2]);
  });
});

describe('additiveCoupling order', () => {
  it("updates x1 first by default and x2 first with updates: 'x2' (hand-worked)", () => {
    // x = [x1 | x2] = [1 | 3], F(t) = 2t, G(t) = t².
    //   default: y1 = 1 + F(3) = 7,  y2 = 3 + G(7) = 52.
    //   'x2':    y2 = 3 + F(1) = 5,  y1 = 1 + G(5) = 26.
    const F = (t: tf.Tensor) => tf.mul(t, 2);
    const G = (t: tf.Tensor) => tf.square(t);
    const x = tf.tensor2d([[1, 3]]);
    const first = additiveCoupling(F, G, [], []);
    const second = additiveCoupling(F, G, [], [], { updates: 'x2' });
    const y1 = first.forward([x], [])[0];
    const y2 = second.forward([x], [])[0];
    expect(Array.from(y1.dataSync())).toEqual([7, 52]);
    expect(Array.from(y2.dataSync())).toEqual([26, 5]);
    // Both invert exactly, and the cotangent of x matches the chain rule by hand for 'x2':
    // y2 = x2 + 2·x1, y1 = x1 + y2²; with dy = [1, 0] (d/dx of y1): dy1/dx1 = 1 + 2·y2·2 = 21,
    // dy1/dx2 = 2·y2 = 10.
    const b = second.backward([y2], [tf.tensor2d([[1, 0]])], []);
    expect(Array.from(b.xs[0].dataSync())).toEqual([1, 3]);
    expect(Array.from(b.dxs[0].dataSync())).toEqual([21, 10]);
    expect(Array.from(first.backward([y1], [tf.zerosLike(y1)], []).xs[0].dataSync())).toEqual([1, 3]);
    tf.dispose([x, y1, y2, ...b.xs, ...b.dxs]);
  });
});

describe('revSequence with blocks that change the number and shapes of tensors', () => {
  // A toy of RevBiFPN's stem and growing silo:
  //   block 0 = atIndex(space-to-depth 2, 0): a [2,4,4,2] → [2,2,2,8]; b [2,2,2,8] passes through
  //   block 1 = grow: [a, b] → [a, b + tanh(a·w1), tanh(a·w2) + tanh(b·w3)]  (2 → 3 tensors; the new
  //             one has no residual, its inverse discards it)
  //   block 2 = atIndex(coupling with F, G = tanh(t·w), 2): acts on the new tensor only
  const s2d = (t: tf.Tensor): tf.Tensor => t.reshape([2, 2, 2, 2, 2, 2]).transpose([0, 1, 3, 2, 4, 5]).reshape([2, 2, 2, 8]);
  const d2s = (t: tf.Tensor): tf.Tensor => t.reshape([2, 2, 2, 2, 2, 2]).transpose([0, 1, 3, 2, 4, 5]).reshape([2, 4, 4, 2]);
  const stem = genericRevBlock([], ([x]) => [s2d(x)], ([y]) => [d2s(y)]);
  const act = (t: tf.Tensor, w: tf.Tensor) => tf.tanh(tf.mul(t, w));

  function build(seed: number) {
    const rng = new Rng(seed);
    const v = (n: number) => tf.variable(tf.tensor(rng.fill(n, (r) => r.normal()), [n]));
    const [w1, w2, w3, wf, wg] = [v(8), v(8), v(8), v(4), v(4)];
    const grow = genericRevBlock(
      [w1, w2, w3],
      ([a, b], [p, q, r]) => [tf.clone(a), tf.add(b, act(a, p)), tf.add(act(a, q), act(b, r))],
      ([ya, yb], [p]) => [tf.clone(ya), tf.sub(yb, act(ya, p))],
    );
    const coupling = additiveCoupling((t, [w]) => act(t, w), (t, [w]) => act(t, w), [wf], [wg], { updates: 'x2' });
    return { blocks: [atIndex(stem, 0), grow, atIndex(coupling, 2)], vars: [w1, w2, w3, wf, wg] };
  }

  it("gives the twin's outputs and gradients, calls the recompute hook once per block, and leaks nothing", () => {
    const { blocks, vars } = build(20);
    const a = tf.variable(randomTensor([2, 4, 4, 2], 21));
    const b = tf.variable(randomTensor([2, 2, 2, 8], 22));
    const rs = [randomTensor([2, 2, 2, 8], 23), randomTensor([2, 2, 2, 8], 24), randomTensor([2, 2, 2, 8], 25)];
    let hookCalls = 0;
    const recompute = <T,>(fn: () => T): T => {
      hookCalls++;
      return fn();
    };
    const lossOf = (reversible: boolean) => () => {
      const ys = revSequence(blocks, [a, b], { reversible, recompute });
      expect(ys.map((y) => y.shape)).toEqual([[2, 2, 2, 8], [2, 2, 2, 8], [2, 2, 2, 8]]);
      return tf.addN(ys.map((y, i) => tf.sum(tf.mul(y, rs[i])))) as tf.Scalar;
    };
    const before = tf.memory().numTensors;
    const rev = tf.variableGrads(lossOf(true));
    expect(hookCalls).toBe(3);
    const twin = tf.variableGrads(lossOf(false));
    expect(hookCalls).toBe(3); // the twin never recomputes
    expect(Math.abs(rev.value.dataSync()[0] - twin.value.dataSync()[0])).toBeLessThan(1e-5 * Math.abs(twin.value.dataSync()[0]));
    expect(Object.keys(rev.grads).length).toBe(vars.length + 2); // 5 weights + a + b
    for (const name of Object.keys(twin.grads)) expect(maxRelDiff(rev.grads[name], twin.grads[name])).toBeLessThan(1e-5);
    tf.dispose([rev.value, twin.value, ...Object.values(rev.grads), ...Object.values(twin.grads)]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([a, b, ...rs, ...vars]);
  });

  it('names the block whose reconstruction has the wrong shape', () => {
    const bad = genericRevBlock([], ([x]) => [s2d(x)], ([y]) => [tf.clone(y)]); // "inverse" keeps the shape
    const x = tf.variable(randomTensor([2, 4, 4, 2], 26));
    expect(() => tf.variableGrads(() => tf.sum(revSequence([bad], [x])[0]) as tf.Scalar)).toThrow(
      /block 0 reconstructed inputs \[2,2,2,8\].*its forward took \[2,4,4,2\]/,
    );
    x.dispose();
  });
});

describe('vjp', () => {
  it('computes d<f(x), dy>/dx and leaves an enclosing gradient computation intact', () => {
    // f(x) = x², dy = 3 → value x², grad 2·x·3 = 6x.
    const x = tf.tensor1d([1, -2]);
    const { value, grads } = vjp((t) => tf.square(t), [x], tf.fill([2], 3));
    expect(Array.from(value.dataSync())).toEqual([1, 4]);
    expect(Array.from(grads[0].dataSync())).toEqual([6, -12]);
    // Inside a customGrad gradFunc under tf.grads: the outer tape must survive the inner one.
    const g = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
      const t = args[0] as tf.Tensor;
      (args[1] as tf.GradSaveFunc)([t]);
      return {
        value: tf.square(t),
        gradFunc: (dy: tf.Tensor, [s]: tf.Tensor[]) => vjp((u) => tf.square(u), [s], dy).grads[0],
      };
    });
    const outer = tf.grads((t: tf.Tensor) => tf.sum(tf.mul(g(t), 5)))([x]);
    expect(Array.from(outer[0].dataSync())).toEqual([10, -20]); // 5·2x
    tf.dispose([x, value, ...grads, ...outer]);
  });
});
