// FCOS head: shapes, init, parameter count, flatten order, tensor lifetimes, and learning to find
// squares on synthetic images with a tiny conv feature extractor (cpu, Adam).
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { Adam } from '../core/adam';
import { countParams, disposeParams, flattenParams, gradsByParamName, heNormal, constantInit } from '../core/params';
import { Rng } from '../core/rng';
import { conv2d } from '../nn/conv2d';
import { iouXyxy } from './boxes';
import { decodeFcos } from './fcos-decode';
import { applyFcosHead, fcosHeadConfig, fcosLevelsOf, flattenFcosOutputs, initFcosHead, type FcosHeadConfig, type FcosHeadParams } from './fcos-head';
import { fcosLoss } from './fcos-loss';
import { fcosTargets, type FcosTargets } from './fcos-targets';

describe('FCOS head', () => {
  const cfg = fcosHeadConfig({ inChannels: [6, 10], strides: [4, 8], numClasses: 3, width: 16, numConvs: 2, gnGroups: 4 });

  it('has the parameters counted by hand', () => {
    // W = 16, K = 3, n = 2:
    //  laterals 6·16 + 16 = 112 and 10·16 + 16 = 176;
    //  towers 2 × 2 × (9·16·16 + 16 + 16) = 4 × 2336 = 9344;
    //  cls 9·16·3 + 3 = 435; box 9·16·4 + 4 = 580; ctr 9·16 + 1 = 145; scales 2.  Σ = 10794.
    const p = initFcosHead(cfg, new Rng(1));
    expect(countParams(p)).toBe(10794);
    const names = [...flattenParams(p).keys()];
    expect(names.slice(0, 4)).toEqual(['lateral.0.w', 'lateral.0.b', 'lateral.1.w', 'lateral.1.b']);
    expect(names).toContain('clsTower.1.gamma');
    expect(names.slice(-2)).toEqual(['scales.0', 'scales.1']);
    // cls bias = −log((1 − 0.01)/0.01) = −4.59512; tower/head weights N(0, 0.01²).
    expect(p.cls.b.dataSync()[0]).toBeCloseTo(-4.59512, 4);
    const w = p.boxTower[0].w.dataSync() as Float32Array;
    const std = Math.sqrt(w.reduce((a, v) => a + v * v, 0) / w.length);
    expect(std).toBeGreaterThan(0.009);
    expect(std).toBeLessThan(0.011);
    disposeParams(p);
  });

  it('gives per-level outputs and flattens them level by level, row-major', () => {
    const p = initFcosHead(cfg, new Rng(2));
    const rng = new Rng(3);
    const feats = [tf.tensor4d(rng.fill(2 * 8 * 8 * 6, (r) => r.normal()), [2, 8, 8, 6]), tf.tensor4d(rng.fill(2 * 4 * 4 * 10, (r) => r.normal()), [2, 4, 4, 10])];
    const before = tf.memory().numTensors;
    const outs = applyFcosHead(p, feats, cfg);
    expect(tf.memory().numTensors).toBe(before + 6); // 3 outputs × 2 levels, nothing else kept
    expect(outs.map((o) => [o.cls.shape, o.box.shape, o.ctr.shape])).toEqual([
      [[2, 8, 8, 3], [2, 8, 8, 4], [2, 8, 8, 1]],
      [[2, 4, 4, 3], [2, 4, 4, 4], [2, 4, 4, 1]],
    ]);
    expect(fcosLevelsOf(outs, cfg.strides)).toEqual([{ stride: 4, height: 8, width: 8 }, { stride: 8, height: 4, width: 4 }]);
    // At init the cls logit is the bias −4.595 plus a conv of std-0.01 weights over 9·16 unit-scale
    // (GN + ReLU) inputs, std ≈ 0.01·√(144/2) ≈ 0.085; so σ(cls) stays near π = 0.01 (σ(−4.595 ± 0.4)
    // ∈ [0.0067, 0.015]), and relu boxes are ≥ 0.
    const pc = tf.tidy(() => tf.sigmoid(outs[0].cls).dataSync());
    expect(Math.min(...pc)).toBeGreaterThan(0.0067);
    expect(Math.max(...pc)).toBeLessThan(0.015);
    expect(Math.min(...outs[1].box.dataSync())).toBeGreaterThanOrEqual(0);
    const flat = flattenFcosOutputs(outs);
    expect(flat.cls.shape).toEqual([2, 80, 3]); // 64 + 16 locations
    expect(flat.ctr.shape).toEqual([2, 80]);
    // Image 1, level 1, row k = 2, column j = 3 is flat n = 64 + 2·4 + 3 = 75.
    const a = tf.tidy(() => outs[1].box.slice([1, 2, 3, 0], [1, 1, 1, 4]).dataSync());
    const b = tf.tidy(() => flat.box.slice([1, 75, 0], [1, 1, 4]).dataSync());
    expect(Array.from(b)).toEqual(Array.from(a));
    expect(flat.ctr.dataSync()[80 + 75]).toBe(outs[1].ctr.dataSync()[16 + 2 * 4 + 3]);
    tf.dispose([outs, flat, feats]);
    expect(() => applyFcosHead(p, [feats[0]], cfg)).toThrow(/got 1 feature maps, the config has 2 levels/);
    disposeParams(p);
  });

  it('rejects bad configs', () => {
    expect(() => fcosHeadConfig({ inChannels: [8, 8], strides: [8, 4], numClasses: 1 })).toThrow(/strides must increase/);
    expect(() => fcosHeadConfig({ inChannels: [8], strides: [4], numClasses: 1, width: 60, gnGroups: 8 })).toThrow(/gnGroups = 8 must divide width = 60/);
    expect(() => fcosHeadConfig({ inChannels: [8], strides: [4, 8], numClasses: 1 })).toThrow(/one stride per level/);
  });
});

// ---------------------------------------------------------------------------------------------
// Learning: 64×64 grey images with one bright square each; a 3-conv stride-2 extractor gives
// maps at strides 4 (16×16×16) and 8 (8×8×32); the head (W 16, 1 conv per tower, K = 1) on top.
// Sized for a busy 2-core machine: 4 images in batches of 2, 100 Adam steps at lr 0.01.

interface Extractor<T = tf.Tensor> {
  readonly c1: { w: T; b: T }; // [3,3,1,8], 64 → 32
  readonly c2: { w: T; b: T }; // [3,3,8,16], 32 → 16 (stride 4)
  readonly c3: { w: T; b: T }; // [3,3,16,32], 16 → 8 (stride 8)
}

function initExtractor(rng: Rng): Extractor<tf.Variable> {
  const conv = (name: string, cin: number, cout: number) => ({ w: heNormal(rng.fork(name), [3, 3, cin, cout], 9 * cin), b: constantInit([cout], 0) });
  return { c1: conv('c1', 1, 8), c2: conv('c2', 8, 16), c3: conv('c3', 16, 32) };
}

function applyExtractor(p: Extractor, x: tf.Tensor4D): tf.Tensor4D[] {
  const down = (h: tf.Tensor4D, c: { w: tf.Tensor; b: tf.Tensor }): tf.Tensor4D => tf.relu(conv2d(h, c.w as tf.Tensor4D, { stride: 2 }).add(c.b)) as tf.Tensor4D;
  const f2 = down(x, p.c1); // [B,32,32,8]
  const f4 = down(f2, p.c2); // [B,16,16,16]
  return [f4, down(f4, p.c3)]; // strides 4, 8: [B,16,16,16], [B,8,8,32]
}

/** n images [n,64,64,1] (noise σ 0.05 on 0, a square of side 14..30 at 1) and their boxes. */
function squares(n: number, rng: Rng): { x: tf.Tensor4D; boxes: number[][] } {
  const S = 64;
  const data = rng.fill(n * S * S, (r) => 0.05 * r.normal());
  const boxes: number[][] = [];
  for (let i = 0; i < n; i++) {
    const side = 14 + rng.int(17);
    const x1 = rng.int(S - side + 1);
    const y1 = rng.int(S - side + 1);
    for (let y = y1; y < y1 + side; y++) for (let x = x1; x < x1 + side; x++) data[i * S * S + y * S + x] += 1;
    boxes.push([x1, y1, x1 + side, y1 + side]);
  }
  return { x: tf.tensor4d(data, [n, S, S, 1]), boxes };
}

describe('FCOS head learning', () => {
  it('more than halves its loss and finds the squares (4 images, batch 2, Adam 1e-2, 100 steps)', async () => {
    const rng = new Rng(7);
    const cfg: FcosHeadConfig = fcosHeadConfig({ inChannels: [16, 32], strides: [4, 8], numClasses: 1, width: 16, numConvs: 1, gnGroups: 8 });
    const ext = initExtractor(rng.fork('extractor'));
    const head = initFcosHead(cfg, rng.fork('head'));
    const params = { ext, head };
    const named = flattenParams(params);
    const adam = new Adam(named);
    const N = 4;
    const BS = 2;
    const { x, boxes } = squares(N, rng.fork('data'));
    const levels = [{ stride: 4, height: 16, width: 16 }, { stride: 8, height: 8, width: 8 }];
    const targets: FcosTargets[] = boxes.map((b, i) => fcosTargets({ boxes: b, classes: [0] }, levels, { source: `synthetic image ${i}` }));
    expect(targets.every((t) => t.numPositives > 0)).toBe(true);

    const step = (s: number): number => {
      const b0 = (s * BS) % N;
      const tb = targets.slice(b0, b0 + BS);
      const before = tf.memory().numTensors;
      const v = tf.tidy(() => {
        const xb = x.slice([b0, 0, 0, 0], [BS, 64, 64, 1]) as tf.Tensor4D; // [2,64,64,1]
        const lossOf = (): tf.Scalar => fcosLoss(flattenFcosOutputs(applyFcosHead(head as FcosHeadParams, applyExtractor(ext, xb), cfg)), tb).total;
        const { value, grads } = tf.variableGrads(lossOf, [...named.values()]);
        adam.apply(gradsByParamName(named, grads), 1e-2);
        return value.dataSync()[0];
      });
      // Tensor-leak check: a step inside tidy leaves the count unchanged.
      expect(tf.memory().numTensors).toBe(before);
      return v;
    };
    const t0 = Date.now();
    const losses: number[] = [];
    for (let s = 0; s < 100; s++) losses.push(step(s));
    const ms = Date.now() - t0;
    const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
    const first = mean(losses.slice(0, 2)); // both batches at init
    const last = mean(losses.slice(-10));
    console.log(`FCOS learning: loss ${first.toFixed(3)} → ${last.toFixed(3)} (${((1 - last / first) * 100).toFixed(1)} % lower), 100 steps in ${ms} ms`);
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(last).toBeLessThan(0.5 * first);

    // The top detection on each training image overlaps its square.
    const outs = tf.tidy(() => applyFcosHead(head as FcosHeadParams, applyExtractor(ext, x), cfg));
    const dets = await decodeFcos(outs, cfg.strides, { height: 64, width: 64 });
    tf.dispose(outs);
    const ious = dets.map((d, i) => (d.scores.length > 0 ? iouXyxy(d.boxes, 0, boxes[i], 0) : 0));
    console.log(`FCOS learning: top-box IoU per image ${ious.map((v) => v.toFixed(2)).join(' ')}; top scores ${dets.map((d) => (d.scores[0] ?? 0).toFixed(2)).join(' ')}`);
    expect(ious[0]).toBeGreaterThan(0.5);
    expect(Math.min(...ious)).toBeGreaterThan(0.5);

    x.dispose();
    adam.dispose();
    disposeParams(params);
  });
});
