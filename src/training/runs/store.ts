/**
 * The run store (DESIGN.md, Runs on disk). A run is one folder under a runs root:
 *
 *   <root>/<yyyymmdd-hhmmss>-<experiment>-<4 hex>/
 *     config.json    resolved config, written once
 *     card.json      app/tfjs/backend/OS versions, seed, dataset fingerprint, written once
 *     status.json    running|completed|failed|stopped|interrupted, pid, host, heartbeat
 *     metrics.jsonl  one JSON event per line, appended synchronously
 *     summary.json   final numbers (replaceable)
 *     checkpoints/   predictions/
 *
 * A run folder is created with a non-recursive mkdir, so two processes starting the same
 * experiment in the same second can never share a folder (EEXIST → new suffix). Status is
 * never trusted blindly when listing: a 'running' run whose process is gone (same host) or
 * whose heartbeat is stale is reported as 'interrupted', without rewriting its files.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import { arch, hostname, platform, release, type as osType } from 'node:os';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { writeFileAtomic, writeJsonAtomic, writeJsonAtomicSync } from './atomic';
import { appPackageJson, installedPackageVersion, runPaths } from './paths';

export type RunStatusValue = 'running' | 'completed' | 'failed' | 'stopped' | 'interrupted';

export interface RunStatus {
  status: RunStatusValue;
  id: string;
  experiment: string;
  pid: number;
  hostname: string;
  startedAt: string; // ISO 8601
  updatedAt: string; // ISO 8601, the heartbeat
  endedAt?: string;
  error?: string;
}

export interface RunHandle {
  readonly id: string;
  readonly dir: string;
  readonly checkpointsDir: string;
  readonly predictionsDir: string;
  /** Append one event as one JSON line to metrics.jsonl (synchronous: survives a crash right after). */
  appendMetric(event: object): void;
  /** Set the status; terminal ones stamp endedAt, 'running' claims the run for this process. */
  setStatus(status: RunStatusValue, extra?: { error?: string }): RunStatus;
  /** Refresh updatedAt, so other processes can tell this run is alive. */
  heartbeat(): void;
  readStatus(): RunStatus;
  /** Write JSON at a path inside the run, atomically; refuses to overwrite unless asked. */
  writeJson(relPath: string, value: unknown, opts?: { overwrite?: boolean }): Promise<string>;
  /** summary.json, atomically, replacing any previous one. */
  writeSummary(summary: object): Promise<void>;
}

export interface ListedRun {
  id: string;
  dir: string;
  experiment: string;
  /** 'unreadable': the folder has a status.json that does not parse (see `problem`). */
  status: RunStatusValue | 'unreadable';
  startedAt: string;
  endedAt?: string;
  /** The tfjs backend it trained on (card.json), when the card says. */
  backend?: string;
  summary?: unknown;
  problem?: string;
}

export interface LivenessOptions {
  /** Heartbeat age after which a 'running' run counts as interrupted. Default 10 min. */
  staleAfterMs?: number;
  now?: Date;
  /** Injectable for tests; default process.kill(pid, 0). */
  isPidAlive?: (pid: number) => boolean;
}

/**
 * 10 minutes: a training step on the cpu backend can take ~100 s at BraTS patch sizes and a
 * validation pass several minutes, and no timer can fire during synchronous tensor work, so a
 * shorter timeout would call live runs interrupted. On the same host the pid check is faster.
 */
export const DEFAULT_STALE_AFTER_MS = 10 * 60 * 1000;

const STATUS_VALUES: readonly RunStatusValue[] = ['running', 'completed', 'failed', 'stopped', 'interrupted'];

function errCode(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException | null)?.code;
}

/** Local time yyyymmdd-hhmmss: what a person scanning the folder expects to read. */
function timestamp(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}

/** Experiment ids go into folder names: keep them portable (Windows forbids <>:"/\|?*). */
function slug(experiment: string): string {
  const s = experiment.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[-.]+|[-.]+$/g, '');
  if (!s) throw new Error(`createRun: experiment id ${JSON.stringify(experiment)} has no usable characters for a folder name`);
  return s;
}

export function defaultIsPidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0); // signal 0: existence/permission check only
    return true;
  } catch (e) {
    return errCode(e) === 'EPERM'; // exists but belongs to another user
  }
}

export async function createRun(
  root: string,
  init: { experiment: string; config: object; card: object },
  opts: { now?: Date; randomSuffix?: () => string } = {},
): Promise<RunHandle> {
  const now = opts.now ?? new Date();
  const name = slug(init.experiment);
  await fsp.mkdir(root, { recursive: true });
  let id = '';
  let dir = '';
  for (let attempt = 0; ; attempt++) {
    const suffix = opts.randomSuffix ? opts.randomSuffix() : randomBytes(2).toString('hex');
    id = `${timestamp(now)}-${name}-${suffix}`;
    dir = join(root, id);
    try {
      await fsp.mkdir(dir); // not recursive: EEXIST if another process took this id
      break;
    } catch (e) {
      if (errCode(e) !== 'EEXIST' || attempt >= 50) throw e;
    }
  }
  const paths = runPaths(dir);
  await fsp.mkdir(paths.checkpoints);
  await fsp.mkdir(paths.predictions);
  const app = appPackageJson();
  const card = {
    id,
    experiment: init.experiment,
    createdAt: now.toISOString(),
    app: app ? { name: app.name, version: app.version } : null,
    tfjs: installedPackageVersion('@tensorflow/tfjs'),
    node: process.versions.node,
    ...(process.versions.electron ? { electron: process.versions.electron } : {}),
    os: { platform: platform(), arch: arch(), type: osType(), release: release() },
    hostname: hostname(),
    ...init.card, // the caller knows backend, seed and dataset fingerprint; its keys win
  };
  await writeJsonAtomic(paths.config, init.config);
  await writeJsonAtomic(paths.card, card);
  const iso = now.toISOString();
  const status: RunStatus = {
    status: 'running',
    id,
    experiment: init.experiment,
    pid: process.pid,
    hostname: hostname(),
    startedAt: iso,
    updatedAt: iso,
  };
  writeJsonAtomicSync(paths.status, status);
  fs.writeFileSync(paths.metrics, '', { flag: 'wx' });
  return makeHandle(dir, id);
}

function readStatusFile(dir: string): RunStatus {
  const file = runPaths(dir).status;
  let raw: string;
  try {
    raw = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new Error(`cannot read run status ${file}: ${(e as Error).message}`);
  }
  let s: RunStatus;
  try {
    s = JSON.parse(raw) as RunStatus;
  } catch (e) {
    throw new Error(`run status ${file} is not valid JSON: ${(e as Error).message}`);
  }
  if (!s || typeof s !== 'object' || !STATUS_VALUES.includes(s.status) || typeof s.startedAt !== 'string') {
    throw new Error(`run status ${file}: expected {status: ${STATUS_VALUES.join('|')}, startedAt, ...}, got ${raw.slice(0, 200)}`);
  }
  return s;
}

function makeHandle(dir: string, id: string): RunHandle {
  const paths = runPaths(dir);
  let metricsChecked = false;
  const writeStatus = (s: RunStatus) => writeJsonAtomicSync(paths.status, s, { overwrite: true });
  return {
    id,
    dir,
    checkpointsDir: paths.checkpoints,
    predictionsDir: paths.predictions,
    appendMetric(event: object): void {
      if (!metricsChecked) {
        dropPartialLastLine(paths.metrics); // a resumed run must not glue onto a crash's half line
        metricsChecked = true;
      }
      fs.appendFileSync(paths.metrics, `${JSON.stringify(event)}\n`);
    },
    setStatus(status, extra = {}) {
      if (!STATUS_VALUES.includes(status)) throw new Error(`setStatus: unknown status ${JSON.stringify(status)}`);
      const prev = readStatusFile(dir);
      const iso = new Date().toISOString();
      const next: RunStatus = { ...prev, status, updatedAt: iso };
      if (status === 'running') {
        next.pid = process.pid; // resuming: this process now owns the run
        next.hostname = hostname();
        delete next.endedAt;
        delete next.error;
      } else {
        next.endedAt = iso;
        if (extra.error !== undefined) next.error = extra.error;
      }
      writeStatus(next);
      return next;
    },
    heartbeat(): void {
      const prev = readStatusFile(dir);
      writeStatus({ ...prev, updatedAt: new Date().toISOString() });
    },
    readStatus: () => readStatusFile(dir),
    async writeJson(relPath, value, opts = {}) {
      const target = resolve(dir, relPath);
      const rel = relative(dir, target);
      if (!rel || rel.startsWith('..') || isAbsolute(rel)) throw new Error(`writeJson: ${relPath} is not inside run folder ${dir}`);
      await fsp.mkdir(resolve(target, '..'), { recursive: true });
      await writeJsonAtomic(target, value, { overwrite: opts.overwrite ?? false });
      return target;
    },
    async writeSummary(summary) {
      await writeFileAtomic(paths.summary, `${JSON.stringify(summary, null, 2)}\n`, { overwrite: true });
    },
  };
}

/** Truncate metrics.jsonl after its last newline (the tail of a write cut by a crash). */
function dropPartialLastLine(file: string): void {
  let size: number;
  try {
    size = fs.statSync(file).size;
  } catch (e) {
    if (errCode(e) === 'ENOENT') return;
    throw e;
  }
  if (size === 0) return;
  const fd = fs.openSync(file, 'r+');
  try {
    // Scan backwards in blocks for the last '\n'.
    const block = Buffer.alloc(64 * 1024);
    let end = size;
    while (end > 0) {
      const start = Math.max(0, end - block.length);
      const n = fs.readSync(fd, block, 0, end - start, start);
      const i = block.subarray(0, n).lastIndexOf(0x0a);
      if (i >= 0) {
        const keep = start + i + 1;
        if (keep < size) fs.ftruncateSync(fd, keep);
        return;
      }
      end = start;
    }
    fs.ftruncateSync(fd, 0); // no complete line at all
  } finally {
    fs.closeSync(fd);
  }
}

/** Run folders directly under root (those with a status.json). Missing root → []. */
async function runDirs(root: string): Promise<string[]> {
  let entries: fs.Dirent[];
  try {
    entries = await fsp.readdir(root, { withFileTypes: true });
  } catch (e) {
    if (errCode(e) === 'ENOENT') return [];
    throw e;
  }
  return entries
    .filter((e) => e.isDirectory() && !e.name.startsWith('.') && fs.existsSync(join(root, e.name, 'status.json')))
    .map((e) => e.name);
}

/**
 * Open an existing run by id, unique id prefix, or folder path (for resuming, predicting,
 * viewing). Errors list the candidates when the prefix is ambiguous or matches nothing.
 */
export async function openRun(root: string, idOrPrefixOrPath: string): Promise<RunHandle> {
  const q = idOrPrefixOrPath;
  const looksLikePath = q.includes('/') || q.includes(sep) || isAbsolute(q);
  if (looksLikePath) {
    const dir = resolve(q);
    if (!fs.existsSync(runPaths(dir).status)) throw new Error(`openRun: ${dir} is not a run folder (no status.json)`);
    return makeHandle(dir, readStatusFile(dir).id ?? dir.split(sep).pop()!);
  }
  const ids = await runDirs(root);
  const match = ids.includes(q) ? [q] : ids.filter((id) => id.startsWith(q));
  if (match.length === 1) return makeHandle(join(root, match[0]), match[0]);
  if (match.length === 0) {
    const some = ids.sort().reverse().slice(0, 10);
    throw new Error(
      `openRun: no run matches ${JSON.stringify(q)} in ${root}` +
        (some.length ? `; newest runs: ${some.join(', ')}` : ' (no runs there)'),
    );
  }
  throw new Error(`openRun: ${JSON.stringify(q)} is ambiguous in ${root}; it matches: ${match.sort().join(', ')}`);
}

/** What a stored status really means now: 'running' with a dead process or stale heartbeat is 'interrupted'. */
export function effectiveStatus(s: RunStatus, opts: LivenessOptions = {}): RunStatusValue {
  if (s.status !== 'running') return s.status;
  const now = (opts.now ?? new Date()).getTime();
  const isAlive = opts.isPidAlive ?? defaultIsPidAlive;
  if (s.hostname === hostname() && typeof s.pid === 'number' && !isAlive(s.pid)) return 'interrupted';
  const beat = Date.parse(s.updatedAt ?? s.startedAt);
  if (!Number.isFinite(beat) || now - beat > (opts.staleAfterMs ?? DEFAULT_STALE_AFTER_MS)) return 'interrupted';
  return 'running';
}

/** card.json's backend.chosen; undefined when the card is missing or says none (listing never fails on it). */
async function readCardBackend(file: string): Promise<string | undefined> {
  try {
    const chosen = (JSON.parse(await fsp.readFile(file, 'utf8')) as { backend?: { chosen?: unknown } }).backend?.chosen;
    return typeof chosen === 'string' ? chosen : undefined;
  } catch {
    return undefined;
  }
}

/** All runs under root, newest first (by startedAt), with their effective status. */
export async function listRuns(root: string, opts: LivenessOptions = {}): Promise<ListedRun[]> {
  const out: ListedRun[] = [];
  for (const id of await runDirs(root)) {
    const dir = join(root, id);
    let s: RunStatus;
    try {
      s = readStatusFile(dir);
    } catch (e) {
      out.push({ id, dir, experiment: '', status: 'unreadable', startedAt: '', problem: (e as Error).message });
      continue;
    }
    const run: ListedRun = {
      id,
      dir,
      experiment: s.experiment,
      status: effectiveStatus(s, opts),
      startedAt: s.startedAt,
    };
    if (s.endedAt) run.endedAt = s.endedAt;
    const backend = await readCardBackend(runPaths(dir).card);
    if (backend) run.backend = backend;
    const summaryFile = runPaths(dir).summary;
    if (fs.existsSync(summaryFile)) {
      try {
        run.summary = JSON.parse(await fsp.readFile(summaryFile, 'utf8'));
      } catch (e) {
        run.problem = `summary ${summaryFile} is not valid JSON: ${(e as Error).message}`;
      }
    }
    out.push(run);
  }
  return out.sort((a, b) => (a.startedAt === b.startedAt ? (a.id < b.id ? 1 : -1) : a.startedAt < b.startedAt ? 1 : -1));
}

/**
 * Parse metrics.jsonl. A last line without its newline that does not parse is the tail of a
 * write cut short by a crash and is dropped; a bad line anywhere else is corruption and throws,
 * naming the file and line.
 */
export async function readMetrics(dir: string): Promise<Record<string, unknown>[]> {
  const file = runPaths(dir).metrics;
  let text: string;
  try {
    text = await fsp.readFile(file, 'utf8');
  } catch (e) {
    if (errCode(e) === 'ENOENT') return [];
    throw e;
  }
  const lines = text.split('\n');
  const events: Record<string, unknown>[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line.trim() === '') continue;
    const isUnterminatedLast = i === lines.length - 1; // split leaves '' last when the file ends in '\n'
    try {
      events.push(JSON.parse(line) as Record<string, unknown>);
    } catch (e) {
      if (isUnterminatedLast) break;
      throw new Error(`${file}:${i + 1}: not valid JSON (${(e as Error).message}): ${line.slice(0, 120)}`);
    }
  }
  return events;
}
