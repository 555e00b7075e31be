// The window's webPreferences are the secure set (STYLE.md §11): this test fails if any is flipped
// or if an option that weakens isolation is added.
import { describe, expect, it } from 'vitest';
import { mainWindowOptions, secureWebPreferences } from '../../src/main/window-options';

describe('main window options', () => {
  const prefs = mainWindowOptions('/app/dist-electron/preload.cjs').webPreferences!;

  it('has exactly the secure webPreferences and the bundled preload', () => {
    expect(prefs).toStrictEqual({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      preload: '/app/dist-electron/preload.cjs',
    });
  });

  it('sets each security switch explicitly (not by relying on defaults)', () => {
    expect(Object.hasOwn(prefs, 'contextIsolation') && prefs.contextIsolation).toBe(true);
    expect(Object.hasOwn(prefs, 'sandbox') && prefs.sandbox).toBe(true);
    expect(Object.hasOwn(prefs, 'nodeIntegration') && prefs.nodeIntegration === false).toBe(true);
    expect(Object.hasOwn(prefs, 'webSecurity') && prefs.webSecurity).toBe(true);
  });

  it('enables nothing that reaches Node or loosens isolation', () => {
    const p = prefs as Record<string, unknown>;
    for (const key of ['enableRemoteModule', 'nodeIntegrationInWorker', 'nodeIntegrationInSubFrames', 'webviewTag', 'allowRunningInsecureContent', 'experimentalFeatures', 'enableBlinkFeatures']) {
      expect(p[key], key).toBeUndefined();
    }
  });

  it('returns a fresh object each time (a caller mutating one cannot weaken the next window)', () => {
    const a = secureWebPreferences('/p');
    (a as Record<string, unknown>).sandbox = false;
    expect(secureWebPreferences('/p').sandbox).toBe(true);
  });
});
