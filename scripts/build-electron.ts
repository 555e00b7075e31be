/**
 * Bundles the desktop app's three Node-side programs with esbuild into dist-electron/:
 *   main.cjs    the Electron main process (src/main/index.ts),
 *   preload.cjs the window's preload (src/preload/index.ts): a sandboxed preload must be ONE
 *               CommonJS file whose only require is 'electron',
 *   engine.cjs  the engine host run in a utilityProcess (src/training/host/entry.ts). CommonJS
 *               like main.cjs, so it loads from inside app.asar the same way (the entry has no
 *               top-level await for that reason).
 * Target: node22, the Node that Electron 45 ships. Source maps next to each file.
 *
 * External (loaded from node_modules at run time, never bundled):
 *   electron;
 *   @tensorflow/*: tfjs-node(-gpu) register their backend into the tfjs-core they require from
 *     node_modules, so the engine must use that same tfjs, not a bundled copy; the native
 *     packages also carry .node binaries and shared libraries;
 *   sharp, @img/*, webgpu: native addons (unpacked from the asar by electron-builder.yml).
 *
 * Usage: `tsx scripts/build-electron.ts` (or import buildElectron and pass another outdir).
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build, type BuildOptions, type Metafile } from 'esbuild';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export const NODE_EXTERNALS = ['electron', '@tensorflow/*', 'sharp', '@img/*', 'webgpu'];

export const ENTRIES = {
  main: 'src/main/index.ts',
  preload: 'src/preload/index.ts',
  engine: 'src/training/host/entry.ts',
} as const;
export type BundleName = keyof typeof ENTRIES;

export const OUTPUT_FILES: Record<BundleName, string> = { main: 'main.cjs', preload: 'preload.cjs', engine: 'engine.cjs' };

// Our ESM sources use import.meta.url (e.g. to find package.json); in a CommonJS bundle it is
// rebuilt from __filename.
const CJS_BANNER = "const __import_meta_url = require('node:url').pathToFileURL(__filename).href;";

function options(name: BundleName, root: string, outdir: string): BuildOptions {
  const common: BuildOptions = {
    entryPoints: [join(root, ENTRIES[name])],
    outfile: join(outdir, OUTPUT_FILES[name]),
    bundle: true,
    platform: 'node',
    target: 'node22',
    sourcemap: true,
    logLevel: 'warning',
    metafile: true,
  };
  if (name === 'preload') return { ...common, format: 'cjs', external: ['electron'] };
  return { ...common, format: 'cjs', external: NODE_EXTERNALS, define: { 'import.meta.url': '__import_meta_url' }, banner: { js: CJS_BANNER } };
}

export interface BuildResult {
  outdir: string;
  files: Record<BundleName, string>;
  metafiles: Record<BundleName, Metafile>;
}

export async function buildElectron(opts: { outdir?: string; root?: string } = {}): Promise<BuildResult> {
  const root = opts.root ?? ROOT;
  const outdir = resolve(opts.outdir ?? join(root, 'dist-electron'));
  const names = Object.keys(ENTRIES) as BundleName[];
  for (const name of names) {
    const entry = join(root, ENTRIES[name]);
    if (!existsSync(entry)) throw new Error(`build-electron: entry of ${OUTPUT_FILES[name]} not found: ${entry}`);
  }
  const results = await Promise.all(names.map((name) => build(options(name, root, outdir))));
  const files = {} as Record<BundleName, string>;
  const metafiles = {} as Record<BundleName, Metafile>;
  names.forEach((name, i) => {
    files[name] = join(outdir, OUTPUT_FILES[name]);
    metafiles[name] = results[i].metafile!;
  });
  return { outdir, files, metafiles };
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const t0 = Date.now();
  buildElectron().then(
    (r) => console.log(`build-electron: ${Object.values(r.files).map((f) => f.slice(ROOT.length + 1)).join(', ')} (${Date.now() - t0} ms)`),
    (e: unknown) => {
      console.error(e instanceof Error ? e.message : e);
      process.exit(1);
    },
  );
}
