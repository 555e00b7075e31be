/**
 * How the CLI shows engine events (src/cli/output.ts) and lists runs (src/cli/commands.ts): the
 * started line with the backend and total, one line per curriculum event, a progress bar whose
 * total follows the step events, and a `frugal runs` line with backend, steps and key number.
 */
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { stamp, type EngineEvent, type EngineEventInput } from '../src/shared/events';
import { runLine } from '../src/cli/commands';
import { describeEvent, textSink } from '../src/cli/output';

const ev = (e: EngineEventInput): EngineEvent => stamp(e);
const memory = { tensors: 10, tensorBytes: 1000, rssBytes: 300 * 2 ** 20 };
const step = (s: number, total: number) => ev({ type: 'step', step: s, totalSteps: total, epoch: s / 10, loss: 0.5, lr: 1e-3, stepMs: 20, etaSec: 3, memory });

/** A terminal that keeps what is written to it. */
function fakeTty(): { stream: Writable & { isTTY: boolean; columns: number }; text: () => string } {
  const chunks: string[] = [];
  const stream = Object.assign(
    new Writable({
      write(chunk: Buffer | string, _enc, done) {
        chunks.push(chunk.toString());
        done();
      },
    }),
    { isTTY: true, columns: 200 },
  );
  return { stream, text: () => chunks.join('') };
}

describe('CLI output', () => {
  it('says the backend and the total steps when a run starts', () => {
    const line = describeEvent(ev({ type: 'started', runId: 'r1', runDir: '/runs/r1', experiment: 'dhp-continual', backend: 'wasm', startStep: 0, totalSteps: 30 }));
    expect(line).toBe('run r1 (dhp-continual) on wasm, 30 steps\n  /runs/r1');
  });

  it('prints one line per curriculum event: admitted fraction, λ, γ, test accuracy', () => {
    const first = describeEvent(ev({ type: 'curriculum', step: 62, epoch: 0, method: 'spl-advise', admittedFraction: 1, testAccuracy: 0.434 }));
    expect(first).toBe('epoch 0 @ step 62 (spl-advise): 100.0% of the training set admitted; test accuracy 0.4340');
    const paced = describeEvent(ev({ type: 'curriculum', step: 84, epoch: 1, method: 'spl-advise', admittedFraction: 0.5667, testAccuracy: 0.558, lambda: 2.13417, gamma: 0.5 }));
    expect(paced).toBe('epoch 1 @ step 84 (spl-advise): 56.7% of the training set admitted, λ 2.134 γ 0.5000; test accuracy 0.5580');
  });

  it('moves the progress bar to the total a step event carries when the run revises it', () => {
    const tty = fakeTty();
    const sink = textSink({ tty: true, stream: tty.stream });
    sink.event(step(1, 138));
    sink.event(step(70, 122)); // a self-paced epoch admitted fewer images
    sink.close();
    expect(tty.text()).toContain('70/122');
    expect(tty.text()).not.toContain('70/138');
  });

  it('lists a run with its backend, steps and key number', () => {
    const base = { id: '20261127-184519-dhp-continual-ace1', dir: '/runs/x', experiment: 'dhp-continual', status: 'completed' as const, startedAt: '2026-11-27T18:45:19Z' };
    expect(runLine({ ...base, backend: 'wasm', summary: { steps: 30, totalSteps: 30, averageAccuracy: 0.974 } })).toBe('20261127-184519-dhp-continual-ace1  completed   on wasm, 30/30 steps, average accuracy 0.9740');
    expect(runLine({ ...base, summary: { steps: 12 } })).toBe('20261127-184519-dhp-continual-ace1  completed   12 steps'); // no card backend, no total: no 'undefined'
  });
});
