// `npm start` (bin/start.js): where Electron cannot start, one line says why and `frugal serve`
// runs instead. The Electron binary is found from the electron package's own record, never by
// require('electron') (which would try to download it).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, symlink, writeFile, copyFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = resolve(__dirname, '..', '..');

interface StartModule {
  findElectronBinary(o: { electronDir: string | null; env?: NodeJS.ProcessEnv }): { path: string } | { problem: string };
  displayProblem(o?: { platform?: NodeJS.Platform; env?: NodeJS.ProcessEnv }): string | null;
}
let start: StartModule;
let base: string;

beforeAll(async () => {
  start = (await import(pathToFileURL(join(ROOT, 'bin', 'start.js')).href)) as StartModule;
  base = await mkdtemp(join(tmpdir(), 'frugal-start-'));
});

afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

describe('finding Electron', () => {
  it('uses the binary recorded in path.txt when it exists', async () => {
    const dir = join(base, 'electron-ok');
    await mkdir(join(dir, 'dist'), { recursive: true });
    await writeFile(join(dir, 'path.txt'), 'electron');
    await writeFile(join(dir, 'dist', 'electron'), '');
    expect(start.findElectronBinary({ electronDir: dir, env: {} })).toEqual({ path: join(dir, 'dist', 'electron') });
  });

  it('says the binary is not installed when it was never downloaded (as here)', () => {
    const r = start.findElectronBinary({ electronDir: join(ROOT, 'node_modules', 'electron'), env: {} });
    expect(r).toEqual({ problem: expect.stringMatching(/Electron binary is not installed/) });
    expect(start.findElectronBinary({ electronDir: null, env: {} })).toEqual({ problem: expect.stringMatching(/electron package/) });
  });

  it('honours ELECTRON_OVERRIDE_DIST_PATH', async () => {
    const dist = join(base, 'override');
    await mkdir(dist, { recursive: true });
    await writeFile(join(dist, 'electron'), '');
    expect(start.findElectronBinary({ electronDir: join(base, 'nowhere'), env: { ELECTRON_OVERRIDE_DIST_PATH: dist } })).toEqual({ path: join(dist, 'electron') });
  });

  it('needs a display on Linux only', () => {
    expect(start.displayProblem({ platform: 'linux', env: {} })).toMatch(/no display/);
    expect(start.displayProblem({ platform: 'linux', env: { DISPLAY: ':0' } })).toBeNull();
    expect(start.displayProblem({ platform: 'linux', env: { WAYLAND_DISPLAY: 'wayland-0' } })).toBeNull();
    expect(start.displayProblem({ platform: 'darwin', env: {} })).toBeNull();
    expect(start.displayProblem({ platform: 'win32', env: {} })).toBeNull();
  });
});

describe('npm start without Electron', () => {
  it('builds the bundles, says why in one line, and runs frugal serve instead', async () => {
    // A copy of the launcher in its own root (sharing sources and node_modules), so the bundles it
    // builds and the renderer it finds are its own.
    const root = join(base, 'app');
    await mkdir(join(root, 'bin'), { recursive: true });
    await mkdir(join(root, 'dist', 'renderer'), { recursive: true });
    await writeFile(join(root, 'dist', 'renderer', 'index.html'), '<!doctype html><title>stub</title>');
    for (const f of ['start.js', 'frugal.js']) await copyFile(join(ROOT, 'bin', f), join(root, 'bin', f));
    for (const f of ['package.json', 'node_modules', 'src', 'scripts']) await symlink(join(ROOT, f), join(root, f));
    const env = { ...process.env };
    delete env.DISPLAY;
    delete env.WAYLAND_DISPLAY;
    delete env.ELECTRON_OVERRIDE_DIST_PATH;
    const child = spawn(process.execPath, [join(root, 'bin', 'start.js'), '--help'], { cwd: base, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d));
    child.stderr.on('data', (d: Buffer) => (out += d));
    const code = await new Promise<number | null>((r) => child.on('exit', r));
    expect(code, out).toBe(0);
    const lines = out.trim().split('\n');
    expect(lines[0]).toMatch(/^Frugal Studio: the desktop app cannot start here: the Electron binary is not installed .*; starting `frugal serve` instead\.$/);
    expect(out).toMatch(/Usage: frugal serve/); // serve's own help: it ran
    expect(out).not.toMatch(/Downloading Electron/); // nothing tried to fetch the binary
    for (const f of ['main.cjs', 'preload.cjs', 'engine.cjs']) expect(existsSync(join(root, 'dist-electron', f)), f).toBe(true);
  }, 60_000);
});
