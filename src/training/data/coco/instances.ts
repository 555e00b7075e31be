/**
 * COCO "instances" annotation files (e.g. `annotations/instances_val2017.json`): parsing and
 * validation, with no disk access beyond reading the JSON (image files are checked by
 * ./dataset.ts). Format: https://cocodataset.org/#format-data — `images` [{id, file_name, width,
 * height}], `annotations` [{id, image_id, category_id, bbox: [x, y, w, h] in pixels, area,
 * iscrowd, segmentation}], `categories` [{id, name, supercategory}]. `info`, `licenses` and
 * `segmentation` are not needed for boxes and are not read.
 *
 * Every problem is a DatasetError naming the file, then the entry, then the field:
 *   instances_train.json: annotations[12] (id 57): bbox must be 4 finite numbers, got [1,2,"a",4]
 *
 * Boxes and the image border (chosen policy, tolerance BOX_TOLERANCE = 1 px):
 *   - w ≤ 0 or h ≤ 0: error.
 *   - overshoot ≤ 1 px past any edge (rounding in exporters): clipped silently.
 *   - more overshoot, but ≥ 50% of the box area inside the image: clipped, and listed in `notes`.
 *   - < 50% inside (entirely or largely outside): error — the box or the image size is wrong.
 * Category ids map to contiguous labels 0..K−1 in increasing id order (COCO's 80 classes have ids
 * 1..90 with gaps; this is MMDetection's and torchvision's `cat2label` convention).
 *
 *   const inst = await readCocoInstances('data/coco/annotations/instances_val2017.json');
 *   inst.categories[inst.annotations[0].label].name;   // 'person'
 */

import { readFile } from 'node:fs/promises';
import { isAbsolute, normalize, sep } from 'node:path';
import { DatasetError, fsDatasetError } from '../images/errors';

/** Boxes may overshoot the image by this many pixels before anything is said (they are clipped). */
export const BOX_TOLERANCE = 1;
/** A box with less than this fraction of its area inside the image is an error. */
export const MIN_INSIDE_FRACTION = 0.5;

export interface CocoImage {
  id: number;
  /** as in the JSON: relative to the image folder. */
  fileName: string;
  width: number;
  height: number;
}

export interface CocoCategory {
  id: number;
  name: string;
  supercategory: string;
  /** contiguous label 0..K−1 (categories sorted by id). */
  label: number;
}

export interface CocoAnnotation {
  id: number;
  imageId: number;
  categoryId: number;
  /** contiguous label of the category. */
  label: number;
  /** [x, y, w, h] in pixels of the original image, clipped to it. */
  bbox: [number, number, number, number];
  /** the file's `area` (segmentation area, used by COCOeval's small/medium/large), else w·h. */
  area: number;
  iscrowd: 0 | 1;
}

export interface CocoInstances {
  file: string;
  /** in file order. */
  images: CocoImage[];
  /** sorted by id; categories[label] is the category of that label. */
  categories: CocoCategory[];
  /** in file order. */
  annotations: CocoAnnotation[];
  /** annotation indices per image (same order as `images`). */
  annotationsOfImage: number[][];
  imageIndexById: Map<number, number>;
  labelOfCategoryId: Map<number, number>;
  /** boxes clipped by more than BOX_TOLERANCE, one line each (the first 20, then a count). */
  notes: string[];
}

const MAX_NOTES = 20;

function preview(v: unknown): string {
  let s: string;
  try {
    s = JSON.stringify(v) ?? String(v);
  } catch {
    s = String(v);
  }
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

/** "line L column C" of a character offset. */
function lineColumn(text: string, pos: number): string {
  let line = 1;
  let col = 1;
  for (let i = 0; i < pos && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      col = 1;
    } else col++;
  }
  return `line ${line} column ${col}`;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v);

/** Parses and validates the text of an instances file; `file` names it in errors. */
export function parseCocoInstances(text: string, file: string): CocoInstances {
  let root: unknown;
  try {
    root = JSON.parse(text);
  } catch (err) {
    const msg = (err as Error).message;
    const pos = /at position (\d+)/.exec(msg);
    const where = pos && !/line \d+/.test(msg) ? ` (${lineColumn(text, Number(pos[1]))})` : '';
    throw new DatasetError(file, `is not valid JSON: ${msg}${where}`, { cause: err });
  }
  if (!isObject(root)) throw new DatasetError(file, `must hold a JSON object with 'images', 'annotations' and 'categories', got ${Array.isArray(root) ? 'an array' : preview(root)}`);
  for (const key of ['images', 'annotations', 'categories'] as const) {
    if (!(key in root)) throw new DatasetError(file, `has no '${key}' array (a COCO instances file has 'images', 'annotations' and 'categories')`);
    if (!Array.isArray(root[key])) throw new DatasetError(file, `field '${key}' must be an array, got ${preview(root[key])}`);
  }
  const fail = (what: string, i: number, entry: unknown, problem: string): never => {
    const id = isObject(entry) && isInt(entry.id) ? ` (id ${entry.id})` : '';
    throw new DatasetError(file, `${what}[${i}]${id}: ${problem}`);
  };

  // categories → sorted by id → labels
  const rawCats = root.categories as unknown[];
  if (rawCats.length === 0) throw new DatasetError(file, "field 'categories' is empty (at least one category is needed)");
  const catAt = new Map<number, number>(); // id → entry index
  const nameAt = new Map<string, number>();
  const cats: Omit<CocoCategory, 'label'>[] = rawCats.map((c, i) => {
    if (!isObject(c)) return fail('categories', i, c, `must be an object, got ${preview(c)}`);
    if (!isInt(c.id)) return fail('categories', i, c, `'id' must be an integer, got ${preview(c.id)}`);
    if (typeof c.name !== 'string' || c.name.trim() === '') return fail('categories', i, c, `'name' must be a non-empty string, got ${preview(c.name)}`);
    if (c.supercategory !== undefined && typeof c.supercategory !== 'string') return fail('categories', i, c, `'supercategory' must be a string, got ${preview(c.supercategory)}`);
    if (catAt.has(c.id)) return fail('categories', i, c, `duplicate id (also categories[${catAt.get(c.id)}])`);
    if (nameAt.has(c.name)) return fail('categories', i, c, `duplicate name '${c.name}' (also categories[${nameAt.get(c.name)}])`);
    catAt.set(c.id, i);
    nameAt.set(c.name, i);
    return { id: c.id, name: c.name, supercategory: (c.supercategory as string | undefined) ?? '' };
  });
  const categories: CocoCategory[] = [...cats].sort((a, b) => a.id - b.id).map((c, label) => ({ ...c, label }));
  const labelOfCategoryId = new Map(categories.map((c) => [c.id, c.label]));

  // images
  const imageIndexById = new Map<number, number>();
  const fileAt = new Map<string, number>();
  const images: CocoImage[] = (root.images as unknown[]).map((im, i) => {
    if (!isObject(im)) return fail('images', i, im, `must be an object, got ${preview(im)}`);
    if (!isInt(im.id)) return fail('images', i, im, `'id' must be an integer, got ${preview(im.id)}`);
    if (typeof im.file_name !== 'string' || im.file_name === '') return fail('images', i, im, `'file_name' must be a non-empty string, got ${preview(im.file_name)}`);
    const norm = normalize(im.file_name);
    if (isAbsolute(im.file_name) || norm === '..' || norm.startsWith(`..${sep}`) || norm.startsWith('../')) {
      return fail('images', i, im, `'file_name' must be a path inside the image folder, got ${preview(im.file_name)}`);
    }
    for (const f of ['width', 'height'] as const) {
      if (!isInt(im[f]) || (im[f] as number) < 1) return fail('images', i, im, `'${f}' must be a positive integer, got ${preview(im[f])}`);
    }
    if (imageIndexById.has(im.id)) return fail('images', i, im, `duplicate id (also images[${imageIndexById.get(im.id)}])`);
    if (fileAt.has(norm)) return fail('images', i, im, `duplicate file_name '${im.file_name}' (also images[${fileAt.get(norm)}])`);
    imageIndexById.set(im.id, i);
    fileAt.set(norm, i);
    return { id: im.id, fileName: im.file_name, width: im.width as number, height: im.height as number };
  });

  // annotations
  const annIds = new Map<number, number>();
  const annotationsOfImage: number[][] = images.map(() => []);
  const notes: string[] = [];
  let clippedNoted = 0;
  const catIds = (): string => {
    const ids = categories.map((c) => c.id);
    return ids.length <= 20 ? ids.join(', ') : `${ids.slice(0, 20).join(', ')}, ... (${ids.length} in all)`;
  };
  const annotations: CocoAnnotation[] = (root.annotations as unknown[]).map((a, i) => {
    const bad = (problem: string): never => fail('annotations', i, a, problem);
    if (!isObject(a)) return bad(`must be an object, got ${preview(a)}`);
    if (!isInt(a.id)) return bad(`'id' must be an integer, got ${preview(a.id)}`);
    if (annIds.has(a.id)) return bad(`duplicate id (also annotations[${annIds.get(a.id)}])`);
    annIds.set(a.id, i);
    if (!isInt(a.image_id)) return bad(`'image_id' must be an integer, got ${preview(a.image_id)}`);
    const imIdx = imageIndexById.get(a.image_id);
    if (imIdx === undefined) return bad(`image_id ${a.image_id} is not in 'images'`);
    if (!isInt(a.category_id)) return bad(`'category_id' must be an integer, got ${preview(a.category_id)}`);
    const label = labelOfCategoryId.get(a.category_id);
    if (label === undefined) return bad(`category_id ${a.category_id} is not in 'categories' (ids: ${catIds()})`);
    const b = a.bbox;
    if (!Array.isArray(b) || b.length !== 4 || !b.every((v) => typeof v === 'number' && Number.isFinite(v))) {
      return bad(`bbox must be 4 finite numbers [x, y, w, h], got ${preview(b)}`);
    }
    const [x, y, w, h] = b as number[];
    if (!(w > 0 && h > 0)) return bad(`bbox [${b.join(', ')}] has width or height ≤ 0`);
    let iscrowd: 0 | 1 = 0;
    if (a.iscrowd !== undefined) {
      if (a.iscrowd !== 0 && a.iscrowd !== 1 && a.iscrowd !== false && a.iscrowd !== true) return bad(`'iscrowd' must be 0 or 1, got ${preview(a.iscrowd)}`);
      iscrowd = a.iscrowd === 1 || a.iscrowd === true ? 1 : 0;
    }
    if (a.area !== undefined && !(typeof a.area === 'number' && Number.isFinite(a.area) && a.area >= 0)) return bad(`'area' must be a number ≥ 0, got ${preview(a.area)}`);
    const im = images[imIdx];
    const x0 = Math.max(0, x);
    const y0 = Math.max(0, y);
    const x1 = Math.min(im.width, x + w);
    const y1 = Math.min(im.height, y + h);
    const overshoot = Math.max(-x, -y, x + w - im.width, y + h - im.height);
    const inside = x1 > x0 && y1 > y0 ? ((x1 - x0) * (y1 - y0)) / (w * h) : 0;
    if (inside === 0 || (overshoot > BOX_TOLERANCE && inside < MIN_INSIDE_FRACTION)) {
      return bad(`bbox [${b.join(', ')}] lies ${inside === 0 ? 'entirely' : 'largely'} outside its image ${im.width}×${im.height} (images[${imIdx}], id ${im.id}): ${Math.round(inside * 100)}% inside`);
    }
    if (overshoot > BOX_TOLERANCE) {
      if (notes.length < MAX_NOTES) notes.push(`annotations[${i}] (id ${a.id}): bbox [${b.join(', ')}] overshoots its image ${im.width}×${im.height} by ${overshoot.toFixed(1)} px; clipped`);
      clippedNoted++;
    }
    annotationsOfImage[imIdx].push(i);
    const bbox: [number, number, number, number] = [x0, y0, x1 - x0, y1 - y0];
    return { id: a.id, imageId: a.image_id, categoryId: a.category_id, label, bbox, area: typeof a.area === 'number' ? a.area : bbox[2] * bbox[3], iscrowd };
  });
  if (clippedNoted > MAX_NOTES) notes.push(`... and ${clippedNoted - MAX_NOTES} more boxes clipped`);
  return { file, images, categories, annotations, annotationsOfImage, imageIndexById, labelOfCategoryId, notes };
}

/** Reads and validates an instances file. */
export async function readCocoInstances(file: string): Promise<CocoInstances> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw fsDatasetError(file, err, 'annotation file');
  }
  return parseCocoInstances(text, file);
}
