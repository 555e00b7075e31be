/**
 * `frugal demo-data coco` and `frugal demo-data images` through the real CLI (a child process, as
 * a user types it): the files a user expects appear, a folder that already holds the dataset is
 * refused with a clear message and left untouched, and flags of another kind are rejected.
 */
import { mkdtempSync } from 'node:fs';
import { readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { frugal } from './cli';

const root = mkdtempSync(join(tmpdir(), 'frugal-cli-demo-'));
afterAll(() => rm(root, { recursive: true, force: true }));

describe('frugal demo-data coco / images', () => {
  it('coco: writes train/val JPEGs and instances_{train,val}.json; refuses to write again', async () => {
    const out = join(root, 'coco');
    const r = await frugal(['demo-data', 'coco', '--out', out, '--images', '4', '--val', '2', '--size', '48', '--seed', '3']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/wrote a synthetic COCO set to .* train 4 images, \d+ boxes \(\d+ small, \d+ medium, 0 large\); val 2 images/);
    expect((await readdir(out)).sort()).toEqual(['annotations', 'train', 'val']);
    expect(await readdir(join(out, 'train'))).toEqual(['000000000001.jpg', '000000000002.jpg', '000000000003.jpg', '000000000004.jpg']);
    expect(await readdir(join(out, 'val'))).toEqual(['000000000005.jpg', '000000000006.jpg']);
    const j = JSON.parse(await readFile(join(out, 'annotations', 'instances_train.json'), 'utf8'));
    expect(j.images.map((im: { width: number; height: number }) => [im.width, im.height])).toEqual([[48, 48], [48, 48], [48, 48], [48, 48]]);
    expect(j.categories.map((c: { name: string }) => c.name)).toEqual(['circle', 'square', 'triangle', 'star', 'cross']);
    const n = Number(/train 4 images, (\d+) boxes/.exec(r.stderr)![1]);
    expect(j.annotations.length).toBe(n);
    expect(n).toBeGreaterThanOrEqual(4); // 1–4 per image
    expect(n).toBeLessThanOrEqual(16);

    const again = await frugal(['demo-data', 'coco', '--out', out, '--images', '2']);
    expect(again.code).toBe(1);
    expect(again.stderr).toBe(`frugal: demo COCO: ${join(out, 'train')} already exists; not overwriting it (choose another output folder or remove it)\n`);
    expect((await readdir(join(out, 'train'))).length).toBe(4);
  });

  it('images: writes class folders of PNGs; flags of another kind are refused', async () => {
    const out = join(root, 'images');
    const r = await frugal(['demo-data', 'images', '--out', out, '--per-class', '2', '--size', '24']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/5 classes \(circle, cross, square, star, triangle\), 10 train and 5 val images/);
    expect(await readdir(join(out, 'train'))).toEqual(['circle', 'cross', 'square', 'star', 'triangle']);
    expect(await readdir(join(out, 'train', 'star'))).toEqual(['0001.png', '0002.png']);
    expect(await readdir(join(out, 'val', 'star'))).toEqual(['0001.png']); // ⌈2 / 4⌉ = 1

    const wrong = await frugal(['demo-data', 'images', '--out', join(root, 'x'), '--cases', '3']);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toBe('frugal: demo-data images: --cases applies to brats only\n');
  });
});
