/**
 * End-to-end check of the slice viewer in Debian Chromium (headless, SwiftShader WebGL2): builds the
 * harness page, serves it with `vite preview`, drives the real Viewer with keys, clicks, drags and
 * the wheel, and asserts on data-* attributes and on pixels (sharp-decoded screenshots). Every
 * step saves a screenshot to look at. Reusable: `runViewerChecks()` returns the step results; the
 * e2e suite can call it or lift steps.
 *
 *   npx tsx test/e2e/viewer-harness/check.ts [--data /tmp/viewer-harness] [--shots /tmp/viewer-harness-shots]
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, type Page, chromium } from 'playwright-core';
import { build, preview } from 'vite';
import { makeHarnessData } from './make-data';
import { type Rgb8Image, changedFraction, countPixels, decodePng, isFnColour, isFpColour, isMaskColour, lumaStd } from '../pixels';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const CONFIG = join(HERE, 'vite.config.ts');
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];

export interface StepResult {
  name: string;
  ok: boolean;
  detail: string;
  shot?: string;
}

export interface Harness {
  url: string;
  browser: Browser;
  close(): Promise<void>;
}

/** Build the harness page and serve it on a free port; launch Chromium. */
export async function startHarness(dataDir: string): Promise<Harness> {
  if (!existsSync('/usr/bin/chromium')) throw new Error('/usr/bin/chromium is missing: apt-get install -y chromium');
  process.env.VIEWER_HARNESS_DATA = dataDir;
  await makeHarnessData(dataDir);
  await build({ configFile: CONFIG, logLevel: 'warn' });
  const server = await preview({ configFile: CONFIG, preview: { port: 0, host: '127.0.0.1' } });
  const url = server.resolvedUrls?.local[0];
  if (!url) throw new Error('vite preview reported no URL');
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  return {
    url,
    browser,
    close: async () => {
      await browser.close();
      await new Promise<void>((r) => server.httpServer.close(() => r()));
    },
  };
}

/** No modality button is busy loading (a string: this file is type-checked without the DOM library). */
const NOT_BUSY = "!document.querySelector('[data-testid^=modality-][aria-busy=true]')";
const attr = (page: Page, testid: string, name: string): Promise<string | null> => page.getByTestId(testid).getAttribute(name);
const num = async (page: Page, testid: string, name: string): Promise<number> => Number(await attr(page, testid, name));

/** Let the overlay recompose (next animation frame) and NiiVue redraw. */
async function settle(page: Page, ms = 250): Promise<void> {
  await page.evaluate('new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))');
  await page.waitForTimeout(ms);
}

export async function openViewer(h: Harness, query = '', ready = true): Promise<Page> {
  const page = await h.browser.newPage({ viewport: { width: 1280, height: 800 }, acceptDownloads: true });
  page.on('pageerror', (e) => console.error(`pageerror (${query}): ${e.message}`));
  await page.goto(`${h.url}${query}`);
  await page.waitForSelector(`[data-testid=viewer][data-status=${ready ? 'ready' : 'error'}]`, { timeout: 60_000 });
  await settle(page, 400);
  return page;
}

export async function runViewerChecks(h: Harness, shotsDir: string, dataDir: string): Promise<StepResult[]> {
  await mkdir(shotsDir, { recursive: true });
  // Remove only what an earlier run wrote (numbered screenshots, the two downloads).
  for (const f of await readdir(shotsDir)) {
    if (/^\d\d-.*\.png$|^Demo_001_.*\.(png|nii\.gz)$/.test(f)) await rm(join(shotsDir, f));
  }
  const results: StepResult[] = [];
  let shotNo = 0;
  let page!: Page;
  const canvasShot = async (name: string): Promise<Rgb8Image> => {
    const png = await page.getByTestId('viewer-canvas').screenshot();
    await writeFile(join(shotsDir, `${String(++shotNo).padStart(2, '0')}-${name}-canvas.png`), png);
    return decodePng(png);
  };
  const pageShot = async (name: string): Promise<string> => {
    const file = join(shotsDir, `${String(++shotNo).padStart(2, '0')}-${name}.png`);
    await page.screenshot({ path: file });
    return file;
  };
  const step = async (name: string, body: () => Promise<string>): Promise<void> => {
    try {
      const detail = await body();
      results.push({ name, ok: true, detail, shot: await pageShot(name) });
    } catch (err) {
      results.push({ name, ok: false, detail: err instanceof Error ? err.message : String(err), shot: await pageShot(`${name}-FAILED`).catch(() => undefined) });
    }
  };
  const expect = (cond: boolean, msg: string): void => {
    if (!cond) throw new Error(msg);
  };
  const press = async (key: string): Promise<void> => {
    await page.keyboard.press(key);
    await settle(page);
  };
  const slices = async (): Promise<{ axial: number; coronal: number; sagittal: number }> => ({
    axial: await num(page, 'slice-readout', 'data-axial'),
    coronal: await num(page, 'slice-readout', 'data-coronal'),
    sagittal: await num(page, 'slice-readout', 'data-sagittal'),
  });

  page = await openViewer(h, '?pred=good');
  let base!: Rgb8Image;

  await step('ready', async () => {
    base = await canvasShot('ready');
    const std = lumaStd(base);
    expect(std > 10, `canvas looks blank (luma std ${std.toFixed(1)})`);
    const legend = await page.getByTestId('legend').innerText();
    expect(legend.includes('NCR/NET') && legend.includes('WT = 1 + 2 + 4'), `legend lacks labels/regions: ${legend}`);
    const gt = await attr(page, 'voxel-readout', 'data-gt');
    expect(gt !== null && gt !== 'background', `crosshair did not open on the tumour (GT label ${gt})`);
    const masks = countPixels(base, isMaskColour);
    expect(masks > 500, `only ${masks} mask-coloured pixels`);
    return `luma std ${std.toFixed(1)}, ${masks} mask pixels, crosshair GT label ${gt}`;
  });

  await step('keys-step-slices', async () => {
    await page.getByTestId('viewer').focus();
    const s0 = await slices();
    await press('ArrowUp');
    const s1 = await slices();
    expect(s1.axial === s0.axial + 1 && s1.coronal === s0.coronal, `ArrowUp: axial ${s0.axial} → ${s1.axial}`);
    const img = await canvasShot('axial-up');
    const changed = changedFraction(base, img);
    expect(changed > 0.001, `ArrowUp changed only ${(changed * 100).toFixed(3)}% of pixels`);
    await press('PageDown');
    const s2 = await slices();
    expect(s2.axial === s1.axial - 10, `PageDown: axial ${s1.axial} → ${s2.axial}`);
    await press('c');
    expect((await attr(page, 'slice-readout', 'data-active')) === 'coronal', 'c did not make coronal active');
    await press('ArrowDown');
    const s3 = await slices();
    expect(s3.coronal === s2.coronal - 1 && s3.axial === s2.axial, `coronal step: ${JSON.stringify([s2, s3])}`);
    await press('a');
    await press('PageUp'); // axial s2 + 10 = s1
    const s4 = await slices();
    expect(s4.axial === s1.axial, `PageUp back: ${s4.axial} vs ${s1.axial}`);
    await press('ArrowDown'); // axial s0
    await press('c');
    await press('ArrowUp'); // coronal s0
    await press('a');
    const s5 = await slices();
    expect(JSON.stringify(s5) === JSON.stringify(s0), `returned to ${JSON.stringify(s5)}, started ${JSON.stringify(s0)}`);
    const same = changedFraction(base, await canvasShot('back-to-start'));
    expect(same < 0.001, `back at the start slice but ${(same * 100).toFixed(3)}% pixels differ`);
    return `axial ${s0.axial}→${s1.axial}→${s2.axial}; coronal ${s2.coronal}→${s3.coronal}; returned, diff ${(same * 100).toFixed(3)}%`;
  });

  await step('mask-toggle-m', async () => {
    const on = countPixels(base, isMaskColour);
    await press('m');
    expect((await attr(page, 'viewer', 'data-masks')) === 'off', 'data-masks not off');
    const offImg = await canvasShot('masks-off');
    const off = countPixels(offImg, isMaskColour);
    expect(off < on * 0.1, `masks off still shows ${off} coloured pixels (on: ${on})`);
    await page.getByTestId('mask-toggle').click();
    await settle(page);
    const again = await canvasShot('masks-on-again');
    const diff = changedFraction(base, again);
    expect(diff < 0.001, `masks back on differ from before by ${(diff * 100).toFixed(3)}%`);
    await page.getByTestId('viewer').focus();
    return `mask pixels on ${on} → off ${off} → on again (diff ${(diff * 100).toFixed(3)}%)`;
  });

  await step('outline-toggle-o', async () => {
    await press('o');
    expect((await attr(page, 'viewer', 'data-style')) === 'outline', 'data-style not outline');
    const styles = await page.getByTestId('legend-styles').innerText();
    expect(styles === 'Prediction: outline · Ground truth: fill', `legend styles: ${styles}`);
    const img = await canvasShot('outline-multiplanar');
    const diff = changedFraction(base, img);
    expect(diff > 0.002, `outline changed only ${(diff * 100).toFixed(3)}%`);
    await press('g'); // prediction alone, as outline
    const predOnly = await canvasShot('pred-outline-only');
    const predOnlyMask = countPixels(predOnly, isMaskColour);
    await press('o'); // prediction alone, filled
    const filled = countPixels(await canvasShot('pred-fill-only'), isMaskColour);
    expect(filled > predOnlyMask * 1.3, `fill (${filled}) should colour more pixels than outline (${predOnlyMask})`);
    await press('g');
    return `changed ${(diff * 100).toFixed(2)}%; prediction alone: outline ${predOnlyMask} vs fill ${filled} coloured pixels`;
  });

  await step('per-label-visibility-and-opacity', async () => {
    const isEtBlue = (r: number, g: number, b: number): boolean => b > r + 60 && b > g + 30;
    const blue = countPixels(base, isEtBlue);
    await page.getByTestId('label-visible-et').uncheck();
    await settle(page);
    const noEt = countPixels(await canvasShot('et-hidden'), isEtBlue);
    expect(blue > 100 && noEt < blue * 0.05, `ET-blue pixels ${blue} → ${noEt} with ET hidden`);
    await page.getByTestId('label-visible-et').check();
    // Browser-side code as strings: this file is type-checked without the DOM library.
    const setRange = (testid: string, value: number): Promise<unknown> =>
      page.evaluate(`(() => {
        const input = document.querySelector('[data-testid=${testid}]');
        input.value = '${value}';
        input.dispatchEvent(new Event('input', { bubbles: true }));
      })()`);
    await setRange('label-opacity-ed', 0.1);
    await settle(page);
    const faintEd = await canvasShot('ed-opacity-0.1');
    const d = changedFraction(base, faintEd);
    expect(d > 0.002, `ED opacity 0.1 changed only ${(d * 100).toFixed(3)}%`);
    await setRange('label-opacity-ed', 0.5);
    await setRange('mask-opacity', 0);
    await settle(page);
    const none = countPixels(await canvasShot('global-opacity-0'), isMaskColour);
    expect(none === 0, `global opacity 0 still shows ${none} coloured pixels`);
    await setRange('mask-opacity', 1);
    await settle(page);
    const back = changedFraction(base, await canvasShot('opacity-restored'));
    expect(back < 0.001, `restored opacities differ by ${(back * 100).toFixed(3)}%`);
    await page.getByTestId('viewer').focus();
    return `ET pixels ${blue} → ${noEt} hidden; ED at 0.1 changed ${(d * 100).toFixed(2)}%; global 0 → ${none} coloured`;
  });

  await step('modality-switch-keeps-crosshair', async () => {
    // Away from where a (re)load would put the crosshair (the tumour), so a reload would show.
    await press('PageUp');
    await press('c');
    await press('ArrowUp');
    await press('a');
    const moved = await canvasShot('moved-before-switch');
    const s0 = await slices();
    await press('1');
    await page.waitForSelector('[data-testid=viewer][data-modality=t1]');
    await page.waitForFunction(NOT_BUSY);
    await settle(page, 400);
    const t1 = await canvasShot('t1');
    const diff = changedFraction(moved, t1);
    expect(diff > 0.05, `T1 differs from FLAIR in only ${(diff * 100).toFixed(2)}% of pixels`);
    expect(JSON.stringify(await slices()) === JSON.stringify(s0), 'crosshair moved on modality switch');
    await page.getByTestId('modality-t1ce').click();
    await page.waitForSelector('[data-testid=viewer][data-modality=t1ce]');
    await page.waitForFunction(NOT_BUSY);
    await settle(page, 400);
    const t1ce = await canvasShot('t1ce');
    await page.getByTestId('viewer').focus();
    await press('3');
    await page.waitForFunction(NOT_BUSY);
    await settle(page, 400);
    await canvasShot('t2');
    await press('4');
    await settle(page, 400);
    const back = changedFraction(moved, await canvasShot('flair-again'));
    expect(back < 0.001, `FLAIR again differs by ${(back * 100).toFixed(3)}%`);
    expect(JSON.stringify(await slices()) === JSON.stringify(s0), 'crosshair moved over the modality round trip');
    await press('t'); // back to the tumour for the next steps
    const home = changedFraction(base, await canvasShot('tumour-again'));
    expect(home < 0.001, `'t' did not return to the opening view (${(home * 100).toFixed(3)}% differ)`);
    return `FLAIR→T1 ${(diff * 100).toFixed(1)}% changed, T1→T1ce ${(changedFraction(t1, t1ce) * 100).toFixed(1)}%, slices kept, FLAIR restored`;
  });

  await step('error-overlay-e', async () => {
    await press('e');
    expect((await attr(page, 'viewer', 'data-mode')) === 'errors', 'data-mode not errors');
    expect((await attr(page, 'legend', 'data-mode')) === 'errors', 'legend not in errors mode');
    const img = await canvasShot('errors-wt');
    const fp = countPixels(img, isFpColour);
    const fn = countPixels(img, isFnColour);
    expect(fp > 50 && fn > 50, `FP ${fp} / FN ${fn} pixels`);
    const diceWT = await num(page, 'error-counts', 'data-dice');
    await page.getByTestId('error-region-ET').check();
    await settle(page);
    await canvasShot('errors-et');
    const diceET = await num(page, 'error-counts', 'data-dice');
    expect(diceWT > 0 && diceWT < 1 && diceET > 0 && diceET < 1 && diceET !== diceWT, `Dice WT ${diceWT}, ET ${diceET}`);
    await page.getByTestId('error-region-WT').check();
    await page.getByTestId('viewer').focus();
    await press('e');
    expect((await attr(page, 'viewer', 'data-mode')) === 'labels', 'e did not switch back to labels');
    return `FP ${fp} px, FN ${fn} px; Dice WT ${diceWT.toFixed(3)}, ET ${diceET.toFixed(3)}`;
  });

  await step('window-level', async () => {
    const w0 = [await num(page, 'window-level', 'data-min'), await num(page, 'window-level', 'data-max')];
    await page.getByTestId('wl-preset-tumour-bright').click();
    await settle(page);
    const bright = await canvasShot('wl-tumour-bright');
    expect((await attr(page, 'window-level', 'data-preset')) === 'tumour-bright', 'preset not applied');
    const d1 = changedFraction(base, bright);
    expect(d1 > 0.05, `tumour-bright changed only ${(d1 * 100).toFixed(2)}%`);
    // right-drag in the canvas: NiiVue's windowing drag mode
    const box = (await page.getByTestId('viewer-canvas').boundingBox())!;
    const x = box.x + box.width * 0.25;
    const y = box.y + box.height * 0.25;
    await page.mouse.move(x, y);
    await page.mouse.down({ button: 'right' });
    for (let k = 1; k <= 8; k++) await page.mouse.move(x + 6 * k, y + 4 * k);
    await page.mouse.up({ button: 'right' });
    await settle(page);
    const w2 = [await num(page, 'window-level', 'data-min'), await num(page, 'window-level', 'data-max')];
    await canvasShot('wl-dragged');
    expect(w2[0] !== w0[0] || w2[1] !== w0[1], 'right drag did not change the window');
    expect((await attr(page, 'window-level', 'data-preset')) === '', 'a dragged window should not claim a preset');
    await page.mouse.dblclick(x, y);
    await settle(page);
    expect((await attr(page, 'window-level', 'data-preset')) === 'auto', 'double click did not reset to auto');
    const w3 = [await num(page, 'window-level', 'data-min'), await num(page, 'window-level', 'data-max')];
    expect(Math.abs(w3[0] - w0[0]) < 1e-6 && Math.abs(w3[1] - w0[1]) < 1e-6, `reset gave ${w3}, auto was ${w0}`);
    await page.getByTestId('viewer').focus();
    await press('w');
    const cycled = await attr(page, 'window-level', 'data-preset');
    await press('r');
    return `auto ${w0.map((v) => v.toFixed(0))} → drag ${w2.map((v) => v.toFixed(0))} → dblclick auto; w → ${cycled}; r → ${await attr(page, 'window-level', 'data-preset')}`;
  });

  await step('layouts-v-wheel-hover', async () => {
    await press('v');
    expect((await attr(page, 'viewer', 'data-layout')) === 'axial', 'v did not go to axial');
    const axial = await canvasShot('layout-axial');
    const box = (await page.getByTestId('viewer-canvas').boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await settle(page, 100);
    expect((await attr(page, 'voxel-readout', 'data-source')) === 'pointer', 'hover did not drive the voxel readout');
    const a0 = (await slices()).axial;
    await page.mouse.wheel(0, -120);
    await settle(page);
    const a1 = (await slices()).axial;
    expect(a1 !== a0, `wheel did not step the axial slice (${a0})`);
    await page.mouse.wheel(0, 120);
    await settle(page);
    expect((await slices()).axial === a0, 'wheel back did not return');
    await page.mouse.move(box.x - 20, box.y + 10);
    await settle(page, 100);
    expect((await attr(page, 'voxel-readout', 'data-source')) === 'crosshair', 'leaving the canvas did not restore the crosshair readout');
    await press('o'); // in-plane outline in a single view
    await canvasShot('axial-outline');
    await press('o');
    await page.getByTestId('viewer').focus();
    await press('v');
    await canvasShot('layout-coronal');
    await press('v');
    await canvasShot('layout-sagittal');
    await press('v');
    expect((await attr(page, 'viewer', 'data-layout')) === 'render', 'fourth v is not 3D');
    const render = await canvasShot('layout-render');
    expect(lumaStd(render) > 5, '3D render looks blank');
    await page.getByTestId('layout-multiplanar').click();
    await settle(page);
    const beforeFlip = await canvasShot('neurological');
    await page.getByTestId('radiological-toggle').click();
    await settle(page);
    const flipped = changedFraction(beforeFlip, await canvasShot('radiological'));
    expect(flipped > 0.01, `radiological toggle changed only ${(flipped * 100).toFixed(3)}%`);
    await page.getByTestId('radiological-toggle').click();
    await settle(page);
    await page.getByTestId('viewer').focus();
    await press('PageUp');
    await press('PageUp');
    await press('t');
    expect((await attr(page, 'voxel-readout', 'data-gt')) !== 'background', "'t' did not return to the tumour");
    return `radiological flip ${(flipped * 100).toFixed(1)}%; axial→coronal→sagittal→3D; wheel ${a0}→${a1}→${a0}; 3D luma std ${lumaStd(render).toFixed(1)}; axial tile ${axial.width}×${axial.height}`;
  });

  await step('keys-need-focus', async () => {
    await page.getByTestId('outside').focus();
    await page.keyboard.press('m');
    await page.keyboard.press('ArrowUp');
    await settle(page);
    expect((await attr(page, 'viewer', 'data-masks')) === 'on', "'m' typed outside the viewer toggled masks");
    await page.evaluate('document.activeElement && document.activeElement.blur()');
    const s0 = await slices();
    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('m');
    await settle(page);
    expect((await attr(page, 'viewer', 'data-masks')) === 'on' && JSON.stringify(await slices()) === JSON.stringify(s0), 'keys acted without focus');
    await page.getByTestId('viewer').focus();
    const focused = await page.evaluate("getComputedStyle(document.querySelector('[data-testid=viewer]')).borderTopColor");
    return `keys ignored outside; focus ring colour ${focused}`;
  });

  await step('screenshot-download', async () => {
    const [dl] = await Promise.all([page.waitForEvent('download'), page.getByTestId('screenshot').click()]);
    const file = join(shotsDir, dl.suggestedFilename());
    await dl.saveAs(file);
    const png = await decodePng(await readFile(file));
    const box = (await page.getByTestId('viewer-canvas').boundingBox())!;
    expect(Math.abs(png.width - Math.round(box.width)) <= 1 && lumaStd(png) > 10, `PNG ${png.width}×${png.height}, luma std ${lumaStd(png).toFixed(1)}`);
    return `${dl.suggestedFilename()} ${png.width}×${png.height}, luma std ${lumaStd(png).toFixed(1)}`;
  });

  await step('export-mask-download', async () => {
    const [dl] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-mask').click()]);
    expect(dl.suggestedFilename() === 'Demo_001_pred.nii.gz', `name ${dl.suggestedFilename()}`);
    const file = join(shotsDir, dl.suggestedFilename());
    await dl.saveAs(file);
    const got = await readFile(file);
    const want = await readFile(join(dataDir, 'pred', 'Demo_001.nii.gz'));
    expect(Buffer.compare(got, want) === 0, `exported ${got.length} bytes differ from the prediction file (${want.length})`);
    return `${dl.suggestedFilename()}: ${got.length} bytes, identical to the prediction`;
  });
  await page.close();

  page = await openViewer(h, '?pred=good&seg=0');
  await step('no-ground-truth', async () => {
    expect(await page.getByTestId('error-toggle').isDisabled(), 'error toggle enabled without GT');
    const reason = await page.getByTestId('error-unavailable').innerText();
    expect(reason.includes('no ground-truth'), `reason: ${reason}`);
    expect((await attr(page, 'voxel-readout', 'data-gt')) === null, 'GT label shown without GT');
    expect((await attr(page, 'voxel-readout', 'data-pred')) !== null, 'prediction label missing');
    return reason;
  });
  await page.close();

  page = await openViewer(h, '?pred=bad-grid');
  await step('prediction-on-another-grid', async () => {
    const alert = page.locator('[data-testid=viewer-problems] [role=alert]');
    const text = await alert.first().innerText();
    expect(text.includes('32×32×32') && text.includes('64×64×64'), `alert: ${text}`);
    expect(await page.getByTestId('export-mask').isDisabled(), 'export enabled for an unusable prediction');
    expect(await page.getByTestId('error-toggle').isDisabled(), 'error overlay enabled for an unusable prediction');
    return text;
  });
  await page.close();

  page = await openViewer(h, '?pred=missing');
  await step('prediction-missing-file', async () => {
    const text = await page.locator('[data-testid=viewer-problems] [role=alert]').first().innerText();
    expect(text.startsWith('Could not load the prediction'), `alert: ${text}`);
    return text;
  });
  await page.close();

  page = await openViewer(h, '?scan=missing', false);
  await step('scan-missing-is-fatal', async () => {
    const text = await page.getByTestId('viewer-error').innerText();
    expect((await attr(page, 'viewer-error', 'role')) === 'alert' && text.includes('nothere_flair'), `fatal: ${text}`);
    return text;
  });
  await page.close();

  page = await openViewer(h, '?pred=good&et=3');
  await step('et-label-3-warns', async () => {
    const legend = await page.getByTestId('legend').innerText();
    const warn = await page.getByTestId('viewer-problems').innerText();
    expect(legend.includes('ET = 3') && warn.includes('outside BraTS {0, 1, 2, 3}'), `legend ${legend} / problems ${warn}`);
    return warn.split('\n')[0];
  });
  await page.close();
  return results;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const arg = (name: string, fallback: string): string => {
    const at = process.argv.indexOf(name);
    return resolve(at > 0 ? process.argv[at + 1] : fallback);
  };
  const data = arg('--data', '/tmp/viewer-harness');
  const shots = arg('--shots', '/tmp/viewer-harness-shots');
  const t0 = Date.now();
  const h = await startHarness(data);
  let results: StepResult[] = [];
  try {
    results = await runViewerChecks(h, shots, data);
  } finally {
    await h.close();
  }
  for (const r of results) console.log(`${r.ok ? 'ok  ' : 'FAIL'} ${r.name}: ${r.detail}`);
  console.log(`${results.filter((r) => r.ok).length}/${results.length} steps passed in ${((Date.now() - t0) / 1000).toFixed(1)} s; screenshots in ${shots}`);
  process.exitCode = results.every((r) => r.ok) ? 0 : 1;
}
