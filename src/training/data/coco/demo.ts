/**
 * `frugal demo-data coco`: a synthetic detection set in real COCO format, so the RevBiFPN
 * detection workflow runs on a fresh machine with no download.
 *
 *   DIR/train/000000000001.jpg ...            train images (ids 1..N)
 *   DIR/val/000000000201.jpg ...              val images (ids N+1..N+V)
 *   DIR/annotations/instances_train.json      info, licenses, images, annotations, categories
 *   DIR/annotations/instances_val.json
 *
 * Each image: a textured background with 1–4 shapes (circle, square, triangle, star, cross; see
 * ../shapes.ts) of circumradius r drawn log-uniformly in [max(3, 0.06·S), 0.4·S] px, so at
 * S = 128 about half the boxes are COCO-"small" (area < 32²) and the rest "medium" (32²..96²).
 * Shapes may overlap but each stays ≥ 60% visible; `bbox` is the tight integer box around the
 * visible pixels, `area` their count, `segmentation` their mask as uncompressed RLE (which
 * pycocotools reads), `iscrowd` 0. Categories have ids 1..5 (as COCO's start at 1), supercategory
 * 'shape'. JPEG quality 92 with 4:4:4 chroma.
 *
 * Deterministic: image i of a split is a function of (seed, split, i, size) only
 * (`new Rng(seed).fork('demo-coco', split, i)`), so the files are byte-identical across runs.
 * Refuses, before writing anything, an output folder that already holds `train`, `val` or
 * `annotations` (like writeDemoBrats with its case folders); everything is written in a hidden
 * temporary folder first and renamed into place.
 *
 *   await writeDemoCoco({ out: 'data/shapes-coco', images: 200, val: 50, size: 128, seed: 0 });
 */

import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Rng } from '../../core/rng';
import { mapLimit } from '../images/decode';
import { type ImageFormat, SHAPE_KINDS, type Scene, type VisibleShape, maskToRle, placeShapes, refuseExisting, renderScene, texturedBackground, visibleShapes, writeImage } from '../shapes';

export interface DemoCocoOptions {
  /** dataset folder; created if missing. Existing train/, val/ or annotations/ are never overwritten. */
  out: string;
  images?: number; // train images, default 200
  val?: number; // val images, default 50
  size?: number; // image side in px, default 128 (32..1024)
  seed?: number; // default 0
  format?: ImageFormat; // default 'jpg' (like COCO)
  /** images rendered at once. Default 4. */
  concurrency?: number;
}

export const DEMO_COCO_CATEGORIES = SHAPE_KINDS.map((name, i) => ({ id: i + 1, name, supercategory: 'shape' }));

/** COCO's "small" objects have area < 32² px (pycocotools COCOeval areaRng). */
export const COCO_SMALL_AREA = 32 * 32;

export interface DemoCocoImage {
  scene: Scene;
  visible: VisibleShape[];
}

/** The scene of image i of a split (deterministic in seed, split, i, size). */
export function demoCocoScene(seed: number, split: string, i: number, size: number): DemoCocoImage {
  const rng = new Rng(seed).fork('demo-coco', split, i);
  const background = texturedBackground(rng.fork('background'), size, size);
  const count = 1 + rng.int(4);
  const shapes = placeShapes(rng.fork('shapes'), background, size, size, { count, rMin: Math.max(3, 0.06 * size), rMax: 0.4 * size });
  const scene: Scene = { width: size, height: size, background, shapes, noiseSigma: rng.range(3, 8), noiseSeed: rng.fork('noise').nextUint32() };
  return { scene, visible: visibleShapes(shapes, size, size) };
}

export interface DemoCocoSplitSummary {
  images: number;
  annotations: number;
  small: number;
  medium: number;
  large: number;
}

export interface DemoCocoResult {
  out: string;
  train: DemoCocoSplitSummary;
  val: DemoCocoSplitSummary;
  /** paths of the two instances files. */
  annotationFiles: { train: string; val: string };
}

const fileNameOf = (id: number, format: ImageFormat): string => `${String(id).padStart(12, '0')}.${format}`;

/** Renders one split into `dir` and returns its instances JSON object and summary. */
async function writeSplit(
  dir: string,
  split: 'train' | 'val',
  count: number,
  firstImageId: number,
  firstAnnId: number,
  o: { seed: number; size: number; format: ImageFormat; concurrency: number },
): Promise<{ json: object; summary: DemoCocoSplitSummary }> {
  await mkdir(dir, { recursive: true });
  const images: object[] = [];
  const annotations: object[] = [];
  const summary: DemoCocoSplitSummary = { images: count, annotations: 0, small: 0, medium: 0, large: 0 };
  // Each callback returns compact records (RLE, not masks), so memory stays small for big sets.
  const perImage = await mapLimit(
    Array.from({ length: count }, (_, i) => i),
    o.concurrency,
    async (i) => {
      const { scene, visible } = demoCocoScene(o.seed, split, i, o.size);
      const id = firstImageId + i;
      await writeImage(await renderScene(scene), o.size, o.size, join(dir, fileNameOf(id, o.format)), o.format);
      const anns = scene.shapes.flatMap((s, k) => {
        const v = visible[k];
        if (!v.box || v.area === 0) return [];
        const [x0, y0, x1, y1] = v.box;
        return [{
          image_id: id,
          category_id: DEMO_COCO_CATEGORIES[SHAPE_KINDS.indexOf(s.kind)].id,
          bbox: [x0, y0, x1 - x0, y1 - y0],
          area: v.area,
          iscrowd: 0,
          segmentation: maskToRle(v.mask, o.size, o.size),
        }];
      });
      return { id, anns };
    },
  );
  let annId = firstAnnId;
  for (const { id, anns } of perImage) {
    images.push({ id, file_name: fileNameOf(id, o.format), width: o.size, height: o.size, license: 0 });
    for (const a of anns) {
      annotations.push({ id: annId++, ...a });
      summary.annotations++;
      if (a.area < COCO_SMALL_AREA) summary.small++;
      else if (a.area < 96 * 96) summary.medium++;
      else summary.large++;
    }
  }
  const json = {
    info: {
      description: `Frugal Studio synthetic shapes (${split}, seed ${o.seed}, ${o.size}×${o.size} px)`,
      version: '1.0',
      contributor: 'frugal demo-data coco',
      url: '',
    },
    licenses: [{ id: 0, name: 'Public domain (synthetic)', url: '' }],
    images,
    annotations,
    categories: DEMO_COCO_CATEGORIES,
  };
  return { json, summary };
}

export async function writeDemoCoco(opts: DemoCocoOptions): Promise<DemoCocoResult> {
  const nTrain = opts.images ?? 200;
  const nVal = opts.val ?? 50;
  const size = opts.size ?? 128;
  const seed = opts.seed ?? 0;
  const format = opts.format ?? 'jpg';
  if (!(Number.isInteger(nTrain) && nTrain >= 1)) throw new Error(`demo COCO: images must be a positive integer, got ${nTrain}`);
  if (!(Number.isInteger(nVal) && nVal >= 0)) throw new Error(`demo COCO: val must be a non-negative integer, got ${nVal}`);
  if (!(Number.isInteger(size) && size >= 32 && size <= 1024)) throw new Error(`demo COCO: size must be an integer in 32..1024 px, got ${size}`);
  if (format !== 'jpg' && format !== 'png') throw new Error(`demo COCO: format must be jpg or png, got ${format}`);

  const targets = ['train', 'val', 'annotations'].map((d) => join(opts.out, d));
  await refuseExisting('demo COCO', targets);
  await mkdir(opts.out, { recursive: true });
  const tmp = join(opts.out, `.demo-coco.tmp-${process.pid}`);
  await rm(tmp, { recursive: true, force: true });
  const o = { seed, size, format, concurrency: opts.concurrency ?? 4 };
  try {
    const train = await writeSplit(join(tmp, 'train'), 'train', nTrain, 1, 1, o);
    const val = await writeSplit(join(tmp, 'val'), 'val', nVal, nTrain + 1, train.summary.annotations + 1, o);
    await mkdir(join(tmp, 'annotations'));
    await writeFile(join(tmp, 'annotations', 'instances_train.json'), JSON.stringify(train.json));
    await writeFile(join(tmp, 'annotations', 'instances_val.json'), JSON.stringify(val.json));
    await refuseExisting('demo COCO', targets, 'appeared while writing');
    for (const d of ['train', 'val', 'annotations']) await rename(join(tmp, d), join(opts.out, d));
    return {
      out: opts.out,
      train: train.summary,
      val: val.summary,
      annotationFiles: { train: join(opts.out, 'annotations', 'instances_train.json'), val: join(opts.out, 'annotations', 'instances_val.json') },
    };
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}
