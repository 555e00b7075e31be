/**
 * The renderer's Content-Security-Policy, added to every response by
 * session.webRequest.onHeadersReceived (index.ts). Pure, so a test reads it without Electron.
 *   style-src 'unsafe-inline': Svelte transitions write inline styles.
 *   connect-src frugal-file:: NiiVue fetches volumes through the app's file protocol.
 *   worker-src blob:: NiiVue decompresses in workers made from blobs.
 * In development the Vite dev server's origin (HMR WebSocket) is added to connect-src.
 */
export const FILE_SCHEME = 'frugal-file';

export function contentSecurityPolicy(opts: { devServerUrl?: string } = {}): string {
  const connect = ["'self'", `${FILE_SCHEME}:`];
  if (opts.devServerUrl) {
    const u = new URL(opts.devServerUrl);
    connect.push(u.origin, `${u.protocol === 'https:' ? 'wss' : 'ws'}://${u.host}`);
  }
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    `connect-src ${connect.join(' ')}`,
    "worker-src 'self' blob:",
    "object-src 'none'",
  ].join('; ');
}

/** Response headers with the policy set (replacing any policy header, whatever its case). */
export function withCsp(headers: Record<string, string[]> | undefined, policy: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(headers ?? {})) if (k.toLowerCase() !== 'content-security-policy') out[k] = v;
  out['Content-Security-Policy'] = [policy];
  return out;
}
