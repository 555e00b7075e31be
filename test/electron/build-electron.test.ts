// scripts/build-electron.ts bundles the three programs for real (esbuild into a temp folder
// inside the repository, so the engine's external @tensorflow/* imports resolve from
// node_modules as they do in the app), and the bundled engine host actually starts and answers
// the supervisor as a Node child process (Electron cannot run here; the engine host picks its
// transport at run time, so the same file serves both).
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildElectron, type BuildResult } from '../../scripts/build-electron';
import { EngineSupervisor } from '../../src/training/host/supervisor';
import { nodeEngineSpawner } from '../../src/training/host/node-spawner';
import { startWebGpu } from '../webgpu';

const ROOT = resolve(__dirname, '..', '..');
let out: string;
let built: BuildResult;

/** Modules a bundle still imports at run time (from esbuild's metafile). */
function runtimeImports(r: BuildResult, name: keyof BuildResult['files']): string[] {
  const outputs = Object.entries(r.metafiles[name].outputs).filter(([f]) => !f.endsWith('.map'));
  return [...new Set(outputs.flatMap(([, o]) => o.imports.filter((i) => i.external).map((i) => i.path)))].sort();
}

const isBuiltin = (m: string) => m.startsWith('node:') || builtinModules.includes(m);

beforeAll(async () => {
  mkdirSync(join(ROOT, 'tmp'), { recursive: true });
  out = await mkdtemp(join(ROOT, 'tmp', 'electron-build-'));
  built = await buildElectron({ outdir: out });
}, 60_000);

afterAll(async () => {
  if (out) await rm(out, { recursive: true, force: true });
});

describe('build-electron', () => {
  it('writes main.cjs, preload.cjs and engine.cjs with source maps', () => {
    for (const f of ['main.cjs', 'preload.cjs', 'engine.cjs']) {
      expect(existsSync(join(out, f)), f).toBe(true);
      expect(existsSync(join(out, `${f}.map`)), `${f}.map`).toBe(true);
    }
    expect(built.files).toEqual({ main: join(out, 'main.cjs'), preload: join(out, 'preload.cjs'), engine: join(out, 'engine.cjs') });
  });

  it('makes the preload one CommonJS file that requires nothing but electron', () => {
    expect(runtimeImports(built, 'preload')).toEqual(['electron']);
    const code = readFileSync(join(out, 'preload.cjs'), 'utf8');
    const required = new Set([...code.matchAll(/\brequire\(\s*["'`]([^"'`]+)["'`]\s*\)/g)].map((m) => m[1]));
    expect([...required]).toEqual(['electron']);
    expect(code).not.toMatch(/^\s*(import|export)\s/m); // not an ES module
  });

  it('keeps electron, tfjs and native modules out of main and the engine, and bundles the rest', () => {
    const allowed = (m: string) => isBuiltin(m) || m === 'electron' || m.startsWith('@tensorflow/') || ['sharp', 'webgpu'].includes(m);
    const main = runtimeImports(built, 'main');
    expect(main).toContain('electron');
    expect(main.filter((m) => !allowed(m))).toEqual([]);
    expect(main.filter((m) => m.startsWith('@tensorflow/'))).toEqual([]); // main stays light: no tfjs
    const engine = runtimeImports(built, 'engine');
    expect(engine).not.toContain('electron'); // the engine never imports electron
    expect(engine).toContain('@tensorflow/tfjs');
    expect(engine.filter((m) => !allowed(m))).toEqual([]);
  });

  it('produces an engine host that starts and answers requests', async () => {
    const runs = join(out, 'runs');
    const lines: string[] = [];
    const sup = new EngineSupervisor({ spawn: nodeEngineSpawner({ entry: join(out, 'engine.cjs'), log: (l) => lines.push(l) }), door: 'electron', runsRoot: runs, backend: 'cpu', startTimeoutMs: 60_000 });
    try {
      const status = await sup.start().catch((e: Error) => {
        throw new Error(`${e.message}\n${lines.join('\n')}`);
      });
      expect(status.state).toBe('idle');
      expect(status.backend).toBe('cpu');
      await expect(sup.invoke('runs:list', {})).resolves.toEqual([]);
      const info = await sup.invoke('app:info', {});
      expect(info.runsRoot).toBe(runs);
      expect(info.door).toBe('electron');
      // The engine found the app's package.json from the bundle's own location (import.meta.url).
      expect(info.app.version).toBe(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version);
    } finally {
      await sup.shutdown();
    }
  }, 90_000);

  it('the bundled engine brings up webgpu through Dawn when forced (the utility process runs this same file)', async (ctx) => {
    const gpu = await startWebGpu(); // points this process's env (inherited by the engine) at SwiftShader
    if (!gpu.ok) return ctx.skip(gpu.why);
    const lines: string[] = [];
    const sup = new EngineSupervisor({ spawn: nodeEngineSpawner({ entry: join(out, 'engine.cjs'), log: (l) => lines.push(l) }), door: 'electron', runsRoot: join(out, 'runs-webgpu'), backend: 'webgpu', startTimeoutMs: 60_000 });
    try {
      const status = await sup.start().catch((e: Error) => {
        throw new Error(`${e.message}\n${lines.join('\n')}`);
      });
      expect(status.backend).toBe('webgpu');
      const info = await sup.invoke('app:info', {});
      expect(info.backend.adapter?.name).toBe(gpu.report.adapter?.name);
      expect(info.backend.candidates.find((c) => c.name === 'webgpu')?.status).toBe('chosen');
      const engine = await sup.engineStatus();
      expect(engine.memory?.gpuBytes).toBeGreaterThanOrEqual(0);
    } finally {
      await sup.shutdown();
    }
  }, 90_000);
});
