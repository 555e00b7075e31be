// The desktop door: FrugalApi over window.frugal's one-method-per-channel bridge.
import { describe, expect, it, vi } from 'vitest';
import type { FrugalBridge } from '../../src/shared/api';
import { bridgeApi, cleanIpcError } from '../../src/renderer/lib/bridge-api';

describe('bridgeApi', () => {
  it('invokes the channel method with the request and returns its answer', async () => {
    const scan = vi.fn(async (req: { root: string }) => ({ root: req.root, cases: [], problems: [] }));
    const api = bridgeApi({ 'datasets:scan': scan } as unknown as FrugalBridge);
    await expect(api.invoke('datasets:scan', { root: '/d' })).resolves.toEqual({ root: '/d', cases: [], problems: [] });
    expect(scan).toHaveBeenCalledWith({ root: '/d' });
  });

  it('subscribes through the event method and returns its unsubscribe', () => {
    const off = vi.fn();
    const sub = vi.fn(() => off);
    const api = bridgeApi({ 'engine:statusChanged': sub } as unknown as FrugalBridge);
    const l = (): void => {};
    expect(api.on('engine:statusChanged', l)).toBe(off);
    expect(sub).toHaveBeenCalledWith(l);
  });

  it("strips Electron's 'Error invoking remote method' wrapper and names the channel", async () => {
    const api = bridgeApi({ 'runs:get': async () => Promise.reject(new Error("Error invoking remote method 'runs:get': Error: no run 'x'")) } as unknown as FrugalBridge);
    await expect(api.invoke('runs:get', { runId: 'x' })).rejects.toThrow(/^runs:get: no run 'x'$/);
    expect(cleanIpcError('a:b', new Error("Error invoking remote method 'a:b': ApiValidationError: a:b: invalid request: root: Too small")).message).toBe('a:b: invalid request: root: Too small');
  });

  it('a channel missing from the bridge is a clear error, not a TypeError', async () => {
    await expect(bridgeApi({} as FrugalBridge).invoke('app:info', {})).rejects.toThrow(/app:info: the desktop bridge has no such channel/);
  });
});
