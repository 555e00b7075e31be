/**
 * `frugal serve`: the app in a browser (src/server). Prints one line, the URL with the token in
 * its fragment, on stdout; log lines go to stderr. Ctrl-C once: the running job stops after its
 * step (training writes a checkpoint), clients are closed and the engine ends; twice: exit now.
 */
import { spawn } from 'node:child_process';
import { startServer } from '../server/server';

export interface ServeCliOptions {
  host: string;
  port: string;
  runs?: string;
  backend?: string;
  token?: string;
  open: boolean;
}

/** Opens the URL in the default browser; silent where there is none (servers, containers). */
function openBrowser(url: string): void {
  const [cmd, args] = process.platform === 'darwin' ? ['open', [url]] : process.platform === 'win32' ? ['cmd', ['/c', 'start', '', url]] : ['xdg-open', [url]];
  try {
    const child = spawn(cmd, args, { stdio: 'ignore', detached: true });
    child.on('error', () => undefined);
    child.unref();
  } catch {
    // no opener: the printed URL is enough
  }
}

export async function serveCommand(o: ServeCliOptions): Promise<void> {
  const port = Number(o.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`serve: --port must be an integer in 0..65535 (0 = any free port), got '${o.port}'`);
  const server = await startServer({
    host: o.host,
    port,
    ...(o.runs !== undefined ? { runsRoot: o.runs } : {}),
    ...(o.backend !== undefined ? { backend: o.backend } : {}),
    ...(o.token !== undefined ? { token: o.token } : {}),
  });
  process.stdout.write(`Frugal Studio: ${server.url}\n`);
  if (o.open) openBrowser(server.url);

  await new Promise<void>((resolve) => {
    let stopping = false;
    const onSignal = () => {
      if (stopping) {
        process.stderr.write('\nfrugal serve: second Ctrl-C, exiting now\n');
        process.exit(130);
      }
      stopping = true;
      const job = server.supervisor.status().job;
      process.stderr.write(`\nfrugal serve: shutting down${job ? ` (stopping ${job.kind} job ${job.jobId} after its current step)` : ''}; Ctrl-C again to exit now\n`);
      server.close().then(resolve, (e: Error) => {
        process.stderr.write(`frugal serve: ${e.message}\n`);
        resolve();
      });
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}
