/**
 * Main's IPC: one ipcMain.handle per invoke channel of the contract, derived from
 * INVOKE_CHANNELS (no channel is listed here). Every payload is validated with parseRequest
 * before any handler sees it; door channels go to main's own handlers (DoorHandlers), the rest
 * to the engine supervisor, which forwards them to the engine process. Engine events go the
 * other way with webContents.send. Electron is imported as types only, so a test drives this
 * with fakes.
 */
import type { IpcMainInvokeEvent } from 'electron';
import {
  DOOR_CHANNELS,
  INVOKE_CHANNELS,
  parseRequest,
  type DoorChannel,
  type DoorHandlers,
  type EngineChannel,
  type EventChannel,
  type InvokeChannel,
  type ParsedRequestOf,
  type PayloadOf,
  type ResponseOf,
} from '../shared/api';

/** The part of ipcMain the router uses. */
export interface IpcMainLike {
  handle(channel: string, listener: (event: IpcMainInvokeEvent, ...args: unknown[]) => unknown): void;
  removeHandler(channel: string): void;
}

/** What main needs from the engine supervisor: forward an engine channel's request. */
export interface EngineInvoker {
  invoke<K extends EngineChannel>(channel: K, req: ParsedRequestOf<K>): Promise<ResponseOf<K>>;
}

export interface IpcRouterOptions {
  ipcMain: IpcMainLike;
  door: DoorHandlers;
  engine: EngineInvoker;
  /** Refuses requests from anything but the app's window (Electron security checklist #17). */
  allowSender?: (event: IpcMainInvokeEvent) => boolean;
  /** Told of every successful engine answer (main learns dataset roots it may serve from them). */
  onEngineResult?: <K extends EngineChannel>(channel: K, req: ParsedRequestOf<K>, res: ResponseOf<K>) => void;
}

const isDoorChannel = (c: InvokeChannel): c is DoorChannel => (DOOR_CHANNELS as readonly string[]).includes(c);

/** Validates and routes one request (exported for the tests; the handlers call it). */
export async function route<K extends InvokeChannel>(opts: Omit<IpcRouterOptions, 'ipcMain' | 'allowSender'>, channel: K, raw: unknown): Promise<ResponseOf<K>> {
  const req = parseRequest(channel, raw);
  if (isDoorChannel(channel)) {
    const handler = opts.door[channel] as (r: typeof req) => Promise<ResponseOf<K>>;
    return handler(req);
  }
  const engineChannel = channel as EngineChannel;
  const res = await opts.engine.invoke(engineChannel, req as ParsedRequestOf<typeof engineChannel>);
  opts.onEngineResult?.(engineChannel, req as ParsedRequestOf<typeof engineChannel>, res);
  return res as ResponseOf<K>;
}

/** Registers every invoke channel; returns a function that unregisters them. */
export function registerIpc(opts: IpcRouterOptions): () => void {
  for (const channel of INVOKE_CHANNELS) {
    opts.ipcMain.handle(channel, async (event, raw) => {
      if (opts.allowSender && !opts.allowSender(event)) throw new Error(`${channel}: refused: the request did not come from the app's window`);
      return route(opts, channel, raw);
    });
  }
  return () => {
    for (const channel of INVOKE_CHANNELS) opts.ipcMain.removeHandler(channel);
  };
}

/** Sends an event of the contract to the window (if it is still there). */
export function sendEvent<K extends EventChannel>(target: { isDestroyed(): boolean; send(channel: string, ...args: unknown[]): void } | null, channel: K, payload: PayloadOf<K>): void {
  if (target && !target.isDestroyed()) target.send(channel, payload);
}
