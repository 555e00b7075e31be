/**
 * The class-folder demo (`frugal demo-data images`): written with sharp, opened by the existing
 * loadImageFolder like any user dataset, one shape of the folder's class per image, deterministic
 * in the seed, and never written over an existing split.
 */

import { mkdtempSync } from 'node:fs';
import { readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shapeMask } from '../shapes';
import { DEMO_IMAGE_CLASSES, demoImageScene, writeDemoImages } from './demo';
import { loadImageFolder } from './folder';

const root = mkdtempSync(join(tmpdir(), 'frugal-demo-images-'));
afterAll(() => rm(root, { recursive: true, force: true }));

const out = join(root, 'shapes');
const S = 32;
beforeAll(async () => {
  await writeDemoImages({ out, perClass: 3, valPerClass: 2, size: S, seed: 4 });
});

describe('demo image folders', () => {
  it('loadImageFolder opens train and val: 5 classes in name order, 3 and 2 images each, labels by folder', async () => {
    const train = await loadImageFolder(join(out, 'train'), { height: S, width: S, channels: 3, sizeMismatch: 'error' });
    expect(train.classes).toEqual(['circle', 'cross', 'square', 'star', 'triangle']);
    expect(DEMO_IMAGE_CLASSES).toEqual(train.classes);
    expect([train.name, train.split, train.n]).toEqual(['shapes', 'train', 15]);
    expect(Array.from(train.labels)).toEqual([0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4]);
    expect(train.files.slice(0, 3).map((f) => f.slice(out.length + 1))).toEqual(['train/circle/0001.png', 'train/circle/0002.png', 'train/circle/0003.png']);
    const val = await loadImageFolder(join(out, 'val'), { height: S, width: S, channels: 3 });
    expect([val.split, val.n]).toEqual(['val', 10]);
    // Lossless PNG: the loaded pixels under each shape's mask are its colour ± noise (σ ≤ 8; mean error ≪ 10).
    for (let i = 0; i < train.n; i++) {
      const cls = train.classes[train.labels[i]];
      const k = i % 3;
      const scene = demoImageScene(4, 'train', cls as (typeof DEMO_IMAGE_CLASSES)[number], k, S);
      expect(scene.shapes.map((s) => s.kind)).toEqual([cls]);
      const mask = shapeMask(scene.shapes[0], S, S);
      let n = 0;
      let err = 0;
      for (let p = 0; p < S * S; p++) {
        if (!mask[p]) continue;
        n++;
        for (let c = 0; c < 3; c++) err += Math.abs(train.images[(i * S * S + p) * 3 + c] - scene.shapes[0].color[c]);
      }
      expect(n).toBeGreaterThan(30); // r ≥ 0.2·32 = 6.4 px: even a triangle covers > 30 pixels
      expect(err / (3 * n)).toBeLessThan(10); // anti-aliased rim pixels pull the mean up a little
    }
  });

  it('textured backgrounds: outside the shape, some channel varies by more than 10 levels (sd), beyond the noise σ ≤ 8', async () => {
    const train = await loadImageFolder(join(out, 'train'), { height: S, width: S, channels: 3 });
    for (let i = 0; i < train.n; i++) {
      const scene = demoImageScene(4, 'train', train.classes[train.labels[i]] as (typeof DEMO_IMAGE_CLASSES)[number], i % 3, S);
      const mask = shapeMask(scene.shapes[0], S, S);
      const sds = [0, 1, 2].map((c) => {
        const v: number[] = [];
        for (let p = 0; p < S * S; p++) if (!mask[p]) v.push(train.images[(i * S * S + p) * 3 + c]);
        const mean = v.reduce((a, x) => a + x, 0) / v.length;
        return Math.sqrt(v.reduce((a, x) => a + (x - mean) ** 2, 0) / v.length);
      });
      expect(Math.max(...sds)).toBeGreaterThan(10);
    }
  });

  it('same seed → identical files; never overwrites an existing split', async () => {
    const again = join(root, 'again');
    await writeDemoImages({ out: again, perClass: 3, valPerClass: 2, size: S, seed: 4 });
    for (const f of ['train/star/0002.png', 'val/cross/0001.png']) {
      expect((await readFile(join(again, f))).equals(await readFile(join(out, f)))).toBe(true);
    }
    const other = join(root, 'other');
    await writeDemoImages({ out: other, perClass: 1, valPerClass: 1, size: S, seed: 5 });
    expect((await readFile(join(other, 'train/star/0001.png'))).equals(await readFile(join(out, 'train/star/0001.png')))).toBe(false);
    await expect(writeDemoImages({ out, perClass: 1, size: S })).rejects.toThrow(`demo images: ${join(out, 'train')} already exists; not overwriting it`);
    expect((await readdir(join(out, 'train', 'circle'))).length).toBe(3);
    expect((await readdir(out)).sort()).toEqual(['train', 'val']);
  });
});
