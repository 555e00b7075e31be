/**
 * Training speed on the GPU (tfjs-backend-webgpu on Dawn, src/training/backend/webgpu.ts) against
 * the tfjs cpu backend, in one process: median ms per training step (forward + loss + backward +
 * Adam update) of (1) the reversible MBConv 3D U-Net at a GPU-sized patch and (2) a small GPT,
 * and the speed-up cpu ms / webgpu ms.
 *
 * Method: each model is built twice from the same seed, once per backend (tensors live on the
 * backend that made them), so both start from the same weights and see the same data. One
 * untimed warm-up step each (on webgpu it compiles the shaders; its time is recorded apart), then
 * `rounds` rounds in which each backend takes one step, back to back, alternating which goes
 * first (as lib.ts `alternate`, but with the backend switch outside the timed region: tf.setBackend
 * of an initialised backend takes ~4 ms here); the speed-up is formed within each round and its median reported,
 * because load on a shared machine drifts more than a round lasts. The step reads its loss back
 * with `await data()` after the Adam update was queued, so a webgpu step's time includes the GPU
 * finishing its work (and `dataSync`, which the webgpu backend cannot do in Node, is never used).
 * Both backends' losses are recorded step by step: they must agree up
 * to float rounding, which checks that webgpu trained the same model.
 *
 * A software adapter (SwiftShader, lavapipe: a GPU emulated on the CPU) is refused: its numbers
 * say nothing about GPUs. With BENCH_ALLOW_SOFTWARE=1 (or --allow-software, which the runner
 * turns into that variable) and --quick it runs tiny sizes as a smoke check, marked not citable
 * (--quick keeps them out of bench/results/). A run whose webgpu losses differ from cpu's is
 * marked, and refused outright when it would be citable.
 */
import os from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { BackendSelectionError, selectBackend, type BackendReport } from '../src/training/backend/select';
import type { GpuAdapterReport } from '../src/training/backend/webgpu';
import { Adam } from '../src/training/core/adam';
import { countParams, disposeParams, flattenParams, gradsByParamName } from '../src/training/core/params';
import { Rng } from '../src/training/core/rng';
import { gptConfig, gptLoss, initGpt, type GptConfig } from '../src/training/models/gpt';
import { markdownTable, median, round, shapeText, timeMs, unetConfig, unetHarness, type Bench, type BenchContext, type BenchResult, type Dhw } from './lib';

type Backend = 'webgpu' | 'cpu';
const BACKENDS: readonly Backend[] = ['webgpu', 'cpu'];

interface Plan {
  rounds: number;
  unet: { widths: number[]; blocksPerLevel: number; patch: number };
  gpt: { cfg: Partial<GptConfig>; batch: number };
}

/** A real GPU: the U-Net at a 64³ patch with the default widths, GPT ctx 128 / 4 layers / d 256 / batch 8. */
const FULL: Plan = {
  rounds: 5,
  unet: { widths: [16, 32, 64, 128], blocksPerLevel: 2, patch: 64 },
  gpt: { cfg: { vocabSize: 256, contextLength: 128, nLayer: 4, nHead: 4, dModel: 256 }, batch: 8 },
};
const QUICK: Plan = {
  rounds: 3,
  unet: { widths: [16, 32, 64, 128], blocksPerLevel: 2, patch: 32 },
  gpt: { cfg: { vocabSize: 256, contextLength: 64, nLayer: 2, nHead: 4, dModel: 128 }, batch: 4 },
};
/** A software adapter (~25× slower than cpu): sizes that take seconds; a smoke check only. */
const SOFTWARE: Plan = {
  rounds: 3,
  unet: { widths: [4, 8], blocksPerLevel: 1, patch: 8 },
  gpt: { cfg: { vocabSize: 32, contextLength: 16, nLayer: 2, nHead: 2, dModel: 32 }, batch: 2 },
};

const LR = 1e-4;
/**
 * Largest relative loss difference between the backends still counted as the same computation.
 * Measured: ≤ 1e-6 over all steps for both models where every kernel works; a dropped webgpu
 * dispatch (Dawn logs "validation:" and carries on) gives O(1).
 */
const LOSS_AGREEMENT = 1e-3;

/** What a timed step needs from a model: named weights and loss + gradients (caller disposes). */
interface Harness {
  readonly named: Map<string, tf.Variable>;
  lossAndGrads(): { value: tf.Scalar; grads: Map<string, tf.Tensor> };
  dispose(): void;
}

/** GPT on random tokens [batch, T+1] (seeded): next-token loss of the whole context. */
function gptHarness(cfg: GptConfig, batch: number, seed = 0): Harness & { paramCount: number } {
  const params = initGpt(cfg, new Rng(seed).fork('bench-init'));
  const named = flattenParams(params);
  const vars = [...named.values()];
  const rng = new Rng(seed).fork('bench-tokens');
  const T1 = cfg.contextLength + 1;
  const windows = tf.tensor2d(Int32Array.from({ length: batch * T1 }, () => rng.int(cfg.vocabSize)), [batch, T1], 'int32'); // [B, T+1]
  return {
    named,
    paramCount: countParams(params),
    lossAndGrads: () => {
      const r = tf.variableGrads(() => gptLoss(params, windows, cfg), vars);
      return { value: r.value, grads: gradsByParamName(named, r.grads) };
    },
    dispose: () => {
      windows.dispose();
      disposeParams(params);
    },
  };
}

/**
 * One training step as an async closure: gradients, Adam update, then the loss read back with
 * `await data()` (lib.ts `adamStep` reads it with dataSync, which webgpu cannot do in Node).
 * Throws if a step leaks tensors.
 */
function asyncAdamStep(h: Harness, lr = LR): { step: () => Promise<number>; dispose: () => void } {
  const opt = new Adam(h.named);
  let tensors: number | null = null;
  return {
    step: async () => {
      const { value, grads } = h.lossAndGrads();
      opt.apply(grads, lr);
      const loss = (await value.data())[0];
      tf.dispose([value, ...grads.values()]);
      const now = tf.memory().numTensors;
      if (tensors !== null && now !== tensors) throw new Error(`bench: a training step on ${tf.getBackend()} leaked ${now - tensors} tensors`);
      tensors = now;
      return loss;
    },
    dispose: () => opt.dispose(),
  };
}

interface ModelRow {
  model: string;
  size: string;
  params: number;
  warmupMs: Record<Backend, number>;
  ms: Record<Backend, number[]>;
  medianMs: Record<Backend, number>;
  /** cpu ms / webgpu ms per round, and their median. */
  speedups: number[];
  speedupMedian: number;
  losses: Record<Backend, number[]>;
  /** max over steps of |loss_webgpu − loss_cpu| / |loss_cpu|. */
  lossMaxRelDiff: number;
  /** lossMaxRelDiff ≤ LOSS_AGREEMENT: otherwise webgpu computed something else and its time means nothing. */
  lossesAgree: boolean;
}

/** Builds the model on each backend, warms up, then alternates timed steps. */
async function measure(model: string, size: string, build: () => Harness & { paramCount: number }, rounds: number, ctx: BenchContext): Promise<ModelRow> {
  const made: Partial<Record<Backend, { h: Harness; s: ReturnType<typeof asyncAdamStep> }>> = {};
  const losses: Record<Backend, number[]> = { webgpu: [], cpu: [] };
  const warmupMs = { webgpu: 0, cpu: 0 };
  let params = 0;
  try {
    for (const b of BACKENDS) {
      await tf.setBackend(b);
      const h = build();
      params = h.paramCount;
      made[b] = { h, s: asyncAdamStep(h) };
    }
    /** One step on b, timed without the switch to b (tf.setBackend costs ~4 ms here, a GPU step can be ~10 ms). */
    const stepOn = async (b: Backend): Promise<number> => {
      await tf.setBackend(b);
      return timeMs(async () => losses[b].push(await made[b]!.s.step()));
    };
    for (const b of BACKENDS) {
      warmupMs[b] = await stepOn(b);
      ctx.log(`${model} ${size}: warm-up on ${b} ${round(warmupMs[b])} ms`);
    }
    // lib.ts `alternate`, with the backend switch outside the timed region: round r starts with backend r mod 2.
    const ms: Record<Backend, number[]> = { webgpu: [], cpu: [] };
    for (let r = 0; r < rounds; r++) {
      for (let k = 0; k < BACKENDS.length; k++) {
        const b = BACKENDS[(r + k) % BACKENDS.length];
        ms[b].push(await stepOn(b));
        ctx.log(`${model} ${size} round ${r + 1}: ${b} ${round(ms[b][r])} ms`);
      }
    }
    const { webgpu: gpu, cpu } = ms;
    const speedups = cpu.map((t, r) => t / gpu[r]);
    const lossMaxRelDiff = Math.max(...losses.cpu.map((l, i) => Math.abs(losses.webgpu[i] - l) / Math.max(Math.abs(l), 1e-12)));
    const row: ModelRow = {
      model,
      size,
      params,
      warmupMs,
      ms: { webgpu: gpu, cpu },
      medianMs: { webgpu: median(gpu), cpu: median(cpu) },
      speedups,
      speedupMedian: median(speedups),
      losses,
      lossMaxRelDiff,
      lossesAgree: lossMaxRelDiff <= LOSS_AGREEMENT,
    };
    ctx.log(`${model} ${size}: webgpu ${round(row.medianMs.webgpu)} ms, cpu ${round(row.medianMs.cpu)} ms, speed-up ×${round(row.speedupMedian, 2)}; losses agree to ${lossMaxRelDiff.toExponential(1)}`);
    return row;
  } finally {
    for (const b of BACKENDS) {
      const m = made[b];
      if (!m) continue;
      await tf.setBackend(b);
      m.s.dispose();
      m.h.dispose();
    }
  }
}

export function softwareAllowed(argv: readonly string[] = process.argv, env: NodeJS.ProcessEnv = process.env): boolean {
  return argv.includes('--allow-software') || env.BENCH_ALLOW_SOFTWARE === '1' || env.BENCH_ALLOW_SOFTWARE === 'true';
}

const SOFTWARE_HINT =
  'For a smoke run on a software adapter: BENCH_ALLOW_SOFTWARE=1 npm run bench -- gpu-speed --quick ' +
  '(on Linux without a GPU driver: VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json XDG_RUNTIME_DIR=/tmp/xdg)';

/** Brings up webgpu through the engine's selection (forced); refuses software adapters unless allowed. */
async function startWebGpu(ctx: BenchContext, allowSoftware: boolean): Promise<{ report: BackendReport; adapter: GpuAdapterReport }> {
  let report: BackendReport;
  try {
    report = await selectBackend({ prefer: 'webgpu' });
  } catch (e) {
    const why = e instanceof BackendSelectionError ? (e.report.candidates.find((c) => c.name === 'webgpu')?.reason ?? e.message) : String(e);
    throw new Error(`gpu-speed needs a WebGPU adapter: ${why}${allowSoftware ? `. ${SOFTWARE_HINT}` : ''}`);
  }
  const adapter = report.adapter;
  if (!adapter) throw new Error('gpu-speed: webgpu started but reported no adapter');
  if (adapter.software && !allowSoftware) {
    throw new Error(
      `gpu-speed: refusing the software adapter ${adapter.name} (${adapter.softwareReason}): it emulates a GPU on the CPU, so its times say nothing about GPUs. ${SOFTWARE_HINT}`,
    );
  }
  if (adapter.software && !ctx.quick) {
    throw new Error(`gpu-speed: a software adapter's numbers are not citable; add --quick so they go to a temp folder, not bench/results/. ${SOFTWARE_HINT}`);
  }
  return { report, adapter };
}

async function run(ctx: BenchContext): Promise<BenchResult> {
  const previous = tf.getBackend();
  let started: Awaited<ReturnType<typeof startWebGpu>>;
  try {
    started = await startWebGpu(ctx, softwareAllowed());
  } catch (e) {
    await tf.setBackend(previous); // a refused adapter was activated by the forced selection: later benches run where they expect
    throw e;
  }
  const { report, adapter } = started;
  const plan = adapter.software ? SOFTWARE : ctx.quick ? QUICK : FULL;
  const citable = !adapter.software && !ctx.quick;
  const cpus = os.cpus();
  const machine = {
    adapter,
    webgpuDevice: report.device,
    dawn: report.versions.webgpu ?? null,
    tfjsBackendWebgpu: report.versions['@tensorflow/tfjs-backend-webgpu'] ?? null,
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    os: `${os.platform()} ${os.release()} ${os.arch()}${os.version ? ` (${os.version()})` : ''}`,
  };
  ctx.log(`webgpu on ${adapter.name}${adapter.software ? ' [software: smoke sizes, not citable]' : ''}; cpu ${machine.cpu}`);

  const rows: ModelRow[] = [];
  try {
    const u = plan.unet;
    const dhw: Dhw = [u.patch, u.patch, u.patch];
    const ucfg = unetConfig({ widths: u.widths, blocksPerLevel: u.blocksPerLevel, reversible: true });
    const unetSize = `${shapeText(dhw)}, widths [${u.widths}], ${u.blocksPerLevel} blocks/level, batch 1`;
    rows.push(
      await measure('reversible 3D U-Net', unetSize, () => {
        const h = unetHarness(ucfg, dhw);
        return { ...h, paramCount: h.paramBytes / 4 };
      }, plan.rounds, ctx),
    );
    const gcfg = gptConfig(plan.gpt.cfg);
    const gptSize = `ctx ${gcfg.contextLength}, ${gcfg.nLayer} layers, d ${gcfg.dModel}, ${gcfg.nHead} heads, V ${gcfg.vocabSize}, batch ${plan.gpt.batch}`;
    rows.push(await measure('GPT', gptSize, () => gptHarness(gcfg, plan.gpt.batch), plan.rounds, ctx));
  } finally {
    await tf.setBackend(previous);
  }

  const wrong = rows.filter((r) => !r.lossesAgree);
  const wrongText = wrong.map((r) => `${r.model}: losses differ by ${r.lossMaxRelDiff.toExponential(1)} relative (webgpu ${r.losses.webgpu.map((l) => round(l, 4)).join(', ')}; cpu ${r.losses.cpu.map((l) => round(l, 4)).join(', ')})`).join('; ');
  if (wrong.length && citable) throw new Error(`gpu-speed: webgpu and cpu did not compute the same training steps, so the times are not comparable: ${wrongText}`);
  const note = citable
    ? ''
    : adapter.software
      ? '**Not citable:** a software adapter (a GPU emulated on the CPU) at smoke sizes; this only shows the bench runs end to end.\n\n'
      : '**Not citable:** quick (smoke) sizes.\n\n';
  const md = [
    `## Training step time, webgpu vs cpu`,
    '',
    `WebGPU adapter: ${adapter.name}${adapter.software ? ' **[software]**' : ''} (vendor \`${adapter.vendor}\`, architecture \`${adapter.architecture}\`, device \`${adapter.device}\`); ` +
      `Dawn (\`webgpu\`) ${machine.dawn ?? '?'}, tfjs-backend-webgpu ${machine.tfjsBackendWebgpu ?? '?'}. CPU: ${machine.cpu}, ${machine.cores} cores. OS: ${machine.os}.`,
    '',
    note +
      markdownTable(
        ['model', 'size', 'params', 'webgpu ms/step', 'cpu ms/step', 'speed-up (cpu / webgpu)', 'webgpu warm-up ms', 'loss agreement'],
        rows.map((r) => [r.model, r.size, r.params.toLocaleString('en-US'), Math.round(r.medianMs.webgpu), Math.round(r.medianMs.cpu), `**${round(r.speedupMedian, 2)}×**`, Math.round(r.warmupMs.webgpu), `${r.lossMaxRelDiff.toExponential(1)}${r.lossesAgree ? '' : ' **DIFFERENT**'}`]),
      ),
    '',
    ...(wrong.length ? [`**Webgpu computed something else** (more than ${LOSS_AGREEMENT} relative), so those times are meaningless: ${wrongText}.`, ''] : []),
    `One step = forward, loss (U-Net: soft Dice + 0.5·BCE; GPT: next-token cross-entropy), backward, Adam update (lr ${LR}), loss read back. ` +
      `Medians of ${plan.rounds} steps per backend after one warm-up step (its webgpu time, shader compilation included, is shown apart); ` +
      'the speed-up is the median of per-round ratios, the two backends stepping back to back in alternating order in one process. ' +
      `Loss agreement: the largest relative difference between the two backends' losses over all steps (same weights, same data; more than ${LOSS_AGREEMENT} is marked DIFFERENT).`,
  ].join('\n');

  return {
    config: { plan, citable, allowSoftware: softwareAllowed(), machine, lr: LR, warmupSteps: 1, backends: BACKENDS, lossAgreement: LOSS_AGREEMENT },
    samples: rows.map((r) => ({ model: r.model, size: r.size, warmupMs: r.warmupMs, ms: r.ms, losses: r.losses })),
    derived: { rows: rows.map((r) => ({ model: r.model, size: r.size, params: r.params, medianMs: r.medianMs, speedups: r.speedups, speedupMedian: r.speedupMedian, lossMaxRelDiff: r.lossMaxRelDiff, lossesAgree: r.lossesAgree })) },
    markdown: md,
  };
}

export const gpuSpeedBench: Bench = {
  name: 'gpu-speed',
  title: 'Training step time on the GPU (webgpu) vs the cpu backend: reversible 3D U-Net and GPT',
  run,
};
