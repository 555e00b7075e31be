/**
 * End-to-end plumbing: a real `frugal serve` (startServer, port 0, temp runs folder, cpu engine
 * process) and Debian's Chromium through playwright-core (never a downloaded browser). Screenshots
 * go to test-results/e2e/ (kept as CI artifacts; look at them).
 */
import { existsSync, mkdirSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startServer, type RunningServer } from '../../src/server/server';
import { ROOT } from '../cli';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const SHOTS = join(ROOT, 'test-results', 'e2e');

export interface E2E {
  dir: string;
  server: RunningServer;
  browser: Browser;
  page: Page;
  errors: string[];
  shot(name: string): Promise<string>;
  close(): Promise<void>;
}

/** `backend`: what the engine is told (FRUGAL_BACKEND); default 'cpu', 'auto' lets it choose. */
export async function startE2E(opts: { backend?: string } = {}): Promise<E2E> {
  if (!existsSync(CHROMIUM)) throw new Error(`end-to-end tests need Debian's Chromium at ${CHROMIUM} (apt-get install chromium; .ci/run does this)`);
  if (!existsSync(join(ROOT, 'dist/renderer/index.html'))) throw new Error('end-to-end tests need the built renderer: run `npm run build:renderer` first (npm test does)');
  mkdirSync(SHOTS, { recursive: true });
  const dir = await mkdtemp(join(tmpdir(), 'frugal-e2e-'));
  const server = await startServer({ port: 0, runsRoot: join(dir, 'runs'), backend: opts.backend ?? 'cpu', log: () => undefined });
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && !/favicon|GPU stall|ReadPixels/.test(m.text())) errors.push(`console: ${m.text()}`);
  });
  await page.goto(server.url);
  return {
    dir,
    server,
    browser,
    page,
    errors,
    async shot(name) {
      const file = join(SHOTS, `${name}.png`);
      await page.screenshot({ path: file });
      return file;
    },
    async close() {
      await browser.close().catch(() => undefined);
      await server.close();
    },
  };
}
