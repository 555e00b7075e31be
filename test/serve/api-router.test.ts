// `frugal serve`'s router shares a detection run's image folder ('runs:getDetections' answers
// imagesRoot) so 'files:url' can hand the viewer its images; before that answer, or for a run
// without detections, the images stay refused. The engine is a stand-in supervisor; the files are
// real ones in a temp folder.
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createApiRouter } from '../../src/server/api-router';
import { FileRoots } from '../../src/server/files';
import type { DetectionResults } from '../../src/shared/detections';
import type { EngineSupervisor } from '../../src/training/host/supervisor';

const stats = { AP: 0.3, AP50: 0.5, AP75: 0.3, APs: -1, APm: 0.2, APl: 0.4, AR1: 0.2, AR10: 0.3, AR100: 0.35, ARs: -1, ARm: 0.3, ARl: 0.5 };

describe("serve router: 'runs:getDetections' shares the images", () => {
  let images: string;
  let image: string;
  beforeAll(async () => {
    const base = await mkdtemp(join(tmpdir(), 'frugal-router-'));
    images = join(base, 'coco', 'val2017');
    await mkdir(images, { recursive: true });
    image = join(images, '000000000139.jpg');
    await writeFile(image, 'JPEG');
  });

  const routerAnswering = (answer: DetectionResults | null) => {
    const roots = new FileRoots();
    const supervisor = {
      invoke: async (channel: string) => {
        if (channel !== 'runs:getDetections') throw new Error(`unexpected ${channel}`);
        return answer;
      },
      doorHandlers: {},
    } as unknown as EngineSupervisor;
    return { roots, route: createApiRouter({ supervisor, roots, token: 't0k' }) };
  };

  it('adds imagesRoot to the shared roots, after which files:url serves an image there', async () => {
    const results: DetectionResults = { split: 'val2017', dataset: join(images, '..'), imagesRoot: images, checkpoint: 'best', createdAt: '', categories: [], stats, perCategory: [], images: [] };
    const { roots, route } = routerAnswering(results);
    await expect(route('files:url', { path: image })).rejects.toThrow('is not under a folder this server shares');
    await expect(route('runs:getDetections', { runId: 'r1' })).resolves.toEqual(results);
    expect(roots.list()).toEqual([images]);
    const { url } = (await route('files:url', { path: image })) as { url: string };
    expect(url).toBe(`/files/${Buffer.from(image).toString('base64url')}/000000000139.jpg?token=t0k`);
  });

  it('shares nothing for a run without detections (null), and validates the request', async () => {
    const { roots, route } = routerAnswering(null);
    await expect(route('runs:getDetections', { runId: 'r1' })).resolves.toBeNull();
    expect(roots.list()).toEqual([]);
    await expect(route('runs:getDetections', { runId: '' })).rejects.toThrow(/^runs:getDetections: invalid request: runId: /);
  });
});
