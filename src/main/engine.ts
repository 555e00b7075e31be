/**
 * Starts the engine host in an Electron utilityProcess (DESIGN.md, Processes): training is
 * synchronous tensor work that must not run on main's thread, and a crash or out-of-memory there
 * must not take the window down. This adapts a UtilityProcess to the supervisor's EngineProcess
 * (src/training/host/supervisor.ts): wire messages both ways, the exit, and stdout/stderr, which
 * go to main's log line by line (stderr also to the supervisor, which shows its tail with a crash).
 */
import type { ForkOptions, UtilityProcess } from 'electron';
import type { EngineProcess, EngineProcessSpawner } from '../training/host/supervisor';

export const ENGINE_SERVICE_NAME = 'Frugal Studio engine';

/** The part of a UtilityProcess the adapter uses (a test passes an EventEmitter). */
export type UtilityProcessLike = Pick<UtilityProcess, 'pid' | 'postMessage' | 'kill' | 'stdout' | 'stderr'> & {
  on(event: 'message', cb: (message: unknown) => void): unknown;
  on(event: 'exit', cb: (code: number) => void): unknown;
  on(event: 'error', cb: (type: string, location: string, report: string) => void): unknown;
};

/** Calls `log` once per complete line of a stream (the rest waits for its newline or the end). */
function forwardLines(stream: NodeJS.ReadableStream | null, log: (line: string) => void, also?: (text: string) => void): void {
  if (!stream) return;
  let partial = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    also?.(chunk);
    const lines = (partial + chunk).split(/\r?\n/);
    partial = lines.pop() ?? '';
    for (const line of lines) log(line);
  });
  stream.on('end', () => {
    if (partial) log(partial);
    partial = '';
  });
}

export function adaptUtilityProcess(child: UtilityProcessLike, log: (line: string) => void, killPid: (pid: number) => void = (pid) => process.kill(pid, 'SIGKILL')): EngineProcess {
  const stderrListeners: ((text: string) => void)[] = [];
  forwardLines(child.stdout, (l) => log(`engine: ${l}`));
  forwardLines(child.stderr, (l) => log(`engine! ${l}`), (text) => stderrListeners.forEach((cb) => cb(text)));
  child.on('error', (type, location) => log(`engine: ${type} at ${location}`));
  return {
    get pid() {
      return child.pid;
    },
    send: (msg) => child.postMessage(msg),
    onMessage: (cb) => void child.on('message', cb),
    // A utilityProcess reports an exit code only (a signal shows as its code).
    onExit: (cb) => void child.on('exit', (code) => cb({ code, signal: null })),
    onStderr: (cb) => void stderrListeners.push(cb),
    kill: (signal = 'SIGTERM') => {
      // child.kill() is SIGTERM on POSIX (the host checkpoints and exits); SIGKILL needs the pid.
      if (signal === 'SIGKILL' && child.pid !== undefined) killPid(child.pid);
      else child.kill();
    },
  };
}

/** The desktop app's spawner: forks the bundled engine host (dist-electron/engine.cjs). */
export function utilityEngineSpawner(fork: (modulePath: string, args: string[], options: ForkOptions) => UtilityProcessLike, entry: string, log: (line: string) => void): EngineProcessSpawner {
  return ({ env }) => {
    const child = fork(entry, [], {
      serviceName: ENGINE_SERVICE_NAME,
      stdio: 'pipe',
      env: { ...process.env, ...env },
      execArgv: ['--enable-source-maps'],
    });
    log(`engine: started ${entry} (pid ${child.pid ?? '?'})`);
    return adaptUtilityProcess(child, log);
  };
}
