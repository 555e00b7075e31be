import { describe, expect, it } from 'vitest';
import { configJsonSchema, resolveConfig } from '../config';
import { selfPacedExperiment } from '.';
import { selfPacedSettings, studentLrAt, studentUpdatesAtMost } from './config';

describe('spl-advise config', () => {
  it('defaults are the paper\'s settings; presets resolve; every key has a title and a description', () => {
    const paper = resolveConfig(selfPacedExperiment, { preset: 'paper' });
    expect(paper).toMatchObject({ dataset: 'fashion-mnist', method: 'spl-advise', clustersPerClass: 8, clustersPerBatch: 8, examplesPerCluster: 8, magnetAlpha: 1, embeddingLr: 1e-4, embeddingSteps: 15 * 938, epochs: 60, batchSize: 64, optimizer: 'sgd', lr: 0.1, momentum: 0.9, weightDecay: 5e-4, gamma0: 0.5, lambdaGrowth: 1.1, gammaGrowth: 1.1, augment: true, lossScoring: 'as-trained' });
    expect(paper.embeddingChannels).toEqual([32, 64]);
    for (const name of Object.keys(selfPacedExperiment.presets)) expect(() => resolveConfig(selfPacedExperiment, { preset: name })).not.toThrow();
    const schema = configJsonSchema(selfPacedExperiment);
    for (const [key, prop] of Object.entries(schema.properties)) {
      expect((prop as { title?: string }).title, key).toBeTruthy();
      expect(prop.description, key).toBeTruthy();
    }
    expect(schema.properties.method.enum).toEqual(['spl-advise', 'spld', 'random', 'all']);
  });

  it('rejects bad values and unknown keys naming the key', () => {
    expect(() => resolveConfig(selfPacedExperiment, { overrides: { channels: 2 } })).toThrow(/channels: must be 1 \(grey\) or 3 \(RGB\)/);
    expect(() => resolveConfig(selfPacedExperiment, { overrides: { clustersPerBatch: 1 } })).toThrow(/clustersPerBatch: Too small/);
    expect(() => resolveConfig(selfPacedExperiment, { overrides: { lossScoring: 'sometimes' } })).toThrow(/lossScoring: Invalid option/);
    expect(() => resolveConfig(selfPacedExperiment, { overrides: { clusters: 8 } })).toThrow(/Unrecognized key: "clusters"/);
  });

  it('maps 0 to "unset" for λ₀ and the quota; decays the student lr at the milestones', () => {
    const c = resolveConfig(selfPacedExperiment, { overrides: { lambda0: 0, quota0: 0 } });
    expect(selfPacedSettings(c)).toMatchObject({ lambda0: null, quota0: null, startFraction: 0.5, gamma0: 0.5 });
    expect(selfPacedSettings(resolveConfig(selfPacedExperiment, { overrides: { lambda0: 0.7, quota0: 500 } }))).toMatchObject({ lambda0: 0.7, quota0: 500 });
    // lr 0.1, ×0.1 at epochs 6 and 9: epochs 0–5 → 0.1, 6–8 → 0.01, 9+ → 0.001.
    const s = { lr: 0.1, lrDecayEpochs: [6, 9], lrDecayUpdates: [], lrDecayFactor: 0.1 };
    expect([0, 5, 6, 8, 9, 20].map((e) => studentLrAt(s, e, 0))).toEqual([0.1, 0.1, 0.01, 0.01, 0.001, 0.001].map((v) => expect.closeTo(v, 12)));
    // milestones in updates (the code's form) count with those in epochs
    const u = { lr: 0.1, lrDecayEpochs: [3], lrDecayUpdates: [100, 250], lrDecayFactor: 0.5 };
    expect([[0, 99], [0, 100], [2, 249], [3, 249], [3, 250]].map(([e, n]) => studentLrAt(u, e, n))).toEqual([0.1, 0.05, 0.05, 0.025, 0.0125].map((v) => expect.closeTo(v, 12)));
  });

  it('bounds the student updates by the budget or by full-pass epochs, whichever is smaller', () => {
    // 1000 images at batch 64 = 16 updates per full epoch
    expect(studentUpdatesAtMost({ epochs: 10, batchSize: 64, studentUpdates: 0 }, 1000)).toBe(160);
    expect(studentUpdatesAtMost({ epochs: 10, batchSize: 64, studentUpdates: 100 }, 1000)).toBe(100);
    expect(studentUpdatesAtMost({ epochs: 5, batchSize: 64, studentUpdates: 100 }, 1000)).toBe(80);
    // the paper: 60 000 images, 23 400 updates = 24.9 full epochs, within its 60
    expect(studentUpdatesAtMost({ epochs: 60, batchSize: 64, studentUpdates: 23400 }, 60000)).toBe(23400);
  });
});
