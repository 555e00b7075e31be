// The frugal-file: protocol serves files only under the allowed roots (datasets the user opened,
// the runs folder): no ../ tricks, no symlinks out of a root, nothing outside. Real files in a
// temp folder; the handler is driven with plain fetch Requests.
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDoorHandlers, rootsFromEngineResult } from '../../src/main/door';
import { AllowedRoots, fileUrl, isInside, pathFromFileUrl } from '../../src/main/file-access';
import { createFileHandler } from '../../src/main/file-protocol';

let base: string;
let data: string; // an allowed root
let runs: string; // another allowed root
let secret: string; // outside every root
let roots: AllowedRoots;

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'frugal-file-'));
  data = join(base, 'data');
  runs = join(base, 'runs');
  await mkdir(join(data, 'case 1'), { recursive: true });
  await mkdir(join(runs, 'r1', 'predictions'), { recursive: true });
  await mkdir(join(base, 'data-other'));
  await writeFile(join(data, 'case 1', 'flair.nii.gz'), 'FLAIR');
  await writeFile(join(runs, 'r1', 'predictions', 'seg.nii.gz'), 'SEG');
  await writeFile(join(base, 'data-other', 'x.nii'), 'OTHER'); // shares the prefix "data"
  secret = join(base, 'secret.txt');
  await writeFile(secret, 'SECRET');
  await symlink(secret, join(data, 'link-out.nii')); // a file symlink pointing out of the root
  await symlink(base, join(data, 'dir-out')); // a folder symlink pointing above the root
  await symlink(join(data, 'case 1', 'flair.nii.gz'), join(data, 'link-in.nii.gz')); // stays inside
  roots = new AllowedRoots();
  roots.add(data);
  roots.add(runs);
});

afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

describe('AllowedRoots.check', () => {
  it('allows files under a root, including through a symlink that stays inside', async () => {
    await expect(roots.check(join(data, 'case 1', 'flair.nii.gz'))).resolves.toMatchObject({ ok: true });
    await expect(roots.check(join(runs, 'r1', 'predictions', 'seg.nii.gz'))).resolves.toMatchObject({ ok: true });
    await expect(roots.check(join(data, 'link-in.nii.gz'))).resolves.toEqual({ ok: true, realPath: join(data, 'case 1', 'flair.nii.gz') });
  });

  it('refuses paths outside every root', async () => {
    await expect(roots.check(secret)).resolves.toMatchObject({ ok: false, status: 403 });
    await expect(roots.check(join(base, 'data-other', 'x.nii'))).resolves.toMatchObject({ ok: false, status: 403 }); // prefix is not inside
    await expect(roots.check('/etc/passwd')).resolves.toMatchObject({ ok: false, status: 403 });
  });

  it('refuses ../ tricks', async () => {
    await expect(roots.check(join(data, '..', 'secret.txt'))).resolves.toMatchObject({ ok: false, status: 403 });
    await expect(roots.check(`${data}/case 1/../../secret.txt`)).resolves.toMatchObject({ ok: false, status: 403 });
    await expect(roots.check(`${runs}/../data-other/x.nii`)).resolves.toMatchObject({ ok: false, status: 403 });
  });

  it('refuses symlinks out of a root (file and folder links)', async () => {
    await expect(roots.check(join(data, 'link-out.nii'))).resolves.toMatchObject({ ok: false, status: 403 });
    await expect(roots.check(join(data, 'dir-out', 'secret.txt'))).resolves.toMatchObject({ ok: false, status: 403 });
  });

  it('refuses relative paths, NUL bytes, missing files, folders and the root itself', async () => {
    await expect(roots.check('data/case 1/flair.nii.gz')).resolves.toMatchObject({ ok: false, status: 400 });
    await expect(roots.check(`${data}/case 1/flair.nii.gz\0.png`)).resolves.toMatchObject({ ok: false, status: 400 });
    await expect(roots.check(join(data, 'nope.nii'))).resolves.toMatchObject({ ok: false, status: 404 });
    await expect(roots.check(join(data, 'case 1'))).resolves.toMatchObject({ ok: false, status: 404 });
    await expect(roots.check(data)).resolves.toMatchObject({ ok: false });
  });

  it('allows nothing before a root is added', async () => {
    await expect(new AllowedRoots().check(join(data, 'case 1', 'flair.nii.gz'))).resolves.toMatchObject({ ok: false, status: 403 });
    expect(() => new AllowedRoots().add('relative/root')).toThrow(/absolute/);
  });

  it('isInside compares path segments, not string prefixes', () => {
    expect(isInside('/a/data', '/a/data/x')).toBe(true);
    expect(isInside('/a/data', '/a/data-other/x')).toBe(false);
    expect(isInside('/a/data', '/a/data')).toBe(false);
    expect(isInside('/a/data', '/a')).toBe(false);
  });
});

describe('frugal-file URLs', () => {
  it('round-trip any absolute path and end with its basename', () => {
    for (const p of ['/data/case 1/flair.nii.gz', '/d/ünï cödé/%20?#/x.nii', 'C:\\Users\\ann\\BraTS\\t1.nii.gz']) {
      const url = fileUrl(p);
      expect(url).toMatch(/^frugal-file:\/\/f\/[A-Za-z0-9_-]+\//);
      expect(pathFromFileUrl(url)).toBe(p);
    }
    expect(fileUrl('/data/case 1/flair.nii.gz').endsWith('/flair.nii.gz')).toBe(true);
  });

  it('reject URLs of another scheme or host, and malformed ids', () => {
    expect(pathFromFileUrl('file:///etc/passwd')).toBeInstanceOf(Error);
    expect(pathFromFileUrl(fileUrl('/x').replace('//f/', '//g/'))).toBeInstanceOf(Error);
    expect(pathFromFileUrl('frugal-file://f/not%2Fbase64/x')).toBeInstanceOf(Error);
    expect(pathFromFileUrl('frugal-file://f/')).toBeInstanceOf(Error);
    expect(pathFromFileUrl('not a url')).toBeInstanceOf(Error);
  });
});

describe('frugal-file protocol handler', () => {
  const handler = () => createFileHandler(roots, async (realPath) => new Response(await readFile(realPath), { headers: { 'Content-Type': 'application/octet-stream' } }));

  it('serves an allowed file, readable cross-origin by the renderer', async () => {
    const res = await handler()(new Request(fileUrl(join(data, 'case 1', 'flair.nii.gz'))));
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('FLAIR');
    expect(res.headers.get('Access-Control-Allow-Origin')).toBe('*');
  });

  it('refuses files outside the roots at request time, with a reason and nothing of the file', async () => {
    for (const p of [secret, join(data, 'link-out.nii'), join(data, '..', 'secret.txt'), join(data, 'dir-out', 'secret.txt')]) {
      const res = await handler()(new Request(fileUrl(p)));
      expect(res.status, p).toBe(403);
      const body = await res.text();
      expect(body).toMatch(/outside the folders/);
      expect(body).not.toContain('SECRET');
    }
  });

  it('answers 400 for a malformed URL, 404 for a missing file, 405 for writes', async () => {
    expect((await handler()(new Request('frugal-file://f/!!/x'))).status).toBe(400);
    expect((await handler()(new Request(fileUrl(join(data, 'missing.nii'))))).status).toBe(404);
    expect((await handler()(new Request(fileUrl(join(data, 'case 1', 'flair.nii.gz')), { method: 'POST', body: 'x' }))).status).toBe(405);
  });
});

describe("main's door handlers", () => {
  const door = () =>
    createDoorHandlers({
      roots,
      pickFolder: async (title) => (title === 'cancel' ? null : '/chosen'),
      engine: { 'engine:status': async () => ({ state: 'idle', job: null, backend: 'cpu', device: 'cpu', memory: null }), 'engine:restart': async () => ({ state: 'starting', job: null, backend: null, device: null, memory: null }) },
    });

  it("'files:url' gives a frugal-file URL for allowed files and refuses others, naming the path", async () => {
    const p = join(data, 'case 1', 'flair.nii.gz');
    await expect(door()['files:url']({ path: p })).resolves.toEqual({ url: fileUrl(p) });
    await expect(door()['files:url']({ path: secret })).rejects.toThrow(`files:url: ${secret} is outside`);
  });

  it("'dialog:openFolder' answers the chosen folder or null", async () => {
    await expect(door()['dialog:openFolder']({ title: 'Open' })).resolves.toEqual({ path: '/chosen' });
    await expect(door()['dialog:openFolder']({ title: 'cancel' })).resolves.toEqual({ path: null });
  });

  it("'engine:status' and 'engine:restart' are the supervisor's", async () => {
    await expect(door()['engine:status']({})).resolves.toMatchObject({ state: 'idle' });
    await expect(door()['engine:restart']({})).resolves.toMatchObject({ state: 'starting' });
  });

  it('learns roots from successful scans, demo data, predictions and app info only', () => {
    const scan = { root: '/data/brats', cases: [], problems: [] };
    expect(rootsFromEngineResult('datasets:scan', { root: 'brats' }, scan)).toEqual(['/data/brats']);
    expect(rootsFromEngineResult('datasets:createDemo', { out: '/demo', cases: 6, size: 48, seed: 0 }, { ...scan, root: '/demo' })).toEqual(['/demo']);
    expect(rootsFromEngineResult('runs:predict', { runId: 'r', data: '/data/brats', checkpoint: 'best' }, { jobId: 'j', kind: 'predict', startedAt: '' })).toEqual(['/data/brats']);
    expect(rootsFromEngineResult('runs:predict', { runId: 'r', data: 'relative', checkpoint: 'best' }, { jobId: 'j', kind: 'predict', startedAt: '' })).toEqual([]);
    expect(rootsFromEngineResult('runs:list', {}, [])).toEqual([]);
  });

  it("learns a detection run's imagesRoot from 'runs:getDetections', and nothing from a run without detections", () => {
    const stats = { AP: -1, AP50: -1, AP75: -1, APs: -1, APm: -1, APl: -1, AR1: -1, AR10: -1, AR100: -1, ARs: -1, ARm: -1, ARl: -1 };
    const res = { split: 'val2017', dataset: '/data/coco', imagesRoot: '/data/coco/val2017', checkpoint: 'best', createdAt: '', categories: [], stats, perCategory: [], images: [] };
    expect(rootsFromEngineResult('runs:getDetections', { runId: 'r' }, res)).toEqual(['/data/coco/val2017']);
    expect(rootsFromEngineResult('runs:getDetections', { runId: 'r' }, { ...res, imagesRoot: 'relative/val2017' })).toEqual([]);
    expect(rootsFromEngineResult('runs:getDetections', { runId: 'r' }, null)).toEqual([]);
  });
});
