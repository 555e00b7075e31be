/**
 * Pixel checks on viewer screenshots, decoded with sharp (a WebGL canvas read back with drawImage
 * is blank without preserveDrawingBuffer; a page screenshot is not). Reusable by the e2e suite.
 */
import sharp from 'sharp';

export interface Rgb8Image {
  width: number;
  height: number;
  /** RGB, 3 bytes per pixel, row-major. */
  data: Uint8Array;
}

export async function decodePng(png: Uint8Array): Promise<Rgb8Image> {
  const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
}

/** Fraction of pixels whose largest channel difference exceeds `tolerance`. */
export function changedFraction(a: Rgb8Image, b: Rgb8Image, tolerance = 8): number {
  if (a.width !== b.width || a.height !== b.height) throw new Error(`image sizes differ: ${a.width}×${a.height} vs ${b.width}×${b.height}`);
  let changed = 0;
  for (let p = 0; p < a.data.length; p += 3) {
    const d = Math.max(Math.abs(a.data[p] - b.data[p]), Math.abs(a.data[p + 1] - b.data[p + 1]), Math.abs(a.data[p + 2] - b.data[p + 2]));
    if (d > tolerance) changed++;
  }
  return changed / (a.width * a.height);
}

export function countPixels(img: Rgb8Image, test: (r: number, g: number, b: number) => boolean): number {
  let n = 0;
  for (let p = 0; p < img.data.length; p += 3) if (test(img.data[p], img.data[p + 1], img.data[p + 2])) n++;
  return n;
}

/** Standard deviation of luminance: near 0 for a blank canvas. */
export function lumaStd(img: Rgb8Image): number {
  let s = 0;
  let s2 = 0;
  const n = img.width * img.height;
  for (let p = 0; p < img.data.length; p += 3) {
    const y = 0.2126 * img.data[p] + 0.7152 * img.data[p + 1] + 0.0722 * img.data[p + 2];
    s += y;
    s2 += y * y;
  }
  return Math.sqrt(Math.max(0, s2 / n - (s / n) ** 2));
}

/** Coloured (mask) pixels: saturated, and not the viewer's green crosshair. MRI itself is grey. */
export function isMaskColour(r: number, g: number, b: number): boolean {
  const sat = Math.max(r, g, b) - Math.min(r, g, b);
  const crosshairGreen = g > r + 60 && g > b + 60;
  return sat > 60 && !crosshairGreen;
}

/** Error-overlay colours: FP magenta (255, 61, 209), FN teal (0, 230, 170), blended over grey. */
export const isFpColour = (r: number, g: number, b: number): boolean => r > g + 80 && b > g + 50;
export const isFnColour = (r: number, g: number, b: number): boolean => g > r + 80 && b > r + 50 && Math.abs(g - b) < 90;
