/**
 * Training speed of the reversible MBConv 3D U-Net against its non-reversible twin: ms per
 * training step (forward + backward + Adam update, src/training/core/adam.ts) and, the number
 * that matters, the reversible/twin ratio (target ≤ 1.6×: reversibility recomputes each block's
 * forward once during the backward pass, ENVIRONMENT.md §4 measured ~1.6× on a toy stack).
 *
 * Method: both models get the same weights (same seed) and the same random input and target.
 * One untimed warm-up step each, then `rounds` rounds in which each model takes one step, the two
 * back to back, alternating which goes first; the ratio is formed within each round and its
 * median reported, because the shared 2-core box drifts in load far more than one round lasts.
 * The loss of both after each step is recorded: identical weights and updates must give the same
 * losses (up to float rounding), which shows both did the same work.
 */
import { adamStep, alternate, markdownTable, median, round, shapeText, unetConfig, unetHarness, type Bench, type BenchContext, type BenchResult, type Dhw } from './lib';

interface Case {
  widths: number[];
  patch: number;
}

const SMALL = [8, 16, 32];
const DEFAULT = [16, 32, 64, 128];
const BLOCKS = 2;

const FULL = { rounds: 3, cases: [32, 48, 64].flatMap((patch) => [SMALL, DEFAULT].map((widths): Case => ({ widths, patch }))) };
const QUICK = { rounds: 3, cases: [{ widths: SMALL, patch: 16 }, { widths: DEFAULT, patch: 16 }] };

const lossAgreement = (d: number): string => (d === 0 ? 'exactly' : `to ${d.toExponential(1)}`);

async function run(ctx: BenchContext): Promise<BenchResult> {
  const plan = ctx.quick ? QUICK : FULL;
  const rows = [];
  for (const c of plan.cases) {
    const dhw: Dhw = [c.patch, c.patch, c.patch];
    const harness = [true, false].map((reversible) => unetHarness(unetConfig({ widths: c.widths, blocksPerLevel: BLOCKS, reversible }), dhw));
    const steppers = harness.map((h) => adamStep(h));
    const losses: number[][] = [[], []];
    try {
      const stepOf = (i: number) => () => losses[i].push(steppers[i].step());
      stepOf(0)(); // warm-up, untimed
      stepOf(1)();
      const [rev, twin] = await alternate([stepOf(0), stepOf(1)], plan.rounds, (i, r, ms) =>
        ctx.log(`[${c.widths}] ${shapeText(dhw)} round ${r + 1}: ${i === 0 ? 'rev ' : 'twin'} ${round(ms)} ms`),
      );
      const ratios = rev.map((ms, r) => ms / twin[r]);
      const lossDiff = Math.max(...losses[0].map((l, i) => Math.abs(l - losses[1][i])));
      const row = {
        widths: c.widths,
        patch: c.patch,
        revMs: rev,
        twinMs: twin,
        ratios,
        revMedianMs: median(rev),
        twinMedianMs: median(twin),
        ratioMedian: median(ratios),
        ratioWithinTarget: median(ratios) <= 1.6,
        losses: { rev: losses[0], twin: losses[1], maxAbsDiff: lossDiff },
      };
      rows.push(row);
      ctx.log(`[${c.widths}] ${shapeText(dhw)}: rev ${round(row.revMedianMs)} ms, twin ${round(row.twinMedianMs)} ms, rev/twin ×${round(row.ratioMedian, 2)} (max |Δloss| ${lossDiff.toExponential(1)})`);
    } finally {
      steppers.forEach((s) => s.dispose());
      harness.forEach((h) => h.dispose());
    }
  }

  const md = [
    `## Training step time, reversible vs twin (${BLOCKS} blocks per level, batch 1)`,
    '',
    markdownTable(
      ['widths', 'patch', 'reversible ms/step', 'twin ms/step', 'reversible / twin', '≤ 1.6×'],
      rows.map((r) => [`[${r.widths}]`, `${r.patch}³`, Math.round(r.revMedianMs), Math.round(r.twinMedianMs), `**${round(r.ratioMedian, 2)}×**`, r.ratioWithinTarget ? 'yes' : 'no']),
    ),
    '',
    `One step = forward, soft Dice + 0.5·BCE, backward, Adam update. Medians of ${plan.rounds} steps each after one warm-up step; ` +
      'the ratio is the median of per-round ratios, the two models stepping back to back in alternating order. ' +
      'Absolute times are from a shared, loaded machine and vary run to run; the ratio is the comparable number. ' +
      `Both models start from the same weights and see the same data; their losses agree ${lossAgreement(Math.max(...rows.map((r) => r.losses.maxAbsDiff)))} over all steps (same computation).`,
  ].join('\n');

  return {
    config: { ...plan, blocksPerLevel: BLOCKS, batch: 1, optimizer: 'Adam lr 1e-4', loss: 'soft Dice + 0.5·BCE', warmupSteps: 1 },
    samples: rows.map((r) => ({ widths: r.widths, patch: r.patch, revMs: r.revMs, twinMs: r.twinMs, losses: r.losses })),
    derived: { rows: rows.map((r) => ({ widths: r.widths, patch: r.patch, revMedianMs: r.revMedianMs, twinMedianMs: r.twinMedianMs, ratios: r.ratios, ratioMedian: r.ratioMedian, ratioWithinTarget: r.ratioWithinTarget })) },
    markdown: md,
  };
}

export const unetSpeedBench: Bench = {
  name: 'unet-speed',
  title: 'Reversible MBConv 3D U-Net vs its non-reversible twin: training step time',
  run,
};
