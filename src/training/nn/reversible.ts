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
 * - Blocks may change the number and shapes of their tensors (RevBiFPN's space-to-depth stem maps
 *   [B,H,W,C] to [B,H/4,W/4,16C]; its growing silo maps N scales to N+1). The forward pass records
 *   every block's output shapes; the backward pass unpacks the sequence output with the LAST
 *   block's shapes and checks each reconstruction against the shapes recorded for that block's
 *   input.
 * - tfjs's backprop keeps every tensor created in a gradFunc until the whole backward pass ends,
 *   so each block's backward step runs in its own tf.tidy and the previous step's tensors are
 *   disposed by hand.
 * - A nested tf.grads inside a gradFunc clobbers the engine's active tape (see `vjp`).
 *
 * Batch-norm running statistics: the backward pass re-runs every block once; pass
 * `recompute: withoutStatUpdates` (nn/batchnorm.ts) so the statistics move once per step. The hook
 * keeps this file free of any layer's state.
 * Randomness (stochastic depth): a block's forward must be a pure function of its inputs and
 * weights, so random masks come from seeds fixed when the block is built, and the recomputation
 * sees the same masks.
 *
 * Usage:
 *   const blocks = [additiveCoupling(F, G, fW, gW), atIndex(coupling2, 1), myGrowingBlock];
 *   const ys = revSequence(blocks, [x0, x1], { recompute: withoutStatUpdates });
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

export interface CouplingOptions {
  /**
   * Which half F updates. 'x1' (default; Gomez et al. 2017, the 3D U-Net):
   *   y1 = x1 + F(x2),  y2 = x2 + G(y1);    inverse: x2 = y2 − G(y1), x1 = y1 − F(x2).
   * 'x2' (RevBiFPN's RevResidualBlock: rev_block.py builds it from RevLimResidualSilo, whose f
   * coupling adds f(chunk 0) to chunk 1 and whose g coupling adds g(chunk 1) back to chunk 0):
   *   y2 = x2 + F(x1),  y1 = x1 + G(y2);    inverse: x1 = y1 − G(y2), x2 = y2 − F(x1).
   * The second is the first with the halves' roles swapped, so one code path serves both.
   */
  readonly updates?: 'x1' | 'x2';
}

/**
 * Additive coupling over two halves of the channel axis (see CouplingOptions for the equations).
 * The backward pass recomputes G and F once each, with the tape on, and gets the inverse for free
 * from those values — 2 forward evaluations per block, the minimum.
 * F and G map [.., C/2] → [.., C/2]; `fWeights`/`gWeights` are the tensors they read.
 */
export function additiveCoupling(
  F: (x: tf.Tensor, ws: readonly tf.Tensor[]) => tf.Tensor,
  G: (x: tf.Tensor, ws: readonly tf.Tensor[]) => tf.Tensor,
  fWeights: readonly tf.Tensor[],
  gWeights: readonly tf.Tensor[],
  opts: CouplingOptions = {},
): RevBlock {
  const nF = fWeights.length;
  const swap = opts.updates === 'x2';
  // (a, b): a is the half F updates, b the half F reads. 'x1': (x1, x2); 'x2': (x2, x1).
  const halves = (t: tf.Tensor): [tf.Tensor, tf.Tensor] => {
    const [h1, h2] = splitChannelHalves(t);
    return swap ? [h2, h1] : [h1, h2];
  };
  const join = (a: tf.Tensor, b: tf.Tensor): tf.Tensor => concatChannels(swap ? [b, a] : [a, b]);
  return {
    weights: [...fWeights, ...gWeights],
    forward([x], ws) {
      const [xa, xb] = halves(x);
      const ya = tf.add(xa, F(xb, ws.slice(0, nF)));
      const yb = tf.add(xb, G(ya, ws.slice(nF)));
      return [join(ya, yb)];
    },
    backward([y], [dy], ws) {
      const wF = ws.slice(0, nF);
      const wG = ws.slice(nF);
      const [ya, yb] = halves(y);
      const [dya, dyb] = halves(dy);
      const g = vjp((a, ...w) => G(a, w), [ya, ...wG], dyb);
      const xb = tf.sub(yb, g.value);
      const dta = tf.add(dya, g.grads[0]); // total cotangent of ya
      const f = vjp((a, ...w) => F(a, w), [xb, ...wF], dta);
      const xa = tf.sub(ya, f.value);
      const dxb = tf.add(dyb, f.grads[0]);
      return {
        xs: [join(xa, xb)],
        dxs: [join(dta, dxb)],
        dws: [...f.grads.slice(1), ...g.grads.slice(1)],
      };
    },
  };
}

/**
 * `block` (one tensor in, one out) applied to tensor `index` of the list; the others pass through
 * unchanged. How per-scale blocks of a multi-scale network enter one sequence: each is its own
 * step, so only one scale's working set is alive at a time.
 */
export function atIndex(block: RevBlock, index: number): RevBlock {
  const pick = (ts: tf.Tensor[], what: string): tf.Tensor => {
    if (index < 0 || index >= ts.length) throw new Error(`atIndex: index ${index} is outside the ${ts.length} ${what}`);
    return ts[index];
  };
  const replace = (ts: tf.Tensor[], t: tf.Tensor): tf.Tensor[] => ts.map((u, i) => (i === index ? t : u));
  return {
    weights: block.weights,
    forward(xs, ws) {
      const ys = block.forward([pick(xs, 'inputs')], ws);
      if (ys.length !== 1) throw new Error(`atIndex: the block returned ${ys.length} tensors, expected 1`);
      return replace(xs, ys[0]);
    },
    backward(ys, dys, ws) {
      const r = block.backward([pick(ys, 'outputs')], [pick(dys, 'cotangents')], ws);
      return { xs: replace(ys, r.xs[0]), dxs: replace(dys, r.dxs[0]), dws: r.dws };
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
  /**
   * Wraps each block's backward step (reconstruction + recomputation). Pass batch norm's
   * `withoutStatUpdates` so running statistics are updated by the forward pass only.
   */
  recompute?: <T>(fn: () => T) => T;
}

/** Disposes every tensor in `ts` that is not in `keep`. */
function disposeExcept(ts: readonly tf.Tensor[], keep: readonly tf.Tensor[]): void {
  for (const t of ts) if (!keep.includes(t)) t.dispose();
}

const shapeText = (shapes: readonly (readonly number[])[]): string => shapes.map((s) => `[${s}]`).join(', ');

/**
 * Runs the blocks in order; in reversible mode, as one custom gradient (see file header).
 * xs are borrowed; the returned tensors (as many as the last block returns) belong to the caller.
 */
export function revSequence(blocks: readonly RevBlock[], xs: tf.Tensor[], opts: RevSequenceOptions = {}): tf.Tensor[] {
  if (blocks.length === 0) return xs.map((x) => tf.clone(x));
  if (opts.reversible === false) {
    let cur = xs;
    for (const b of blocks) cur = b.forward(cur, b.weights);
    return cur.map((t) => (xs.includes(t) ? tf.clone(t) : t));
  }
  const recompute = opts.recompute ?? (<T>(fn: () => T): T => fn());
  const nIn = xs.length;
  const counts = blocks.map((b) => b.weights.length);
  const allWeights = blocks.flatMap((b) => b.weights);
  // shapes[i]: the shapes of block i's inputs (shapes[0] = xs); shapes[N]: the sequence output.
  const shapes: number[][][] = [xs.map((x) => x.shape.slice())];

  const seq = tf.customGrad((...args: unknown[]) => {
    const save = args.pop() as tf.GradSaveFunc;
    const inputs = args.slice(0, nIn) as tf.Tensor[];
    // Forward, untaped: each block's intermediates die with its tidy, and its inputs (unless they
    // are the caller's, or pass through to the next list) are freed once the block has run.
    shapes.length = 1;
    let cur: tf.Tensor[] = inputs;
    for (const b of blocks) {
      const next = tf.tidy(() => b.forward(cur, b.weights));
      disposeExcept(cur, [...next, ...inputs]);
      cur = next;
      shapes.push(cur.map((t) => t.shape.slice()));
    }
    if (cur.length === 1 && inputs.includes(cur[0])) cur = [tf.clone(cur[0])]; // never return an input as the value
    const packed = pack(cur);
    disposeExcept(cur, [packed, ...inputs]);
    save([packed]);
    return {
      value: packed,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const outShapes = shapes[blocks.length];
        let ys = unpack(saved[0], outShapes);
        let dys = unpack(dy, outShapes);
        const dwsPerBlock: tf.Tensor[][] = new Array(blocks.length);
        for (let i = blocks.length - 1; i >= 0; i--) {
          const b = blocks[i];
          const r = recompute(() =>
            tf.tidy(() => {
              const o = b.backward(ys, dys, b.weights);
              return { xs: o.xs, dxs: o.dxs, dws: o.dws };
            }),
          );
          if (r.dws.length !== counts[i]) {
            throw new Error(`revSequence: block ${i} returned ${r.dws.length} weight gradients for ${counts[i]} weights`);
          }
          const got = r.xs.map((t) => t.shape);
          const gotD = r.dxs.map((t) => t.shape);
          if (shapeText(got) !== shapeText(shapes[i]) || shapeText(gotD) !== shapeText(shapes[i])) {
            throw new Error(
              `revSequence: block ${i} reconstructed inputs ${shapeText(got)} with cotangents ${shapeText(gotD)}; its forward took ${shapeText(shapes[i])}`,
            );
          }
          disposeExcept(ys, [saved[0], ...r.xs]);
          disposeExcept(dys, [dy, ...r.dxs]);
          ys = r.xs;
          dys = r.dxs;
          dwsPerBlock[i] = r.dws;
        }
        disposeExcept(ys, [saved[0], ...dys]); // the reconstructed sequence input: the caller has it
        return [...dys, ...dwsPerBlock.flat()];
      },
    };
  });
  const packed = seq(...xs, ...allWeights);
  const outShapes = shapes[blocks.length];
  if (outShapes.length === 1) return [packed];
  const outs = unpack(packed, outShapes);
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
