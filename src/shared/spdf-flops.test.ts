import { describe, expect, it } from 'vitest';
import { FLOP_SHAPES, flopReduction, flopReport, forwardFlopsPerToken } from './spdf-flops';

describe('SPDF FLOP calculator (METHODS.md §1)', () => {
  it('gives 2.49× at 75 % and 1.67× at 50 % for GPT-3 XL with a 2048 context, 1.25× at 25 %', () => {
    expect(flopReduction(FLOP_SHAPES['gpt3-xl'], 0.75)).toBeCloseTo(2.49, 2);
    expect(flopReduction(FLOP_SHAPES['gpt3-xl'], 0.5)).toBeCloseTo(1.67, 2);
    expect(flopReduction(FLOP_SHAPES['gpt3-xl'], 0.25)).toBeCloseTo(1.25, 2);
  });

  it('gives 1.65× / 1.36× for GPT-2 Small at 2048, 1.81× / 1.42× at 1024', () => {
    expect(flopReduction(FLOP_SHAPES['gpt2-small'], 0.75)).toBeCloseTo(1.65, 2);
    expect(flopReduction(FLOP_SHAPES['gpt2-small'], 0.5)).toBeCloseTo(1.36, 2);
    const short = { ...FLOP_SHAPES['gpt2-small'], contextLength: 1024 };
    expect(flopReduction(short, 0.75)).toBeCloseTo(1.81, 2);
    expect(flopReduction(short, 0.5)).toBeCloseTo(1.42, 2);
  });

  it('counts each term by hand for a small shape', () => {
    // L=2, d=4, f=16, n=8, V=10: matmuls 6·16 + 2·16 + 4·4·16 = 96 + 32 + 256 = 384; attention 4·8·4 = 128; head 2·4·10 = 80
    const shape = { nLayer: 2, dModel: 4, ffnWidth: 16, contextLength: 8, vocabSize: 10 };
    expect(forwardFlopsPerToken(shape, 0)).toBe(2 * (384 + 128) + 80);
    expect(forwardFlopsPerToken(shape, 0.75)).toBe(2 * (96 + 128) + 80);
    const r = flopReport(shape, 0.75, 1000);
    expect(r.spent).toBe(3 * (2 * (96 + 128) + 80) * 1000);
    expect(r.saved).toBe(r.denseEquivalent - r.spent);
    expect(r.reduction).toBeCloseTo(1104 / 528, 12);
  });

  it('rejects a sparsity outside [0, 1)', () => {
    expect(() => forwardFlopsPerToken(FLOP_SHAPES['gpt2-small'], 1)).toThrow(/sparsity = 1/);
    expect(() => forwardFlopsPerToken(FLOP_SHAPES['gpt2-small'], -0.1)).toThrow(/sparsity/);
  });
});
