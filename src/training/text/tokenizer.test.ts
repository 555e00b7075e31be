import { describe, expect, it } from 'vitest';
import { Rng } from '../core/rng';
import { buildCharTokenizer, gpt2MergesTokenizer, gpt2Tokenizer, tokenizerFromSpec, type Tokenizer, type TokenizerSpec } from './tokenizer';

/** Code-point ranges the property test mixes: ASCII, Latin-1, CJK, astral emoji, combining marks, and rarer scripts. */
const RANGES: readonly [lo: number, hi: number][] = [
  [0x20, 0x7e], // printable ASCII
  [0x09, 0x0a], // tab, newline
  [0xa0, 0xff], // Latin-1 supplement
  [0x4e00, 0x9fff], // CJK unified ideographs
  [0x1f300, 0x1faff], // emoji (astral: surrogate pairs in JS strings)
  [0x0300, 0x036f], // combining diacritical marks
  [0x0400, 0x04ff], // Cyrillic (absent from the char corpus below)
  [0xac00, 0xd7a3], // Hangul syllables
  [0xe000, 0xf8ff], // private use
  [0x10000, 0x10ffff], // anything astral, incl. unassigned
];

/** A random valid Unicode string of 0..maxLen code points (no lone surrogates). */
function randomText(rng: Rng, maxLen: number): string {
  const n = rng.int(maxLen + 1);
  let s = '';
  for (let i = 0; i < n; i++) {
    const [lo, hi] = rng.pick(RANGES);
    s += String.fromCodePoint(lo + rng.int(hi - lo + 1));
  }
  return s;
}

const CORPUS = 'the cat sat on the mat. The dog ate 12 bones! café, naïve — 猫が好き。';

describe('char tokenizer', () => {
  it('ranks code points by frequency, ties by code point, after EOT and the 256 bytes', () => {
    // 'bbaac': b ×2, a ×2, c ×1 → a (U+61) before b (U+62) on the tie, then c.
    const tok = buildCharTokenizer('bbaac');
    expect(tok.spec).toEqual({ kind: 'char', chars: ['a', 'b', 'c'] });
    expect(tok.vocabSize).toBe(257 + 3);
    expect(tok.eot).toBe(0);
    expect(tok.encode('cab')).toEqual([259, 257, 258]);
    expect(tok.describe()).toBe('char-level, 260 tokens (3 characters + 256 UTF-8 bytes + end-of-text)');
  });

  it('falls back to UTF-8 byte ids (1 + byte) outside the vocabulary', () => {
    const tok = buildCharTokenizer('bbaac', { maxChars: 2 }); // c is cut
    expect(tok.spec).toEqual({ kind: 'char', chars: ['a', 'b'] });
    // 'c' = 0x63 → 100; 'é' = C3 A9 → 196, 170; '😀' = F0 9F 98 80 → 241, 160, 153, 129.
    expect(tok.encode('acé😀')).toEqual([257, 100, 196, 170, 241, 160, 153, 129]);
    expect(tok.decode([257, 100, 196, 170, 241, 160, 153, 129])).toBe('acé😀');
    expect(buildCharTokenizer('abc', { maxChars: 0 }).vocabSize).toBe(257);
  });

  it('decodes invalid byte runs to U+FFFD without throwing, and drops EOT', () => {
    const tok = buildCharTokenizer('ab');
    expect(tok.decode([1 + 0xc3])).toBe('\uFFFD'); // truncated 2-byte sequence
    expect(tok.decode([1 + 0xff, 257])).toBe('\uFFFDa'); // 0xFF is never UTF-8
    expect(tok.decode([257, 0, 258, 0])).toBe('ab');
    expect(tok.decode([1 + 0xc3, 0, 1 + 0xa9])).toBe('é'); // EOT dropped before decoding
    expect(() => tok.decode([257, 259])).toThrow(/ids\[1\] = 259 is not a token id \(0..258\)/);
    expect(() => tok.decode([1.5])).toThrow(/ids\[0\] = 1.5/);
  });

  it("never emits EOT for the text '<|endoftext|>'", () => {
    const tok = buildCharTokenizer(CORPUS);
    const ids = tok.encode('a<|endoftext|>b');
    expect(ids).not.toContain(tok.eot);
    expect(tok.decode(ids)).toBe('a<|endoftext|>b');
  });

  it('skips lone surrogates when building, and rejects bad maxChars', () => {
    expect(buildCharTokenizer('a\ud800a').spec).toEqual({ kind: 'char', chars: ['a'] });
    expect(() => buildCharTokenizer('a', { maxChars: -1 })).toThrow(/maxChars = -1/);
  });
});

describe('gpt2 tokenizer (r50k_base)', () => {
  const tok = gpt2Tokenizer();

  it('has the GPT-2 ids', () => {
    expect(tok.vocabSize).toBe(50257);
    expect(tok.eot).toBe(50256);
    expect(tok.encode('Hello world')).toEqual([15496, 995]);
    expect(tok.decode([15496, 995])).toBe('Hello world');
    expect(tok.describe()).toBe('GPT-2 BPE (r50k_base), 50257 tokens');
  });

  it("encodes '<|endoftext|>' in user text as plain text, and drops EOT in decode", () => {
    const ids = tok.encode('a<|endoftext|>b');
    // 'a' '<' '|' 'end' 'of' 'text' '|' '>' 'b': plain BPE pieces, no 50256 and no error.
    expect(ids).toEqual([64, 27, 91, 437, 1659, 5239, 91, 29, 65]);
    expect(tok.decode(ids)).toBe('a<|endoftext|>b');
    expect(tok.decode([15496, 50256, 995])).toBe('Hello world');
    expect(() => tok.decode([50257])).toThrow(/ids\[0\] = 50257 is not a token id \(0..50256\)/);
  });

  it('decodes a truncated byte sequence to U+FFFD, with no state leaking into the next call', () => {
    // '🎉' = [8582, 236, 231]: token 8582 holds only its first two bytes F0 9F.
    expect(tok.encode('🎉')).toEqual([8582, 236, 231]);
    expect(tok.decode([8582])).toBe('\uFFFD');
    expect(tok.decode([236, 231])).not.toContain('🎉'); // gpt-tokenizer's own decode would return '🎉' here
    expect(tok.decode([8582, 64])).toBe('\uFFFDa');
  });
});

describe('gpt2-merges tokenizer', () => {
  const gpt2 = gpt2Tokenizer();
  const PROSE = 'Call me Ishmael. Some years ago—never mind how long precisely—having little or no money in my purse, and nothing particular to interest me on shore, I thought I would sail about a little and see the watery part of the world. ';

  it("with all 50000 merges it is GPT-2's own encoding, ids shifted by one (end-of-text is 0)", () => {
    const tok = gpt2MergesTokenizer(50000);
    expect(tok.vocabSize).toBe(50257);
    const rng = new Rng(5);
    for (const text of [PROSE, CORPUS, "it's 2024: we'll see   you\n\n  there!", ...Array.from({ length: 200 }, () => randomText(rng, 30))]) {
      expect(tok.encode(text)).toEqual(gpt2.encode(text).map((id) => id + 1));
    }
  });

  it('with fewer merges: only the first ones, so a rare word falls back to frequent pieces, not to bytes', () => {
    const small = gpt2MergesTokenizer(2048);
    expect(small.vocabSize).toBe(1 + 256 + 2048);
    expect(small.eot).toBe(0);
    const ids = small.encode(PROSE);
    expect(ids.every((id) => id >= 1 && id < small.vocabSize)).toBe(true);
    expect(small.decode(ids)).toBe(PROSE);
    expect(PROSE.length / ids.length).toBeGreaterThan(2.8); // characters per token
    expect(PROSE.length / ids.length).toBeLessThan(PROSE.length / gpt2.encode(PROSE).length); // the full BPE packs more
    // ' Ishmael' is not one of the first 2048 merges: a few pieces, each a kept token of 2+ bytes.
    const pieces = small.encode(' Ishmael');
    expect(pieces.length).toBeGreaterThan(1);
    expect(pieces.length).toBeLessThan(' Ishmael'.length);
    const bytesOnly = gpt2MergesTokenizer(0);
    expect(bytesOnly.encode('hé')).toHaveLength(3); // h, and é's two UTF-8 bytes
    expect(bytesOnly.decode(bytesOnly.encode('hé'))).toBe('hé');
    expect(small.decode([0, ...small.encode(' the'), 0])).toBe(' the'); // end-of-text dropped
    expect(() => small.decode([2305])).toThrow('gpt2-merges tokenizer.decode: ids[0] = 2305 is not a token id (0..2304)');
    expect(() => gpt2MergesTokenizer(50001)).toThrow(/merges = 50001 must be an integer in 0\.\.50000/);
  });
});

describe('tokenizer specs', () => {
  it('rebuilds the same ids from a JSON round trip of the spec', () => {
    for (const tok of [buildCharTokenizer(CORPUS, { maxChars: 20 }), gpt2Tokenizer(), gpt2MergesTokenizer(300)]) {
      const again = tokenizerFromSpec(JSON.parse(JSON.stringify(tok.spec)) as TokenizerSpec);
      expect(again.vocabSize).toBe(tok.vocabSize);
      expect(again.encode(CORPUS)).toEqual(tok.encode(CORPUS));
    }
  });

  it('names the bad field', () => {
    const bad = (spec: unknown) => () => tokenizerFromSpec(spec as TokenizerSpec);
    expect(bad({ kind: 'bpe' })).toThrow(/tokenizer spec: kind:/);
    expect(bad({ kind: 'char' })).toThrow(/tokenizer spec: chars:/);
    expect(bad({ kind: 'char', chars: ['a', 'ab'] })).toThrow(/chars\[1\]: must be exactly one Unicode code point, got "ab"/);
    expect(bad({ kind: 'char', chars: ['a', 'b', 'a'] })).toThrow(/chars\[2\]: duplicates chars\[0\]/);
    expect(bad({ kind: 'char', chars: ['\ud800'] })).toThrow(/chars\[0\]/);
    expect(bad({ kind: 'char', chars: [], extra: 1 })).toThrow(/extra/);
    expect(bad({ kind: 'gpt2-merges', merges: 50001 })).toThrow(/tokenizer spec: merges:/);
    expect(bad({ kind: 'gpt2-merges' })).toThrow(/tokenizer spec: merges:/);
    expect(bad(null)).toThrow(/tokenizer spec/);
  });
});

describe('round trip of arbitrary Unicode (seeded property test)', () => {
  const check = (tok: Tokenizer, seed: number, cases: number) => {
    const rng = new Rng(seed);
    for (let c = 0; c < cases; c++) {
      const s = randomText(rng, 40);
      const ids = tok.encode(s);
      expect(ids.every((id) => Number.isInteger(id) && id >= 0 && id < tok.vocabSize && id !== tok.eot)).toBe(true);
      expect(tok.decode(ids)).toBe(s);
    }
  };
  it('char tokenizer', () => check(buildCharTokenizer(CORPUS, { maxChars: 16 }), 1, 500));
  it('char tokenizer with every corpus character in the vocabulary', () => check(buildCharTokenizer(CORPUS), 2, 300));
  it('gpt2 tokenizer', () => check(gpt2Tokenizer(), 3, 300));
  it('gpt2-merges tokenizer', () => check(gpt2MergesTokenizer(500), 4, 300));
});
