/**
 * Benchmark of the 3D layer functions in src/training/nn on the current tfjs backend (cpu by
 * default; FRUGAL_BACKEND to change): the depthwise 3D conv implementations at the reversible
 * MBConv U-Net's sizes, pointwise conv as matMul vs 1×1×1 conv3d, dense conv3d, groupNorm
 * variants (time and training-step peak memory), silu autodiff vs customGrad, upsampling.
 *
 * Run:  npm run bench -- depthwise3d, or npx tsx bench/depthwise3d.bench.ts
 *       (BENCH_REPS=n for n timed runs, default 5;
 *       BENCH_QUICK=1 for small sizes, a smoke run that writes nothing)
 * Writes bench/results/depthwise3d.json (medians, ratios and raw samples) and
 * bench/results/depthwise3d.md, each atomically. ~10 minutes on the 2-core build machine.
 *
 * Method: one untimed warm-up per case, then BENCH_REPS rounds; in each round every variant of a
 * case runs once, back to back, so ratios (variant / reference) are formed within a round and
 * their median reported — the machine is shared and noisy, and side-by-side ratios survive load
 * drift better than ratios of separate medians. "fwd+bwd" = one tf.valueAndGrads call (forward
 * under the tape, then backward) w.r.t. all inputs. Peak memory = tf.profile peakBytes minus the bytes
 * live before the call (peakBytes is engine-global), for one fwd+bwd.
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { depthwiseConv3d, type DepthwiseImpl } from '../src/training/nn/depthwise3d';
import { conv3d, pointwiseConv3d, type Conv3dImpl, type PointwiseImpl } from '../src/training/nn/conv3d';
import { groupNorm, type NormImpl } from '../src/training/nn/norm';
import { activate, type ActivationImpl } from '../src/training/nn/activations';
import { upsampleNearest3d, type UpsampleImpl } from '../src/training/nn/upsample3d';

const REPS = Number(process.env.BENCH_REPS ?? 5);
const QUICK = process.env.BENCH_QUICK === '1';
const SLOW_MS = 1500;
const SLOW_REPS = 3;
const OUT_DIR = new URL('./results/', import.meta.url);

interface Row {
  section: string;
  case: string;
  variant: string;
  fwdMs: number | null;
  fwdBwdMs: number;
  /** timed runs behind the medians */
  runs: number;
  /** median over rounds of (this variant's fwd+bwd) / (the reference variant's), same round */
  ratio: number;
  peakMB: number;
  /** max |variant − reference| / max |reference| over the outputs and gradients */
  maxRelDiff: number | null;
  note?: string;
  /** raw timings behind the medians (JSON only) */
  samples: { fwdMs: number[]; fwdBwdMs: number[] };
}

const median = (a: number[]): number => {
  const s = [...a].sort((p, q) => p - q);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const round = (v: number, d = 1): number => Math.round(v * 10 ** d) / 10 ** d;

interface Variant {
  name: string;
  /** forward only; omit to skip the fwd timing */
  fwd?: () => tf.Tensor;
  /** outputs + gradients, all owned by the caller */
  fwdBwd: () => tf.Tensor[];
  note?: string;
}

function timeIt(f: () => tf.Tensor | tf.Tensor[]): number {
  const t0 = performance.now();
  const out = f();
  const list = Array.isArray(out) ? out : [out];
  for (const t of list) t.dataSync(); // cpu is synchronous anyway; forces GPU backends to finish
  const ms = performance.now() - t0;
  tf.dispose(list);
  return ms;
}

async function peakMB(f: () => tf.Tensor[]): Promise<number> {
  const before = tf.memory().numBytes;
  const info = await tf.profile(() => {
    tf.dispose(f());
  });
  return (info.peakBytes - before) / 2 ** 20;
}

function maxRelDiff(a: tf.Tensor[], ref: tf.Tensor[]): number {
  return tf.tidy(() => {
    let worst = 0;
    for (let i = 0; i < ref.length; i++) {
      const scale = ref[i].abs().max().dataSync()[0] || 1;
      worst = Math.max(worst, a[i].sub(ref[i]).abs().max().dataSync()[0] / scale);
    }
    return worst;
  });
}

/** Runs the variants of one case side by side; the first variant is the reference. */
async function runCase(section: string, label: string, variants: Variant[], log: (s: string) => void): Promise<Row[]> {
  let t0 = performance.now();
  const refOut = variants[0].fwdBwd(); // also the warm-up
  const warmMs = [performance.now() - t0];
  const diffs = variants.map((v, i) => {
    if (i === 0) return 0;
    t0 = performance.now();
    const out = v.fwdBwd();
    warmMs.push(performance.now() - t0);
    const d = maxRelDiff(out, refOut);
    tf.dispose(out);
    return d;
  });
  tf.dispose(refOut);
  // Variants slower than SLOW_MS per call run in the first SLOW_REPS rounds only (the bench would
  // otherwise take most of an hour); their ratios use those rounds.
  const reps = warmMs.map((ms) => (ms > SLOW_MS ? Math.min(REPS, SLOW_REPS) : REPS));
  const fwd: number[][] = variants.map(() => []);
  const both: number[][] = variants.map(() => []);
  for (let r = 0; r < REPS; r++) {
    variants.forEach((v, i) => {
      if (r >= reps[i]) return;
      if (v.fwd) fwd[i].push(timeIt(v.fwd));
      both[i].push(timeIt(v.fwdBwd));
    });
  }
  const rows: Row[] = [];
  for (let i = 0; i < variants.length; i++) {
    const v = variants[i];
    // Only rounds in which both this variant and the reference ran (round r ran every variant with reps > r).
    const shared = Math.min(both[i].length, both[0].length);
    const ratios = both[i].slice(0, shared).map((t, r) => t / both[0][r]);
    const row: Row = {
      section,
      case: label,
      variant: v.name,
      fwdMs: v.fwd ? round(median(fwd[i])) : null,
      fwdBwdMs: round(median(both[i])),
      runs: both[i].length,
      ratio: round(median(ratios), 2),
      peakMB: round(await peakMB(v.fwdBwd), 2),
      maxRelDiff: i === 0 ? null : Number(diffs[i].toPrecision(2)),
      ...(v.note ? { note: v.note } : {}),
      samples: { fwdMs: fwd[i].map((t) => round(t, 2)), fwdBwdMs: both[i].map((t) => round(t, 2)) },
    };
    rows.push(row);
    log(`${section} ${label} ${v.name}: fwd ${row.fwdMs} ms, fwd+bwd ${row.fwdBwdMs} ms, ×${row.ratio}, peak ${row.peakMB} MB, diff ${row.maxRelDiff}`);
  }
  return rows;
}

/** One forward under the tape and its backward: [y, ...gradients w.r.t. xs]. */
function valueAndGrads(f: (...a: tf.Tensor[]) => tf.Tensor, xs: tf.Tensor[], dy: tf.Tensor): tf.Tensor[] {
  const { value, grads } = tf.valueAndGrads(f)(xs, dy);
  return [value, ...grads];
}

const randn = (shape: number[], seed: number): tf.Tensor => tf.randomNormal(shape, 0, 1, 'float32', seed);

async function depthwiseRows(log: (s: string) => void): Promise<Row[]> {
  const rows: Row[] = [];
  const sizes: [number, number][] = QUICK
    ? [[8, 16], [4, 32]]
    : [16, 32, 64].flatMap((C): [number, number][] => [[32, C], [16, 2 * C]]);
  for (const [S, C] of sizes) {
    const x = randn([1, S, S, S, C], 1) as tf.Tensor5D;
    const w = randn([3, 3, 3, C], 2) as tf.Tensor4D;
    const dy = randn([1, S, S, S, C], 3) as tf.Tensor5D;
    const impls: DepthwiseImpl[] = ['kernel', 'grouped', 'slices2d'];
    if (C <= 32) impls.push('masked'); // C² cost: ≥ 4× the C=32 time at C=64, minutes per run
    const variants: Variant[] = impls.map((impl) => ({
      name: impl,
      fwd: () => depthwiseConv3d(x, w, { impl }),
      fwdBwd: () => {
        const f = (a: tf.Tensor, b: tf.Tensor) => depthwiseConv3d(a as tf.Tensor5D, b as tf.Tensor4D, { impl });
        return valueAndGrads(f, [x, w], dy);
      },
    }));
    rows.push(...(await runCase('depthwise3d', `[1,${S},${S},${S},${C}] k3`, variants, log)));
    tf.dispose([x, w, dy]);
  }
  return rows;
}

async function pointwiseRows(log: (s: string) => void): Promise<Row[]> {
  const rows: Row[] = [];
  const cases: [number, number, number][] = QUICK ? [[8, 8, 16]] : [[32, 16, 64], [32, 64, 16], [16, 32, 128]];
  for (const [S, Cin, Cout] of cases) {
    const x = randn([1, S, S, S, Cin], 4) as tf.Tensor5D;
    const w = randn([Cin, Cout], 5) as tf.Tensor2D;
    const b = randn([Cout], 6) as tf.Tensor1D;
    const dy = randn([1, S, S, S, Cout], 7) as tf.Tensor5D;
    const variants: Variant[] = (['kernel', 'matmul', 'conv3d'] as PointwiseImpl[]).map((impl) => ({
      name: impl,
      fwd: () => pointwiseConv3d(x, w, b, { impl }),
      fwdBwd: () => {
        const f = (p: tf.Tensor, q: tf.Tensor, r: tf.Tensor) =>
          pointwiseConv3d(p as tf.Tensor5D, q as tf.Tensor2D, r as tf.Tensor1D, { impl });
        return valueAndGrads(f, [x, w, b], dy);
      },
    }));
    rows.push(...(await runCase('pointwise', `[1,${S},${S},${S},${Cin}]→${Cout}`, variants, log)));
    tf.dispose([x, w, b, dy]);
  }
  return rows;
}

async function convRows(log: (s: string) => void): Promise<Row[]> {
  const rows: Row[] = [];
  const cases: [number, number, number, 1 | 2][] = QUICK
    ? [[8, 4, 8, 2]]
    : [[32, 4, 16, 1], [32, 16, 16, 1], [32, 16, 32, 2], [16, 32, 64, 2]];
  for (const [S, Cin, Cout, s] of cases) {
    const x = randn([1, S, S, S, Cin], 8) as tf.Tensor5D;
    const w = randn([3, 3, 3, Cin, Cout], 9) as tf.Tensor5D;
    const So = Math.ceil(S / s);
    const dy = randn([1, So, So, So, Cout], 10) as tf.Tensor5D;
    const variants: Variant[] = (['kernel', 'tfjs'] as Conv3dImpl[]).map((impl) => ({
      name: impl,
      fwd: () => conv3d(x, w, s, { impl }),
      fwdBwd: () => {
        const f = (p: tf.Tensor, q: tf.Tensor) => conv3d(p as tf.Tensor5D, q as tf.Tensor5D, s, { impl });
        return valueAndGrads(f, [x, w], dy);
      },
    }));
    rows.push(...(await runCase('conv3d', `[1,${S},${S},${S},${Cin}]→${Cout} k3 s${s}`, variants, log)));
    tf.dispose([x, w, dy]);
  }
  return rows;
}

async function normRows(log: (s: string) => void): Promise<Row[]> {
  const rows: Row[] = [];
  const cases: [number, number, number][] = QUICK ? [[8, 16, 4]] : [[32, 64, 8], [32, 64, 64], [16, 128, 8]];
  for (const [S, C, G] of cases) {
    const x = randn([1, S, S, S, C], 11).mul(2).add(3) as tf.Tensor5D;
    const gamma = randn([C], 12) as tf.Tensor1D;
    const beta = randn([C], 13) as tf.Tensor1D;
    const dy = randn([1, S, S, S, C], 14) as tf.Tensor5D;
    const variants: Variant[] = (['moments', 'fused', 'kernel'] as NormImpl[]).map((impl) => ({
      name: impl,
      fwd: () => groupNorm(x, gamma, beta, G, 1e-5, { impl }),
      fwdBwd: () => {
        const f = (p: tf.Tensor, q: tf.Tensor, r: tf.Tensor) =>
          groupNorm(p as tf.Tensor5D, q as tf.Tensor1D, r as tf.Tensor1D, G, 1e-5, { impl });
        return valueAndGrads(f, [x, gamma, beta], dy);
      },
    }));
    rows.push(...(await runCase('groupNorm', `[1,${S},${S},${S},${C}] G=${G}`, variants, log)));
    tf.dispose([x, gamma, beta, dy]);
  }
  return rows;
}

async function miscRows(log: (s: string) => void): Promise<Row[]> {
  const rows: Row[] = [];
  const S = QUICK ? 8 : 32;
  const C = QUICK ? 8 : 64;
  const x = randn([1, S, S, S, C], 15);
  const dy = randn([1, S, S, S, C], 16);
  const silu: Variant[] = [
    ...(['kernel', 'ops'] as ActivationImpl[]).map((impl) => ({
      name: `customGrad ${impl} (saves x)`,
      fwd: () => activate(x, 'silu', { impl }),
      fwdBwd: () => valueAndGrads((a: tf.Tensor) => activate(a, 'silu', { impl }), [x], dy),
    })),
    {
      name: 'autodiff x·sigmoid(x)',
      fwd: () => tf.tidy(() => x.mul(tf.sigmoid(x))),
      fwdBwd: () => {
        const f = (a: tf.Tensor) => a.mul(tf.sigmoid(a));
        return valueAndGrads(f, [x], dy);
      },
    },
  ];
  rows.push(...(await runCase('silu', `[1,${S},${S},${S},${C}]`, silu, log)));
  tf.dispose([x, dy]);

  const h = S / 2;
  const xs = randn([1, h, h, h, C], 17) as tf.Tensor5D;
  const dys = randn([1, S, S, S, C], 18) as tf.Tensor5D;
  const up: Variant[] = (['kernel', 'ops'] as UpsampleImpl[]).map((impl) => ({
    name: impl,
    fwd: () => upsampleNearest3d(xs, 2, { impl }),
    fwdBwd: () => {
      const f = (a: tf.Tensor) => upsampleNearest3d(a as tf.Tensor5D, 2, { impl });
      return valueAndGrads(f, [xs], dys);
    },
  }));
  rows.push(...(await runCase('upsample3d', `[1,${h},${h},${h},${C}]→${S}³`, up, log)));
  tf.dispose([xs, dys]);
  return rows;
}

function markdown(rows: Row[], meta: Record<string, unknown>): string {
  const lines = [
    '# 3D layer benchmark (bench/depthwise3d.bench.ts)',
    '',
    `backend \`${String(meta.backend)}\`, tfjs ${String(meta.tfjs)}, ${String(meta.cpus)}, Node ${String(meta.node)}, ${String(meta.date)}; ` +
      `fwd+bwd = tf.valueAndGrads (one forward under the tape + backward, all inputs); median of ${REPS} runs after a warm-up (${SLOW_REPS} for variants over ${SLOW_MS} ms). ×ref = median over runs of (fwd+bwd / first variant's fwd+bwd, same run). ` +
      'peak = tf.profile peakBytes − live bytes before, one fwd+bwd. diff = max|Δ| / max|ref| over output and gradients.',
    '',
  ];
  let section = '';
  for (const r of rows) {
    if (r.section !== section) {
      section = r.section;
      lines.push('', `## ${section}`, '', '|case|variant|fwd ms|fwd+bwd ms|×ref|peak MB|diff|runs|', '|---|---|---|---|---|---|---|---|');
    }
    lines.push(
      `|${r.case}|${r.variant}|${r.fwdMs ?? '–'}|${r.fwdBwdMs}|${r.ratio}|${r.peakMB}|${r.maxRelDiff ?? 'ref'}|${r.runs}|`,
    );
  }
  if (rows.some((r) => r.section === 'depthwise3d')) {
    lines.push('', 'masked is skipped for C > 32: its dense [3,3,3,C,C] conv costs C× the MACs of the others.');
  }
  return lines.join('\n') + '\n';
}

async function main(): Promise<void> {
  const backend = process.env.FRUGAL_BACKEND ?? 'cpu';
  await tf.setBackend(backend);
  await tf.ready();
  const log = (s: string): void => console.log(s);
  const rows: Row[] = [];
  rows.push(...(await depthwiseRows(log)));
  rows.push(...(await pointwiseRows(log)));
  rows.push(...(await convRows(log)));
  rows.push(...(await normRows(log)));
  rows.push(...(await miscRows(log)));
  const meta = {
    backend: tf.getBackend(),
    tfjs: tf.version.tfjs,
    cpus: `${os.cpus().length}× ${os.cpus()[0]?.model ?? '?'}`,
    node: process.version,
    date: new Date().toISOString(),
    reps: REPS,
    quick: QUICK,
  };
  if (QUICK) return; // smoke run: numbers at toy sizes are not worth keeping
  mkdirSync(OUT_DIR, { recursive: true });
  // Atomic (temporary file, then rename): a killed run never leaves half a table that the README cites.
  const write = (name: string, text: string): void => {
    const tmp = new URL(`${name}.tmp-${process.pid}`, OUT_DIR);
    writeFileSync(tmp, text);
    renameSync(tmp, new URL(name, OUT_DIR));
  };
  write('depthwise3d.json', JSON.stringify({ meta, rows }, null, 2) + '\n');
  write('depthwise3d.md', markdown(rows, meta));
  console.log(`wrote ${new URL('depthwise3d.md', OUT_DIR).pathname}`);
}

await main();
