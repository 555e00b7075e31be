/**
 * Time to get one full-size BraTS case (240×240×155, four int16 modalities and a uint8
 * segmentation, .nii.gz) from disk into the training layout: discover the files, read and
 * validate them (src/training/data/brats/validate.ts loadCase: gunzip, parse, shape/spacing/
 * finiteness/label checks), then preprocess (preprocess.ts: brain bounding-box crop, z-score per
 * modality over brain voxels, channels-last interleave). This is the per-case cost the case cache
 * pays once, and what `frugal predict` pays per case.
 *
 * The case is synthetic (data/brats/demo.ts at the real BraTS grid), generated once into a temp
 * folder and removed at the end. One warm-up pass (recorded, not in the medians: it pays for JIT
 * compilation of the readers, which a training run pays once, not per case), then the median of
 * 3 passes. The file cache is warm, which a real dataset on a cold disk would not be.
 */
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { writeDemoBrats } from '../src/training/data/brats/demo';
import { discoverBratsCases } from '../src/training/data/brats/discover';
import { preprocessCase } from '../src/training/data/brats/preprocess';
import { loadCase } from '../src/training/data/brats/validate';
import { markdownTable, median, round, type Bench, type BenchContext, type BenchResult } from './lib';

const FULL = { size: [240, 240, 155] as [number, number, number], warmup: 1, reps: 3 };
const QUICK = { size: [96, 96, 64] as [number, number, number], warmup: 1, reps: 3 };

async function run(ctx: BenchContext): Promise<BenchResult> {
  const plan = ctx.quick ? QUICK : FULL;
  const root = await mkdtemp(join(os.tmpdir(), 'frugal-bench-brats-'));
  try {
    let t0 = performance.now();
    const written = await writeDemoBrats({ out: root, cases: 1, size: plan.size, seed: 0 });
    const generateMs = performance.now() - t0;
    const files = await readdir(written.dirs[0]);
    let fileBytes = 0;
    for (const f of files) fileBytes += (await stat(join(written.dirs[0], f))).size;
    ctx.log(`wrote ${plan.size.join('×')} demo case (${round(fileBytes / 2 ** 20, 1)} MB in ${files.length} files) in ${round(generateMs / 1000, 1)} s`);

    const passes: { discoverMs: number; loadMs: number; preprocessMs: number }[] = [];
    let cropped: number[] = [];
    let source: number[] = [];
    let box: unknown = null;
    for (let r = 0; r < plan.warmup + plan.reps; r++) {
      t0 = performance.now();
      const { cases, problems } = await discoverBratsCases(root);
      if (cases.length !== 1) throw new Error(`brats-load: expected 1 case in ${root}, found ${cases.length} (${problems.map((p) => p.message).join('; ')})`);
      const t1 = performance.now();
      const loaded = await loadCase(cases[0]);
      const t2 = performance.now();
      const prepared = preprocessCase(loaded);
      const t3 = performance.now();
      passes.push({ discoverMs: t1 - t0, loadMs: t2 - t1, preprocessMs: t3 - t2 });
      cropped = prepared.shapeDHW;
      source = loaded.shapeDHW;
      box = prepared.box;
      ctx.log(`${r < plan.warmup ? 'warm-up pass' : `pass ${r + 1 - plan.warmup}`}: discover ${round(t1 - t0)} ms, read+validate ${round(t2 - t1)} ms, preprocess ${round(t3 - t2)} ms`);
    }
    const warmup = passes.slice(0, plan.warmup);
    const samples = passes.slice(plan.warmup);
    const readValidate = samples.map((s) => s.discoverMs + s.loadMs);
    const preprocess = samples.map((s) => s.preprocessMs);
    const total = samples.map((s) => s.discoverMs + s.loadMs + s.preprocessMs);
    const derived = {
      readValidateMedianMs: median(readValidate),
      preprocessMedianMs: median(preprocess),
      totalMedianMs: median(total),
      sourceShapeDHW: source,
      croppedShapeDHW: cropped,
      croppedVoxelFraction: (cropped[0] * cropped[1] * cropped[2]) / (source[0] * source[1] * source[2]),
      box,
      fileBytes,
      generateMs,
      warmupTotalMs: warmup.map((s) => s.discoverMs + s.loadMs + s.preprocessMs),
    };
    const md = [
      `## Loading one BraTS-size case (${plan.size.join('×')}, 4 modalities + segmentation, .nii.gz)`,
      '',
      markdownTable(
        ['stage', 'median ms', `samples (${plan.reps} passes)`],
        [
          ['discover + read + validate (gunzip, parse, checks)', Math.round(derived.readValidateMedianMs), readValidate.map((v) => Math.round(v)).join(', ')],
          ['preprocess (crop, z-score, interleave)', Math.round(derived.preprocessMedianMs), preprocess.map((v) => Math.round(v)).join(', ')],
          ['total', Math.round(derived.totalMedianMs), total.map((v) => Math.round(v)).join(', ')],
        ],
      ),
      '',
      `Source grid D×H×W ${source.join('×')} → cropped to the brain box ${cropped.join('×')} (${round(derived.croppedVoxelFraction * 100)}% of the voxels), ` +
        `channels-last float32 ${round((cropped[0] * cropped[1] * cropped[2] * 4 * 4) / 2 ** 20, 1)} MB. ` +
        `Files: ${round(fileBytes / 2 ** 20, 1)} MB gzipped (synthetic demo case; real scans compress differently). ` +
        `Warm file cache; after one untimed warm-up pass (${derived.warmupTotalMs.map((v) => Math.round(v)).join(', ')} ms in all, JIT compilation included).`,
    ].join('\n');
    return { config: { ...plan, cases: 1, generator: 'writeDemoBrats seed 0, scheme 2018-2021' }, samples: { warmup, timed: samples }, derived, markdown: md };
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

export const bratsLoadBench: Bench = {
  name: 'brats-load',
  title: 'Reading, validating and preprocessing a BraTS case',
  run,
};
