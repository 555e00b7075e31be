/**
 * RevBiFPN through the CLI, as a user types it: `frugal demo-data images|coco`, then
 * `frugal train revbifpn-classify|revbifpn-detect --preset tiny --json`. Checks the events, the
 * run folder (summary, checkpoint with BN running statistics, the detection viewer's file and the
 * COCO results), and the errors for a folder that is not a dataset.
 */
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { DETECTIONS_FILE, parseDetectionResults } from '../src/shared/detections';
import type { EngineEvent } from '../src/shared/events';
import { loadCheckpoint } from '../src/training/core/checkpoint';
import { writeDemoCoco } from '../src/training/data/coco';
import { writeDemoImages } from '../src/training/data/images/demo';
import { frugal } from './cli';

type Ev<T extends EngineEvent['type']> = Extract<EngineEvent, { type: T }>;
const ofType = <T extends EngineEvent['type']>(events: EngineEvent[], t: T): Ev<T>[] => events.filter((e): e is Ev<T> => e.type === t);

describe('frugal train revbifpn-classify / revbifpn-detect (tiny presets, demo data)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'frugal-revbifpn-'));
    await writeDemoImages({ out: join(dir, 'images'), perClass: 4, valPerClass: 2, size: 40, seed: 1 });
    await writeDemoCoco({ out: join(dir, 'coco'), images: 8, val: 4, size: 64, seed: 1 });
  });

  it('classifies: top-1/top-5 validations, a confusion matrix over the validation images, BN statistics in the checkpoint', async () => {
    const runs = join(dir, 'runs-cls');
    const r = await frugal(['train', 'revbifpn-classify', '--preset', 'tiny', '--data', join(dir, 'images'), '--json', '--runs', runs]);
    expect(r.code, r.stderr).toBe(0);
    const started = ofType(r.events, 'started')[0];
    expect(started.totalSteps).toBe(6); // 2 epochs × ⌈(5 classes × 4 images) / 8⌉
    const vals = ofType(r.events, 'validation');
    expect(vals.map((v) => v.step)).toEqual([0, 3, 6]);
    for (const v of vals) {
      expect(v.metrics.top1).toBeGreaterThanOrEqual(0);
      expect(v.metrics.top5).toBe(1); // 5 classes: every label is in the top 5
    }
    const summary = JSON.parse(await readFile(join(started.runDir, 'summary.json'), 'utf8')) as { task: string; classes: string[]; confusion: number[][]; valImages: number; model: { parameters: number; reversible: boolean } };
    expect(summary.task).toBe('classification');
    expect(summary.classes).toHaveLength(5);
    expect(summary.valImages).toBe(10);
    expect(summary.confusion.flat().reduce((a, b) => a + b, 0)).toBe(10);
    expect(summary.model.reversible).toBe(true);
    const ckpts = readdirSync(join(started.runDir, 'checkpoints')).filter((f) => f.startsWith('step-'));
    const { tensors } = await loadCheckpoint(join(started.runDir, 'checkpoints', ckpts.at(-1)!));
    const names = [...tensors.keys()];
    expect(names.some((n) => n.startsWith('param/bnstats.') && n.endsWith('.mean'))).toBe(true);
    expect(names.some((n) => n.startsWith('opt/m/'))).toBe(true);
    // Every trainable parameter is saved: the count equals the summary's parameter count.
    const paramValues = names.filter((n) => n.startsWith('param/') && !n.startsWith('param/bnstats.')).reduce((a, n) => a + tensors.get(n)!.data.length, 0);
    expect(paramValues).toBe(summary.model.parameters);
  });

  it('detects: COCO AP validations, detections.json for the viewer and COCO results, boxes in original pixels', async () => {
    const runs = join(dir, 'runs-det');
    const r = await frugal(['train', 'revbifpn-detect', '--preset', 'tiny', '--data', join(dir, 'coco'), '--json', '--runs', runs]);
    expect(r.code, r.stderr).toBe(0);
    const started = ofType(r.events, 'started')[0];
    expect(started.totalSteps).toBe(2); // 1 epoch × ⌈8 / 4⌉
    const vals = ofType(r.events, 'validation');
    expect(vals.length).toBe(2);
    for (const k of ['AP', 'AP50', 'AP75', 'APs', 'AR100']) expect(vals[1].metrics[k]).toBeGreaterThanOrEqual(-1);
    const file = join(started.runDir, DETECTIONS_FILE);
    const det = parseDetectionResults(JSON.parse(await readFile(file, 'utf8')), file);
    expect(det.images).toHaveLength(4);
    expect(det.categories.map((c) => c.name)).toHaveLength(5);
    for (const im of det.images) {
      expect(existsSync(im.file)).toBe(true);
      expect(im.gt.length).toBeGreaterThan(0);
      for (const b of im.detections) {
        expect(b.bbox[0]).toBeGreaterThanOrEqual(0);
        expect(b.bbox[0] + b.bbox[2]).toBeLessThanOrEqual(im.width + 1e-6);
        expect(b.bbox[1] + b.bbox[3]).toBeLessThanOrEqual(im.height + 1e-6);
      }
    }
    expect(existsSync(join(started.runDir, 'predictions', 'val-results.json'))).toBe(true);
    const summary = JSON.parse(await readFile(join(started.runDir, 'summary.json'), 'utf8')) as { task: string; stats: Record<string, number> };
    expect(summary.task).toBe('detection');
    expect(summary.stats.AP50).toBe(det.stats.AP50);
  });

  it('names the folder and what is missing when data is not a dataset', async () => {
    const r = await frugal(['train', 'revbifpn-detect', '--preset', 'tiny', '--data', join(dir, 'images'), '--runs', join(dir, 'runs-bad')]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/images: no annotations\/ folder/);
    const r2 = await frugal(['train', 'revbifpn-classify', '--preset', 'tiny', '--data', join(dir, 'nowhere'), '--runs', join(dir, 'runs-bad')]);
    expect(r2.code).not.toBe(0);
    expect(r2.stderr).toMatch(/nowhere/);
  });
});
