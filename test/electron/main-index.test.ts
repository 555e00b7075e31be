// src/main/index.ts with electron mocked: the wiring that is otherwise only type-checked. The
// window gets the secure options and the bundled preload, every invoke channel is handled, the
// CSP header is set, the file scheme is privileged and handled, navigation and new windows are
// blocked, the engine is forked as a utilityProcess, and quitting stops the engine first.
import { EventEmitter } from 'node:events';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { INVOKE_CHANNELS } from '../../src/shared/api';

const h = vi.hoisted(() => {
  const appEvents = new Map<string, ((...a: unknown[]) => void)[]>();
  const windows: { options: Record<string, unknown>; loaded: string[] }[] = [];
  return {
    appEvents,
    windows,
    handles: [] as string[],
    forks: [] as unknown[][],
    privileged: [] as unknown[],
    protocolHandlers: [] as string[],
    headerListener: null as null | ((details: { responseHeaders?: Record<string, string[]> }, cb: (r: unknown) => void) => void),
    permissionHandler: null as null | ((wc: unknown, permission: string, cb: (ok: boolean) => void) => void),
    quit: 0,
    children: [] as { kill: { mock: { calls: unknown[] } } }[],
    forkedChildKilled(): boolean {
      return this.children.length === 1 && this.children[0].kill.mock.calls.length > 0;
    },
  };
});

vi.mock('electron', async () => {
  // vi.mock is hoisted above the imports: load what the fakes need here.
  const { EventEmitter } = await import('node:events');
  const { PassThrough } = await import('node:stream');
  const on = (event: string, cb: (...a: unknown[]) => void) => {
    if (!h.appEvents.has(event)) h.appEvents.set(event, []);
    h.appEvents.get(event)!.push(cb);
  };
  class BrowserWindow extends EventEmitter {
    webContents = Object.assign(new EventEmitter(), { send: vi.fn(), isDestroyed: () => false });
    record: { options: Record<string, unknown>; loaded: string[] };
    constructor(options: Record<string, unknown>) {
      super();
      this.record = { options, loaded: [] };
      h.windows.push(this.record);
    }
    static getAllWindows = () => h.windows;
    loadURL = async (u: string) => void this.record.loaded.push(u);
    loadFile = async (f: string) => void this.record.loaded.push(f);
    isDestroyed = () => false;
    isMinimized = () => false;
    show = vi.fn();
    focus = vi.fn();
  }
  return {
    app: {
      isPackaged: false,
      requestSingleInstanceLock: () => true,
      on,
      whenReady: () => Promise.resolve(),
      quit: () => void h.quit++,
      getVersion: () => '0.1.0',
    },
    BrowserWindow,
    dialog: { showOpenDialog: vi.fn(), showMessageBox: vi.fn(), showErrorBox: vi.fn() },
    ipcMain: { handle: (c: string) => void h.handles.push(c), removeHandler: vi.fn() },
    Menu: { buildFromTemplate: (t: unknown) => t, setApplicationMenu: vi.fn() },
    net: { fetch: vi.fn() },
    protocol: { registerSchemesAsPrivileged: (s: unknown[]) => void h.privileged.push(...s), handle: (scheme: string) => void h.protocolHandlers.push(scheme) },
    session: {
      defaultSession: {
        webRequest: { onHeadersReceived: (l: typeof h.headerListener) => void (h.headerListener = l) },
        setPermissionRequestHandler: (f: typeof h.permissionHandler) => void (h.permissionHandler = f),
      },
    },
    shell: { openExternal: vi.fn(async () => {}) },
    utilityProcess: {
      fork: (...args: unknown[]) => {
        h.forks.push(args);
        // An engine that never says it is ready (the supervisor stays 'starting') and exits when
        // asked. No pid: nothing may ever signal a real process from this test.
        const child = Object.assign(new EventEmitter(), { pid: undefined, stdout: new PassThrough(), stderr: new PassThrough(), postMessage: vi.fn() });
        const proc = Object.assign(child, { kill: vi.fn(() => setImmediate(() => child.emit('exit', 0)) && true) });
        h.children.push(proc);
        return proc;
      },
    },
  };
});

beforeAll(async () => {
  process.env.VITE_DEV_SERVER_URL = 'http://localhost:5173/';
  await import('../../src/main/index');
  await new Promise((r) => setImmediate(r)); // let whenReady().then run
  delete process.env.VITE_DEV_SERVER_URL;
});

const emitApp = (event: string, ...args: unknown[]) => h.appEvents.get(event)?.forEach((cb) => cb(...args));

describe('main process wiring', () => {
  it('registers the frugal-file scheme as privileged and handles it', () => {
    expect(h.privileged).toEqual([{ scheme: 'frugal-file', privileges: { standard: true, secure: true, supportFetchAPI: true, corsEnabled: true, stream: true } }]);
    expect(h.protocolHandlers).toEqual(['frugal-file']);
  });

  it('opens one window with the secure webPreferences and the bundled preload, loading the dev server', () => {
    expect(h.windows).toHaveLength(1);
    const prefs = h.windows[0].options.webPreferences as Record<string, unknown>;
    expect(prefs).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true });
    expect(String(prefs.preload)).toMatch(/preload\.cjs$/);
    expect(h.windows[0].loaded).toEqual(['http://localhost:5173/']);
  });

  it('handles every invoke channel once', () => {
    expect([...h.handles].sort()).toEqual([...INVOKE_CHANNELS].sort());
  });

  it('sets the Content-Security-Policy on responses', () => {
    let got: { responseHeaders?: Record<string, string[]> } | undefined;
    h.headerListener!({ responseHeaders: { 'Content-Type': ['text/html'] } }, (r) => (got = r as typeof got));
    const csp = got!.responseHeaders!['Content-Security-Policy'][0];
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("object-src 'none'");
  });

  it('grants no permission but clipboard writes', () => {
    const answers: Record<string, boolean> = {};
    for (const p of ['media', 'geolocation', 'notifications', 'clipboard-sanitized-write', 'openExternal']) h.permissionHandler!({}, p, (ok) => (answers[p] = ok));
    expect(answers).toEqual({ media: false, geolocation: false, notifications: false, 'clipboard-sanitized-write': true, openExternal: false });
  });

  it('denies new windows and blocks navigation away from the app', async () => {
    const wc = Object.assign(new EventEmitter(), { setWindowOpenHandler: vi.fn() });
    emitApp('web-contents-created', {}, wc);
    const openHandler = wc.setWindowOpenHandler.mock.calls[0][0] as (d: { url: string }) => { action: string };
    expect(openHandler({ url: 'https://example.com' })).toEqual({ action: 'deny' });
    expect(openHandler({ url: 'file:///etc/passwd' })).toEqual({ action: 'deny' });
    const electron = await import('electron');
    expect(electron.shell.openExternal).toHaveBeenCalledTimes(1);
    expect(electron.shell.openExternal).toHaveBeenCalledWith('https://example.com');
    const nav = (url: string) => {
      const e = { preventDefault: vi.fn() };
      wc.emit('will-navigate', e, url);
      return e.preventDefault.mock.calls.length > 0;
    };
    expect(nav('https://evil.example/')).toBe(true);
    expect(nav('file:///etc/passwd')).toBe(true);
    expect(nav('http://localhost:5173/')).toBe(false);
    const attach = { preventDefault: vi.fn() };
    wc.emit('will-attach-webview', attach);
    expect(attach.preventDefault).toHaveBeenCalled();
  });

  it('forks the engine bundle as a utilityProcess', () => {
    expect(h.forks).toHaveLength(1);
    const [entry, args, options] = h.forks[0] as [string, string[], Record<string, unknown>];
    expect(entry).toMatch(/engine\.cjs$/);
    expect(args).toEqual([]);
    expect(options).toMatchObject({ serviceName: 'Frugal Studio engine', stdio: 'pipe' });
    expect((options.env as Record<string, string>).FRUGAL_RUNS).toBeTruthy();
  });

  it('stops the engine before quitting', async () => {
    const e = { preventDefault: vi.fn() };
    emitApp('before-quit', e);
    expect(e.preventDefault).toHaveBeenCalled();
    await vi.waitFor(() => expect(h.quit).toBe(1), { timeout: 2000 });
    expect(h.forkedChildKilled()).toBe(true);
    emitApp('before-quit', { preventDefault: vi.fn() }); // the second time it lets the app go
  });
});
