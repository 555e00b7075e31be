import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createRun, effectiveStatus, listRuns, openRun, readMetrics, type RunStatus } from './store';

const tmp = () => mkdtempSync(join(tmpdir(), 'frugal-runs-'));
const readJson = (p: string) => JSON.parse(readFileSync(p, 'utf8'));

describe('createRun', () => {
  it('makes <yyyymmdd-hhmmss>-<experiment>-<hex4> with config, card, status and empty metrics', async () => {
    const root = join(tmp(), 'nested', 'runs'); // created on demand
    const now = new Date(2024, 2, 5, 7, 8, 9); // local time 2024-03-05 07:08:09
    const run = await createRun(root, { experiment: 'brats/rev unet', config: { lr: 0.001 }, card: { seed: 42, backend: 'cpu' } }, { now });
    expect(run.id).toMatch(/^20240305-070809-brats-rev-unet-[0-9a-f]{4}$/); // '/' and ' ' made portable
    expect(run.dir).toBe(join(root, run.id));
    expect(readdirSync(run.dir).sort()).toEqual(['card.json', 'checkpoints', 'config.json', 'metrics.jsonl', 'predictions', 'status.json']);
    expect(readJson(join(run.dir, 'config.json'))).toEqual({ lr: 0.001 });
    const card = readJson(join(run.dir, 'card.json'));
    expect(card).toMatchObject({ seed: 42, backend: 'cpu', experiment: 'brats/rev unet', tfjs: '4.22.0', node: process.versions.node });
    expect(card.app.name).toBe('frugal-studio');
    const st: RunStatus = readJson(join(run.dir, 'status.json'));
    expect(st).toMatchObject({ status: 'running', pid: process.pid, hostname: hostname(), startedAt: now.toISOString(), updatedAt: now.toISOString() });
    expect(st.endedAt).toBeUndefined();
    expect(run.checkpointsDir).toBe(join(run.dir, 'checkpoints'));
  });

  it('gives unique folders under concurrent creation in the same second', async () => {
    const root = tmp();
    const now = new Date(2024, 0, 1, 0, 0, 0);
    const runs = await Promise.all(Array.from({ length: 40 }, () => createRun(root, { experiment: 'e', config: {}, card: {} }, { now })));
    expect(new Set(runs.map((r) => r.id)).size).toBe(40);
    expect(readdirSync(root)).toHaveLength(40);
  });

  it('retries with a new suffix when the folder exists (mkdir is not recursive on the leaf)', async () => {
    const root = tmp();
    const now = new Date(2024, 0, 1, 0, 0, 0);
    const suffixes = ['aaaa', 'aaaa', 'aaaa', 'bbbb'];
    const next = () => suffixes.shift()!;
    const a = await createRun(root, { experiment: 'e', config: { a: 1 }, card: {} }, { now, randomSuffix: next });
    const b = await createRun(root, { experiment: 'e', config: { b: 2 }, card: {} }, { now, randomSuffix: next });
    expect(a.id).toBe('20240101-000000-e-aaaa');
    expect(b.id).toBe('20240101-000000-e-bbbb'); // two collisions with aaaa, then bbbb
    expect(readJson(join(a.dir, 'config.json'))).toEqual({ a: 1 }); // the first run is untouched
  });
});

describe('RunHandle', () => {
  it('appends metrics, sets statuses, writes JSON atomically', async () => {
    const root = tmp();
    const run = await createRun(root, { experiment: 'e', config: {}, card: {} });
    run.appendMetric({ step: 1, loss: 0.5 });
    run.appendMetric({ step: 2, loss: 0.25, note: 'line\nbreak' }); // newline inside a string stays escaped
    expect(readFileSync(join(run.dir, 'metrics.jsonl'), 'utf8')).toBe('{"step":1,"loss":0.5}\n{"step":2,"loss":0.25,"note":"line\\nbreak"}\n');
    expect(await readMetrics(run.dir)).toEqual([{ step: 1, loss: 0.5 }, { step: 2, loss: 0.25, note: 'line\nbreak' }]);

    const p = await run.writeJson('predictions/case1.json', { dice: 0.9 });
    expect(p).toBe(join(run.dir, 'predictions', 'case1.json'));
    await expect(run.writeJson('predictions/case1.json', { dice: 0.1 })).rejects.toThrow('refusing to overwrite');
    await run.writeJson('predictions/case1.json', { dice: 0.8 }, { overwrite: true });
    expect(readJson(p)).toEqual({ dice: 0.8 });
    await expect(run.writeJson('../escape.json', {})).rejects.toThrow('not inside run folder');
    await expect(run.writeJson('config.json', { lr: 9 })).rejects.toThrow('refusing to overwrite'); // config is frozen

    await run.writeSummary({ dice: 0.5 });
    await run.writeSummary({ dice: 0.7 }); // replaceable
    expect(readJson(join(run.dir, 'summary.json'))).toEqual({ dice: 0.7 });

    const failed = run.setStatus('failed', { error: 'NaN loss at step 3' });
    expect(failed).toMatchObject({ status: 'failed', error: 'NaN loss at step 3' });
    expect(failed.endedAt).toBeDefined();
    const resumed = run.setStatus('running'); // resume clears endedAt and error
    expect(resumed.endedAt).toBeUndefined();
    expect(resumed.error).toBeUndefined();
    expect(resumed.startedAt).toBe(failed.startedAt);
    expect(() => run.setStatus('done' as never)).toThrow('unknown status');
  });

  it('heartbeat moves updatedAt forward', async () => {
    const run = await createRun(tmp(), { experiment: 'e', config: {}, card: {} }, { now: new Date('2024-01-01T00:00:00Z') });
    run.heartbeat();
    expect(Date.parse(run.readStatus().updatedAt)).toBeGreaterThan(Date.parse('2024-01-01T00:00:00Z'));
  });

  it('drops a crash-truncated last line before appending again (resume)', async () => {
    const root = tmp();
    const run = await createRun(root, { experiment: 'e', config: {}, card: {} });
    run.appendMetric({ step: 1 });
    appendFileSync(join(run.dir, 'metrics.jsonl'), '{"step":2,"lo'); // crash mid-write
    const again = await openRun(root, run.id);
    again.appendMetric({ step: 2 });
    expect(readFileSync(join(run.dir, 'metrics.jsonl'), 'utf8')).toBe('{"step":1}\n{"step":2}\n');
  });
});

describe('readMetrics', () => {
  it('tolerates a truncated last line but not a corrupt middle line', async () => {
    const root = tmp();
    const run = await createRun(root, { experiment: 'e', config: {}, card: {} });
    const file = join(run.dir, 'metrics.jsonl');
    writeFileSync(file, '{"step":1}\n{"step":2}\n{"step":3,"lo');
    expect(await readMetrics(run.dir)).toEqual([{ step: 1 }, { step: 2 }]);
    writeFileSync(file, '{"step":1}\n{"step":2}'); // complete JSON, only the newline lost
    expect(await readMetrics(run.dir)).toEqual([{ step: 1 }, { step: 2 }]);
    writeFileSync(file, '{"step":1}\n{"st\n{"step":3}\n');
    await expect(readMetrics(run.dir)).rejects.toThrow(`${file}:2: not valid JSON`);
    expect(await readMetrics(join(root, 'nope'))).toEqual([]);
  });
});

describe('openRun', () => {
  it('opens by id, unique prefix or path; lists candidates when ambiguous or missing', async () => {
    const root = tmp();
    const mk = (sfx: string, exp: string, d: Date) => createRun(root, { experiment: exp, config: {}, card: {} }, { now: d, randomSuffix: () => sfx });
    const a = await mk('aaaa', 'alpha', new Date(2024, 0, 1, 10, 0, 0));
    const b = await mk('bbbb', 'beta', new Date(2024, 0, 1, 10, 0, 0));
    expect((await openRun(root, a.id)).dir).toBe(a.dir);
    expect((await openRun(root, '20240101-100000-b')).id).toBe(b.id);
    expect((await openRun(root, b.dir)).id).toBe(b.id);
    await expect(openRun(root, '20240101')).rejects.toThrow(`is ambiguous in ${root}; it matches: ${a.id}, ${b.id}`);
    await expect(openRun(root, 'zzz')).rejects.toThrow(`no run matches "zzz" in ${root}; newest runs: ${b.id}, ${a.id}`);
    await expect(openRun(root, join(root, 'missing'))).rejects.toThrow('is not a run folder');
  });
});

describe('listRuns', () => {
  it('lists newest first with summaries, and marks dead or stale running runs interrupted', async () => {
    const root = tmp();
    const t = (h: number) => new Date(Date.UTC(2024, 0, 1, h));
    const done = await createRun(root, { experiment: 'done', config: {}, card: {} }, { now: t(1) });
    done.setStatus('completed');
    await done.writeSummary({ dice: 0.8 });
    const dead = await createRun(root, { experiment: 'dead', config: {}, card: {} }, { now: t(2) });
    const live = await createRun(root, { experiment: 'live', config: {}, card: {} }, { now: t(3) });
    const elsewhere = await createRun(root, { experiment: 'elsewhere', config: {}, card: {} }, { now: t(4) });
    // Pretend 'dead' was started by a process that is gone, and 'elsewhere' on another host.
    const patch = (dir: string, p: object) => writeFileSync(join(dir, 'status.json'), JSON.stringify({ ...readJson(join(dir, 'status.json')), ...p }));
    patch(dead.dir, { pid: 999_999_999 }); // above any pid_max: process.kill(pid, 0) → ESRCH
    patch(elsewhere.dir, { hostname: 'another-host', pid: 1 });
    mkdirBad(root);

    const now = new Date(Date.UTC(2024, 0, 1, 4, 5)); // 5 min after 'elsewhere' started, 65 min after 'live'
    const runs = await listRuns(root, { now, staleAfterMs: 10 * 60_000 });
    expect(runs.map((r) => [r.experiment, r.status])).toEqual([
      ['elsewhere', 'running'], // other host: pid not checked; heartbeat 5 min old < 10
      ['live', 'interrupted'], // our pid is alive, but its heartbeat is 65 min old > 10
      ['dead', 'interrupted'], // pid gone on this host
      ['done', 'completed'],
      ['', 'unreadable'],
    ]);
    expect(runs[3].summary).toEqual({ dice: 0.8 });
    expect(runs[3].endedAt).toBeDefined();
    expect(runs[4].problem).toContain('not valid JSON');
    // With a fresh heartbeat and our own live pid, 'live' is running; files are never rewritten by listing.
    live.heartbeat();
    const again = await listRuns(root);
    expect(again.find((r) => r.id === live.id)?.status).toBe('running');
    expect(again.find((r) => r.id === dead.id)?.status).toBe('interrupted');
    expect(readJson(join(dead.dir, 'status.json')).status).toBe('running');
    expect(await listRuns(join(root, 'none'))).toEqual([]);
  });

  it('effectiveStatus consults the injected pid check only on this host', () => {
    const s: RunStatus = { status: 'running', id: 'x', experiment: 'e', pid: 123, hostname: hostname(), startedAt: '2024-01-01T00:00:00Z', updatedAt: '2024-01-01T00:00:00Z' };
    const now = new Date('2024-01-01T00:01:00Z');
    expect(effectiveStatus(s, { now, isPidAlive: () => true })).toBe('running');
    expect(effectiveStatus(s, { now, isPidAlive: () => false })).toBe('interrupted');
    expect(effectiveStatus({ ...s, hostname: 'other' }, { now, isPidAlive: () => false })).toBe('running');
    expect(effectiveStatus({ ...s, status: 'completed' }, { now, isPidAlive: () => false })).toBe('completed');
  });
});

function mkdirBad(root: string) {
  // A folder whose status.json got corrupted by hand: listed as unreadable, not a crash.
  const dir = join(root, '00000000-000000-bad-0000');
  mkdirSync(dir);
  writeFileSync(join(dir, 'status.json'), '{oops');
  expect(existsSync(join(dir, 'status.json'))).toBe(true);
}
