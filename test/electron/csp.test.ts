// The renderer's Content-Security-Policy: the directives the app relies on, and the header merge.
import { describe, expect, it } from 'vitest';
import { contentSecurityPolicy, withCsp } from '../../src/shared/csp';

const directives = (policy: string) => new Map(policy.split(';').map((d) => d.trim().split(/\s+/)).map(([k, ...v]) => [k, v]));

describe('content security policy', () => {
  it('allows only the app itself, its file protocol and blob workers', () => {
    const d = directives(contentSecurityPolicy());
    expect(d.get('default-src')).toEqual(["'self'"]);
    expect(d.get('script-src')).toEqual(["'self'"]); // no 'unsafe-inline' / 'unsafe-eval' for scripts
    expect(d.get('style-src')).toEqual(["'self'", "'unsafe-inline'"]);
    expect(d.get('img-src')).toEqual(["'self'", 'data:', 'blob:', 'frugal-file:']);
    expect(d.get('connect-src')).toEqual(["'self'", 'frugal-file:']);
    expect(d.get('worker-src')).toEqual(["'self'", 'blob:']);
    expect(d.get('object-src')).toEqual(["'none'"]);
  });

  it('adds the dev server (and its HMR WebSocket) to connect-src in development only', () => {
    const d = directives(contentSecurityPolicy({ devServerUrl: 'http://localhost:5173/' }));
    expect(d.get('connect-src')).toEqual(["'self'", 'frugal-file:', 'http://localhost:5173', 'ws://localhost:5173']);
    expect(d.get('script-src')).toEqual(["'self'"]);
  });

  it('replaces any existing policy header, whatever its case, and keeps the others', () => {
    const h = withCsp({ 'content-security-policy': ['default-src *'], 'Content-Type': ['text/html'] }, "default-src 'self'");
    expect(h).toEqual({ 'Content-Type': ['text/html'], 'Content-Security-Policy': ["default-src 'self'"] });
  });
});
