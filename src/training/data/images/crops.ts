/**
 * ImageNet-style crops decoded with sharp, one file at a time, so a training set never has to fit
 * in memory (the ImageNet recipe of timm / torchvision, which RevBiFPN trained with):
 *
 * - train: RandomResizedCrop — a crop of area s·A (s ~ U(minScale, 1), torchvision's default
 *   minScale 0.08) and aspect ratio r with log r ~ U(log ¾, log 4/3), up to 10 tries, else the
 *   centred crop of the whole image clamped to r ∈ [¾, 4/3]; resized to size×size (bilinear), then
 *   mirrored left–right with probability ½.
 * - eval: the shorter side resized to ⌊size / 0.875⌋ (crop_pct 0.875), then the centred size×size.
 *
 * Output: RGB uint8, size·size·3, row-major HWC. Draws come from the caller's seeded Rng, so a
 * batch is a function of (seed, step). Unreadable files raise a DatasetError naming the file.
 *
 *   const px = await decodeTrainCrop(path, 224, rng);  // Uint8Array(224·224·3)
 */
import sharp from 'sharp';
import { type Rng } from '../../core/rng';
import { DatasetError } from './errors';

export const EVAL_CROP_FRACTION = 0.875;

export interface CropBox {
  left: number;
  top: number;
  width: number;
  height: number;
}

/** torchvision's RandomResizedCrop.get_params on a W×H image. */
export function randomResizedCropBox(W: number, H: number, rng: Rng, minScale = 0.08): CropBox {
  const area = W * H;
  const logLo = Math.log(3 / 4);
  const logHi = Math.log(4 / 3);
  for (let i = 0; i < 10; i++) {
    const target = area * (minScale + (1 - minScale) * rng.uniform());
    const ratio = Math.exp(logLo + (logHi - logLo) * rng.uniform());
    const w = Math.round(Math.sqrt(target * ratio));
    const h = Math.round(Math.sqrt(target / ratio));
    if (w > 0 && h > 0 && w <= W && h <= H) {
      return { left: rng.int(W - w + 1), top: rng.int(H - h + 1), width: w, height: h };
    }
  }
  const r = W / H;
  const w = r < 3 / 4 ? W : r > 4 / 3 ? Math.round(H * (4 / 3)) : W;
  const h = r < 3 / 4 ? Math.round(W / (3 / 4)) : r > 4 / 3 ? H : H;
  return { left: Math.floor((W - w) / 2), top: Math.floor((H - h) / 2), width: w, height: h };
}

async function rgb(pipeline: ReturnType<typeof sharp>, path: string, size: number): Promise<Uint8Array> {
  try {
    const { data, info } = await pipeline.removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
    if (info.width !== size || info.height !== size || info.channels !== 3) throw new Error(`decoded to ${info.width}×${info.height}×${info.channels}, expected ${size}×${size}×3`);
    return new Uint8Array(data.buffer, data.byteOffset, data.length);
  } catch (err) {
    throw new DatasetError(path, `unreadable image (${(err as Error).message})`, { cause: err });
  }
}

async function dimensions(path: string): Promise<{ W: number; H: number }> {
  try {
    const m = await sharp(path, { failOn: 'error' }).metadata();
    if (!m.width || !m.height) throw new Error('no image size in the file');
    // EXIF orientations 5–8 swap width and height once sharp rotates the image.
    return (m.orientation ?? 1) >= 5 ? { W: m.height, H: m.width } : { W: m.width, H: m.height };
  } catch (err) {
    throw new DatasetError(path, `unreadable image (${(err as Error).message})`, { cause: err });
  }
}

/** A training crop of `path` (see header). */
export async function decodeTrainCrop(path: string, size: number, rng: Rng, minScale = 0.08): Promise<Uint8Array> {
  const { W, H } = await dimensions(path);
  const box = randomResizedCropBox(W, H, rng, minScale);
  const flip = rng.uniform() < 0.5;
  let p = sharp(path, { failOn: 'error' }).rotate().extract(box).resize(size, size, { fit: 'fill', kernel: 'linear' });
  if (flip) p = p.flop();
  return rgb(p, path, size);
}

/** The evaluation crop of `path`: shorter side to ⌊size/0.875⌋, centred size×size. */
export async function decodeEvalCrop(path: string, size: number): Promise<Uint8Array> {
  const { W, H } = await dimensions(path);
  const short = Math.floor(size / EVAL_CROP_FRACTION);
  const scale = short / Math.min(W, H);
  const w = Math.max(size, Math.round(W * scale));
  const h = Math.max(size, Math.round(H * scale));
  const p = sharp(path, { failOn: 'error' })
    .rotate()
    .resize(w, h, { fit: 'fill' })
    .extract({ left: Math.floor((w - size) / 2), top: Math.floor((h - size) / 2), width: size, height: size });
  return rgb(p, path, size);
}
