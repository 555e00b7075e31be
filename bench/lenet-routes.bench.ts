/**
 * LeNet training step by convolution route (models/lenet.ts): tf.conv2d against the depth-1
 * tf.conv3d the model uses on host backends, on cpu and wasm. Forward + backward + SGD update of the student (LeNet-5, batch 64) and of the
 * code's Magnet embedding CNN ([32, 64] → 2, batch 16), on the same random images.
 *
 *   npm run bench -- lenet-routes          # ~4 min (tf.conv2d on cpu is slow)
 *
 * Method: per backend and model, one untimed warm-up step per route, then `rounds` rounds in
 * which every route takes one step back to back (order alternating); ratios against the
 * conv3d route are formed within each round and their medians reported. The
 * gradients of every route are compared with the conv3d route's (same weights, same batch): a
 * route that is fast but wrong shows here. A route a backend lacks a kernel for is reported as such.
 */
import * as tf from '@tensorflow/tfjs';
import { disposeParams, flattenParams, gradsByParamName } from '../src/training/core/params';
import { Rng } from '../src/training/core/rng';
import { perSampleCrossEntropy } from '../src/training/experiments/self-paced/passes';
import { applyLeNet, initLeNet, lenetConfig, type LeNetConfig, type LeNetVariant } from '../src/training/models/lenet';
import { alternate, markdownTable, maxRelativeDifference, median, round, type Bench, type BenchContext, type BenchResult } from './lib';

interface Route {
  readonly name: string;
  readonly conv: 'conv2d' | 'conv3d';
}

const MODELS: readonly { name: string; variant: LeNetVariant; batch: number }[] = [
  { name: 'LeNet-5 student', variant: 'lenet5', batch: 64 },
  { name: 'Magnet embedding CNN [32, 64] → 2 (code)', variant: 'magnet-embedding', batch: 16 },
];

interface Row {
  backend: string;
  model: string;
  route: string;
  ms: number[] | null;
  medianMs: number | null;
  imagesPerSec: number | null;
  ratioToDefault: number | null; // this route's ms / the model's default route's ms, median over rounds
  maxRelGradDiff: number | null;
  error: string | null;
}

const ROUTES: readonly Route[] = [
  { name: 'conv3d (depth 1) — the default on cpu and wasm', conv: 'conv3d' },
  { name: 'tf.conv2d', conv: 'conv2d' },
];

/** A training step of `cfg` on fixed data; returns the step and the gradients of one evaluation. */
function stepper(cfg: LeNetConfig, batch: number) {
  const params = initLeNet(cfg, new Rng(0));
  const named = flattenParams(params);
  const vars = [...named.values()];
  const r = new Rng(1);
  const x = tf.tensor4d(Float32Array.from({ length: batch * 784 }, () => r.uniform()), [batch, 28, 28, 1]);
  const y = tf.tensor1d(Int32Array.from({ length: batch }, (_, i) => i % cfg.outDim), 'int32');
  const lossFn = () => tf.mean(perSampleCrossEntropy(applyLeNet(params, x, cfg), y)) as tf.Scalar;
  const grads = (): Float32Array[] =>
    tf.tidy(() => {
      const { grads: g } = tf.variableGrads(lossFn, vars);
      return vars.map((v) => g[v.name].dataSync() as Float32Array);
    });
  const step = () => {
    const v = tf.tidy(() => {
      const { value, grads: g } = tf.variableGrads(lossFn, vars);
      for (const [n, p] of named) p.assign(tf.sub(p, tf.mul(gradsByParamName(named, g).get(n)!, 0.01)));
      return value;
    });
    v.dataSync();
    v.dispose();
  };
  return { step, grads, dispose: () => (tf.dispose([x, y]), disposeParams(params)) };
}

async function run(ctx: BenchContext): Promise<BenchResult> {
  const home = tf.getBackend();
  await import('@tensorflow/tfjs-backend-wasm'); // registers 'wasm'
  const rounds = ctx.quick ? 2 : 5;
  const rows: Row[] = [];
  try {
    for (const backend of ['cpu', 'wasm']) {
      await tf.setBackend(backend);
      await tf.ready();
      for (const m of MODELS) {
        const routes = ROUTES;
        const harness = routes.map((r) => {
          try {
            const h = stepper(lenetConfig(m.variant, { conv: r.conv }), m.batch);
            const g = h.grads(); // also the warm-up: a missing kernel throws here
            return { route: r, h, g, error: null as string | null };
          } catch (e) {
            return { route: r, h: null, g: null, error: (e as Error).message.split('\n')[0] };
          }
        });
        const ok = harness.filter((x) => x.h);
        const times = await alternate(
          ok.map((x) => () => x.h!.step()),
          rounds,
          (i, r, ms) => ctx.log(`${backend} ${m.name} round ${r + 1}: ${ok[i].route.name} ${round(ms)} ms`),
        );
        const base = harness[0];
        const baseTimes = base.h ? times[0] : null;
        harness.forEach((x) => {
          const k = ok.indexOf(x);
          const ms = k >= 0 ? times[k] : null;
          rows.push({
            backend,
            model: m.name,
            route: x.route.name,
            ms,
            medianMs: ms ? median(ms) : null,
            imagesPerSec: ms ? (1000 * m.batch) / median(ms) : null,
            ratioToDefault: ms && baseTimes ? median(ms.map((t, i) => t / baseTimes[i])) : null,
            maxRelGradDiff: x.g && base.g ? maxRelativeDifference(base.g, x.g) : null,
            error: x.error,
          });
        });
        harness.forEach((x) => x.h?.dispose());
      }
    }
  } finally {
    await tf.setBackend(home);
  }
  const md = [
    `Forward + backward + SGD update, random 28×28 images; ${rounds} alternating rounds after a warm-up; medians. Ratios are formed within each round against the first (default) route of the same backend and model.`,
    '',
    markdownTable(
      ['backend', 'model (batch)', 'route', 'ms / step', 'images / s', '× the default route’s time', 'max relative gradient difference vs default'],
      rows.map((r) => [
        r.backend,
        r.model,
        r.route,
        r.medianMs === null ? `— (${r.error})` : round(r.medianMs),
        r.imagesPerSec === null ? '—' : round(r.imagesPerSec),
        r.ratioToDefault === null ? '—' : round(r.ratioToDefault, 2),
        r.maxRelGradDiff === null ? '—' : r.maxRelGradDiff.toExponential(1),
      ]),
    ),
  ].join('\n');
  return { config: { models: MODELS, rounds }, samples: { rows }, derived: { rows: rows.map(({ ms: _ms, ...r }) => r) }, markdown: md };
}

export const lenetRoutesBench: Bench = {
  name: 'lenet-routes',
  title: 'LeNet training step by convolution route: tf.conv2d vs depth-1 tf.conv3d, on cpu and wasm',
  run,
};
