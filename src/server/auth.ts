/**
 * Who may talk to `frugal serve`. Every request to /api (the WebSocket) and /files must carry the
 * server's token; the static renderer files need none (they are public code).
 *
 * Why a token even on 127.0.0.1: a port on localhost is reachable from any web page the user
 * opens. Through DNS rebinding (a hostile name that first resolves to the attacker's server,
 * then to 127.0.0.1) such a page becomes same-origin with this server and could drive the engine
 * and read files; binding to localhost alone does not stop that. The token is random per server
 * start (or given with --token), travels in the URL fragment of the printed address (fragments
 * are never sent to servers or in Referer headers), and the page passes it explicitly.
 * Two more checks, defence in depth: a loopback-bound server answers only Host names that are
 * loopback (a rebinding page sends its own name), and the WebSocket upgrade's Origin, when a
 * browser sends one, must be the served host itself.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export function newToken(): string {
  return randomBytes(24).toString('base64url');
}

export function tokenMatches(given: string | null | undefined, token: string): boolean {
  if (typeof given !== 'string') return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The token of a request: `?token=` (WebSocket and file URLs from a page) or `Authorization: Bearer`. */
export function requestToken(req: IncomingMessage, url: URL): string | null {
  const q = url.searchParams.get('token');
  if (q) return q;
  const auth = req.headers.authorization;
  return auth?.startsWith('Bearer ') ? auth.slice(7) : null;
}

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

export function isLoopbackAddress(host: string): boolean {
  return LOOPBACK_NAMES.has(host) || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** The host name of a Host header, without the port. */
function hostName(hostHeader: string): string {
  if (hostHeader.startsWith('[')) return hostHeader.slice(0, hostHeader.indexOf(']') + 1);
  return hostHeader.replace(/:\d+$/, '');
}

/** A loopback-bound server accepts only loopback Host names (DNS rebinding sends the attacker's). */
export function hostAllowed(req: IncomingMessage, boundHost: string): boolean {
  if (!isLoopbackAddress(boundHost)) return true;
  const h = req.headers.host;
  return typeof h === 'string' && isLoopbackAddress(hostName(h).toLowerCase());
}

/**
 * A browser's WebSocket upgrade carries the page's Origin: it must be this server. Clients that
 * are not browsers send none (and no web page can make them connect); they still need the token.
 */
export function originAllowed(req: IncomingMessage): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  const host = req.headers.host;
  if (!host) return false;
  return origin === `http://${host}` || origin === `https://${host}`;
}
