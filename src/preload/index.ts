/**
 * The preload script of the desktop app's window (bundled to dist-electron/preload.cjs: a
 * sandboxed preload must be one CommonJS file whose only import is 'electron'). It exposes
 * `window.frugal`, one method per channel of the contract (see bridge.ts), and nothing else:
 * never ipcRenderer itself.
 */
import { contextBridge, ipcRenderer } from 'electron';
import { buildBridge } from './bridge';

contextBridge.exposeInMainWorld('frugal', buildBridge(ipcRenderer));
