/** Runs the `frugal` CLI as a child process, as a user would, and parses its JSON events. */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { EngineEvent } from '../src/shared/events';

export const ROOT = join(import.meta.dirname, '..');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  events: EngineEvent[];
}

/** Parses every stdout line that is a JSON object. */
export function parseEvents(stdout: string): EngineEvent[] {
  return stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as EngineEvent);
}

export function startFrugal(args: string[], env: NodeJS.ProcessEnv = {}): ChildProcess {
  return spawn(process.execPath, [join(ROOT, 'bin/frugal.js'), ...args], {
    cwd: ROOT,
    env: { ...process.env, FRUGAL_BACKEND: 'cpu', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

export function frugal(args: string[], opts: { env?: NodeJS.ProcessEnv; onLine?: (line: string, child: ChildProcess) => void } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = startFrugal(args, opts.env);
    let stdout = '';
    let stderr = '';
    let pending = '';
    child.stdout!.on('data', (d: Buffer) => {
      const s = d.toString();
      stdout += s;
      pending += s;
      let i: number;
      while ((i = pending.indexOf('\n')) >= 0) {
        opts.onLine?.(pending.slice(0, i), child);
        pending = pending.slice(i + 1);
      }
    });
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr, events: parseEvents(stdout) }));
  });
}
