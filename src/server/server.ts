/**
 * `frugal serve`: the app in a browser tab. One node:http server on one port:
 *   GET  /           the built renderer (dist/renderer), or a page saying how to build it
 *   GET  /files/…    NIfTI files for the viewer (token; only under shared roots: files.ts)
 *   WS   /api        the API contract over the wire format (src/shared/wire.ts): each invoke is
 *                    answered to its sender; engine events go to every connected tab
 * The engine runs in its own process behind an EngineSupervisor. Security: auth.ts.
 *
 * The page connects to `ws(s)://<host>/api?token=<token>`, taking the token from the `#token=`
 * fragment of the printed URL.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { resolve } from 'node:path';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import { InvokeMessage, type ResultMessage, type WireMessage } from '../shared/wire';
import { nodeEngineSpawner } from '../training/host/node-spawner';
import { EngineSupervisor, type EngineProcessSpawner } from '../training/host/supervisor';
import { defaultRunsRoot } from '../training/runs/paths';
import { createApiRouter } from './api-router';
import { hostAllowed, isLoopbackAddress, newToken, originAllowed, requestToken, tokenMatches } from './auth';
import { FileRoots, serveFile } from './files';
import { DEFAULT_RENDERER_DIR, rendererBuilt, serveStatic } from './static';

export interface ServeOptions {
  /** Address to bind; default 127.0.0.1. */
  host?: string;
  /** Port; default 5317; 0 = any free port. */
  port?: number;
  runsRoot?: string;
  /** Force a tfjs backend in the engine. */
  backend?: string;
  /** Default: a new random token. */
  token?: string;
  rendererDir?: string;
  /** How to start the engine; default: a Node child process (node-spawner.ts). */
  spawner?: EngineProcessSpawner;
  /** Where the server's and the engine's log lines go; default stderr. */
  log?: (line: string) => void;
}

export interface RunningServer {
  /** The address to open, token in the fragment: http://127.0.0.1:5317/#token=… */
  url: string;
  /** The address without the token. */
  origin: string;
  token: string;
  port: number;
  supervisor: EngineSupervisor;
  roots: FileRoots;
  /** Stops the running job (training checkpoints), closes clients and the engine, then the server. */
  close(): Promise<void>;
}

const MAX_MESSAGE_BYTES = 4 * 1024 * 1024;

function reject(socket: Duplex, status: number, text: string): void {
  socket.write(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(text)}\r\n\r\n${text}`);
  socket.destroy();
}

function plain(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

export async function startServer(opts: ServeOptions = {}): Promise<RunningServer> {
  const host = opts.host ?? '127.0.0.1';
  const token = opts.token ?? newToken();
  if (token.length < 16) throw new Error('frugal serve: --token must be at least 16 characters (it is the only lock on the engine and your files)');
  const runsRoot = resolve(opts.runsRoot ?? defaultRunsRoot());
  const rendererDir = resolve(opts.rendererDir ?? DEFAULT_RENDERER_DIR);
  const log = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`));

  const supervisor = new EngineSupervisor({
    spawn: opts.spawner ?? nodeEngineSpawner({ log: (l) => log(`engine: ${l}`) }),
    door: 'serve',
    runsRoot,
    ...(opts.backend ? { backend: opts.backend } : {}),
  });
  const roots = new FileRoots();
  roots.add(runsRoot);
  const route = createApiRouter({ supervisor, roots, token });

  const securityHeaders = (res: ServerResponse) => {
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('X-Frame-Options', 'DENY');
    res.setHeader('Referrer-Policy', 'no-referrer');
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    securityHeaders(res);
    const url = new URL(req.url ?? '/', 'http://server');
    if (!hostAllowed(req, host)) return plain(res, 403, `host ${req.headers.host ?? '(none)'} is not served here; use http://127.0.0.1:<port>/\n`);
    if (req.method !== 'GET' && req.method !== 'HEAD') return plain(res, 405, 'only GET and HEAD\n');
    const handle = async () => {
      if (url.pathname === '/api') return plain(res, 426, 'the API is a WebSocket: connect with ws://…/api?token=…\n');
      if (url.pathname.startsWith('/files/')) {
        if (!tokenMatches(requestToken(req, url), token)) return plain(res, 401, 'missing or wrong token\n');
        return serveFile(req, res, url.pathname, roots);
      }
      return serveStatic(req, res, url.pathname, rendererDir);
    };
    handle().catch((e: Error) => {
      log(`frugal serve: ${req.method} ${url.pathname}: ${e.message}`);
      if (!res.headersSent) plain(res, 500, `${e.message}\n`);
      else res.destroy();
    });
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });
  const clients = new Set<WebSocket>();
  const sendTo = (ws: WebSocket, msg: WireMessage) => {
    if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(msg));
  };
  supervisor.on((channel, payload) => {
    for (const ws of clients) sendTo(ws, { type: 'event', channel, payload });
  });

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://server');
    if (url.pathname !== '/api') return reject(socket, 404, 'Not Found');
    if (!hostAllowed(req, host)) return reject(socket, 403, 'Forbidden');
    if (!originAllowed(req)) return reject(socket, 403, 'Forbidden');
    if (!tokenMatches(requestToken(req, url), token)) return reject(socket, 401, 'Unauthorized');
    wss.handleUpgrade(req, socket, head, (ws) => {
      clients.add(ws);
      ws.on('close', () => clients.delete(ws));
      ws.on('error', () => clients.delete(ws));
      ws.on('message', (data: RawData) => {
        let raw: unknown;
        try {
          raw = JSON.parse(data.toString());
        } catch {
          ws.close(1007, 'messages must be JSON');
          return;
        }
        const msg = InvokeMessage.safeParse(raw);
        if (!msg.success) {
          const id = (raw as { id?: unknown } | null)?.id;
          if (typeof id === 'number' && Number.isInteger(id)) sendTo(ws, { type: 'result', id, ok: false, error: { message: 'not an invoke message: expected {type: "invoke", id, channel, payload}', channel: '?' } });
          return;
        }
        const { id, channel, payload } = msg.data;
        route(channel, payload).then(
          (result): void => sendTo(ws, { type: 'result', id, ok: true, result }),
          (e: Error): void => {
            const r: ResultMessage = { type: 'result', id, ok: false, error: { message: e.message, channel, name: e.name } };
            sendTo(ws, r);
          },
        );
      });
      // A tab that connects mid-run learns the engine's state without asking.
      sendTo(ws, { type: 'event', channel: 'engine:statusChanged', payload: supervisor.status() });
    });
  });

  await new Promise<void>((res, rej) => {
    server.once('error', (e: NodeJS.ErrnoException) =>
      rej(e.code === 'EADDRINUSE' ? new Error(`frugal serve: port ${opts.port ?? 5317} on ${host} is in use; choose another with --port (0 = any free port)`) : e),
    );
    server.listen(opts.port ?? 5317, host, () => res());
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : (opts.port ?? 5317);
  const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  const origin = `http://${shownHost}:${port}`;
  if (!isLoopbackAddress(host)) log(`frugal serve: listening on ${host}: anyone who can reach this port and has the token can drive the engine and read the shared folders; the traffic is plain HTTP, so prefer an SSH tunnel to a loopback-bound server`);

  if (!rendererBuilt(rendererDir)) log(`frugal serve: the interface is not built (no ${rendererDir}/index.html): run npm run build:renderer; the API works meanwhile`);
  // The engine starts in the background: the page loads at once and shows 'starting'.
  supervisor.start().catch((e: Error) => log(`frugal serve: the engine did not start: ${e.message}`));

  let closing: Promise<void> | null = null;
  const close = () =>
    (closing ??= (async () => {
      await supervisor.shutdown();
      for (const ws of clients) ws.close(1001, 'server shutting down');
      wss.close();
      await new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      });
    })());

  return { url: `${origin}/#token=${token}`, origin, token, port, supervisor, roots, close };
}
