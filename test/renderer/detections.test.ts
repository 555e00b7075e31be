// The detection viewer's logic (src/renderer/lib/detections.ts) on hand-worked boxes: IoU,
// threshold filtering, greedy TP/FP/missed matching at IoU 0.5 (crowd regions ignored), the
// worst-first image order and the per-class table's order; then the viewer's state over a test
// API (load, threshold, ←/→, image URLs and their errors), and the dev fake's results against
// the contract.
import { describe, expect, it } from 'vitest';
import { DetectionResults, type DetectionImage } from '../../src/shared/detections';
import { DetectionState } from '../../src/renderer/components/detection/detection-state.svelte';
import { fakeDetections, fakeImageUrl } from '../../src/renderer/dev/fake-detections';
import { crowdIou, formatStat, imageRows, iouXywh, isDetectionRun, matchImage, predLabel, sortPerCategory, stepImage, visiblePredictions, worstFirst, type ImageRow } from '../../src/renderer/lib/detections';
import { flush, TestApi } from './fake-api';

const img = (id: number, gt: DetectionImage['gt'], detections: DetectionImage['detections'], ap50: number | null = null): DetectionImage => ({ id, file: `/coco/val/${id}.jpg`, width: 100, height: 50, gt, detections, ap50 });

// Two ground-truth boxes of class 1 and three predictions:
//   G1 [0,0,10,10], G2 [20,0,10,10]
//   P1 [0,0,10,10]  score .9: IoU(P1,G1) = 100/100 = 1
//   P2 [1,0,10,10]  score .8: IoU(P2,G1) = 9·10 / (100 + 100 − 90) = 90/110 = 0.818; IoU(P2,G2) = 0 (x 1..11 vs 20..30)
//   P3 [20,0,10,5]  score .4: IoU(P3,G2) = 50 / (100 + 50 − 50) = 0.5 exactly (counts: ≥ 0.5)
const G1 = { bbox: [0, 0, 10, 10] as [number, number, number, number], categoryId: 1 };
const G2 = { bbox: [20, 0, 10, 10] as [number, number, number, number], categoryId: 1 };
const P1 = { bbox: [0, 0, 10, 10] as [number, number, number, number], categoryId: 1, score: 0.9 };
const P2 = { bbox: [1, 0, 10, 10] as [number, number, number, number], categoryId: 1, score: 0.8 };
const P3 = { bbox: [20, 0, 10, 5] as [number, number, number, number], categoryId: 1, score: 0.4 };
const constructed = img(1, [G1, G2], [P3, P1, P2], 0.75); // stored out of score order on purpose

const counts = (m: ReturnType<typeof matchImage>) => ({ tp: m.tp, fp: m.fp, missed: m.missed, errors: m.errors });

describe('boxes', () => {
  it('IoU of [x, y, w, h] boxes, and crowd IoU over the prediction area', () => {
    expect(iouXywh(P1.bbox, G1.bbox)).toBe(1);
    expect(iouXywh(P2.bbox, G1.bbox)).toBeCloseTo(90 / 110, 12);
    expect(iouXywh(P3.bbox, G2.bbox)).toBe(0.5);
    expect(iouXywh(P2.bbox, G2.bbox)).toBe(0);
    expect(iouXywh([0, 0, 0, 0], [0, 0, 0, 0])).toBe(0); // empty boxes: 0, never NaN
    // [40,0,10,10] inside a crowd [40,0,20,20]: intersection 100 over its own area 100 = 1 (plain IoU 100/400 = 0.25).
    expect(crowdIou([40, 0, 10, 10], [40, 0, 20, 20])).toBe(1);
    expect(iouXywh([40, 0, 10, 10], [40, 0, 20, 20])).toBe(0.25);
  });

  it('filters predictions by score (≥ threshold) and orders them by score', () => {
    expect(visiblePredictions(constructed, 0.3).map((p) => p.score)).toEqual([0.9, 0.8, 0.4]);
    expect(visiblePredictions(constructed, 0.4).map((p) => p.score)).toEqual([0.9, 0.8, 0.4]);
    expect(visiblePredictions(constructed, 0.41).map((p) => p.score)).toEqual([0.9, 0.8]);
    expect(visiblePredictions(constructed, 0.95)).toEqual([]);
    expect(predLabel('dog', 0.8666)).toBe('dog 0.87');
  });
});

describe('matching at IoU 0.5, greedy by score', () => {
  it('counts TP, FP and missed on 2 ground-truth boxes and 3 predictions, at four thresholds', () => {
    // 0.3: P1→G1 (TP), P2 finds G1 taken (FP, a duplicate), P3→G2 at IoU 0.5 (TP).
    const m = matchImage(constructed, 0.3);
    expect(m.preds.map((p) => [p.box.score, p.status])).toEqual([
      [0.9, 'tp'],
      [0.8, 'fp'],
      [0.4, 'tp'],
    ]);
    expect(m.preds[1].iou).toBeCloseTo(90 / 110, 12); // the FP's best overlap, for its tooltip
    expect(m.gts.map((g) => g.status)).toEqual(['matched', 'matched']);
    expect(counts(m)).toEqual({ tp: 2, fp: 1, missed: 0, errors: 1 });
    // 0.5: P3 hidden, so G2 is missed.
    expect(counts(matchImage(constructed, 0.5))).toEqual({ tp: 1, fp: 1, missed: 1, errors: 2 });
    // 0.85: only P1.
    expect(counts(matchImage(constructed, 0.85))).toEqual({ tp: 1, fp: 0, missed: 1, errors: 1 });
    // 0.95: nothing shown, both missed.
    expect(counts(matchImage(constructed, 0.95))).toEqual({ tp: 0, fp: 0, missed: 2, errors: 2 });
  });

  it('the higher score takes the ground truth first, even at a lower IoU', () => {
    // Scores swapped: P2 (0.818) now comes first and takes G1; P1 (IoU 1 with G1) is left a FP.
    const swapped = img(2, [G1, G2], [{ ...P1, score: 0.8 }, { ...P2, score: 0.9 }, P3]);
    const m = matchImage(swapped, 0.3);
    expect(m.preds.map((p) => [p.box.score, p.status])).toEqual([
      [0.9, 'tp'],
      [0.8, 'fp'],
      [0.4, 'tp'],
    ]);
    expect(m.preds[0].box.bbox).toEqual(P2.bbox);
  });

  it('IoU just under 0.5, another category and crowd regions', () => {
    // P3 4.9 high: IoU 49/100 = 0.49 < 0.5 → FP, and G2 missed.
    expect(counts(matchImage(img(3, [G1, G2], [P1, P2, { ...P3, bbox: [20, 0, 10, 4.9] }]), 0.3))).toEqual({ tp: 1, fp: 2, missed: 1, errors: 3 });
    // A perfect box of class 2 over G2 (class 1) is a FP, and G2 stays missed.
    expect(counts(matchImage(img(4, [G1, G2], [P1, { ...G2, categoryId: 2, score: 0.7 }]), 0.3))).toEqual({ tp: 1, fp: 1, missed: 1, errors: 2 });
    // A prediction on a crowd region of its class is ignored (crowd IoU 1 ≥ 0.5); the crowd is never missed.
    const crowd = { bbox: [40, 0, 20, 20] as [number, number, number, number], categoryId: 1, iscrowd: true };
    const m = matchImage(img(5, [G1, crowd], [P1, { bbox: [40, 0, 10, 10], categoryId: 1, score: 0.6 }]), 0.3);
    expect(m.preds.map((p) => p.status)).toEqual(['tp', 'ignored']);
    expect(m.gts.map((g) => g.status)).toEqual(['matched', 'crowd']);
    expect(counts(m)).toEqual({ tp: 1, fp: 0, missed: 0, errors: 0 });
  });
});

describe('worst first', () => {
  // A: the constructed image (errors 1 at 0.3, 2 at 0.5; AP50 .75). B: one box, no prediction
  // (errors 1, AP50 0). C: no ground truth, two strays at .6 and .35 (errors 2, AP50 null).
  // D: found perfectly (errors 0, AP50 1).
  const A = constructed;
  const B = img(10, [G1], [], 0);
  const C = img(20, [], [{ ...P1, categoryId: 2, score: 0.6 }, { ...P2, score: 0.35 }], null);
  const D = img(30, [G1], [P1], 1);
  const order = (rows: ImageRow[]) => rows.map((r) => [r.image.id, r.errors]);

  it('orders by errors (missed + FP) at the threshold, then AP50 ascending (none last)', () => {
    expect(order(imageRows([D, A, C, B], 0.3))).toEqual([
      [20, 2],
      [10, 1], // AP50 0
      [1, 1], // AP50 .75
      [30, 0],
    ]);
    // At 0.5 A has 2 errors too and its AP50 (.75) goes before C's none; C has 1 stray left.
    expect(order(imageRows([D, A, C, B], 0.5))).toEqual([
      [1, 2],
      [10, 1],
      [20, 1],
      [30, 0],
    ]);
    const row = (id: number, errors: number, ap50: number | null): ImageRow => ({ image: img(id, [], [], ap50), tp: 0, fp: errors, missed: 0, errors });
    expect([row(3, 1, null), row(2, 1, 0.2), row(1, 1, 0.2)].sort(worstFirst).map((r) => r.image.id)).toEqual([1, 2, 3]); // ties: by id
  });

  it('filters to images showing a class (ground truth, or a prediction above the threshold)', () => {
    expect(imageRows([D, A, C, B], 0.3, 2).map((r) => r.image.id)).toEqual([20]);
    expect(imageRows([D, A, C, B], 0.7, 2)).toEqual([]); // C's class-2 box scores 0.6
  });

  it('←/→ move along the list and stop at its ends', () => {
    const rows = imageRows([D, A, C, B], 0.3); // 20, 10, 1, 30
    expect(stepImage(rows, 10, 1)?.image.id).toBe(1);
    expect(stepImage(rows, 10, -1)?.image.id).toBe(20);
    expect(stepImage(rows, 20, -1)?.image.id).toBe(20);
    expect(stepImage(rows, 30, 1)?.image.id).toBe(30);
    expect(stepImage(rows, 999, 1)?.image.id).toBe(20); // not in the list (filtered out): the first
    expect(stepImage([], 1, 1)).toBeNull();
  });
});

describe('COCO numbers', () => {
  it("shows -1 as '—' and sorts the per-class table with no-data rows last", () => {
    expect([formatStat(-1), formatStat(0), formatStat(0.41234)]).toEqual(['—', '0', '0.412']);
    const rows = [
      { id: 1, name: 'person', AP: 0.5, AP50: 0.7, AR100: 0.6, numGt: 20 },
      { id: 6, name: 'bus', AP: -1, AP50: -1, AR100: -1, numGt: 0 },
      { id: 18, name: 'dog', AP: 0.2, AP50: 0.4, AR100: 0.3, numGt: 4 },
    ];
    expect(sortPerCategory(rows, { key: 'AP', descending: false }).map((r) => r.name)).toEqual(['dog', 'person', 'bus']);
    expect(sortPerCategory(rows, { key: 'AP', descending: true }).map((r) => r.name)).toEqual(['person', 'dog', 'bus']);
    expect(sortPerCategory(rows, { key: 'name', descending: false }).map((r) => r.name)).toEqual(['bus', 'dog', 'person']);
    expect(sortPerCategory(rows, { key: 'numGt', descending: true }).map((r) => r.numGt)).toEqual([20, 4, 0]);
  });

  it('knows a detection run by its summary or its experiment', () => {
    expect(isDetectionRun({ task: 'detection' }, 'anything')).toBe(true);
    expect(isDetectionRun(null, 'revbifpn-detect')).toBe(true);
    expect(isDetectionRun({ task: 'segmentation' }, 'brats')).toBe(false);
  });
});

describe('DetectionState', () => {
  const stats = { AP: 0.3, AP50: 0.5, AP75: 0.3, APs: -1, APm: 0.2, APl: 0.4, AR1: 0.2, AR10: 0.3, AR100: 0.35, ARs: -1, ARm: 0.3, ARl: 0.5 };
  const results = (images: DetectionImage[]): DetectionResults => ({ split: 'val2017', dataset: '/coco', imagesRoot: '/coco/val', checkpoint: 'best', createdAt: '', categories: [{ id: 1, name: 'person' }, { id: 2, name: 'bicycle' }], stats, perCategory: [], images });
  const B = img(10, [G1], [], 0);
  const D = img(30, [G1], [P1], 1);

  it('loads the results, starts on the worst image, follows the threshold, and asks each image URL once', async () => {
    const api = new TestApi()
      .handle('runs:getDetections', () => results([D, constructed, B]))
      .handle('files:url', ({ path }) => (path.endsWith('/1.jpg') ? Promise.reject(new Error(`files:url: ${path} is not under a folder this server shares`)) : { url: `/files/${path}` }));
    const det = new DetectionState(api);
    await det.load('r1');
    expect(api.callsTo('runs:getDetections')).toEqual([{ runId: 'r1' }]);
    expect(det.threshold).toBe(0.3);
    expect(det.rows.map((r) => r.image.id)).toEqual([10, 1, 30]); // errors 1 (AP50 0), 1 (AP50 .75), 0
    expect(det.selected?.image.id).toBe(10);
    await det.loadImage();
    expect(det.imageUrl).toBe('/files//coco/val/10.jpg');
    expect(det.colors.get(2)).toBe('#f28e2b'); // the second categorical colour

    det.threshold = 0.5; // the constructed image now has 2 errors and goes first; the selection stays
    expect(det.rows.map((r) => r.image.id)).toEqual([1, 10, 30]);
    expect(det.selected?.image.id).toBe(10);
    det.step(-1);
    expect(det.selected?.image.id).toBe(1);
    expect(det.match && { tp: det.match.tp, fp: det.match.fp, missed: det.match.missed }).toEqual({ tp: 1, fp: 1, missed: 1 });
    await det.loadImage();
    expect(det.imageUrl).toBeNull();
    expect(det.imageError).toBe('cannot show image /coco/val/1.jpg: files:url: /coco/val/1.jpg is not under a folder this server shares');
    det.step(1);
    await det.loadImage();
    expect(det.imageUrl).toBe('/files//coco/val/10.jpg');
    expect(api.callsTo('files:url')).toEqual([{ path: '/coco/val/10.jpg' }, { path: '/coco/val/1.jpg' }]); // 10 once: cached
    det.imageFailed('/coco/val/10.jpg'); // the <img> could not decode it
    expect(det.imageError).toBe('cannot show image /coco/val/10.jpg: the browser could not load 10.jpg (missing, unreadable, or not an image)');
  });

  it('a run without detections: null, no error; a failing call: the error', async () => {
    let answer: DetectionResults | null | Error = null;
    const api = new TestApi().handle('runs:getDetections', () => (answer instanceof Error ? Promise.reject(answer) : answer));
    const det = new DetectionState(api);
    await det.load('r1');
    expect([det.results, det.error, det.rows, det.selected]).toEqual([null, null, [], null]);
    answer = new Error('runs:getDetections: /runs/r1/detections.json: not valid detection results: images.0.width: Invalid input');
    await det.load('r1');
    expect(det.error).toBe('runs:getDetections: /runs/r1/detections.json: not valid detection results: images.0.width: Invalid input');
    await flush();
    expect(det.loading).toBe(false);
  });
});

describe('dev fake detection run', () => {
  it('keeps to the contract and shows every case the viewer handles', () => {
    const r = DetectionResults.parse(fakeDetections());
    expect(r.images).toHaveLength(24);
    expect(r.images.some((i) => i.ap50 === null)).toBe(true); // an image without ground truth
    expect(r.perCategory.find((c) => c.name === 'bus')).toMatchObject({ AP: -1, numGt: 0 });
    expect(r.stats.APs).toBe(-1);
    const statuses = r.images.flatMap((i) => matchImage(i, 0.3).preds.map((p) => p.status));
    expect(new Set(statuses)).toEqual(new Set(['tp', 'fp', 'ignored']));
    expect(r.images.some((i) => matchImage(i, 0.3).missed > 0)).toBe(true);
    // Images are SVG scenes; one file is broken on purpose; other paths are not the fake's.
    expect(fakeImageUrl(r.images[0].file)).toMatch(/^data:image\/svg\+xml/);
    expect(fakeImageUrl(r.images.find((i) => i.file.includes('-missing'))!.file)).toBe('data:image/png;base64,AAAA');
    expect(fakeImageUrl('/home/user/demo-brats/x.nii.gz')).toBeUndefined();
  });
});
