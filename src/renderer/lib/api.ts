/**
 * The renderer's one way to talk to the engine: `getApi()` returns the same FrugalApi whether the
 * page runs in the desktop app (over `window.frugal`, the preload bridge) or in a browser tab
 * served by `frugal serve` (over a WebSocket to /api, authenticated by the token from the URL).
 */
import type { FrugalApi, FrugalBridge } from '../../shared/api';
import { bridgeApi } from './bridge-api';
import { browserTokenEnv, takeToken } from './token';
import { WsClient } from './ws-client';

declare global {
  interface Window {
    /** The preload bridge; present only inside the Electron window. */
    frugal?: FrugalBridge;
  }
}

let api: FrugalApi | null = null;

export function apiUrl(loc: { protocol: string; host: string }, token: string | null): string {
  const scheme = loc.protocol === 'https:' ? 'wss' : 'ws';
  return `${scheme}://${loc.host}/api${token ? `?token=${encodeURIComponent(token)}` : ''}`;
}

function browserApi(): WsClient {
  const token = takeToken(browserTokenEnv());
  const display = apiUrl(window.location, null);
  return new WsClient({
    url: apiUrl(window.location, token),
    displayUrl: display,
    hint: token ? undefined : 'This tab has no access token: open the URL that `frugal serve` printed (it ends in #token=…).',
  });
}

export function getApi(): FrugalApi {
  api ??= window.frugal ? bridgeApi(window.frugal) : browserApi();
  return api;
}

/** For the dev-only fake (src/renderer/dev) and tests: use this FrugalApi instead. */
export function setApi(a: FrugalApi): void {
  api = a;
}
