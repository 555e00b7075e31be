/**
 * The engine host's message loop: validation errors name the channel and field, handler errors
 * come back as ok:false, door channels are refused, and the transport is picked by what the
 * process has (Electron's parentPort vs Node's IPC).
 */
import { describe, expect, it } from 'vitest';
import { answer } from '../../src/training/host/loop';
import { detectTransport } from '../../src/training/host/transport';

describe('engine host loop', () => {
  const handlers = {
    'runs:get': async ({ runId }: { runId: string }) => ({ id: runId }),
    'runs:list': async () => {
      throw new Error('runs folder /x is unreadable');
    },
  };

  it('answers a valid invoke with its id', async () => {
    expect(await answer(handlers as never, { type: 'invoke', id: 7, channel: 'runs:get', payload: { runId: 'r1' } })).toEqual({ type: 'result', id: 7, ok: true, result: { id: 'r1' } });
  });

  it('turns validation and handler errors into ok:false naming what is wrong', async () => {
    const bad = await answer(handlers as never, { type: 'invoke', id: 1, channel: 'runs:get', payload: { runId: '' } });
    expect(bad).toMatchObject({ ok: false, error: { channel: 'runs:get', name: 'ApiValidationError' } });
    expect((bad as { error: { message: string } }).error.message).toMatch(/^runs:get: invalid request: runId: /);
    const extra = await answer(handlers as never, { type: 'invoke', id: 2, channel: 'runs:get', payload: { runId: 'r', nope: 1 } });
    expect((extra as { error: { message: string } }).error.message).toContain('nope');
    expect(await answer(handlers as never, { type: 'invoke', id: 3, channel: 'runs:list', payload: {} })).toMatchObject({ ok: false, error: { message: 'runs folder /x is unreadable' } });
    expect(await answer(handlers as never, { type: 'invoke', id: 4, channel: 'files:url', payload: { path: '/a' } })).toMatchObject({ ok: false, error: { message: expect.stringContaining('answered by the door') } });
    expect(await answer(handlers as never, { type: 'invoke', id: 5, channel: 'nope:nope', payload: {} })).toMatchObject({ ok: false, error: { message: "unknown API channel 'nope:nope'" } });
    expect(await answer(handlers as never, { type: 'invoke', id: 'x' })).toBeNull();
  });

  it("picks Electron's parentPort when present, else Node's IPC, else refuses", () => {
    const posted: unknown[] = [];
    const port = { postMessage: (m: unknown) => posted.push(m), on: () => port };
    const t = detectTransport({ parentPort: port, send: () => true } as unknown as NodeJS.Process);
    expect(t.kind).toBe('electron-utility');
    t.send({ type: 'event', channel: 'engine:statusChanged', payload: {} });
    expect(posted).toHaveLength(1);
    expect(detectTransport({ send: () => true, on: () => undefined, connected: true } as unknown as NodeJS.Process).kind).toBe('node-child');
    expect(() => detectTransport({} as NodeJS.Process)).toThrow('no parent to talk to');
  });
});
