/**
 * What the window may navigate to: only the app's own page (the renderer's index.html, or the
 * Vite dev server in development). Everything else is blocked; https links the UI opens in a
 * new window (a paper, the docs) go to the system browser instead. Pure, tested in Node.
 */
import { pathToFileURL } from 'node:url';

export function appUrlMatcher(rendererHtml: string, devServerUrl?: string): (url: string) => boolean {
  const page = pathToFileURL(rendererHtml).href;
  const devOrigin = devServerUrl ? new URL(devServerUrl).origin : null;
  return (url) => {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      return false;
    }
    if (devOrigin) return u.origin === devOrigin;
    u.hash = '';
    u.search = '';
    return u.href === page;
  };
}

/** Links handed to the system browser: https only (never file:, javascript:, custom schemes). */
export function isExternalLink(url: string): boolean {
  try {
    return new URL(url).protocol === 'https:';
  } catch {
    return false;
  }
}
