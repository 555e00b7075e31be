// SPDF variant labels (src/shared/spdf-variant.ts): one wording for the engine's summaries and the
// GUI's comparisons, and the order the comparisons list them in.
import { describe, expect, it } from 'vitest';
import { finetuneVariant, pretrainVariant, sparsityPercent, variantRank } from '../../src/shared/spdf-variant';

describe('SPDF variant labels', () => {
  it('names pre-training runs by sparsity', () => {
    expect(pretrainVariant(0)).toBe('Dense');
    expect(pretrainVariant(0.5)).toBe('Sparse 50 %');
    expect(pretrainVariant(0.75)).toBe('Sparse 75 %');
    expect(pretrainVariant(0.875)).toBe('Sparse 87.5 %');
    expect(sparsityPercent(0.7)).toBe('70 %'); // 0.7 · 100 = 70.00000000000001, shown as 70
    expect(() => pretrainVariant(1)).toThrow('pretrainVariant: sparsity = 1 must be in [0, 1)');
    expect(() => pretrainVariant(-0.1)).toThrow(/must be in \[0, 1\)/);
  });

  it('names fine-tuning runs by the model they start from and whether the masks stay', () => {
    expect(finetuneVariant(0, 'dense')).toBe('Dense → dense FT');
    expect(finetuneVariant(0, 'sparse')).toBe('Dense → dense FT'); // a dense model has no mask to keep
    expect(finetuneVariant(0.75, 'sparse')).toBe('Sparse 75 % → sparse FT');
    expect(finetuneVariant(0.75, 'dense')).toBe('Sparse 75 % → dense FT (SPDF)');
    expect(finetuneVariant(0.5, 'dense')).toBe('Sparse 50 % → dense FT (SPDF)');
  });

  it('orders by pre-training sparsity, then sparse fine-tuning before dense, others last', () => {
    const labels = ['Sparse 75 % → dense FT (SPDF)', 'something else', 'Sparse 50 % → dense FT (SPDF)', 'Sparse 75 % → sparse FT', 'Dense → dense FT', 'Sparse 87.5 %', 'Dense', 'Sparse 50 %'];
    expect([...labels].sort((a, b) => variantRank(a) - variantRank(b))).toEqual([
      'Dense',
      'Dense → dense FT',
      'Sparse 50 %',
      'Sparse 50 % → dense FT (SPDF)',
      'Sparse 75 % → sparse FT',
      'Sparse 75 % → dense FT (SPDF)',
      'Sparse 87.5 %',
      'something else',
    ]);
  });
});
