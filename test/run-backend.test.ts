/**
 * The backend a run trains on (src/training/runs/backend.ts): a matMul-bound experiment moves an
 * engine that settled on cpu automatically to wasm, and back when the run ends; a forced choice,
 * a 3D-convolution experiment and a wasm the engine already found unusable stay where they are.
 */
import * as tf from '@tensorflow/tfjs';
import { afterEach, describe, expect, it } from 'vitest';
import { selectBackend, type BackendReport, type CandidateOutcome } from '../src/training/backend/select';
import { currentBackend, runBackend } from '../src/training/runs/backend';

/** The engine's report as an automatic choice of cpu would read (wasm skipped for 3D convolutions). */
function autoCpu(over: Partial<BackendReport> = {}, wasm: Partial<CandidateOutcome> = {}): BackendReport {
  return {
    chosen: 'cpu',
    device: 'CPU (JavaScript, 1 thread)',
    candidates: [
      { name: 'tensorflow', status: 'unavailable', reason: 'not installed' },
      { name: 'wasm', status: 'skipped', reason: 'not used for 3D convolutions', ...wasm },
      { name: 'cpu', status: 'chosen', reason: 'pure JavaScript, always available' },
    ],
    tfjsVersion: tf.version.tfjs,
    versions: { tfjs: tf.version.tfjs },
    threads: 1,
    ...over,
  };
}

describe('runBackend', () => {
  afterEach(async () => {
    await tf.setBackend('cpu');
  });

  it('moves a matmul run from an automatic cpu engine to wasm, reports wasm as chosen (not forced), and moves back', async () => {
    const engine = autoCpu();
    const asked: unknown[] = [];
    const b = await runBackend('matmul', engine, async (o) => {
      asked.push(o);
      return selectBackend(o);
    });
    expect(asked).toEqual([{ prefer: 'wasm', env: {} }]); // env {}: a FRUGAL_BACKEND in the environment is the engine's business
    expect(tf.getBackend()).toBe('wasm');
    expect(b.report).toMatchObject({ chosen: 'wasm', device: 'CPU (WebAssembly)' });
    expect(b.report.forcedBy).toBeUndefined();
    expect(b.report.candidates.map((c) => [c.name, c.status])).toEqual([
      ['tensorflow', 'unavailable'],
      ['wasm', 'chosen'],
      ['cpu', 'skipped'],
    ]);
    expect(b.note).toMatch(/^backend: wasm \(CPU \(WebAssembly\)\) instead of the engine's cpu/);
    expect(currentBackend(engine)).toBe(b.report); // what the engine's status says while the run trains
    await b.restore();
    expect(tf.getBackend()).toBe('cpu');
    expect(currentBackend(engine)).toBe(engine);
  });

  it('leaves a forced backend, a conv3d experiment and a wasm the engine could not load alone', async () => {
    const never = async (): Promise<BackendReport> => {
      throw new Error('select must not be called');
    };
    const forced = autoCpu({ forcedBy: 'FRUGAL_BACKEND=cpu' });
    expect((await runBackend('matmul', forced, never)).report).toBe(forced);
    expect((await runBackend('conv3d', autoCpu(), never)).report.chosen).toBe('cpu');
    const broken = autoCpu({}, { status: 'failed', reason: 'installed but failed to load' });
    const b = await runBackend('matmul', broken, never);
    expect(b.report).toBe(broken);
    expect(b.note).toBeUndefined();
    expect(tf.getBackend()).toBe('cpu');
  });

  it('stays on cpu, saying why, when wasm cannot be started', async () => {
    const b = await runBackend('matmul', autoCpu(), async () => {
      throw new Error('no wasm here\nsecond line');
    });
    expect(tf.getBackend()).toBe('cpu');
    expect(b.report.chosen).toBe('cpu');
    expect(b.report.candidates.find((c) => c.name === 'wasm')).toMatchObject({ status: 'failed', reason: expect.stringContaining('no wasm here second line') });
    expect(b.note).toBe('backend: cpu, because wasm could not be started (no wasm here second line)');
  });

  it("puts a run back on the engine's backend when an earlier run left another active", async () => {
    await selectBackend({ prefer: 'wasm', env: {} });
    expect(tf.getBackend()).toBe('wasm');
    const b = await runBackend('conv3d', autoCpu());
    expect(tf.getBackend()).toBe('cpu'); // a BraTS run never trains on wasm
    expect(b.report.chosen).toBe('cpu');
  });
});
