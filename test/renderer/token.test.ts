// The serve token: taken from the URL fragment once, kept for reloads, removed from the URL.
import { describe, expect, it } from 'vitest';
import { TOKEN_KEY, takeToken, type TokenEnv } from '../../src/renderer/lib/token';
import { apiUrl } from '../../src/renderer/lib/api';

function env(hash: string, stored: string | null = null): TokenEnv & { urls: string[]; store: Map<string, string> } {
  const store = new Map<string, string>(stored ? [[TOKEN_KEY, stored]] : []);
  const urls: string[] = [];
  return {
    location: { hash, pathname: '/', search: '?x=1' },
    storage: { getItem: (k) => store.get(k) ?? null, setItem: (k, v) => void store.set(k, v) },
    replaceUrl: (u) => void urls.push(u),
    urls,
    store,
  };
}

describe('takeToken', () => {
  it('takes #token=… , stores it for reloads and removes it from the visible URL', () => {
    const e = env('#token=abc123');
    expect(takeToken(e)).toBe('abc123');
    expect(e.store.get(TOKEN_KEY)).toBe('abc123');
    expect(e.urls).toEqual(['/?x=1']);
  });

  it('keeps other fragment parameters', () => {
    const e = env('#token=abc&view=train');
    takeToken(e);
    expect(e.urls).toEqual(['/?x=1#view=train']);
  });

  it('falls back to the stored token after a reload, without touching the URL', () => {
    const e = env('', 'old');
    expect(takeToken(e)).toBe('old');
    expect(e.urls).toEqual([]);
  });

  it('a new token in the URL replaces the stored one', () => {
    const e = env('#token=new', 'old');
    expect(takeToken(e)).toBe('new');
    expect(e.store.get(TOKEN_KEY)).toBe('new');
  });

  it('is null when there is none', () => {
    expect(takeToken(env(''))).toBeNull();
  });
});

describe('apiUrl', () => {
  it('uses wss on https and encodes the token', () => {
    expect(apiUrl({ protocol: 'https:', host: 'gpu.example:8443' }, 'a+b/c')).toBe('wss://gpu.example:8443/api?token=a%2Bb%2Fc');
    expect(apiUrl({ protocol: 'http:', host: '127.0.0.1:5317' }, null)).toBe('ws://127.0.0.1:5317/api');
  });
});
