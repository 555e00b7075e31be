/**
 * The benchmark runner behind `npm run bench` (bin/bench.js): measures memory, time and scaling
 * of the engine, separately from the tests, and writes bench/results/<name>.json (config,
 * machine, raw samples, derived numbers) and bench/results/<name>.md (the Markdown table the
 * README cites).
 *
 *   npx tsx bench/index.ts [name ...] [--quick] [--out DIR]
 *   npm run bench -- unet-memory
 *
 * No names runs every bench except gpu-speed (it needs a real GPU) and continual-split-paper (~40 min) and self-paced-20k (~1.5 h): name them. `--quick` shrinks every size so the whole suite is a smoke check
 * of a few minutes; its numbers are not citable, so they go to a temp folder (printed), never
 * over bench/results/. The backend is cpu unless FRUGAL_BACKEND says otherwise.
 *
 * Benches written against bench/lib.ts run in this process. bench/depthwise3d.bench.ts is a
 * stand-alone script (it exports nothing and runs on import; BENCH_QUICK=1 is its smoke mode, in
 * which it writes nothing), so it runs as a child process with the same Node and tsx loader.
 */
import { spawn } from 'node:child_process';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatBackendReport, selectBackend } from '../src/training/backend/select';
import { bratsLoadBench } from './brats-load.bench';
import { continualBench } from './continual.bench';
import { continualSplitPaperBench } from './continual-split-paper.bench';
import { gpuSpeedBench } from './gpu-speed.bench';
import { lenetRoutesBench } from './lenet-routes.bench';
import { selfPaced20kBench, selfPacedBench } from './self-paced.bench';
import { spdfBench } from './spdf.bench';
import { machineInfo, machineLine, RESULTS_DIR, round, writeResults, type Bench } from './lib';
import { revbifpnMemoryBench } from './revbifpn-memory.bench';
import { unetMemoryBench } from './unet-memory.bench';
import { unetSpeedBench } from './unet-speed.bench';

interface ScriptBench {
  readonly name: string;
  readonly title: string;
  /** Path of a self-running bench script, relative to this folder. */
  readonly script: string;
}

const BENCHES: readonly (Bench | ScriptBench)[] = [
  unetMemoryBench,
  unetSpeedBench,
  bratsLoadBench,
  gpuSpeedBench,
  continualBench,
  continualSplitPaperBench,
  selfPacedBench,
  selfPaced20kBench,
  lenetRoutesBench,
  revbifpnMemoryBench,
  spdfBench,
  { name: 'depthwise3d', title: '3D layer implementations (depthwise, pointwise, conv3d, groupNorm, silu, upsampling)', script: 'depthwise3d.bench.ts' },
];

/** Benches that need hardware this machine may lack: run only when named. */
const BY_NAME_ONLY = new Set(['gpu-speed', 'continual-split-paper', 'self-paced-20k']);

const USAGE = `usage: npx tsx bench/index.ts [name ...] [--quick] [--out DIR]
  (or: npm run bench -- [name ...] [--quick])

benches:
${BENCHES.map((b) => `  ${b.name.padEnd(12)} ${b.title}${BY_NAME_ONLY.has(b.name) ? ' (only when named)' : ''}`).join('\n')}

  --quick     small sizes, a smoke pass of a few minutes; results go to a temp folder
  --out DIR   write results to DIR instead of bench/results/
  --allow-software  gpu-speed: accept a software WebGPU adapter (with --quick; not citable)
FRUGAL_BACKEND=<name> measures on another tfjs backend (default cpu).`;

interface Args {
  names: string[];
  quick: boolean;
  out: string | null;
}

function parseArgs(argv: readonly string[]): Args | 'help' {
  const a: Args = { names: [], quick: false, out: null };
  for (let i = 0; i < argv.length; i++) {
    const s = argv[i];
    if (s === '--help' || s === '-h') return 'help';
    else if (s === '--quick') a.quick = true;
    else if (s === '--allow-software') process.env.BENCH_ALLOW_SOFTWARE = '1'; // gpu-speed: smoke-run on a software WebGPU adapter
    else if (s === '--out') {
      const dir = argv[++i];
      if (!dir) throw new Error('bench: --out needs a folder');
      a.out = dir;
    } else if (s.startsWith('-')) throw new Error(`bench: unknown option ${s}\n\n${USAGE}`);
    else if (!BENCHES.some((b) => b.name === s)) throw new Error(`bench: unknown bench "${s}"; choose from ${BENCHES.map((b) => b.name).join(', ')}`);
    else if (!a.names.includes(s)) a.names.push(s);
  }
  return a;
}

const clock = (ms: number): string => {
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
};

/** Runs a stand-alone bench script under the same Node with tsx; resolves to its exit code. */
function runScript(b: ScriptBench, quick: boolean): Promise<number> {
  const file = fileURLToPath(new URL(b.script, import.meta.url));
  const env = { ...process.env, ...(quick ? { BENCH_QUICK: '1' } : {}) };
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), file], { stdio: 'inherit', env });
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  if (args === 'help') {
    console.log(USAGE);
    return 0;
  }
  const chosen = args.names.length ? BENCHES.filter((b) => args.names.includes(b.name)) : BENCHES.filter((b) => !BY_NAME_ONLY.has(b.name));
  const outDir = args.out ?? (args.quick ? join(os.tmpdir(), 'frugal-bench-quick') : RESULTS_DIR);
  const backend = await selectBackend({ prefer: process.env.FRUGAL_BACKEND || 'cpu' });
  console.log(formatBackendReport(backend));
  console.log(`running ${chosen.map((b) => b.name).join(', ')}${args.quick ? ' (quick: smoke sizes, not citable)' : ''}; results in ${outDir}`);

  const start = performance.now();
  const summary: { name: string; ms: number; ok: boolean; files?: string }[] = [];
  for (const b of chosen) {
    const t0 = performance.now();
    console.log(`\n== ${b.name}: ${b.title}`);
    try {
      if ('script' in b) {
        if (args.out) console.log(`(${b.script} writes to bench/results/ itself; --out does not apply)`);
        const code = await runScript(b, args.quick);
        summary.push({ name: b.name, ms: performance.now() - t0, ok: code === 0, files: args.quick ? '(smoke mode writes nothing)' : 'bench/results/' });
        continue;
      }
      const machine = machineInfo(backend);
      const log = (line: string) => console.log(`[${b.name} ${clock(performance.now() - t0)}] ${line}`);
      const result = await b.run({ quick: args.quick, log });
      const ms = performance.now() - t0;
      machine.loadavg.end = round(os.loadavg()[0], 2);
      const json = { name: b.name, title: b.title, quick: args.quick, machine, wallSeconds: round(ms / 1000, 1), config: result.config, derived: result.derived, samples: result.samples };
      const md = [
        `# ${b.title}`,
        '',
        `_${machineLine(machine)} \`npm run bench -- ${b.name}${args.quick ? ' --quick' : ''}\` took ${clock(ms)}.${args.quick ? ' Quick (smoke) sizes: not citable.' : ''}_`,
        '',
        result.markdown,
      ].join('\n');
      const paths = await writeResults(outDir, b.name, json, md);
      summary.push({ name: b.name, ms, ok: true, files: paths.md });
      console.log(`[${b.name}] wrote ${paths.json} and ${paths.md}\n\n${md}`);
    } catch (e) {
      summary.push({ name: b.name, ms: performance.now() - t0, ok: false });
      console.error(`[${b.name}] FAILED: ${(e as Error).stack ?? String(e)}`);
    }
  }
  console.log(`\n== summary (${clock(performance.now() - start)} in all)`);
  for (const s of summary) console.log(`  ${s.ok ? 'ok    ' : 'FAILED'} ${s.name.padEnd(12)} ${clock(s.ms)}  ${s.files ?? ''}`);
  return summary.every((s) => s.ok) ? 0 : 1;
}

process.exitCode = await main().catch((e: unknown) => {
  console.error((e as Error).message ?? e);
  return 2;
});
