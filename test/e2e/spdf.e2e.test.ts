/**
 * SPDF end to end, as a user drives it against a real `frugal serve` and engine: from Experiments,
 * Train… on 'spdf-pretrain' with the 'tiny' preset; the demo text set written from the form's
 * "Create demo data" (which points `data` at its corpus; the form shows the FLOP reduction of its
 * sparsity before training); the live job panel draws the sparsity heat strip
 * (75 % zeros in every matrix) and text samples. Then 'spdf-finetune' 'tiny' from that run on the
 * demo E2E set (the form offers the set written before), dense: the panel shows the moment fine-tuning turned dense and a BLEU. The Runs
 * view then shows the fine-tune's stored panel and both comparisons (pre-training, fine-tuning). Screenshots go to
 * test-results/e2e/spdf-*.png.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startE2E, type E2E } from './browser';

const tid = (id: string) => `[data-testid="${id}"]`;
const TRAIN_TIMEOUT = 240_000; // 'tiny' pre-trains 30 steps and fine-tunes 12 in well under a minute each on wasm

describe('SPDF in a browser (frugal serve)', () => {
  let e: E2E;
  let text: string;
  let pretrainRun = '';
  beforeAll(async () => {
    e = await startE2E();
    text = join(e.dir, 'text');
    await e.page.waitForSelector(`${tid('status-engine')}[data-state="idle"]`, { timeout: 90_000 });
  });
  afterAll(async () => {
    await e?.close();
  });

  /** Experiments → Train… on `id` → preset → the given fields → Start; waits for the job to end. */
  async function train(id: string, fields: Record<string, string>, beforeStart?: () => Promise<void>): Promise<string> {
    await e.page.keyboard.press('Alt+5');
    const item = e.page.locator(`${tid('experiment-item')}[data-experiment-id="${id}"]`);
    await item.waitFor({ timeout: 30_000 });
    expect(await item.getAttribute('data-built')).toBe('true');
    await item.locator('button', { hasText: 'Train' }).click();
    await e.page.waitForSelector(tid('train-start'));
    await e.page.selectOption(tid('train-preset'), 'tiny');
    for (const [key, value] of Object.entries(fields)) await e.page.fill(tid(`cfg-${key}`), value);
    await beforeStart?.();
    await e.page.waitForFunction(() => !(document.querySelector('[data-testid="train-start"]') as HTMLButtonElement | null)?.disabled, null, { timeout: 30_000 });
    await e.page.click(tid('train-start'));
    await e.page.waitForSelector(`${tid('train-job')}[data-phase="running"]`, { timeout: 60_000 });
    return (await e.page.getAttribute(tid('train-job'), 'data-run-id')) ?? '';
  }
  const waitDone = async () => {
    await e.page.waitForSelector(`${tid('train-job')}:not([data-phase="running"])`, { timeout: TRAIN_TIMEOUT });
    expect(await e.page.getAttribute(tid('train-job'), 'data-phase')).toBe('completed');
  };

  it("pre-trains 'tiny' 75 % sparse: FLOP note, heat strip and text samples", async () => {
    pretrainRun = await train('spdf-pretrain', {}, async () => {
      await e.page.fill(tid('demo-folder-out'), text);
      await e.page.click(tid('demo-folder-create'));
      await e.page.waitForFunction((want) => (document.querySelector('[data-testid="cfg-data"]') as HTMLInputElement | null)?.value === want, join(text, 'corpus'), { timeout: 60_000 });
      expect(await e.page.locator(tid('demo-folder-error')).count()).toBe(0);
      await e.page.waitForSelector(tid('spdf-flops-note'), { timeout: 30_000 });
      expect(await e.page.locator(tid('spdf-flops-note-reduction')).textContent()).toMatch(/\d\.\d+×/);
    });
    expect(pretrainRun).not.toBe('');
    const cells = `${tid('train-job')} ${tid('spdf-cell')}`;
    await e.page.waitForFunction((sel) => document.querySelectorAll(sel).length === 12, cells, { timeout: TRAIN_TIMEOUT }); // 2 layers × q k v o fc proj
    for (const z of await e.page.locator(cells).evaluateAll((els) => els.map((el) => Number(el.getAttribute('data-zero'))))) expect(z).toBe(0.75);
    await e.page.waitForSelector(`${tid('train-job')} ${tid('spdf-sample')}`, { timeout: TRAIN_TIMEOUT });
    await waitDone();
    await e.page.locator(`${tid('train-job')} ${tid('spdf-samples')}`).scrollIntoViewIfNeeded();
    await e.shot('spdf-01-pretrain');
  });

  it("fine-tunes it dense ('tiny'): the panel marks the turn to dense, and reports BLEU", async () => {
    await e.page.waitForSelector(`${tid('status-engine')}[data-state="idle"]`, { timeout: 60_000 });
    await train('spdf-finetune', { from: pretrainRun }, async () => {
      expect(await e.page.locator(tid('demo-folder-written')).textContent()).toContain(join(text, 'e2e'));
      await e.page.click(tid('demo-folder-use'));
      expect(await e.page.inputValue(tid('cfg-data'))).toBe(join(text, 'e2e'));
    });
    await waitDone();
    await e.page.waitForSelector(`${tid('train-job')} ${tid('spdf-turned-dense')}`, { timeout: 30_000 });
    expect(await e.page.locator(`${tid('train-job')} ${tid('spdf-bleu')}`).textContent()).toMatch(/\d/);
    await e.page.locator(`${tid('train-job')} ${tid('spdf-sparsity')}`).scrollIntoViewIfNeeded();
    await e.shot('spdf-02-finetune');
  });

  it('the Runs view shows the stored fine-tune and the pre-training and fine-tuning comparisons', async () => {
    await e.page.keyboard.press('Alt+4');
    const row = e.page.locator(`${tid('run-row')}:has(td:text-is("spdf-finetune"))`).first();
    await row.waitFor({ timeout: 30_000 });
    await row.locator('button').first().click();
    await e.page.waitForSelector(`${tid('run-methods')} ${tid('spdf-sparsity')}`, { timeout: 30_000 });
    await e.page.waitForSelector(`${tid('spdf-compare-finetune')}[data-variants="1"]`, { timeout: 30_000 });
    // Pre-training and fine-tuning runs are compared together, whichever is selected.
    await e.page.waitForSelector(`${tid('spdf-compare-pretrain')}[data-variants="1"]`, { timeout: 30_000 });
    await e.page.locator(tid('spdf-compare-finetune')).scrollIntoViewIfNeeded();
    await e.shot('spdf-03-runs');
    expect(e.errors).toEqual([]);
  });
});
