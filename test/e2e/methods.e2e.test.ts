/**
 * Continual and self-paced learning end to end, as a user drives them: from Experiments, Train… on
 * 'dhp-continual' and then 'spl-advise' with their 'tiny' presets, against a real `frugal serve`
 * and engine process (cpu). The live job panel must fill the task × task accuracy matrix row by
 * row, and draw the embedding and the per-epoch curriculum curve; the Runs view then shows a run's
 * stored views and the methods compared. Screenshots go to test-results/e2e/methods-*.png.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startE2E, type E2E } from './browser';
import { countPixels, decodePng, type Rgb8Image } from './pixels';

const tid = (id: string) => `[data-testid="${id}"]`;
const saturated = (r: number, g: number, b: number): boolean => Math.max(r, g, b) - Math.min(r, g, b) > 60;

/** The first strongly coloured pixel (a marker: classes are coloured, the background is not). */
function firstColouredPixel(img: Rgb8Image): { x: number; y: number } | null {
  for (let p = 0; p < img.data.length; p += 3) {
    if (saturated(img.data[p], img.data[p + 1], img.data[p + 2])) return { x: (p / 3) % img.width, y: Math.floor(p / 3 / img.width) };
  }
  return null;
}
const TRAIN_TIMEOUT = 240_000; // 'tiny' finishes in under a minute on cpu; CI machines are slower

describe('continual and self-paced learning in a browser (frugal serve)', () => {
  let e: E2E;
  beforeAll(async () => {
    e = await startE2E();
    await e.page.waitForSelector(`${tid('status-engine')}[data-state="idle"]`, { timeout: 90_000 });
  });
  afterAll(async () => {
    await e?.close();
  });

  /** Experiments → Train… on `id` → preset → Start; waits for the job to run. */
  async function startFromExperiments(id: string, preset: string): Promise<void> {
    await e.page.keyboard.press('Alt+5');
    const item = e.page.locator(`${tid('experiment-item')}[data-experiment-id="${id}"]`);
    await item.waitFor({ timeout: 30_000 });
    expect(await item.getAttribute('data-built'), `the engine lists '${id}' as built`).toBe('true');
    await item.locator('button', { hasText: 'Train' }).click();
    await e.page.waitForSelector(tid('train-start'));
    expect(await e.page.inputValue(tid('train-experiment'))).toBe(id);
    await e.page.selectOption(tid('train-preset'), preset);
    await e.page.waitForFunction(() => !(document.querySelector('[data-testid="train-start"]') as HTMLButtonElement | null)?.disabled, null, { timeout: 30_000 });
    await e.page.click(tid('train-start'));
    await e.page.waitForSelector(`${tid('train-job')}[data-phase="running"]`, { timeout: 60_000 });
  }

  const waitDone = () => e.page.waitForSelector(`${tid('train-job')}:not([data-phase="running"])`, { timeout: TRAIN_TIMEOUT });

  it("dhp-continual 'tiny': the accuracy matrix fills in row by row while it trains", async () => {
    await startFromExperiments('dhp-continual', 'tiny');
    const matrix = `${tid('train-job')} ${tid('task-matrix')}`;
    await e.page.waitForFunction((sel) => Number(document.querySelector(sel)?.getAttribute('data-rows')) >= 2, matrix, { timeout: TRAIN_TIMEOUT });
    const tasks = Number(await e.page.getAttribute(matrix, 'data-tasks'));
    expect(tasks).toBeGreaterThanOrEqual(2);
    // A filled row has a value in each cell up to the diagonal; nothing above it.
    const secondRow = e.page.locator(`${matrix} ${tid('task-row')}`).nth(1);
    expect(await secondRow.getAttribute('data-filled')).toBe('true');
    const cells = (await secondRow.locator('td').allTextContents()).map((t) => t.trim());
    expect(cells.slice(0, 2).every((t) => /^\d{1,3}\.\d$/.test(t))).toBe(true);
    expect(cells.slice(2).every((t) => t === '')).toBe(true);
    expect(await e.page.locator(tid('continual-acc')).textContent()).toMatch(/^\d{1,3}\.\d %$/);
    expect(await e.page.locator(tid('continual-bwt')).textContent()).toMatch(/pp$/); // defined from the second task on
    expect(Number(await e.page.getAttribute(tid('plastic-norms'), 'data-classes'))).toBe(10); // the tiny preset's head is DHP
    await e.page.locator(tid('continual-panel')).scrollIntoViewIfNeeded();
    await e.shot('methods-01-continual-live');
    await waitDone();
    expect(await e.page.getAttribute(tid('train-job'), 'data-phase')).toBe('completed');
    expect(Number(await e.page.getAttribute(matrix, 'data-rows'))).toBe(tasks);
  });

  it("spl-advise 'tiny': the embedding is drawn and the curriculum curve gets its epochs", async () => {
    await e.page.waitForSelector(`${tid('status-engine')}[data-state="idle"]`, { timeout: 60_000 });
    await startFromExperiments('spl-advise', 'tiny');
    const view = `${tid('train-job')} ${tid('embedding-view')}`;
    await e.page.waitForFunction(
      (sel) => Number(document.querySelector(sel)?.getAttribute('data-points')) > 0 && Number(document.querySelector('[data-testid="train-job"] [data-testid="chart-curriculum"]')?.getAttribute('data-points')) >= 1,
      view,
      { timeout: TRAIN_TIMEOUT },
    );
    const points = Number(await e.page.getAttribute(view, 'data-points'));
    expect(points).toBeGreaterThan(0);
    // The points are on the canvas: coloured (class) pixels on the dark background.
    await e.page.locator(view).scrollIntoViewIfNeeded();
    const img = await decodePng(await e.page.locator(`${view} canvas`).screenshot());
    expect(countPixels(img, saturated)).toBeGreaterThan(points); // more than a pixel per marker
    expect(await e.page.locator(tid('embedding-legend')).textContent()).toMatch(/\S/);
    await e.page.locator(tid('embedding-legend')).evaluate((el) => el.scrollIntoView({ block: 'end' }));
    await e.shot('methods-02-self-paced-live');
    await waitDone();
    expect(await e.page.getAttribute(tid('train-job'), 'data-phase')).toBe('completed');
    // Hovering a drawn point names its class and cluster (after the run: no redraw in between).
    const canvas = e.page.locator(`${view} canvas`);
    await canvas.scrollIntoViewIfNeeded();
    const drawn = await decodePng(await canvas.screenshot());
    const box = (await canvas.boundingBox())!;
    const at = firstColouredPixel(drawn);
    expect(at, 'a coloured marker pixel on the canvas').not.toBeNull();
    await e.page.mouse.move(box.x + ((at!.x + 0.5) * box.width) / drawn.width, box.y + ((at!.y + 0.5) * box.height) / drawn.height);
    await e.page.waitForSelector(tid('embedding-tip'), { timeout: 5_000 });
    expect(await e.page.locator(tid('embedding-tip')).textContent()).toMatch(/class .+ · cluster \d+/);
    await e.shot('methods-03-self-paced-hover');
  });

  it("the Runs view shows a run's stored views and compares the experiment's methods", async () => {
    await e.page.keyboard.press('Alt+4');
    const continualRow = e.page.locator(`${tid('run-row')}:has(td:text-is("dhp-continual"))`).first();
    await continualRow.waitFor({ timeout: 30_000 });
    await continualRow.locator('button').first().click();
    const stored = `${tid('run-methods')} ${tid('task-matrix')}`;
    await e.page.waitForSelector(stored, { timeout: 30_000 });
    expect(Number(await e.page.getAttribute(stored, 'data-rows'))).toBe(Number(await e.page.getAttribute(stored, 'data-tasks')));
    const method = e.page.locator(`${tid('method-compare-continual')} ${tid('method-row')}`);
    expect(await method.count()).toBe(1);
    expect(await method.getAttribute('data-method')).toBe('DHP Softmax'); // the tiny preset: DHP head, no consolidation
    await e.page.locator(tid('method-compare')).scrollIntoViewIfNeeded();
    await e.shot('methods-04-runs-continual');

    const splRow = e.page.locator(`${tid('run-row')}:has(td:text-is("spl-advise"))`).first();
    await splRow.locator('button').first().click();
    await e.page.waitForSelector(`${tid('method-compare-curriculum')}[data-methods="1"]`, { timeout: 30_000 });
    await e.page.waitForFunction(() => Number(document.querySelector('[data-testid="run-methods"] [data-testid="embedding-view"]')?.getAttribute('data-points')) > 0, null, { timeout: 30_000 });
    await e.page.locator(`${tid('run-methods')} ${tid('embedding-view')}`).scrollIntoViewIfNeeded();
    await e.shot('methods-05-runs-self-paced');
  });

  it('raised no page errors on the way', () => {
    expect(e.errors).toEqual([]);
  });
});
