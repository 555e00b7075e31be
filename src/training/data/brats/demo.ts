/**
 * Synthetic BraTS-like cases (DESIGN.md "Data": `frugal demo-data brats`), so the whole workflow
 * (discover → validate → train → predict → view) runs on a fresh machine with no download.
 *
 * Each case: a skull-stripped "brain" (an ellipsoid with a slightly wavy surface; background
 * exactly 0), white matter with smooth texture and a grey-matter rim, two CSF "ventricles", and
 * one tumour with nested sub-regions: oedema (2) ⊃ enhancing rim (ET: 4, or 3 in the 2023 scheme)
 * ⊃ necrotic core (1), each boundary a sphere whose radius is modulated by a few random low-order
 * harmonics of the direction. Every fourth case (index 2, 6, ...) has no enhancing tumour: a
 * non-enhancing core (1) in oedema, which exercises the empty-ET convention.
 *
 * Contrasts follow real MRI (relative to white matter, see CONTRAST): FLAIR and T2 bright in
 * oedema, T1ce bright in the enhancing rim and dark in necrosis, T1 slightly dark in tumour; CSF
 * is bright in T2 but dark in FLAIR, so T2 alone cannot tell oedema from ventricles. Region edges
 * are soft (partial volume), oedema fades outwards, and every modality has its own smooth bias
 * field and Gaussian noise, so intensities of neighbouring classes overlap a little.
 *
 * Deterministic: case i is a function of (seed, i, size, spacing) only (its Rng is
 * `new Rng(seed).fork('demo-case', i)`), and the gzip stream of the files is too.
 */

import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Rng } from '../../core/rng';
import { makeNiftiHeader, writeNifti } from '../nifti';
import { ET_LABEL, MODALITIES, SCHEME_SUFFIXES, type BratsScheme } from './discover';

export interface DemoBratsOptions {
  /** Dataset folder; created if missing. Existing case folders are never overwritten. */
  out: string;
  cases?: number; // default 8
  /** Grid in voxels: an edge length (cube) or [nx, ny, nz], e.g. [240, 240, 155] like BraTS. Default 64. */
  size?: number | [number, number, number];
  seed?: number; // default 0
  scheme?: BratsScheme; // file naming and ET label; default '2018-2021'
  /** Voxel size in mm [px, py, pz]; default 1 mm isotropic. Shapes are drawn in mm. */
  spacing?: [number, number, number];
}

export interface DemoCase {
  /** int16 intensities [t1, t1ce, t2, flair], each [nz, ny, nx] in NIfTI order. */
  modalities: Int16Array[];
  labels: Uint8Array; // [nz, ny, nx]
  etEmpty: boolean;
}

/**
 * Tissue values relative to white matter, per modality [t1, t1ce, t2, flair]. WM sits at
 * BASE intensity; e.g. oedema on FLAIR is 2.0 × 600 ≈ 1200 against ≈ 600–750 for healthy tissue.
 */
const BASE = [900, 950, 700, 600];
const CONTRAST = {
  wm: [1, 1, 1, 1],
  gm: [0.78, 0.8, 1.3, 1.25],
  csf: [0.35, 0.35, 2.6, 0.35], // bright on T2, suppressed on FLAIR
  oedema: [0.82, 0.88, 1.9, 2.0],
  enhancing: [0.85, 1.9, 1.55, 1.6],
  necrosis: [0.6, 0.45, 2.3, 1.3],
  nonEnhancing: [0.7, 0.74, 1.8, 1.55], // the core of ET-empty cases: no T1ce uptake
};
const NOISE = 0.035; // Gaussian noise σ, as a fraction of BASE
const EDGE_MM = 0.6; // soft-edge width of tumour regions (logistic scale)

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));
const smoothstep = (a: number, b: number, x: number): number => {
  const t = Math.min(1, Math.max(0, (x - a) / (b - a)));
  return t * t * (3 - 2 * t);
};

function unitVector(rng: Rng): [number, number, number] {
  for (;;) {
    const v: [number, number, number] = [rng.normal(), rng.normal(), rng.normal()];
    const n = Math.hypot(...v);
    if (n > 1e-6) return [v[0] / n, v[1] / n, v[2] / n];
  }
}

/** r(u) = 1 + Σ a_k cos(f_k (u·v_k) + φ_k): a smooth wobble of a radius over directions u. */
interface Harmonics {
  a: number[];
  f: number[];
  phase: number[];
  v: [number, number, number][];
}

function randomHarmonics(rng: Rng, n: number, maxAmp: number): Harmonics {
  const h: Harmonics = { a: [], f: [], phase: [], v: [] };
  for (let k = 0; k < n; k++) {
    h.a.push(rng.range(0, maxAmp));
    h.f.push(rng.range(1, 3.5));
    h.phase.push(rng.range(0, 2 * Math.PI));
    h.v.push(unitVector(rng));
  }
  return h;
}

function wobble(h: Harmonics, ux: number, uy: number, uz: number): number {
  let r = 1;
  for (let k = 0; k < h.a.length; k++) {
    const v = h.v[k];
    r += h.a[k] * Math.cos(h.f[k] * (ux * v[0] + uy * v[1] + uz * v[2]) + h.phase[k]);
  }
  return r;
}

/** Σ_k A_k exp(−|p − m_k|² / 2s_k²) tabulated per axis (Gaussians separate), for a smooth texture. */
interface Blobs {
  amp: number[];
  ex: Float32Array[];
  ey: Float32Array[];
  ez: Float32Array[];
}

function randomBlobs(rng: Rng, n: number, axesMM: number[][], centre: number[], semi: number[]): Blobs {
  const b: Blobs = { amp: [], ex: [], ey: [], ez: [] };
  const scale = Math.min(...semi);
  for (let k = 0; k < n; k++) {
    b.amp.push(rng.range(-1, 1));
    const s = rng.range(0.15, 0.4) * scale;
    const tab = (axis: number): Float32Array => {
      const m = centre[axis] + rng.range(-0.8, 0.8) * semi[axis];
      return Float32Array.from(axesMM[axis], (p) => Math.exp(-((p - m) ** 2) / (2 * s * s)));
    };
    b.ex.push(tab(0));
    b.ey.push(tab(1));
    b.ez.push(tab(2));
  }
  return b;
}

/** Multiplicative bias field exp(Σ_axis α x + γ x²), x ∈ [−1, 1] across the grid: about ±10%. */
function biasTables(rng: Rng, dims: number[]): Float32Array[] {
  return dims.map((n) => {
    const alpha = rng.range(-0.06, 0.06);
    const gamma = rng.range(-0.05, 0.05);
    return Float32Array.from({ length: n }, (_, i) => {
      const x = n > 1 ? (2 * i) / (n - 1) - 1 : 0;
      return Math.exp(alpha * x + gamma * x * x);
    });
  });
}

interface Region {
  radius: number; // mm
  shape: Harmonics;
}

/** Generates one case in memory. `dims` = [nx, ny, nz] voxels, `spacing` = [px, py, pz] mm. */
export function generateDemoCase(
  rng: Rng,
  dims: [number, number, number],
  spacing: [number, number, number] = [1, 1, 1],
  opts: { etEmpty?: boolean; etLabel?: 3 | 4 } = {},
): DemoCase {
  const [nx, ny, nz] = dims;
  const etEmpty = opts.etEmpty ?? false;
  const etLabel = opts.etLabel ?? 4;
  // Voxel centres in mm, relative to the grid centre.
  const axesMM = dims.map((n, a) => Array.from({ length: n }, (_, i) => (i - (n - 1) / 2) * spacing[a]));
  const extent = dims.map((n, a) => n * spacing[a]);

  // Brain: ellipsoid near the centre, semi-axes 34–43% of the field of view.
  const brainC = extent.map((e) => rng.range(-0.04, 0.04) * e);
  const semi = extent.map((e) => rng.range(0.34, 0.43) * e);
  const brainShape = randomHarmonics(rng, 3, 0.03);

  // Ventricles: two small ellipsoids either side of the midline.
  const ventC = [-1, 1].map((side) => [brainC[0] + side * 0.16 * semi[0], brainC[1] + rng.range(-0.1, 0.1) * semi[1], brainC[2] + rng.range(0, 0.15) * semi[2]]);
  const ventSemi = [0.09 * semi[0], rng.range(0.22, 0.32) * semi[1], 0.13 * semi[2]];

  // Tumour: oedema radius 35–60% of the smallest brain semi-axis; centre moved in until the
  // tumour (with its wobble) lies inside the brain.
  const minSemi = Math.min(...semi);
  const edR = rng.range(0.35, 0.6) * minSemi;
  const dir = unitVector(rng);
  let off = rng.range(0, 0.6);
  const tumC = [0, 0, 0];
  for (;;) {
    for (let a = 0; a < 3; a++) tumC[a] = brainC[a] + off * dir[a] * semi[a];
    // Farthest point of the oedema (radius ≤ 1.12 edR) along each axis must stay at ρ < 0.9.
    const fits = [0, 1, 2].every((a) =>
      [-1, 1].every((s) => {
        let rho2 = 0;
        for (let b = 0; b < 3; b++) rho2 += ((tumC[b] + (a === b ? s * 1.12 * edR : 0) - brainC[b]) / semi[b]) ** 2;
        return rho2 < 0.81;
      }),
    );
    if (fits || off < 1e-3) break;
    off *= 0.8;
  }
  // Inner radii are 0.5–0.76 of the outer ones (wobble ±12%), clipped below to nest strictly.
  // Volumes come out roughly like BraTS glioblastomas: oedema about half of the whole tumour.
  const oedema: Region = { radius: edR, shape: randomHarmonics(rng, 4, 0.03) };
  const enhancing: Region = { radius: edR * rng.range(0.6, 0.76), shape: randomHarmonics(rng, 4, 0.03) };
  const core: Region = etEmpty
    ? { radius: edR * rng.range(0.45, 0.7), shape: randomHarmonics(rng, 4, 0.03) }
    : { radius: enhancing.radius * rng.range(0.5, 0.72), shape: randomHarmonics(rng, 4, 0.03) };
  const coreContrast = etEmpty ? CONTRAST.nonEnhancing : CONTRAST.necrosis;

  const tissue = randomBlobs(rng, 6, axesMM, brainC, semi); // grey/white mixture
  const grain = randomBlobs(rng, 6, axesMM, brainC, semi); // ±6% multiplicative texture
  const bias = MODALITIES.map(() => biasTables(rng, dims));

  const n = nx * ny * nz;
  const labels = new Uint8Array(n);
  const modalities = MODALITIES.map(() => new Int16Array(n));
  const noiseRng = rng.fork('noise');
  const reach = 1.12 * edR + 8 * EDGE_MM; // beyond this distance from the tumour centre, no tumour weight
  const v = new Float64Array(4); // per-modality relative intensity of the current voxel
  // A 6-neighbour is ≤ max spacing away, and the wobble (slope ≤ 4·0.03·3.5 = 0.42 per radian)
  // moves a boundary by ≤ 0.42 spacing between neighbours: a gap of 2 spacings keeps the nesting
  // visible at voxel level (every ET voxel's neighbours are tumour; the core is wrapped in ET).
  const gap = 2 * Math.max(...spacing);

  for (let z = 0, i = 0; z < nz; z++) {
    const pz = axesMM[2][z];
    for (let y = 0; y < ny; y++) {
      const py = axesMM[1][y];
      for (let x = 0; x < nx; x++, i++) {
        const px = axesMM[0][x];
        // Brain membership: normalised ellipsoidal radius against a wobbly surface.
        const ex = (px - brainC[0]) / semi[0];
        const ey = (py - brainC[1]) / semi[1];
        const ez = (pz - brainC[2]) / semi[2];
        const rho = Math.sqrt(ex * ex + ey * ey + ez * ez);
        if (rho > 1.1) continue; // max wobble is 1 + 3·0.03 = 1.09
        const surface = rho < 0.7 ? 1 : wobble(brainShape, ex / rho, ey / rho, ez / rho);
        if (rho >= surface) continue;

        // Healthy tissue: WM/GM mixture t from texture plus a cortical rim.
        let tex = 0;
        let gr = 0;
        for (let k = 0; k < tissue.amp.length; k++) {
          tex += tissue.amp[k] * tissue.ex[k][x] * tissue.ey[k][y] * tissue.ez[k][z];
          gr += grain.amp[k] * grain.ex[k][x] * grain.ey[k][y] * grain.ez[k][z];
        }
        const t = Math.min(1, Math.max(0, 0.25 + 0.35 * tex + smoothstep(0.8, 0.95, rho / surface)));
        for (let m = 0; m < 4; m++) v[m] = CONTRAST.wm[m] * (1 - t) + CONTRAST.gm[m] * t;

        // Tumour weights (soft, for intensities) and label (hard, at weight 0.5).
        const dx = px - tumC[0];
        const dy = py - tumC[1];
        const dz = pz - tumC[2];
        const dist = Math.sqrt(dx * dx + dy * dy + dz * dz);
        let wEd = 0;
        if (dist < reach) {
          const ux = dist > 1e-9 ? dx / dist : 1;
          const uy = dist > 1e-9 ? dy / dist : 0;
          const uz = dist > 1e-9 ? dz / dist : 0;
          // Each inner boundary stays ≥ GAP inside the next, so voxel neighbours never skip a shell.
          const rEd = oedema.radius * wobble(oedema.shape, ux, uy, uz);
          const rEt = etEmpty ? 0 : Math.min(enhancing.radius * wobble(enhancing.shape, ux, uy, uz), rEd - gap);
          const rCore = Math.min(core.radius * wobble(core.shape, ux, uy, uz), (etEmpty ? rEd : rEt) - gap);
          wEd = sigmoid((rEd - dist) / EDGE_MM);
          const wEt = etEmpty ? 0 : sigmoid((rEt - dist) / EDGE_MM);
          const wCore = sigmoid((rCore - dist) / EDGE_MM);
          const fade = 1 - 0.4 * Math.min(1, dist / rEd) ** 2; // oedema is strongest near the tumour
          if (dist < rCore) labels[i] = 1;
          else if (dist < rEt) labels[i] = etLabel;
          else if (dist < rEd) labels[i] = 2;
          for (let m = 0; m < 4; m++) {
            v[m] += (CONTRAST.oedema[m] - v[m]) * wEd * fade;
            v[m] += (CONTRAST.enhancing[m] - v[m]) * wEt;
            v[m] += (coreContrast[m] - v[m]) * wCore;
          }
        }

        // Ventricles, pushed aside (hidden) where the tumour is.
        let wV = 0;
        for (const c of ventC) {
          const r2 = ((px - c[0]) / ventSemi[0]) ** 2 + ((py - c[1]) / ventSemi[1]) ** 2 + ((pz - c[2]) / ventSemi[2]) ** 2;
          wV = Math.max(wV, sigmoid((1 - Math.sqrt(r2)) / 0.08));
        }
        wV *= 1 - wEd;

        for (let m = 0; m < 4; m++) {
          const rel = (v[m] + (CONTRAST.csf[m] - v[m]) * wV) * (1 + 0.06 * gr);
          const b = bias[m];
          const val = BASE[m] * (rel * b[0][x] * b[1][y] * b[2][z] + NOISE * noiseRng.normal());
          // Inside the brain every voxel stays ≥ 1, so "non-zero" is exactly the brain mask.
          modalities[m][i] = Math.min(32767, Math.max(1, Math.round(val)));
        }
      }
    }
  }
  return { modalities, labels, etEmpty };
}

/** Case i (0-based) has no enhancing tumour when i % 4 === 2: 2 of the default 8 cases. */
export const isEtEmptyDemoCase = (i: number): boolean => i % 4 === 2;

export function demoCaseId(i: number, count: number, scheme: BratsScheme): string {
  const num = String(i + 1).padStart(Math.max(3, String(count).length), '0');
  return scheme === '2023' ? `Demo-${num}` : `Demo_${num}`;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    (e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return false;
      throw e;
    },
  );
}

/**
 * Writes `cases` synthetic cases as `<out>/<id>/<id>_<modality>.nii.gz` (int16 modalities,
 * uint8 seg). Refuses, before writing anything, if any case folder already exists. Each case is
 * written into a hidden temporary folder and renamed into place, so a crash leaves no half case.
 */
export async function writeDemoBrats(opts: DemoBratsOptions): Promise<{ caseIds: string[]; dirs: string[]; etEmptyIds: string[] }> {
  const count = opts.cases ?? 8;
  const seed = opts.seed ?? 0;
  const scheme = opts.scheme ?? '2018-2021';
  const size = opts.size ?? 64;
  const dims: [number, number, number] = typeof size === 'number' ? [size, size, size] : [size[0], size[1], size[2]];
  const spacing = opts.spacing ?? [1, 1, 1];
  if (!(Number.isInteger(count) && count >= 1)) throw new Error(`demo BraTS: cases must be a positive integer, got ${count}`);
  for (const d of dims) if (!(Number.isInteger(d) && d >= 8 && d <= 1024)) throw new Error(`demo BraTS: size must be integers in 8..1024 voxels, got ${dims.join('×')}`);

  const ids = Array.from({ length: count }, (_, i) => demoCaseId(i, count, scheme));
  const dirs = ids.map((id) => join(opts.out, id));
  for (const d of dirs) {
    if (await exists(d)) throw new Error(`demo BraTS: case folder ${d} already exists; not overwriting it (choose another output folder or remove it)`);
  }
  await mkdir(opts.out, { recursive: true });

  const sfx = SCHEME_SUFFIXES[scheme];
  const root = new Rng(seed);
  const header = makeNiftiHeader(dims, spacing, { datatype: 'int16' });
  const segHeader = makeNiftiHeader(dims, spacing, { datatype: 'uint8' });
  for (let i = 0; i < count; i++) {
    const c = generateDemoCase(root.fork('demo-case', i), dims, spacing, { etEmpty: isEtEmptyDemoCase(i), etLabel: ET_LABEL[scheme] });
    const tmp = join(opts.out, `.${ids[i]}.tmp-${process.pid}`);
    await rm(tmp, { recursive: true, force: true });
    await mkdir(tmp);
    try {
      for (const [m, key] of MODALITIES.entries()) {
        await writeNifti(join(tmp, `${ids[i]}${sfx[key]}.nii.gz`), header, c.modalities[m], { datatype: 'int16' });
      }
      await writeNifti(join(tmp, `${ids[i]}${sfx.seg}.nii.gz`), segHeader, c.labels, { datatype: 'uint8' });
      if (await exists(dirs[i])) throw new Error(`demo BraTS: case folder ${dirs[i]} appeared while writing; not overwriting it`);
      await rename(tmp, dirs[i]);
    } catch (e) {
      await rm(tmp, { recursive: true, force: true });
      throw e;
    }
  }
  return { caseIds: ids, dirs, etEmptyIds: ids.filter((_, i) => isEtEmptyDemoCase(i)) };
}
