/**
 * One image file → uint8 pixels of a target shape, with sharp (libvips). Shared by the folder and
 * the path-CSV loaders.
 *
 * - channels 1: sharp's greyscale (luminance); channels 3: sRGB, a grey image repeated in R, G, B.
 * - An alpha channel is dropped (its colour values are kept as stored, not composited).
 * - Size: 'resize' scales every image to height×width (fit 'fill', aspect ratio not kept: the
 *   datasets here are already square); 'error' refuses an image of another size.
 */

import sharp from 'sharp';
import { DatasetError } from './errors';
import type { ImageShape } from './view';

export type SizeMismatch = 'resize' | 'error';

export const IMAGE_EXTENSIONS: readonly string[] = ['.png', '.jpg', '.jpeg'];

export function checkShape(shape: ImageShape, where: string): void {
  for (const f of ['height', 'width'] as const) {
    if (!Number.isInteger(shape[f]) || shape[f] < 1) throw new Error(`${where}: option '${f}' must be a positive integer, got ${shape[f]}`);
  }
  if (shape.channels !== 1 && shape.channels !== 3) throw new Error(`${where}: option 'channels' must be 1 or 3, got ${shape.channels}`);
}

export async function decodeImage(path: string, shape: ImageShape, sizeMismatch: SizeMismatch = 'resize'): Promise<Uint8Array> {
  let pipeline = sharp(path, { failOn: 'error' }).removeAlpha();
  if (sizeMismatch === 'resize') pipeline = pipeline.resize(shape.width, shape.height, { fit: 'fill' });
  pipeline = shape.channels === 1 ? pipeline.greyscale() : pipeline.toColourspace('srgb');
  let out: { data: Buffer; info: { width: number; height: number; channels: number } };
  try {
    out = await pipeline.raw().toBuffer({ resolveWithObject: true });
  } catch (err) {
    const msg = (err as Error).message;
    if (/ENOENT|no such file|input file is missing/i.test(msg)) throw new DatasetError(path, 'image file not found', { cause: err });
    throw new DatasetError(path, `unreadable image (${msg})`, { cause: err });
  }
  const { info, data } = out;
  if (info.width !== shape.width || info.height !== shape.height) {
    throw new DatasetError(path, `image is ${info.width}×${info.height} (width×height), expected ${shape.width}×${shape.height}; load with sizeMismatch 'resize' to scale it`);
  }
  if (info.channels !== shape.channels) throw new DatasetError(path, `decoded to ${info.channels} channels, expected ${shape.channels}`);
  return new Uint8Array(data.buffer, data.byteOffset, data.length);
}

/** Run `fn` over items with at most `limit` in flight (sharp decodes on libuv's thread pool). */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  // On a failure no new item starts; the ones in flight finish, and the error of the lowest index
  // is thrown. Items start in index order, so that is the first failing item whatever the timing
  // (error messages name the same file on every run).
  const failed = new Map<number, unknown>();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length && failed.size === 0) {
      const i = next++;
      try {
        out[i] = await fn(items[i], i);
      } catch (e) {
        failed.set(i, e);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  if (failed.size) throw failed.get(Math.min(...failed.keys()));
  return out;
}
