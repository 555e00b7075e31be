/**
 * The options of the app's one window, as a pure function (electron is imported as types only)
 * so test/electron/window-options.test.ts can assert them without Electron. The webPreferences
 * are the secure set STYLE.md §11 asks for: the renderer runs sandboxed, isolated from the
 * preload's world, without Node, with the same-origin policy on; its only door to the rest of
 * the app is `window.frugal` (src/preload).
 */
import type { BrowserWindowConstructorOptions, WebPreferences } from 'electron';

export function secureWebPreferences(preload: string): WebPreferences {
  return {
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    webSecurity: true,
    preload,
  };
}

export function mainWindowOptions(preload: string): BrowserWindowConstructorOptions {
  return {
    width: 1360,
    height: 880,
    minWidth: 960,
    minHeight: 640,
    title: 'Frugal Studio',
    // Shown on 'ready-to-show', so the window does not flash white before the UI paints.
    show: false,
    backgroundColor: '#1b1d22',
    webPreferences: secureWebPreferences(preload),
  };
}
