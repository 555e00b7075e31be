// The run list's key result from a run's summary (lib/run-result.ts), for each kind of experiment.
import { describe, expect, it } from 'vitest';
import { runResult } from '../../src/renderer/lib/run-result';

describe('runResult', () => {
  it('names the key number of each kind of run', () => {
    expect(runResult({ bestDiceMean: 0.71666 })).toBe('Dice 0.717');
    expect(runResult({ method: 'DHP+SI', averageAccuracy: 0.9634, meanForgetting: 0.01 })).toBe('DHP+SI · ACC 96.3 %');
    expect(runResult({ method: 'spld', finalTestAccuracy: 0.332 })).toBe('spld · test 33.2 %');
    expect(runResult({ task: 'classification', top1: 0.4, top5: 1 })).toBe('top-1 40.0 %');
    expect(runResult({ task: 'detection', stats: { AP: 0.41307, AP50: 0.86262 } })).toBe('AP 0.413 · AP50 0.863');
    expect(runResult({ task: 'spdf-pretrain', variant: 'Sparse 75 %', valLoss: 1.23456 })).toBe('Sparse 75 % · val loss 1.235');
    expect(runResult({ task: 'spdf-finetune', variant: 'Sparse 75 % → dense FT (SPDF)', valLoss: 0.5, bleu: 41.26 })).toBe('Sparse 75 % → dense FT (SPDF) · val loss 0.500 · BLEU 41.3');
  });

  it('says what it can of a run without results yet', () => {
    expect(runResult(undefined)).toBe('—');
    expect(runResult({ steps: 3 })).toBe('—');
    expect(runResult({ method: 'Finetune', averageAccuracy: null })).toBe('Finetune');
  });
});
