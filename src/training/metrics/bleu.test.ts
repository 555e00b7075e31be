import { describe, expect, it } from 'vitest';
import { closestRefLen, corpusBleu, tokenize13a } from './bleu';

describe('tokenize13a (mteval-v13a as in sacreBLEU)', () => {
  it.each([
    ['Hello, world!', 'Hello , world !'], // punctuation split off
    ['e.g. this', 'e . g . this'], // '.' not between digits splits
    ['It costs 1,000.5 dollars.', 'It costs 1,000.5 dollars .'], // ',' and '.' inside numbers stay
    ['$5.00 (approx)', '$ 5.00 ( approx )'],
    ['state-of-the-art, 1990-2000', 'state-of-the-art , 1990 - 2000'], // '-' splits only after a digit
    ['10-year-old', '10 - year-old'],
    ["It's 3.14.", "It's 3.14 ."], // apostrophe stays; final '.' splits
    ['He said &quot;hi&quot; &amp; left &lt;3', 'He said " hi " & left < 3'], // unescaped, then split
    ['&amp;quot;', '& quot ;'], // one unescaping pass: '&amp;' → '&' after '&quot;' was looked for
    ['a <skipped> b', 'a b'], // '<skipped>' is dropped before '<' and '>' would split
    ['hyphen-\nated\nline', 'hyphenated line'],
    ['  spaced\t\tout  ', 'spaced out'],
    ['path/to:file;x=1@y', 'path / to : file ; x = 1 @ y'],
    ['[a]{b}~c|d^e_f`g\\h', '[ a ] { b } ~ c | d ^ e _ f ` g \\ h'],
  ])('%j → %j', (input, want) => {
    expect(tokenize13a(input)).toBe(want);
  });
});

describe('corpusBleu', () => {
  it('is 100 for a perfect match', () => {
    // 6 tokens: counts = totals = [6, 5, 4, 3], every p_n = 100, BP = 1.
    const r = corpusBleu(['the cat sat on the mat'], [['the cat sat on the mat']]);
    expect(r.score).toBeCloseTo(100, 10);
    expect(r).toMatchObject({ precisions: [100, 100, 100, 100], bp: 1, sysLen: 6, refLen: 6, counts: [6, 5, 4, 3], totals: [6, 5, 4, 3] });
  });

  it('applies the brevity penalty exp(1 − r/c) to a short hypothesis', () => {
    // c = 5 tokens, r = 6: every hypothesis n-gram matches (p_n = 100), BP = exp(1 − 6/5) = exp(−0.2)
    // = 0.818730753…, BLEU = 81.8730753…
    const r = corpusBleu(['the cat sat on the'], [['the cat sat on the mat']]);
    expect(r.bp).toBeCloseTo(Math.exp(-0.2), 12);
    expect(r.score).toBeCloseTo(81.87307530779819, 9);
    expect(r.counts).toEqual([5, 4, 3, 2]);
  });

  it('clips counts at the reference count, with each smoothing', () => {
    // hyp 'the the the the' (4), ref 'the cat' (2): 'the' ×4 clipped to 1 → p1 = 1/4 = 25;
    // no bigram/trigram/4-gram matches (totals 3, 2, 1); BP = 1 (4 ≥ 2).
    const hyp = ['the the the the'];
    const refs = [['the cat']];
    // exp: the k-th zero order gets 100/(2^k·total): p2 = 100/(2·3) = 16.667, p3 = 100/(4·2) = 12.5,
    // p4 = 100/(8·1) = 12.5 → BLEU = (25·16.667·12.5·12.5)^(1/4) = 65104.17^(1/4) = 15.97358
    const exp = corpusBleu(hyp, refs);
    expect(exp.counts).toEqual([1, 0, 0, 0]);
    expect(exp.totals).toEqual([4, 3, 2, 1]);
    expect(exp.precisions[0]).toBe(25);
    expect(exp.precisions[1]).toBeCloseTo(100 / 6, 12);
    expect(exp.precisions.slice(2)).toEqual([12.5, 12.5]);
    expect(exp.score).toBeCloseTo(15.973577606156812, 9);
    // floor (0.1): p2 = 10/3, p3 = 10/2 = 5, p4 = 10/1 = 10 → (25·3.333·5·10)^(1/4) = 4166.67^(1/4) = 8.03428
    expect(corpusBleu(hyp, refs, { smooth: 'floor' }).score).toBeCloseTo(8.034284189446517, 9);
    // none: log 0 → BLEU 0, precisions kept unsmoothed.
    const none = corpusBleu(hyp, refs, { smooth: 'none' });
    expect(none.score).toBe(0);
    expect(none.precisions).toEqual([25, 0, 0, 0]);
  });

  it('uses multiple references: max counts, and the closest reference length (ties → shorter)', () => {
    // hyp 'the the cat sat' (4); refs 'the cat sat' (3), 'the the dog sat down' (5).
    // unigrams: the ×2 (max over refs: 1, 2 → 2), cat 1, sat 1 → 4/4.
    // bigrams: 'the the' (ref 2), 'the cat', 'cat sat' (ref 1) → 3/3.
    // trigrams: 'the the cat' no, 'the cat sat' (ref 1) → 1/2.  4-gram 'the the cat sat' → 0/1.
    // Lengths 3 and 5 are both 1 away: the shorter, 3, wins → BP = 1 (taking 5 would give exp(1 − 5/4) = 0.7788).
    const hyp = ['the the cat sat'];
    const refs = [['the cat sat', 'the the dog sat down']];
    const exp = corpusBleu(hyp, refs);
    expect(exp).toMatchObject({ counts: [4, 3, 1, 0], totals: [4, 3, 2, 1], sysLen: 4, refLen: 3, bp: 1 });
    // exp: p4 = 100/(2·1) = 50 → BLEU = (100·100·50·50)^(1/4) = √5000 = 70.7107
    expect(exp.precisions).toEqual([100, 100, 50, 50]);
    expect(exp.score).toBeCloseTo(Math.sqrt(5000), 10);
    // The zero 4-gram precision without smoothing zeroes BLEU.
    expect(corpusBleu(hyp, refs, { smooth: 'none' }).score).toBe(0);
    // Order of the references does not matter.
    expect(corpusBleu(hyp, [['the the dog sat down', 'the cat sat']]).score).toBeCloseTo(Math.sqrt(5000), 10);
    // Closest reference longer than the hypothesis: refs of 7 and 8 tokens → r = 7, BP = exp(1 − 7/5) = 0.67032.
    const long = corpusBleu(['a b c d e'], [['a b c d e f g', 'a b c d e f g h']]);
    expect(long.refLen).toBe(7);
    expect(long.score).toBeCloseTo(100 * Math.exp(-0.4), 10);
  });

  it('sums statistics over the corpus (not an average of sentence scores)', () => {
    // seg 1 'a b c d' = its ref: counts [4, 3, 2, 1]; seg 2 'x y' vs 'p q r s': counts 0, totals [2, 1, 0, 0].
    // Corpus: counts [4, 3, 2, 1], totals [6, 4, 2, 1] → p = [66.67, 75, 100, 100]; c = 6, r = 8 →
    // BP = exp(1 − 8/6) = 0.716531; BLEU = 0.716531·(66.67·75·100·100)^(1/4) = 0.716531·84.0896 = 60.2529
    const r = corpusBleu(['a b c d', 'x y'], [['a b c d'], ['p q r s']]);
    expect(r).toMatchObject({ counts: [4, 3, 2, 1], totals: [6, 4, 2, 1], sysLen: 6, refLen: 8 });
    expect(r.score).toBeCloseTo(60.25286104785454, 9);
  });

  it('is case-sensitive unless lowercase, and tokenises 13a unless told not to', () => {
    expect(corpusBleu(['The Cat Sat Down'], [['the cat sat down']]).score).toBe(0); // no match at all → 0
    expect(corpusBleu(['The Cat Sat Down'], [['the cat sat down']], { lowercase: true }).score).toBeCloseTo(100, 10);
    // 13a: both sides become 'Hello , world ! ok' (5 tokens); whitespace only: 'Hello,' 'world!' 'ok' vs 5 tokens.
    expect(corpusBleu(['Hello, world! ok'], [['Hello , world ! ok']]).score).toBeCloseTo(100, 10);
    const raw = corpusBleu(['Hello, world! ok'], [['Hello , world ! ok']], { tokenize: 'none' });
    expect(raw.counts[0]).toBe(1); // only 'ok'
    expect(raw.sysLen).toBe(3);
  });

  it('handles maxN and empty hypotheses', () => {
    // maxN 2 on 'the the the the' vs 'the cat' with exp: p1 = 25, p2 = 100/(2·3) → √(25·16.667) = 20.412
    expect(corpusBleu(['the the the the'], [['the cat']], { maxN: 2 }).score).toBeCloseTo(Math.sqrt(2500 / 6), 10);
    const empty = corpusBleu([''], [['a b']]);
    expect(empty).toMatchObject({ score: 0, bp: 0, sysLen: 0, refLen: 2 });
    expect(corpusBleu([], []).score).toBe(0);
  });

  it('rejects bad input with clear messages', () => {
    expect(() => corpusBleu(['a', 'b'], [['a']])).toThrow(/2 hypotheses but 1 reference lists/);
    expect(() => corpusBleu(['a', 'b'], [['a'], []])).toThrow(/hypothesis 1 has no references/);
    expect(() => corpusBleu(['a'], [['a']], { maxN: 0 })).toThrow(/maxN = 0/);
    expect(() => corpusBleu(['a'], [['a']], { smooth: 'add-k' as never })).toThrow(/smooth = 'add-k'/);
    expect(() => corpusBleu(['a'], [[3 as never]])).toThrow(/references\[0\]\[0\] is number/);
  });

  it('picks the closest reference length, the shorter on a tie', () => {
    expect(closestRefLen(5, [7, 3])).toBe(3);
    expect(closestRefLen(5, [3, 7])).toBe(3);
    expect(closestRefLen(5, [9, 6, 4])).toBe(4);
    expect(closestRefLen(5, [8, 6])).toBe(6);
  });
});
