// The rest of main's Electron-free glue: the utilityProcess adapter the supervisor drives, what
// the window may navigate to, and the app menu's commands.
import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import { describe, expect, it, vi } from 'vitest';
import type { MenuItemConstructorOptions } from 'electron';
import { adaptUtilityProcess, utilityEngineSpawner, ENGINE_SERVICE_NAME, type UtilityProcessLike } from '../../src/main/engine';
import { aboutDetail, menuTemplate } from '../../src/main/menu';
import { appUrlMatcher, isExternalLink } from '../../src/main/navigation';
import { appPaths } from '../../src/main/paths';

function fakeChild() {
  const child = Object.assign(new EventEmitter(), {
    pid: 4242 as number | undefined,
    stdout: new PassThrough(),
    stderr: new PassThrough(),
    postMessage: vi.fn(),
    kill: vi.fn(() => true),
  });
  return child;
}

const tick = () => new Promise((r) => setImmediate(r));

describe('utilityProcess adapter', () => {
  it('carries messages both ways and reports the exit code', () => {
    const child = fakeChild();
    const proc = adaptUtilityProcess(child as unknown as UtilityProcessLike, () => {});
    proc.send({ type: 'invoke', id: 1, channel: 'runs:list', payload: {} });
    expect(child.postMessage).toHaveBeenCalledWith({ type: 'invoke', id: 1, channel: 'runs:list', payload: {} });
    const got: unknown[] = [];
    proc.onMessage((m) => got.push(m));
    child.emit('message', { type: 'event', channel: 'engine:statusChanged', payload: {} });
    expect(got).toEqual([{ type: 'event', channel: 'engine:statusChanged', payload: {} }]);
    const exit = vi.fn();
    proc.onExit(exit);
    child.emit('exit', 137);
    expect(exit).toHaveBeenCalledWith({ code: 137, signal: null });
    expect(proc.pid).toBe(4242);
  });

  it("forwards stdout and stderr to main's log by line, and stderr text to the supervisor", async () => {
    const child = fakeChild();
    const lines: string[] = [];
    const proc = adaptUtilityProcess(child as unknown as UtilityProcessLike, (l) => lines.push(l));
    const stderr: string[] = [];
    proc.onStderr!((t) => stderr.push(t));
    child.stdout.write('backend: cpu\npart');
    child.stdout.write('ial line\n');
    child.stderr.write('boom\n');
    await tick();
    expect(lines).toEqual(['engine: backend: cpu', 'engine: partial line', 'engine! boom']);
    expect(stderr.join('')).toBe('boom\n');
  });

  it('kills politely with SIGTERM (child.kill) and hard with SIGKILL by pid', () => {
    const child = fakeChild();
    const killPid = vi.fn();
    const proc = adaptUtilityProcess(child as unknown as UtilityProcessLike, () => {}, killPid);
    proc.kill();
    expect(child.kill).toHaveBeenCalledTimes(1);
    proc.kill('SIGKILL');
    expect(killPid).toHaveBeenCalledWith(4242);
    expect(child.kill).toHaveBeenCalledTimes(1);
  });

  it('forks the engine bundle as a named service with piped stdio and the supervisor env', () => {
    const child = fakeChild();
    const fork = vi.fn(() => child as unknown as UtilityProcessLike);
    utilityEngineSpawner(fork, '/app/dist-electron/engine.cjs', () => {})({ env: { FRUGAL_RUNS: '/runs' } });
    expect(fork).toHaveBeenCalledWith('/app/dist-electron/engine.cjs', [], expect.objectContaining({ serviceName: ENGINE_SERVICE_NAME, stdio: 'pipe', env: expect.objectContaining({ FRUGAL_RUNS: '/runs' }) }));
  });
});

describe('navigation', () => {
  const paths = appPaths('/app/dist-electron', {});

  it('finds the bundles next to main and the renderer build in dist/renderer', () => {
    expect(paths).toEqual({ preload: '/app/dist-electron/preload.cjs', engine: '/app/dist-electron/engine.cjs', rendererHtml: '/app/dist/renderer/index.html', devServerUrl: undefined });
    expect(appPaths('/app/dist-electron', { VITE_DEV_SERVER_URL: 'http://localhost:5173/' }).devServerUrl).toBe('http://localhost:5173/');
  });

  it("allows only the app's own page (any hash or query), nothing else", () => {
    const isApp = appUrlMatcher(paths.rendererHtml);
    expect(isApp('file:///app/dist/renderer/index.html')).toBe(true);
    expect(isApp('file:///app/dist/renderer/index.html#/runs/r1?tab=metrics')).toBe(true);
    expect(isApp('file:///app/dist/renderer/other.html')).toBe(false);
    expect(isApp('file:///etc/passwd')).toBe(false);
    expect(isApp('https://example.com/')).toBe(false);
    expect(isApp('frugal-file://f/abc/x.nii')).toBe(false);
    expect(isApp('garbage')).toBe(false);
  });

  it('in development, allows the dev server origin only', () => {
    const isApp = appUrlMatcher(paths.rendererHtml, 'http://localhost:5173/');
    expect(isApp('http://localhost:5173/src/main.ts')).toBe(true);
    expect(isApp('http://localhost:5174/')).toBe(false);
    expect(isApp('file:///app/dist/renderer/index.html')).toBe(false);
  });

  it('hands only https links to the system browser', () => {
    expect(isExternalLink('https://arxiv.org/abs/1707.04585')).toBe(true);
    for (const u of ['http://example.com', 'file:///etc/passwd', 'javascript:alert(1)', 'smb://host/share', 'frugal-file://f/x/y']) expect(isExternalLink(u), u).toBe(false);
  });
});

describe('app menu', () => {
  const items = (t: MenuItemConstructorOptions[]): MenuItemConstructorOptions[] => t.flatMap((i) => [i, ...(Array.isArray(i.submenu) ? items(i.submenu) : [])]);
  const click = (i: MenuItemConstructorOptions | undefined) => (i!.click as unknown as () => void)();

  it('sends open-dataset and create-demo-data to the renderer, and shows About', () => {
    const send = vi.fn();
    const showAbout = vi.fn();
    const all = items(menuTemplate({ isMac: false, isDev: false, send, showAbout }));
    click(all.find((i) => i.label?.startsWith('Open Dataset Folder')));
    click(all.find((i) => i.label?.startsWith('Create Demo Data')));
    click(all.find((i) => i.label === 'About Frugal Studio'));
    expect(send.mock.calls).toEqual([['open-dataset'], ['create-demo-data']]);
    expect(showAbout).toHaveBeenCalledTimes(1);
    expect(all.some((i) => i.role === 'quit')).toBe(true);
  });

  it('offers developer tools in development only', () => {
    const roles = (isDev: boolean) => items(menuTemplate({ isMac: false, isDev, send: () => {}, showAbout: () => {} })).map((i) => i.role);
    expect(roles(true)).toContain('toggleDevTools');
    expect(roles(false)).not.toContain('toggleDevTools');
    expect(roles(false)).toEqual(expect.arrayContaining(['reload', 'zoomIn', 'zoomOut', 'resetZoom']));
  });

  it('says which versions run in About', () => {
    const text = aboutDetail('0.1.0', { ...process.versions, electron: '45.5.0', chrome: '140.0' });
    expect(text).toContain('Frugal Studio 0.1.0');
    expect(text).toContain('Electron 45.5.0');
    expect(text).toContain(`Node ${process.versions.node}`);
  });
});
