/**
 * The status bar's backend report in a browser, with a real engine process that probes a real
 * Dawn: on this machine's software adapter (SwiftShader) the engine chooses cpu and the popover
 * says why, naming the adapter; forced to webgpu, the engine starts on it (the `frugal serve`
 * door: same engine code as the Electron utility process) and the bar says it is a CPU emulation.
 * Skipped, with the reason, where Dawn finds no adapter.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startWebGpu } from '../webgpu';
import { startE2E, type E2E } from './browser';

const tid = (id: string) => `[data-testid="${id}"]`;

describe('backend report in the status bar (frugal serve, Dawn)', () => {
  let e: E2E | undefined;
  afterEach(async () => {
    await e?.close();
    e = undefined;
  });

  async function open(backend: string): Promise<E2E> {
    e = await startE2E({ backend });
    await e.page.waitForSelector(`${tid('status-engine')}[data-state="idle"]`, { timeout: 90_000 });
    await e.page.click(`${tid('status-backend')} summary`);
    return e;
  }

  it('automatic: cpu is chosen over the software adapter, and the popover names the adapter and why', async (ctx) => {
    const gpu = await startWebGpu(); // also points Dawn at SwiftShader for the engine process (inherited env)
    if (!gpu.ok) return ctx.skip(gpu.why);
    const { page, errors, shot } = await open('auto');
    const status = page.locator(tid('status-backend'));
    expect(await status.getAttribute('data-backend')).toBe('cpu');
    expect(await status.getAttribute('data-compute')).toBe('CPU');
    const webgpu = status.locator('li', { hasText: 'webgpu' });
    expect(await webgpu.getAttribute('data-status')).toBe('skipped');
    expect(await webgpu.textContent()).toMatch(/software adapter .*FRUGAL_BACKEND=webgpu/);
    const adapter = page.locator(tid('backend-adapter'));
    expect(await adapter.getAttribute('data-software')).toBe('true');
    expect(await adapter.textContent()).toMatch(/WebGPU adapter: google swiftshader \(SwiftShader driver [\d.]+\), Vulkan — software, a CPU emulation/);
    expect(await adapter.textContent()).toMatch(/max buffer [\d.]+ [GM]B · storage binding/);
    await shot('backend-auto-software-adapter');
    expect(errors).toEqual([]);
  });

  it('forced webgpu: the engine runs on the adapter, says it is emulated, and reports GPU memory', async (ctx) => {
    const gpu = await startWebGpu();
    if (!gpu.ok) return ctx.skip(gpu.why);
    const { page, errors, shot } = await open('webgpu');
    const status = page.locator(tid('status-backend'));
    expect(await status.getAttribute('data-backend')).toBe('webgpu');
    expect(await status.getAttribute('data-compute')).toBe('CPU');
    expect(await status.locator('summary').textContent()).toContain('CPU emulating a GPU (WebGPU on google swiftshader');
    expect(await status.locator('li.chosen').textContent()).toContain('webgpu (@tensorflow/tfjs-backend-webgpu): chosen');
    expect(await page.locator(tid('status-memory')).textContent()).toMatch(/GPU [\d.]+ (B|kB|MB)/);
    await shot('backend-forced-webgpu');
    expect(errors).toEqual([]);
  });
});
