/**
 * `frugal serve` end to end at the protocol level: a real server (startServer on port 0) in this
 * process, a real engine host process behind it (forked through tsx, cpu backend), and a `ws`
 * client speaking the wire format. No browser. The steps share one server and run in order (the
 * engine's start-up is the slow part).
 */
import { mkdir, mkdtemp, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobInfo } from '../../src/shared/api';
import type { EngineEvent } from '../../src/shared/events';
import { startServer, type RunningServer } from '../../src/server/server';
import { defaultIsPidAlive, listRuns } from '../../src/training/runs/store';
import { connect, type TestClient } from './ws-client';

const tiny = {
  widths: [4, 8],
  blocksPerLevel: 1,
  patchSize: [16, 16, 16],
  batchSize: 1,
  epochs: 1,
  stepsPerEpoch: 3,
  warmupSteps: 1,
  validateEvery: 1,
  cacheCases: 4,
};

describe('frugal serve', () => {
  let server: RunningServer;
  let client: TestClient;
  let dir: string;
  let data: string;
  let wsUrl: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'frugal-serve-'));
    data = join(dir, 'data');
    server = await startServer({ port: 0, runsRoot: join(dir, 'runs'), backend: 'cpu', rendererDir: join(dir, 'no-renderer'), log: () => undefined });
    wsUrl = `${server.origin.replace('http', 'ws')}/api`;
    client = await connect(`${wsUrl}?token=${server.token}`);
  });

  afterAll(async () => {
    await client?.close();
    await server?.close();
  });

  it('prints a URL that carries the token in its fragment', () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/#token=[A-Za-z0-9_-]{32}$/);
    expect(server.url.endsWith(server.token)).toBe(true);
  });

  it('refuses the API without the token, with a wrong token, and from another origin', async () => {
    await expect(connect(wsUrl)).rejects.toThrow('refused: 401');
    await expect(connect(`${wsUrl}?token=${server.token.replace(/.$/, (c) => (c === 'a' ? 'b' : 'a'))}`)).rejects.toThrow('refused: 401');
    await expect(connect(`${wsUrl}?token=${server.token}`, { origin: 'http://evil.example' })).rejects.toThrow('refused: 403');
    // The page's own origin is accepted.
    const ok = await connect(`${wsUrl}?token=${server.token}`, { origin: server.origin });
    await ok.close();
  });

  it('says how to build the renderer when it is not built', async () => {
    const res = await fetch(`${server.origin}/`);
    expect(res.status).toBe(503);
    expect(await res.text()).toContain('npm run build:renderer');
  });

  it("answers app:info with the door 'serve', the backend and the runs root", async () => {
    const info = await client.invoke('app:info', {});
    expect(info.door).toBe('serve');
    expect(info.backend.chosen).toBe('cpu');
    expect(info.runsRoot).toBe(join(dir, 'runs'));
    expect(info.app.version).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('creates demo data and scans it: cases with dims, pixdim and label volumes', async () => {
    const scan = await client.invoke('datasets:createDemo', { out: data, cases: 3, size: 24, seed: 1 });
    expect(scan.root).toBe(data);
    expect(scan.cases.map((c) => c.id)).toEqual(['Demo_001', 'Demo_002', 'Demo_003']);
    for (const c of scan.cases) {
      expect(c.dims).toEqual([24, 24, 24]);
      expect(c.pixdim).toEqual([1, 1, 1]);
      expect(c.problems).toEqual([]);
      expect(Object.keys(c.labelVolumesMl ?? {}).sort()).toEqual(['1', '2', '4']);
      expect(c.labelVolumesMl!['2']).toBeGreaterThan(0); // every demo case has oedema
    }
    // Case 3 (index 2) is the ET-empty one of the demo generator.
    expect(scan.cases[2].labelVolumesMl!['4']).toBe(0);
    const again = await client.invoke('datasets:scan', { root: data });
    expect(again.cases.map((c) => c.labelVolumesMl)).toEqual(scan.cases.map((c) => c.labelVolumesMl));
  });

  it('gives clear errors for a folder that is not BraTS and for out-of-range requests', async () => {
    const empty = join(dir, 'empty');
    await mkdir(empty);
    await expect(client.invoke('datasets:scan', { root: empty })).rejects.toThrow(`${empty} is not a BraTS dataset`);
    await expect(client.invoke('datasets:scan', { root: join(dir, 'nope') })).rejects.toThrow('does not exist');
    await expect(client.invoke('datasets:createDemo', { out: join(dir, 'x'), cases: 0 })).rejects.toThrow(/datasets:createDemo: invalid request: cases: /);
    await expect(client.invoke('train:start', { experiment: 'brats', config: { ...tiny, data, epochs: -1 } })).rejects.toThrow(/epochs/);
  });

  it('trains a tiny run: step events, a done event, status busy then idle', async () => {
    const since = client.events.length;
    const job = await client.invoke('train:start', { experiment: 'brats', config: { ...tiny, data } });
    expect(job.kind).toBe('train');
    expect(job.runId).toMatch(/brats/);
    const status = await client.invoke('engine:status', {});
    const done = await client.waitFor('engine:event', (p) => p.jobId === job.jobId && p.event.type === 'done', 60_000, since);
    expect(done.event).toMatchObject({ type: 'done', status: 'completed', step: 3 });
    const events = client.jobEvents(job.jobId);
    expect(events.filter((e) => e.type === 'step').map((e) => (e as { step: number }).step)).toEqual([1, 2, 3]);
    expect(events.some((e) => e.type === 'validation')).toBe(true);
    expect(status.state).toBe('busy'); // the busy status precedes train:start's answer on the engine's channel
    expect(status.job?.jobId).toBe(job.jobId);
    await client.waitFor('engine:statusChanged', (s) => s.state === 'idle', 10_000, since);
    const states = client.statuses().slice(-2).map((s) => s.state);
    expect(states).toEqual(['busy', 'idle']);
    expect(client.statuses().findLast((s) => s.state === 'busy')?.job?.jobId).toBe(job.jobId);
    expect((await client.invoke('engine:status', {})).state).toBe('idle');
    const runs = await client.invoke('runs:list', {});
    expect(runs.find((r) => r.id === job.runId)?.status).toBe('completed');
  });

  it('stops a longer run on jobs:stop with a stop checkpoint', async () => {
    const since = client.events.length;
    const job = await client.invoke('train:start', { experiment: 'brats', config: { ...tiny, data, stepsPerEpoch: 500, validateEvery: 0 } });
    await client.waitFor('engine:event', (p) => p.jobId === job.jobId && p.event.type === 'step', 30_000, since);
    expect((await client.invoke('engine:status', {})).state).toBe('busy');
    await expect(client.invoke('datasets:createDemo', { out: join(dir, 'other'), cases: 1 })).rejects.toThrow(`busy with train job ${job.jobId}`);
    expect(await client.invoke('jobs:stop', { jobId: job.jobId })).toEqual({ stopping: true });
    const done = await client.waitFor('engine:event', (p) => p.jobId === job.jobId && p.event.type === 'done', 30_000, since);
    expect(done.event).toMatchObject({ status: 'stopped' });
    const ckpt = client.jobEvents(job.jobId).find((e): e is Extract<EngineEvent, { type: 'checkpoint' }> => e.type === 'checkpoint');
    expect(ckpt?.reason).toBe('stop');
    const detail = await client.invoke('runs:get', { runId: job.runId! });
    expect(detail.status).toBe('stopped');
    expect(detail.events.some((e) => e.type === 'checkpoint' && e.reason === 'stop')).toBe(true);
  });

  it('serves files under shared roots with the token, and refuses everything else', async () => {
    const scan = await client.invoke('datasets:scan', { root: data });
    const file = scan.cases[0].files.t1;
    const { url } = await client.invoke('files:url', { path: file });
    expect(url).toMatch(/^\/files\/[A-Za-z0-9_-]+\/Demo_001_t1\.nii\.gz\?token=/);
    const res = await fetch(`${server.origin}${url}`);
    expect(res.status).toBe(200);
    const body = Buffer.from(await res.arrayBuffer());
    expect(Number(res.headers.get('content-length'))).toBe((await stat(file)).size);
    expect(body.length).toBe((await stat(file)).size);
    expect([...body.subarray(0, 2)]).toEqual([0x1f, 0x8b]); // gzip, as on disk

    expect((await fetch(`${server.origin}${url.replace(/\?token=.*/, '')}`)).status).toBe(401);
    const outside = `/files/${Buffer.from('/etc/hostname').toString('base64url')}/hostname?token=${server.token}`;
    expect((await fetch(`${server.origin}${outside}`)).status).toBe(403);
    const missing = `/files/${Buffer.from(join(data, 'Demo_001', 'nothing.nii.gz')).toString('base64url')}/nothing.nii.gz?token=${server.token}`;
    expect((await fetch(`${server.origin}${missing}`)).status).toBe(404);
    await expect(client.invoke('files:url', { path: '/etc/hostname' })).rejects.toThrow('not under a folder this server shares');
    expect(await client.invoke('dialog:openFolder', {})).toEqual({ path: null });
  });

  it('reports a killed engine as crashed, lists its run as interrupted, and restarts', async () => {
    const since = client.events.length;
    const job: JobInfo = await client.invoke('train:start', { experiment: 'brats', config: { ...tiny, data, stepsPerEpoch: 500, validateEvery: 0 } });
    await client.waitFor('engine:event', (p) => p.jobId === job.jobId && p.event.type === 'step', 30_000, since);
    const pid = server.supervisor.pid!;
    process.kill(pid, 'SIGKILL');
    const crashed = await client.waitFor('engine:statusChanged', (s) => s.state === 'crashed', 10_000, since);
    expect(crashed.error).toContain('killed by signal SIGKILL');
    expect(crashed.error).toContain(job.runId);
    const done = await client.waitFor('engine:event', (p) => p.jobId === job.jobId && p.event.type === 'done', 1000, since);
    expect(done.event).toMatchObject({ status: 'failed' });
    expect((await client.invoke('engine:status', {})).state).toBe('crashed');
    await expect(client.invoke('runs:list', {})).rejects.toThrow('the engine is not running');

    const restarted = await client.invoke('engine:restart', {});
    expect(restarted.state).toBe('idle');
    expect(server.supervisor.pid).not.toBe(pid);
    const runs = await client.invoke('runs:list', {});
    expect(runs.find((r) => r.id === job.runId)?.status).toBe('interrupted');
  });

  it('shuts down gracefully: the running job stops with a checkpoint, clients close, the engine ends', async () => {
    const since = client.events.length;
    const job = await client.invoke('train:start', { experiment: 'brats', config: { ...tiny, data, stepsPerEpoch: 500, validateEvery: 0 } });
    await client.waitFor('engine:event', (p) => p.jobId === job.jobId && p.event.type === 'step', 30_000, since);
    const pid = server.supervisor.pid!;
    await server.close();
    expect(client.jobEvents(job.jobId).some((e) => e.type === 'checkpoint' && e.reason === 'stop')).toBe(true);
    expect(defaultIsPidAlive(pid)).toBe(false);
    expect((await listRuns(join(dir, 'runs'))).find((r) => r.id === job.runId)?.status).toBe('stopped');
    await expect(connect(`${wsUrl}?token=${server.token}`)).rejects.toThrow();
  });
});
