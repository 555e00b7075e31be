/**
 * FrugalApi over the Electron preload bridge (`window.frugal`, one method per channel): invoke
 * channels take the request, event channels take a listener and return an unsubscribe function.
 */
import type { EventChannel, FrugalApi, FrugalBridge, InvokeChannel } from '../../shared/api';

type AnyInvoke = (req: unknown) => Promise<unknown>;
type AnySubscribe = (listener: (payload: unknown) => void) => () => void;

/** ipcRenderer.invoke wraps errors as "Error invoking remote method 'x': Error: msg"; keep msg. */
export function cleanIpcError(channel: string, e: unknown): Error {
  const raw = e instanceof Error ? e.message : String(e);
  const msg = raw.replace(/^Error invoking remote method '[^']*': (?:\w*Error: )?/, '');
  const err = new Error(msg.startsWith(channel) ? msg : `${channel}: ${msg}`);
  err.name = e instanceof Error ? e.name : 'Error';
  return err;
}

export function bridgeApi(bridge: FrugalBridge): FrugalApi {
  const methods = bridge as unknown as Record<string, AnyInvoke | AnySubscribe>;
  return {
    invoke<K extends InvokeChannel>(channel: K, req: Parameters<FrugalApi['invoke']>[1]) {
      const fn = methods[channel] as AnyInvoke | undefined;
      if (typeof fn !== 'function') return Promise.reject(new Error(`${channel}: the desktop bridge has no such channel (preload out of date?)`));
      return fn(req).catch((e: unknown) => {
        throw cleanIpcError(channel, e);
      }) as ReturnType<FrugalApi['invoke']>;
    },
    on<K extends EventChannel>(channel: K, listener: Parameters<FrugalApi['on']>[1]) {
      const fn = methods[channel] as AnySubscribe | undefined;
      if (typeof fn !== 'function') throw new Error(`${channel}: the desktop bridge has no such event (preload out of date?)`);
      return fn(listener as (payload: unknown) => void);
    },
  } as FrugalApi;
}
