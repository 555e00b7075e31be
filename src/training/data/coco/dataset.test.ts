/**
 * COCO loading end to end on real files: the demo writer's output read back (counts, categories,
 * boxes inside the image and tight around the drawn shape's pixels), letterbox / stretch / flip
 * worked by hand on a 40×20 image, mapping predictions back to COCO results, and every on-disk
 * problem (missing, corrupt, truncated, wrong size) named by file and JSON entry.
 */

import { mkdtempSync } from 'node:fs';
import { mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../core/rng';
import { SHAPE_KINDS, shapeMask } from '../shapes';
import { openCocoDataset, toOriginalBoxes } from './dataset';
import { COCO_SMALL_AREA, type DemoCocoResult, demoCocoScene, writeDemoCoco } from './demo';
import { toCocoResults, writeCocoResults } from './results';

const root = mkdtempSync(join(tmpdir(), 'frugal-coco-test-'));
afterAll(() => rm(root, { recursive: true, force: true }));

const S = 64;
const SEED = 1;
const demo = join(root, 'demo');
let written: DemoCocoResult;
beforeAll(async () => {
  written = await writeDemoCoco({ out: demo, images: 6, val: 2, size: S, seed: SEED });
});

describe('demo COCO set, written and read back', () => {
  it('is real COCO: info, licenses, images, annotations with area and iscrowd 0, categories with supercategory', async () => {
    const j = JSON.parse(await readFile(written.annotationFiles.train, 'utf8'));
    expect(Object.keys(j)).toEqual(['info', 'licenses', 'images', 'annotations', 'categories']);
    expect(j.categories).toEqual(SHAPE_KINDS.map((name, i) => ({ id: i + 1, name, supercategory: 'shape' })));
    expect(j.images.map((im: { id: number; file_name: string }) => [im.id, im.file_name])).toEqual([1, 2, 3, 4, 5, 6].map((id) => [id, `00000000000${id}.jpg`]));
    expect(await readdir(join(demo, 'train'))).toEqual(j.images.map((im: { file_name: string }) => im.file_name));
    const v = JSON.parse(await readFile(written.annotationFiles.val, 'utf8'));
    expect(v.images.map((im: { id: number }) => im.id)).toEqual([7, 8]); // ids continue across splits
    expect(v.annotations[0].id).toBe(j.annotations.length + 1);
    for (const a of j.annotations) {
      expect(a.iscrowd).toBe(0);
      // the RLE segmentation covers exactly `area` pixels: the odd-indexed runs are the ones
      const ones = (a.segmentation.counts as number[]).filter((_, k) => k % 2 === 1).reduce((s, c) => s + c, 0);
      expect(ones).toBe(a.area);
      expect(a.segmentation.size).toEqual([S, S]);
    }
    expect(j.annotations.length).toBe(written.train.annotations);
  });

  it('loads: counts, categories, 1–4 boxes per image inside the image, boxes tight around the shape colour', async () => {
    const ds = await openCocoDataset({ annotations: written.annotationFiles.train, images: join(demo, 'train') });
    expect(ds.n).toBe(6);
    expect(ds.classes).toEqual(['circle', 'square', 'triangle', 'star', 'cross']);
    const b = await ds.loadBatch([0, 1, 2, 3, 4, 5], { size: S }); // 64 → 64: scale 1, no padding
    expect(b.x.length).toBe(6 * S * S * 3);
    expect(b.transforms.every((t) => t.scaleX === 1 && t.scaleY === 1 && !t.flipped)).toBe(true);
    let total = 0;
    for (let i = 0; i < 6; i++) {
      const { scene, visible } = demoCocoScene(SEED, 'train', i, S);
      const m = b.labels[i].length;
      expect(m).toBeGreaterThanOrEqual(1);
      expect(m).toBeLessThanOrEqual(4);
      expect(m).toBe(scene.shapes.length);
      total += m;
      const px = (x: number, y: number, c: number) => b.x[((i * S + y) * S + x) * 3 + c] * 255;
      for (let k = 0; k < m; k++) {
        const shape = scene.shapes[k];
        expect(b.labels[i][k]).toBe(SHAPE_KINDS.indexOf(shape.kind));
        const [x0, y0, x1, y1] = Array.from(b.boxes[i].subarray(4 * k, 4 * k + 4));
        expect(x0).toBeGreaterThanOrEqual(0);
        expect(y0).toBeGreaterThanOrEqual(0);
        expect(x1).toBeLessThanOrEqual(S);
        expect(y1).toBeLessThanOrEqual(S);
        expect([x0, y0, x1, y1]).toEqual(visible[k].box);
        // Pixels of the shape's colour (RGB distance < 40: noise σ ≤ 8 and JPEG) ...
        const near = (x: number, y: number) => Math.hypot(px(x, y, 0) - shape.color[0], px(x, y, 1) - shape.color[1], px(x, y, 2) - shape.color[2]) < 40;
        // ... make up ≥ 70% of the visible mask (tiny shapes lose their anti-aliased rim) ...
        let inMask = 0;
        let hit = 0;
        for (let y = 0; y < S; y++) {
          for (let x = 0; x < S; x++) {
            if (!visible[k].mask[y * S + x]) continue;
            inMask++;
            if (near(x, y)) hit++;
          }
        }
        expect(hit / inMask).toBeGreaterThan(0.7);
        // ... reach every edge of the box within 1 px ...
        let mx0 = S, my0 = S, mx1 = -1, my1 = -1;
        for (let y = y0; y < y1; y++) {
          for (let x = x0; x < x1; x++) {
            if (!near(x, y)) continue;
            [mx0, mx1, my0, my1] = [Math.min(mx0, x), Math.max(mx1, x), Math.min(my0, y), Math.max(my1, y)];
          }
        }
        expect(mx0 - x0).toBeLessThanOrEqual(1);
        expect(my0 - y0).toBeLessThanOrEqual(1);
        expect(x1 - 1 - mx1).toBeLessThanOrEqual(1);
        expect(y1 - 1 - my1).toBeLessThanOrEqual(1);
        // ... and (almost) never occur in the 1-px ring just outside the box.
        let ring = 0;
        let ringHit = 0;
        for (let y = y0 - 1; y <= y1; y++) {
          for (let x = x0 - 1; x <= x1; x++) {
            if (x < 0 || y < 0 || x >= S || y >= S || (x >= x0 && x < x1 && y >= y0 && y < y1)) continue;
            ring++;
            if (near(x, y)) ringHit++;
          }
        }
        expect(ringHit / ring).toBeLessThan(0.1);
      }
    }
    expect(total).toBe(written.train.annotations);
  });

  it('shape sizes at 128 px: both COCO-small (< 32²) and medium objects, each ≥ 60% visible, 1–4 per image', () => {
    let small = 0;
    let medium = 0;
    for (let i = 0; i < 30; i++) {
      const { scene, visible } = demoCocoScene(0, 'train', i, 128);
      expect(scene.shapes.length).toBeGreaterThanOrEqual(1);
      expect(scene.shapes.length).toBeLessThanOrEqual(4);
      scene.shapes.forEach((s, k) => {
        const full = shapeMask(s, 128, 128).reduce((a, v) => a + v, 0);
        expect(visible[k].area / full).toBeGreaterThanOrEqual(0.6);
        if (visible[k].area < COCO_SMALL_AREA) small++;
        else medium++;
      });
    }
    expect(small).toBeGreaterThan(10);
    expect(medium).toBeGreaterThan(10);
  });

  it('is deterministic (same seed → same bytes) and never overwrites', async () => {
    const again = join(root, 'again');
    await writeDemoCoco({ out: again, images: 6, val: 0, size: S, seed: SEED });
    const a = await readFile(join(demo, 'train', '000000000003.jpg'));
    const b = await readFile(join(again, 'train', '000000000003.jpg'));
    expect(b.equals(a)).toBe(true);
    const ja = JSON.parse(await readFile(written.annotationFiles.train, 'utf8'));
    const jb = JSON.parse(await readFile(join(again, 'annotations', 'instances_train.json'), 'utf8'));
    expect(jb.annotations).toEqual(ja.annotations);
    await expect(writeDemoCoco({ out: demo, images: 2, val: 1, size: S })).rejects.toThrow(`demo COCO: ${join(demo, 'train')} already exists; not overwriting it`);
    expect((await readdir(join(demo, 'train'))).length).toBe(6);
    expect((await readdir(demo)).sort()).toEqual(['annotations', 'train', 'val']); // no temporary folder left
  });

  it('hflip mirrors pixels and boxes: x ↦ 64 − x for boxes, column j ↦ 63 − j for pixels', async () => {
    const ds = await openCocoDataset({ annotations: written.annotationFiles.train, images: join(demo, 'train'), check: 'exists' });
    const plain = await ds.loadBatch([0], { size: S });
    const flip = await ds.loadBatch([0], { size: S, augment: { hflip: 1, rng: new Rng(0) } });
    expect(flip.transforms[0].flipped).toBe(true);
    const [x0, y0, x1, y1] = plain.boxes[0];
    expect(Array.from(flip.boxes[0].subarray(0, 4))).toEqual([S - x1, y0, S - x0, y1]);
    for (const [y, j, c] of [[0, 0, 0], [10, 5, 1], [33, 60, 2], [63, 63, 0]]) {
      expect(flip.x[(y * S + j) * 3 + c]).toBe(plain.x[(y * S + (S - 1 - j)) * 3 + c]);
    }
    // p = 0.5 from a seeded Rng: the same seed gives the same flips.
    const f1 = (await ds.loadBatch([0, 1, 2, 3, 4, 5], { size: 32, augment: { hflip: 0.5, rng: new Rng(7) } })).transforms.map((t) => t.flipped);
    const f2 = (await ds.loadBatch([0, 1, 2, 3, 4, 5], { size: 32, augment: { hflip: 0.5, rng: new Rng(7) } })).transforms.map((t) => t.flipped);
    expect(f2).toEqual(f1);
    expect(ds.cacheStats().images).toBe(7); // six images at 32 px + image 0 at 64 px, each decoded once
  });
});

describe('letterbox, stretch, flip and results by hand on a 40×20 image', () => {
  const dir = join(root, 'hand');
  const ann = join(dir, 'instances.json');
  beforeAll(async () => {
    await mkdir(join(dir, 'img'), { recursive: true });
    // Left half (x < 20) red, right half blue.
    const raw = Buffer.alloc(40 * 20 * 3);
    for (let y = 0; y < 20; y++) for (let x = 0; x < 40; x++) raw[(y * 40 + x) * 3 + (x < 20 ? 0 : 2)] = 255;
    await sharp(raw, { raw: { width: 40, height: 20, channels: 3 } }).png().toFile(join(dir, 'img', 'wide.png'));
    await writeFile(
      ann,
      JSON.stringify({
        images: [{ id: 42, file_name: 'wide.png', width: 40, height: 20 }],
        annotations: [{ id: 1, image_id: 42, category_id: 18, bbox: [4, 4, 8, 4], iscrowd: 0 }],
        categories: [{ id: 18, name: 'dog' }],
      }),
    );
  });

  it('letterbox S = 20: scale 0.5, content 20×10 at the top, padding 0.5, box [4,4,12,8] → [2,2,6,4]', async () => {
    const ds = await openCocoDataset({ annotations: ann, images: join(dir, 'img') });
    const b = await ds.loadBatch([0], { size: 20 });
    const t = b.transforms[0];
    expect([t.resizedWidth, t.resizedHeight, t.scaleX, t.scaleY, t.flipped]).toEqual([20, 10, 0.5, 0.5, false]);
    expect(Array.from(b.boxes[0])).toEqual([2, 2, 6, 4]);
    expect(Array.from(b.labels[0])).toEqual([0]);
    const at = (y: number, x: number) => Array.from(b.x.subarray((y * 20 + x) * 3, (y * 20 + x) * 3 + 3)).map((v) => Math.round(v * 100) / 100);
    expect(at(5, 2)).toEqual([1, 0, 0]); // red half
    expect(at(5, 17)).toEqual([0, 0, 1]); // blue half
    expect(at(10, 0)).toEqual([0.5, 0.5, 0.5]); // first padded row
    expect(at(19, 19)).toEqual([0.5, 0.5, 0.5]);
    // S = 30: scale 0.75, content 30×15, box → [3, 3, 9, 6].
    const b30 = await ds.loadBatch([0], { size: 30 });
    expect(Array.from(b30.boxes[0])).toEqual([3, 3, 9, 6]);
    // stretch S = 20: sx = 20/40 = 0.5, sy = 20/20 = 1 → [2, 4, 6, 8].
    const st = await ds.loadBatch([0], { size: 20, resize: 'stretch' });
    expect(Array.from(st.boxes[0])).toEqual([2, 4, 6, 8]);
  });

  it('flip inside the content width: [2,2,6,4] → [20−6, 2, 20−2, 4] = [14,2,18,4]; colours swap sides; maps back to [4,4,12,8]', async () => {
    const ds = await openCocoDataset({ annotations: ann, images: join(dir, 'img') });
    const b = await ds.loadBatch([0], { size: 20, augment: { hflip: 1, rng: new Rng(1) } });
    expect(Array.from(b.boxes[0])).toEqual([14, 2, 18, 4]);
    expect(Math.round(b.x[(5 * 20 + 2) * 3 + 2] * 100) / 100).toBe(1); // blue now on the left
    expect(Array.from(toOriginalBoxes(b.boxes[0], b.transforms[0]))).toEqual([4, 4, 12, 8]);
    // Results: the flipped GT box as a detection, plus one overshooting box, clipped to 40×20.
    const res = toCocoResults(ds.instances.categories, [
      { transform: b.transforms[0], boxes: [14, 2, 18, 4, -1, 0, 25, 12], labels: [0, 0], scores: [0.912345678, 0.5] },
    ]);
    // second box: unflip x: [20 − 25, 20 − (−1)] = [−5, 21]; ÷ 0.5 → [−10, 42] → clipped [0, 40]; y [0, 24] → [0, 20]
    expect(res).toEqual([
      { image_id: 42, category_id: 18, bbox: [4, 4, 8, 4], score: 0.91235 },
      { image_id: 42, category_id: 18, bbox: [0, 0, 40, 20], score: 0.5 },
    ]);
    const out = join(dir, 'detections.json');
    await writeCocoResults(out, res);
    expect(JSON.parse(await readFile(out, 'utf8'))).toEqual(res);
  });
});

describe('image problems name the image file and the JSON entry', () => {
  const dir = join(root, 'bad');
  const img = join(dir, 'img');
  /** An instances file listing one image `file` said to be w×h, written as instances_<tag>.json. */
  const annFor = async (tag: string, file: string, w: number, h: number): Promise<string> => {
    const p = join(dir, `instances_${tag}.json`);
    await writeFile(p, JSON.stringify({ images: [{ id: 5, file_name: 'ok.png', width: 32, height: 24 }, { id: 6, file_name: file, width: w, height: h }], annotations: [], categories: [{ id: 1, name: 'x' }] }));
    return p;
  };
  beforeAll(async () => {
    await mkdir(img, { recursive: true });
    const raw = Buffer.alloc(32 * 24 * 3);
    for (let i = 0; i < raw.length; i++) raw[i] = (i * 7919) % 251; // busy pixels: a JPEG of some size
    await sharp(raw, { raw: { width: 32, height: 24, channels: 3 } }).png().toFile(join(img, 'ok.png'));
    const jpg = await sharp(raw, { raw: { width: 32, height: 24, channels: 3 } }).jpeg({ quality: 95 }).toBuffer();
    await writeFile(join(img, 'truncated.jpg'), jpg.subarray(0, Math.floor(jpg.length * 0.6)));
    await writeFile(join(img, 'garbage.jpg'), 'this is not an image');
  });

  it('missing file (header and exists checks)', async () => {
    const a = await annFor('missing', 'gone.jpg', 32, 24);
    const msg = `${join(img, 'gone.jpg')}: image file not found (images[1] (id 6) of ${a})`;
    await expect(openCocoDataset({ annotations: a, images: img })).rejects.toThrow(msg);
    await expect(openCocoDataset({ annotations: a, images: img, check: 'exists' })).rejects.toThrow(msg);
    await expect(openCocoDataset({ annotations: a, images: join(dir, 'nope') })).rejects.toThrow(`${join(dir, 'nope')}: image folder not found (images of ${a})`);
  });

  it('not an image', async () => {
    const a = await annFor('garbage', 'garbage.jpg', 32, 24);
    await expect(openCocoDataset({ annotations: a, images: img })).rejects.toThrow(`${join(img, 'garbage.jpg')}: unreadable image (Input file contains unsupported image format) (images[1] (id 6) of ${a})`);
  });

  it('size in the JSON differs from the file', async () => {
    const p = join(dir, 'instances_size2.json');
    await writeFile(p, JSON.stringify({ images: [{ id: 5, file_name: 'ok.png', width: 24, height: 32 }], annotations: [], categories: [{ id: 1, name: 'x' }] }));
    await expect(openCocoDataset({ annotations: p, images: img })).rejects.toThrow(`${join(img, 'ok.png')}: image is 32×24 (width×height) but images[0] (id 5) of ${p} says 24×32`);
    // With check 'exists' the open succeeds and the batch finds it.
    const ds = await openCocoDataset({ annotations: p, images: img, check: 'exists' });
    await expect(ds.loadBatch([0], { size: 16 })).rejects.toThrow(`${join(img, 'ok.png')}: image is 32×24 (width×height) but images[0] (id 5) of ${p} says 24×32`);
  });

  it('truncated JPEG: passes the header check, named when decoded (check "decode" or a batch)', async () => {
    const a = await annFor('trunc', 'truncated.jpg', 32, 24);
    const ds = await openCocoDataset({ annotations: a, images: img }); // header is intact
    const msg = new RegExp(`^${join(img, 'truncated.jpg').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: unreadable image \\(VipsJpeg: premature end of JPEG image.*\\) \\(images\\[1\\] \\(id 6\\) of ${a.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\)$`);
    await expect(ds.loadBatch([0, 1], { size: 16 })).rejects.toThrow(msg);
    await expect(openCocoDataset({ annotations: a, images: img, check: 'decode' })).rejects.toThrow(msg);
  });
});
