import { describe, expect, it } from 'vitest';
import { areaXyxy, clipXyxy, iouXywh, iouXyxy, xywhToXyxy, xyxyToXywh } from './boxes';
import { nms, nmsPerClass, scoreOrder } from './nms';

const f32 = (a: number[]) => Float32Array.from(a);

describe('boxes', () => {
  it('IoU by hand', () => {
    // A = [0,0,10,10] (area 100), B = [5,0,15,10] (area 100): overlap 5×10 = 50, union 150 → 1/3.
    const a = f32([0, 0, 10, 10, 5, 0, 15, 10]);
    expect(iouXyxy(a, 0, a, 1)).toBeCloseTo(1 / 3, 12);
    expect(iouXyxy(a, 0, a, 0)).toBe(1);
    // Touching edges: intersection width 0 → IoU 0; inverted box has area 0.
    const t = f32([0, 0, 10, 10, 10, 0, 20, 10, 5, 5, 1, 1]);
    expect(iouXyxy(t, 0, t, 1)).toBe(0);
    expect(areaXyxy(t, 2)).toBe(0);
    expect(iouXyxy(t, 2, t, 2)).toBe(0);
  });

  it('COCO xywh IoU: crowd divides by the detection area', () => {
    // det [0,0,10,10] (100), gt [5,0,20,10] (200): overlap 5×10 = 50.
    // non-crowd: 50/(100+200−50) = 0.2; crowd: 50/100 = 0.5.
    const d = [0, 0, 10, 10];
    const g = [5, 0, 20, 10];
    expect(iouXywh(d, 0, g, 0, false)).toBeCloseTo(0.2, 12);
    expect(iouXywh(d, 0, g, 0, true)).toBeCloseTo(0.5, 12);
  });

  it('xywh ↔ xyxy round trip and clipping', () => {
    const xywh = [1, 2, 3, 4, 10, 20, 5, 6];
    expect(Array.from(xywhToXyxy(xywh))).toEqual([1, 2, 4, 6, 10, 20, 15, 26]);
    expect(Array.from(xyxyToXywh(xywhToXyxy(xywh)))).toEqual(xywh);
    expect(Array.from(clipXyxy(f32([-5, 3, 50, 70]), 40, 60))).toEqual([0, 3, 40, 60]);
    expect(() => xywhToXyxy([1, 2, 3])).toThrow(/length 3 is not a multiple of 4/);
  });
});

describe('nms', () => {
  // Box 0 [0,0,10,10] s .9; box 1 [1,0,11,10] s .8: overlap 9×10 = 90, union 110 → IoU 0.818;
  // box 2 [5,0,15,10] s .7: IoU with 0 = 50/150 = 0.333, with 1 = 60/140 = 0.4286.
  const boxes = f32([0, 0, 10, 10, 1, 0, 11, 10, 5, 0, 15, 10]);
  const scores = f32([0.9, 0.8, 0.7]);

  it('suppresses above the threshold, keeps below', () => {
    // t = 0.5: 1 dies (0.818 > 0.5), 2 lives (0.333 vs the only kept box 0).
    expect(nms(boxes, scores, 0.5, 100)).toEqual([0, 2]);
    // t = 0.9: nothing overlaps that much → all three, score order.
    expect(nms(boxes, scores, 0.9, 100)).toEqual([0, 1, 2]);
    // t = 0.3: 1 dies (0.818), 2 dies (0.333 > 0.3 against box 0).
    expect(nms(boxes, scores, 0.3, 100)).toEqual([0]);
  });

  it('IoU exactly equal to the threshold survives (strict >)', () => {
    // [0,0,10,10] vs [0,0,10,5]: 50/100 = 0.5 exactly.
    const b = f32([0, 0, 10, 10, 0, 0, 10, 5]);
    expect(nms(b, f32([1, 0.5]), 0.5, 10)).toEqual([0, 1]);
    expect(nms(b, f32([1, 0.5]), 0.49, 10)).toEqual([0]);
  });

  it('a suppressed box does not suppress others (greedy, not transitive)', () => {
    // Order 0,1,2: 1 suppressed by 0 at t = 0.42; 2 vs 1 is 0.4286 > 0.42 but 1 is gone,
    // and 2 vs 0 is 0.333 → kept.
    expect(nms(boxes, scores, 0.42, 100)).toEqual([0, 2]);
  });

  it('per class: different classes never suppress each other', () => {
    // Same boxes; classes [0, 1, 0]: box 1 is alone in class 1 → kept despite IoU 0.818 with 0;
    // box 2 vs box 0 (same class) is 0.333 < 0.5 → kept. Output is score-ordered across classes.
    expect(nmsPerClass(boxes, scores, Int32Array.from([0, 1, 0]), 0.5, 100)).toEqual([0, 1, 2]);
    // classes [0, 0, 1] at t = 0.3: 1 dies (0.818 vs 0), 2 is class 1 → kept.
    expect(nmsPerClass(boxes, scores, Int32Array.from([0, 0, 1]), 0.3, 100)).toEqual([0, 2]);
    // all one class equals plain nms.
    expect(nmsPerClass(boxes, scores, Int32Array.from([3, 3, 3]), 0.3, 100)).toEqual(nms(boxes, scores, 0.3, 100));
  });

  it('maxDetections caps the output at the best-scored survivors', () => {
    // Four disjoint boxes, scores .2 .9 .5 .7 → order 1,3,2,0; cap 2 → [1, 3]; cap 0 → [].
    const b = f32([0, 0, 1, 1, 10, 0, 11, 1, 20, 0, 21, 1, 30, 0, 31, 1]);
    const s = f32([0.2, 0.9, 0.5, 0.7]);
    expect(nms(b, s, 0.5, 2)).toEqual([1, 3]);
    expect(nms(b, s, 0.5, 10)).toEqual([1, 3, 2, 0]);
    expect(nms(b, s, 0.5, 0)).toEqual([]);
    expect(nmsPerClass(b, s, Int32Array.from([0, 1, 0, 1]), 0.5, 3)).toEqual([1, 3, 2]);
  });

  it('equal scores: the lower index wins and is listed first', () => {
    // Identical boxes 0,1,2 with scores .5 .8 .8 → 1 (lower of the two .8) kept, 2 and 0 suppressed.
    const b = f32([0, 0, 10, 10, 0, 0, 10, 10, 0, 0, 10, 10]);
    expect(nms(b, f32([0.5, 0.8, 0.8]), 0.5, 10)).toEqual([1]);
    // Disjoint boxes with equal scores keep index order.
    const d = f32([0, 0, 1, 1, 5, 5, 6, 6, 9, 9, 10, 10]);
    expect(nms(d, f32([0.3, 0.3, 0.3]), 0.5, 10)).toEqual([0, 1, 2]);
    expect(Array.from(scoreOrder([0.3, 0.7, 0.3, 0.7]))).toEqual([1, 3, 0, 2]);
  });

  it('rejects mismatched inputs with the sizes in the message', () => {
    expect(() => nms(f32([0, 0, 1]), f32([1]), 0.5, 1)).toThrow(/boxes has 3 numbers, expected 4 × 1/);
    expect(() => nmsPerClass(boxes, scores, Int32Array.from([0]), 0.5, 1)).toThrow(/classes has 1 entries but scores has 3/);
    expect(() => nms(boxes, f32([0.1, NaN, 0.2]), 0.5, 1)).toThrow(/score 1 is NaN/);
    expect(() => nms(boxes, scores, 0.5, 1.5)).toThrow(/maxDetections 1.5/);
  });
});
