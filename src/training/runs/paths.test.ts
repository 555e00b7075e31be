import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { appPackageJson, defaultRunsRoot, installedPackageVersion, runPaths } from './paths';

describe('defaultRunsRoot', () => {
  // Electron's userData = appData/<productName>; we add /runs.
  it('follows Electron appData per platform', () => {
    expect(defaultRunsRoot({ env: {}, platform: 'linux', home: '/home/ann' })).toBe('/home/ann/.config/Frugal Studio/runs');
    expect(defaultRunsRoot({ env: { XDG_CONFIG_HOME: '/xdg' }, platform: 'linux', home: '/home/ann' })).toBe('/xdg/Frugal Studio/runs');
    expect(defaultRunsRoot({ env: {}, platform: 'darwin', home: '/Users/ann' })).toBe('/Users/ann/Library/Application Support/Frugal Studio/runs');
    expect(defaultRunsRoot({ env: { APPDATA: 'C:/Users/ann/AppData/Roaming' }, platform: 'win32', home: 'C:/Users/ann' })).toBe(
      join('C:/Users/ann/AppData/Roaming', 'Frugal Studio', 'runs'),
    );
  });
  it('is overridden by FRUGAL_RUNS', () => {
    expect(defaultRunsRoot({ env: { FRUGAL_RUNS: '/data/runs', XDG_CONFIG_HOME: '/xdg' }, platform: 'linux' })).toBe('/data/runs');
  });
});

describe('package info', () => {
  it('finds the app package.json and installed dependency versions', () => {
    expect(appPackageJson()?.name).toBe('frugal-studio');
    expect(appPackageJson()?.productName).toBe('Frugal Studio');
    expect(installedPackageVersion('@tensorflow/tfjs')).toBe('4.22.0');
    expect(installedPackageVersion('@tensorflow/definitely-not-installed')).toBeNull();
  });
  it('lays out a run folder', () => {
    const p = runPaths('/r/x');
    expect([p.config, p.metrics, p.checkpoints]).toEqual(['/r/x/config.json', '/r/x/metrics.jsonl', '/r/x/checkpoints']);
  });
});
