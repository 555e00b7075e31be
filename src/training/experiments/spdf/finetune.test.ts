/**
 * The fine-tuning layout: a pair is `source ⟨eot⟩ ␠reference ⟨eot⟩`, the loss mask covers exactly
 * the positions that predict the reference and its end token, padding is ⟨eot⟩ with mask 0, and a
 * pair longer than the window keeps the end of its prompt and the start of its target.
 */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { buildCharTokenizer } from '../../text/tokenizer';
import { encodePair, finetuneSteps, pairBatch } from './finetune';

const tok = buildCharTokenizer('abc xyz');

describe('SPDF fine-tuning batches', () => {
  it('mask the positions that predict the reference and its end token', () => {
    const p = encodePair(tok, 'ab', 'xy', 100);
    const ids = (s: string) => tok.encode(s);
    expect(p.ids).toEqual([...ids('ab'), tok.eot, ...ids(' xy'), tok.eot]); // 2 + 1 + 3 + 1 = 7 tokens
    expect(p.promptLen).toBe(3);
    expect(p.cut).toBe(false);
    const q = encodePair(tok, 'c', 'z', 100); // 5 tokens: padded to 7 with ⟨eot⟩
    const b = pairBatch([p, q], tok.eot);
    expect(b.windows.shape).toEqual([2, 7]);
    expect(Array.from(b.windows.dataSync()).slice(7)).toEqual([...q.ids, tok.eot, tok.eot]);
    // Position j predicts token j+1: row 0's targets are tokens 3..6, so positions 2..5.
    expect(Array.from(b.lossMask.dataSync())).toEqual([0, 0, 1, 1, 1, 1, /* row 1: targets 2..4 */ 0, 1, 1, 1, 0, 0]);
    expect(b.tokens).toBe(2 * 6);
    tf.dispose([b.windows, b.lossMask]);
  });

  it('cut a long pair to the window, keeping the end of the prompt and the start of the target', () => {
    const p = encodePair(tok, 'abcabcabcabc', 'xyzxyzxyz', 10); // prompt 13, target 11 tokens
    expect(p.cut).toBe(true);
    expect(p.ids).toHaveLength(10);
    expect(p.promptLen).toBe(5); // half the window for the prompt: its last 4 characters and ⟨eot⟩
    expect(p.ids.slice(0, 5)).toEqual([...tok.encode('cabc'), tok.eot]);
    expect(p.ids.slice(5)).toEqual(tok.encode(' xyzx'));
  });

  it('count updates from epochs, capped by maxSteps', () => {
    expect(finetuneSteps({ epochs: 2, batchSize: 8, maxSteps: 0 }, 801)).toEqual({ totalSteps: 202, stepsPerEpoch: 101 });
    expect(finetuneSteps({ epochs: 2, batchSize: 8, maxSteps: 120 }, 801)).toEqual({ totalSteps: 120, stepsPerEpoch: 101 });
  });
});
