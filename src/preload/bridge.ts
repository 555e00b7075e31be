/**
 * Builds `window.frugal` (the desktop app's API in the renderer) from the contract: one method
 * per channel of src/shared/api.ts, found by iterating BRIDGE_KEYS, so no channel is written here
 * (STYLE.md §10). Invoke channels forward the request to main with ipcRenderer.invoke; event
 * channels subscribe a listener that receives only the payload (the IpcRendererEvent is dropped,
 * as Electron's docs ask: it carries `sender`, i.e. ipcRenderer) and return an unsubscribe
 * function. The ipc object is captured in closures and never returned (STYLE.md §11).
 *
 * Pure: takes an ipcRenderer-like object, so it is tested without Electron.
 */
import { API, BRIDGE_KEYS, type FrugalBridge } from '../shared/api';

/** The part of Electron's ipcRenderer the bridge uses. */
export interface IpcRendererLike {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  on(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
  removeListener(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
}

export function buildBridge(ipc: IpcRendererLike): FrugalBridge {
  const bridge: Record<string, unknown> = {};
  for (const channel of BRIDGE_KEYS) {
    if (API[channel].kind === 'invoke') {
      // Main validates the payload (parseRequest); nothing is trusted here.
      bridge[channel] = (req: unknown) => ipc.invoke(channel, req);
    } else {
      bridge[channel] = (listener: unknown) => {
        if (typeof listener !== 'function') throw new TypeError(`window.frugal['${channel}']: the listener must be a function`);
        const handler = (_event: unknown, payload: unknown) => (listener as (p: unknown) => void)(payload);
        ipc.on(channel, handler);
        // Return our own function, never ipc.on's return value (ipcRenderer.on returns ipcRenderer).
        return () => {
          ipc.removeListener(channel, handler);
        };
      };
    }
  }
  return Object.freeze(bridge) as FrugalBridge;
}
