/**
 * Dev-only: the two RevBiFPN experiments for the in-memory fake API: their memory ledger
 * ('experiments:memoryLedger') computed from the config, and live training runs (steps, then a
 * validation per epoch with the engine's metric names: top1/top5/val_loss for classification,
 * AP/AP50 for detection).
 *
 * The ledger's numbers are made up but shaped as the paper says they should be (METHODS.md §2):
 * the reversible net keeps one stage's activations whatever the depth, so its bytes per sample grow
 * with pixels × width and stay flat in num_ext_layers; the twin keeps every stage's, so it grows
 * with pixels × width × stages (3 growth stages + ext). 230 B per pixel per unit width puts S0 at
 * 224 px near 11.5 MB per sample reversible. Sizes over 256² px are marked extrapolated, as a
 * CPU engine would extrapolate them. Parameter counts are the official S0–S6 ones
 * (src/training/models/revbifpn/params.test.ts), scaled by (width / the size's width)².
 */
import type { MemoryLedger, MemoryLedgerRow } from '../../shared/api';
import { DETECTIONS_FILE } from '../../shared/detections';
import type { EngineEventInput } from '../../shared/events';

/** The scaling table (models/revbifpn/config.ts) and official parameter counts. */
const SIZES: Record<string, { width: number; resolution: number; extLayers: number; params: number }> = {
  S0: { width: 1, resolution: 224, extLayers: 2, params: 3_419_196 },
  S1: { width: 4 / 3, resolution: 256, extLayers: 2, params: 5_112_300 },
  S2: { width: 2, resolution: 256, extLayers: 2, params: 10_576_528 },
  S3: { width: 8 / 3, resolution: 288, extLayers: 3, params: 19_574_184 },
  S4: { width: 4, resolution: 320, extLayers: 4, params: 48_687_336 },
  S5: { width: 16 / 3, resolution: 352, extLayers: 4, params: 81_998_976 },
  S6: { width: 20 / 3, resolution: 352, extLayers: 5, params: 142_307_972 },
};
const BYTES_PER_PIXEL = 230; // reversible, per unit width
const TWIN_PER_STAGE = 1.3; // twin / reversible per stage
const MEASURED_PIXELS = 256 * 256;
export const FAKE_LEDGER_MS = 1500;

const positive = (v: unknown): number | null => (typeof v === 'number' && v > 0 ? v : null);

export function fakeLedger(experiment: string, config: Record<string, unknown>): MemoryLedger {
  const name = typeof config.model === 'string' && config.model in SIZES ? config.model : 'S0';
  const size = SIZES[name];
  const width = positive(config.width) ?? size.width;
  const ext = positive(config.extLayers) ?? size.extLayers;
  const res = positive(config.imageSize) ?? (experiment === 'revbifpn-detect' ? 512 : size.resolution);
  const row = (resolution: number, extLayers: number): MemoryLedgerRow => {
    const reversible = resolution * resolution * width * BYTES_PER_PIXEL;
    return { resolution, extLayers, reversibleBytesPerSample: reversible, twinBytesPerSample: reversible * TWIN_PER_STAGE * (3 + extLayers), measured: resolution * resolution <= MEASURED_PIXELS };
  };
  const resolutions = [...new Set([0.5, 0.75, 1, 1.5, 2].map((f) => Math.max(32, Math.round((f * res) / 32) * 32)))];
  const exts = Array.from({ length: Math.max(ext + 2, 4) }, (_, i) => i + 1);
  const rows = [...resolutions.map((r) => row(r, ext)), ...exts.filter((e) => e !== ext).map((e) => row(res, e))];
  return {
    model: `${name} (w ${Number(width.toFixed(3))}, ext ${ext})`,
    backend: 'cpu',
    weightsBytes: Math.round(size.params * (width / size.width) ** 2) * 4 * 4,
    chosen: row(res, ext),
    rows,
    basis: `dev fake, not measured: ${BYTES_PER_PIXEL} B per pixel per unit width (reversible), × ${TWIN_PER_STAGE}·(3 + ext) stages (twin); sizes above 256² px extrapolated`,
  };
}

/** A live RevBiFPN run's events, one tick per timer: steps, then a validation per epoch. */
export function revbifpnTicks(experiment: string, config: Record<string, unknown>, stepsPerEpoch = 8): EngineEventInput[][] {
  const epochs = Math.min(Number(config.epochs) || 4, 12);
  const total = epochs * stepsPerEpoch;
  const detect = experiment === 'revbifpn-detect';
  const twin = config.reversible === false;
  const ticks: EngineEventInput[][] = [];
  for (let e = 0; e < epochs; e++) {
    for (let s = 1; s <= stepsPerEpoch; s++) {
      const step = e * stepsPerEpoch + s;
      const loss = (detect ? 2.4 : 1.6) * Math.exp(-step / 20) + (detect ? 0.9 : 0.3) + 0.04 * Math.sin(step * 1.3);
      ticks.push([{ type: 'step', step, totalSteps: total, epoch: e + s / stepsPerEpoch, loss, lr: Number(config.lr) || 1e-3, stepMs: detect ? 2100 : 800, etaSec: (total - step) * (detect ? 2.1 : 0.8), memory: { tensors: 820, tensorBytes: twin ? 240e6 : 95e6, rssBytes: 1.2e9 } }]);
    }
    const f = 1 - Math.exp(-(e + 1) / 3);
    const step = (e + 1) * stepsPerEpoch;
    ticks.push([
      detect
        ? { type: 'validation', step, epoch: e + 1, on: `${Number(config.valLimit) || 50} validation images, COCOeval bbox`, metrics: { AP: 0.21 * f, AP50: 0.42 * f }, best: true }
        : { type: 'validation', step, epoch: e + 1, on: 'validation images, centre crops', metrics: { top1: 0.2 + 0.6 * f, top5: 0.6 + 0.38 * f, val_loss: 1.9 - 1.2 * f }, best: true },
    ]);
  }
  return ticks;
}

/** The summary a finished or stopped RevBiFPN run stores (the keys the Runs view reads). */
export function revbifpnSummary(experiment: string, ticks: readonly EngineEventInput[][], status: 'completed' | 'stopped'): Record<string, unknown> {
  const events = ticks.flat();
  const steps = events.filter((e) => e.type === 'step').length;
  const last = events.filter((e) => e.type === 'validation').at(-1);
  const metrics = last?.type === 'validation' ? last.metrics : {};
  return experiment === 'revbifpn-detect' ? { task: 'detection', status, steps, AP: metrics.AP ?? null, AP50: metrics.AP50 ?? null, detections: DETECTIONS_FILE } : { status, steps, top1: metrics.top1 ?? null, top5: metrics.top5 ?? null };
}
