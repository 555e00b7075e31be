/**
 * The instances-JSON validator: every bad input gives a DatasetError whose message names the
 * file, the entry and the field (exact messages), and good input maps category ids with gaps to
 * contiguous labels and applies the border policy (clip ≤ 1 px silently, clip + note when ≥ 50%
 * inside, error when less), worked by hand below.
 */

import { mkdtempSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DatasetError } from '../images/errors';
import { parseCocoInstances, readCocoInstances } from './instances';

const F = 'instances_train.json';

/** A valid file: two images (100×50 and 64×64), categories with ids 90, 1, 3 (gaps, unsorted). */
function base(): { images: object[]; annotations: Record<string, unknown>[]; categories: object[] } {
  return {
    images: [
      { id: 7, file_name: 'a.jpg', width: 100, height: 50 },
      { id: 9, file_name: 'sub/b.png', width: 64, height: 64 },
    ],
    annotations: [
      { id: 57, image_id: 7, category_id: 90, bbox: [10, 5, 20, 10], area: 150, iscrowd: 0 },
      { id: 58, image_id: 9, category_id: 1, bbox: [0, 0, 64, 64], iscrowd: 1 },
    ],
    categories: [
      { id: 90, name: 'toothbrush', supercategory: 'indoor' },
      { id: 1, name: 'person', supercategory: 'person' },
      { id: 3, name: 'car' },
    ],
  };
}

const parse = (o: unknown) => parseCocoInstances(JSON.stringify(o), F);
const errOf = (o: unknown): string => {
  try {
    parse(o);
  } catch (e) {
    expect(e).toBeInstanceOf(DatasetError);
    return (e as Error).message;
  }
  throw new Error('expected a DatasetError');
};
const withAnn = (k: number, patch: Record<string, unknown>) => {
  const o = base();
  o.annotations[k] = { ...o.annotations[k], ...patch };
  return o;
};

describe('COCO instances: good input', () => {
  it('maps category ids sorted (1, 3, 90) to labels 0, 1, 2 and keeps area, iscrowd, per-image lists', () => {
    const inst = parse(base());
    expect(inst.categories.map((c) => [c.id, c.name, c.label, c.supercategory])).toEqual([
      [1, 'person', 0, 'person'],
      [3, 'car', 1, ''],
      [90, 'toothbrush', 2, 'indoor'],
    ]);
    expect(inst.annotations.map((a) => [a.id, a.imageId, a.categoryId, a.label, a.iscrowd, a.area])).toEqual([
      [57, 7, 90, 2, 0, 150], // area from the file
      [58, 9, 1, 0, 1, 64 * 64], // no area: w·h = 4096
    ]);
    expect(inst.annotationsOfImage).toEqual([[0], [1]]);
    expect(inst.imageIndexById.get(9)).toBe(1);
    expect(inst.images[1]).toEqual({ id: 9, fileName: 'sub/b.png', width: 64, height: 64 });
    expect(inst.notes).toEqual([]);
  });

  it('border policy on the 100×50 image: ≤ 1 px clipped silently, ≥ 50% inside clipped with a note', () => {
    // [-0.5, 10, 20, 20]: overshoot 0.5 px on the left → [0, 10, 19.5, 20], no note.
    // [49.6, 40, 10, 20]: bottom at 60, overshoot 10 px; inside (50−40)·10 = 100 of 200 = 50% → [49.6, 40, 10, 10], noted.
    const o = withAnn(0, { bbox: [-0.5, 10, 20, 20] });
    o.annotations.push({ id: 59, image_id: 7, category_id: 3, bbox: [49.6, 40, 10, 20] });
    const inst = parse(o);
    expect(inst.annotations[0].bbox).toEqual([0, 10, 19.5, 20]);
    expect(inst.annotations[2].bbox).toEqual([49.6, 40, 10, 10]);
    expect(inst.annotations[2].area).toBe(100); // no area in the file: clipped w·h
    expect(inst.notes).toEqual(['annotations[2] (id 59): bbox [49.6, 40, 10, 20] overshoots its image 100×50 by 10.0 px; clipped']);
  });
});

describe('COCO instances: bad input names file, entry and field', () => {
  it('malformed JSON: JSON.parse message with position, line and column', () => {
    const text = '{"images": [],\n "annotations": [] "categories": []}';
    // The unexpected '"' is at offset 34: line 2, column 20.
    expect(() => parseCocoInstances(text, F)).toThrow(/^instances_train\.json: is not valid JSON: .*position 34.* \(line 2 column 20\)$/);
    expect(() => parseCocoInstances('', F)).toThrow('instances_train.json: is not valid JSON: Unexpected end of JSON input');
  });

  it('wrong top level and missing arrays', () => {
    expect(errOf([1])).toBe("instances_train.json: must hold a JSON object with 'images', 'annotations' and 'categories', got an array");
    const { images, categories } = base();
    expect(errOf({ images, categories })).toBe("instances_train.json: has no 'annotations' array (a COCO instances file has 'images', 'annotations' and 'categories')");
    expect(errOf({ ...base(), images: { a: 1 } })).toBe(`instances_train.json: field 'images' must be an array, got {"a":1}`);
    expect(errOf({ ...base(), categories: [] })).toBe("instances_train.json: field 'categories' is empty (at least one category is needed)");
  });

  it('annotation fields', () => {
    expect(errOf(withAnn(1, { bbox: [1, 2, 'a', 4] }))).toBe('instances_train.json: annotations[1] (id 58): bbox must be 4 finite numbers [x, y, w, h], got [1,2,"a",4]');
    expect(errOf(withAnn(1, { bbox: [1, 2, 3] }))).toBe('instances_train.json: annotations[1] (id 58): bbox must be 4 finite numbers [x, y, w, h], got [1,2,3]');
    expect(errOf(withAnn(0, { bbox: [1, 2, 0, 4] }))).toBe('instances_train.json: annotations[0] (id 57): bbox [1, 2, 0, 4] has width or height ≤ 0');
    expect(errOf(withAnn(0, { bbox: [1, 2, 5, -4] }))).toBe('instances_train.json: annotations[0] (id 57): bbox [1, 2, 5, -4] has width or height ≤ 0');
    expect(errOf(withAnn(0, { id: 'x' }))).toBe(`instances_train.json: annotations[0]: 'id' must be an integer, got "x"`);
    expect(errOf(withAnn(0, { image_id: 8 }))).toBe("instances_train.json: annotations[0] (id 57): image_id 8 is not in 'images'");
    expect(errOf(withAnn(0, { category_id: 2 }))).toBe("instances_train.json: annotations[0] (id 57): category_id 2 is not in 'categories' (ids: 1, 3, 90)");
    expect(errOf(withAnn(0, { iscrowd: 2 }))).toBe("instances_train.json: annotations[0] (id 57): 'iscrowd' must be 0 or 1, got 2");
    expect(errOf(withAnn(0, { area: -1 }))).toBe("instances_train.json: annotations[0] (id 57): 'area' must be a number ≥ 0, got -1");
    expect(errOf(withAnn(1, { id: 57 }))).toBe('instances_train.json: annotations[1] (id 57): duplicate id (also annotations[0])');
  });

  it('boxes outside the image: entirely, or largely (< 50% inside)', () => {
    // 100×50 image. [95, 10, 20, 10]: inside (100−95)·10 = 50 of 200 = 25%.
    expect(errOf(withAnn(0, { bbox: [95, 10, 20, 10] }))).toBe('instances_train.json: annotations[0] (id 57): bbox [95, 10, 20, 10] lies largely outside its image 100×50 (images[0], id 7): 25% inside');
    expect(errOf(withAnn(0, { bbox: [120, 10, 5, 5] }))).toBe('instances_train.json: annotations[0] (id 57): bbox [120, 10, 5, 5] lies entirely outside its image 100×50 (images[0], id 7): 0% inside');
    // Within the 1 px tolerance but nothing inside (x from 100.2 to 100.9) is still "entirely outside".
    expect(errOf(withAnn(0, { bbox: [100.2, 10, 0.7, 5] }))).toMatch(/lies entirely outside/);
  });

  it('image and category entries', () => {
    const img = (patch: object) => {
      const o = base();
      o.images[1] = { ...o.images[1], ...patch };
      return o;
    };
    expect(errOf(img({ width: 0 }))).toBe("instances_train.json: images[1] (id 9): 'width' must be a positive integer, got 0");
    expect(errOf(img({ height: 12.5 }))).toBe("instances_train.json: images[1] (id 9): 'height' must be a positive integer, got 12.5");
    expect(errOf(img({ file_name: 3 }))).toBe("instances_train.json: images[1] (id 9): 'file_name' must be a non-empty string, got 3");
    expect(errOf(img({ file_name: '../x.jpg' }))).toBe(`instances_train.json: images[1] (id 9): 'file_name' must be a path inside the image folder, got "../x.jpg"`);
    expect(errOf(img({ id: 7 }))).toBe('instances_train.json: images[1] (id 7): duplicate id (also images[0])');
    expect(errOf(img({ file_name: './a.jpg' }))).toBe("instances_train.json: images[1] (id 9): duplicate file_name './a.jpg' (also images[0])");
    const cat = (patch: object) => {
      const o = base();
      o.categories[2] = { ...o.categories[2], ...patch };
      return o;
    };
    expect(errOf(cat({ id: 1 }))).toBe('instances_train.json: categories[2] (id 1): duplicate id (also categories[1])');
    expect(errOf(cat({ name: '' }))).toBe(`instances_train.json: categories[2] (id 3): 'name' must be a non-empty string, got ""`);
    expect(errOf(cat({ name: 'person' }))).toBe("instances_train.json: categories[2] (id 3): duplicate name 'person' (also categories[1])");
  });
});

describe('COCO instances: files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'frugal-coco-inst-'));
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('a missing file and a broken file are named by their path', async () => {
    await expect(readCocoInstances(join(dir, 'nope.json'))).rejects.toThrow(`${join(dir, 'nope.json')}: annotation file not found`);
    const bad = join(dir, 'instances_val.json');
    await writeFile(bad, '{"images": [');
    await expect(readCocoInstances(bad)).rejects.toThrow(`${bad}: is not valid JSON: Unexpected end of JSON input`);
    const ok = join(dir, 'ok.json');
    await writeFile(ok, JSON.stringify(base()));
    expect((await readCocoInstances(ok)).file).toBe(ok);
  });
});
