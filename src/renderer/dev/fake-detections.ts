/**
 * Dev-only: a finished object-detection run ('revbifpn-detect') for the in-memory fake API, with
 * the detections.json a real run stores (src/shared/detections.ts), and the images themselves as
 * small SVG scenes drawn from their ground truth (so the boxes sit on something). The mix is what
 * the viewer must show: found objects, duplicates and strays (false positives), missed objects, a
 * crowd region, an image without ground truth (AP50 null), a class without ground truth (AP -1,
 * shown '—') and one image whose file cannot be loaded. Numbers are made up but consistent: each
 * image's AP50 and each class's AP50/AR100 are computed from the fake boxes (101-point
 * interpolated AP at IoU 0.5, as COCOeval samples it).
 */
import type { DetectionBox, DetectionImage, DetectionResults } from '../../shared/detections';
import { DETECTIONS_FILE } from '../../shared/detections';
import type { EngineEventInput } from '../../shared/events';
import { categoryColor } from '../lib/colormap';
import { matchImage, type PredStatus } from '../lib/detections';
import { rng } from './fake-methods';

export const DETECTION_EXPERIMENT = 'revbifpn-detect';
const DATA = '/home/user/coco-mini';
const IMAGES = `${DATA}/val2017`;

// A few COCO categories with their real ids (instances_val2017.json); 'bus' gets no ground truth.
const CATEGORIES = [
  { id: 1, name: 'person' },
  { id: 2, name: 'bicycle' },
  { id: 3, name: 'car' },
  { id: 6, name: 'bus' },
  { id: 16, name: 'bird' },
  { id: 17, name: 'cat' },
  { id: 18, name: 'dog' },
];
const WITH_GT = CATEGORIES.filter((c) => c.id !== 6);
const SIZES: [number, number][] = [
  [640, 480],
  [640, 427],
  [480, 640],
  [612, 612],
  [640, 360],
];
const N_IMAGES = 24;
const MISSING_INDEX = 7; // this image's file "cannot be loaded"
const EMPTY_INDEX = 11; // no ground truth: its AP50 is null
const CROWD_INDEX = 4; // a crowd of people

const round = (v: number): number => Math.round(v * 100) / 100;

function fakeImage(i: number): DetectionImage {
  const r = rng(1000 + i);
  const [width, height] = SIZES[i % SIZES.length];
  const id = 139 + i * 97;
  const file = `${IMAGES}/${String(id).padStart(12, '0')}${i === MISSING_INDEX ? '-missing' : ''}.jpg`;
  const gt: DetectionBox[] = [];
  const nGt = i === EMPTY_INDEX ? 0 : 1 + Math.floor(r() * 4);
  for (let k = 0; k < nGt; k++) {
    const w = width * (0.12 + r() * 0.3);
    const h = height * (0.15 + r() * 0.35);
    gt.push({ bbox: [round(r() * (width - w)), round(r() * (height - h)), round(w), round(h)], categoryId: WITH_GT[Math.floor(r() * WITH_GT.length)].id });
  }
  if (i === CROWD_INDEX) gt.push({ bbox: [10, height * 0.55, width * 0.6, height * 0.4], categoryId: 1, iscrowd: true });
  const detections: DetectionImage['detections'] = [];
  for (const g of gt) {
    if (g.iscrowd) {
      detections.push({ bbox: [40, height * 0.6, 60, 90], categoryId: 1, score: 0.41 }); // on the crowd: ignored
      continue;
    }
    if (r() < 0.2) continue; // missed
    const [x, y, w, h] = g.bbox;
    const j = () => (r() - 0.5) * 0.16; // ±8% jitter: IoU mostly above 0.5
    const score = 0.35 + r() * 0.6;
    detections.push({ bbox: [round(x + j() * w), round(y + j() * h), round(w * (1 + j())), round(h * (1 + j()))], categoryId: g.categoryId, score: round(score) });
    if (r() < 0.25) detections.push({ bbox: [round(x + 0.3 * w), round(y), round(w * 0.7), round(h * 0.6)], categoryId: g.categoryId, score: round(score * 0.6 * 100) / 100 }); // a duplicate
  }
  const strays = Math.floor(r() * 3);
  for (let k = 0; k < strays; k++) {
    const c = CATEGORIES[Math.floor(r() * CATEGORIES.length)];
    detections.push({ bbox: [round(r() * width * 0.8), round(r() * height * 0.8), round(width * 0.12), round(height * 0.15)], categoryId: c.id, score: round((0.06 + r() * 0.5) * 100) / 100 });
  }
  detections.sort((a, b) => b.score - a.score);
  const image: DetectionImage = { id, file, width, height, gt, detections, ap50: null };
  return { ...image, ap50: image.gt.some((g) => !g.iscrowd) ? ap50Of([image]) : null };
}

/** 101-point interpolated AP at IoU 0.5 over the categories with ground truth in `images` (COCOeval's sampling). */
function apOf(statuses: PredStatus[], scores: number[], nGt: number): number {
  const order = scores.map((s, k) => [s, k] as const).sort((a, b) => b[0] - a[0]).map(([, k]) => statuses[k]).filter((s) => s !== 'ignored');
  let tp = 0;
  const prec: number[] = [];
  const rec: number[] = [];
  order.forEach((s, k) => {
    if (s === 'tp') tp++;
    prec.push(tp / (k + 1));
    rec.push(tp / nGt);
  });
  for (let k = prec.length - 2; k >= 0; k--) prec[k] = Math.max(prec[k], prec[k + 1]);
  let sum = 0;
  for (let t = 0; t <= 100; t++) {
    const k = rec.findIndex((x) => x >= t / 100);
    sum += k >= 0 ? prec[k] : 0;
  }
  return sum / 101;
}

function perClass(images: DetectionImage[], categoryId: number): { ap50: number; recall: number; numGt: number } | null {
  const statuses: PredStatus[] = [];
  const scores: number[] = [];
  let numGt = 0;
  for (const img of images) {
    const m = matchImage(img, 0);
    numGt += m.gts.filter((g) => g.box.categoryId === categoryId && g.status !== 'crowd').length;
    for (const p of m.preds.filter((x) => x.box.categoryId === categoryId)) {
      statuses.push(p.status);
      scores.push(p.box.score);
    }
  }
  if (!numGt) return null;
  return { ap50: apOf(statuses, scores, numGt), recall: statuses.filter((s) => s === 'tp').length / numGt, numGt };
}

function ap50Of(images: DetectionImage[]): number {
  const aps = CATEGORIES.map((c) => perClass(images, c.id)).filter((x): x is NonNullable<typeof x> => x !== null);
  return round(aps.reduce((a, x) => a + x.ap50, 0) / aps.length);
}

const mean = (xs: number[]): number => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : -1);

let cached: DetectionResults | null = null;

/** The run's detections.json as 'runs:getDetections' answers it (built once: it is deterministic). */
export function fakeDetections(): DetectionResults {
  return (cached ??= buildDetections());
}

function buildDetections(): DetectionResults {
  const images = Array.from({ length: N_IMAGES }, (_, i) => fakeImage(i));
  const perCategory = CATEGORIES.map((c) => {
    const s = perClass(images, c.id);
    // AP over IoU 0.5:0.95 runs ~0.6 of AP50 for a detector of this quality (COCO leaderboards).
    return s ? { id: c.id, name: c.name, AP: round(s.ap50 * 0.62), AP50: round(s.ap50), AR100: round(s.recall * 0.7), numGt: s.numGt } : { id: c.id, name: c.name, AP: -1, AP50: -1, AR100: -1, numGt: 0 };
  });
  const valid = perCategory.filter((c) => c.AP !== -1);
  const AP = round(mean(valid.map((c) => c.AP)));
  const AR100 = round(mean(valid.map((c) => c.AR100)));
  return {
    split: 'val2017',
    dataset: DATA,
    imagesRoot: IMAGES,
    checkpoint: 'best',
    createdAt: new Date(Date.UTC(2025, 10, 23, 16, 40)).toISOString(),
    categories: CATEGORIES,
    // No box is under 32² pixels here, so COCOeval has no small-object data: APs and ARs are -1.
    stats: { AP, AP50: round(mean(valid.map((c) => c.AP50))), AP75: round(AP * 1.05), APs: -1, APm: round(AP * 0.8), APl: round(AP * 1.15), AR1: round(AR100 * 0.55), AR10: round(AR100 * 0.92), AR100, ARs: -1, ARm: round(AR100 * 0.85), ARl: round(AR100 * 1.1) },
    perCategory,
    images,
  };
}

/** A data: URL for one of the fake run's image files; undefined for any other path. */
export function fakeImageUrl(path: string): string | undefined {
  if (!path.startsWith(`${IMAGES}/`)) return undefined;
  const img = fakeDetections().images.find((x) => x.file === path);
  if (!img) return undefined;
  if (path.includes('-missing')) return 'data:image/png;base64,AAAA'; // not a PNG: the <img> fails, as a deleted file would
  const colour = (id: number): string => categoryColor(CATEGORIES.findIndex((c) => c.id === id));
  const shapes = img.gt
    .map((g) => {
      const [x, y, w, h] = g.bbox;
      if (g.iscrowd) return Array.from({ length: 14 }, (_, k) => `<circle cx="${x + ((k * 37) % w)}" cy="${y + h * 0.3 + ((k * 23) % (h * 0.6))}" r="${h * 0.12}" fill="${colour(1)}" opacity="0.45"/>`).join('');
      return `<rect x="${x + w * 0.08}" y="${y + h * 0.08}" width="${w * 0.84}" height="${h * 0.84}" rx="${Math.min(w, h) * 0.3}" fill="${colour(g.categoryId)}" opacity="0.5"/>`;
    })
    .join('');
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${img.width}" height="${img.height}" viewBox="0 0 ${img.width} ${img.height}"><defs><linearGradient id="g" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="#2b3a4f"/><stop offset="0.6" stop-color="#3d4a3a"/><stop offset="1" stop-color="#4a4233"/></linearGradient></defs><rect width="100%" height="100%" fill="url(#g)"/>${shapes}<text x="8" y="${img.height - 10}" font-family="sans-serif" font-size="14" fill="#cfd6e0" opacity="0.7">dev fake image ${img.id}</text></svg>`;
  return `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`;
}

/** The run's config, stored events and summary (summary.task = 'detection' selects the viewer). */
export function fakeDetectionRun(id: string): { config: Record<string, unknown>; summary: Record<string, unknown>; events: EngineEventInput[]; totalSteps: number } {
  const totalSteps = 60;
  const results = fakeDetections();
  const events: EngineEventInput[] = [{ type: 'started', runId: id, runDir: `/home/user/.frugal/runs/${id}`, experiment: DETECTION_EXPERIMENT, backend: 'cpu', startStep: 0, totalSteps }];
  for (let s = 1; s <= totalSteps; s++) {
    events.push({ type: 'step', step: s, totalSteps, epoch: s / 20, loss: 2.4 * Math.exp(-s / 25) + 0.9 + 0.05 * Math.sin(s), lr: 1e-3, stepMs: 2100, etaSec: (totalSteps - s) * 2.1, memory: { tensors: 820, tensorBytes: 95e6, rssBytes: 1.4e9 } });
    if (s % 20 === 0) {
      const f = 1 - Math.exp(-s / 25);
      events.push({ type: 'validation', step: s, epoch: s / 20, on: `${results.images.length} val2017 images, COCOeval bbox`, metrics: { AP: results.stats.AP * f, AP50: results.stats.AP50 * f }, best: true });
    }
  }
  const summary = { task: 'detection', status: 'completed', steps: totalSteps, totalSteps, AP: results.stats.AP, AP50: results.stats.AP50, bestStep: totalSteps, detections: DETECTIONS_FILE };
  events.push({ type: 'done', status: 'completed', step: totalSteps, summary });
  return { config: { data: DATA, variant: 'S0', imageSize: 256, batchSize: 2, epochs: 3, seed: 0 }, summary, events, totalSteps };
}
