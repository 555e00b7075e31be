/**
 * Training memory of the reversible MBConv 3D U-Net against its non-reversible twin (the same
 * code with `reversible: false`): the acceptance criteria of METHODS.md §3 ("the reversible
 * encoder stays roughly constant as n goes from 1 to 4, while the twin grows linearly; at an
 * equal budget the reversible net fits ≥ 2× the voxels (paper: 3×)"; the paper's abstract also
 * claims "or 2× the channels").
 *
 * What is measured: the peak tracked tensor bytes of one training step (tf.variableGrads of soft
 * Dice + 0.5·BCE on a random [1, D, H, W, 4] input and random 0/1 [1, D, H, W, 3] target, then
 * dispose), above the bytes live before it (backend/memory.ts measurePeak). That is activations,
 * temporaries and the weight gradients; weights, input and target are live before and excluded,
 * and so is the optimiser (Adam's update runs after the gradients and holds 2× the weight bytes
 * as state, independent of the volume). Peaks are deterministic: the same op sequence allocates
 * the same bytes, so one measurement per configuration suffices (the warm-up step is measured too
 * and recorded, as a check).
 *
 * Sections:
 *   depth   blocks per level 1..4 at fixed patch(es): rev flat within 15%? twin linear?
 *   size    patch edge 32..80 at 2 blocks: bytes per voxel of both
 *   budget  the twin's peak at 64³ (2 blocks) as the budget: the largest box the reversible net
 *           trains within it (predicted from a straight-line fit of peak vs voxels over the size
 *           section, then confirmed by measurement), and the reversible net with doubled widths
 *           at 64³, with 2 and with 4 blocks per level.
 */
import { linearFit, markdownTable, measureStepPeak, mib, round, shapeText, unetConfig, type Bench, type BenchContext, type BenchResult, type Dhw, type PeakSample } from './lib';

const DEFAULT_WIDTHS = [16, 32, 64, 128];
const DOUBLE_WIDTHS = [32, 64, 128, 256];
const EDGE_STEP = 8; // edges must be divisible by 2^(levels−1) = 8 for 4 levels

interface Sizes {
  depthPatches: number[];
  depthBlocks: number[];
  sizePatches: number[];
  sizeBlocks: number;
  budgetPatch: number;
  widths: number[];
  doubleWidths: number[];
}

const FULL: Sizes = { depthPatches: [32, 48], depthBlocks: [1, 2, 3, 4], sizePatches: [32, 48, 64, 80], sizeBlocks: 2, budgetPatch: 64, widths: DEFAULT_WIDTHS, doubleWidths: DOUBLE_WIDTHS };
const QUICK: Sizes = { depthPatches: [16], depthBlocks: [1, 2, 3, 4], sizePatches: [16, 24], sizeBlocks: 2, budgetPatch: 16, widths: DEFAULT_WIDTHS, doubleWidths: DOUBLE_WIDTHS };

interface Point extends PeakSample {
  widths: number[];
  blocks: number;
  reversible: boolean;
  dhw: Dhw;
  voxels: number;
  /** The reported peak: the step after the warm-up. */
  peak: number;
}

const voxelsOf = (d: readonly number[]): number => d[0] * d[1] * d[2];
const cube = (e: number): Dhw => [e, e, e];
const MB = (bytes: number): number => round(mib(bytes), 1);

/** Largest |measured − line| / measured over the points, in % (how straight the line is). */
function maxResidualPct(xs: readonly number[], ys: readonly number[], fit: { intercept: number; slope: number }): number {
  return Math.max(...xs.map((x, i) => Math.abs(ys[i] - (fit.intercept + fit.slope * x)) / ys[i])) * 100;
}

/** Measures each configuration once and remembers it (sections share points). */
class Measurer {
  readonly points: Point[] = [];
  constructor(private readonly log: (s: string) => void) {}

  async get(widths: number[], blocks: number, reversible: boolean, dhw: Dhw): Promise<Point> {
    const hit = this.points.find((p) => p.widths.join() === widths.join() && p.blocks === blocks && p.reversible === reversible && p.dhw.join() === dhw.join());
    if (hit) return hit;
    const s = await measureStepPeak(unetConfig({ widths, blocksPerLevel: blocks, reversible }), dhw);
    const p: Point = { widths, blocks, reversible, dhw, voxels: voxelsOf(dhw), ...s, peak: s.peakBytes[s.peakBytes.length - 1] };
    this.points.push(p);
    this.log(`${reversible ? 'rev ' : 'twin'} [${widths}] blocks ${blocks} ${shapeText(dhw)}: peak ${MB(p.peak)} MB (warm-up step ${MB(s.peakBytes[0])} MB), ${round(s.stepMs.reduce((a, b) => a + b, 0) / 1000)} s`);
    return p;
  }
}

/**
 * Grows a box from `start` one edge at a time (smallest edge first, by EDGE_STEP) while
 * `fits` holds for the grown box; stops when no edge can grow. Gives the largest near-cube.
 */
function growBox(start: Dhw, fits: (dhw: Dhw) => boolean): Dhw {
  let box: Dhw = [...start];
  for (;;) {
    const next = grownByOneEdge(box).find(fits);
    if (!next) return box;
    box = next;
  }
}

/** The box with one edge longer by EDGE_STEP, for each edge, smallest edge first. */
function grownByOneEdge(box: Dhw): Dhw[] {
  return [0, 1, 2].sort((a, b) => box[a] - box[b] || a - b).map((i) => box.map((e, j) => (j === i ? e + EDGE_STEP : e)) as Dhw);
}

/** Largest cube edge (a multiple of EDGE_STEP) with fits(cube) true, or 0. */
function largestCube(fits: (dhw: Dhw) => boolean): number {
  let e = 0;
  while (fits(cube(e + EDGE_STEP))) e += EDGE_STEP;
  return e;
}

async function run(ctx: BenchContext): Promise<BenchResult> {
  const sz = ctx.quick ? QUICK : FULL;
  const m = new Measurer(ctx.log);
  const md: string[] = [];

  // ---- depth -------------------------------------------------------------------------------
  const depth = [];
  for (const patch of sz.depthPatches) {
    const rows: { blocks: number; paramBytes: number; twin: number; rev: number }[] = [];
    for (const blocks of sz.depthBlocks) {
      const rev = await m.get(sz.widths, blocks, true, cube(patch));
      const twin = await m.get(sz.widths, blocks, false, cube(patch));
      rows.push({ blocks, paramBytes: rev.paramBytes, twin: twin.peak, rev: rev.peak });
    }
    const first = rows[0];
    const last = rows[rows.length - 1];
    const revPeaks = rows.map((r) => r.rev);
    const revGrowth = (last.rev - first.rev) / first.rev;
    const revSpread = (Math.max(...revPeaks) - Math.min(...revPeaks)) / Math.min(...revPeaks);
    const gradGrowth = last.paramBytes - first.paramBytes;
    const twinFit = linearFit(rows.map((r) => r.blocks), rows.map((r) => r.twin));
    const revFit = linearFit(rows.map((r) => r.blocks), rows.map((r) => r.rev));
    depth.push({
      patch,
      rows,
      revGrowth,
      revSpread,
      revFlatWithin15pct: revSpread <= 0.15,
      revSlopeBytesPerBlock: revFit.slope,
      weightGradGrowthBytes: gradGrowth,
      revGrowthBytes: last.rev - first.rev,
      revGrowthShareWeightGrads: last.rev > first.rev ? gradGrowth / (last.rev - first.rev) : null,
      twinSlopeBytesPerBlock: twinFit.slope,
      twinInterceptBytes: twinFit.intercept,
      twinR2: twinFit.r2,
      twinMaxResidualPct: maxResidualPct(rows.map((r) => r.blocks), rows.map((r) => r.twin), twinFit),
      twinGrowth: last.twin / first.twin,
    });
  }
  md.push('## Depth: peak training memory vs blocks per level', '');
  md.push(`Widths [${sz.widths}], expansion 2, GroupNorm 8, SiLU, no SE; batch 1. "weight grads" = float32 bytes of all weight gradients (= the weights).`, '');
  for (const d of depth) {
    md.push(`### Patch ${d.patch}³`, '');
    md.push(
      markdownTable(
        ['blocks/level', 'weight grads MB', 'twin peak MB', 'reversible peak MB', 'twin / reversible'],
        d.rows.map((r) => [r.blocks, round(mib(r.paramBytes), 2), MB(r.twin), MB(r.rev), round(r.twin / r.rev, 2)]),
      ),
      '',
    );
    const share = d.revGrowthShareWeightGrads;
    md.push(
      `- Reversible: ${MB(d.rows[0].rev)} → ${MB(d.rows[d.rows.length - 1].rev)} MB from ${d.rows[0].blocks} to ${d.rows[d.rows.length - 1].blocks} blocks (${d.revGrowth >= 0 ? '+' : ''}${round(d.revGrowth * 100)}%; spread ${round(d.revSpread * 100)}%): ` +
        `**${d.revFlatWithin15pct ? 'flat within 15% (target met)' : 'NOT flat within 15% (target missed)'}**. ` +
        `The extra weight gradients are ${round(mib(d.weightGradGrowthBytes), 2)} MB${share === null ? '' : `, at most ${round(Math.min(share, 1) * 100)}% of that growth`}.`,
      `- Twin: +${MB(d.twinSlopeBytesPerBlock)} MB per block per level (least-squares line: R² = ${round(d.twinR2, 5)}, largest residual ${round(d.twinMaxResidualPct, 2)}%), ×${round(d.twinGrowth, 2)} from ${d.rows[0].blocks} to ${d.rows[d.rows.length - 1].blocks} blocks.`,
      '',
    );
  }

  // ---- size --------------------------------------------------------------------------------
  const size = [];
  for (const patch of sz.sizePatches) {
    const rev = await m.get(sz.widths, sz.sizeBlocks, true, cube(patch));
    const twin = await m.get(sz.widths, sz.sizeBlocks, false, cube(patch));
    size.push({ patch, voxels: rev.voxels, twin: twin.peak, rev: rev.peak, twinBytesPerVoxel: twin.peak / twin.voxels, revBytesPerVoxel: rev.peak / rev.voxels, ratio: twin.peak / rev.peak });
  }
  const revLine = linearFit(size.map((s) => s.voxels), size.map((s) => s.rev));
  const twinLine = linearFit(size.map((s) => s.voxels), size.map((s) => s.twin));
  const revLineResidualPct = maxResidualPct(size.map((s) => s.voxels), size.map((s) => s.rev), revLine);
  const twinLineResidualPct = maxResidualPct(size.map((s) => s.voxels), size.map((s) => s.twin), twinLine);
  md.push(`## Input size: peak training memory vs patch (${sz.sizeBlocks} blocks per level)`, '');
  md.push(
    markdownTable(
      ['patch', 'voxels', 'twin peak MB', 'reversible peak MB', 'twin B/voxel', 'reversible B/voxel', 'twin / reversible'],
      size.map((s) => [`${s.patch}³`, s.voxels, MB(s.twin), MB(s.rev), Math.round(s.twinBytesPerVoxel), Math.round(s.revBytesPerVoxel), round(s.ratio, 2)]),
    ),
    '',
    `Least-squares lines peak = a + b·voxels: twin b = ${Math.round(twinLine.slope)} B/voxel, a = ${MB(twinLine.intercept)} MB (largest residual ${round(twinLineResidualPct, 2)}%); ` +
      `reversible b = ${Math.round(revLine.slope)} B/voxel, a = ${MB(revLine.intercept)} MB (largest residual ${round(revLineResidualPct, 2)}%). ` +
      `Large-volume limit of twin / reversible: ${round(twinLine.slope / revLine.slope, 2)}.`,
    '',
  );

  // ---- budget ------------------------------------------------------------------------------
  const bp = sz.budgetPatch;
  const twinRef = await m.get(sz.widths, sz.sizeBlocks, false, cube(bp));
  const budget = twinRef.peak;
  const predictRev = (dhw: Dhw): number => revLine.intercept + revLine.slope * voxelsOf(dhw);
  const predictedFits = (dhw: Dhw) => predictRev(dhw) <= budget;
  const predictedBox = growBox(cube(bp), predictedFits);
  const predictedCube = largestCube(predictedFits);
  // Confirm by measurement; if the prediction was optimistic, shrink the longest edge and retry.
  let box = predictedBox;
  let confirmed = await m.get(sz.widths, sz.sizeBlocks, true, box);
  const shrinks: { dhw: Dhw; peak: number }[] = [];
  for (let tries = 0; confirmed.peak > budget && tries < 3; tries++) {
    shrinks.push({ dhw: box, peak: confirmed.peak });
    const i = box.indexOf(Math.max(...box));
    box = box.map((e, j) => (j === i ? e - EDGE_STEP : e)) as Dhw;
    confirmed = await m.get(sz.widths, sz.sizeBlocks, true, box);
  }
  const voxelRatio = confirmed.voxels / voxelsOf(cube(bp));
  const largest = {
    budgetBytes: budget,
    predictedBox,
    predictedPeakBytes: predictRev(predictedBox),
    predictedCube,
    measuredBox: box,
    measuredPeakBytes: confirmed.peak,
    fits: confirmed.peak <= budget,
    shrinks,
    voxelRatio,
    target3x: voxelRatio >= 3,
    /** The smallest predicted peak among the boxes one edge larger than the predicted box: over budget. */
    nextLargerPredictedPeakBytes: Math.min(...grownByOneEdge(predictedBox).map(predictRev)),
  };

  const dbl2 = await m.get(sz.doubleWidths, sz.sizeBlocks, true, cube(bp));
  const twin4 = await m.get(sz.widths, 4, false, cube(bp));
  const dbl4 = await m.get(sz.doubleWidths, 4, true, cube(bp));
  const doubled = [
    { blocks: sz.sizeBlocks, twinPeak: twinRef.peak, revPeak: dbl2.peak, fits: dbl2.peak <= twinRef.peak },
    { blocks: 4, twinPeak: twin4.peak, revPeak: dbl4.peak, fits: dbl4.peak <= twin4.peak },
  ];

  // Blocks 4: predicted only, from a line through the depth section's 4-block reversible points.
  const rev4Points = m.points.filter((p) => p.reversible && p.blocks === 4 && p.widths.join() === sz.widths.join() && p.dhw.every((e) => e === p.dhw[0]));
  let blocks4Predicted: { box: Dhw; voxelRatio: number; fromPatches: number[]; predictedPeakBytes: number } | null = null;
  if (rev4Points.length >= 2) {
    const f4 = linearFit(rev4Points.map((p) => p.voxels), rev4Points.map((p) => p.peak));
    const b4 = growBox(cube(bp), (dhw) => f4.intercept + f4.slope * voxelsOf(dhw) <= twin4.peak);
    blocks4Predicted = { box: b4, voxelRatio: voxelsOf(b4) / voxelsOf(cube(bp)), fromPatches: rev4Points.map((p) => p.dhw[0]), predictedPeakBytes: f4.intercept + f4.slope * voxelsOf(b4) };
  }

  md.push(`## Equal budget: the twin's peak at ${bp}³ as the memory budget`, '');
  const yes = (b: boolean) => (b ? 'yes' : 'no');
  const budgetRows: (string | number)[][] = [
    [
      `largest volume, ${sz.sizeBlocks} blocks`,
      `[${sz.widths}] ${bp}³: ${MB(budget)}`,
      `[${sz.widths}] ${shapeText(box)}: ${MB(confirmed.peak)}`,
      yes(largest.fits),
      `**${round(voxelRatio, 2)}× the voxels** (target ≥ 3×: ${largest.target3x ? 'met' : 'missed'})`,
    ],
    ...doubled.map((d) => [
      `2× channels, ${d.blocks} blocks`,
      `[${sz.widths}] ${bp}³: ${MB(d.twinPeak)}`,
      `[${sz.doubleWidths}] ${bp}³: ${MB(d.revPeak)}`,
      yes(d.fits),
      `reversible uses ${round((d.revPeak / d.twinPeak) * 100)}% of the budget`,
    ]),
  ];
  if (blocks4Predicted) {
    budgetRows.push([
      'largest volume, 4 blocks (predicted)',
      `[${sz.widths}] ${bp}³: ${MB(twin4.peak)}`,
      `[${sz.widths}] ${shapeText(blocks4Predicted.box)}: ${MB(blocks4Predicted.predictedPeakBytes)} (predicted)`,
      'not measured',
      `${round(blocks4Predicted.voxelRatio, 2)}× the voxels (line through ${blocks4Predicted.fromPatches.map((p) => `${p}³`).join(', ')})`,
    ]);
  }
  md.push(markdownTable(['question', 'twin: config, patch: peak MB (budget)', 'reversible: config, patch: peak MB', 'fits', 'result'], budgetRows), '');
  md.push(
    `The largest box was predicted from the size section's line (${shapeText(predictedBox)}: ${MB(largest.predictedPeakBytes)} MB predicted; largest cube ${predictedCube}³), grown from ${bp}³ one edge at a time in steps of ${EDGE_STEP}, then measured` +
      `${shrinks.length ? ` (the prediction overshot; shrunk ${shrinks.length}× before it fit)` : ''}; growing one more edge is predicted at ${MB(largest.nextLargerPredictedPeakBytes)} MB, over the budget.`,
    '',
  );

  const warmupMismatch = m.points.filter((p) => p.peakBytes.some((b) => b !== p.peak));
  md.push(
    '**Peak** = highest tracked tensor bytes during one training step (forward, loss, backward to weight gradients) minus the bytes live before it (weights, input, target), ' +
      `from tf.profile (src/training/backend/memory.ts). The Adam update is not included: it is not activation memory (its state is 2× the weights, ${MB(2 * twinRef.paramBytes)} MB for [${sz.widths}] at ${sz.sizeBlocks} blocks). ` +
      `MB = 2^20 bytes. Peaks are deterministic; the warm-up step's peak ${warmupMismatch.length === 0 ? 'equalled the reported step\'s in every configuration' : `differed in ${warmupMismatch.length} configuration(s) (see JSON)`}.`,
  );

  return {
    config: { ...sz, steps: 'warm-up step + one measured step per configuration', loss: 'soft Dice + 0.5·BCE', batch: 1, expansion: 2, normGroups: 8, activation: 'silu', se: 0, edgeStep: EDGE_STEP },
    samples: m.points,
    derived: {
      depth,
      size: { rows: size, revLine, twinLine, revLineResidualPct, twinLineResidualPct },
      budget: { largest, doubled, blocks4Predicted },
      warmupPeakMismatches: warmupMismatch.length,
    },
    markdown: md.join('\n'),
  };
}

export const unetMemoryBench: Bench = {
  name: 'unet-memory',
  title: 'Reversible MBConv 3D U-Net vs its non-reversible twin: peak training memory',
  run,
};
