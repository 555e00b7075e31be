#!/usr/bin/env node
// `npm start`: launches the desktop app (DESIGN.md, Processes). Builds what is missing (the
// renderer, if dist/renderer is absent) and the Electron bundles (always: a second or two), then
// starts Electron. Where Electron cannot start (its binary is not installed, or Linux has no
// display), it says why in one line and starts `frugal serve` instead, which prints the URL to
// open in a browser. Arguments pass through to Electron or to `frugal serve`.
//
// The Electron binary is looked up without require('electron'): that call tries to download the
// binary when it is missing, which must never happen silently (and cannot succeed offline).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * The Electron executable's path, or why there is none, from the electron package's own record
 * (path.txt, written when its binary was downloaded) and ELECTRON_OVERRIDE_DIST_PATH.
 * @param {{ electronDir: string | null, env?: NodeJS.ProcessEnv }} o
 * @returns {{ path: string } | { problem: string }}
 */
export function findElectronBinary({ electronDir, env = process.env }) {
  if (!electronDir) return { problem: 'the electron package is not installed (npm install)' };
  const pathFile = join(electronDir, 'path.txt');
  const rel = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : null;
  if (env.ELECTRON_OVERRIDE_DIST_PATH) {
    const p = join(env.ELECTRON_OVERRIDE_DIST_PATH, rel || 'electron');
    return existsSync(p) ? { path: p } : { problem: `no Electron binary at ${p} (ELECTRON_OVERRIDE_DIST_PATH)` };
  }
  const p = rel ? join(electronDir, 'dist', rel) : null;
  if (!p || !existsSync(p)) return { problem: 'the Electron binary is not installed (`npx install-electron` downloads it)' };
  return { path: p };
}

/**
 * Why no window can open here, or null. Linux needs an X11 or Wayland display.
 * @param {{ platform?: NodeJS.Platform, env?: NodeJS.ProcessEnv }} o
 * @returns {string | null}
 */
export function displayProblem({ platform = process.platform, env = process.env } = {}) {
  if (platform === 'linux' && !env.DISPLAY && !env.WAYLAND_DISPLAY) return 'no display (DISPLAY and WAYLAND_DISPLAY are unset)';
  return null;
}

/** @returns {string | null} the installed electron package's folder */
function electronPackageDir() {
  try {
    return dirname(createRequire(join(ROOT, 'package.json')).resolve('electron/package.json'));
  } catch {
    return null;
  }
}

/** Runs a command in the repository with inherited stdio; exits with its status if it fails. */
function run(what, cmd, args) {
  const r = spawnSync(cmd, args, { cwd: ROOT, stdio: 'inherit', shell: process.platform === 'win32' });
  if (r.status !== 0) {
    console.error(`npm start: ${what} failed (${r.error ? r.error.message : `exit ${r.status ?? r.signal}`})`);
    process.exit(r.status || 1);
  }
}

/** Runs a child with inherited stdio until it ends, then exits with its code (Ctrl-C reaches it directly). */
function handOver(cmd, args, env) {
  const child = spawn(cmd, args, { cwd: ROOT, stdio: 'inherit', env });
  // The terminal sends Ctrl-C to the whole process group; the child decides how to stop.
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
  return child;
}

function serveInstead(reason, args) {
  console.log(`Frugal Studio: the desktop app cannot start here: ${reason}; starting \`frugal serve\` instead.`);
  const child = handOver(process.execPath, [join(ROOT, 'bin', 'frugal.js'), 'serve', ...args], process.env);
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

async function main() {
  const args = process.argv.slice(2);
  if (!existsSync(join(ROOT, 'dist', 'renderer', 'index.html'))) run('building the renderer (npm run build:renderer)', 'npm', ['run', 'build:renderer']);

  const { register } = await import('tsx/esm/api');
  register();
  const { buildElectron } = await import(pathToFileURL(join(ROOT, 'scripts', 'build-electron.ts')).href);
  try {
    await buildElectron({ root: ROOT });
  } catch (e) {
    console.error(`npm start: building the Electron bundles failed: ${e instanceof Error ? e.message : e}`);
    process.exit(1);
  }

  const binary = findElectronBinary({ electronDir: electronPackageDir() });
  if ('problem' in binary) return serveInstead(binary.problem, args);
  const noDisplay = displayProblem();
  if (noDisplay) return serveInstead(noDisplay, args);

  const env = { ...process.env };
  delete env.ELECTRON_RUN_AS_NODE; // would start Electron as plain Node, without a window
  const child = handOver(binary.path, [ROOT, ...args], env);
  child.on('error', (e) => serveInstead(`Electron did not run (${e.message})`, args));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
