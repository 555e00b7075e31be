/**
 * The wire format of the API contract over message-passing transports: the WebSocket between a
 * browser tab and `frugal serve`, and the message channel between a door (Electron main, the
 * serve process) and the engine host process (utilityProcess / child process). One request or
 * result or event per message, JSON-serialisable. Electron's renderer↔main IPC does not need it
 * (ipcRenderer.invoke carries channel and payload itself).
 */
import { z } from 'zod';

export const InvokeMessage = z.object({
  type: z.literal('invoke'),
  id: z.number().int(),
  channel: z.string(),
  payload: z.unknown(),
});
export type InvokeMessage = z.infer<typeof InvokeMessage>;

export const ResultMessage = z.union([
  z.object({ type: z.literal('result'), id: z.number().int(), ok: z.literal(true), result: z.unknown() }),
  z.object({
    type: z.literal('result'),
    id: z.number().int(),
    ok: z.literal(false),
    error: z.object({ message: z.string(), channel: z.string(), name: z.string().optional() }),
  }),
]);
export type ResultMessage = z.infer<typeof ResultMessage>;

export const EventMessage = z.object({ type: z.literal('event'), channel: z.string(), payload: z.unknown() });
export type EventMessage = z.infer<typeof EventMessage>;

export const WireMessage = z.union([InvokeMessage, ResultMessage, EventMessage]);
export type WireMessage = z.infer<typeof WireMessage>;

/** The error a failed invoke rejects with on the calling side: the message names the channel. */
export class RemoteError extends Error {
  constructor(
    readonly channel: string,
    message: string,
    readonly remoteName?: string,
  ) {
    super(message);
    this.name = 'RemoteError';
  }
}
