/**
 * The one shape renderer behind both synthetic image demos: `frugal demo-data coco` (detection,
 * ./coco/demo.ts) and `frugal demo-data images` (class folders, ./images/demo.ts).
 *
 * A scene is a textured background (a mix of a two-colour gradient, stripes and smooth blotches,
 * generated as a raw RGB buffer here) with filled shapes drawn over it by sharp (an SVG composited
 * by librsvg, anti-aliased), then per-pixel Gaussian noise over everything, so neither the
 * background nor the shapes are flat colours and a detector has to learn shape, not just colour.
 *
 * Geometry: continuous pixel coordinates, pixel (i, j) covers [i, i+1] × [j, j+1] (SVG's and
 * COCO's convention). Every shape fits in the circle of radius `r` around (cx, cy):
 *   circle   radius r
 *   square   4 corners at distance r (side r·√2), rotated by `angle`
 *   triangle equilateral, 3 corners at distance r
 *   star     5 points at r, 5 inner corners at 0.45·r (the classic pentagram proportion is 0.38)
 *   cross    a plus sign, arms of half-width 0.32·r reaching 0.947·r (corners at distance r)
 * The masks used for boxes, areas and RLE segmentations are computed here from the same geometry
 * by testing pixel centres (a pixel belongs to a shape when librsvg covers at least about half of
 * it); a later shape hides an earlier one, so each shape's box is tight around its VISIBLE pixels,
 * as COCO boxes are.
 *
 * Usage:
 *   const bg = texturedBackground(rng.fork('bg'), 128, 128);
 *   const shapes = placeShapes(rng.fork('shapes'), bg, 128, 128, { count: 3, rMin: 6, rMax: 36 });
 *   const vis = visibleShapes(shapes, 128, 128);       // per shape: mask, box [x0,y0,x1,y1], area
 *   const rgb = await renderScene({ width: 128, height: 128, background: bg, shapes, noiseSigma: 6, noiseSeed: 1 });
 *   await writeImage(rgb, 128, 128, 'a.png');
 * Also here: the demos' never-overwrite check (refuseExisting), shared by both writers.
 */

import { stat } from 'node:fs/promises';
import sharp from 'sharp';
import { Rng } from '../core/rng';

export const SHAPE_KINDS = ['circle', 'square', 'triangle', 'star', 'cross'] as const;
export type ShapeKind = (typeof SHAPE_KINDS)[number];
export type Rgb = [number, number, number];

export interface Shape {
  kind: ShapeKind;
  cx: number;
  cy: number;
  /** circumradius in px: the shape fits in the circle of radius r around (cx, cy). */
  r: number;
  /** rotation in radians (ignored for circles). */
  angle: number;
  color: Rgb;
}

export interface Scene {
  width: number;
  height: number;
  /** RGB uint8, width·height·3, row-major. */
  background: Uint8Array;
  /** drawn in order: later shapes cover earlier ones. */
  shapes: Shape[];
  /** σ of the Gaussian noise added to every channel of every pixel after drawing (0..255 scale). */
  noiseSigma: number;
  noiseSeed: number;
}

export interface VisibleShape {
  /** 1 where the shape is visible (inside it and not covered by a later shape), width·height. */
  mask: Uint8Array;
  /** visible pixel count. */
  area: number;
  /** tight box around the visible pixels, [x0, y0, x1, y1] in continuous coordinates (x1 = last column + 1); null if nothing is visible. */
  box: [number, number, number, number] | null;
}

const STAR_INNER = 0.45; // inner/outer radius of the star (a fatter star than the 0.382 pentagram: stays recognisable when small)
const CROSS_HALF = 0.32; // arm half-width / r

/** Polygon corners of a shape (x, y in px), or null for a circle. */
export function shapePolygon(s: Shape): [number, number][] | null {
  const at = (rad: number, a: number): [number, number] => [s.cx + rad * Math.cos(a), s.cy + rad * Math.sin(a)];
  switch (s.kind) {
    case 'circle':
      return null;
    case 'square':
      return [0, 1, 2, 3].map((k) => at(s.r, s.angle + Math.PI / 4 + (k * Math.PI) / 2));
    case 'triangle':
      return [0, 1, 2].map((k) => at(s.r, s.angle - Math.PI / 2 + (k * 2 * Math.PI) / 3));
    case 'star':
      return Array.from({ length: 10 }, (_, k) => at(k % 2 === 0 ? s.r : STAR_INNER * s.r, s.angle - Math.PI / 2 + (k * Math.PI) / 5));
    case 'cross': {
      const a = CROSS_HALF * s.r;
      const l = Math.sqrt(s.r * s.r - a * a); // arm end: corners (l, ±a) at distance r
      // Plus sign in its own frame, counter-clockwise from the right arm, then rotated.
      const local: [number, number][] = [[l, -a], [l, a], [a, a], [a, l], [-a, l], [-a, a], [-l, a], [-l, -a], [-a, -a], [-a, -l], [a, -l], [a, -a]];
      const c = Math.cos(s.angle);
      const sn = Math.sin(s.angle);
      return local.map(([x, y]) => [s.cx + c * x - sn * y, s.cy + sn * x + c * y]);
    }
  }
}

/** Even-odd point-in-polygon test (works for the concave star and cross). */
function insidePolygon(poly: [number, number][], x: number, y: number): boolean {
  let inside = false;
  for (let i = 0, j = poly.length - 1; i < poly.length; j = i++) {
    const [xi, yi] = poly[i];
    const [xj, yj] = poly[j];
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/** Pixel range [x0..x1] × [y0..y1] (inclusive, clipped to the image) that can hold the shape's pixel centres. */
export function shapePixelRange(s: Shape, width: number, height: number): [number, number, number, number] {
  return [Math.max(0, Math.floor(s.cx - s.r)), Math.max(0, Math.floor(s.cy - s.r)), Math.min(width - 1, Math.ceil(s.cx + s.r)), Math.min(height - 1, Math.ceil(s.cy + s.r))];
}

/** 1 at every pixel whose centre lies inside the shape (width·height, row-major). */
export function shapeMask(s: Shape, width: number, height: number): Uint8Array {
  const mask = new Uint8Array(width * height);
  const poly = shapePolygon(s);
  const [x0, y0, x1, y1] = shapePixelRange(s, width, height);
  const r2 = s.r * s.r;
  for (let y = y0; y <= y1; y++) {
    const py = y + 0.5;
    for (let x = x0; x <= x1; x++) {
      const px = x + 0.5;
      const inside = poly ? insidePolygon(poly, px, py) : (px - s.cx) ** 2 + (py - s.cy) ** 2 < r2;
      if (inside) mask[y * width + x] = 1;
    }
  }
  return mask;
}

/** Visible part of each shape (later shapes hide earlier ones), with its area and tight box. */
export function visibleShapes(shapes: readonly Shape[], width: number, height: number): VisibleShape[] {
  const covered = new Uint8Array(width * height); // union of the shapes drawn after the current one
  const out: VisibleShape[] = new Array(shapes.length);
  for (let k = shapes.length - 1; k >= 0; k--) {
    const mask = shapeMask(shapes[k], width, height);
    let area = 0;
    let bx0 = width, by0 = height, bx1 = -1, by1 = -1;
    for (let y = 0, i = 0; y < height; y++) {
      for (let x = 0; x < width; x++, i++) {
        if (!mask[i]) continue;
        if (covered[i]) {
          mask[i] = 0; // hidden by a later shape
          continue;
        }
        covered[i] = 1;
        area++;
        if (x < bx0) bx0 = x;
        if (x > bx1) bx1 = x;
        if (y < by0) by0 = y;
        if (y > by1) by1 = y;
      }
    }
    out[k] = { mask, area, box: area > 0 ? [bx0, by0, bx1 + 1, by1 + 1] : null };
  }
  return out;
}

/**
 * COCO uncompressed RLE of a row-major mask: `{ size: [h, w], counts }`, runs in column-major
 * (Fortran) order starting with a run of zeros, as pycocotools' `frPyObjects` reads it.
 */
export function maskToRle(mask: Uint8Array, width: number, height: number): { size: [number, number]; counts: number[] } {
  const counts: number[] = [];
  let cur = 0;
  let run = 0;
  for (let x = 0; x < width; x++) {
    for (let y = 0; y < height; y++) {
      const v = mask[y * width + x];
      if (v === cur) run++;
      else {
        counts.push(run);
        cur = v;
        run = 1;
      }
    }
  }
  counts.push(run);
  return { size: [height, width], counts };
}

const clamp255 = (v: number): number => (v < 0 ? 0 : v > 255 ? 255 : Math.round(v));

function randomColor(rng: Rng): Rgb {
  return [rng.int(256), rng.int(256), rng.int(256)];
}

const colorDistance = (a: Rgb, b: Rgb): number => Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);

/**
 * A textured background, RGB uint8 [height, width, 3]: colour = c1 + (c2 − c1)·t with the field
 * t ∈ [0, 1] a random mix of a linear gradient, stripes (sharpened sine, period 5–30% of the
 * image) and smooth blotches (value noise on a 3–7 cell grid, smoothstep-interpolated), plus a little
 * pixel-level grain. One of the three dominates (weight 0.6–1), the other two add 0–0.4 each.
 */
export function texturedBackground(rng: Rng, width: number, height: number): Uint8Array {
  let c1 = randomColor(rng);
  let c2 = randomColor(rng);
  for (let k = 0; k < 10 && colorDistance(c1, c2) < 60; k++) c2 = randomColor(rng); // a visible texture
  if (rng.bernoulli(0.5)) [c1, c2] = [c2, c1];
  const weights = [rng.range(0, 0.4), rng.range(0, 0.4), rng.range(0, 0.4)];
  weights[rng.int(3)] = rng.range(0.6, 1);
  const total = weights[0] + weights[1] + weights[2];
  // gradient: projection on a random direction, 0..1 across the image
  const ga = rng.range(0, 2 * Math.PI);
  const gx = Math.cos(ga);
  const gy = Math.sin(ga);
  const corners = [0, width].flatMap((x) => [0, height].map((y) => x * gx + y * gy));
  const gmin = Math.min(...corners);
  const gspan = Math.max(...corners) - gmin || 1;
  // stripes
  const sa = rng.range(0, Math.PI);
  const period = rng.range(0.05, 0.3) * Math.max(width, height);
  const sphase = rng.range(0, 2 * Math.PI);
  const hardness = rng.range(1, 6); // tanh(k·sin): 1 soft waves, 6 near-square bars
  const kx = (Math.cos(sa) * 2 * Math.PI) / period;
  const ky = (Math.sin(sa) * 2 * Math.PI) / period;
  // tanh(hardness·v)/tanh(hardness) for v ∈ [−1, 1], tabulated (2049 entries: error < 1e-3)
  const TANH_N = 2048;
  const tanhTab = Float64Array.from({ length: TANH_N + 1 }, (_, k) => Math.tanh(hardness * ((2 * k) / TANH_N - 1)) / Math.tanh(hardness));
  // blotches: value noise on a (g+1)×(g+1) lattice, smoothstep-interpolated
  const g = 3 + rng.int(5);
  const lattice = Float64Array.from({ length: (g + 1) * (g + 1) }, () => rng.uniform());
  const smooth = (u: number): number => u * u * (3 - 2 * u);
  const grain = rng.range(0, 0.06);
  // Everything separable is tabulated per column and per row:
  // sin(kx·x + ky·y + φ) = sin(kx·x)·cos(ky·y + φ) + cos(kx·x)·sin(ky·y + φ).
  const colSin = Float64Array.from({ length: width }, (_, x) => Math.sin(kx * x));
  const colCos = Float64Array.from({ length: width }, (_, x) => Math.cos(kx * x));
  const colIx = Int32Array.from({ length: width }, (_, x) => Math.min(g - 1, Math.floor(((x + 0.5) / width) * g)));
  const colFx = Float64Array.from({ length: width }, (_, x) => smooth(((x + 0.5) / width) * g - colIx[x]));
  const wg = weights[0] / total;
  const ws = weights[1] / total;
  const wb = weights[2] / total;
  const out = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    const ly = ((y + 0.5) / height) * g;
    const iy = Math.min(g - 1, Math.floor(ly));
    const fy = smooth(ly - iy);
    const rowSin = Math.sin(ky * y + sphase);
    const rowCos = Math.cos(ky * y + sphase);
    const r0 = iy * (g + 1);
    const r1 = (iy + 1) * (g + 1);
    for (let x = 0; x < width; x++) {
      const ix = colIx[x];
      const fx = colFx[x];
      const blot = (lattice[r0 + ix] * (1 - fx) + lattice[r0 + ix + 1] * fx) * (1 - fy) + (lattice[r1 + ix] * (1 - fx) + lattice[r1 + ix + 1] * fx) * fy;
      const grad = (x * gx + y * gy - gmin) / gspan;
      const sn = colSin[x] * rowCos + colCos[x] * rowSin; // sin(kx·x + ky·y + φ) ∈ [−1, 1]
      const stripe = 0.5 + 0.5 * tanhTab[Math.round((sn + 1) * 0.5 * TANH_N)];
      let t = wg * grad + ws * stripe + wb * blot + grain * (rng.uniform() - 0.5);
      t = t < 0 ? 0 : t > 1 ? 1 : t;
      const o = (y * width + x) * 3;
      out[o] = clamp255(c1[0] + (c2[0] - c1[0]) * t);
      out[o + 1] = clamp255(c1[1] + (c2[1] - c1[1]) * t);
      out[o + 2] = clamp255(c1[2] + (c2[2] - c1[2]) * t);
    }
  }
  return out;
}

export interface PlaceOptions {
  /** shapes to place (fewer if some cannot be placed after `attempts` tries each). */
  count: number;
  /** circumradius range in px, drawn log-uniformly (so small objects are as common as large ones per octave). */
  rMin: number;
  rMax: number;
  /** the kind of every shape; default: drawn uniformly from SHAPE_KINDS. */
  kind?: ShapeKind;
  /** at most this fraction of an earlier shape may be hidden by later ones. Default 0.4. */
  maxHidden?: number;
  /** tries per shape. Default 30. */
  attempts?: number;
  /** minimum RGB distance between a shape's colour and the background under it. Default 100. */
  minContrast?: number;
}

/**
 * Random shapes, entirely inside the image (≥ 1 px from every edge), each at least 60% visible
 * (maxHidden 0.4) after all are drawn, coloured to stand out from the background under them and
 * from the visible shapes they overlap. Visible masks are updated incrementally, only over the
 * candidate's pixel range.
 */
export function placeShapes(rng: Rng, bg: Uint8Array, width: number, height: number, opts: PlaceOptions): Shape[] {
  const maxHidden = opts.maxHidden ?? 0.4;
  const attempts = opts.attempts ?? 30;
  const minContrast = opts.minContrast ?? 100;
  const rCap = Math.min(width, height) / 2 - 1;
  const rMax = Math.min(opts.rMax, rCap);
  const rMin = Math.min(opts.rMin, rMax);
  const placed: { shape: Shape; vis: Uint8Array; visArea: number; fullArea: number }[] = [];
  for (let k = 0; k < opts.count; k++) {
    for (let a = 0; a < attempts; a++) {
      const r = Math.exp(rng.range(Math.log(rMin), Math.log(rMax) + 1e-12));
      const s: Shape = {
        kind: opts.kind ?? rng.pick(SHAPE_KINDS),
        cx: rng.range(r + 1, width - r - 1),
        cy: rng.range(r + 1, height - r - 1),
        r,
        angle: rng.range(0, 2 * Math.PI),
        color: [0, 0, 0],
      };
      const m = shapeMask(s, width, height);
      const [x0, y0, x1, y1] = shapePixelRange(s, width, height);
      let area = 0;
      const under = [0, 0, 0];
      const overlap = new Array<number>(placed.length).fill(0); // visible pixels of each placed shape the candidate would hide
      for (let y = y0; y <= y1; y++) {
        for (let x = x0; x <= x1; x++) {
          const i = y * width + x;
          if (!m[i]) continue;
          area++;
          for (let c = 0; c < 3; c++) under[c] += bg[i * 3 + c];
          for (let j = 0; j < placed.length; j++) overlap[j] += placed[j].vis[i];
        }
      }
      if (area < 4) continue;
      // Every earlier shape must keep ≥ (1 − maxHidden) of its pixels visible.
      if (placed.some((p, j) => p.visArea - overlap[j] < (1 - maxHidden) * p.fullArea)) continue;
      // Colour: far from the mean background under the shape and from the visible shapes it covers.
      const meanUnder: Rgb = [under[0] / area, under[1] / area, under[2] / area];
      const touching = placed.filter((_, j) => overlap[j] > 0).map((p) => p.shape.color);
      let best: Rgb = randomColor(rng);
      let bestScore = -1;
      for (let c = 0; c < 20; c++) {
        const col = randomColor(rng);
        const score = Math.min(colorDistance(col, meanUnder), ...touching.map((t) => colorDistance(col, t)));
        if (score > bestScore) [best, bestScore] = [col, score];
        if (score >= minContrast) break;
      }
      s.color = best;
      placed.forEach((p, j) => {
        if (overlap[j] === 0) return;
        for (let y = y0; y <= y1; y++) for (let x = x0; x <= x1; x++) if (m[y * width + x]) p.vis[y * width + x] = 0;
        p.visArea -= overlap[j];
      });
      placed.push({ shape: s, vis: m, visArea: area, fullArea: area });
      break;
    }
  }
  return placed.map((p) => p.shape);
}

const fmt = (v: number): string => (Math.round(v * 1000) / 1000).toString();

/** The shapes as an SVG document of the scene's size (what sharp composites). */
export function sceneSvg(shapes: readonly Shape[], width: number, height: number): string {
  const body = shapes.map((s) => {
    const fill = `rgb(${s.color[0]},${s.color[1]},${s.color[2]})`;
    const poly = shapePolygon(s);
    if (!poly) return `<circle cx="${fmt(s.cx)}" cy="${fmt(s.cy)}" r="${fmt(s.r)}" fill="${fill}"/>`;
    return `<polygon points="${poly.map(([x, y]) => `${fmt(x)},${fmt(y)}`).join(' ')}" fill="${fill}"/>`;
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">${body.join('')}</svg>`;
}

/** Draws a scene: background, shapes (sharp + librsvg), then Gaussian noise. RGB uint8 [h, w, 3]. */
export async function renderScene(scene: Scene): Promise<Uint8Array> {
  const { width, height } = scene;
  const bg = Buffer.from(scene.background.buffer, scene.background.byteOffset, scene.background.byteLength);
  const { data, info } = await sharp(bg, { raw: { width, height, channels: 3 } })
    .composite([{ input: Buffer.from(sceneSvg(scene.shapes, width, height)), top: 0, left: 0 }])
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (info.channels !== 3 || info.width !== width || info.height !== height) {
    throw new Error(`renderScene: sharp returned ${info.width}×${info.height}×${info.channels}, expected ${width}×${height}×3`);
  }
  const out = new Uint8Array(width * height * 3);
  const noise = new Rng(scene.noiseSeed);
  for (let i = 0; i < out.length; i++) out[i] = clamp255(data[i] + scene.noiseSigma * noise.normal());
  return out;
}

export type ImageFormat = 'png' | 'jpg';

/** Writes RGB uint8 pixels as PNG or JPEG (quality 92, 4:4:4 chroma: shape edges keep their colour). */
export async function writeImage(rgb: Uint8Array, width: number, height: number, path: string, format: ImageFormat = 'png'): Promise<void> {
  const img = sharp(Buffer.from(rgb.buffer, rgb.byteOffset, rgb.byteLength), { raw: { width, height, channels: 3 } });
  await (format === 'png' ? img.png() : img.jpeg({ quality: 92, chromaSubsampling: '4:4:4' })).toFile(path);
}

/** Whether a path exists (ENOENT → false; other fs errors are thrown). */
export async function pathExists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    (e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return false;
      throw e;
    },
  );
}

/**
 * The demos' never-overwrite rule (as writeDemoBrats words it): throws for the first of `paths`
 * that exists, e.g. "demo COCO: DIR/train already exists; not overwriting it (...)".
 */
export async function refuseExisting(label: string, paths: readonly string[], when = 'already exists'): Promise<void> {
  for (const p of paths) {
    if (await pathExists(p)) throw new Error(`${label}: ${p} ${when}; not overwriting it (choose another output folder or remove it)`);
  }
}
