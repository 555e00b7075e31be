/**
 * A detection run's stored validation results: `detections.json` in the run folder (next to
 * summary.json), written once at the end of training by the object-detection experiment
 * (`revbifpn-detect`) and served unchanged by 'runs:getDetections' to the GUI's detection viewer.
 * Declared once here, with runtime schemas (zod): the engine validates the file when it reads
 * it (`parseDetectionResults`: an error names the file and the field), the renderer takes the
 * types. No electron, DOM or tfjs imports here.
 *
 * Numbers and their sources:
 *   - bbox `[x, y, w, h]` in the original image's pixels, top-left origin: the COCO annotation
 *     and results format (cocodataset.org/#format-data; pycocotools `loadRes`).
 *   - `stats`: the 12 numbers of pycocotools `COCOeval.summarize()` in its order (AP@[.5:.95],
 *     AP@.5, AP@.75, AP small/medium/large, AR@1/10/100, AR small/medium/large); -1 where
 *     COCOeval has no data (e.g. no small objects), which the GUI shows as '—'.
 *   - `detections`: what the model kept after NMS, score-descending, at most 100 per image
 *     (COCOeval's largest maxDets).
 *   - `ap50`: the image's own AP at IoU 0.5 over the categories it has ground truth for; null
 *     when it has none (AP is undefined without positives).
 *
 * Usage (engine): `parseDetectionResults(JSON.parse(text), file)`; (renderer):
 * `api.invoke('runs:getDetections', { runId })` → `DetectionResults | null`.
 */
import { z } from 'zod';

/** The file's name inside a run folder. */
export const DETECTIONS_FILE = 'detections.json';

// zod 4's number() rejects Infinity and NaN (JSON has neither anyway).
const finite = z.number();
/** A COCO statistic: in [0, 1], or -1 for "no data". */
const cocoStat = z.number().refine((v) => v === -1 || (v >= 0 && v <= 1), 'expected a value in [0, 1] or -1 (no data)');

export const DetectionBox = z.object({
  bbox: z.tuple([finite, finite, finite.min(0), finite.min(0)]).describe('[x, y, w, h] in original image pixels (COCO form)'),
  categoryId: z.number().int(),
  /** Predictions only: the detector's confidence. */
  score: finite.min(0).max(1).optional(),
  /** Ground truth only: a crowd region (COCOeval ignores it; a prediction on it is neither TP nor FP). */
  iscrowd: z.boolean().optional(),
});
export type DetectionBox = z.infer<typeof DetectionBox>;

export const DetectionImage = z.object({
  id: z.number().int(),
  file: z.string().min(1).describe('absolute path of the image'),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  gt: z.array(DetectionBox),
  detections: z.array(DetectionBox.extend({ score: finite.min(0).max(1) })).describe('kept after NMS, score-descending, up to 100'),
  ap50: cocoStat.nullable().describe("the image's AP at IoU 0.5 over its categories; null when it has no ground truth"),
});
export type DetectionImage = z.infer<typeof DetectionImage>;

export const COCO_STAT_KEYS = ['AP', 'AP50', 'AP75', 'APs', 'APm', 'APl', 'AR1', 'AR10', 'AR100', 'ARs', 'ARm', 'ARl'] as const;
export type CocoStatKey = (typeof COCO_STAT_KEYS)[number];

export const CocoStats = z.object(Object.fromEntries(COCO_STAT_KEYS.map((k) => [k, cocoStat])) as Record<CocoStatKey, typeof cocoStat>);
export type CocoStats = z.infer<typeof CocoStats>;

export const CategoryAp = z.object({ id: z.number().int(), name: z.string(), AP: cocoStat, AP50: cocoStat, AR100: cocoStat, numGt: z.number().int().min(0) });
export type CategoryAp = z.infer<typeof CategoryAp>;

export const DetectionResults = z
  .object({
    split: z.string().describe('e.g. "val2017"'),
    dataset: z.string().describe('the dataset folder (the run config\'s data)'),
    imagesRoot: z.string().min(1).describe('the folder holding the images (the doors share it)'),
    checkpoint: z.string().describe('the checkpoint that predicted'),
    createdAt: z.string(),
    categories: z.array(z.object({ id: z.number().int(), name: z.string() })),
    stats: CocoStats,
    perCategory: z.array(CategoryAp),
    images: z.array(DetectionImage),
  })
  .superRefine((r, ctx) => {
    // Every box names a declared category: the viewer colours and labels by it.
    const known = new Set(r.categories.map((c) => c.id));
    r.images.forEach((img, i) => {
      for (const key of ['gt', 'detections'] as const) {
        img[key].forEach((b, j) => {
          if (!known.has(b.categoryId)) ctx.addIssue({ code: 'custom', path: ['images', i, key, j, 'categoryId'], message: `unknown category ${b.categoryId} (not in categories)` });
        });
      }
    });
  });
export type DetectionResults = z.infer<typeof DetectionResults>;

/** Validates a parsed detections.json; throws `<file>: <field path>: <problem>` (every issue, joined by '; '). */
export function parseDetectionResults(raw: unknown, file: string): DetectionResults {
  const r = DetectionResults.safeParse(raw);
  if (r.success) return r.data;
  const issues = r.error.issues.slice(0, 5).map((i) => `${i.path.length ? i.path.join('.') : '(file)'}: ${i.message}`);
  const more = r.error.issues.length > 5 ? `; and ${r.error.issues.length - 5} more` : '';
  throw new Error(`${file}: not valid detection results: ${issues.join('; ')}${more}`);
}
