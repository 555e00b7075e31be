/**
 * The renderer's Content-Security-Policy, one definition for both doors: the renderer build
 * writes it into index.html as a <meta> tag (vite.config.ts), so it holds in the desktop window
 * (file://) and in a browser tab served by `frugal serve`; Electron main also sends it as a
 * response header (session.webRequest.onHeadersReceived). Pure, so tests read it directly.
 *   connect-src 'self': the browser tab's WebSocket to its own server (CSP3 'self' covers ws:).
 *   style-src 'unsafe-inline': Svelte transitions write inline styles.
 *   connect-src frugal-file:: NiiVue fetches volumes through the app's file protocol.
 *   img-src frugal-file:: the detection viewer shows dataset images through the same protocol.
 *   worker-src blob:: NiiVue decompresses in workers made from blobs.
 * In development the Vite dev server's origin (HMR WebSocket) is added to connect-src.
 */
export const FILE_SCHEME = 'frugal-file';

export function contentSecurityPolicy(opts: { devServerUrl?: string } = {}): string {
  const connect = ["'self'", `${FILE_SCHEME}:`];
  if (opts.devServerUrl) {
    // (no URL global here: src/shared compiles without DOM or Node types)
    const m = /^(https?):\/\/([^/?#]+)/.exec(opts.devServerUrl);
    if (!m) throw new Error(`contentSecurityPolicy: dev server URL ${opts.devServerUrl} is not http(s)://host`);
    connect.push(`${m[1]}://${m[2]}`, `${m[1] === 'https' ? 'wss' : 'ws'}://${m[2]}`);
  }
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    `img-src 'self' data: blob: ${FILE_SCHEME}:`,
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
