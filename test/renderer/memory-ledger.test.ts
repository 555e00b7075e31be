// The RevBiFPN memory ledger in the renderer (src/renderer/lib/memory-ledger.ts and TrainState):
// bytes to 3 significant digits, the twin/reversible ratio, samples in a budget worked by hand,
// the sweeps through the chosen row with extrapolated points on their own (dashed) lines, and the
// Train state asking 'experiments:memoryLedger' (never 'experiments:estimateMemory') for RevBiFPN
// experiments: debounced, once per model/size, newest answer only, errors shown.
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ExperimentInfo, MemoryEstimate, MemoryLedger, MemoryLedgerRow } from '../../src/shared/api';
import schema from '../../src/renderer/dev/brats-schema.json';
import { fakeLedger } from '../../src/renderer/dev/fake-revbifpn';
import { DEFAULT_BUDGET_BYTES, formatBytesSig, formatRatio, ledgerChart, ledgerKey, ledgerRatio, ledgerSweep, parseBudget, samplesInBudget, usesLedger } from '../../src/renderer/lib/memory-ledger';
import { DatasetsState } from '../../src/renderer/state/datasets.svelte';
import { EngineState } from '../../src/renderer/state/engine.svelte';
import { JobsState } from '../../src/renderer/state/jobs.svelte';
import { ESTIMATE_DEBOUNCE_MS, LEDGER_DEBOUNCE_MS, TrainState } from '../../src/renderer/state/train.svelte';
import { flush, idle, TestApi } from './fake-api';

const row = (resolution: number, extLayers: number, rev: number, twin: number, measured = true): MemoryLedgerRow => ({ resolution, extLayers, reversibleBytesPerSample: rev, twinBytesPerSample: twin, measured });

describe('memory ledger numbers', () => {
  it('formats bytes with 3 significant digits in decimal units', () => {
    expect(formatBytesSig(0)).toBe('0 B');
    expect(formatBytesSig(999)).toBe('999 B');
    expect(formatBytesSig(1234)).toBe('1.23 kB');
    expect(formatBytesSig(12_345_678)).toBe('12.3 MB');
    expect(formatBytesSig(123_456_789)).toBe('123 MB');
    expect(formatBytesSig(1.5e9)).toBe('1.50 GB');
    // 999.96 MB rounds to 1000 MB at 3 digits: shown as 1.00 GB, not '1.00e+3 MB'.
    expect(formatBytesSig(999_960_000)).toBe('1.00 GB');
    expect(formatBytesSig(null)).toBe('—');
    expect(formatBytesSig(Number.NaN)).toBe('—');
    expect(formatBytesSig(-1)).toBe('—');
  });

  it('ratio = twin / reversible', () => {
    expect(ledgerRatio(row(224, 2, 12.5e6, 62.5e6))).toBe(5);
    expect(formatRatio(ledgerRatio(row(224, 2, 12.5e6, 62.5e6)))).toBe('5.00×');
    // 75 / 11.5 = 6.5217… → 6.52×
    expect(formatRatio(ledgerRatio(row(224, 2, 11.5e6, 75e6)))).toBe('6.52×');
    expect(ledgerRatio(row(224, 2, 0, 75e6))).toBeNull();
    expect(formatRatio(null)).toBe('—');
  });

  it('samples in a budget: ⌊(budget − weights) / per sample⌋, by hand', () => {
    // S0: 3,419,196 parameters × 4 B × 4 copies (weights, gradients, AdamW m and v) = 54,707,136 B.
    const weights = 3_419_196 * 4 * 4;
    expect(weights).toBe(54_707_136);
    // (8,000,000,000 − 54,707,136) / 12,500,000 = 7,945,292,864 / 12,500,000 = 635.62… → 635
    expect(samplesInBudget(8e9, weights, 12.5e6)).toBe(635);
    // the twin at 62.5 MB: 7,945,292,864 / 62,500,000 = 127.12… → 127
    expect(samplesInBudget(8e9, weights, 62.5e6)).toBe(127);
    // exact fit: (1000 − 100) / 300 = 3
    expect(samplesInBudget(1000, 100, 300)).toBe(3);
    expect(samplesInBudget(1000, 100, 301)).toBe(2); // 900 / 301 = 2.99
    expect(samplesInBudget(50e6, weights, 12.5e6)).toBe(0); // the weights alone exceed 50 MB
    expect(samplesInBudget(8e9, weights, 0)).toBeNull();
    expect(samplesInBudget(null, weights, 12.5e6)).toBeNull();
    expect(DEFAULT_BUDGET_BYTES).toBe(8e9);
  });

  it('parses a typed budget, GB when no unit', () => {
    expect(parseBudget('8 GB')).toEqual({ bytes: 8e9 });
    expect(parseBudget('512mb')).toEqual({ bytes: 512e6 });
    expect(parseBudget(' 1.5 g ')).toEqual({ bytes: 1.5e9 });
    expect(parseBudget('16')).toEqual({ bytes: 16e9 });
    expect(parseBudget('2 TB')).toEqual({ bytes: 2e12 });
    expect(parseBudget('0 GB')).toEqual({ error: 'the budget must be more than 0' });
    expect(parseBudget('lots')).toEqual({ error: "'lots' is not an amount of memory (e.g. 8 GB or 512 MB)" });
    expect(parseBudget('8 XB')).toEqual({ error: "unknown unit 'XB' (B, kB, MB, GB or TB)" });
  });

  it('asks again only when a key the ledger depends on changes', () => {
    const base = { model: 'S0', width: 0, extLayers: 0, imageSize: 64, lr: 1e-3, batchSize: 16, reversible: true };
    const k = ledgerKey('revbifpn-classify', base);
    expect(ledgerKey('revbifpn-classify', { ...base, lr: 3e-3, batchSize: 4, reversible: false, seed: 3 })).toBe(k);
    expect(ledgerKey('revbifpn-classify', { imageSize: 64, model: 'S0', extLayers: 0, width: 0 })).toBe(k); // order and ignored keys
    expect(ledgerKey('revbifpn-classify', { ...base, imageSize: 96 })).not.toBe(k);
    expect(ledgerKey('revbifpn-classify', { ...base, model: 'S1' })).not.toBe(k);
    expect(ledgerKey('revbifpn-detect', base)).not.toBe(k);
    expect(usesLedger('revbifpn-detect')).toBe(true);
    expect(usesLedger('brats')).toBe(false);
    expect(usesLedger(null)).toBe(false);
  });
});

describe('memory ledger sweeps and chart lines', () => {
  // Chosen: 224 px, ext 2. Resolution sweep at ext 2 (320 and 448 extrapolated), ext sweep at 224,
  // one off-axis row (320, ext 3) and an extrapolated duplicate of the chosen point.
  const ledger: Pick<MemoryLedger, 'chosen' | 'rows'> = {
    chosen: row(224, 2, 12e6, 60e6),
    rows: [
      row(448, 2, 48e6, 240e6, false),
      row(128, 2, 4e6, 20e6),
      row(192, 2, 9e6, 45e6),
      row(224, 2, 11e6, 55e6, false),
      row(320, 2, 24e6, 120e6, false),
      row(224, 1, 12e6, 48e6),
      row(224, 3, 12e6, 72e6),
      row(224, 4, 12e6, 84e6),
      row(320, 3, 24e6, 144e6, false),
    ],
  };

  it('resolution sweep: rows at the chosen ext, sorted, the measured chosen row kept', () => {
    const sweep = ledgerSweep(ledger, 'resolution');
    expect(sweep.map((r) => r.resolution)).toEqual([128, 192, 224, 320, 448]);
    expect(sweep[2]).toEqual(ledger.chosen); // not the extrapolated duplicate at 224
    expect(sweep.every((r) => r.extLayers === 2)).toBe(true);
  });

  it('extrapolated points get their own line that starts at the last measured point', () => {
    const c = ledgerChart(ledgerSweep(ledger, 'resolution'), 'resolution');
    expect(c.x).toEqual([128, 192, 224, 320, 448]);
    expect(c.unit).toEqual({ name: 'MB', bytes: 1e6 }); // max 240e6 B
    expect(c.extrapolated).toBe(true);
    const line = (net: string, ex: boolean) => c.lines.find((l) => l.net === net && l.extrapolated === ex)!.values;
    expect(line('reversible', false)).toEqual([4, 9, 12, null, null]);
    expect(line('reversible', true)).toEqual([null, null, 12, 24, 48]);
    expect(line('twin', false)).toEqual([20, 45, 60, null, null]);
    expect(line('twin', true)).toEqual([null, null, 60, 120, 240]);
  });

  it('ext sweep: reversible flat, twin growing; all measured → two solid lines only', () => {
    const c = ledgerChart(ledgerSweep(ledger, 'extLayers'), 'extLayers');
    expect(c.x).toEqual([1, 2, 3, 4]);
    expect(c.extrapolated).toBe(false);
    expect(c.lines).toEqual([
      { net: 'reversible', extrapolated: false, values: [12, 12, 12, 12] },
      { net: 'twin', extrapolated: false, values: [48, 60, 72, 84] },
    ]);
    expect(ledgerChart([row(64, 1, 2e9, 9e9)], 'resolution').unit).toEqual({ name: 'GB', bytes: 1e9 });
    // nothing measured (all above the measured sizes): only the two dashed lines
    const far = ledgerChart([row(512, 1, 2e9, 9e9, false), row(512, 2, 2e9, 11e9, false)], 'extLayers');
    expect(far.lines).toEqual([
      { net: 'reversible', extrapolated: true, values: [2, 2] },
      { net: 'twin', extrapolated: true, values: [9, 11] },
    ]);
  });

  it("the dev fake's ledger: reversible ∝ pixels, twin ∝ pixels × stages, flat in ext", () => {
    const l = fakeLedger('revbifpn-classify', { model: 'S0', width: 0, extLayers: 0, imageSize: 0 });
    // S0 at its own 224 px, ext 2: 224² × 1 × 230 B = 11,540,480 B; twin × 1.3 × (3 + 2) = 6.5×
    expect(l.chosen).toMatchObject({ resolution: 224, extLayers: 2, reversibleBytesPerSample: 11_540_480, measured: true });
    expect(ledgerRatio(l.chosen)).toBeCloseTo(6.5, 10);
    expect(l.weightsBytes).toBe(54_707_136);
    const ext = ledgerSweep(l, 'extLayers');
    expect(new Set(ext.map((r) => r.reversibleBytesPerSample)).size).toBe(1);
    const big = ledgerSweep(l, 'resolution').at(-1)!; // 448 px: 4× the pixels, extrapolated
    expect(big).toMatchObject({ resolution: 448, reversibleBytesPerSample: 4 * 11_540_480, measured: false });
  });
});

// ----- TrainState -------------------------------------------------------------------------------

const brats: ExperimentInfo = { id: 'brats', title: 'BraTS', description: '', built: true, datasets: ['brats'], configSchema: schema as Record<string, unknown>, presets: { 'cpu-demo': { description: '', values: { batchSize: 2 } } } };
const int = (d: number, minimum = 0) => ({ type: 'integer', default: d, minimum, maximum: 1024 });
const revbifpn: ExperimentInfo = {
  id: 'revbifpn-classify',
  title: 'RevBiFPN classification',
  description: '',
  built: true,
  datasets: ['images'],
  configSchema: {
    type: 'object',
    properties: {
      data: { type: 'string', minLength: 1 },
      model: { type: 'string', enum: ['S0', 'S1'], default: 'S0' },
      extLayers: int(0),
      imageSize: int(0),
      reversible: { type: 'boolean', default: true },
      lr: { type: 'number', default: 1e-3, exclusiveMinimum: 0 },
    },
    required: ['data'],
  },
  presets: { 'cpu-demo': { description: '', values: { imageSize: 64 } } },
};
const ledgerOf = (imageSize: number): MemoryLedger => ({ model: 'S0 (w 1, ext 2)', backend: 'cpu', weightsBytes: 1e6, chosen: row(imageSize, 2, imageSize, 5 * imageSize), rows: [], basis: 'test' });

async function setup() {
  const api = new TestApi().handle('experiments:list', () => [brats, revbifpn]).handle('engine:status', () => idle).handle('app:info', () => ({}) as never);
  const engine = new EngineState(api);
  const jobs = new JobsState(api, engine);
  jobs.connect();
  engine.connect();
  const datasets = new DatasetsState(api);
  const train = new TrainState(api, jobs, datasets);
  await train.load();
  return { api, train };
}

afterEach(() => vi.useRealTimers());

describe('TrainState with a RevBiFPN experiment', () => {
  it('asks the ledger (not the estimate), after the longer debounce, without the data folder', async () => {
    const { api, train } = await setup();
    const answers: ((l: MemoryLedger) => void)[] = [];
    api.handle('experiments:memoryLedger', () => new Promise<MemoryLedger>((r) => answers.push(r)));
    api.handle('experiments:estimateMemory', () => Promise.reject(new Error('should not be called')));
    vi.useFakeTimers();
    train.selectExperiment('revbifpn-classify');
    expect(train.ledgerMode).toBe(true);
    train.form.set('data', '/images');
    vi.advanceTimersByTime(ESTIMATE_DEBOUNCE_MS);
    expect(api.callsTo('experiments:memoryLedger')).toHaveLength(0); // 400 ms is not enough
    vi.advanceTimersByTime(LEDGER_DEBOUNCE_MS - ESTIMATE_DEBOUNCE_MS);
    expect(api.callsTo('experiments:memoryLedger')).toEqual([{ experiment: 'revbifpn-classify', config: { model: 'S0', extLayers: 0, imageSize: 64, reversible: true, lr: 1e-3 } }]);
    expect(api.callsTo('experiments:estimateMemory')).toHaveLength(0);
    expect(train.ledgerSince).not.toBeNull(); // measuring: the view shows its progress line
    vi.useRealTimers();
    answers[0](ledgerOf(64));
    await flush();
    expect(train.ledger?.chosen.resolution).toBe(64);
    expect(train.ledgerSince).toBeNull();
  });

  it('does not measure again for keys the ledger ignores; keeps only the newest answer', async () => {
    const { api, train } = await setup();
    const answers: ((l: MemoryLedger) => void)[] = [];
    api.handle('experiments:memoryLedger', () => new Promise<MemoryLedger>((r) => answers.push(r)));
    train.selectExperiment('revbifpn-classify');
    void train.ledgerNow();
    answers[0](ledgerOf(64));
    await flush();
    train.form.set('lr', '0.003');
    train.form.set('reversible', false);
    await train.ledgerNow();
    expect(api.callsTo('experiments:memoryLedger')).toHaveLength(1); // same model and size
    train.form.set('imageSize', '96');
    void train.ledgerNow();
    train.form.set('imageSize', '128');
    void train.ledgerNow();
    expect(api.callsTo('experiments:memoryLedger')).toHaveLength(3);
    expect(train.ledger?.chosen.resolution).toBe(64); // the previous one stays on screen meanwhile
    answers[2](ledgerOf(128));
    answers[1](ledgerOf(96)); // the older answer arrives last
    await flush();
    expect(train.ledger?.chosen.resolution).toBe(128);
    expect(train.ledgerSince).toBeNull();
  });

  it('shows the engine’s error, asks again on retry, and says why an invalid form has no ledger', async () => {
    const { api, train } = await setup();
    api.handle('experiments:memoryLedger', () => Promise.reject(new Error('experiments:memoryLedger: cannot measure now: a train job is running')));
    train.selectExperiment('revbifpn-classify');
    await train.ledgerNow();
    expect(train.ledger).toBeNull();
    expect(train.ledgerError).toBe('experiments:memoryLedger: cannot measure now: a train job is running');
    api.handle('experiments:memoryLedger', () => ledgerOf(64));
    await train.ledgerNow(true);
    expect(train.ledgerError).toBeNull();
    expect(train.ledger?.chosen.resolution).toBe(64);
    train.form.set('imageSize', '-5');
    await train.ledgerNow();
    expect(train.ledger).toBeNull();
    expect(train.ledgerError).toMatch(/fields marked in red/);
    expect(api.callsTo('experiments:memoryLedger')).toHaveLength(2);
  });

  it('switching experiments: BraTS asks the estimate again, and a late ledger answer is dropped', async () => {
    const { api, train } = await setup();
    let answer: (l: MemoryLedger) => void = () => {};
    api.handle('experiments:memoryLedger', () => new Promise<MemoryLedger>((r) => (answer = r)));
    api.handle('experiments:estimateMemory', (): MemoryEstimate => ({ patch: [32, 32, 32], batchSize: 2, reversibleBytes: 1, standardBytes: 3, basis: 'test' }));
    train.selectExperiment('revbifpn-classify');
    void train.ledgerNow();
    train.selectExperiment('brats');
    expect(train.ledgerMode).toBe(false);
    await train.estimateNow();
    answer(ledgerOf(64));
    await flush();
    expect(train.ledger).toBeNull();
    expect(train.estimate?.batchSize).toBe(2);
    expect(api.callsTo('experiments:memoryLedger')).toHaveLength(1);
    expect(api.callsTo('experiments:estimateMemory')).toHaveLength(1);
  });

  it('never puts the opened BraTS folder into a RevBiFPN data field', async () => {
    const { train } = await setup();
    train.selectExperiment('revbifpn-classify');
    train.useDataset('/home/user/demo-brats');
    expect(train.form.drafts.data).toBe('');
    train.selectExperiment('brats');
    train.useDataset('/home/user/demo-brats');
    expect(train.form.drafts.data).toBe('/home/user/demo-brats');
  });

  it('the budget is typed text with its bytes or problem', async () => {
    const { train } = await setup();
    expect(train.budget).toEqual({ bytes: 8e9 });
    train.budgetText = '512 MB';
    expect(train.budget).toEqual({ bytes: 512e6 });
    train.budgetText = 'x';
    expect('error' in train.budget).toBe(true);
  });
});
