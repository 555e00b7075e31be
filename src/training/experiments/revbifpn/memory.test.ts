// The RevBiFPN memory ledger (memory.ts): flat reversible per-sample bytes in extLayers against a
// growing twin, rows in the shared/api.ts schema, linear extrapolation in pixels, the estimate's
// arithmetic, and errors naming the field. A narrow model (channels 48/16/16/32) at 32 and 64 px:
// the whole file measures 6 points of 4 steps (15–20 s on a busy 2-core machine).
// Set REVBIFPN_TEST_LOG=1 to print the measurements.
import { tmpdir } from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { MemoryLedger } from '../../../shared/api';
import type { BackendReport } from '../../backend/select';
import { createEngineHost } from '../../host/engine-handlers';
import { revbifpnConfig } from '../../models/revbifpn';
import { MEASURED } from '../memory-count';
import { ledgerResolutions, measureLedgerPoint, perSample, resolveRevBifpnMemoryRequest, RevBifpnMemoryLedger, type RevBifpnMemoryRequest } from './memory';

const log = (s: string): void => {
  if (process.env.REVBIFPN_TEST_LOG) console.log(s);
};

const narrow = revbifpnConfig('S0', { channels: [48, 16, 16, 32], headChannels: [16, 16, 16, 32], fcFeatures: 32, extLayers: 1, classes: 10 });
const ledgers = new RevBifpnMemoryLedger();

describe('ledgerResolutions', () => {
  it('takes r·{0.5, 1, 1.5, 2} rounded to multiples of 32, at least 32, distinct', () => {
    // 224: 112 → 3.5·32 rounds to 128; 336 → 10.5·32 rounds to 352; 448.
    expect(ledgerResolutions(224, 32)).toEqual([128, 224, 352, 448]);
    // 64: 32, 64, 96, 128. 32: 16 → 32, 32, 48 → 64, 64.
    expect(ledgerResolutions(64, 32)).toEqual([32, 64, 96, 128]);
    expect(ledgerResolutions(32, 32)).toEqual([32, 64]);
  });
});

describe('RevBiFPN memory ledger', () => {
  it('reversible per-sample bytes are flat from ext 1 to ext 3 while the twin grows; rows parse as MemoryLedger', async () => {
    const t0 = Date.now();
    const r = await ledgers.ledger({ model: narrow, loss: 'neck', imageSize: 32 }, { extRows: [1, 3], log });
    log(`ledger at 32 px in ${Date.now() - t0} ms\n${JSON.stringify(r.ledger, null, 1)}`);
    const ledger = MemoryLedger.parse(r.ledger);
    // Rows: ext 1 at the resolutions [32, 64], then ext 3 at 32.
    expect(ledger.rows.map((x) => [x.resolution, x.extLayers, x.measured])).toEqual([
      [32, 1, true],
      [64, 1, true],
      [32, 3, true],
    ]);
    expect(ledger.chosen).toEqual(ledger.rows[0]);
    expect(ledger.backend).toBe(tf.getBackend());
    const [ext1, , ext3] = ledger.rows;
    const revChange = Math.abs(ext3.reversibleBytesPerSample - ext1.reversibleBytesPerSample) / ext1.reversibleBytesPerSample;
    const twinGrowth = ext3.twinBytesPerSample / ext1.twinBytesPerSample;
    log(`reversible ${ext1.reversibleBytesPerSample} → ${ext3.reversibleBytesPerSample} B (${(100 * revChange).toFixed(2)} %), twin ${ext1.twinBytesPerSample} → ${ext3.twinBytesPerSample} B (×${twinGrowth.toFixed(3)})`);
    expect(revChange).toBeLessThan(0.15);
    expect(twinGrowth).toBeGreaterThan(1.3);
    expect(ext3.reversibleBytesPerSample).toBeLessThan(ext3.twinBytesPerSample / 4);
    // Per sample is linear in pixels: ×4 pixels from 32 to 64 px gives ×(3.5 .. 4.5) bytes.
    expect(ledger.rows[1].reversibleBytesPerSample / ext1.reversibleBytesPerSample).toBeGreaterThan(3.5);
    expect(ledger.rows[1].reversibleBytesPerSample / ext1.reversibleBytesPerSample).toBeLessThan(4.5);
    // weightsBytes = 4 × float32 bytes of the backbone + neck parameters of the chosen model.
    expect(ledger.weightsBytes).toBe(4 * r.paramBytes);
    expect(ledger.basis).toMatch(/ext 1 at 32, 64 px; ext 3 at 32 px/);
  }, 60_000);

  it('extrapolates unmeasured resolutions linearly in pixels from cached points, and the estimate adds up', async () => {
    // budget 0: nothing optional is measured; ext 1's 32 and 64 px points are cached from above,
    // ext 3 at 64 px is measured (the anchors of its row; 32 px is cached).
    const req: RevBifpnMemoryRequest = { experiment: 'revbifpn-detect', model: narrow, loss: 'neck', imageSize: 64, batchSize: 8 };
    const r = await ledgers.ledger(req, { extRows: [1, 3], budgetMs: 0, log });
    expect(ledgers.isCached(req)).toBe(true);
    const rows = r.ledger.rows;
    expect(rows.map((x) => [x.resolution, x.extLayers, x.measured])).toEqual([
      [32, 1, true],
      [64, 1, true],
      [96, 1, false],
      [128, 1, false],
      [64, 3, true],
    ]);
    // Through (32², v32) and (64², v64): v(96) = v32 + (v64 − v32)·(96² − 32²)/(64² − 32²) = v32 + (v64 − v32)·8/3,
    // v(128) = v32 + (v64 − v32)·(16384 − 1024)/3072 = v32 + 5·(v64 − v32).
    const [v32, v64] = [rows[0], rows[1]];
    for (const k of ['reversibleBytesPerSample', 'twinBytesPerSample'] as const) {
      expect(rows[2][k]).toBeCloseTo(v32[k] + ((v64[k] - v32[k]) * 8) / 3, -1);
      expect(rows[3][k]).toBeCloseTo(v32[k] + 5 * (v64[k] - v32[k]), -1);
    }
    // The estimate: 3W (weights, AdamW m and v) + batch 8·64²·3·4 B + max(peak(2) + 6·per sample, 15W).
    const est = await ledgers.estimate(req);
    const W = r.paramBytes;
    const fixed = 3 * W + 8 * 64 * 64 * 3 * 4;
    const upd = MEASURED.updateParams.adam * W;
    expect(est.patch).toEqual([64, 64, 3]);
    expect(est.batchSize).toBe(8);
    expect(est.reversibleBytes).toBe(Math.round(fixed + Math.max(r.chosenPeakB2.reversible + 6 * r.ledger.chosen.reversibleBytesPerSample, upd)));
    expect(est.standardBytes).toBe(Math.round(fixed + Math.max(r.chosenPeakB2.twin + 6 * r.ledger.chosen.twinBytesPerSample, upd)));
    expect(est.standardBytes).toBeGreaterThan(2 * est.reversibleBytes);
  }, 60_000);

  it('the classifier loss counts the head on top of backbone + neck', async () => {
    const neck = await measureLedgerPoint(narrow, 1, 32, 'neck'); // cached above, but measured afresh here: peaks are deterministic
    const cls = await measureLedgerPoint(narrow, 1, 32, 'classifier');
    log(`32 px ext 1 per sample: neck ${perSample(neck.reversible)} / ${perSample(neck.twin)} B, classifier ${perSample(cls.reversible)} / ${perSample(cls.twin)} B`);
    const cached = (await ledgers.ledger({ model: narrow, loss: 'neck', imageSize: 32 }, { extRows: [1, 3] })).ledger.rows[0];
    expect(perSample(neck.reversible)).toBe(cached.reversibleBytesPerSample);
    expect(perSample(cls.reversible)).toBeGreaterThan(perSample(neck.reversible));
    expect(cls.paramBytes).toBeGreaterThan(neck.paramBytes); // + the head's parameters
  }, 60_000);

  it('stops before measuring while the engine is busy; a cached ledger still answers', async () => {
    const busy = () => 'the engine is busy with train job t-1';
    const cached = await ledgers.ledger({ model: narrow, loss: 'neck', imageSize: 32 }, { extRows: [1, 3], busy });
    expect(cached.ledger.rows).toHaveLength(3);
    // 96 px needs a new point (the 32 and 64 px anchors are cached): refused, no tensor work.
    const before = tf.memory().numTensors;
    await expect(ledgers.ledger({ model: narrow, loss: 'neck', imageSize: 96 }, { extRows: [1], busy })).rejects.toThrow(/cannot measure now: the engine is busy with train job t-1/);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects a resolution that is not a multiple of 32, naming the field, and non-RevBiFPN experiments', async () => {
    expect(() => resolveRevBifpnMemoryRequest('revbifpn-classify', { imageSize: 100 })).toThrow(/config\.imageSize: 100 must be a positive multiple of 32/);
    expect(() => resolveRevBifpnMemoryRequest('revbifpn-detect', { imageSize: 120 })).toThrow(/config\.imageSize: 120/);
    await expect(ledgers.ledger({ model: narrow, loss: 'neck', imageSize: 80 })).rejects.toThrow(/resolution: 80 must be a positive multiple of 32/);
    expect(() => resolveRevBifpnMemoryRequest('brats', {})).toThrow(/'brats' has no RevBiFPN memory ledger/);
    expect(() => resolveRevBifpnMemoryRequest('revbifpn-classify', { widht: 1 })).toThrow(/widht/);
    // classify's imageSize 0 = the size's resolution (S0: 224); the dataset may be unset.
    const req = resolveRevBifpnMemoryRequest('revbifpn-classify', { model: 'S0', batchSize: 4 });
    expect([req.imageSize, req.batchSize, req.loss, req.model.extLayers]).toEqual([224, 4, 'classifier', 2]);
  });
});

describe('engine host', () => {
  // No tensor work: every request here fails validation before measuring.
  const host = createEngineHost({ runsRoot: tmpdir(), backend: { chosen: 'cpu' } as BackendReport, emit: () => {} });

  it("routes 'experiments:memoryLedger' and the RevBiFPN 'experiments:estimateMemory' to the ledger", async () => {
    await expect(host.handlers['experiments:memoryLedger']({ experiment: 'revbifpn-detect', config: { imageSize: 100 } })).rejects.toThrow(/config\.imageSize: 100 must be a positive multiple of 32/);
    await expect(host.handlers['experiments:memoryLedger']({ experiment: 'brats', config: {} })).rejects.toThrow(/no RevBiFPN memory ledger/);
    // Not in the registry (yet or ever): answered by the ledger, not 'unknown experiment'.
    await expect(host.handlers['experiments:estimateMemory']({ experiment: 'revbifpn-classify', config: { imageSize: 48 } })).rejects.toThrow(/config\.imageSize: 48/);
  });
});
