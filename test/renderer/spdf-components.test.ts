// The SPDF components rendered (Svelte's server renderer: the markup the browser gets, no DOM
// needed): the heat strip's L×6 cells and their titles, samples newest first, the FLOPs and
// validation numbers, the comparison tables and the Train view's FLOPs note, with the data-testids
// the end-to-end tests use.
import { render } from 'svelte/server';
import { describe, expect, it } from 'vitest';
import MethodPanels from '../../src/renderer/components/methods/MethodPanels.svelte';
import SparsityHeatStrip from '../../src/renderer/components/spdf/SparsityHeatStrip.svelte';
import SpdfFinetuneCompare from '../../src/renderer/components/spdf/SpdfFinetuneCompare.svelte';
import SpdfFlops from '../../src/renderer/components/spdf/SpdfFlops.svelte';
import SpdfFlopsNote from '../../src/renderer/components/spdf/SpdfFlopsNote.svelte';
import SpdfPretrainCompare from '../../src/renderer/components/spdf/SpdfPretrainCompare.svelte';
import TextSamples from '../../src/renderer/components/spdf/TextSamples.svelte';
import { curvesFromEvents } from '../../src/renderer/lib/curves';
import { groupSpdfFinetune, groupSpdfPretrain, runFromCurves } from '../../src/renderer/lib/method-compare';
import { runFromSummary } from '../../src/renderer/lib/method-summary';
import { finetuneSummary, sev, table } from './spdf-events';

/** Every element with data-testid = `testid`, as its attributes (values unescaped). */
function elements(html: string, testid: string): Record<string, string>[] {
  const unescape = (v: string): string => v.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
  return [...html.matchAll(/<[a-z]+\s([^>]*)>/g)]
    .map((m) => Object.fromEntries([...m[1].matchAll(/([\w-:]+)="([^"]*)"/g)].map((a) => [a[1], unescape(a[2])])))
    .filter((a) => a['data-testid'] === testid);
}
/** The text inside the first element with data-testid = `testid` (tags stripped). */
function textOf(html: string, testid: string): string {
  const i = html.indexOf(`data-testid="${testid}"`);
  if (i < 0) throw new Error(`no element with data-testid="${testid}"`);
  const start = html.indexOf('>', i) + 1;
  const tag = /<([a-z0-9]+)[^<]*$/.exec(html.slice(0, i))![1];
  return html.slice(start, html.indexOf(`</${tag}>`, start)).replace(/<!--[^]*?-->/g, '').replace(/<[^>]+>/g, '').replace(/\s+/g, ' ').trim();
}

describe('sparsity heat strip', () => {
  it('renders L × 6 cells, labelled with layer, matrix and zero fraction', () => {
    const zero = (l: number, m: number) => 0.75 - 0.01 * l - 0.001 * m;
    const snapshot = curvesFromEvents([sev.sparsity(40, table(3, zero))]).sparsity!.latest;
    const { body } = render(SparsityHeatStrip, { props: { snapshot } });
    expect(elements(body, 'spdf-heat-strip')[0]).toMatchObject({ 'data-layers': '3', 'data-matrices': '6', 'data-step': '40' });
    const cells = elements(body, 'spdf-cell');
    expect(cells).toHaveLength(18);
    expect(cells[0].title).toBe('layer 0 · q: 75.0 % of weights are 0');
    expect(cells[10].title).toBe('layer 1 · fc: 73.6 % of weights are 0'); // 0.75 − 0.01 − 0.004
    expect(cells.map((c) => Number(c['data-zero']))).toEqual(table(3, zero).flat());
    // Light for dense, dark for sparse: reversed viridis (0 zeros → its yellow end).
    expect(body).toContain('0 % zeros (dense)');
    const dense = render(SparsityHeatStrip, { props: { snapshot: { ...snapshot, zeroFraction: table(1, 0) } } }).body;
    expect(elements(dense, 'spdf-cell')[0].style).toContain('background: rgb(253, 231, 37)');
  });
});

describe('the run panel (MethodPanels with SPDF events)', () => {
  it('a dense fine-tune of a 75 % model: dense, turned dense at step 0, FLOPs, validation, samples', () => {
    const curves = curvesFromEvents([
      sev.sparsity(0, table(2, 0.75), { phase: 'finetune', masked: false, tokens: 0, spent: 0, denseEquivalent: 0 }),
      sev.validation(20, { val_loss: 1.2345, val_ppl: 3.4367, bleu: 48.5 }),
      sev.sparsity(20, table(2, 0.001), { phase: 'finetune', masked: false, tokens: 2000, spent: 3.2e15, denseEquivalent: 3.2e15 }),
      sev.sample(10, 'is a pub.', 'name[x] => ', 'x is a pub.'),
      sev.sample(20, 'is a cheap pub.', 'name[x] => ', 'x is a cheap pub.'),
    ]);
    const { body } = render(MethodPanels, { props: { curves } });
    expect(elements(body, 'spdf-sparsity')[0]).toMatchObject({ 'data-masked': 'false', 'data-phase': 'finetune' });
    expect(textOf(body, 'spdf-mode')).toBe('dense');
    expect(textOf(body, 'spdf-turned-dense')).toContain('Fine-tuning turned dense at step 0: it started from the pre-trained sparse model (75.0 % zeros)');
    expect(elements(body, 'spdf-cell')).toHaveLength(12);
    expect(textOf(body, 'spdf-flops-spent')).toBe('3.2 PFLOP 3.2e15');
    expect(textOf(body, 'spdf-flops-reduction')).toBe('1.00× fewer');
    expect(textOf(body, 'spdf-flops-pretrain-unknown')).toMatch(/^Not known yet/);
    expect(textOf(body, 'spdf-val-loss')).toBe('1.2345');
    expect(textOf(body, 'spdf-val-ppl')).toBe('3.44');
    expect(textOf(body, 'spdf-bleu')).toBe('48.5');
    expect(elements(body, 'spdf-samples')[0]['data-count']).toBe('2');
    expect(elements(body, 'spdf-sample').map((s) => s['data-step'])).toEqual(['20', '10']);
  });

  it('a finished fine-tune shows the pre-training FLOPs from its summary and the total', () => {
    const curves = curvesFromEvents([sev.sparsity(0, table(1, 0.75), { phase: 'finetune', masked: true }), sev.done(finetuneSummary(0.75, 'sparse', 1, 57, 2.4e9))]);
    const { body } = render(MethodPanels, { props: { curves } });
    expect(textOf(body, 'spdf-mode')).toBe('masked (sparse)');
    expect(body).not.toContain('spdf-turned-dense');
    expect(elements(body, 'spdf-flops-pretrain')[0]['data-value']).toBe('2400000000');
    expect(textOf(body, 'spdf-flops-pretrain')).toBe('2.4 GFLOP 2.4e9');
    // Total = the step-0 event's FLOPs (0) + pre-training 2.4e9; dense 0 + 2e9 (the summary's report).
    expect(elements(body, 'spdf-flops-total')[0]['data-value']).toBe('2400000000');
  });

  it('a masked pre-training run: FLOPs saved absolute and ×', () => {
    const { body } = render(SpdfFlops, { props: { phase: 'pretrain', flops: { tokens: 614400, spent: 1.2e15, denseEquivalent: 3e15 } } });
    expect(elements(body, 'spdf-flops')[0]['data-phase']).toBe('pretrain');
    expect(textOf(body, 'spdf-flops-saved')).toBe('1.8 PFLOP 1.8e15');
    expect(textOf(body, 'spdf-flops-reduction')).toBe('2.50× fewer');
    expect(body).toContain('614 k tokens');
  });
});

describe('text samples', () => {
  it('newest first: step, decoding, prompt (muted) and continuation, reference below', () => {
    const samples = curvesFromEvents([sev.sample(100, 'the sea was'), sev.sample(200, 'sea was calm'), sev.sample(300, 'x', 'name[y] => ', 'y is a pub.')]).samples!;
    const { body } = render(TextSamples, { props: { samples } });
    expect(elements(body, 'spdf-sample').map((s) => s['data-step'])).toEqual(['300', '200', '100']);
    expect(body).toContain('<span class="prompt');
    expect(body).toMatch(/The <\/span>sea was calm/);
    expect(body.match(/reference:/g)).toHaveLength(1);
    expect(body).toContain('y is a pub.');
  });
});

describe('comparison tables', () => {
  const pre = (id: string, s: number, loss: number, spent: number) =>
    runFromCurves(id, { sparsity: s }, curvesFromEvents([sev.sparsity(0, table(1, s)), sev.validation(100, { val_loss: loss, val_ppl: Math.exp(loss) }), sev.sparsity(100, table(1, s), { tokens: 1000, spent, denseEquivalent: 6e9 })]));

  it('pre-training: one row per variant with val loss, FLOPs and the reduction', () => {
    const groups = groupSpdfPretrain([pre('d', 0, 1.3, 6e9), pre('a', 0.75, 1.44, 2.4e9), pre('b', 0.5, 1.36, 3.6e9)]);
    const { body } = render(SpdfPretrainCompare, { props: { groups } });
    expect(elements(body, 'spdf-compare-pretrain')[0]['data-variants']).toBe('3');
    const rows = elements(body, 'spdf-compare-row');
    expect(rows.map((r) => r['data-variant'])).toEqual(['Dense', 'Sparse 50 %', 'Sparse 75 %']);
    expect(rows.map((r) => +Number(r['data-reduction']).toFixed(12))).toEqual([1, 1.666666666667, 2.5]); // 6 / 3.6, 6 / 2.4
    expect(body).toContain('2.50× fewer');
    expect(body).toContain('2.4 GFLOP');
  });

  it('fine-tuning: one row per variant with val loss, BLEU and the pre-training FLOPs it started from', () => {
    const runs = [runFromSummary({ id: 'ss', status: 'completed', summary: finetuneSummary(0.75, 'sparse', 1.05, 57, 2.4e9) })!, runFromSummary({ id: 'sd', status: 'completed', summary: finetuneSummary(0.75, 'dense', 0.97, 61, 2.4e9) })!];
    const { body } = render(SpdfFinetuneCompare, { props: { groups: groupSpdfFinetune(runs) } });
    const rows = elements(body, 'spdf-compare-row');
    expect(rows.map((r) => [r['data-variant'], r['data-bleu'], r['data-pretrain-flops']])).toEqual([
      ['Sparse 75 % → sparse FT', '57', '2400000000'],
      ['Sparse 75 % → dense FT (SPDF)', '61', '2400000000'],
    ]);
    expect(elements(body, 'spdf-compare-finetune')[0]['data-variants']).toBe('2');
  });
});

describe('Train view FLOPs note', () => {
  it('the tiny GPT pre-training form at 75 %: reduction and GPT-3 XL’s 2.49×', () => {
    const { body } = render(SpdfFlopsNote, { props: { values: { size: 'tiny', nLayer: 0, dModel: 0, contextLength: 128, tokenizer: 'char', maxChars: 256, sparsity: 0.75 } } });
    expect(Number(elements(body, 'spdf-flops-note')[0]['data-reduction'])).toBeCloseTo(1966336 / 786688, 12);
    expect(textOf(body, 'spdf-flops-note-reduction')).toBe('2.50×');
    expect(textOf(body, 'spdf-flops-note-xl')).toBe('2.49×');
    expect(body).toContain('2.36 MFLOP'); // 3 · 786688 per token
    const bad = render(SpdfFlopsNote, { props: { values: { size: 'tiny' } } }).body;
    expect(bad).toContain('no FLOPs until the context length is set');
  });
});
