// SPDF FLOPs in the GUI (lib/spdf-flops-view.ts): engineering notation, and the Train view's note
// computed from the spdf-pretrain form's values with the shared calculator; the model sizes it
// copies are the engine's.
import { describe, expect, it } from 'vitest';
import { formatFlops, formatTimes, formatTokens, formFlops, GPT_SIZE_SHAPES, scientific } from '../../src/renderer/lib/spdf-flops-view';
import { engineModule } from './engine';

describe('FLOP formatting', () => {
  it('uses SI prefixes with 2–3 significant digits, and scientific notation beside them', () => {
    expect(formatFlops(3.2e15)).toBe('3.2 PFLOP');
    expect(formatFlops(1.94e15)).toBe('1.94 PFLOP');
    expect(formatFlops(2360064)).toBe('2.36 MFLOP');
    expect(formatFlops(45.6e12)).toBe('45.6 TFLOP');
    expect(formatFlops(640)).toBe('640 FLOP');
    expect(formatFlops(0)).toBe('0 FLOP');
    expect(formatFlops(null)).toBe('—');
    expect(scientific(1.94e15)).toBe('1.9e15');
    expect(scientific(6.3e9)).toBe('6.3e9');
    expect(scientific(0)).toBe('0');
    expect(formatTimes(2.4937)).toBe('2.49×');
    expect(formatTokens(614400)).toBe('614 k');
    expect(formatTokens(2.5e9)).toBe('2.5 B');
    expect(formatTokens(12)).toBe('12');
  });
});

describe('the Train view’s FLOPs note (spdf-pretrain form values)', () => {
  it('the tiny GPT, char tokens, 128 context, 75 % sparse', () => {
    const f = formFlops({ size: 'tiny', nLayer: 0, dModel: 0, contextLength: 128, tokenizer: 'char', maxChars: 256, sparsity: 0.75 });
    if ('problem' in f) throw new Error(f.problem);
    expect(f.shape).toEqual({ nLayer: 4, dModel: 128, ffnWidth: 512, contextLength: 128, vocabSize: 513 });
    // Forward: matmuls 6d² + 2d² + 4df = 98304 + 32768 + 262144 = 393216; attention 4·n·d = 65536; head 2·d·V = 131328.
    // Dense: 4·(393216 + 65536) + 131328 = 1966336; 75 %: 4·(98304 + 65536) + 131328 = 786688. Training = 3 × forward.
    expect(f.densePerToken).toBe(3 * 1966336);
    expect(f.perToken).toBe(3 * 786688);
    expect(f.reduction).toBeCloseTo(1966336 / 786688, 12);
    expect(f.xlReduction).toBeCloseTo(2.49, 2); // GPT-3 XL at 75 % (the paper: 2.5×)
    expect(f.vocabNote).toMatch(/513/);
  });

  it('the gpt2-merges tokenizer: 257 + merges tokens', () => {
    const f = formFlops({ size: 'tiny', nLayer: 0, dModel: 0, contextLength: 256, tokenizer: 'gpt2-merges', bpeMerges: 2048, sparsity: 0.5 });
    expect(f).toMatchObject({ shape: { vocabSize: 2305 }, vocabNote: 'vocabulary 2305 (GPT-2 BPE, its first 2048 merges)' });
    expect(formFlops({ size: 'tiny', contextLength: 256, tokenizer: 'gpt2-merges', sparsity: 0.5 })).toMatchObject({ shape: { vocabSize: 2305 } }); // the schema default
  });

  it('named sizes, explicit layers and width, the GPT-2 vocabulary; a dense model saves nothing', () => {
    const xl = formFlops({ size: 'gpt3-xl', nLayer: 0, dModel: 0, contextLength: 2048, tokenizer: 'gpt2', sparsity: 0.5 });
    expect(xl).toMatchObject({ shape: { nLayer: 24, dModel: 2048, ffnWidth: 8192, vocabSize: 50257 } });
    expect('reduction' in xl && xl.reduction).toBeCloseTo(1.67, 2);
    const custom = formFlops({ size: 'gpt2-small', nLayer: 2, dModel: 64, contextLength: 32, tokenizer: 'gpt2', sparsity: 0 });
    expect(custom).toMatchObject({ shape: { nLayer: 2, dModel: 64, ffnWidth: 256, contextLength: 32 }, reduction: 1 });
  });

  it('says why when the form describes no model', () => {
    expect(formFlops({ size: 'tiny', contextLength: 128 })).toEqual({ problem: 'no FLOPs until the sparsity is in [0, 1)' });
    expect(formFlops({ size: 'tiny', sparsity: 0.5 })).toEqual({ problem: 'no FLOPs until the context length is set' });
    expect(formFlops({ size: 'huge', contextLength: 8, sparsity: 0.5 })).toEqual({ problem: "unknown model size 'huge'" });
  });

  it('the model sizes are the engine’s (models/gpt.ts GPT_SIZES over GPT_DEFAULTS, FFN 4·d)', async () => {
    type Cfg = { nLayer: number; dModel: number; nHead: number; ffnMultiplier: number };
    const { GPT_SIZES, GPT_DEFAULTS } = await engineModule<{ GPT_SIZES: Record<string, Partial<Cfg>>; GPT_DEFAULTS: Cfg }>('models/gpt');
    expect(Object.keys(GPT_SIZE_SHAPES).sort()).toEqual(Object.keys(GPT_SIZES).sort());
    for (const [name, over] of Object.entries(GPT_SIZES)) {
      const cfg = { ...GPT_DEFAULTS, ...over };
      expect(GPT_SIZE_SHAPES[name as keyof typeof GPT_SIZE_SHAPES], name).toEqual({ nLayer: cfg.nLayer, dModel: cfg.dModel, nHead: cfg.nHead });
      expect(cfg.ffnMultiplier).toBe(4);
    }
  }, 60_000);
});
