/**
 * The engine host's message loop: each wire InvokeMessage is validated (the wire shape, then the
 * request by the contract's parseRequest, naming the field at fault), dispatched to its handler,
 * and answered with one ResultMessage; a handler's error becomes `ok: false` with its message.
 * Events go out as EventMessages through `emitter`. Requests are handled concurrently: a
 * long-running one (evaluation, a dataset scan) does not hold up 'jobs:stop' or 'runs:list'.
 */
import { isInvokeChannel, parseRequest, type ApiHandlers, type EventChannel, type InvokeChannel, type PayloadOf } from '../../shared/api';
import { InvokeMessage, type ResultMessage } from '../../shared/wire';
import type { Transport } from './transport';

/** What the host answers: the engine channels, plus 'engine:status' for the door's status polls. */
export type LoopHandlers = Partial<ApiHandlers>;

export function emitter(transport: Transport) {
  return <K extends EventChannel>(channel: K, payload: PayloadOf<K>): void => transport.send({ type: 'event', channel, payload });
}

function failure(id: number, channel: string, e: unknown): ResultMessage {
  const err = e instanceof Error ? e : new Error(String(e));
  return { type: 'result', id, ok: false, error: { message: err.message, channel, name: err.name } };
}

/** Answers one invoke message; never throws. */
export async function answer(handlers: LoopHandlers, raw: unknown): Promise<ResultMessage | null> {
  const msg = InvokeMessage.safeParse(raw);
  if (!msg.success) {
    const id = (raw as { id?: unknown } | null)?.id;
    process.stderr.write(`engine host: ignoring a message that is not an invoke: ${JSON.stringify(raw)?.slice(0, 200)}\n`);
    return typeof id === 'number' && Number.isInteger(id) ? failure(id, '?', new Error('malformed invoke message')) : null;
  }
  const { id, channel, payload } = msg.data;
  try {
    if (!isInvokeChannel(channel)) throw new Error(`unknown API channel '${channel}'`);
    const handler = handlers[channel] as ((req: unknown) => Promise<unknown>) | undefined;
    if (!handler) throw new Error(`${channel} is answered by the door (Electron main or frugal serve), not by the engine host`);
    const req = parseRequest(channel as InvokeChannel, payload);
    return { type: 'result', id, ok: true, result: await handler(req) };
  } catch (e) {
    return failure(id, channel, e);
  }
}

export function serveRequests(transport: Transport, handlers: LoopHandlers): void {
  transport.onMessage((raw) => {
    void answer(handlers, raw).then((r) => {
      if (r) transport.send(r);
    });
  });
}
