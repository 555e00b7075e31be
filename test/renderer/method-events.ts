/** Hand-made continual and self-paced learning events for the renderer's tests (shapes of src/shared/events.ts). */
import type { EngineEvent } from '../../src/shared/events';

const T = '2025-01-01T00:00:00.000Z';
export const TASKS = ['0/1', '2/3', '4/5'];

export const mev = {
  taskEval: (afterTask: number, accuracies: number[], step = (afterTask + 1) * 10, plasticNorms?: number[]): EngineEvent => {
    const prev = accuracies.slice(0, afterTask);
    return {
      type: 'task-eval',
      time: T,
      step,
      afterTask,
      taskNames: TASKS,
      accuracies,
      averageAccuracy: accuracies.reduce((a, b) => a + b, 0) / accuracies.length,
      forgetting: afterTask ? prev.reduce((a, v) => a + (1 - v), 0) / afterTask : null,
      backwardTransfer: afterTask ? prev.reduce((a, v) => a + (v - 1), 0) / afterTask : null,
      ...(plasticNorms ? { plasticNorms } : {}),
    };
  },
  curriculum: (epoch: number, testAccuracy: number, admittedFraction: number, method = 'spl-advise', step = (epoch + 1) * 5): EngineEvent => ({
    type: 'curriculum',
    time: T,
    step,
    epoch,
    method,
    admittedFraction,
    testAccuracy,
    lambda: 1 + epoch,
    gamma: 0.5,
  }),
  embedding: (epoch: number, points: [number, number][], labels: number[], clusters: number[], step = (epoch + 1) * 5): EngineEvent => ({
    type: 'embedding',
    time: T,
    step,
    epoch,
    projection: 'pca',
    points,
    labels,
    clusters,
    classNames: ['zero', 'one'],
  }),
};
