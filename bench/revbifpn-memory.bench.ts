/**
 * RevBiFPN training memory: the reversible backbone against its non-reversible twin (the same
 * weights with `reversible: false`), METHODS.md §2 acceptance 4 ("activation memory is roughly
 * flat as num_ext_layers goes from 2 to 5") and the paper's per-sample memory claim.
 *
 * What is measured (src/training/experiments/revbifpn/memory.ts, the code behind the engine's
 * memory ledger): one training step of the classifier (backbone + neck + classification head,
 * softmax cross-entropy, 10 classes; BN in training mode), tf.variableGrads then dispose, under
 * backend/memory.ts measurePeak: peak tracked tensor bytes above what is live before the step.
 * **Per sample = peak(B=2) − peak(B=1)** (the ledger uses B = 3 and 2, for its 32 px anchor);
 * weights, weight gradients and every other batch-independent byte cancel in the difference.
 * Peaks are deterministic (the same ops allocate the same bytes): one step per configuration.
 *
 * Sections, in the order they run (full sizes; --quick in brackets):
 *   size     S0 (ext 2) at 224 [64], B = 1 and 2: per-sample bytes, twin / reversible
 *   flat     S0 at 224 [64] with num_ext_layers 2, 3, 4, 5: reversible within 15 %? twin grows?
 *   time     S0 at 224 [64], B = 2: full training steps (gradients + AdamW update), reversible
 *            and twin alternating, ≥ 3 rounds [3] after a warm-up: median step time ratio
 *   ledger   the engine's ledger for S0 ext 2 at 224 [96] with no time budget (only the 32 and
 *            64 px anchors measured, the rest extrapolated linearly in pixels) against the size
 *            section's measurements: how far the ledger's extrapolation is off
 *   larger   S0 at 256 and 320, S1 (ext 2) at 256, S0 at 384 [S0 at 96], each only if its
 *            predicted time (the 224 point's, scaled by pixels × width²) fits the time limit
 *            (20 min [3 min]); then a straight line per-sample bytes = a + b·pixels through the
 *            S0 points, and from it the largest input the reversible S0 trains within the twin's
 *            per-sample bytes at 224 px (predicted, not measured)
 *
 * Usage: npm run bench -- revbifpn-memory [--quick]
 */
import * as tf from '@tensorflow/tfjs';
import { Adam } from '../src/training/core/adam';
import { gradsByParamName } from '../src/training/core/params';
import { extrapolateInPixels, ledgerModel, type LedgerPoint, measureLedgerPoint, perSample, RevBifpnMemoryLedger } from '../src/training/experiments/revbifpn/memory';
import { revbifpnConfig, type RevBifpnConfig, type RevBifpnVariant } from '../src/training/models/revbifpn';
import { alternate, linearFit, markdownTable, median, mib, round, type Bench, type BenchContext, type BenchResult } from './lib';

interface Sizes {
  sizeResolution: number;
  flatExts: number[];
  timeBatch: number;
  timeRounds: number;
  ledgerResolution: number;
  larger: { variant: RevBifpnVariant; resolution: number }[];
  timeLimitMs: number;
}

const FULL: Sizes = {
  sizeResolution: 224,
  flatExts: [2, 3, 4, 5],
  timeBatch: 2,
  timeRounds: 5,
  ledgerResolution: 224,
  larger: [
    { variant: 'S0', resolution: 256 },
    { variant: 'S0', resolution: 320 },
    { variant: 'S1', resolution: 256 },
    { variant: 'S0', resolution: 384 },
  ],
  timeLimitMs: 20 * 60_000,
};
const QUICK: Sizes = { sizeResolution: 64, flatExts: [2, 3, 4, 5], timeBatch: 2, timeRounds: 3, ledgerResolution: 96, larger: [{ variant: 'S0', resolution: 96 }], timeLimitMs: 3 * 60_000 };

const BATCHES: readonly [number, number] = [1, 2];
const PAPER_RATIO = 19.8; // RevBiFPN-S6 0.25 GB vs EfficientNet-B7 5.05 GB per sample (METHODS.md §2 headline)
const MB = (bytes: number): number => round(mib(bytes), 2);

interface Sample extends LedgerPoint {
  variant: RevBifpnVariant;
  /** Per sample: peak(B=2) − peak(B=1). */
  revPerSample: number;
  twinPerSample: number;
}

async function run(ctx: BenchContext): Promise<BenchResult> {
  const sz = ctx.quick ? QUICK : FULL;
  const t0 = performance.now();
  const samples: Sample[] = [];
  const cfgOf = (variant: RevBifpnVariant, extLayers?: number): RevBifpnConfig => revbifpnConfig(variant, extLayers === undefined ? {} : { extLayers });

  const measure = async (variant: RevBifpnVariant, extLayers: number, resolution: number): Promise<Sample> => {
    const hit = samples.find((s) => s.variant === variant && s.extLayers === extLayers && s.resolution === resolution);
    if (hit) return hit;
    const p = await measureLedgerPoint(cfgOf(variant), extLayers, resolution, 'classifier', BATCHES);
    const s: Sample = { ...p, variant, revPerSample: perSample(p.reversible, BATCHES), twinPerSample: perSample(p.twin, BATCHES) };
    samples.push(s);
    ctx.log(
      `${variant} ext ${extLayers} ${resolution} px: per sample ${MB(s.revPerSample)} MB reversible, ${MB(s.twinPerSample)} MB twin (×${round(s.twinPerSample / s.revPerSample, 2)}); ` +
        `peaks B=1/2 rev ${MB(p.reversible.lo)}/${MB(p.reversible.hi)}, twin ${MB(p.twin.lo)}/${MB(p.twin.hi)} MB; ${round(p.ms / 1000)} s`,
    );
    return s;
  };
  const md: string[] = [];
  const sizeRow = (s: Sample) => [
    s.variant,
    s.resolution,
    s.extLayers,
    MB(s.paramBytes),
    `${MB(s.reversible.lo)} / ${MB(s.reversible.hi)}`,
    `**${MB(s.revPerSample)}**`,
    `${MB(s.twin.lo)} / ${MB(s.twin.hi)}`,
    `**${MB(s.twinPerSample)}**`,
    `${round(s.twinPerSample / s.revPerSample, 2)}×`,
    MB(s.reversible.lo - s.revPerSample - s.paramBytes),
  ];
  const sizeHeaders = ['model', 'px', 'ext', 'weight grads MB', 'reversible peak B=1 / B=2 MB', 'reversible MB/sample', 'twin peak B=1 / B=2 MB', 'twin MB/sample', 'twin / reversible', 'reversible constant beyond weight grads MB'];

  // ---- size (first point) --------------------------------------------------------------------
  const base = await measure('S0', 2, sz.sizeResolution);

  // ---- flat -----------------------------------------------------------------------------------
  const flat: Sample[] = [];
  for (const e of sz.flatExts) flat.push(await measure('S0', e, sz.sizeResolution));
  const revs = flat.map((s) => s.revPerSample);
  const revSpread = (Math.max(...revs) - Math.min(...revs)) / Math.min(...revs);
  const twinGrowth = flat[flat.length - 1].twinPerSample / flat[0].twinPerSample;
  const twinIncreasing = flat.every((s, i) => i === 0 || s.twinPerSample > flat[i - 1].twinPerSample);

  // ---- time -----------------------------------------------------------------------------------
  const model = ledgerModel(cfgOf('S0'), 2, 'classifier');
  const { x, labels } = model.batch(sz.timeBatch, sz.sizeResolution);
  const opt = new Adam(model.named, { weightDecay: 0.05 });
  const vars = [...model.named.values()];
  const trainStep = (reversible: boolean) => () => {
    const r = tf.variableGrads(() => model.loss(x, labels, reversible), vars);
    const grads = gradsByParamName(model.named, r.grads);
    opt.apply(grads, 1e-4);
    r.value.dataSync();
    tf.dispose([r.value, ...grads.values()]);
  };
  const tensorsBefore = tf.memory().numTensors;
  const warm = await alternate([trainStep(true), trainStep(false)], 1);
  ctx.log(`warm-up steps: reversible ${round(warm[0][0])} ms, twin ${round(warm[1][0])} ms`);
  const times = await alternate([trainStep(true), trainStep(false)], sz.timeRounds, (v, r, ms) => ctx.log(`round ${r + 1}: ${v === 0 ? 'reversible' : 'twin'} ${round(ms)} ms`));
  if (tf.memory().numTensors !== tensorsBefore) throw new Error(`revbifpn-memory: training steps leaked ${tf.memory().numTensors - tensorsBefore} tensors`);
  tf.dispose([x, labels]);
  opt.dispose();
  model.dispose();
  const medRev = median(times[0]);
  const medTwin = median(times[1]);
  const roundRatios = times[0].map((t, i) => t / times[1][i]);

  // ---- ledger ---------------------------------------------------------------------------------
  const ledgers = new RevBifpnMemoryLedger();
  const lt0 = performance.now();
  const led = await ledgers.ledger({ model: cfgOf('S0', 2), loss: 'classifier', imageSize: sz.ledgerResolution }, { extRows: [2], budgetMs: 0, log: (s) => ctx.log(`ledger: ${s}`) });
  const ledgerMs = performance.now() - lt0;
  const anchorPoints = led.points.filter((p) => p.extLayers === 2);

  // ---- larger ---------------------------------------------------------------------------------
  const skipped: { variant: RevBifpnVariant; resolution: number; predictedMs: number }[] = [];
  for (const { variant, resolution } of sz.larger) {
    const w = cfgOf(variant).width;
    const predictedMs = base.ms * (resolution / base.resolution) ** 2 * w * w;
    const elapsed = performance.now() - t0;
    if (elapsed + predictedMs > sz.timeLimitMs) {
      skipped.push({ variant, resolution, predictedMs });
      ctx.log(`skipping ${variant} at ${resolution} px: predicted ${round(predictedMs / 1000)} s after ${round(elapsed / 1000)} s (limit ${sz.timeLimitMs / 1000} s)`);
      continue;
    }
    await measure(variant, 2, resolution);
  }

  // Ledger check: its extrapolation (from the 32/64 px anchors, B = 3 − 2) against the S0 ext-2 measurements (B = 2 − 1).
  const ledgerCheck = samples
    .filter((s) => s.variant === 'S0' && s.extLayers === 2)
    .sort((a, b) => a.resolution - b.resolution)
    .map((s) => {
      const v = extrapolateInPixels(anchorPoints, s.resolution);
      return { resolution: s.resolution, ledgerRev: v.rev, measuredRev: s.revPerSample, ledgerTwin: v.twin, measuredTwin: s.twinPerSample, revError: v.rev / s.revPerSample - 1, twinError: v.twin / s.twinPerSample - 1 };
    });

  // Per-sample bytes vs pixels over the S0 ext-2 points, and the equal-budget input size.
  const s0 = samples.filter((s) => s.variant === 'S0' && s.extLayers === 2).sort((a, b) => a.resolution - b.resolution);
  const px = s0.map((s) => s.resolution ** 2);
  const revLine = s0.length >= 2 ? linearFit(px, s0.map((s) => s.revPerSample)) : null;
  const twinLine = s0.length >= 2 ? linearFit(px, s0.map((s) => s.twinPerSample)) : null;
  const budget = base.twinPerSample;
  let equalBudgetPx = base.resolution;
  while (revLine && revLine.intercept + revLine.slope * (equalBudgetPx + 32) ** 2 <= budget) equalBudgetPx += 32;

  // ---- markdown -------------------------------------------------------------------------------
  const sizeRows = samples.filter((s) => s.extLayers === 2).sort((a, b) => a.variant.localeCompare(b.variant) || a.resolution - b.resolution);
  md.push('## Per-sample training memory, reversible vs twin', '');
  md.push(markdownTable(sizeHeaders, sizeRows.map(sizeRow)), '');
  if (skipped.length) md.push(`Not measured (predicted time over the ${sz.timeLimitMs / 60_000} min limit): ${skipped.map((s) => `${s.variant} at ${s.resolution} px (~${round(s.predictedMs / 1000)} s)`).join(', ')}.`, '');
  md.push(
    `The classifier has 10 classes, so "weight grads" (= the trained weights' float32 bytes) leave out 4.84 MB of the 1000-way ImageNet FC layer (S0: 1280 × 990 more weights and biases); its activations, B × classes floats, are negligible either way.`,
    '',
    `"Reversible constant beyond weight grads" = peak(B=1) − per sample − weight gradients: the batch-independent working set of the reversible backward (per-block weight-sized temporaries), which peak(B)/B would have counted as per-sample memory.`,
    '',
  );
  if (revLine && twinLine) {
    md.push(
      `Straight lines through the S0 points (${s0.map((s) => s.resolution).join(', ')} px): per sample = a + b·pixels with reversible b = ${round(revLine.slope, 1)} B/pixel, a = ${MB(revLine.intercept)} MB (R² = ${round(revLine.r2, 6)}); ` +
        `twin b = ${round(twinLine.slope, 1)} B/pixel, a = ${MB(twinLine.intercept)} MB (R² = ${round(twinLine.r2, 6)}). ` +
        `At the twin's per-sample bytes at ${base.resolution} px (${MB(budget)} MB), the reversible S0 trains inputs up to **${equalBudgetPx}×${equalBudgetPx} px** (${round(equalBudgetPx ** 2 / base.resolution ** 2, 2)}× the pixels; predicted from the line, multiples of 32).`,
      '',
    );
  }

  md.push(`## Flatness in num_ext_layers: S0 at ${sz.sizeResolution} px`, '');
  md.push(
    markdownTable(
      ['ext', 'weight grads MB', 'reversible MB/sample', 'twin MB/sample', 'twin / reversible'],
      flat.map((s) => [s.extLayers, MB(s.paramBytes), MB(s.revPerSample), MB(s.twinPerSample), `${round(s.twinPerSample / s.revPerSample, 2)}×`]),
    ),
    '',
    `- Reversible per-sample bytes from ext ${sz.flatExts[0]} to ${sz.flatExts[sz.flatExts.length - 1]}: spread ${round(revSpread * 100, 2)} % — **${revSpread <= 0.15 ? 'flat within 15 % (target met)' : 'NOT flat within 15 % (target missed)'}**.`,
    `- Twin: ×${round(twinGrowth, 2)} from ext ${sz.flatExts[0]} to ${sz.flatExts[sz.flatExts.length - 1]}${twinIncreasing ? ', growing at every step' : ' (not monotone)'}; +${MB((flat[flat.length - 1].twinPerSample - flat[0].twinPerSample) / (flat.length - 1))} MB per sample per extension stage.`,
    `- The paper's ${PAPER_RATIO}× (RevBiFPN-S6 0.25 GB vs EfficientNet-B7 5.05 GB per sample, ImageNet, GPU) compares two different networks; the ratios here compare one network with itself (same weights, stored vs recomputed activations), on tfjs ${tf.getBackend()}, at S0 size. They are not the same quantity.`,
    '',
  );

  md.push(`## Step time: S0 at ${sz.sizeResolution} px, batch ${sz.timeBatch}, gradients + AdamW update`, '');
  md.push(
    markdownTable(
      ['variant', 'steps (ms)', 'median ms'],
      [
        ['reversible', times[0].map((t) => Math.round(t)).join(', '), Math.round(medRev)],
        ['twin', times[1].map((t) => Math.round(t)).join(', '), Math.round(medTwin)],
      ],
    ),
    '',
    `Reversible / twin: **${round(medRev / medTwin, 2)}×** (ratio of medians; per-round ratios ${roundRatios.map((r) => round(r, 2)).join(', ')}, median ${round(median(roundRatios), 2)}). ` +
      `Rounds alternate which variant goes first, after one warm-up step each (${round(warm[0][0])} / ${round(warm[1][0])} ms).`,
    '',
  );

  md.push(`## The engine's memory ledger against measurement: S0 ext 2`, '');
  md.push(
    `The ledger with no time budget measured only its 32 and 64 px anchors (B = 2 and 3; ${round(ledgerMs / 1000)} s) and extrapolated linearly in pixels; compared with the per-sample bytes measured above (B = 1 and 2).`,
    '',
    markdownTable(
      ['px', 'ledger reversible MB/sample', 'measured', 'error', 'ledger twin MB/sample', 'measured', 'error'],
      ledgerCheck.map((c) => [c.resolution, MB(c.ledgerRev), MB(c.measuredRev), `${round(c.revError * 100, 1)} %`, MB(c.ledgerTwin), MB(c.measuredTwin), `${round(c.twinError * 100, 1)} %`]),
    ),
    '',
    `Ledger rows at ${sz.ledgerResolution} px (chosen): ${led.ledger.rows.map((r) => `${r.resolution} px ${MB(r.reversibleBytesPerSample)} / ${MB(r.twinBytesPerSample)} MB${r.measured ? '' : ' (extrapolated)'}`).join('; ')}.`,
    '',
  );
  md.push(
    '**Peak** = highest tracked tensor bytes during one step minus the bytes live before it (weights, BN statistics, input), from tf.profile (src/training/backend/memory.ts). ' +
      'The AdamW update is outside the measured step (its state is 2× the weights). MB = 2^20 bytes. Tensor memory only; the process adds a few hundred MB.',
  );

  return {
    config: { ...sz, batches: BATCHES, loss: 'classifier: backbone + neck + head, softmax CE (10 classes)', bn: 'training mode', seed: 0 },
    samples,
    derived: {
      size: sizeRows.map((s) => ({ variant: s.variant, resolution: s.resolution, revPerSample: s.revPerSample, twinPerSample: s.twinPerSample, ratio: s.twinPerSample / s.revPerSample })),
      skipped,
      lines: { resolutions: s0.map((s) => s.resolution), revLine, twinLine, equalBudget: { twinPerSampleAt: base.resolution, bytes: budget, reversibleResolution: equalBudgetPx } },
      flat: { resolution: sz.sizeResolution, exts: sz.flatExts, rev: revs, twin: flat.map((s) => s.twinPerSample), revSpread, revFlatWithin15pct: revSpread <= 0.15, twinGrowth, twinIncreasing, paperRatio: PAPER_RATIO },
      time: { resolution: sz.sizeResolution, batch: sz.timeBatch, revMs: times[0], twinMs: times[1], warmupMs: { rev: warm[0][0], twin: warm[1][0] }, medianRevMs: medRev, medianTwinMs: medTwin, ratio: medRev / medTwin, roundRatios },
      ledger: { resolution: sz.ledgerResolution, ms: ledgerMs, rows: led.ledger.rows, check: ledgerCheck, basis: led.ledger.basis },
    },
    markdown: md.join('\n'),
  };
}

export const revbifpnMemoryBench: Bench = {
  name: 'revbifpn-memory',
  title: 'RevBiFPN reversible vs non-reversible twin: per-sample training memory, flatness in depth, step time',
  run,
};
