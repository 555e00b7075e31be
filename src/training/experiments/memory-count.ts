/**
 * 'experiments:estimateMemory' for the MLP and LeNet experiments (dhp-continual, spl-advise):
 * peak training tensor memory counted from the config's shapes, with per-operation factors
 * measured once (below). These models are small and their memory is a sum of known shapes, so
 * a count needs no tensor work and can answer while a job trains. In float32 values:
 *
 *   persistent  parameters, optimiser state (SGD momentum 1×, Adam 2×), method state (the
 *               Hebbian trace; EWC's Fisher and anchor per task, Online EWC's and MAS's importance
 *               and anchor, SI's Ω, anchor, path integral and start point)
 *   + the largest transient of: the backward pass of one update, the optimiser's update, one
 *               evaluation batch, one importance pass (EWC, Online EWC, MAS)
 *
 * spl-advise trains its phases one after the other (the embedding CNN is freed before the
 * student starts), so its peak is the larger phase's. The contract's answer has a reversible and
 * a standard figure; these experiments have no reversible variant, so both are the same count.
 */
import type { MemoryEstimate } from '../../shared/api';
import { MIXTURE_ORDER, MIXTURE_SHAPE } from '../data/mnist';
import { taskCount, type ContinualConfig } from './continual/config';
import { needsEmbedding, PACKAGED_DATASETS, type SelfPacedExperimentConfig } from './self-paced/config';
import { lenetConfig, lenetFeatureSize, type LeNetConfig } from '../models/lenet';

/**
 * Factors measured with tf.profile (backend/memory.ts measurePeak) around one update of each
 * model at two batch sizes and two widths, on cpu and wasm; the larger backend's kept, so the
 * count is an upper bound (exact on wasm, up to ~25 % over on cpu's typed-array paths).
 */
export const MEASURED = {
  /** Parameter-sized sets alive at the backward pass's peak (the weight gradients and one more). */
  backwardParams: 2,
  /** Parameter-sized sets while the optimiser updates: the gradients plus its intermediates in one tf.tidy (SGD's tfjs path 2, Adam's 14: core/adam.ts). */
  updateParams: { sgd: 3, adam: 15 },
  /** MLP backward pass, values per image: input 2, each hidden unit 6 (matMul, +bias, ReLU, ReLU mask, masked gradient, gradient to the input), each class 8. */
  mlpPerImage: { input: 2, hidden: 6, classes: 8 },
  /** DHP Softmax's extra: m×d intermediates of the plastic weights and Hebbian update, and the head's gradient to h twice per image. */
  dhp: { headSets: 19, hiddenPerImage: 2 },
  /** LeNet backward pass per forward value (cpu 2.8, wasm 3.5–3.6: its pooling route), and an evaluation batch's (cpu 1.02, wasm 1.02–1.1). */
  lenetTrainPerValue: 3.65,
  lenetEvalPerValue: 1.1,
  /** Slow-weight-sized sets of an importance pass (wasm's tfjs ops; 2 on cpu's typed-array path). */
  importanceSlow: 5,
} as const;

const F32 = 4;
const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);
const mb = (floats: number) => `${((floats * F32) / 2 ** 20).toFixed(2)} MB`;

export interface MemoryCount {
  /** Parameters (trainable values) of the model that sets the peak. */
  readonly parameters: number;
  /** Values alive for the whole run (or phase), by what they are. */
  readonly persistent: Readonly<Record<string, number>>;
  /** The transients; the largest one counts. */
  readonly transient: Readonly<Record<string, number>>;
  /** Peak values: persistent + the largest transient. */
  readonly peakFloats: number;
}

function count(parameters: number, persistent: Record<string, number>, transient: Record<string, number>): MemoryCount {
  return { parameters, persistent, transient, peakFloats: sum(Object.values(persistent)) + Math.max(0, ...Object.values(transient)) };
}

const list = (r: Readonly<Record<string, number>>) =>
  Object.entries(r)
    .filter(([, v]) => v > 0)
    .map(([k, v]) => `${k} ${mb(v)}`)
    .join(', ');

/** The continual MLP: inputs → hidden widths → classes, from the benchmark (no data is read). */
export function continualMemoryCount(c: ContinualConfig): MemoryCount & { inputShape: [number, number, number]; classes: number } {
  const mixture = c.benchmark === 'vision-mixture';
  const shape = mixture ? MIXTURE_SHAPE : { height: 28, width: 28, channels: 1 };
  const inputs = shape.height * shape.width * shape.channels;
  const d = mixture ? 10 * MIXTURE_ORDER.length : 10;
  let body = 0;
  let m = inputs;
  for (const h of c.hiddenSizes) {
    body += m * h + h; // weights [in, out] and bias
    m = h;
  }
  const dhp = c.head === 'dhp';
  const params = body + (dhp ? 2 * m * d + 1 : m * d + d); // DHP: θ, α [m, d] and η; softmax: W, b
  const slow = body + (dhp ? m * d : m * d + d); // what consolidation anchors (not α, η)
  const method = { none: 0, ewc: 2 * slow * taskCount(c), 'online-ewc': 2 * slow, si: 4 * slow, mas: 2 * slow }[c.importance];
  const b = c.batchSize;
  const k = MEASURED.mlpPerImage;
  const backward = MEASURED.backwardParams * params + b * (k.input * inputs + k.hidden * sum(c.hiddenSizes) + k.classes * d) + (dhp ? MEASURED.dhp.headSets * m * d + MEASURED.dhp.hiddenPerImage * b * m : 0);
  const n = count(
    params,
    { parameters: params, 'optimiser state': c.optimizer === 'adam' ? 2 * params : 0, 'Hebbian trace': dhp ? m * d : 0, [`${c.importance} state`]: method },
    {
      [`backward pass at batch ${b}`]: backward,
      [`${c.optimizer} update`]: MEASURED.updateParams[c.optimizer] * params + b * inputs + (dhp ? m * d : 0), // the batch and the new trace are alive
      [`evaluation batch of ${c.evalBatchSize}`]: c.evalBatchSize * (inputs + 3 * sum(c.hiddenSizes) + d),
      'importance pass': c.importance === 'ewc' || c.importance === 'online-ewc' || c.importance === 'mas' ? MEASURED.importanceSlow * slow + b * (inputs + 2 * d) : 0,
    },
  );
  return { ...n, inputShape: [shape.height, shape.width, shape.channels], classes: d };
}

/**
 * Parameters and forward values per image of a LeNet (models/lenet.ts): the input; per conv
 * stage its output, +bias, ReLU and the pooled map; per dense layer its output, +bias, ReLU; the
 * outputs and their bias.
 */
export function lenetCounts(cfg: LeNetConfig): { parameters: number; forwardValues: number } {
  const k = cfg.kernelSize;
  let parameters = 0;
  let size = cfg.inputSize;
  let cin = cfg.inChannels;
  let values = size * size * cin;
  for (const c of cfg.convChannels) {
    parameters += k * k * cin * c + c;
    const conv = cfg.padding === 'same' ? size : size - k + 1;
    size = Math.floor(conv / 2);
    values += 3 * conv * conv * c + size * size * c;
    cin = c;
  }
  let width = lenetFeatureSize(cfg);
  for (const h of cfg.hidden) {
    parameters += width * h + h;
    values += 3 * h;
    width = h;
  }
  parameters += width * cfg.outDim + cfg.outDim;
  return { parameters, forwardValues: values + 2 * cfg.outDim };
}

/** One LeNet trained at `batch` with `optimizer`, evaluated `evalBatch` images at a time. */
function lenetPhase(name: string, cfg: LeNetConfig, optimizer: 'sgd' | 'adam', batch: number, evalBatch: number): MemoryCount {
  const { parameters: p, forwardValues: v } = lenetCounts(cfg);
  const inputs = cfg.inputSize * cfg.inputSize * cfg.inChannels;
  return count(
    p,
    { [`${name} parameters`]: p, [`${name} ${optimizer === 'adam' ? 'Adam' : 'momentum'} state`]: optimizer === 'adam' ? 2 * p : p },
    {
      [`${name} backward pass at batch ${batch}`]: MEASURED.backwardParams * p + Math.ceil(MEASURED.lenetTrainPerValue * v) * batch,
      [`${name} ${optimizer} update`]: MEASURED.updateParams[optimizer] * p + batch * inputs,
      [`${name} forward batch of ${evalBatch}`]: Math.ceil(MEASURED.lenetEvalPerValue * v) * evalBatch,
    },
  );
}

/** SPL-ADVisE: the Magnet embedding phase (spl-advise only), then the LeNet-5 student. */
export function selfPacedMemoryCount(c: SelfPacedExperimentConfig): MemoryCount & { inputShape: [number, number, number]; classes: number; phase: 'embedding' | 'student' } {
  const packaged = (PACKAGED_DATASETS as readonly string[]).includes(c.dataset);
  const [size, channels] = packaged ? [28, 1] : [c.imageSize, c.channels];
  const classes = 10; // the packaged sets' count; a folder's is only known once it is read (it changes ~84 values per class)
  const shape = { inputShape: [size, size, channels] as [number, number, number], classes };
  const student = lenetPhase('student', lenetConfig('lenet5', { inputSize: size, inChannels: channels, outDim: classes }), c.optimizer, c.batchSize, c.evalBatch);
  if (!needsEmbedding(c.method)) return { ...student, ...shape, phase: 'student' };
  const embCfg = lenetConfig('magnet-embedding', { inputSize: size, inChannels: channels, convChannels: c.embeddingChannels, outDim: c.embeddingDim });
  const embedding = lenetPhase('embedding', embCfg, 'adam', c.clustersPerBatch * c.examplesPerCluster, c.evalBatch);
  return embedding.peakFloats > student.peakFloats ? { ...embedding, ...shape, phase: 'embedding' } : { ...student, ...shape, phase: 'student' };
}

function answer(n: MemoryCount & { inputShape: [number, number, number] }, batchSize: number, what: string): MemoryEstimate {
  const bytes = n.peakFloats * F32;
  return {
    patch: n.inputShape,
    batchSize,
    reversibleBytes: bytes,
    standardBytes: bytes,
    basis:
      `counted from the config (its shapes × per-operation factors measured on cpu and wasm; an upper bound): ${what}, ${n.parameters.toLocaleString('en')} parameters; ` +
      `float32 tensors: ${list(n.persistent)}; plus the largest of: ${list(n.transient)}. ` +
      'No reversible variant: both figures are this network. Tensor memory only: the images (one byte per pixel) and the process itself add more.',
  };
}

export function estimateContinualMemory(c: ContinualConfig): MemoryEstimate {
  const n = continualMemoryCount(c);
  return answer(n, c.batchSize, `MLP ${[n.inputShape.reduce((a, b) => a * b, 1), ...c.hiddenSizes, n.classes].join('→')} with a ${c.head === 'dhp' ? 'DHP Softmax' : 'softmax'} head`);
}

export function estimateSelfPacedMemory(c: SelfPacedExperimentConfig): MemoryEstimate {
  const n = selfPacedMemoryCount(c);
  if (n.phase === 'embedding') return answer(n, c.clustersPerBatch * c.examplesPerCluster, 'the Magnet embedding CNN, the larger of the two phases');
  return answer(n, c.batchSize, `the LeNet-5 student${needsEmbedding(c.method) ? ', the larger of the two phases' : ''}`);
}
