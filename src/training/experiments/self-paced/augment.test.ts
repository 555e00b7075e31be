import { describe, expect, it } from 'vitest';
import { Rng } from '../../core/rng';
import { augmentBatch } from './augment';

describe('augmentBatch (pad-and-crop shift, horizontal flip)', () => {
  it('shifts by the drawn offsets with zero fill, and mirrors when the flip draw says so (hand-checked)', () => {
    // A 3×3 grey image 1..9, pad 1: find draws giving each case from a seeded rng, then check by hand.
    const img = Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const shape = { height: 3, width: 3, channels: 1 };
    const seen = new Map<string, number[]>();
    for (let s = 0; s < 200 && seen.size < 18; s++) {
      const r = new Rng(s);
      const dy = r.int(3) - 1;
      const dx = r.int(3) - 1;
      const flip = r.uniform() < 0.5;
      seen.set(`${dy},${dx},${flip}`, Array.from(augmentBatch(img, 1, shape, new Rng(s), 1)));
    }
    // dy = 1, dx = 0, no flip: row y reads row y+1 → [4 5 6 / 7 8 9 / 0 0 0].
    expect(seen.get('1,0,false')).toEqual([4, 5, 6, 7, 8, 9, 0, 0, 0]);
    // dy = 0, dx = −1, no flip: column x reads x−1 → [0 1 2 / 0 4 5 / 0 7 8].
    expect(seen.get('0,-1,false')).toEqual([0, 1, 2, 0, 4, 5, 0, 7, 8]);
    // dy = 0, dx = 0, flip: mirrored rows → [3 2 1 / 6 5 4 / 9 8 7].
    expect(seen.get('0,0,true')).toEqual([3, 2, 1, 6, 5, 4, 9, 8, 7]);
    // dy = −1, dx = 1, flip: shift (row y reads y−1, column reads x+1) then mirror: the shifted image
    // [0 0 0 / 2 3 0 / 5 6 0] mirrored → [0 0 0 / 0 3 2 / 0 6 5].
    expect(seen.get('-1,1,true')).toEqual([0, 0, 0, 0, 3, 2, 0, 6, 5]);
    expect(seen.size).toBe(18); // every (dy, dx, flip) combination occurs
  });

  it('keeps RGB pixels together and rejects a wrong size', () => {
    const rgb = Float32Array.from({ length: 2 * 2 * 3 }, (_, i) => i);
    const out = augmentBatch(rgb, 1, { height: 2, width: 2, channels: 3 }, new Rng(1), 0); // pad 0: identity or a pure flip
    const flipped = [3, 4, 5, 0, 1, 2, 9, 10, 11, 6, 7, 8];
    expect([Array.from(rgb), flipped]).toContainEqual(Array.from(out));
    expect(() => augmentBatch(rgb, 2, { height: 2, width: 2, channels: 3 }, new Rng(1))).toThrow(/12 values are not 2 images of 2×2×3/);
  });
});
