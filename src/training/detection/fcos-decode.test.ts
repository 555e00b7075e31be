// FCOS decoding: hand-worked scores, threshold and clipping on one level; decode(encode(gt)) = gt.
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import type { FcosLevelOutput } from './fcos-head';
import { decodeFcos, decodeFcosImage } from './fcos-decode';
import { fcosTargets, type FcosLevel, type FcosTargets } from './fcos-targets';

const logit = (p: number): number => Math.log(p / (1 - p));

describe('decodeFcosImage', () => {
  it('scores sqrt(p·q), drops p ≤ 0.05, turns stride-unit ltrb into clipped pixel boxes', () => {
    // One level, stride 8, 2×2 points at (4,4), (12,4), (4,12), (12,12); K = 1; image 16×16.
    //  point 0: p = 0.36, q = 0.25 → score sqrt(0.09) = 0.3; ltrb (1,1,1,1)·8 → (−4,−4,12,12) → clipped (0,0,12,12)
    //  point 1: p = 0.04 ≤ 0.05 → dropped although q = 0.99
    //  point 2: p = 0.9,  q = 0.9  → score 0.9; ltrb (0.5, 0.25, 0.25, 0.5) → (4−4, 12−2, 4+2, 12+4) = (0,10,6,16)
    //  point 3: p = 0.01 → dropped
    const det = decodeFcosImage(
      [{ stride: 8, height: 2, width: 2, cls: [logit(0.36), logit(0.04), logit(0.9), logit(0.01)], box: [1, 1, 1, 1, 0, 0, 0, 0, 0.5, 0.25, 0.25, 0.5, 0, 0, 0, 0], ctr: [logit(0.25), logit(0.99), logit(0.9), 0] }],
      { height: 16, width: 16 },
    );
    expect(det.scores.length).toBe(2);
    expect(det.scores[0]).toBeCloseTo(0.9, 5); // best first
    expect(det.scores[1]).toBeCloseTo(0.3, 5);
    expect(Array.from(det.boxes)).toEqual([0, 10, 6, 16, 0, 0, 12, 12]);
    expect(Array.from(det.classes)).toEqual([0, 0]);
    // A higher threshold keeps only the p = 0.9 point; preNmsTopK 1 likewise keeps the best one.
    const lvl = [{ stride: 8, height: 2, width: 2, cls: [logit(0.36), logit(0.04), logit(0.9), logit(0.01)], box: new Array(16).fill(0.5), ctr: [0, 0, 0, 0] }];
    expect(decodeFcosImage(lvl, { height: 16, width: 16 }, { scoreThreshold: 0.5 }).scores.length).toBe(1);
    expect(Array.from(decodeFcosImage(lvl, { height: 16, width: 16 }, { preNmsTopK: 1 }).boxes)).toEqual([0, 8, 8, 16]);
    expect(() => decodeFcosImage(lvl, { height: 16, width: 16 }, { nmsIou: 0 })).toThrow(/nmsIou = 0/);
    expect(() => decodeFcosImage([{ ...lvl[0], ctr: [0] }], { height: 16, width: 16 })).toThrow(/level 0 arrays .* 2×2 map/);
  });
});

/** "Perfect" head outputs for a batch of one from its targets: ±20 logits, the target ltrb. */
function perfectOutputs(t: FcosTargets, levels: readonly FcosLevel[], K: number): FcosLevelOutput[] {
  let start = 0;
  return levels.map((l) => {
    const P = l.height * l.width;
    const cls = new Float32Array(P * K).fill(-20);
    const ctr = new Float32Array(P).fill(-20);
    for (let n = 0; n < P; n++) {
      const c = t.labels[start + n];
      if (c >= 0) {
        cls[n * K + c] = 20;
        ctr[n] = 20;
      }
    }
    const box = t.ltrb.slice(4 * start, 4 * (start + P));
    start += P;
    return {
      cls: tf.tensor4d(cls, [1, l.height, l.width, K]),
      box: tf.tensor4d(box, [1, l.height, l.width, 4]),
      ctr: tf.tensor4d(ctr, [1, l.height, l.width, 1]),
    };
  });
}

describe('decodeFcos(encode(gt))', () => {
  it('recovers the gt boxes and classes after NMS', async () => {
    // A 64×64 image, strides 4, 8, 16 (maps 16², 8², 4²), default ranges [0,32], [32,64], [64,∞] and
    // center sampling 1.5. A (class 0) and B (class 1) overlap (IoU 280/2024 = 0.14) but differ in class; C is a
    // small class-0 box disjoint from A. Every positive point decodes to its gt exactly, and
    // per-class NMS at 0.6 merges the copies (IoU 1) into one detection per gt.
    const gtBoxes = [8, 8, 40, 30, 20, 16, 60, 56, 44, 4, 60, 14];
    const gtClasses = [0, 1, 0];
    const levels = [
      { stride: 4, height: 16, width: 16 },
      { stride: 8, height: 8, width: 8 },
      { stride: 16, height: 4, width: 4 },
    ];
    const t = fcosTargets({ boxes: gtBoxes, classes: gtClasses }, levels);
    for (let g = 0; g < 3; g++) expect(Array.from(t.gtIndex).filter((i) => i === g).length).toBeGreaterThan(0); // each gt has positives
    const outs = perfectOutputs(t, levels, 2);
    const before = tf.memory().numTensors;
    const [det] = await decodeFcos(outs, [4, 8, 16], { height: 64, width: 64 });
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose(outs);
    expect(det.scores.length).toBe(3);
    det.scores.forEach((s) => expect(s).toBeCloseTo(1, 6)); // sqrt(σ(20)·σ(20))
    for (let g = 0; g < 3; g++) {
      const k = [0, 1, 2].find((i) => Math.abs(det.boxes[4 * i] - gtBoxes[4 * g]) < 1e-3 && Math.abs(det.boxes[4 * i + 1] - gtBoxes[4 * g + 1]) < 1e-3);
      expect(k, `gt ${g} not found in ${Array.from(det.boxes)}`).toBeDefined();
      for (let q = 0; q < 4; q++) expect(Math.abs(det.boxes[4 * k! + q] - gtBoxes[4 * g + q])).toBeLessThanOrEqual(1e-3);
      expect(det.classes[k!]).toBe(gtClasses[g]);
    }
  });
});
