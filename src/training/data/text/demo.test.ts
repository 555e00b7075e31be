import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadTextCorpus } from './corpus';
import { COUNTRY_ATTRIBUTES, countryFacts } from './country-facts';
import { loadDataToText } from './data-to-text';
import { demoE2ESet, writeDemoText } from './demo';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'text-demo-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function filesOf(dir: string, rel = ''): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  for (const e of (await readdir(join(dir, rel), { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) for (const [k, v] of await filesOf(dir, r)) out.set(k, v);
    else out.set(r, await readFile(join(dir, r)));
  }
  return out;
}

/** The slots of an E2E MR: 'name[A], capital[B]' → [['name', 'A'], ['capital', 'B']]. */
const slots = (mr: string): [string, string][] => [...mr.matchAll(/(\w+)\[([^\]]*)\]/g)].map((m) => [m[1], m[2]]);

describe('countryFacts', () => {
  it('maps the package codes to names (Japan: Tokyo, Asia, Japanese Yen, Japanese, +81) and skips countries without a capital', () => {
    const facts = countryFacts();
    expect(facts.find((f) => f.code === 'JP')).toEqual({ code: 'JP', name: 'Japan', capital: 'Tokyo', continent: 'Asia', currency: 'Japanese Yen', languages: ['Japanese'], phone: '+81' });
    expect(facts.find((f) => f.code === 'AQ')).toBeUndefined(); // Antarctica: no capital
    expect(facts.length).toBeGreaterThan(200);
  });
});

describe('demoE2ESet', () => {
  const set = demoE2ESet({ seed: 0 });
  const rows = (ms: { references: string[] }[]) => ms.reduce((n, m) => n + m.references.length, 0);

  it('has 800 train rows, 100 dev and 100 test MRs with 2–3 references each, MRs of 2–5 slots naming the country first', () => {
    expect(rows(set.train)).toBe(800);
    expect(set.dev).toHaveLength(100);
    expect(set.test).toHaveLength(100);
    for (const m of [...set.dev, ...set.test]) {
      expect(m.references.length).toBeGreaterThanOrEqual(2);
      expect(m.references.length).toBeLessThanOrEqual(3);
      expect(new Set(m.references).size).toBe(m.references.length); // different wordings
    }
    for (const m of [...set.train, ...set.dev, ...set.test]) {
      const s = slots(m.mr);
      expect(s.length).toBeGreaterThanOrEqual(2);
      expect(s.length).toBeLessThanOrEqual(5);
      expect(s[0][0]).toBe('name');
      expect(s.slice(1).map(([k]) => k).every((k) => (COUNTRY_ATTRIBUTES as readonly string[]).includes(k))).toBe(true);
      // every reference realises every slot value verbatim (templates over the facts)
      for (const ref of m.references) for (const [, v] of s) expect(ref).toContain(v);
    }
    // dev/test MRs are distinct within a split (so grouping by MR keeps 100)
    expect(new Set(set.dev.map((m) => m.mr)).size).toBe(100);
  });

  it('splits by country: no country in two splits', () => {
    const countries = (ms: { country: string }[]) => new Set(ms.map((m) => m.country));
    const [tr, dv, te] = [countries(set.train), countries(set.dev), countries(set.test)];
    expect(dv.size).toBe(34); // ⌈100 / 3⌉
    expect(te.size).toBe(34);
    for (const c of dv) expect(tr.has(c) || te.has(c)).toBe(false);
    for (const c of te) expect(tr.has(c)).toBe(false);
  });
});

describe('writeDemoText', () => {
  it('is deterministic: same seed → byte-identical files; another seed → other E2E files, same corpus', async () => {
    const a = await writeDemoText({ out: join(root, 'a'), seed: 3 });
    await writeDemoText({ out: join(root, 'b'), seed: 3 });
    await writeDemoText({ out: join(root, 'c'), seed: 4 });
    const [fa, fb, fc] = await Promise.all(['a', 'b', 'c'].map((d) => filesOf(join(root, d))));
    expect([...fa.keys()].filter((k) => !k.startsWith('corpus/'))).toEqual(['SOURCE.md', 'e2e/devset.csv', 'e2e/testset_w_refs.csv', 'e2e/trainset.csv']);
    expect([...fa.keys()].filter((k) => k.startsWith('corpus/'))).toHaveLength(138); // etymology, extracts, 135 chapters, epilogue
    for (const [k, v] of fa) expect(fb.get(k)?.equals(v), k).toBe(true);
    expect(fc.get('e2e/trainset.csv')?.equals(fa.get('e2e/trainset.csv')!)).toBe(false);
    expect(fc.get('corpus/003-chapter_1.txt')?.equals(fa.get('corpus/003-chapter_1.txt')!)).toBe(true);
    expect(a.e2e.train.rows).toBe(800);
    expect(a.e2e.dev.mrs).toBe(100);
    expect(a.e2e.test.mrs).toBe(100);
    const source = fa.get('SOURCE.md')!.toString('utf8');
    expect(source).toMatch(/@stdlib\/datasets-moby-dick/);
    expect(source).toMatch(/countries-list/);
    expect(source).toMatch(/MIT/);
    expect(source).toMatch(/not\s+human-written/);
  });

  it('loads back through loadDataToText (e2e) and loadTextCorpus', async () => {
    const out = join(root, 'a');
    const ds = await loadDataToText(join(out, 'e2e'), 'auto');
    const set = demoE2ESet({ seed: 3 });
    expect(ds.format).toBe('e2e');
    expect(ds.notes).toEqual([]);
    expect(ds.train).toHaveLength(800);
    expect(ds.val.map((e) => [e.source, e.references])).toEqual(set.dev.map((m) => [m.mr, m.references]));
    expect(ds.test.map((e) => [e.source, e.references])).toEqual(set.test.map((m) => [m.mr, m.references]));
    const names = (es: { source: string }[]) => new Set(es.map((e) => slots(e.source)[0][1]));
    const [tr, va, te] = [names(ds.train), names(ds.val), names(ds.test)];
    for (const n of va) expect(tr.has(n) || te.has(n)).toBe(false);
    for (const n of te) expect(tr.has(n)).toBe(false);

    const corpus = await loadTextCorpus(join(out, 'corpus'));
    expect(corpus.files).toBe(138);
    expect(corpus.documents[0].file).toBe('001-etymology.txt');
    expect(corpus.documents[2].file).toBe('003-chapter_1.txt');
    expect(corpus.documents[2].text).toMatch(/^CHAPTER 1\. Loomings\.\n\nCall me Ishmael\./);
    expect(corpus.documents[137].file).toBe('138-epilogue.txt');
    expect(corpus.bytes).toBeGreaterThan(1_100_000); // the whole book, ~1.2 MB
  });

  it('refuses a non-empty folder and touches nothing in it', async () => {
    const out = join(root, 'busy');
    await mkdir(out);
    await writeFile(join(out, 'keep.txt'), 'mine');
    await expect(writeDemoText({ out })).rejects.toThrow(`${out}: folder is not empty (holds keep.txt); demo-data text writes only into a new or empty folder`);
    expect(await readdir(out)).toEqual(['keep.txt']);
    await expect(writeDemoText({ out: join(out, 'keep.txt') })).rejects.toThrow(/keep\.txt: exists and is not a folder/);
  });
});
