/**
 * The engine host as a Node child process (for `frugal serve`, tests, and anything else that is
 * not Electron): child_process.fork of entry.ts through tsx's loader (the app runs TypeScript
 * without a build step, like bin/frugal.js). The engine's stdout and stderr are passed to `log`
 * line by line, so the door's own stdout stays its own.
 */
import { fork } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { EngineProcess, EngineProcessSpawner } from './supervisor';

export const ENGINE_ENTRY = fileURLToPath(new URL('./entry.ts', import.meta.url));

/** tsx's ESM loader as a file URL: `--import tsx` would resolve from the working directory, which may be anywhere. */
function tsxLoaderUrl(): string {
  return pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
}

export interface NodeSpawnerOptions {
  entry?: string;
  /** Where the engine's output lines go; default: this process's stderr, prefixed "engine: ". */
  log?: (line: string) => void;
}

export function nodeEngineSpawner(o: NodeSpawnerOptions = {}): EngineProcessSpawner {
  const log = o.log ?? ((line: string) => process.stderr.write(`engine: ${line}\n`));
  return ({ env }) => {
    const child = fork(o.entry ?? ENGINE_ENTRY, [], {
      execArgv: ['--import', tsxLoaderUrl()],
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      serialization: 'json',
    });
    const stderrListeners: ((s: string) => void)[] = [];
    const lines = (stream: NodeJS.ReadableStream | null, also?: (s: string) => void) => {
      let buf = '';
      stream?.setEncoding('utf8');
      stream?.on('data', (chunk: string) => {
        also?.(chunk);
        buf += chunk;
        let i: number;
        while ((i = buf.indexOf('\n')) >= 0) {
          log(buf.slice(0, i));
          buf = buf.slice(i + 1);
        }
      });
      stream?.on('end', () => buf && log(buf));
    };
    lines(child.stdout);
    lines(child.stderr, (s) => stderrListeners.forEach((l) => l(s)));
    child.on('error', (e) => log(`engine process error: ${e.message}`));
    const proc: EngineProcess = {
      get pid() {
        return child.pid;
      },
      send(msg) {
        if (!child.connected) throw new Error('the engine process has closed its channel');
        child.send(msg);
      },
      onMessage: (cb) => void child.on('message', cb),
      onExit: (cb) => void child.once('close', (code, signal) => cb({ code, signal })),
      onStderr: (cb) => void stderrListeners.push(cb),
      kill: (signal = 'SIGTERM') => void child.kill(signal),
    };
    return proc;
  };
}
