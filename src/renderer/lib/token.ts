/**
 * The access token of `frugal serve` in a browser tab: it arrives once in the URL fragment
 * (`#token=…`, never sent to the server in HTTP requests), is kept in sessionStorage for reloads,
 * and is removed from the visible URL so it does not end up in screenshots or shared links.
 */

export const TOKEN_KEY = 'frugal.token';

export interface TokenEnv {
  location: { hash: string; pathname: string; search: string };
  storage: Pick<Storage, 'getItem' | 'setItem'>;
  replaceUrl: (url: string) => void;
}

export function takeToken(env: TokenEnv): string | null {
  const params = new URLSearchParams(env.location.hash.replace(/^#/, ''));
  const fromHash = params.get('token');
  if (fromHash) {
    env.storage.setItem(TOKEN_KEY, fromHash);
    params.delete('token');
    const rest = params.toString();
    env.replaceUrl(`${env.location.pathname}${env.location.search}${rest ? `#${rest}` : ''}`);
    return fromHash;
  }
  return env.storage.getItem(TOKEN_KEY);
}

export function browserTokenEnv(): TokenEnv {
  return {
    location: window.location,
    storage: window.sessionStorage,
    replaceUrl: (url) => window.history.replaceState(window.history.state, '', url),
  };
}
