/**
 * `frugal demo-data images`: a synthetic ImageNet-style classification set, one sub-folder per
 * class, which loadImageFolder (./folder.ts) opens like any user dataset:
 *
 *   DIR/train/<class>/0001.png ...   perClass images per class
 *   DIR/val/<class>/0001.png ...     valPerClass images per class
 *
 * Classes are the five shapes of ../shapes.ts (circle, cross, square, star, triangle in folder
 * order); each image holds one shape of its class, circumradius log-uniform in [0.2·S, 0.45·S],
 * anywhere in the image, rotated, in a random colour contrasting with a textured background
 * (gradient / stripes / blotches, then Gaussian noise σ 3–8), so colour and position say nothing
 * about the class. PNG, RGB.
 *
 * Deterministic: image k of class c in a split is a function of (seed, split, c, k, size) only
 * (`new Rng(seed).fork('demo-images', split, class, k)`). Refuses, before writing anything, an
 * output folder that already holds `train` or `val` (like writeDemoBrats); each split is written
 * in a hidden temporary folder and renamed into place.
 *
 *   await writeDemoImages({ out: 'data/shapes', perClass: 40, size: 64, seed: 0 });
 *   const ds = await loadImageFolder('data/shapes/train', { height: 64, width: 64, channels: 3 });
 */

import { mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Rng } from '../../core/rng';
import { SHAPE_KINDS, type Scene, type ShapeKind, placeShapes, refuseExisting, renderScene, texturedBackground, writeImage } from '../shapes';
import { mapLimit } from './decode';

export interface DemoImagesOptions {
  /** dataset folder; created if missing. Existing train/ or val/ are never overwritten. */
  out: string;
  perClass?: number; // train images per class, default 40
  valPerClass?: number; // default ⌈perClass / 4⌉
  size?: number; // image side in px, default 64 (16..1024)
  seed?: number; // default 0
  /** images rendered at once. Default 4. */
  concurrency?: number;
}

/** Class names in folder (= label) order. */
export const DEMO_IMAGE_CLASSES: readonly ShapeKind[] = [...SHAPE_KINDS].sort();

/** The scene of image k of a class in a split (deterministic in seed, split, kind, k, size). */
export function demoImageScene(seed: number, split: string, kind: ShapeKind, k: number, size: number): Scene {
  const rng = new Rng(seed).fork('demo-images', split, kind, k);
  const background = texturedBackground(rng.fork('background'), size, size);
  const shapes = placeShapes(rng.fork('shapes'), background, size, size, { count: 1, kind, rMin: 0.2 * size, rMax: 0.45 * size });
  return { width: size, height: size, background, shapes, noiseSigma: rng.range(3, 8), noiseSeed: rng.fork('noise').nextUint32() };
}

export async function writeDemoImages(opts: DemoImagesOptions): Promise<{ out: string; classes: string[]; train: number; val: number }> {
  const perClass = opts.perClass ?? 40;
  const valPerClass = opts.valPerClass ?? Math.ceil(perClass / 4);
  const size = opts.size ?? 64;
  const seed = opts.seed ?? 0;
  if (!(Number.isInteger(perClass) && perClass >= 1)) throw new Error(`demo images: per-class must be a positive integer, got ${perClass}`);
  if (!(Number.isInteger(valPerClass) && valPerClass >= 1)) throw new Error(`demo images: val-per-class must be a positive integer, got ${valPerClass}`);
  if (!(Number.isInteger(size) && size >= 16 && size <= 1024)) throw new Error(`demo images: size must be an integer in 16..1024 px, got ${size}`);

  const splits = [
    { name: 'train', count: perClass },
    { name: 'val', count: valPerClass },
  ];
  await refuseExisting('demo images', splits.map((s) => join(opts.out, s.name)));
  await mkdir(opts.out, { recursive: true });
  const concurrency = opts.concurrency ?? 4;
  for (const s of splits) {
    const tmp = join(opts.out, `.${s.name}.tmp-${process.pid}`);
    await rm(tmp, { recursive: true, force: true });
    try {
      for (const c of DEMO_IMAGE_CLASSES) await mkdir(join(tmp, c), { recursive: true });
      const jobs = DEMO_IMAGE_CLASSES.flatMap((c) => Array.from({ length: s.count }, (_, k) => ({ c, k })));
      await mapLimit(jobs, concurrency, async ({ c, k }) => {
        const scene = demoImageScene(seed, s.name, c, k, size);
        await writeImage(await renderScene(scene), size, size, join(tmp, c, `${String(k + 1).padStart(4, '0')}.png`), 'png');
      });
      const dir = join(opts.out, s.name);
      await refuseExisting('demo images', [dir], 'appeared while writing');
      await rename(tmp, dir);
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  }
  return { out: opts.out, classes: [...DEMO_IMAGE_CLASSES], train: perClass * DEMO_IMAGE_CLASSES.length, val: valPerClass * DEMO_IMAGE_CLASSES.length };
}
