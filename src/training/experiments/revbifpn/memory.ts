/**
 * RevBiFPN training memory, measured: the memory ledger ('experiments:memoryLedger') and the
 * memory estimate ('experiments:estimateMemory') of the two RevBiFPN experiments
 * (revbifpn-classify, revbifpn-detect), reversible backbone against its non-reversible twin.
 *
 * What one measurement is: one training step (tf.variableGrads of a scalar loss, then dispose),
 * BN in training mode, under backend/memory.ts measurePeak (peak tracked tensor bytes above what
 * is live before the step: weights, BN statistics and the input are excluded), once at batch 2 and
 * once at batch 3, for the reversible model and for its twin (same weights, `reversible: false`).
 * The loss is what the experiment trains through the RevBiFPN:
 *   classify  backbone + neck + classification head, softmax cross-entropy (10 classes: the FC
 *             output is B×classes floats, negligible, so the ledger does not depend on classes)
 *   detect    backbone + neck, Σ of squares of the 4 neck outputs (the FCOS head is not counted)
 * **Per sample = peak(B=3) − peak(B=2)**: the marginal bytes of one more image. Chosen over
 * peak(B)/B because everything batch-independent cancels exactly: the weight gradients and the
 * per-block weight-sized temporaries of the reversible backward. Measured for S0 at 64 px
 * (cpu, ext 2, backbone + neck): reversible peak(1) − weight gradients = 6.40 MB but the marginal
 * peak(2) − peak(1) is 3.77 MB, i.e. a 2.6 MB constant that peak(1)/1 would have counted as
 * activation memory; at 128 px the constant is the same 2.6 MB and the marginal 15.2 MB (×4.03
 * for ×4 pixels: linear in pixels). Batches 2 and 3 rather than 1 and 2: at the 32 px anchor the
 * coarsest scale is 1×1, and BN in training mode needs more than one value per channel
 * (nn/batchnorm.ts, as PyTorch), so batch 1 cannot train there. Peaks are linear in the batch,
 * so the marginal is the same (bench/results/revbifpn-memory.md compares it with peak(2) − peak(1)).
 *
 * The ledger for a chosen (resolution r₀, extLayers e₀): rows at resolutions r₀·{0.5, 1, 1.5, 2}
 * rounded to multiples of 32 (at e₀), and at extLayers 1..5 (at r₀). Measured, in this order:
 *   1. always: e₀ at the two anchor resolutions 32 and 64 px (cheap);
 *   2. while the time budget (default 45 s per ledger, from its start) allows, by predicted cost
 *      (the largest measured time of that ext, scaled by pixels), keeping in reserve the time of
 *      step 3 for the ext rows still unmeasured: (e₀, r₀), then (e, r₀) for the other ext rows,
 *      then e₀ at the other resolutions, smallest first;
 *   3. an ext row that did not fit: that ext at the two anchors.
 * A row not measured is extrapolated linearly in pixels through the two largest measured
 * resolutions of its ext below it (`measured: false`). Points are cached per (model config
 * without classes/extLayers/reversible, loss, backend), ledgers per (that, r₀, e₀).
 *
 * The estimate (MemoryEstimate) for a batch B at the config's image size S:
 *   weights + AdamW's two moments (3 × W, W = float32 bytes of the trained parameters)
 *   + the input batch (B·S²·3 floats)
 *   + max(backward: peak(2) + (B − 2)·per-sample, i.e. activations + weight gradients,
 *         update: MEASURED.updateParams.adam × W, core/adam.ts's one-tidy update as counted in
 *         experiments/memory-count.ts)
 *
 * Usage (the engine host, host/engine-handlers.ts):
 *   const ledgers = new RevBifpnMemoryLedger();
 *   const req = resolveRevBifpnMemoryRequest('revbifpn-classify', { preset values…, imageSize: 64 });
 *   const { ledger } = await ledgers.ledger(req);          // MemoryLedger (shared/api.ts)
 *   const est = await ledgers.estimate(req);                // MemoryEstimate
 */
import * as tf from '@tensorflow/tfjs';
import { MemoryLedger, type MemoryEstimate, type MemoryLedgerRow } from '../../../shared/api';
import { measurePeak } from '../../backend/memory';
import { countParams, disposeParams, flattenParams } from '../../core/params';
import { Rng } from '../../core/rng';
import {
  applyRevBifpnBackbone,
  applyRevBifpnClassifier,
  applyRevBifpnNeck,
  initRevBifpn,
  revbifpnSizeMultiple,
  validateRevBifpnConfig,
  type RevBifpnConfig,
} from '../../models/revbifpn';
import { ConfigError } from '../config';
import { MEASURED } from '../memory-count';
import { classifyConfigSchema, detectConfigSchema, modelConfigOf } from './config';

export const REVBIFPN_MEMORY_EXPERIMENTS = ['revbifpn-classify', 'revbifpn-detect'] as const;
export type RevBifpnMemoryExperiment = (typeof REVBIFPN_MEMORY_EXPERIMENTS)[number];

/** What the measured step trains: the classifier with CE, or backbone + neck with Σ of squares. */
export type LedgerLoss = 'classifier' | 'neck';

/** Classes of the measured classifier (its FC output is B × classes floats: negligible). */
const MEASURE_CLASSES = 10;
/** Ext rows of every ledger (plus the chosen ext): num_ext_layers 1..5, S0's 2 to S6's 5 and one below. */
const DEFAULT_EXT_ROWS = [1, 2, 3, 4, 5] as const;
/** Resolution rows: the chosen one times these, rounded to the size multiple (32). */
const RESOLUTION_FACTORS = [0.5, 1, 1.5, 2] as const;
/** Default time budget of one ledger, counted from its start (anchors included; step 3's anchors are reserved within it). */
const DEFAULT_BUDGET_MS = 45_000;

export interface RevBifpnMemoryRequest {
  readonly experiment: RevBifpnMemoryExperiment;
  /** The model (classes fixed to MEASURE_CLASSES; `reversible` is ignored: both are measured). */
  readonly model: RevBifpnConfig;
  /** Square training input, pixels: a positive multiple of 32. */
  readonly imageSize: number;
  readonly batchSize: number;
  readonly loss: LedgerLoss;
}

export function isRevBifpnMemoryExperiment(id: string): id is RevBifpnMemoryExperiment {
  return (REVBIFPN_MEMORY_EXPERIMENTS as readonly string[]).includes(id);
}

/**
 * An experiment's config (as the GUI/CLI send it: overrides of the defaults) → what to measure.
 * Unknown keys and bad values are errors naming the key; an unset dataset does not matter.
 */
export function resolveRevBifpnMemoryRequest(experiment: string, config: Record<string, unknown>): RevBifpnMemoryRequest {
  if (!isRevBifpnMemoryExperiment(experiment)) throw new ConfigError(`experiment '${experiment}' has no RevBiFPN memory ledger (experiments: ${REVBIFPN_MEMORY_EXPERIMENTS.join(', ')})`);
  const data = typeof config.data === 'string' && config.data !== '' ? config.data : '(not chosen)';
  const schema = experiment === 'revbifpn-classify' ? classifyConfigSchema : detectConfigSchema;
  const parsed = schema.strict().safeParse({ ...config, data });
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `config of '${experiment}': ${i.path.length ? i.path.join('.') : '(config)'}: ${i.message}`).join('\n'));
  }
  const c = parsed.data;
  const model = modelConfigOf(c, MEASURE_CLASSES);
  const imageSize = c.imageSize > 0 ? c.imageSize : model.resolution; // classify: 0 = the size's resolution
  checkResolution(model, imageSize, 'config.imageSize');
  return { experiment, model, imageSize, batchSize: c.batchSize, loss: experiment === 'revbifpn-classify' ? 'classifier' : 'neck' };
}

function checkResolution(cfg: RevBifpnConfig, px: number, field: string): void {
  const m = revbifpnSizeMultiple(cfg);
  if (!Number.isInteger(px) || px < m || px % m) {
    throw new ConfigError(`${field}: ${px} must be a positive multiple of ${m} (RevBiFPN: stem ${cfg.stemBlock} · 2^${cfg.channels.length - 1} scales)`);
  }
}

/** The ledger's resolution rows: r·{0.5, 1, 1.5, 2} rounded to multiples of m (at least m), ascending, distinct. */
export function ledgerResolutions(resolution: number, multiple: number): number[] {
  const rs = RESOLUTION_FACTORS.map((f) => Math.max(multiple, Math.round((resolution * f) / multiple) * multiple));
  return [...new Set(rs)].sort((a, b) => a - b);
}

/** The two batches of every ledger measurement: per sample = peak(3) − peak(2). */
export const LEDGER_BATCHES: readonly [number, number] = [2, 3];

/** Peaks of one variant at the point's two batches (lo < hi). */
export interface BatchPeaks {
  readonly lo: number;
  readonly hi: number;
}

/** One measured (extLayers, resolution): peaks at two batches of both variants. */
export interface LedgerPoint {
  readonly extLayers: number;
  readonly resolution: number;
  /** The two batches (LEDGER_BATCHES in a ledger). */
  readonly batches: readonly [number, number];
  /** measurePeak bytes of one step at batches[0] (lo) and batches[1] (hi). */
  readonly reversible: BatchPeaks;
  readonly twin: BatchPeaks;
  /** Float32 bytes of the trained parameters (= their gradients). */
  readonly paramBytes: number;
  /** Wall time of the four steps. */
  readonly ms: number;
}

/** (peak(hi) − peak(lo)) / (hi − lo): bytes of one more sample (never negative). */
export const perSample = (p: BatchPeaks, batches: readonly [number, number] = LEDGER_BATCHES): number => Math.max(0, (p.hi - p.lo) / (batches[1] - batches[0]));

/** The measured model: parameters, the trained subset, and the loss of one step. */
export interface LedgerModel {
  readonly cfg: RevBifpnConfig;
  /** The trained parameters by dotted name (classifier: all; neck: backbone + neck). */
  readonly named: Map<string, tf.Variable>;
  readonly paramBytes: number;
  /** Seeded normal images [B,S,S,3] and one-hot labels [B,classes] (caller disposes). */
  batch(size: number, resolution: number): { x: tf.Tensor4D; labels: tf.Tensor2D };
  /** The scalar loss of one training step (BN in training mode); x and labels are borrowed. */
  loss(x: tf.Tensor4D, labels: tf.Tensor2D, reversible: boolean, seed?: number): tf.Scalar;
  dispose(): void;
}

/** The model of `base` with `extLayers` (classes = 10), initialised with a fixed seed. */
export function ledgerModel(base: RevBifpnConfig, extLayers: number, loss: LedgerLoss): LedgerModel {
  const cfg: RevBifpnConfig = { ...base, extLayers, classes: MEASURE_CLASSES };
  validateRevBifpnConfig(cfg);
  const { params, stats } = initRevBifpn(cfg, new Rng(0).fork('memory-ledger'));
  const trained = loss === 'classifier' ? params : { stages: params.stages, neck: params.neck };
  return {
    cfg,
    named: flattenParams(trained),
    paramBytes: countParams(trained) * 4,
    batch: (size, resolution) => ({
      x: tf.randomNormal([size, resolution, resolution, 3], 0, 1, 'float32', 1) as tf.Tensor4D, // [B,S,S,3]
      labels: tf.tidy(() => tf.oneHot(tf.tensor1d(Array.from({ length: size }, (_, i) => i % MEASURE_CLASSES), 'int32'), MEASURE_CLASSES)) as tf.Tensor2D, // [B,classes]
    }),
    loss: (x, labels, reversible, seed = 0) =>
      tf.tidy(() => {
        const opts = { training: true, reversible, seed };
        if (loss === 'classifier') return tf.losses.softmaxCrossEntropy(labels, applyRevBifpnClassifier(params, stats, x, cfg, opts)) as tf.Scalar;
        const neck = applyRevBifpnNeck(params, stats, applyRevBifpnBackbone(params, stats, x, cfg, opts), cfg, opts); // 4 × [B,h,w,h_i]
        return tf.addN(neck.map((n) => tf.sum(tf.square(n)))) as tf.Scalar;
      }),
    dispose: () => {
      disposeParams(params);
      disposeParams(stats);
    },
  };
}

/**
 * Measures one point: the model with `extLayers`, four training steps (reversible and twin, at
 * the two batches) of `loss` on seeded normal images [B, px, px, 3]. Throws if a step leaks tensors.
 */
export async function measureLedgerPoint(
  base: RevBifpnConfig,
  extLayers: number,
  resolution: number,
  loss: LedgerLoss,
  batches: readonly [number, number] = LEDGER_BATCHES,
): Promise<LedgerPoint> {
  checkResolution(base, resolution, 'resolution');
  const model = ledgerModel(base, extLayers, loss);
  const vars = [...model.named.values()];
  const t0 = performance.now();
  try {
    const step = async (size: number, reversible: boolean): Promise<number> => {
      const { x, labels } = model.batch(size, resolution);
      const before = tf.memory().numTensors;
      try {
        const m = await measurePeak(() => {
          const r = tf.variableGrads(() => model.loss(x, labels, reversible), vars);
          tf.dispose([r.value, ...Object.values(r.grads)]);
        });
        const leaked = tf.memory().numTensors - before;
        if (leaked !== 0) throw new Error(`RevBiFPN memory ledger: a training step leaked ${leaked} tensor(s) (ext ${extLayers}, ${resolution} px, batch ${size}, ${reversible ? 'reversible' : 'twin'})`);
        return m.peakBytes;
      } finally {
        tf.dispose([x, labels]);
      }
    };
    const [lo, hi] = batches;
    const reversible = { lo: await step(lo, true), hi: await step(hi, true) };
    const twin = { lo: await step(lo, false), hi: await step(hi, false) };
    return { extLayers, resolution, batches, reversible, twin, paramBytes: model.paramBytes, ms: performance.now() - t0 };
  } finally {
    model.dispose();
  }
}

/** A row's numbers: per-sample bytes and the batch-2 peaks (for the estimate), both variants. */
export interface RowValues {
  rev: number;
  twin: number;
  revLo: number;
  twinLo: number;
}

const valuesOf = (p: LedgerPoint): RowValues => {
  if (p.batches.join() !== LEDGER_BATCHES.join()) throw new Error(`RevBiFPN memory ledger: a point measured at batches ${p.batches} cannot be a ledger row (batches ${LEDGER_BATCHES})`);
  return { rev: perSample(p.reversible), twin: perSample(p.twin), revLo: p.reversible.lo, twinLo: p.twin.lo };
};

/**
 * Values at `resolution` from measured points of one ext (≥ 2), linear in pixels through the two
 * largest measured resolutions below it (or, if fewer than two are below, the two nearest).
 */
export function extrapolateInPixels(points: readonly LedgerPoint[], resolution: number): RowValues {
  if (points.length < 2) throw new Error(`RevBiFPN memory ledger: extrapolating to ${resolution} px needs 2 measured resolutions, got ${points.length}`);
  const sorted = [...points].sort((a, b) => a.resolution - b.resolution);
  const below = sorted.filter((p) => p.resolution < resolution);
  const pair = below.length >= 2 ? below.slice(-2) : [...sorted].sort((a, b) => Math.abs(a.resolution - resolution) - Math.abs(b.resolution - resolution)).slice(0, 2);
  const [a, b] = pair.sort((p, q) => p.resolution - q.resolution);
  const [pa, pb, px] = [a.resolution ** 2, b.resolution ** 2, resolution ** 2];
  const va = valuesOf(a);
  const vb = valuesOf(b);
  const line = (k: keyof RowValues): number => Math.max(0, va[k] + ((vb[k] - va[k]) * (px - pa)) / (pb - pa));
  return { rev: line('rev'), twin: line('twin'), revLo: line('revLo'), twinLo: line('twinLo') };
}

export interface LedgerOptions {
  /** Time budget, counted from the ledger's start (default 45 s); the chosen ext's anchors are measured regardless. */
  readonly budgetMs?: number;
  /** Ext rows (default 1..5; the chosen ext is always added). */
  readonly extRows?: readonly number[];
  readonly log?: (line: string) => void;
  /**
   * Checked before each point: a reason (e.g. a training job started meanwhile) stops the ledger
   * with an error, since tf.profile's peak is engine-global. Points already measured stay cached.
   */
  readonly busy?: () => string | null;
}

export interface RevBifpnLedgerResult {
  readonly ledger: MemoryLedger;
  /** The batch-2 peaks of the chosen row (measured or extrapolated), for the estimate. */
  readonly chosenPeakB2: { readonly reversible: number; readonly twin: number };
  /** Float32 bytes of the trained parameters of the chosen model. */
  readonly paramBytes: number;
  /** Every point the ledger rests on. */
  readonly points: readonly LedgerPoint[];
}

interface CacheEntry {
  points: Map<string, LedgerPoint>;
  ledgers: Map<string, RevBifpnLedgerResult>;
}

const MB = (b: number): string => (b / 2 ** 20).toFixed(2);

/** Measures and caches RevBiFPN memory ledgers; measurements run one at a time (tf.profile's peak is engine-global). */
export class RevBifpnMemoryLedger {
  private readonly cache = new Map<string, CacheEntry>();
  private queue: Promise<unknown> = Promise.resolve();

  private modelKey(req: Pick<RevBifpnMemoryRequest, 'model' | 'loss'>): string {
    const { classes: _c, extLayers: _e, reversible: _r, variant: _v, resolution: _res, ...model } = req.model;
    return JSON.stringify({ model, loss: req.loss, backend: tf.getBackend() });
  }

  private entry(req: Pick<RevBifpnMemoryRequest, 'model' | 'loss'>): CacheEntry {
    const key = this.modelKey(req);
    let e = this.cache.get(key);
    if (!e) {
      e = { points: new Map(), ledgers: new Map() };
      this.cache.set(key, e);
    }
    return e;
  }

  /** Whether this request's ledger is cached (answering needs no tensor work). */
  isCached(req: Pick<RevBifpnMemoryRequest, 'model' | 'loss' | 'imageSize'>): boolean {
    return this.cache.get(this.modelKey(req))?.ledgers.has(`${req.imageSize}/${req.model.extLayers}`) ?? false;
  }

  /** The ledger of the request's model at its image size and extLayers (cached after the first call). */
  ledger(req: Pick<RevBifpnMemoryRequest, 'model' | 'loss' | 'imageSize'>, opts: LedgerOptions = {}): Promise<RevBifpnLedgerResult> {
    const run = this.queue.then(() => this.build(req, opts));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async build(req: Pick<RevBifpnMemoryRequest, 'model' | 'loss' | 'imageSize'>, opts: LedgerOptions): Promise<RevBifpnLedgerResult> {
    const { model, loss } = req;
    const r0 = req.imageSize;
    const e0 = model.extLayers;
    checkResolution(model, r0, 'resolution');
    if (!Number.isInteger(e0) || e0 < 1) throw new ConfigError(`extLayers: ${e0} must be an integer ≥ 1 for a memory ledger`);
    const entry = this.entry(req);
    const ledgerKey = `${r0}/${e0}`;
    const hit = entry.ledgers.get(ledgerKey);
    if (hit) return hit;

    const t0 = performance.now();
    const budget = opts.budgetMs ?? DEFAULT_BUDGET_MS;
    const log = opts.log ?? (() => undefined);
    const m = revbifpnSizeMultiple(model);
    const resolutions = ledgerResolutions(r0, m);
    const exts = [...new Set([...(opts.extRows ?? DEFAULT_EXT_ROWS), e0])].sort((a, b) => a - b);
    const anchors = [m, 2 * m];
    const id = (e: number, r: number) => `${e}@${r}`;
    const used = new Map<string, LedgerPoint>();
    const measure = async (e: number, r: number): Promise<void> => {
      const k = id(e, r);
      let p = entry.points.get(k);
      if (!p) {
        const busy = opts.busy?.();
        if (busy) throw new Error(`RevBiFPN memory ledger: cannot measure now: ${busy}`);
        p = await measureLedgerPoint(model, e, r, loss);
        entry.points.set(k, p);
        log(`ext ${e} at ${r} px: per sample ${MB(perSample(p.reversible))} MB reversible, ${MB(perSample(p.twin))} MB twin (${(p.ms / 1000).toFixed(1)} s)`);
      }
      used.set(k, p);
    };
    // Predicted ms of a new point: the largest measured point of that ext (else of the chosen
    // ext, times the ratio of stage counts 3 + ext), scaled by pixels.
    const predictMs = (e: number, r: number): number => {
      const largest = (x: number) => [...entry.points.values()].filter((p) => p.extLayers === x).sort((a, b) => b.resolution - a.resolution)[0];
      const same = largest(e);
      if (same) return same.ms * (r / same.resolution) ** 2;
      const ref = largest(e0);
      return ref ? ((ref.ms * (3 + e)) / (3 + e0)) * (r / ref.resolution) ** 2 : Infinity;
    };
    const cost = (e: number, r: number) => (entry.points.has(id(e, r)) ? 0 : predictMs(e, r));

    // 1. The chosen ext at the anchors: the base of every extrapolation in pixels.
    for (const r of anchors) await measure(e0, r);
    // 2. Within the budget: the chosen row, the other ext rows, the other resolution rows. An ext
    //    row that is not measured needs its ext's anchors (step 3), so their predicted time is
    //    kept in reserve: the whole ledger stays within the budget, up to prediction error.
    const others = exts.filter((e) => e !== e0);
    const needAnchors = new Set(others);
    const reserve = (except: number) => [...needAnchors].filter((e) => e !== except).reduce((a, e) => a + anchors.reduce((b, r) => b + cost(e, r), 0), 0);
    const optional: [number, number][] = [[e0, r0], ...others.map((e): [number, number] => [e, r0]), ...resolutions.filter((r) => r !== r0).map((r): [number, number] => [e0, r])];
    for (const [e, r] of optional) {
      if (!used.has(id(e, r)) && performance.now() - t0 + cost(e, r) + reserve(e) <= budget) await measure(e, r);
      if (r === r0 && used.has(id(e, r))) needAnchors.delete(e);
    }
    // 3. An ext row left unmeasured is extrapolated from that ext's anchors, measured now.
    for (const e of needAnchors) for (const r of anchors) await measure(e, r);

    const rowAt = (e: number, r: number): MemoryLedgerRow & { values: RowValues } => {
      const p = used.get(id(e, r));
      const values = p ? valuesOf(p) : extrapolateInPixels([...used.values()].filter((q) => q.extLayers === e), r);
      return { resolution: r, extLayers: e, reversibleBytesPerSample: Math.round(values.rev), twinBytesPerSample: Math.round(values.twin), measured: p !== undefined, values };
    };
    const strip = ({ values: _v, ...row }: MemoryLedgerRow & { values: RowValues }): MemoryLedgerRow => row;
    const chosenFull = rowAt(e0, r0);
    const rows = [...resolutions.map((r) => rowAt(e0, r)), ...exts.filter((e) => e !== e0).map((e) => rowAt(e, r0))].map(strip);
    const paramBytes = [...used.values()].find((p) => p.extLayers === e0)?.paramBytes ?? 0;

    const measuredText = exts
      .map((e) => `ext ${e} at ${[...used.values()].filter((p) => p.extLayers === e).map((p) => p.resolution).sort((a, b) => a - b).join(', ')} px`)
      .join('; ');
    const what =
      loss === 'classifier'
        ? 'backbone + neck + classification head, softmax cross-entropy'
        : 'backbone + neck, loss Σ of squares of the neck outputs (the FCOS head is not counted)';
    const ledger = MemoryLedger.parse({
      model: `${model.variant} (w ${Number(model.width.toFixed(3))}, ext ${e0}; channels ${model.channels.join('/')})`,
      backend: tf.getBackend(),
      weightsBytes: 4 * paramBytes,
      chosen: strip(chosenFull),
      rows,
      basis:
        `per sample = peak(batch 3) − peak(batch 2) of one training step (${what}; BN in training mode), reversible and its non-reversible twin with the same weights, ` +
        `tf.profile peak tensor bytes above what is live before the step on the ${tf.getBackend()} backend (weights, their gradients and other batch-independent bytes cancel in the difference). ` +
        `Measured: ${measuredText}; other rows (measured: false) extrapolated linearly in pixels from the two largest measured resolutions of their ext. ` +
        `${used.size} points of 4 steps in ${((performance.now() - t0) / 1000).toFixed(1)} s (cached points reused). Tensor memory only: the process adds a few hundred MB.`,
    });
    const result: RevBifpnLedgerResult = {
      ledger,
      chosenPeakB2: { reversible: chosenFull.values.revLo, twin: chosenFull.values.twinLo },
      paramBytes,
      points: [...used.values()],
    };
    entry.ledgers.set(ledgerKey, result);
    return result;
  }

  /** Predicted peak training memory for the request's batch (see the file header for the sum). */
  async estimate(req: RevBifpnMemoryRequest, opts: LedgerOptions = {}): Promise<MemoryEstimate> {
    const { ledger, chosenPeakB2, paramBytes: W } = await this.ledger(req, opts);
    const B = req.batchSize;
    const S = req.imageSize;
    const input = B * S * S * 3 * 4;
    const persistent = 3 * W + input; // weights, AdamW m and v; the batch
    const update = MEASURED.updateParams.adam * W;
    const backward = (peakB2: number, per: number) => peakB2 + (B - LEDGER_BATCHES[0]) * per; // linear in B
    const rev = backward(chosenPeakB2.reversible, ledger.chosen.reversibleBytesPerSample);
    const twin = backward(chosenPeakB2.twin, ledger.chosen.twinBytesPerSample);
    return {
      patch: [S, S, 3],
      batchSize: B,
      reversibleBytes: Math.round(persistent + Math.max(rev, update)),
      standardBytes: Math.round(persistent + Math.max(twin, update)),
      basis:
        `${S}×${S} px, batch ${B}, ${ledger.model}: ${MB(ledger.chosen.reversibleBytesPerSample)} MB per sample reversible, ${MB(ledger.chosen.twinBytesPerSample)} MB twin ` +
        `(${ledger.chosen.measured ? 'measured at this size' : 'extrapolated linearly in pixels from smaller measured sizes'}; the memory ledger's basis: ${ledger.basis}) ` +
        `The backward peak is peak(batch 2) + (B − 2) × per sample; plus ${MB(3 * W)} MB for the weights and AdamW's moments and ${MB(input)} MB for the batch; ` +
        `AdamW's update (${MB(update)} MB: ${MEASURED.updateParams.adam} weight-sized sets, experiments/memory-count.ts) replaces the backward peak where it is larger.`,
    };
  }
}
