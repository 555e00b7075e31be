/**
 * 'runs:getDetections' in this process (no transport): a run folder with a hand-written
 * detections.json (the detection experiment writes it at the end of training) comes back parsed;
 * a run without one answers null; a malformed file is an error naming the file and the field.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { DETECTIONS_FILE, type DetectionResults } from '../../src/shared/detections';
import type { BackendReport } from '../../src/training/backend/select';
import { createEngineHost, type EngineHost } from '../../src/training/host/engine-handlers';
import { createRun } from '../../src/training/runs/store';

const stats = { AP: 0.412, AP50: 0.655, AP75: 0.431, APs: -1, APm: 0.38, APl: 0.52, AR1: 0.33, AR10: 0.47, AR100: 0.49, ARs: -1, ARm: 0.41, ARl: 0.6 };

function results(imagesRoot: string): DetectionResults {
  return {
    split: 'val2017',
    dataset: '/data/coco',
    imagesRoot,
    checkpoint: 'best',
    createdAt: '2025-11-27T10:00:00.000Z',
    categories: [
      { id: 1, name: 'person' },
      { id: 18, name: 'dog' },
    ],
    stats,
    perCategory: [
      { id: 1, name: 'person', AP: 0.5, AP50: 0.7, AR100: 0.6, numGt: 2 },
      { id: 18, name: 'dog', AP: 0.324, AP50: 0.61, AR100: 0.38, numGt: 1 },
    ],
    images: [
      {
        id: 139,
        file: join(imagesRoot, '000000000139.jpg'),
        width: 640,
        height: 426,
        gt: [
          { bbox: [412.8, 157.61, 53.05, 138.01], categoryId: 1 },
          { bbox: [10, 20, 300, 200], categoryId: 18, iscrowd: true },
        ],
        detections: [
          { bbox: [410, 160, 55, 135], categoryId: 1, score: 0.91 },
          { bbox: [0, 0, 30, 30], categoryId: 18, score: 0.12 },
        ],
        ap50: 1,
      },
      { id: 285, file: join(imagesRoot, '000000000285.jpg'), width: 586, height: 640, gt: [], detections: [], ap50: null },
    ],
  };
}

describe("'runs:getDetections'", () => {
  let root: string;
  let host: EngineHost;
  const newRun = async () => (await createRun(root, { experiment: 'revbifpn-detect', config: { data: '/data/coco' }, card: {} })).dir;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'frugal-detections-'));
    // No tensor work here: the handler only reads files, so a stand-in backend report will do.
    host = createEngineHost({ runsRoot: root, backend: { chosen: 'cpu' } as BackendReport, emit: () => {} });
  });

  it("returns the run's detections.json, parsed", async () => {
    const dir = await newRun();
    const want = results('/data/coco/val2017');
    await writeFile(join(dir, DETECTIONS_FILE), JSON.stringify(want));
    const got = await host.handlers['runs:getDetections']({ runId: dir });
    expect(got).toEqual(want);
    expect(got!.images[0].gt[1].iscrowd).toBe(true);
    expect(got!.stats.APs).toBe(-1);
  });

  it('answers null for a run that has no detections yet, and names the run that does not exist', async () => {
    const dir = await newRun();
    await expect(host.handlers['runs:getDetections']({ runId: dir })).resolves.toBeNull();
    await expect(host.handlers['runs:getDetections']({ runId: 'no-such-run' })).rejects.toThrow(/no run matches "no-such-run"/);
  });

  it('rejects a malformed file naming the file and the field', async () => {
    const dir = await newRun();
    const file = join(dir, DETECTIONS_FILE);
    const bad = results('/data/coco/val2017') as unknown as { images: { detections: Record<string, unknown>[]; gt: Record<string, unknown>[] }[] };
    delete bad.images[0].detections[1].score; // a prediction without its score
    await writeFile(file, JSON.stringify(bad));
    await expect(host.handlers['runs:getDetections']({ runId: dir })).rejects.toThrow(`${file}: not valid detection results: images.0.detections.1.score: Invalid input: expected number, received undefined`);

    const unknownCat = results('/data/coco/val2017');
    unknownCat.images[0].gt[0].categoryId = 99;
    await writeFile(file, JSON.stringify(unknownCat));
    await expect(host.handlers['runs:getDetections']({ runId: dir })).rejects.toThrow(`${file}: not valid detection results: images.0.gt.0.categoryId: unknown category 99 (not in categories)`);

    const badStat = { ...results('/data/coco/val2017'), stats: { ...stats, AP50: 1.5 } };
    await writeFile(file, JSON.stringify(badStat));
    await expect(host.handlers['runs:getDetections']({ runId: dir })).rejects.toThrow(`${file}: not valid detection results: stats.AP50: expected a value in [0, 1] or -1 (no data)`);

    await writeFile(file, '{"split": "val2017", ');
    await expect(host.handlers['runs:getDetections']({ runId: dir })).rejects.toThrow(`${file} is not valid JSON`);
  });
});
