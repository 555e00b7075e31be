/**
 * The slice viewer's full feature check (test/e2e/viewer-harness/check.ts) as part of the suite:
 * every key, toggle, overlay, window/level gesture, download and failure mode, asserted on
 * attributes and on pixels in Debian's Chromium. Screenshots go to test-results/e2e/viewer/.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SHOTS } from './browser';
import { runViewerChecks, startHarness, type Harness } from './viewer-harness/check';

describe('slice viewer', () => {
  let h: Harness;
  let data: string;
  beforeAll(async () => {
    data = await mkdtemp(join(tmpdir(), 'frugal-viewer-'));
    h = await startHarness(data);
  });
  afterAll(async () => {
    await h?.close();
  });

  it('passes every step of the viewer check', async () => {
    const results = await runViewerChecks(h, join(SHOTS, 'viewer'), data);
    const failed = results.filter((r) => !r.ok).map((r) => `${r.name}: ${r.detail}`);
    expect(failed).toEqual([]);
    expect(results.length).toBeGreaterThanOrEqual(15);
  }, 600_000);
});
