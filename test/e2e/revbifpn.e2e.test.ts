/**
 * RevBiFPN detection end to end, as a user drives it against a real `frugal serve` and engine
 * (cpu): from Experiments, Train… on 'revbifpn-detect' with the 'tiny' preset and a demo COCO
 * folder; the Train view shows the memory ledger (reversible vs twin bytes per sample, measured by
 * the engine); when the run ends, the Runs view shows the detection viewer with the validation
 * images (served through the file route), ground-truth boxes, the per-class AP table and the COCO
 * stats. Screenshots go to test-results/e2e/revbifpn-*.png.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeDemoCoco } from '../../src/training/data/coco';
import { startE2E, type E2E } from './browser';

const tid = (id: string) => `[data-testid="${id}"]`;
const TRAIN_TIMEOUT = 300_000; // 'tiny' trains 2 steps and evaluates 4 images: ~40 s on a busy 2-core machine

describe('RevBiFPN detection in a browser (frugal serve)', () => {
  let e: E2E;
  let coco: string;
  beforeAll(async () => {
    e = await startE2E();
    coco = join(e.dir, 'coco');
    await writeDemoCoco({ out: coco, images: 8, val: 4, size: 64, seed: 2 });
    await e.page.waitForSelector(`${tid('status-engine')}[data-state="idle"]`, { timeout: 90_000 });
  });
  afterAll(async () => {
    await e?.close();
  });

  it("trains 'tiny' from the Experiments view, with the memory ledger of the reversible net and its twin", async () => {
    await e.page.keyboard.press('Alt+5');
    const item = e.page.locator(`${tid('experiment-item')}[data-experiment-id="revbifpn-detect"]`);
    await item.waitFor({ timeout: 30_000 });
    expect(await item.getAttribute('data-built')).toBe('true');
    await item.locator('button', { hasText: 'Train' }).click();
    await e.page.waitForSelector(tid('train-start'));
    await e.page.selectOption(tid('train-preset'), 'tiny');
    await e.page.fill(tid('cfg-data'), coco);
    // The ledger: measured by the engine, the twin needs more memory per sample than the reversible net.
    const ledger = tid('memory-ledger');
    await e.page.waitForFunction((sel) => Number(document.querySelector(sel)?.getAttribute('data-twin-bytes')) > 0, ledger, { timeout: 180_000 });
    const rev = Number(await e.page.getAttribute(ledger, 'data-reversible-bytes'));
    const twin = Number(await e.page.getAttribute(ledger, 'data-twin-bytes'));
    expect(rev).toBeGreaterThan(0);
    expect(twin).toBeGreaterThan(rev);
    await e.shot('revbifpn-01-train-ledger');
    await e.page.waitForFunction(() => !(document.querySelector('[data-testid="train-start"]') as HTMLButtonElement | null)?.disabled, null, { timeout: 60_000 });
    await e.page.click(tid('train-start'));
    await e.page.waitForSelector(`${tid('train-job')}[data-phase="running"]`, { timeout: 60_000 });
    await e.page.waitForSelector(`${tid('train-job')}:not([data-phase="running"])`, { timeout: TRAIN_TIMEOUT });
    expect(await e.page.getAttribute(tid('train-job'), 'data-phase')).toBe('completed');
  });

  it('shows the run in the detection viewer: validation images with ground-truth boxes, per-class AP and COCO stats', async () => {
    await e.page.keyboard.press('Alt+4');
    const row = e.page.locator(tid('run-row')).first();
    await row.waitFor({ timeout: 30_000 });
    await row.locator('button').first().click();
    await e.page.waitForSelector(tid('detection-viewer'), { timeout: 30_000 });
    await e.page.waitForSelector(tid('detection-row'), { timeout: 30_000 });
    expect(await e.page.locator(tid('detection-row')).count()).toBe(4);
    // The image is served and decoded by the browser; its ground truth is drawn over it.
    await e.page.waitForFunction(() => {
      const img = document.querySelector('[data-testid="detection-image"] img') as HTMLImageElement | null;
      return !!img && img.complete && img.naturalWidth === 64;
    }, null, { timeout: 30_000 });
    expect(await e.page.locator(`${tid('detection-overlay')} ${tid('gt-box')}`).count()).toBeGreaterThan(0);
    expect(await e.page.locator(tid('class-ap-row')).count()).toBe(5);
    expect(await e.page.locator(tid('coco-stats')).textContent()).toContain('AP50');
    // The threshold slider filters predictions live: at 1 none is shown.
    await e.page.locator(tid('detection-threshold')).fill('1');
    expect(await e.page.locator(tid('pred-box')).count()).toBe(0);
    await e.shot('revbifpn-02-detections');
    expect(e.errors).toEqual([]);
  });
});
