/**
 * Where things live on disk: the runs root, the files inside one run folder, and the
 * package.json files the run card and `frugal doctor` read versions from.
 *
 * The default runs root is the folder Electron's `app.getPath('userData')` gives for the
 * productName "Frugal Studio", plus `/runs`, so the CLI, `frugal serve` and the desktop app
 * (which cannot import electron here: the engine never does) all see the same run history.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The productName in package.json; Electron names the userData folder after it. */
export const PRODUCT_NAME = 'Frugal Studio';

export interface PlatformEnv {
  env?: NodeJS.ProcessEnv;
  platform?: NodeJS.Platform;
  home?: string;
}

/**
 * Electron's `app.getPath('appData')`: Linux `$XDG_CONFIG_HOME` or `~/.config`, macOS
 * `~/Library/Application Support`, Windows `%APPDATA%` (`~/AppData/Roaming` if unset).
 */
export function appDataDir({ env = process.env, platform = process.platform, home = homedir() }: PlatformEnv = {}): string {
  if (platform === 'win32') return env.APPDATA || join(home, 'AppData', 'Roaming');
  if (platform === 'darwin') return join(home, 'Library', 'Application Support');
  return env.XDG_CONFIG_HOME || join(home, '.config');
}

/** `$FRUGAL_RUNS` if set (resolved against the working directory), else `<userData>/runs`. */
export function defaultRunsRoot(p: PlatformEnv = {}): string {
  const env = p.env ?? process.env;
  if (env.FRUGAL_RUNS) return resolve(env.FRUGAL_RUNS);
  return join(appDataDir(p), PRODUCT_NAME, 'runs');
}

/** The fixed layout of one run folder (DESIGN.md, Runs on disk). */
export interface RunPaths {
  dir: string;
  config: string; // config.json: the resolved config, written once
  card: string; // card.json: versions, backend, seed, dataset fingerprint
  status: string; // status.json: running/completed/failed/stopped/interrupted, pid, heartbeat
  metrics: string; // metrics.jsonl: one event per line, appended
  summary: string; // summary.json: final numbers, may be replaced
  checkpoints: string; // checkpoints/: safetensors weights + optimiser state
  predictions: string; // predictions/: e.g. NIfTI masks
}

export function runPaths(dir: string): RunPaths {
  return {
    dir,
    config: join(dir, 'config.json'),
    card: join(dir, 'card.json'),
    status: join(dir, 'status.json'),
    metrics: join(dir, 'metrics.jsonl'),
    summary: join(dir, 'summary.json'),
    checkpoints: join(dir, 'checkpoints'),
    predictions: join(dir, 'predictions'),
  };
}

/** The app's own package.json (name, productName, version), found by walking up from here. */
export function appPackageJson(): { name: string; version: string; productName?: string; path: string } | null {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const p = join(dir, 'package.json');
    if (existsSync(p)) {
      try {
        const pkg = JSON.parse(readFileSync(p, 'utf8')) as { name?: string; version?: string; productName?: string };
        if (pkg.name === 'frugal-studio' && pkg.version) return { name: pkg.name, version: pkg.version, productName: pkg.productName, path: p };
      } catch {
        // a stray unreadable package.json on the way up is not ours; keep walking
      }
    }
    const up = dirname(dir);
    if (up === dir) return null;
    dir = up;
  }
}

const require = createRequire(import.meta.url);

/**
 * The installed version of a dependency, read from its package.json without importing it
 * (importing a native tfjs package has side effects: it loads libtensorflow). null if absent.
 */
export function installedPackageVersion(pkg: string): string | null {
  try {
    const p = require.resolve(`${pkg}/package.json`);
    const v = (JSON.parse(readFileSync(p, 'utf8')) as { version?: unknown }).version;
    return typeof v === 'string' ? v : null;
  } catch {
    // `exports` may hide package.json from require.resolve: look in node_modules folders instead
    let dir = dirname(fileURLToPath(import.meta.url));
    for (;;) {
      const p = join(dir, 'node_modules', pkg, 'package.json');
      if (existsSync(p)) {
        try {
          const v = (JSON.parse(readFileSync(p, 'utf8')) as { version?: unknown }).version;
          return typeof v === 'string' ? v : null;
        } catch {
          return null;
        }
      }
      const up = dirname(dir);
      if (up === dir) return null;
      dir = up;
    }
  }
}
