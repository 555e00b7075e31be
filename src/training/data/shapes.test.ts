/**
 * The shared shape renderer, by hand: pixel-centre masks, occlusion, COCO RLE order, and that
 * sharp's drawing agrees with the masks (noise off, flat background).
 */

import { describe, expect, it } from 'vitest';
import { Rng } from '../core/rng';
import { type Shape, maskToRle, placeShapes, renderScene, shapeMask, texturedBackground, visibleShapes } from './shapes';

const red: [number, number, number] = [255, 0, 0];
/** Axis-aligned square [cx−2, cx+2]²: corners at distance r = 2√2, angle 0 puts them at 45°. */
const square = (cx: number, cy: number): Shape => ({ kind: 'square', cx, cy, r: 2 * Math.SQRT2, angle: 0, color: red });
const count = (m: Uint8Array) => m.reduce((a, v) => a + v, 0);

describe('shape masks', () => {
  it('circle r = 3 at (8, 8): pixel-centre offsets ±0.5, ±1.5, ±2.5; all 36 pairs but the 4 with 2.5² + 2.5² = 12.5 > 9 → 32 px', () => {
    const [v] = visibleShapes([{ kind: 'circle', cx: 8, cy: 8, r: 3, angle: 0, color: red }], 16, 16);
    expect(v.area).toBe(32);
    expect(v.box).toEqual([5, 5, 11, 11]);
  });

  it('square [3,7]² is 4×4 = 16 px; a later square [5,9]×[3,7] hides its right half: 8 px left, box [3,3,5,7]', () => {
    expect(count(shapeMask(square(5, 5), 12, 10))).toBe(16);
    const [a, b] = visibleShapes([square(5, 5), square(7, 5)], 12, 10);
    expect([a.area, a.box]).toEqual([8, [3, 3, 5, 7]]);
    expect([b.area, b.box]).toEqual([16, [5, 3, 9, 7]]);
  });

  it('RLE runs go down columns, starting with zeros: [[0,1,1],[0,1,0]] → 0,0 | 1,1 | 1,0 → [2, 3, 1]', () => {
    expect(maskToRle(Uint8Array.from([0, 1, 1, 0, 1, 0]), 3, 2)).toEqual({ size: [2, 3], counts: [2, 3, 1] });
    expect(maskToRle(Uint8Array.from([1, 1]), 2, 1)).toEqual({ size: [1, 2], counts: [0, 2] });
  });

  it('placed shapes stay inside the image and ≥ 60% visible', () => {
    const bg = texturedBackground(new Rng(1), 48, 48);
    const shapes = placeShapes(new Rng(2), bg, 48, 48, { count: 4, rMin: 4, rMax: 20 });
    expect(shapes.length).toBe(4);
    const vis = visibleShapes(shapes, 48, 48);
    shapes.forEach((s, k) => {
      expect(s.cx - s.r).toBeGreaterThanOrEqual(1);
      expect(s.cx + s.r).toBeLessThanOrEqual(47);
      expect(vis[k].area / count(shapeMask(s, 48, 48))).toBeGreaterThanOrEqual(0.6);
    });
  });
});

describe('renderScene', () => {
  it('draws what the mask says: inside pixels red, outside grey, noise off', async () => {
    const background = new Uint8Array(12 * 10 * 3).fill(100);
    const rgb = await renderScene({ width: 12, height: 10, background, shapes: [square(5, 5)], noiseSigma: 0, noiseSeed: 0 });
    const at = (x: number, y: number) => Array.from(rgb.subarray((y * 12 + x) * 3, (y * 12 + x) * 3 + 3));
    const mask = shapeMask(square(5, 5), 12, 10);
    for (let y = 0; y < 10; y++) for (let x = 0; x < 12; x++) expect(at(x, y)).toEqual(mask[y * 12 + x] ? [255, 0, 0] : [100, 100, 100]);
  });
});
