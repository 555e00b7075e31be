/**
 * Op-level parity of tfjs-backend-webgpu against cpu, forward and gradient, for every tfjs op the
 * product's models use (rev U-Net 3D, RevBiFPN, SPDF GPT, continual-learning MLPs, self-paced /
 * magnet loss) and the engine's own tfjs-op paths that webgpu takes (conv3d 'tfjs', pointwise
 * 'matmul', groupNorm 'fused', upsample3d 'ops', activations 'ops', depthwise3d 'grouped').
 *
 * Each case computes y = f(inputs) on both backends from the same host arrays, and the gradient
 * of loss = Σ y·g (g a fixed pseudo-random weighting) w.r.t. every float input; it asserts
 * relErr (max|Δ| / max|cpu|) per output, and that the cpu reference is not all zeros (a
 * gradient that is silently disconnected on both backends would otherwise pass).
 * Shapes are tiny: SwiftShader emulates the GPU on the CPU (~25× slower than cpu here).
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { activate, type Activation } from '../../src/training/nn/activations';
import { conv3d, pointwiseConv3d } from '../../src/training/nn/conv3d';
import { depthwiseConv3d } from '../../src/training/nn/depthwise3d';
import { groupNorm } from '../../src/training/nn/norm';
import { upsampleNearest3d } from '../../src/training/nn/upsample3d';
import { softDiceLoss } from '../../src/training/losses/dice';
import { relErr, values } from '../numeric';
import { runOn, startWebGpu } from '../webgpu';

const gpu = await startWebGpu();

type Inputs = Record<string, [number[], Float32Array | Int32Array]>;
type T = Record<string, tf.Tensor>;

interface Case {
  readonly name: string;
  readonly inputs: Inputs;
  readonly f: (t: T) => tf.Tensor;
  /** Inputs to differentiate; default every float32 input. [] = forward only. */
  readonly wrt?: readonly string[];
}

/**
 * Max relative error, forward and every gradient. float32 kernels that sum in a different order
 * differ by ~1e-7 here (measured max 5.4e-7, conv3d 8³×8); a wrong kernel is off by ≥ 0.1.
 */
const TOL = 1e-5;

const size = (shape: number[]): number => shape.reduce((a, b) => a * b, 1);
let seed = 1;
/** A float input of `shape` with values in [offset − scale, offset + scale). */
const x = (shape: number[], scale = 1, offset = 0): [number[], Float32Array] => [shape, values(size(shape), seed++, scale, offset)];
const ints = (shape: number[], n: number): [number[], Int32Array] => [shape, Int32Array.from(values(size(shape), seed++), (v) => Math.floor(((v + 1) / 2) * n))];
const mask01 = (shape: number[]): [number[], Float32Array] => [shape, Float32Array.from(values(size(shape), seed++), (v) => (v > 0 ? 1 : 0))];

/** y and the gradients of Σ y·g w.r.t. the `wrt` inputs, as named outputs for runOn. */
function forwardAndGrads(c: Case) {
  const wrt = c.wrt ?? Object.keys(c.inputs).filter((k) => !(c.inputs[k][1] instanceof Int32Array));
  return (t: T): Record<string, tf.Tensor> => {
    if (wrt.length === 0) return { y: c.f(t) };
    let y: tf.Tensor | undefined;
    const loss = (...xs: tf.Tensor[]) => {
      y = tf.keep(c.f({ ...t, ...Object.fromEntries(wrt.map((k, i) => [k, xs[i]])) }));
      return tf.sum(tf.mul(y, tf.tensor(values(y.size, 7919), y.shape)));
    };
    const grads = tf.grads(loss)(wrt.map((k) => t[k]));
    return { y: y!, ...Object.fromEntries(wrt.map((k, i) => [`d${k}`, grads[i]])) };
  };
}

/** Measured errors, printed as a table at the end (the report's numbers). */
const table: { op: string; fwd: number; grad: number; ms?: number }[] = [];

async function check(c: Case): Promise<void> {
  const fn = forwardAndGrads(c);
  const ref = await runOn('cpu', c.inputs, fn);
  const t1 = performance.now();
  const got = await runOn('webgpu', c.inputs, fn);
  const ms = performance.now() - t1;
  const errs: Record<string, number> = {};
  for (const k of Object.keys(ref)) {
    expect(got[k].length, `${c.name}: ${k} size`).toBe(ref[k].length);
    expect(ref[k].some((v) => v !== 0), `${c.name}: cpu ${k} is all zeros`).toBe(true);
    errs[k] = relErr(got[k], ref[k]);
  }
  const grad = Math.max(0, ...Object.entries(errs).filter(([k]) => k !== 'y').map(([, e]) => e));
  table.push({ op: c.name, fwd: errs.y, grad, ms: Math.round(ms) });
  for (const [k, e] of Object.entries(errs)) expect(e, `${c.name}: ${k} relative error`).toBeLessThanOrEqual(TOL);
}

function cases(title: string, list: Case[]): void {
  describe(title, () => {
    for (const c of list) {
      it(c.name, async (ctx) => {
        if (!gpu.ok) return ctx.skip(gpu.why);
        await check(c);
      });
    }
  });
}

afterAll(() => {
  if (table.length === 0) return;
  const e = (v: number) => (v === 0 ? '0' : v.toExponential(1));
  console.log(['| op | fwd rel err | grad rel err | webgpu ms |', '|---|---|---|---|', ...table.map((r) => `| ${r.op} | ${e(r.fwd)} | ${e(r.grad)} | ${r.ms ?? '–'} |`)].join('\n'));
});

const t5 = (v: tf.Tensor) => v as tf.Tensor5D;
const t4 = (v: tf.Tensor) => v as tf.Tensor4D;
const t2 = (v: tf.Tensor) => v as tf.Tensor2D;
const t1 = (v: tf.Tensor) => v as tf.Tensor1D;
const ACTS: Activation[] = ['silu', 'relu', 'leakyRelu', 'relu6', 'hardswish'];
const VOL = [2, 4, 4, 4, 3]; // [B, D, H, W, C]
const IMG = [2, 8, 8, 4]; // [B, H, W, C]

// ---------------------------------------------------------------------------------------------
// 1. Reversible 3D U-Net (BraTS): the engine's non-host paths, as webgpu runs them.

cases('rev U-Net 3D', [
  { name: 'conv3d k3 s1 same', inputs: { x: x(VOL), w: x([3, 3, 3, 3, 4], 0.3) }, f: (t) => conv3d(t5(t.x), t5(t.w), 1, { impl: 'tfjs' }) },
  { name: 'conv3d k3 s2 same (down)', inputs: { x: x([2, 4, 4, 4, 4]), w: x([3, 3, 3, 4, 6], 0.3) }, f: (t) => conv3d(t5(t.x), t5(t.w), 2, { impl: 'tfjs' }) },
  // Past one workgroup tile (the conv3d shaders tile output voxels and channels).
  { name: 'conv3d k3 s1 [1,8,8,8,8]→8', inputs: { x: x([1, 8, 8, 8, 8]), w: x([3, 3, 3, 8, 8], 0.2) }, f: (t) => conv3d(t5(t.x), t5(t.w), 1, { impl: 'tfjs' }) },
  { name: 'conv3d k3 s2 [1,8,8,8,8]→8', inputs: { x: x([1, 8, 8, 8, 8]), w: x([3, 3, 3, 8, 8], 0.2) }, f: (t) => conv3d(t5(t.x), t5(t.w), 2, { impl: 'tfjs' }) },
  { name: 'pointwise conv3d (fused matMul + bias)', inputs: { x: x([2, 4, 4, 4, 6]), w: x([6, 5]), b: x([5]) }, f: (t) => pointwiseConv3d(t5(t.x), t2(t.w), t1(t.b), { impl: 'matmul' }) },
  { name: "matMul [N·DHW, C]×[C, C']", inputs: { x: x([2, 4, 4, 4, 6]), w: x([6, 5]) }, f: (t) => tf.matMul(t.x.reshape([-1, 6]), t.w) },
  { name: 'slice channel halves + concat swapped', inputs: { x: x([2, 4, 4, 4, 6]) }, f: (t) => tf.concat([tf.slice(t.x, [0, 0, 0, 0, 3], [-1, -1, -1, -1, 3]), tf.slice(t.x, [0, 0, 0, 0, 0], [-1, -1, -1, -1, 3]).mul(2)], 4) },
  { name: 'upsample3d ×2 (ops)', inputs: { x: x([2, 2, 3, 2, 3]) }, f: (t) => upsampleNearest3d(t5(t.x), 2, { impl: 'ops' }) },
  { name: 'depthwise3d k3 (grouped)', inputs: { x: x(VOL), w: x([3, 3, 3, 3], 0.5) }, f: (t) => depthwiseConv3d(t5(t.x), t4(t.w), { impl: 'grouped' }) },
  { name: 'groupNorm G=2 (fused)', inputs: { x: x([2, 4, 4, 4, 8], 2, 0.5), g: x([8], 0.5, 1), b: x([8]) }, f: (t) => groupNorm(t5(t.x), t1(t.g), t1(t.b), 2, 1e-5, { impl: 'fused' }) },
  { name: 'groupNorm G=8 (moments, autodiff)', inputs: { x: x([2, 4, 4, 4, 8], 2, 0.5), g: x([8], 0.5, 1), b: x([8]) }, f: (t) => groupNorm(t5(t.x), t1(t.g), t1(t.b), 8, 1e-5, { impl: 'moments' }) },
  { name: 'sigmoid', inputs: { x: x(VOL, 6) }, f: (t) => tf.sigmoid(t.x) },
  ...ACTS.map((a): Case => ({ name: `activation ${a} (ops)`, inputs: { x: x(VOL, 8) }, f: (t) => activate(t.x, a, { impl: 'ops' }) })),
  { name: 'sum over D,H,W', inputs: { x: x(VOL) }, f: (t) => tf.sum(t.x, [1, 2, 3]) },
  { name: 'mean over all', inputs: { x: x(VOL) }, f: (t) => tf.mean(t.x) },
  { name: 'sum of 2×4096 along the long axis', inputs: { x: x([2, 4096]) }, f: (t) => tf.sum(t.x, 1) },
  { name: 'softDice + BCE with logits', inputs: { x: x(VOL, 4), y: mask01(VOL) }, wrt: ['x'], f: (t) => softDiceLoss(t5(t.x), t5(t.y), { bceWeight: 1 }) },
]);

// Rank-5 kernels that webgpu-kernels.ts works around (see the measured errors there).
const BINARY: [string, (a: tf.Tensor, b: tf.Tensor) => tf.Tensor][] = [
  ['add', tf.add], ['sub', tf.sub], ['mul', tf.mul], ['div', tf.div], ['maximum', tf.maximum], ['squaredDifference', tf.squaredDifference],
];
cases('rank-5 kernels with workarounds', [
  // tfjs-core's Maximum and SquaredDifference gradients do not reduce over broadcast axes (on
  // every backend: "gradient of input 'b' has shape 2,4,4,4,6"), so only x is differentiated there.
  ...BINARY.map(([name, op]): Case => ({ name: `${name} [2,4,4,4,6] ⊙ [6]`, inputs: { x: x([2, 4, 4, 4, 6]), c: x([6], 0.5, 1) }, wrt: /max|squared/.test(name) ? ['x'] : undefined, f: (t) => op(t.x, t.c) })),
  { name: 'div [6] ⊘ [2,4,4,4,6]', inputs: { c: x([6]), x: x([2, 4, 4, 4, 6], 0.5, 1) }, f: (t) => tf.div(t.c, t.x) },
  { name: 'mul [2,4,4,4,6] ⊙ [2,1,1,1,6]', inputs: { x: x([2, 4, 4, 4, 6]), c: x([2, 1, 1, 1, 6]) }, f: (t) => tf.mul(t.x, t.c) },
  { name: 'greater [2,4,4,4,6] vs [6] (as 0/1)', inputs: { x: x([2, 4, 4, 4, 6]), c: x([6], 0.5) }, wrt: [], f: (t) => tf.greater(t.x, t.c).cast('float32') },
  { name: 'where on a volume', inputs: { m: mask01([2, 4, 4, 4, 6]), a: x([2, 4, 4, 4, 6]), b: x([2, 4, 4, 4, 6]) }, wrt: ['a', 'b'], f: (t) => tf.where(tf.greater(t.m, 0.5), t.a, t.b) },
  { name: 'clipByValue on a volume', inputs: { x: x([2, 4, 4, 4, 6], 2) }, f: (t) => tf.clipByValue(t.x, -0.5, 0.7) },
  { name: 'pad rank 5: channels', inputs: { x: x([2, 4, 4, 4, 6]) }, f: (t) => tf.pad(t.x, [[0, 0], [0, 0], [0, 0], [0, 0], [1, 2]], 0.5) },
  { name: 'pad rank 5: D, H, W', inputs: { x: x([2, 4, 4, 4, 6]) }, f: (t) => tf.pad(t.x, [[0, 0], [1, 0], [1, 1], [0, 2], [0, 0]]) },
  { name: 'pad rank 5: all five axes (two passes)', inputs: { x: x([2, 3, 2, 3, 2]) }, f: (t) => tf.pad(t.x, [[1, 0], [0, 1], [1, 1], [2, 0], [0, 1]], -1) },
]);

// ---------------------------------------------------------------------------------------------
// 2. RevBiFPN (2D): convs, depthwise convs, resizes, pools, batch-norm statistics.

cases('RevBiFPN 2D', [
  { name: 'conv2d k3 s1 same', inputs: { x: x([2, 8, 8, 3]), w: x([3, 3, 3, 4], 0.3) }, f: (t) => tf.conv2d(t4(t.x), t4(t.w), 1, 'same') },
  { name: 'conv2d k3 s2 same', inputs: { x: x(IMG), w: x([3, 3, 4, 6], 0.3) }, f: (t) => tf.conv2d(t4(t.x), t4(t.w), 2, 'same') },
  { name: 'conv2d k3 s2 same, odd 7×7', inputs: { x: x([2, 7, 7, 3]), w: x([3, 3, 3, 4], 0.3) }, f: (t) => tf.conv2d(t4(t.x), t4(t.w), 2, 'same') },
  { name: 'conv2d k1', inputs: { x: x([2, 8, 8, 6]), w: x([1, 1, 6, 4]) }, f: (t) => tf.conv2d(t4(t.x), t4(t.w), 1, 'same') },
  ...[3, 5].flatMap((k) => [1, 2].map((s): Case => ({
    name: `depthwiseConv2d k${k} s${s} same`, inputs: { x: x(IMG), w: x([k, k, 4, 1], 0.3) }, f: (t) => tf.depthwiseConv2d(t4(t.x), t4(t.w), s as 1 | 2, 'same'),
  }))),
  { name: 'resizeBilinear ×2 (defaults)', inputs: { x: x([2, 4, 4, 3]) }, f: (t) => tf.image.resizeBilinear(t4(t.x), [8, 8]) },
  { name: 'resizeNearestNeighbor ×2, batch 1', inputs: { x: x([1, 4, 4, 3]) }, f: (t) => tf.image.resizeNearestNeighbor(t4(t.x), [8, 8]) },
  { name: 'avgPool 2×2 s2', inputs: { x: x(IMG) }, f: (t) => tf.avgPool(t4(t.x), 2, 2, 'valid') },
  { name: 'avgPool 3×3 s2 same', inputs: { x: x(IMG) }, f: (t) => tf.avgPool(t4(t.x), 3, 2, 'same') },
  { name: 'maxPool 2×2 s2', inputs: { x: x(IMG) }, f: (t) => tf.maxPool(t4(t.x), 2, 2, 'valid') },
  { name: 'maxPool 3×3 s2 same', inputs: { x: x(IMG) }, f: (t) => tf.maxPool(t4(t.x), 3, 2, 'same') },
  { name: 'global mean pool', inputs: { x: x(IMG) }, f: (t) => tf.mean(t.x, [1, 2]) },
  { name: 'batch-norm via moments over B,H,W', inputs: { x: x(IMG, 2, 0.5), g: x([4], 0.5, 1), b: x([4]) }, f: (t) => {
    const { mean, variance } = tf.moments(t.x, [0, 1, 2]);
    return t.x.sub(mean).mul(tf.rsqrt(variance.add(1e-5))).mul(t.g).add(t.b);
  } },
  { name: 'tf.batchNorm (FusedBatchNorm)', inputs: { x: x(IMG), m: x([4], 0.2), v: x([4], 0.4, 1), g: x([4], 0.5, 1), b: x([4]) }, f: (t) => tf.batchNorm(t4(t.x), t1(t.m), t1(t.v), t1(t.b), t1(t.g), 1e-3) },
  ...(['silu', 'hardswish'] as Activation[]).map((a): Case => ({ name: `activation ${a} (ops) on an image`, inputs: { x: x(IMG, 8) }, f: (t) => activate(t.x, a, { impl: 'ops' }) })),
]);

// ---------------------------------------------------------------------------------------------
// 3. SPDF GPT: embedding, attention, layer norm, GELU, cross-entropy, sparsity masks.
// B = 2, T = 5, d = 8, 2 heads of 4, V = 11.

const causalBias = (T: number) => tf.tensor2d(Array.from({ length: T * T }, (_, k) => (k % T > Math.floor(k / T) ? -1e9 : 0)), [T, T]);
const heads = (v: tf.Tensor) => tf.transpose(v.reshape([2, 5, 2, 4]), [0, 2, 1, 3]); // [B, H, T, hd]

cases('SPDF GPT', [
  { name: 'gather (embedding; grad = UnsortedSegmentSum)', inputs: { e: x([11, 8]), i: ints([10], 11) }, f: (t) => tf.gather(t.e, t.i) },
  { name: 'oneHot · matMul embedding', inputs: { e: x([11, 8]), i: ints([10], 11) }, f: (t) => tf.matMul(tf.oneHot(t.i, 11, 1, 0, 'float32'), t.e) },
  { name: 'matMul [10,8]×[8,24] + bias', inputs: { a: x([10, 8]), w: x([8, 24]), b: x([24]) }, f: (t) => tf.add(tf.matMul(t.a, t.w), t.b) },
  { name: 'matMul [70,40]×[40,33] (past a tile)', inputs: { a: x([70, 40]), w: x([40, 33]) }, f: (t) => tf.matMul(t.a, t.w) },
  { name: 'batched matMul q·kᵀ (transposeB)', inputs: { q: x([2, 2, 5, 4]), k: x([2, 2, 5, 4]) }, f: (t) => tf.matMul(t.q, t.k, false, true) },
  { name: 'batched matMul transposeA', inputs: { a: x([2, 2, 4, 5]), b: x([2, 2, 4, 3]) }, f: (t) => tf.matMul(t.a, t.b, true, false) },
  { name: 'batched matMul transposeA+B', inputs: { a: x([2, 2, 4, 5]), b: x([2, 2, 3, 4]) }, f: (t) => tf.matMul(t.a, t.b, true, true) },
  { name: 'softmax over keys', inputs: { s: x([2, 2, 5, 5], 3) }, f: (t) => tf.softmax(t.s) },
  { name: 'logSoftmax', inputs: { s: x([2, 5, 11], 3) }, f: (t) => tf.logSoftmax(t.s) },
  { name: 'causal mask: additive −1e9 + softmax', inputs: { s: x([2, 2, 5, 5], 3) }, f: (t) => tf.softmax(tf.add(t.s, causalBias(5))) },
  { name: 'causal mask: bandPart + where + softmax', inputs: { s: x([2, 2, 5, 5], 3) }, f: (t) => tf.softmax(tf.where(tf.greater(tf.linalg.bandPart(tf.ones(t.s.shape), -1, 0), 0), t.s, tf.fill(t.s.shape, -1e9))) },
  { name: 'layerNorm via moments (last axis)', inputs: { h: x([10, 8], 2, 0.5), g: x([8], 0.5, 1), b: x([8]) }, f: (t) => {
    const { mean, variance } = tf.moments(t.h, -1, true);
    return tf.add(tf.mul(tf.mul(tf.sub(t.h, mean), tf.rsqrt(tf.add(variance, 1e-5))), t.g), t.b);
  } },
  { name: 'GELU erf', inputs: { x: x([10, 32], 4) }, f: (t) => tf.mul(tf.mul(t.x, 0.5), tf.add(tf.erf(tf.mul(t.x, Math.SQRT1_2)), 1)) },
  { name: 'GELU tanh', inputs: { x: x([10, 32], 4) }, f: (t) => tf.mul(tf.mul(t.x, 0.5), tf.add(tf.tanh(tf.mul(tf.add(t.x, tf.mul(tf.pow(t.x, 3), 0.044715)), Math.sqrt(2 / Math.PI))), 1)) },
  { name: 'tf.losses.softmaxCrossEntropy', inputs: { z: x([10, 11], 3), i: ints([10], 11) }, f: (t) => tf.losses.softmaxCrossEntropy(tf.oneHot(t.i, 11), t.z) },
  { name: 'next-token CE: −Σ oneHot·logSoftmax, mean', inputs: { z: x([2, 5, 11], 3), i: ints([2, 5], 11) }, f: (t) => tf.mean(tf.neg(tf.sum(tf.mul(tf.logSoftmax(t.z), tf.oneHot(t.i, 11, 1, 0, 'float32')), -1))) },
  { name: 'heads: reshape + transpose, and back', inputs: { q: x([10, 8]) }, f: (t) => tf.transpose(heads(t.q).mul(heads(t.q)), [0, 2, 1, 3]).reshape([10, 8]) },
  { name: 'split qkv + concat', inputs: { a: x([10, 24]) }, f: (t) => { const [q, k, v] = tf.split(t.a, 3, 1); return tf.concat([v, q.mul(k)], 1); } },
  { name: 'weight ⊙ 0/1 sparsity mask', inputs: { w: x([8, 24]), m: mask01([8, 24]) }, wrt: ['w'], f: (t) => tf.mul(t.w, t.m) },
]);

// ---------------------------------------------------------------------------------------------
// 4. Continual learning (EWC, SI, MAS, DHP softmax) on MLPs; 5. self-paced / magnet loss.

cases('continual learning + magnet loss', [
  { name: 'MLP: relu(x·W1 + b1)·W2 + b2', inputs: { x: x([6, 12]), w1: x([12, 16], 0.5), b1: x([16], 0.1), w2: x([16, 10], 0.5), b2: x([10], 0.1) }, f: (t) => tf.add(tf.matMul(tf.relu(tf.add(tf.matMul(t.x, t.w1), t.b1)), t.w2), t.b2) },
  { name: 'outer product [6,1]×[1,5]', inputs: { a: x([6, 1]), b: x([1, 5]) }, f: (t) => tf.matMul(t.a, t.b) },
  { name: 'EWC penalty Σ F·(θ − θ*)²', inputs: { p: x([12, 16]), a: x([12, 16]), F: x([12, 16], 0.5, 0.5) }, f: (t) => tf.sum(tf.mul(t.F, tf.square(tf.sub(t.p, t.a)))) },
  { name: 'MAS importance: abs + Σ abs', inputs: { g: x([12, 16]) }, f: (t) => tf.add(tf.abs(t.g), tf.sum(tf.abs(t.g))) },
  { name: 'clipByValue', inputs: { x: x([12, 16], 2) }, f: (t) => tf.clipByValue(t.x, -0.5, 0.7) },
  { name: 'argMax (forward)', inputs: { x: x([12, 16]) }, wrt: [], f: (t) => tf.argMax(t.x, 1) },
  { name: 'pairwise squared distances', inputs: { a: x([6, 4]), b: x([5, 4]) }, f: (t) => tf.add(tf.sub(tf.sum(tf.square(t.a), 1, true), tf.mul(tf.matMul(t.a, t.b, false, true), 2)), tf.sum(tf.square(t.b), 1).reshape([1, 5])) },
  { name: 'exp', inputs: { x: x([12, 16], 3) }, f: (t) => tf.exp(t.x) },
  { name: 'log', inputs: { x: x([12, 16], 0.9, 1) }, f: (t) => tf.log(t.x) },
  { name: 'logSumExp over classes', inputs: { x: x([12, 16], 3) }, f: (t) => tf.logSumExp(t.x, 1) },
  { name: 'squaredDifference', inputs: { a: x([12, 16]), b: x([12, 16]) }, f: (t) => tf.squaredDifference(t.a, t.b) },
  { name: 'maximum, relu(margin + d)', inputs: { a: x([12, 16]), b: x([12, 16]) }, f: (t) => tf.add(tf.maximum(t.a, t.b), tf.relu(tf.add(t.a, 0.3))) },
  { name: 'Adam update: m, v, θ − lr·m̂/(√v̂ + ε)', inputs: { p: x([12, 16]), g: x([12, 16]), m: x([12, 16], 0.1), v: x([12, 16], 0.01, 0.011) }, f: (t) => {
    const m = tf.add(tf.mul(t.m, 0.9), tf.mul(t.g, 0.1));
    const v = tf.add(tf.mul(t.v, 0.999), tf.mul(tf.square(t.g), 0.001));
    const step = tf.div(tf.div(m, 1 - 0.9 ** 3), tf.add(tf.sqrt(tf.div(v, 1 - 0.999 ** 3)), 1e-8));
    return tf.concat([m, v, tf.sub(t.p, tf.mul(step, 1e-3))]);
  } },
]);

// ---------------------------------------------------------------------------------------------
// Where cpu is no reference, and what cannot be compared value by value.

/** webgpu's gradient of Σ y·g for one image op, with g as in forwardAndGrads. */
function imageGrad(op: (v: tf.Tensor4D) => tf.Tensor4D): (t: T) => Record<string, tf.Tensor> {
  return forwardAndGrads({ name: '', inputs: {}, wrt: ['x'], f: (t) => op(t4(t.x)) });
}

describe('resizes where cpu is no reference', () => {
  it('resizeNearestNeighbor ×2 at batch 2: gradient = sum of each pixel\'s 2×2 children', async (ctx) => {
    if (!gpu.ok) return ctx.skip(gpu.why);
    // cpu's ResizeNearestNeighborGrad is wrong for batch > 1 (upsample3d.ts), so the reference is
    // written out: dx[b,i,j,c] = Σ_{di,dj<2} g[b,2i+di,2j+dj,c].
    const [B, H, W, C] = [2, 4, 4, 3];
    const inputs: Inputs = { x: x([B, H, W, C]) };
    const up = (v: tf.Tensor4D) => tf.image.resizeNearestNeighbor(v, [2 * H, 2 * W]);
    const got = await runOn('webgpu', inputs, imageGrad(up));
    const ref = await runOn('cpu', inputs, (t) => up(t4(t.x)));
    const g = values(B * 4 * H * W * C, 7919);
    const dx = new Float32Array(B * H * W * C);
    for (let b = 0; b < B; b++) for (let i = 0; i < 2 * H; i++) for (let j = 0; j < 2 * W; j++) for (let c = 0; c < C; c++) {
      dx[((b * H + (i >> 1)) * W + (j >> 1)) * C + c] += g[((b * 2 * H + i) * 2 * W + j) * C + c];
    }
    expect(relErr(got.y, ref.out)).toBe(0);
    expect(relErr(got.dx, dx)).toBeLessThan(1e-6);
    table.push({ op: 'resizeNearestNeighbor ×2, batch 2 (grad vs written-out sum)', fwd: 0, grad: relErr(got.dx, dx) });
  });

  it('resizeBilinear ×2 on a non-square image: gradient matches cpu\'s kernel values', async (ctx) => {
    if (!gpu.ok) return ctx.skip(gpu.why);
    // cpu's ResizeBilinearGrad computes the right values but labels them [B, W, H, C], so
    // tf.grads throws on cpu for H ≠ W; its kernel output, read flat, is the reference.
    const inputs: Inputs = { x: x([2, 3, 5, 2]) };
    const up = (v: tf.Tensor4D) => tf.image.resizeBilinear(v, [6, 10]);
    await tf.setBackend('cpu');
    const probe = tf.zeros([1, 3, 5, 1]);
    expect(() => tf.grads((v: tf.Tensor) => up(v as tf.Tensor4D))([probe])).toThrow(/does not match the shape/);
    probe.dispose();
    const got = await runOn('webgpu', inputs, imageGrad(up));
    const ref = await runOn('cpu', inputs, (t) => {
      const dy = tf.tensor(values(2 * 6 * 10 * 2, 7919), [2, 6, 10, 2]);
      return { y: up(t4(t.x)), dx: tf.engine().runKernel('ResizeBilinearGrad', { images: t.x, dy }, { alignCorners: false, halfPixelCenters: false }) as tf.Tensor };
    });
    const e = { fwd: relErr(got.y, ref.y), grad: relErr(got.dx, ref.dx) };
    table.push({ op: 'resizeBilinear ×2, 3×5 → 6×10 (grad vs cpu kernel)', ...e });
    expect(e.fwd).toBeLessThan(1e-6);
    expect(e.grad).toBeLessThan(1e-6);
  });
});

describe('optimiser and randomness', () => {
  it('three tf.train.adam steps move the weights the same way', async (ctx) => {
    if (!gpu.ok) return ctx.skip(gpu.why);
    const inputs: Inputs = { x: x([8, 12]), y: x([8, 5]), w0: x([12, 5], 0.3) };
    const after = async (backend: 'cpu' | 'webgpu') => {
      await tf.setBackend(backend);
      const w = tf.variable(tf.tensor(inputs.w0[1], inputs.w0[0]));
      const [xs, ys] = [tf.tensor(inputs.x[1], inputs.x[0]), tf.tensor(inputs.y[1], inputs.y[0])];
      const opt = tf.train.adam(0.01);
      for (let i = 0; i < 3; i++) opt.minimize(() => tf.sum(tf.square(tf.sub(tf.matMul(xs, w), ys))) as tf.Scalar);
      const v = Float32Array.from(await w.data());
      opt.dispose();
      tf.dispose([w, xs, ys]);
      return v;
    };
    const ref = await after('cpu');
    const got = await after('webgpu');
    expect(relErr(ref, inputs.w0[1])).toBeGreaterThan(0.01); // the steps did move the weights
    const e = relErr(got, ref);
    table.push({ op: 'tf.train.adam, 3 steps (weights)', fwd: e, grad: 0 });
    expect(e).toBeLessThan(1e-6);
  });

  it('randomUniform, randomNormal and dropout have the right statistics on webgpu', async (ctx) => {
    if (!gpu.ok) return ctx.skip(gpu.why);
    await tf.setBackend('webgpu');
    const n = 4096; // bounds below are ≥ 4 standard errors of the estimate at n = 4096
    const stats = async (t: tf.Tensor) => {
      const { mean, variance } = tf.moments(t);
      const [m, v] = [(await mean.data())[0], (await variance.data())[0]];
      tf.dispose([t, mean, variance]);
      return { m, v };
    };
    const u = await stats(tf.randomUniform([n], 0, 1, 'float32', 11));
    expect(Math.abs(u.m - 0.5)).toBeLessThan(0.02); // σ/√n = 0.0045
    expect(Math.abs(u.v - 1 / 12)).toBeLessThan(0.01); // sd of the variance estimate ≈ 0.0012
    const g = await stats(tf.randomNormal([n], 0, 1, 'float32', 12));
    expect(Math.abs(g.m)).toBeLessThan(0.07); // 1/√n = 0.016
    expect(Math.abs(g.v - 1)).toBeLessThan(0.1); // √(2/n) = 0.022
    const d = tf.dropout(tf.ones([n]), 0.25, undefined, 13);
    const dv = await d.data();
    d.dispose();
    const kept = dv.filter((v) => v !== 0);
    expect(Math.abs(1 - kept.length / n - 0.25)).toBeLessThan(0.03); // √(0.25·0.75/n) = 0.0068
    expect(kept.every((v) => Math.abs(v - 1 / 0.75) < 1e-6)).toBe(true); // survivors scaled by 1/keep
    await tf.setBackend('cpu');
  });
});
