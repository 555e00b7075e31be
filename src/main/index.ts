/**
 * The desktop app's main process (bundled to dist-electron/main.cjs, package.json "main"):
 * one window running the sandboxed renderer, the app menu, native dialogs, the `frugal-file:`
 * protocol, and the engine host in a utilityProcess behind the EngineSupervisor. Main stays
 * thin: requests are validated and routed by ipc.ts, the engine does the work.
 */
import { app, BrowserWindow, dialog, ipcMain, Menu, net, protocol, session, shell, utilityProcess, type WebContents } from 'electron';
import { existsSync } from 'node:fs';
import { contentSecurityPolicy, withCsp } from '../shared/csp';
import { createDoorHandlers, rootsFromEngineResult } from './door';
import { utilityEngineSpawner } from './engine';
import { AllowedRoots } from './file-access';
import { FILE_SCHEME_PRIVILEGES, handleFileProtocol } from './file-protocol';
import { registerIpc, sendEvent } from './ipc';
import { aboutDetail, menuTemplate } from './menu';
import { appUrlMatcher, isExternalLink } from './navigation';
import { appPaths } from './paths';
import { mainWindowOptions } from './window-options';
import type { EngineStatus } from '../shared/api';
import { EngineSupervisor } from '../training/host/supervisor';
import { defaultRunsRoot } from '../training/runs/paths';

process.setSourceMapsEnabled(true);

const log = (line: string) => console.log(`[main] ${line}`);
const paths = appPaths(__dirname);
const isDev = !app.isPackaged;
const isAppUrl = appUrlMatcher(paths.rendererHtml, paths.devServerUrl);

// Before 'ready': the scheme must be privileged (fetch, CORS, streaming) for NiiVue to use it.
protocol.registerSchemesAsPrivileged([FILE_SCHEME_PRIVILEGES]);

// One instance: one engine writing to the runs folder, one window.
if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  start();
}

function start(): void {
  const runsRoot = defaultRunsRoot();
  const roots = new AllowedRoots();
  roots.add(runsRoot);

  const supervisor = new EngineSupervisor({
    spawn: utilityEngineSpawner((modulePath, args, options) => utilityProcess.fork(modulePath, args, options), paths.engine, log),
    door: 'electron',
    runsRoot,
  });

  let win: BrowserWindow | null = null;
  const contents = (): WebContents | null => (win && !win.isDestroyed() ? win.webContents : null);

  supervisor.on((channel, payload) => {
    sendEvent(contents(), channel, payload);
    if (channel === 'engine:statusChanged') {
      const s = payload as EngineStatus;
      if (s.state === 'crashed') log(`engine: ${s.error ?? 'crashed'}`);
    }
  });

  const door = createDoorHandlers({
    roots,
    engine: supervisor.doorHandlers,
    pickFolder: async (title) => {
      const options = { title, properties: ['openDirectory', 'createDirectory'] as ('openDirectory' | 'createDirectory')[] };
      const r = win ? await dialog.showOpenDialog(win, options) : await dialog.showOpenDialog(options);
      return r.canceled ? null : (r.filePaths[0] ?? null);
    },
  });

  registerIpc({
    ipcMain,
    door,
    engine: supervisor,
    // Only the app's own page in the app's window may call (Electron security checklist #17).
    allowSender: (event) => event.sender === contents() && isAppUrl(event.senderFrame?.url ?? ''),
    onEngineResult: (channel, req, res) => {
      for (const root of rootsFromEngineResult(channel, req, res)) roots.add(root);
    },
  });

  // Every web contents: no new windows (https links open in the browser), no navigation away
  // from the app's page, no <webview>.
  app.on('web-contents-created', (_e, wc) => {
    wc.setWindowOpenHandler(({ url }) => {
      if (isExternalLink(url)) void shell.openExternal(url);
      return { action: 'deny' };
    });
    wc.on('will-navigate', (e, url) => {
      if (!isAppUrl(url)) {
        e.preventDefault();
        log(`blocked navigation to ${url}`);
      }
    });
    wc.on('will-redirect', (e, url) => {
      if (!isAppUrl(url)) e.preventDefault();
    });
    wc.on('will-attach-webview', (e) => e.preventDefault());
  });

  const sendMenu = (command: 'open-dataset' | 'create-demo-data') => {
    if (win) {
      if (win.isMinimized()) win.restore();
      win.focus();
    }
    sendEvent(contents(), 'app:menu', { command });
  };
  const showAbout = () => {
    const options = { type: 'info' as const, title: 'About Frugal Studio', message: 'Frugal Studio', detail: aboutDetail(app.getVersion(), process.versions) };
    void (win ? dialog.showMessageBox(win, options) : dialog.showMessageBox(options));
  };

  function createWindow(): void {
    win = new BrowserWindow(mainWindowOptions(paths.preload));
    win.once('ready-to-show', () => win?.show());
    win.on('closed', () => {
      win = null;
    });
    win.webContents.on('render-process-gone', (_e, details) => log(`renderer gone: ${details.reason} (exit ${details.exitCode})`));
    if (paths.devServerUrl) {
      void win.loadURL(paths.devServerUrl);
    } else if (existsSync(paths.rendererHtml)) {
      void win.loadFile(paths.rendererHtml);
    } else {
      dialog.showErrorBox('Frugal Studio', `The user interface is not built: ${paths.rendererHtml} is missing. Run \`npm run build:renderer\`, or start with \`npm start\`.`);
      app.quit();
    }
  }

  app.on('second-instance', () => {
    if (!win) return createWindow();
    if (win.isMinimized()) win.restore();
    win.focus();
  });

  void app.whenReady().then(() => {
    const csp = contentSecurityPolicy({ devServerUrl: paths.devServerUrl });
    session.defaultSession.webRequest.onHeadersReceived((details, callback) => callback({ responseHeaders: withCsp(details.responseHeaders, csp) }));
    // The renderer needs no camera, microphone, geolocation, notifications…; only clipboard writes.
    session.defaultSession.setPermissionRequestHandler((_wc, permission, callback) => callback(permission === 'clipboard-sanitized-write'));
    handleFileProtocol(protocol, (url, init) => net.fetch(url, init), roots, log);

    Menu.setApplicationMenu(Menu.buildFromTemplate(menuTemplate({ isMac: process.platform === 'darwin', isDev, send: sendMenu, showAbout })));
    createWindow();
    // The window shows 'starting' meanwhile; a failed start is reported as 'crashed' via the event.
    supervisor.start().catch((e: unknown) => log(`engine did not start: ${(e as Error).message}`));

    app.on('activate', () => {
      if (BrowserWindow.getAllWindows().length === 0) createWindow();
    });
  });

  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });

  // Quitting stops the running job first (training writes a checkpoint), then the engine.
  let engineStopped = false;
  app.on('before-quit', (e) => {
    if (engineStopped) return;
    e.preventDefault();
    engineStopped = true;
    log('stopping the engine…');
    supervisor
      .shutdown({ jobGraceMs: 60_000 })
      .catch((err: unknown) => log(`engine shutdown: ${(err as Error).message}`))
      .finally(() => app.quit());
  });
}
