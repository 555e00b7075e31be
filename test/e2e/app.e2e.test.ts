/**
 * The desktop app's interface end to end, as a user drives it: the built renderer in Debian's
 * Chromium against a real `frugal serve` and a real engine process (cpu backend). Steps share one
 * page and run in order. Screenshots of every view go to test-results/e2e/.
 */
import { writeFile, mkdir, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeDemoBrats } from '../../src/training/data/brats/demo';
import { PLANNED_EXPERIMENTS } from '../../src/training/experiments/planned';
import { EXPERIMENTS } from '../../src/training/experiments/registry';
import { startE2E, type E2E } from './browser';
import { changedFraction as changed, decodePng } from './pixels';

/** Fraction of pixels that differ between two PNG screenshots. */
const changedFraction = async (a: Buffer, b: Buffer): Promise<number> => changed(await decodePng(a), await decodePng(b));

const tid = (id: string) => `[data-testid="${id}"]`;

describe('Frugal Studio in a browser (frugal serve)', () => {
  let e: E2E;
  let demo: string;
  beforeAll(async () => {
    e = await startE2E();
    demo = join(e.dir, 'demo');
    await e.page.waitForSelector(`${tid('status-engine')}[data-state="idle"]`, { timeout: 90_000 });
  });
  afterAll(async () => {
    await e?.close();
  });

  const attr = (sel: string, name: string) => e.page.getAttribute(sel, name);
  const canvasShot = () => e.page.locator(tid('viewer-canvas')).screenshot();

  it('explains a folder that is not a BraTS dataset next to the folder field', async () => {
    const notBrats = join(e.dir, 'not-brats');
    await mkdir(notBrats, { recursive: true });
    await writeFile(join(notBrats, 'notes.txt'), 'hello');
    await e.page.fill(tid('dataset-root-input'), notBrats);
    await e.page.click(tid('dataset-root-submit'));
    const err = e.page.locator(tid('dataset-error'));
    await err.waitFor({ timeout: 30_000 });
    expect(await err.textContent()).toContain(notBrats);
    expect(await e.page.locator(tid('case-row')).count()).toBe(0);
    await e.shot('01-datasets-not-brats');
  });

  it('marks a case with a corrupt file on its own row and keeps the others', async () => {
    const bad = join(e.dir, 'bad');
    await writeDemoBrats({ out: bad, cases: 2, size: 24, seed: 5 });
    await truncate(join(bad, 'Demo_002', 'Demo_002_t2.nii.gz'), 200); // a cut-off download
    await e.page.fill(tid('dataset-root-input'), bad);
    await e.page.click(tid('dataset-root-submit'));
    await e.page.waitForSelector(tid('case-row'), { timeout: 60_000 });
    const broken = e.page.locator(`${tid('case-row')}[data-case-id="Demo_002"]`);
    expect(await broken.getAttribute('data-status')).toBe('error');
    expect(await e.page.locator(tid('case-problems')).first().textContent()).toMatch(/Demo_002_t2\.nii\.gz/);
    expect(await e.page.locator(`${tid('case-row')}[data-case-id="Demo_001"]`).getAttribute('data-status')).not.toBe('error');
    await e.shot('02-datasets-corrupt-case');
  });

  it('creates demo data with one click and lists the cases with shape, spacing and label volumes', async () => {
    // With a dataset open, the demo-data panel is folded away under its summary line.
    if (!(await e.page.isVisible(tid('demo-out')))) await e.page.click('summary:has-text("demo")');
    await e.page.fill(tid('demo-out'), demo);
    await e.page.fill(tid('demo-cases'), '4');
    await e.page.fill(tid('demo-size'), '32');
    await e.page.click(tid('demo-create'));
    await e.page.waitForFunction(() => document.querySelector('[data-testid="dataset-summary"]')?.getAttribute('data-cases') === '4', null, { timeout: 120_000 });
    const rows = e.page.locator(tid('case-row'));
    expect(await rows.count()).toBe(4);
    const first = await rows.first().textContent();
    expect(first).toContain('Demo_001');
    expect(first).toMatch(/32\s*[×x]\s*32\s*[×x]\s*32/);
    expect(first).toMatch(/1\s*[×x]\s*1\s*[×x]\s*1/); // spacing in mm
    expect(await e.page.locator(`${tid('case-table')} thead`).textContent()).toMatch(/ED \(2\) mL/);
    await e.shot('03-datasets-demo');
  });

  it('opens a case in the viewer; arrow keys step slices and change the image', async () => {
    await e.page.locator(`${tid('case-row')}[data-case-id="Demo_001"]`).click();
    await e.page.waitForSelector(`${tid('viewer')}[data-status="ready"]`, { timeout: 120_000 });
    await e.page.locator(tid('viewer')).focus();
    await e.page.keyboard.press('a'); // axial view active
    const before = Number(await attr(tid('slice-readout'), 'data-axial'));
    const img0 = await canvasShot();
    await e.page.keyboard.press('ArrowUp');
    await e.page.keyboard.press('ArrowUp');
    await e.page.waitForFunction((b) => Number(document.querySelector('[data-testid="slice-readout"]')?.getAttribute('data-axial')) !== b, before, { timeout: 30_000 });
    const after = Number(await attr(tid('slice-readout'), 'data-axial'));
    expect(Math.abs(after - before)).toBe(2);
    expect(await e.page.locator(tid('slice-readout')).textContent()).toContain(`axial ${after + 1}/32`);
    await e.page.waitForTimeout(500);
    expect(await changedFraction(img0, await canvasShot())).toBeGreaterThan(0.002);
    await e.shot('04-viewer-case');
  });

  it('toggles the masks with one key and the pixels change; the legend names labels and regions', async () => {
    expect(await attr(tid('viewer'), 'data-masks')).toBe('on');
    const on = await canvasShot();
    await e.page.keyboard.press('m');
    await e.page.waitForSelector(`${tid('viewer')}[data-masks="off"]`);
    await e.page.waitForTimeout(500);
    const off = await canvasShot();
    expect(await changedFraction(on, off)).toBeGreaterThan(0.002);
    await e.page.keyboard.press('m');
    await e.page.waitForSelector(`${tid('viewer')}[data-masks="on"]`);
    const legend = await e.page.locator(tid('legend')).textContent();
    expect(legend).toMatch(/NCR/);
    expect(legend).toMatch(/ED/);
    expect(legend).toMatch(/ET/);
    expect(legend).toMatch(/WT/);
    // Modality switch by key keeps the crosshair.
    const axial = await attr(tid('slice-readout'), 'data-axial');
    await e.page.keyboard.press('4');
    await e.page.waitForSelector(`${tid('viewer')}[data-modality="flair"]`, { timeout: 60_000 });
    expect(await attr(tid('slice-readout'), 'data-axial')).toBe(axial);
    await e.shot('05-viewer-flair');
  });

  it('switches views from the keyboard and shows a config value out of range next to its field', async () => {
    await e.page.keyboard.press('Alt+3');
    await e.page.waitForSelector(tid('train-start'));
    await e.page.selectOption(tid('train-preset'), 'cpu-demo');
    await e.page.fill('#cfg-data', demo);
    await e.page.fill('#cfg-lr', '-1');
    await e.page.locator('#cfg-lr').blur();
    const err = e.page.locator(tid('cfg-lr-error'));
    await err.waitFor({ timeout: 10_000 });
    expect((await err.textContent())?.length).toBeGreaterThan(3);
    expect(await e.page.isDisabled(tid('train-start'))).toBe(true);
    await err.scrollIntoViewIfNeeded();
    await e.shot('06-train-invalid');
    await e.page.fill('#cfg-lr', '0.003');
    await e.page.locator('#cfg-lr').blur();
    await e.page.waitForSelector(tid('cfg-lr-error'), { state: 'detached' });
  });

  it('estimates memory, starts training, shows live curve points, and stops cleanly', async () => {
    await e.page.fill('#cfg-epochs', '20');
    await e.page.fill('#cfg-stepsPerEpoch', '10');
    await e.page.waitForFunction(() => Number(document.querySelector('[data-testid="memory-estimate"]')?.getAttribute('data-reversible-bytes')) > 0, null, { timeout: 60_000 });
    const rev = Number(await attr(tid('memory-estimate'), 'data-reversible-bytes'));
    const std = Number(await attr(tid('memory-estimate'), 'data-standard-bytes'));
    expect(std).toBeGreaterThan(rev);
    await e.page.click(tid('train-start'));
    await e.page.waitForSelector(`${tid('train-job')}[data-phase="running"]`, { timeout: 60_000 });
    await e.page.waitForFunction(() => Number(document.querySelector('[data-testid="chart-loss"]')?.getAttribute('data-points')) >= 3, null, { timeout: 180_000 });
    expect(await e.page.locator(tid('train-backend')).textContent()).toContain('cpu');
    expect(Number(await e.page.locator(tid('train-tensors')).textContent())).toBeGreaterThan(0);
    await e.shot('07-train-running');
    await e.page.click(tid('train-stop'));
    await e.page.waitForSelector(`${tid('train-job')}[data-phase="stopped"]`, { timeout: 120_000 });
    await e.page.waitForSelector(`${tid('status-engine')}[data-state="idle"]`, { timeout: 60_000 });
    expect(await e.page.locator(tid('train-eta')).textContent()).toBe('—'); // nothing stale after a stop
    await e.shot('08-train-stopped');
  });

  it('predicts with the run, evaluates it, sorts cases worst-first and opens one with its prediction', async () => {
    await e.page.keyboard.press('Alt+4');
    const row = e.page.locator(tid('run-row')).first();
    await row.waitFor({ timeout: 30_000 });
    expect(await row.getAttribute('data-status')).toBe('stopped');
    await row.locator('button').first().click();
    await e.page.waitForSelector(tid('run-card'));
    await e.page.fill(tid('predict-data-input'), demo);
    await e.page.click(tid('predict-data-submit'));
    await e.page.waitForSelector(`${tid('predict-job')}:not([data-phase="running"])`, { timeout: 300_000 });
    expect(await attr(tid('predict-job'), 'data-phase')).toBe('completed');
    await e.page.click(tid('evaluate'));
    await e.page.waitForSelector(tid('score-row'), { timeout: 300_000 });
    const scores = e.page.locator(tid('score-row'));
    expect(await scores.count()).toBe(4);
    await e.shot('09-runs-scores');
    const firstCase = await scores.first().getAttribute('data-case-id');
    await scores.first().locator('button').first().click();
    await e.page.waitForSelector(`${tid('viewer-stage')}[data-case-id="${firstCase}"]`, { timeout: 30_000 });
    expect(await attr(tid('viewer-stage'), 'data-prediction')).toBeTruthy();
    await e.page.waitForSelector(`${tid('viewer')}[data-status="ready"]`, { timeout: 120_000 });
    // The predicted overlay is drawn: switching predictions off changes the pixels.
    await e.page.locator(tid('viewer')).focus();
    const withPred = await canvasShot();
    await e.page.keyboard.press('p');
    await e.page.waitForTimeout(800);
    expect(await changedFraction(withPred, await canvasShot())).toBeGreaterThan(0.0005);
    await e.page.keyboard.press('p');
    await e.shot('10-viewer-prediction');
  });

  it('shows a stored evaluation when the run is opened again, without recomputing it', async () => {
    await e.page.keyboard.press('Alt+4');
    const row = e.page.locator(tid('run-row')).first();
    await row.locator('button').first().click();
    await e.page.waitForSelector(tid('score-row'), { timeout: 30_000 });
    expect(await e.page.locator(tid('score-row')).count()).toBe(4);
    expect(await e.page.locator(tid('evaluate')).textContent()).toContain('Re-evaluate');
  });

  it('lists the experiments, marking any not built yet', async () => {
    await e.page.keyboard.press('Alt+5');
    const items = e.page.locator(tid('experiment-item'));
    await items.first().waitFor();
    expect(await items.count()).toBe(Object.keys(EXPERIMENTS).length + PLANNED_EXPERIMENTS.length);
    expect(await e.page.locator(`${tid('experiment-item')}[data-built="false"]`).count()).toBe(PLANNED_EXPERIMENTS.length);
    expect(await e.page.locator(`${tid('experiment-item')}[data-experiment-id="spdf-pretrain"]`).getAttribute('data-built')).toBe('true');
    expect(await e.page.locator(`${tid('experiment-item')}[data-experiment-id="revbifpn-detect"]`).getAttribute('data-built')).toBe('true');
    await e.shot('11-experiments');
  });

  it('raised no page errors on the way (a blocked request under the page\'s CSP would be one)', async () => {
    expect(await e.page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content')).toContain("default-src 'self'");
    expect(e.errors).toEqual([]);
  });
});
