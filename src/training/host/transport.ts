/**
 * How the engine host process talks to its door: one wire message at a time (src/shared/wire.ts)
 * over whatever channel the process was started with. Two adapters, picked at runtime without
 * importing electron (the engine never does):
 *   - a Node child process (child_process.fork, `frugal serve`): process.send / 'message';
 *   - an Electron utilityProcess (the desktop app): process.parentPort.postMessage / 'message'
 *     events whose payload is `e.data`.
 */
import type { WireMessage } from '../../shared/wire';

export interface Transport {
  send(msg: WireMessage): void;
  onMessage(cb: (msg: unknown) => void): void;
  /** The door went away (its end of the channel closed). */
  onClose(cb: () => void): void;
  readonly kind: 'node-child' | 'electron-utility';
}

/** The part of Electron's `process.parentPort` (a MessagePortMain) the host uses. */
interface ParentPortLike {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (e: { data: unknown }) => void): unknown;
  on(event: 'close', listener: () => void): unknown;
}

export function nodeChildTransport(proc: NodeJS.Process = process): Transport {
  if (typeof proc.send !== 'function') throw new Error('engine host: this process has no IPC channel (start it with child_process.fork)');
  return {
    kind: 'node-child',
    send(msg) {
      if (!proc.connected) return; // the door is gone; 'disconnect' ends the host
      proc.send!(msg, undefined, {}, (err: Error | null) => {
        if (err) process.stderr.write(`engine host: cannot send ${msg.type} to the door: ${err.message}\n`);
      });
    },
    onMessage: (cb) => void proc.on('message', (m: unknown) => cb(m)),
    onClose: (cb) => void proc.on('disconnect', cb),
  };
}

export function electronUtilityTransport(port: ParentPortLike): Transport {
  return {
    kind: 'electron-utility',
    send: (msg) => port.postMessage(msg),
    onMessage: (cb) => void port.on('message', (e) => cb(e.data)),
    onClose: (cb) => void port.on('close', cb),
  };
}

/** The transport this process was started with; throws when it has none (run directly). */
export function detectTransport(proc: NodeJS.Process = process): Transport {
  const parentPort = (proc as NodeJS.Process & { parentPort?: ParentPortLike }).parentPort;
  if (parentPort && typeof parentPort.postMessage === 'function') return electronUtilityTransport(parentPort);
  if (typeof proc.send === 'function') return nodeChildTransport(proc);
  throw new Error('engine host: no parent to talk to: start it as an Electron utilityProcess or with child_process.fork, not directly');
}
