import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../core/rng';
import { readNifti } from '../nifti';
import { discoverBratsCases } from './discover';
import { generateDemoCase, writeDemoBrats } from './demo';
import { loadCase, validateCase } from './validate';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'brats-demo-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function filesOf(dir: string): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  for (const c of (await readdir(dir)).sort()) for (const f of (await readdir(join(dir, c))).sort()) out.set(`${c}/${f}`, await readFile(join(dir, c, f)));
  return out;
}

describe('writeDemoBrats', () => {
  it('is deterministic: same seed → byte-identical files, other seed → different files', async () => {
    const opts = { cases: 2, size: 24, seed: 5 };
    await writeDemoBrats({ ...opts, out: join(root, 'a') });
    await writeDemoBrats({ ...opts, out: join(root, 'b') });
    await writeDemoBrats({ ...opts, seed: 6, out: join(root, 'c') });
    const [a, b, c] = await Promise.all(['a', 'b', 'c'].map((d) => filesOf(join(root, d))));
    expect([...a.keys()]).toEqual([
      'Demo_001/Demo_001_flair.nii.gz',
      'Demo_001/Demo_001_seg.nii.gz',
      'Demo_001/Demo_001_t1.nii.gz',
      'Demo_001/Demo_001_t1ce.nii.gz',
      'Demo_001/Demo_001_t2.nii.gz',
      'Demo_002/Demo_002_flair.nii.gz',
      'Demo_002/Demo_002_seg.nii.gz',
      'Demo_002/Demo_002_t1.nii.gz',
      'Demo_002/Demo_002_t1ce.nii.gz',
      'Demo_002/Demo_002_t2.nii.gz',
    ]);
    for (const [k, v] of a) expect(b.get(k)!.equals(v)).toBe(true);
    for (const [k, v] of a) expect(c.get(k)!.equals(v)).toBe(false);
  });

  it('refuses to overwrite an existing case folder, naming it, and writes nothing', async () => {
    const out = join(root, 'exists');
    await mkdir(join(out, 'Demo_002'), { recursive: true });
    await writeFile(join(out, 'Demo_002', 'mine.txt'), 'keep me');
    await expect(writeDemoBrats({ out, cases: 3, size: 16 })).rejects.toThrow(`case folder ${join(out, 'Demo_002')} already exists`);
    expect((await readdir(out)).sort()).toEqual(['Demo_002']);
    expect(await readFile(join(out, 'Demo_002', 'mine.txt'), 'utf8')).toBe('keep me');
  });

  it('writes the 2023 layout with ET label 3, and non-cube grids with anisotropic spacing', async () => {
    const out = join(root, 'y2023');
    const { caseIds } = await writeDemoBrats({ out, cases: 2, size: [20, 24, 16], spacing: [1, 1, 2], scheme: '2023', seed: 1 });
    expect(caseIds).toEqual(['Demo-001', 'Demo-002']);
    const { cases, problems } = await discoverBratsCases(out);
    expect(problems).toEqual([]);
    expect(cases.map((c) => [c.id, c.scheme, c.etLabel])).toEqual([
      ['Demo-001', '2023', 3],
      ['Demo-002', '2023', 3],
    ]);
    const t1 = await readNifti(cases[0].files.t1);
    expect(t1.header.dims).toEqual([20, 24, 16]);
    expect(t1.header.pixdim).toEqual([1, 1, 2]);
    expect(t1.header.datatype).toBe('int16');
    const seg = await readNifti(cases[0].files.seg!);
    expect(seg.header.datatype).toBe('uint8');
    expect(new Set(seg.data).has(4)).toBe(false);
    expect(await validateCase(cases[1])).toEqual([]);
  });

  it('writes 8 valid 64³ cases with labels {0,1,2,4}, two of them without ET, and MRI-like contrasts', async () => {
    const out = join(root, 'full');
    const t0 = performance.now();
    const { caseIds, etEmptyIds } = await writeDemoBrats({ out });
    const ms = performance.now() - t0;
    expect(caseIds).toHaveLength(8);
    expect(etEmptyIds).toEqual(['Demo_003', 'Demo_007']);
    expect(ms).toBeLessThan(30_000); // ~2 s alone on one core; generous for a shared CI machine

    const { cases, problems } = await discoverBratsCases(out);
    expect(problems).toEqual([]);
    expect(cases.map((c) => c.id)).toEqual(caseIds);
    const labelsSeen = new Set<number>();
    // Per tissue class: sums of [t1, t1ce, t2, flair] and voxel counts, pooled over cases.
    const cls = ['healthy', 'oedema', 'enhancing', 'necrosis'] as const;
    const sum = Object.fromEntries(cls.map((k) => [k, [0, 0, 0, 0]])) as Record<(typeof cls)[number], number[]>;
    const count = Object.fromEntries(cls.map((k) => [k, 0])) as Record<(typeof cls)[number], number>;
    for (const c of cases) {
      expect(await validateCase(c)).toEqual([]);
      const l = await loadCase(c);
      const labels = l.labels!;
      const present = new Set(labels);
      present.forEach((v) => labelsSeen.add(v));
      expect(present.has(4)).toBe(!etEmptyIds.includes(c.id));
      expect(present.has(2)).toBe(true);
      const [nz, ny, nx] = l.shapeDHW;
      let outsideNonZero = 0;
      let tcTouchingBackground = 0;
      for (let i = 0; i < labels.length; i++) {
        const brain = l.modalities[0][i] !== 0;
        // Skull-stripped: all four modalities are 0 together (background) or ≥ 1 together (brain).
        for (let m = 1; m < 4; m++) if ((l.modalities[m][i] !== 0) !== brain) outsideNonZero++;
        if (!brain && labels[i] !== 0) outsideNonZero++;
        if (brain) {
          const k = labels[i] === 0 ? 'healthy' : labels[i] === 2 ? 'oedema' : labels[i] === 4 ? 'enhancing' : 'necrosis';
          if (k === 'necrosis' && etEmptyIds.includes(c.id)) continue; // non-enhancing core: other contrast
          count[k]++;
          for (let m = 0; m < 4; m++) sum[k][m] += l.modalities[m][i];
        }
        // Nesting: a tumour-core voxel (1 or 4) has only tumour 6-neighbours (oedema surrounds it).
        if (labels[i] === 1 || labels[i] === 4) {
          const x = i % nx;
          const y = Math.floor(i / nx) % ny;
          const z = Math.floor(i / (nx * ny));
          if (x === 0 || y === 0 || z === 0 || x === nx - 1 || y === ny - 1 || z === nz - 1) tcTouchingBackground++;
          else for (const o of [1, -1, nx, -nx, nx * ny, -nx * ny]) if (labels[i + o] === 0) tcTouchingBackground++;
        }
      }
      expect(outsideNonZero).toBe(0);
      expect(tcTouchingBackground).toBe(0);
    }
    expect([...labelsSeen].sort()).toEqual([0, 1, 2, 4]);

    const mean = (k: (typeof cls)[number], m: number): number => sum[k][m] / count[k];
    const [T1, T1CE, T2, FLAIR] = [0, 1, 2, 3];
    // Intended relative contrasts (demo.ts CONTRAST), softened by partial volume and the oedema fade:
    expect(mean('oedema', FLAIR) / mean('healthy', FLAIR)).toBeGreaterThan(1.3); // FLAIR 2.0 vs ~1.1
    expect(mean('oedema', T2) / mean('healthy', T2)).toBeGreaterThan(1.25); // T2 1.9 vs ~1.1
    expect(mean('enhancing', T1CE) / mean('healthy', T1CE)).toBeGreaterThan(1.4); // T1ce 1.9 vs ~0.95
    expect(mean('enhancing', T1CE) / mean('oedema', T1CE)).toBeGreaterThan(1.3);
    expect(mean('necrosis', T1CE)).toBeLessThan(0.95 * mean('healthy', T1CE)); // dark core on T1ce
    expect(mean('oedema', T1)).toBeLessThan(mean('healthy', T1)); // T1 slightly dark in tumour
    expect(mean('enhancing', T1)).toBeLessThan(mean('healthy', T1));
    // int16 scanner-like range: hundreds to a few thousand.
    expect(mean('healthy', T1)).toBeGreaterThan(300);
    expect(mean('enhancing', T1CE)).toBeLessThan(4000);
  });
});

describe('generateDemoCase', () => {
  it('nests the core inside the enhancing rim when the case has one', () => {
    // On a 48³ grid over several cases, no necrotic voxel (1) touches oedema (2) or background.
    let touching = 0;
    let necrotic = 0;
    const n = 48;
    for (let i = 0; i < 4; i++) {
      if (i === 2) continue; // ET-empty
      const { labels } = generateDemoCase(new Rng(3).fork('demo-case', i), [n, n, n]);
      for (let z = 1; z < n - 1; z++)
        for (let y = 1; y < n - 1; y++)
          for (let x = 1; x < n - 1; x++) {
            const j = x + n * (y + n * z);
            if (labels[j] !== 1) continue;
            necrotic++;
            for (const o of [1, -1, n, -n, n * n, -n * n]) if (labels[j + o] === 0 || labels[j + o] === 2) touching++;
          }
    }
    expect(necrotic).toBeGreaterThan(50);
    expect(touching).toBe(0);
  });
});
