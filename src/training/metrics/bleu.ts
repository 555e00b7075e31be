/**
 * Corpus BLEU (Papineni et al. 2002) as sacreBLEU computes it (Post 2018, "A Call for Clarity in
 * Reporting BLEU Scores", WMT; sacrebleu 2.x `BLEU` with its defaults), the metric SPDF's
 * data-to-text fine-tuning tasks (E2E, WebNLG, DART) report (METHODS.md §1). Numbers out, no
 * tensors.
 *
 * Per segment: optional lowercasing, `rstrip`, the '13a' tokenisation (mteval-v13a, below), then
 * whitespace split. Corpus statistics are sums over segments:
 *   counts[n]  = Σ_seg Σ_{n-gram g of hyp} min(count_hyp(g), max_r count_r(g))   (clipped matches)
 *   totals[n]  = Σ_seg max(0, |hyp| − n + 1)
 *   sysLen     = Σ |hyp|,   refLen = Σ |closest reference| (ties → the shorter one)
 *   p_n        = 100·counts[n]/totals[n];  BP = 1 if sysLen ≥ refLen, else exp(1 − refLen/sysLen) (0 if sysLen = 0)
 *   BLEU       = BP · exp(mean_n log p_n)   (in 0–100; log 0 taken as −9999999999, so 0)
 * Smoothing of a zero count (Chen & Cherry 2014): 'exp' (method 3, NIST / mteval-v13a, sacreBLEU's
 * default for corpus BLEU): the k-th order with zero matches gets p_n = 100/(2^k·totals[n]);
 * 'floor' (method 1): p_n = 100·0.1/totals[n]; 'none': p_n = 0, hence BLEU 0. As in sacreBLEU:
 * no match at all → BLEU 0 under every smoothing; an order with totals 0 (hypotheses shorter than
 * n) stops the loop and leaves p_n = 0 from there on (so BLEU 0).
 */

export interface BleuResult {
  score: number; // 0–100
  precisions: number[]; // 0–100 per n-gram order 1..maxN (after smoothing)
  bp: number; // brevity penalty
  sysLen: number; // hypothesis tokens
  refLen: number; // closest-reference tokens
  counts: number[]; // clipped matches per order
  totals: number[]; // hypothesis n-grams per order
}

export interface BleuOptions {
  smooth?: 'exp' | 'none' | 'floor'; // 'exp' (sacreBLEU's corpus default)
  lowercase?: boolean; // false: case-sensitive, as sacreBLEU
  tokenize?: '13a' | 'none'; // '13a' (sacreBLEU's default); 'none' splits on whitespace only
  maxN?: number; // 4: up to 4-grams
}

/** sacreBLEU's floor value for smooth 'floor' (Chen & Cherry 2014, method 1). */
const FLOOR = 0.1;
/** sacreBLEU's `my_log(0)`: a floored log, so a zero precision gives BLEU exp(−huge) = 0. */
const LOG_ZERO = -9999999999;

/** Python's str.isspace() set (str.split() and rstrip() use it; JS's \s differs in a few code points). */
const PY_SPACE = '\\t\\n\\v\\f\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const SPACE_RUN = new RegExp(`[${PY_SPACE}]+`, 'g');
const TRAILING_SPACE = new RegExp(`[${PY_SPACE}]+$`);

/** Whitespace split as Python's str.split(): no empty tokens. */
const splitWords = (s: string): string[] => s.split(SPACE_RUN).filter((w) => w.length > 0);

/**
 * The mteval-v13a tokenisation (sacreBLEU's `Tokenizer13a`), returning space-joined tokens:
 *   1. drop '<skipped>', join '-\n' line breaks, newlines → spaces; unescape &quot; &amp; &lt; &gt;
 *      (in that order, once each, as mteval does);
 *   2. pad with one space each side, then
 *   3. split off every ASCII symbol in { | } ~ [ \ ] ^ _ ` space ! " # $ % & ( ) * + : ; < = > ? @ /
 *      (not ' - , . : apostrophes and hyphens stay inside words);
 *   4. split off '.' and ',' unless preceded by a digit, then unless followed by a digit (so
 *      '1,000.5' stays one token while 'end.' and 'e.g.' split);
 *   5. split off '-' after a digit ('1990-2000' → '1990 - 2000', 'state-of-the-art' stays);
 *   6. collapse whitespace, trim.
 */
export function tokenize13a(s: string): string {
  let line = s
    .replaceAll('<skipped>', '')
    .replaceAll('-\n', '')
    .replaceAll('\n', ' ')
    .replaceAll('&quot;', '"')
    .replaceAll('&amp;', '&')
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>');
  line = ` ${line} `;
  line = line.replace(/([{-~\[-` -&(-+:-@\/])/g, ' $1 ');
  line = line.replace(/([^0-9])([.,])/g, '$1 $2 ');
  line = line.replace(/([.,])([^0-9])/g, ' $1 $2');
  line = line.replace(/([0-9])(-)/g, '$1 $2 ');
  return splitWords(line).join(' ');
}

/** n-gram → count for n = 1..maxN, keys joined by a separator no whitespace-split token contains. */
function ngramCounts(words: readonly string[], maxN: number): Map<string, number> {
  const counts = new Map<string, number>();
  for (let n = 1; n <= maxN; n++) {
    for (let i = 0; i + n <= words.length; i++) {
      const key = `${n}\n${words.slice(i, i + n).join('\n')}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  }
  return counts;
}

/** The reference length closest to the hypothesis length; on a tie, the shorter reference. */
export function closestRefLen(hypLen: number, refLens: readonly number[]): number {
  let best = -1;
  let bestDiff = Infinity;
  for (const r of refLens) {
    const diff = Math.abs(hypLen - r);
    if (diff < bestDiff || (diff === bestDiff && r < best)) {
      best = r;
      bestDiff = diff;
    }
  }
  return best;
}

/** Corpus BLEU of hypotheses[i] against references[i] (≥ 1 reference each). See the file header. */
export function corpusBleu(hypotheses: readonly string[], references: readonly (readonly string[])[], opts: BleuOptions = {}): BleuResult {
  const smooth = opts.smooth ?? 'exp';
  const maxN = opts.maxN ?? 4;
  const tokenize = opts.tokenize ?? '13a';
  if (!['exp', 'none', 'floor'].includes(smooth)) throw new Error(`corpusBleu: smooth = '${String(smooth)}' must be 'exp', 'none' or 'floor'`);
  if (tokenize !== '13a' && tokenize !== 'none') throw new Error(`corpusBleu: tokenize = '${String(tokenize)}' must be '13a' or 'none'`);
  if (!Number.isInteger(maxN) || maxN < 1) throw new Error(`corpusBleu: maxN = ${maxN} must be an integer ≥ 1`);
  if (hypotheses.length !== references.length) {
    throw new Error(`corpusBleu: ${hypotheses.length} hypotheses but ${references.length} reference lists (one list per hypothesis)`);
  }
  const words = (s: string, what: string): string[] => {
    if (typeof s !== 'string') throw new Error(`corpusBleu: ${what} is ${typeof s}, not a string`);
    let line = opts.lowercase ? s.toLowerCase() : s;
    line = line.replace(TRAILING_SPACE, '');
    return splitWords(tokenize === '13a' ? tokenize13a(line) : line);
  };

  const counts = new Array<number>(maxN).fill(0);
  const totals = new Array<number>(maxN).fill(0);
  let sysLen = 0;
  let refLen = 0;
  hypotheses.forEach((hyp, i) => {
    const refs = references[i];
    if (!Array.isArray(refs) || refs.length === 0) throw new Error(`corpusBleu: hypothesis ${i} has no references (need ≥ 1)`);
    const maxRef = new Map<string, number>();
    const refLens: number[] = [];
    refs.forEach((ref, j) => {
      const w = words(ref, `references[${i}][${j}]`);
      refLens.push(w.length);
      for (const [g, c] of ngramCounts(w, maxN)) maxRef.set(g, Math.max(maxRef.get(g) ?? 0, c));
    });
    const h = words(hyp, `hypotheses[${i}]`);
    sysLen += h.length;
    refLen += closestRefLen(h.length, refLens);
    for (const [g, c] of ngramCounts(h, maxN)) {
      const n = Number(g.slice(0, g.indexOf('\n')));
      totals[n - 1] += c;
      counts[n - 1] += Math.min(c, maxRef.get(g) ?? 0);
    }
  });
  return bleuFromStats(counts, totals, sysLen, refLen, smooth);
}

/** BLEU from corpus statistics (sacreBLEU's `compute_bleu`, without add-k or effective order). */
export function bleuFromStats(counts: readonly number[], totals: readonly number[], sysLen: number, refLen: number, smooth: 'exp' | 'none' | 'floor'): BleuResult {
  const maxN = counts.length;
  const bp = sysLen < refLen ? (sysLen > 0 ? Math.exp(1 - refLen / sysLen) : 0) : 1;
  const precisions = new Array<number>(maxN).fill(0);
  const result = (score: number): BleuResult => ({ score, precisions, bp, sysLen, refLen, counts: [...counts], totals: [...totals] });
  if (counts.every((c) => c === 0)) return result(0);
  let smoothMteval = 1;
  for (let n = 0; n < maxN; n++) {
    if (totals[n] === 0) break;
    if (counts[n] > 0) precisions[n] = (100 * counts[n]) / totals[n];
    else if (smooth === 'exp') {
      smoothMteval *= 2;
      precisions[n] = 100 / (smoothMteval * totals[n]);
    } else if (smooth === 'floor') precisions[n] = (100 * FLOOR) / totals[n];
  }
  const meanLog = precisions.reduce((s, p) => s + (p === 0 ? LOG_ZERO : Math.log(p)), 0) / maxN;
  return result(bp * Math.exp(meanLog));
}
