/**
 * The one reversible-sequence mechanism (DESIGN.md, nn/; ENVIRONMENT.md §4).
 *
 * A reversible block maps a list of tensors to a list of tensors it can invert. A whole sequence
 * of blocks runs as ONE `tf.customGrad`: the forward pass runs untaped, block by block, freeing
 * each block's intermediates, and saves only the sequence's output. The backward pass walks the
 * blocks in reverse; each block reconstructs its inputs from its outputs and back-propagates the
 * cotangents through a recomputation of itself. Activation memory is therefore O(1) in depth
 * (one block's working set), at the price of recomputing each block once.
 *
 * Why one customGrad for the whole sequence: a customGrad per block would keep every block's
 * output alive on the tape, and memory would grow with depth again.
 *
 * tfjs constraints this file works around:
 * - Variables read inside a customGrad forward get no gradient (the forward is untaped), so every
 *   weight is passed in as an explicit input and the gradFunc returns one gradient per input.
 * - A customGrad returns one tensor; multi-output sequences (RevBiFPN's scales) are packed into
 *   one flat tensor and unpacked outside.
 * - tfjs's backprop keeps every tensor created in a gradFunc until the whole backward pass ends,
 *   so each block's backward step runs in its own tf.tidy and the previous step's tensors are
 *   disposed by hand.
 * - A nested tf.grads inside a gradFunc clobbers the engine's active tape (see `vjp`).
 *
 * Tensor lifetimes follow DESIGN.md: inputs are borrowed, returned tensors belong to the caller.
 */
import * as tf from '@tensorflow/tfjs';
import { concatChannels, splitChannelHalves } from './channels';

export interface RevBlockBackward {
  /** The block's reconstructed inputs. */
  xs: tf.Tensor[];
  /** Cotangents of the block's inputs. */
  dxs: tf.Tensor[];
  /** Gradients of the block's weights, in the order of `weights`. */
  dws: tf.Tensor[];
}

export interface RevBlock {
  /** The block's weights, in the order `forward` and `backward` take them. */
  readonly weights: readonly tf.Tensor[];
  /** ys = block(xs). Pure: same inputs and weights, same outputs (so recomputation is exact). */
  forward(xs: tf.Tensor[], ws: readonly tf.Tensor[]): tf.Tensor[];
  /**
   * From the block's outputs and their cotangents: reconstruct the inputs and back-propagate.
   * Must not dispose its arguments; `revSequence` runs it inside a tidy.
   */
  backward(ys: tf.Tensor[], dys: tf.Tensor[], ws: readonly tf.Tensor[]): RevBlockBackward;
}

const ENGINE = tf.engine();

/**
 * Vector-Jacobian product of `f` at `xs` with cotangent `dy`: the value f(xs) and d<f, dy>/dxs.
 * Safe to call inside a customGrad gradFunc: tfjs's gradients() replaces the engine's active tape
 * when it starts at gradient depth 0 and nulls it when it ends, which breaks the enclosing
 * backward pass ("Cannot read properties of null (reading 'forEach')"); the enclosing tape is
 * restored here. This touches `engine.state.activeTape`, an internal field: tfjs is pinned at
 * 4.22.0 and reversible.test.ts checks it.
 */
export function vjp(
  f: (...xs: tf.Tensor[]) => tf.Tensor,
  xs: tf.Tensor[],
  dy: tf.Tensor,
): { value: tf.Tensor; grads: tf.Tensor[] } {
  const state = ENGINE.state as unknown as { activeTape: unknown };
  const tape = state.activeTape;
  try {
    const { value, grads } = tf.valueAndGrads(f)(xs, dy);
    return { value, grads };
  } finally {
    state.activeTape = tape;
  }
}

/**
 * Additive coupling over two halves of the channel axis (Gomez et al. 2017; METHODS.md §3):
 *   y1 = x1 + F(x2),  y2 = x2 + G(y1);   inverse: x2 = y2 − G(y1),  x1 = y1 − F(x2).
 * The backward pass recomputes G at y1 and F at x2 once each, with the tape on, and gets the
 * inverse for free from those values — 2 forward evaluations per block, the minimum.
 * F and G map [.., C/2] → [.., C/2]; `fWeights`/`gWeights` are the tensors they read.
 */
export function additiveCoupling(
  F: (x: tf.Tensor, ws: readonly tf.Tensor[]) => tf.Tensor,
  G: (x: tf.Tensor, ws: readonly tf.Tensor[]) => tf.Tensor,
  fWeights: readonly tf.Tensor[],
  gWeights: readonly tf.Tensor[],
): RevBlock {
  const nF = fWeights.length;
  return {
    weights: [...fWeights, ...gWeights],
    forward([x], ws) {
      const [x1, x2] = splitChannelHalves(x);
      const y1 = tf.add(x1, F(x2, ws.slice(0, nF)));
      const y2 = tf.add(x2, G(y1, ws.slice(nF)));
      return [concatChannels([y1, y2])];
    },
    backward([y], [dy], ws) {
      const wF = ws.slice(0, nF);
      const wG = ws.slice(nF);
      const [y1, y2] = splitChannelHalves(y);
      const [dy1, dy2] = splitChannelHalves(dy);
      const g = vjp((a, ...w) => G(a, w), [y1, ...wG], dy2);
      const x2 = tf.sub(y2, g.value);
      const dt1 = tf.add(dy1, g.grads[0]); // total cotangent of y1
      const f = vjp((a, ...w) => F(a, w), [x2, ...wF], dt1);
      const x1 = tf.sub(y1, f.value);
      const dx2 = tf.add(dy2, f.grads[0]);
      return {
        xs: [concatChannels([x1, x2])],
        dxs: [concatChannels([dt1, dx2])],
        dws: [...f.grads.slice(1), ...g.grads.slice(1)],
      };
    },
  };
}

/**
 * A block given by its forward map and its inverse; the backward pass inverts (untaped), then
 * recomputes the forward with the tape on. One more forward evaluation than a hand-written
 * `backward`, but any invertible map works.
 */
export function genericRevBlock(
  weights: readonly tf.Tensor[],
  forward: (xs: tf.Tensor[], ws: readonly tf.Tensor[]) => tf.Tensor[],
  inverse: (ys: tf.Tensor[], ws: readonly tf.Tensor[]) => tf.Tensor[],
): RevBlock {
  return {
    weights,
    forward,
    backward(ys, dys, ws) {
      const xs = inverse(ys, ws);
      const n = xs.length;
      // One scalar objective sum_i <y_i, dy_i> gives all cotangents in one backward pass.
      const objective = (...args: tf.Tensor[]): tf.Tensor => {
        const outs = forward(args.slice(0, n), args.slice(n));
        return tf.addN(outs.map((o, i) => tf.sum(tf.mul(o, dys[i]))));
      };
      const { grads } = vjp(objective, [...xs, ...ws], tf.scalar(1));
      return { xs, dxs: grads.slice(0, n), dws: grads.slice(n) };
    },
  };
}

export interface RevSequenceOptions {
  /** false: run the same blocks as ordinary taped ops (the non-reversible twin). */
  reversible?: boolean;
}

/** Disposes every tensor in `ts` that is not in `keep`. */
function disposeExcept(ts: readonly tf.Tensor[], keep: readonly tf.Tensor[]): void {
  for (const t of ts) if (!keep.includes(t)) t.dispose();
}

/** Runs the blocks in order; in reversible mode, as one custom gradient (see file header). */
export function revSequence(blocks: readonly RevBlock[], xs: tf.Tensor[], opts: RevSequenceOptions = {}): tf.Tensor[] {
  if (blocks.length === 0) return xs.map((x) => tf.clone(x));
  if (opts.reversible === false) {
    let cur = xs;
    for (const b of blocks) cur = b.forward(cur, b.weights);
    return cur;
  }
  const nIn = xs.length;
  const counts = blocks.map((b) => b.weights.length);
  const allWeights = blocks.flatMap((b) => b.weights);
  const shapes = xs.map((x) => x.shape);

  const seq = tf.customGrad((...args: unknown[]) => {
    const save = args.pop() as tf.GradSaveFunc;
    const inputs = args.slice(0, nIn) as tf.Tensor[];
    // Forward, untaped: each block's intermediates die with its tidy, and its input (unless it
    // is the caller's) is freed as soon as the next block has its output.
    let cur: tf.Tensor[] = inputs;
    for (const b of blocks) {
      const next = tf.tidy(() => b.forward(cur, b.weights));
      if (cur !== inputs) disposeExcept(cur, next);
      cur = next;
    }
    const packed = pack(cur);
    if (cur !== inputs && packed !== cur[0]) disposeExcept(cur, [packed]);
    save([packed]);
    return {
      value: packed,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        let ys = unpack(saved[0], shapes);
        let dys = unpack(dy, shapes);
        const dwsPerBlock: tf.Tensor[][] = new Array(blocks.length);
        for (let i = blocks.length - 1; i >= 0; i--) {
          const b = blocks[i];
          const r = tf.tidy(() => {
            const o = b.backward(ys, dys, b.weights);
            return { xs: o.xs, dxs: o.dxs, dws: o.dws };
          });
          if (r.dws.length !== counts[i]) {
            throw new Error(`revSequence: block ${i} returned ${r.dws.length} weight gradients for ${counts[i]} weights`);
          }
          disposeExcept(ys, [saved[0], ...r.xs]);
          disposeExcept(dys, [dy, ...r.dxs]);
          ys = r.xs;
          dys = r.dxs;
          dwsPerBlock[i] = r.dws;
        }
        disposeExcept(ys, []); // the reconstructed sequence input: not needed, the caller has it
        return [...dys, ...dwsPerBlock.flat()];
      },
    };
  });
  const packed = seq(...xs, ...allWeights);
  if (nIn === 1) return [packed];
  const outs = unpack(packed, shapes);
  packed.dispose();
  return outs;
}

/** One tensor stays as is; several are flattened and concatenated (customGrad returns one tensor). */
function pack(ts: tf.Tensor[]): tf.Tensor {
  if (ts.length === 1) return ts[0];
  return tf.tidy(() => tf.concat(ts.map((t) => tf.reshape(t, [-1]))));
}

function unpack(t: tf.Tensor, shapes: number[][]): tf.Tensor[] {
  if (shapes.length === 1) return [t];
  return tf.tidy(() => {
    const sizes = shapes.map((s) => s.reduce((a, b) => a * b, 1));
    return tf.split(t, sizes).map((p, i) => tf.reshape(p, shapes[i]));
  });
}
