/**
 * The app menu, as a template built by a pure function (electron types only). Items the
 * renderer carries out (open a dataset, create demo data) are sent to it as 'app:menu' events
 * of the contract; the rest are Electron roles or main's own (About).
 */
import type { MenuItemConstructorOptions } from 'electron';
import type { MenuCommand } from '../shared/api';

export interface MenuDeps {
  isMac: boolean;
  /** Developer tools only in development. */
  isDev: boolean;
  send: (command: MenuCommand) => void;
  showAbout: () => void;
}

export function menuTemplate({ isMac, isDev, send, showAbout }: MenuDeps): MenuItemConstructorOptions[] {
  const about: MenuItemConstructorOptions = { label: 'About Frugal Studio', click: showAbout };
  const view: MenuItemConstructorOptions[] = [
    { role: 'reload' },
    ...(isDev ? ([{ role: 'toggleDevTools' }] as MenuItemConstructorOptions[]) : []),
    { type: 'separator' },
    { role: 'resetZoom' },
    { role: 'zoomIn' },
    { role: 'zoomOut' },
    { type: 'separator' },
    { role: 'togglefullscreen' },
  ];
  return [
    // macOS puts About and Quit in the application menu named after the app.
    ...(isMac ? ([{ label: 'Frugal Studio', submenu: [about, { type: 'separator' }, { role: 'hide' }, { role: 'hideOthers' }, { role: 'unhide' }, { type: 'separator' }, { role: 'quit' }] }] as MenuItemConstructorOptions[]) : []),
    {
      label: 'File',
      submenu: [
        { label: 'Open Dataset Folder…', accelerator: 'CmdOrCtrl+O', click: () => send('open-dataset') },
        { label: 'Create Demo Data…', click: () => send('create-demo-data') },
        ...(isMac ? [] : ([{ type: 'separator' }, { role: 'quit' }] as MenuItemConstructorOptions[])),
      ],
    },
    { role: 'editMenu' },
    { label: 'View', submenu: view },
    { role: 'windowMenu' },
    { role: 'help', submenu: isMac ? [] : [about] },
  ];
}

/** The About box's text: app and runtime versions. */
export function aboutDetail(appVersion: string, versions: NodeJS.ProcessVersions): string {
  return [
    `Frugal Studio ${appVersion}`,
    `Electron ${versions.electron ?? '?'}`,
    `Chromium ${versions.chrome ?? '?'}`,
    `Node ${versions.node}`,
    `V8 ${versions.v8}`,
  ].join('\n');
}
