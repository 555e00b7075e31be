/**
 * The student's optimiser: SGD with Nesterov momentum and weight decay as the SPL-ADVisE code
 * [C] (sgd.ts), or Adam (core/adam.ts, weight decay decoupled) for short runs where SGD from
 * PyTorch's LeNet init barely starts learning in a few hundred steps (the `tiny` preset).
 */
import type * as tf from '@tensorflow/tfjs';
import { Adam } from '../../core/adam';
import { NesterovSgd } from './sgd';

export type StudentOptimizerKind = 'sgd' | 'adam';

export interface StudentOptimizer {
  apply(grads: Map<string, tf.Tensor>, lr: number): void;
  /** Saveable state (momentum buffers or Adam moments), borrowed. */
  stateTensors(): Map<string, tf.Tensor>;
  /** Counters to save beside the tensors (Adam's step). */
  counters(): { step: number };
  loadState(tensors: Map<string, { shape: number[]; data: Float32Array | Int32Array | Uint8Array }>, counters: { step: number }): void;
  dispose(): void;
}

export function createStudentOptimizer(kind: StudentOptimizerKind, named: Map<string, tf.Variable>, s: { momentum: number; weightDecay: number }): StudentOptimizer {
  if (kind === 'sgd') {
    const sgd = new NesterovSgd(named, { momentum: s.momentum, weightDecay: s.weightDecay });
    return {
      apply: (g, lr) => sgd.apply(g, lr),
      stateTensors: () => sgd.stateTensors(),
      counters: () => ({ step: 0 }),
      loadState: (t) => sgd.loadState(t),
      dispose: () => sgd.dispose(),
    };
  }
  if (kind === 'adam') {
    const adam = new Adam(named, { weightDecay: s.weightDecay });
    return {
      apply: (g, lr) => adam.apply(g, lr),
      stateTensors: () => adam.stateTensors(),
      counters: () => ({ step: adam.step }),
      loadState: (t, c) => adam.loadState(t as Map<string, { shape: number[]; data: Float32Array }>, c.step),
      dispose: () => adam.dispose(),
    };
  }
  throw new Error(`student optimiser '${String(kind)}' must be 'sgd' or 'adam'`);
}
