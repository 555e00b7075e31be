/**
 * Tokenizers for the GPT experiments (SPDF, METHODS.md §1): text ↔ token ids, behind one
 * interface, described by a JSON-serialisable `TokenizerSpec` that is saved with checkpoints so a
 * fine-tuning run rebuilds exactly the ids its pre-training run used (`tokenizerFromSpec`).
 *
 * - 'gpt2': GPT-2's byte-level BPE (the r50k_base ranks, 50257 ids, `<|endoftext|>` = 50256), the
 *   vocabulary of the SPDF configs [C]. Encoding is the `gpt-tokenizer` package's; it is loaded on
 *   first use (the ranks are a ~0.6 MB module). The text '<|endoftext|>' inside user text is
 *   encoded as plain text, never as the special token, so data cannot forge document boundaries.
 *   Decoding is ours: the package's `decode` keeps a shared streaming TextDecoder, so an
 *   incomplete UTF-8 sequence at the end of one call is silently dropped or leaks into the next
 *   call's output; here each call decodes its own bytes (invalid or truncated → U+FFFD).
 * - 'gpt2-merges': GPT-2's BPE with only its first N merges, a vocabulary a small model can afford
 *   (one-hot embeddings on wasm cost vocabulary × positions): id 0 = end-of-text, 1 + r for GPT-2
 *   rank r < 256 + N. Word-sized tokens: with 2048 merges English prose is ~2.9 characters per
 *   token, and a small model learns words in far fewer updates than it learns to spell them.
 * - 'char': a small vocabulary for small corpora: id 0 = end-of-text, ids 1..256 = the 256 UTF-8
 *   byte values (the fallback for anything outside the vocabulary), ids 257.. = the corpus's most
 *   frequent code points (`chars`, most frequent first, ties by code point). Any valid Unicode
 *   string round-trips, whatever characters the corpus had.
 *
 * All: `decode` drops end-of-text ids (decode(ids) = decode(ids without eot)), since generated
 * text and concatenated documents show best without the marker; an id outside [0, vocabSize)
 * throws, naming the id and its position.
 *
 * Usage:
 *   const tok = buildCharTokenizer(corpus, { maxChars: 128 });   // or gpt2Tokenizer()
 *   const ids = tok.encode('Hello');  tok.decode(ids) === 'Hello';
 *   save(JSON.stringify(tok.spec));   const same = tokenizerFromSpec(JSON.parse(saved));
 */
import { createRequire } from 'node:module';
import { z } from 'zod';

export type TokenizerSpec = { kind: 'gpt2' } | { kind: 'gpt2-merges'; merges: number } | { kind: 'char'; chars: string[] };

export interface Tokenizer {
  readonly spec: TokenizerSpec;
  readonly vocabSize: number;
  /** End-of-text id: separates documents in training windows; dropped by decode. */
  readonly eot: number;
  encode(text: string): number[];
  decode(ids: readonly number[]): string;
  /** One line for logs and run cards, e.g. 'GPT-2 BPE (r50k_base), 50257 tokens'. */
  describe(): string;
}

// ---------------------------------------------------------------- spec validation

/** True for a string that is exactly one Unicode scalar value (one code point, no lone surrogate). */
function isOneScalar(s: string): boolean {
  const cp = s.codePointAt(0);
  return cp !== undefined && String.fromCodePoint(cp) === s && !(cp >= 0xd800 && cp <= 0xdfff);
}

const specSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('gpt2') }).strict(),
  z.object({ kind: z.literal('gpt2-merges'), merges: z.number().int().min(0).max(50000) }).strict(),
  z
    .object({
      kind: z.literal('char'),
      chars: z.array(z.string().refine(isOneScalar, { error: (iss) => `must be exactly one Unicode code point, got ${JSON.stringify(iss.input)}` })),
    })
    .strict()
    .superRefine((spec, ctx) => {
      const seen = new Map<string, number>();
      spec.chars.forEach((c, i) => {
        const first = seen.get(c);
        if (first !== undefined) ctx.addIssue({ code: 'custom', path: ['chars', i], message: `duplicates chars[${first}] (${JSON.stringify(c)})` });
        else seen.set(c, i);
      });
    }),
]);

function formatPath(path: readonly PropertyKey[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i ? '.' : ''}${String(p)}`)).join('') || '(spec)';
}

/** The tokenizer a spec describes (e.g. one read back from a checkpoint); throws naming the bad field. */
export function tokenizerFromSpec(spec: TokenizerSpec): Tokenizer {
  const parsed = specSchema.safeParse(spec);
  if (!parsed.success) {
    const msgs = parsed.error.issues.map((i) => `${formatPath(i.path)}: ${i.message}`);
    throw new Error(`tokenizer spec: ${msgs.join('; ')}`);
  }
  const s = parsed.data;
  return s.kind === 'gpt2' ? gpt2Tokenizer() : s.kind === 'gpt2-merges' ? gpt2MergesTokenizer(s.merges) : charTokenizer(s.chars);
}

// ---------------------------------------------------------------- shared helpers

const utf8 = new TextEncoder();

/** Throws unless id is an integer in [0, vocabSize). */
function checkId(id: number, i: number, vocabSize: number, what: string): void {
  if (!Number.isInteger(id) || id < 0 || id >= vocabSize) throw new Error(`${what}.decode: ids[${i}] = ${id} is not a token id (0..${vocabSize - 1})`);
}

/** UTF-8 bytes → string; invalid or truncated sequences become U+FFFD (never throws, no state kept). */
const decodeBytes = (bytes: readonly number[]): string => new TextDecoder('utf-8', { fatal: false, ignoreBOM: true }).decode(Uint8Array.from(bytes));

// ---------------------------------------------------------------- char

// The small vocabularies ('char', 'gpt2-merges') put end-of-text at id 0.
const CHAR_EOT = 0;
const BYTE_BASE = 1; // byte b has id 1 + b
const CHAR_BASE = 257; // chars[i] has id 257 + i

/**
 * A char tokenizer over the corpus's `maxChars` (default 256) most frequent code points, ties
 * broken by the smaller code point, so the same corpus always gives the same ids. Lone surrogates
 * (not Unicode) never enter the vocabulary.
 */
export function buildCharTokenizer(corpus: string, opts: { maxChars?: number } = {}): Tokenizer {
  const maxChars = opts.maxChars ?? 256;
  if (!Number.isInteger(maxChars) || maxChars < 0) throw new Error(`buildCharTokenizer: maxChars = ${maxChars} must be an integer ≥ 0`);
  const counts = new Map<number, number>();
  for (const ch of corpus) {
    const cp = ch.codePointAt(0)!;
    if (cp >= 0xd800 && cp <= 0xdfff) continue;
    counts.set(cp, (counts.get(cp) ?? 0) + 1);
  }
  const ranked = [...counts].sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, maxChars);
  return charTokenizer(ranked.map(([cp]) => String.fromCodePoint(cp)));
}

function charTokenizer(chars: readonly string[]): Tokenizer {
  const idOf = new Map(chars.map((c, i) => [c, CHAR_BASE + i]));
  const vocabSize = CHAR_BASE + chars.length;
  return {
    spec: { kind: 'char', chars: [...chars] },
    vocabSize,
    eot: CHAR_EOT,
    encode(text: string): number[] {
      const ids: number[] = [];
      for (const ch of text) {
        const id = idOf.get(ch);
        if (id !== undefined) ids.push(id);
        else for (const b of utf8.encode(ch)) ids.push(BYTE_BASE + b);
      }
      return ids;
    },
    decode(ids: readonly number[]): string {
      let out = '';
      let bytes: number[] = [];
      ids.forEach((id, i) => {
        checkId(id, i, vocabSize, 'char tokenizer');
        if (id === CHAR_EOT) return; // dropped: a byte run continues across it
        if (id < CHAR_BASE) {
          bytes.push(id - BYTE_BASE);
          return;
        }
        if (bytes.length) out += decodeBytes(bytes);
        bytes = [];
        out += chars[id - CHAR_BASE];
      });
      return bytes.length ? out + decodeBytes(bytes) : out;
    },
    describe: () => `char-level, ${vocabSize} tokens (${chars.length} characters + 256 UTF-8 bytes + end-of-text)`,
  };
}

// ---------------------------------------------------------------- gpt2

const GPT2_VOCAB = 50257;
const GPT2_EOT = 50256; // '<|endoftext|>'

type R50kModule = typeof import('gpt-tokenizer/encoding/r50k_base');
/** rank (= token id) → the token's text, or its bytes when they are not valid UTF-8 on their own. */
type R50kRanks = readonly (string | readonly number[])[];

let r50k: { encode: R50kModule['encode']; ranks: R50kRanks } | null = null;

/** Loads gpt-tokenizer's r50k_base (GPT-2) encoding on first use; it ships the ranks, no download. */
function loadR50k(): NonNullable<typeof r50k> {
  if (r50k) return r50k;
  const require = createRequire(import.meta.url);
  let enc: R50kModule;
  let ranks: R50kRanks;
  try {
    enc = require('gpt-tokenizer/encoding/r50k_base') as R50kModule;
    ranks = (require('gpt-tokenizer/bpeRanks/r50k_base') as { default: R50kRanks }).default;
  } catch (err) {
    throw new Error(`gpt2 tokenizer: cannot load the npm package 'gpt-tokenizer' (it ships the GPT-2 BPE ranks; run npm install)`, { cause: err });
  }
  if (enc.vocabularySize !== GPT2_VOCAB || ranks.length !== GPT2_EOT) {
    throw new Error(`gpt2 tokenizer: gpt-tokenizer's r50k_base has ${enc.vocabularySize} tokens and ${ranks.length} ranks, expected ${GPT2_VOCAB} and ${GPT2_EOT}`);
  }
  r50k = { encode: enc.encode, ranks };
  return r50k;
}

/** No special token is recognised in user text: '<|endoftext|>' there is plain text (and no error). */
const PLAIN_TEXT = { disallowedSpecial: new Set<string>() };

/** The UTF-8 bytes of GPT-2 token `id`. */
function gpt2Bytes(ranks: R50kRanks, id: number): readonly number[] {
  const tok = ranks[id];
  return typeof tok === 'string' ? [...utf8.encode(tok)] : tok;
}

/** GPT-2's byte-level BPE (r50k_base): 50257 ids, end-of-text 50256. */
export function gpt2Tokenizer(): Tokenizer {
  return {
    spec: { kind: 'gpt2' },
    vocabSize: GPT2_VOCAB,
    eot: GPT2_EOT,
    encode: (text: string): number[] => loadR50k().encode(text, PLAIN_TEXT),
    decode(ids: readonly number[]): string {
      const { ranks } = loadR50k();
      const bytes: number[] = [];
      ids.forEach((id, i) => {
        checkId(id, i, GPT2_VOCAB, 'gpt2 tokenizer');
        if (id !== GPT2_EOT) bytes.push(...gpt2Bytes(ranks, id));
      });
      return decodeBytes(bytes);
    },
    describe: () => `GPT-2 BPE (r50k_base), ${GPT2_VOCAB} tokens`,
  };
}

// ---------------------------------------------------------------- gpt2-merges

/** GPT-2's pre-tokenizer: contractions, letter runs, digit runs, other runs, whitespace (each with its leading space). */
const GPT2_PIECES = /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu;

/** Bytes as a string of code units 0..255: a cheap Map key. */
const byteKey = (bytes: readonly number[]): string => String.fromCharCode(...bytes);

/**
 * GPT-2's BPE with only its first `merges` merges (0..50000; GPT-2 learned them in order of
 * frequency): ids 0 = end-of-text, 1 + r for GPT-2 rank r < 256 + merges (ranks 0..255 are the
 * single bytes). Encoding is GPT-2's: its pre-tokenizer, then the lowest-ranked adjacent pair
 * merged first, among the kept ranks only, so a word outside the vocabulary falls back to its
 * frequent sub-words, not to bytes. With all 50000 merges the ids are GPT-2's own, shifted by one.
 */
export function gpt2MergesTokenizer(merges: number): Tokenizer {
  if (!Number.isInteger(merges) || merges < 0 || merges > GPT2_EOT - 256) throw new Error(`gpt2-merges tokenizer: merges = ${merges} must be an integer in 0..${GPT2_EOT - 256}`);
  const limit = 256 + merges;
  let table: { bytes: (readonly number[])[]; rank: Map<string, number> } | null = null;
  const load = (): NonNullable<typeof table> => {
    if (table) return table;
    const { ranks } = loadR50k();
    const bytes = Array.from({ length: limit }, (_, r) => gpt2Bytes(ranks, r));
    table = { bytes, rank: new Map(bytes.map((b, r) => [byteKey(b), r])) };
    return table;
  };
  const cache = new Map<string, number[]>(); // piece → ranks; pieces repeat a lot in text
  const bpe = (piece: string): number[] => {
    const hit = cache.get(piece);
    if (hit) return hit;
    const { rank } = load();
    const parts: number[][] = [...utf8.encode(piece)].map((b) => [b]);
    for (;;) {
      let best = -1;
      let bestRank = limit;
      for (let i = 0; i + 1 < parts.length; i++) {
        const r = rank.get(byteKey([...parts[i], ...parts[i + 1]]));
        if (r !== undefined && r < bestRank) [best, bestRank] = [i, r];
      }
      if (best < 0) break;
      parts.splice(best, 2, [...parts[best], ...parts[best + 1]]);
    }
    const out = parts.map((p) => rank.get(byteKey(p))!);
    if (cache.size < 100_000) cache.set(piece, out);
    return out;
  };
  const vocabSize = 1 + limit;
  return {
    spec: { kind: 'gpt2-merges', merges },
    vocabSize,
    eot: CHAR_EOT,
    encode(text: string): number[] {
      const ids: number[] = [];
      for (const m of text.matchAll(GPT2_PIECES)) for (const r of bpe(m[0])) ids.push(1 + r);
      return ids;
    },
    decode(ids: readonly number[]): string {
      const { bytes } = load();
      const out: number[] = [];
      ids.forEach((id, i) => {
        checkId(id, i, vocabSize, 'gpt2-merges tokenizer');
        if (id !== CHAR_EOT) out.push(...bytes[id - 1]);
      });
      return decodeBytes(out);
    },
    describe: () => `GPT-2 BPE, its first ${merges} merges: ${vocabSize} tokens (256 bytes + ${merges} merges + end-of-text)`,
  };
}
