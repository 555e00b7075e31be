/**
 * FCOS training targets, host-side (typed arrays, one image at a time): which feature-map
 * locations are positive for which ground-truth box, and what they regress (Tian et al. 2019,
 * arXiv 1904.01355 §3.1–3.2; center sampling and stride-normalised targets from FCOS v2 /
 * MMDetection `fcos_head.py` `_get_target_single`, `norm_on_bbox`).
 *
 * Locations: level i with stride s and an H_i×W_i feature map has points
 *   (x, y) = (s/2 + j·s, s/2 + k·s),  j < W_i, k < H_i
 * in input pixels, ordered level by level, row-major (k, then j) — the order of
 * flattenFcosOutputs in fcos-head.ts. ltrb of a point for a gt box (x1, y1, x2, y2):
 *   l = x − x1, t = y − y1, r = x2 − x, b = y2 − y.
 * A point is positive for a gt when
 *   (a) it lies strictly inside the box: min(l,t,r,b) > 0; with center sampling (radius ρ, FCOS v2
 *       default ρ = 1.5, on here) strictly inside the box ∩ the square of half-side ρ·s around the
 *       box centre ((x1+x2)/2, (y1+y2)/2) instead;
 *   (b) lo_i ≤ max(l,t,r,b) ≤ hi_i, the level's regression range (both ends inclusive, as MMDetection).
 * A point positive for several gts takes the one with the smallest area (ties: the first gt).
 * Ranges: FCOS uses [0,64],[64,128],[128,256],[256,512],[512,∞] for strides 8..128, i.e. upper
 * bound 8·stride; fcosDefaultRanges derives the same rule for any strides (strides 4, 8, 16, 32 →
 * [0,32],[32,64],[64,128],[128,∞], the last level open), suiting ~128-px demo images.
 * Targets per point: class (−1 = background), ltrb / s (normalised by the level's stride, to match
 * the head's relu(s_i·t) parameterisation), centerness = sqrt(min(l,r)/max(l,r) · min(t,b)/max(t,b))
 * (paper eq. 3; 0 for background).
 *
 * Usage:
 *   const levels = fcosLevelsOf(outs, cfg.strides);   // [{stride, height, width}, …]
 *   const t = fcosTargets({ boxes: [x1, y1, x2, y2, …], classes: [c, …] }, levels, { source: 'train.json image 17' });
 *   t.labels [N], t.ltrb [N·4], t.centerness [N], t.numPositives
 */

export interface FcosLevel {
  readonly stride: number; // input pixels per feature-map cell
  readonly height: number; // feature map H_i
  readonly width: number; // feature map W_i
}

export interface FcosGt {
  readonly boxes: ArrayLike<number>; // [n·4] xyxy in input pixels, x2 > x1, y2 > y1
  readonly classes: ArrayLike<number>; // [n] integer class indices ≥ 0
}

export interface FcosTargetOptions {
  /** Per level [lo, hi] for max(l,t,r,b) in pixels; default fcosDefaultRanges(strides). */
  readonly ranges?: readonly (readonly [number, number])[];
  /** Center-sampling radius ρ in strides (FCOS v2: 1.5); 0 = the whole box (FCOS v1). Default 1.5. */
  readonly centerSampling?: number;
  /** Names the input in error messages (e.g. 'instances.json, image 42'). */
  readonly source?: string;
}

export const FCOS_CENTER_SAMPLING = 1.5; // FCOS v2 / MMDetection center_sample_radius

export interface FcosTargets {
  readonly numLocations: number; // N = Σ H_i·W_i
  readonly labels: Int32Array; // [N] class index, −1 = background
  readonly ltrb: Float32Array; // [N·4] (l,t,r,b)/stride at positives, 0 at background
  readonly centerness: Float32Array; // [N] at positives, 0 at background
  readonly gtIndex: Int32Array; // [N] assigned gt, −1 = background
  readonly numPositives: number;
}

export interface FcosLocations {
  readonly xy: Float32Array; // [N·2] (x, y) in input pixels
  readonly stride: Float32Array; // [N] stride of each point's level
  readonly levelStart: readonly number[]; // [L+1] first flat index of each level; last = N
}

/** Upper bound of level i = factor·stride_i (FCOS: 8·stride), lower bound = the previous upper bound (0 first), last level open. */
export function fcosDefaultRanges(strides: readonly number[], factor = 8): [number, number][] {
  return strides.map((s, i) => [i === 0 ? 0 : factor * strides[i - 1], i === strides.length - 1 ? Infinity : factor * s]);
}

export function fcosLocations(levels: readonly FcosLevel[]): FcosLocations {
  levels.forEach((l, i) => {
    for (const f of ['stride', 'height', 'width'] as const) {
      if (!Number.isInteger(l[f]) || l[f] < 1) throw new Error(`FCOS targets: level ${i} ${f} = ${String(l[f])} must be an integer ≥ 1`);
    }
  });
  const levelStart = [0];
  for (const l of levels) levelStart.push(levelStart[levelStart.length - 1] + l.height * l.width);
  const N = levelStart[levels.length];
  const xy = new Float32Array(2 * N);
  const stride = new Float32Array(N);
  levels.forEach((l, i) => {
    let n = levelStart[i];
    for (let k = 0; k < l.height; k++) {
      for (let j = 0; j < l.width; j++, n++) {
        xy[2 * n] = l.stride / 2 + j * l.stride;
        xy[2 * n + 1] = l.stride / 2 + k * l.stride;
        stride[n] = l.stride;
      }
    }
  });
  return { xy, stride, levelStart };
}

/** Targets for one image; see the header for the rules. */
export function fcosTargets(gt: FcosGt, levels: readonly FcosLevel[], opts: FcosTargetOptions = {}): FcosTargets {
  const where = opts.source ? `${opts.source}: ` : '';
  const ranges = opts.ranges ?? fcosDefaultRanges(levels.map((l) => l.stride));
  const radius = opts.centerSampling ?? FCOS_CENTER_SAMPLING;
  if (ranges.length !== levels.length) throw new Error(`FCOS targets: ${ranges.length} regression ranges for ${levels.length} levels`);
  ranges.forEach(([lo, hi], i) => {
    if (!(lo >= 0) || !(hi >= lo)) throw new Error(`FCOS targets: ranges[${i}] = [${lo}, ${hi}] must satisfy 0 ≤ lo ≤ hi`);
  });
  if (!(radius >= 0) || !Number.isFinite(radius)) throw new Error(`FCOS targets: centerSampling = ${radius} must be a finite number ≥ 0`);
  const G = checkGt(gt, where);

  const loc = fcosLocations(levels);
  const N = loc.stride.length;
  const labels = new Int32Array(N).fill(-1);
  const gtIndex = new Int32Array(N).fill(-1);
  const ltrb = new Float32Array(4 * N);
  const centerness = new Float32Array(N);
  const b = gt.boxes;
  const area = new Float64Array(G);
  for (let g = 0; g < G; g++) area[g] = (b[4 * g + 2] - b[4 * g]) * (b[4 * g + 3] - b[4 * g + 1]);

  let numPositives = 0;
  levels.forEach((lvl, li) => {
    const [lo, hi] = ranges[li];
    const rad = radius * lvl.stride;
    for (let n = loc.levelStart[li]; n < loc.levelStart[li + 1]; n++) {
      const x = loc.xy[2 * n];
      const y = loc.xy[2 * n + 1];
      let best = -1;
      let bestArea = Infinity;
      for (let g = 0; g < G; g++) {
        const x1 = b[4 * g], y1 = b[4 * g + 1], x2 = b[4 * g + 2], y2 = b[4 * g + 3];
        const l = x - x1, t = y - y1, r = x2 - x, bo = y2 - y;
        // (a) inside the box, or inside box ∩ centre square when sampling
        let cx1 = x1, cy1 = y1, cx2 = x2, cy2 = y2;
        if (rad > 0) {
          const cx = (x1 + x2) / 2, cy = (y1 + y2) / 2;
          cx1 = Math.max(cx - rad, x1);
          cy1 = Math.max(cy - rad, y1);
          cx2 = Math.min(cx + rad, x2);
          cy2 = Math.min(cy + rad, y2);
        }
        if (!(Math.min(x - cx1, y - cy1, cx2 - x, cy2 - y) > 0)) continue;
        // (b) regression range of this level
        const m = Math.max(l, t, r, bo);
        if (m < lo || m > hi) continue;
        if (area[g] < bestArea) {
          bestArea = area[g];
          best = g;
        }
      }
      if (best < 0) continue;
      const x1 = b[4 * best], y1 = b[4 * best + 1], x2 = b[4 * best + 2], y2 = b[4 * best + 3];
      const l = x - x1, t = y - y1, r = x2 - x, bo = y2 - y;
      labels[n] = gt.classes[best];
      gtIndex[n] = best;
      ltrb[4 * n] = l / lvl.stride;
      ltrb[4 * n + 1] = t / lvl.stride;
      ltrb[4 * n + 2] = r / lvl.stride;
      ltrb[4 * n + 3] = bo / lvl.stride;
      // l, t, r, b > 0 here whether or not center sampling is on (the centre square lies inside the box).
      centerness[n] = Math.sqrt((Math.min(l, r) / Math.max(l, r)) * (Math.min(t, bo) / Math.max(t, bo)));
      numPositives++;
    }
  });
  return { numLocations: N, labels, ltrb, centerness, gtIndex, numPositives };
}

/** Validates the gt arrays; returns the number of boxes. */
function checkGt(gt: FcosGt, where: string): number {
  const b = gt.boxes;
  if (b.length % 4 !== 0) throw new Error(`${where}FCOS targets: gt boxes have ${b.length} numbers, not a multiple of 4 (xyxy per box)`);
  const G = b.length / 4;
  if (gt.classes.length !== G) throw new Error(`${where}FCOS targets: ${G} gt boxes but ${gt.classes.length} classes`);
  for (let g = 0; g < G; g++) {
    const box = [b[4 * g], b[4 * g + 1], b[4 * g + 2], b[4 * g + 3]];
    if (!box.every(Number.isFinite)) throw new Error(`${where}FCOS targets: gt box ${g} [${box}] has a non-finite coordinate`);
    if (!(box[2] > box[0] && box[3] > box[1])) throw new Error(`${where}FCOS targets: gt box ${g} [${box}] is empty (needs x2 > x1 and y2 > y1)`);
    const c = gt.classes[g];
    if (!Number.isInteger(c) || c < 0) throw new Error(`${where}FCOS targets: gt ${g} class ${String(c)} must be an integer ≥ 0`);
  }
  return G;
}
