/**
 * The engine host process: started by a door's supervisor (supervisor.ts) as an Electron
 * utilityProcess or a Node child process, never run by hand. It picks the tfjs backend
 * (FRUGAL_BACKEND honoured), answers the door's requests (loop.ts → engine-handlers.ts), and
 * says it is ready with an 'engine:statusChanged' event. The runs root comes from FRUGAL_RUNS
 * (the supervisor sets it), else the app's default.
 *
 * Errors that escape a request or a job are bugs: they are written to stderr (the supervisor
 * keeps the tail and shows it with the crash) and the process exits, rather than carry on in a
 * state nobody knows. When the door goes away, the running job is stopped (training writes its
 * stop checkpoint) and the process exits.
 */
import { formatBackendReport, selectBackend } from '../backend/select';
import { defaultRunsRoot } from '../runs/paths';
import { createEngineHost } from './engine-handlers';
import { emitter, serveRequests } from './loop';
import { detectTransport } from './transport';

const say = (s: string) => process.stderr.write(`engine host: ${s}\n`);

process.on('uncaughtException', (e) => {
  say(`uncaught error, exiting: ${e.stack ?? e.message}`);
  process.exit(70); // EX_SOFTWARE
});
process.on('unhandledRejection', (e) => {
  say(`unhandled rejection, exiting: ${(e as Error)?.stack ?? String(e)}`);
  process.exit(70);
});

async function main(): Promise<void> {
  const transport = detectTransport();
  const emit = emitter(transport);

  let backend;
  try {
    backend = await selectBackend();
  } catch (e) {
    say(`no usable tfjs backend: ${(e as Error).message}`);
    process.exit(3);
  }
  if (process.env.FRUGAL_DEBUG) say(formatBackendReport(backend));

  const host = createEngineHost({ runsRoot: defaultRunsRoot(), backend, emit });
  serveRequests(transport, { ...host.handlers, 'engine:status': async () => host.status() });

  let closing = false;
  transport.onClose(() => {
    if (closing) return;
    closing = true;
    void host.stopAndWait().finally(() => process.exit(0));
  });
  // Ctrl-C in a terminal signals the whole process group, the engine too: the door decides what a
  // Ctrl-C means (stop the job with a checkpoint, then end the engine), so the engine ignores it.
  process.on('SIGINT', () => undefined);
  // A door shutting down cleanly sends SIGTERM: same as the door going away.
  process.on('SIGTERM', () => {
    if (closing) process.exit(143);
    closing = true;
    void host.stopAndWait().finally(() => process.exit(0));
  });

  emit('engine:statusChanged', host.status()); // ready
}

// No top-level await: the Electron build bundles this file as CommonJS (dist-electron/engine.cjs),
// which loads from inside app.asar like main.cjs does.
void main();
