/**
 * How the CLI shows engine events: `--json` prints each event as one JSON line on stdout; on a
 * TTY a progress bar (cli-progress) with loss, ETA and memory, validation and log lines above
 * it; otherwise (pipes, CI logs) a plain line every few steps.
 */
import cliProgress from 'cli-progress';
import type { EngineEvent } from '../shared/events';

export interface EventSink {
  event(e: EngineEvent): void;
  close(): void;
}

const MB = 1024 * 1024;

export function formatDuration(sec: number): string {
  if (!Number.isFinite(sec)) return '?';
  const s = Math.round(sec);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m` : m > 0 ? `${m}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

function formatMetrics(m: Record<string, number>): string {
  return Object.entries(m)
    .map(([k, v]) => `${k} ${Math.abs(v) >= 100 ? v.toFixed(1) : v.toFixed(4)}`)
    .join('  ');
}

/** A line for events that are not per-step progress; null for the ones shown otherwise. */
export function describeEvent(e: EngineEvent): string | null {
  switch (e.type) {
    case 'started':
      return `run ${e.runId} (${e.experiment}) on ${e.backend}, ${e.totalSteps > 0 ? `${e.totalSteps} steps` : 'steps not known yet'}${e.resumedFrom ? `, resuming at step ${e.startStep} from ${e.resumedFrom}` : ''}\n  ${e.runDir}`;
    case 'dataset':
      return `data ${e.root}: ${e.trainCases.length} training, ${e.valCases.length} validation case(s)${e.problems.length ? `, ${e.problems.length} problem(s)` : ''}`;
    case 'validation':
      return `validation @ step ${e.step} (epoch ${e.epoch.toFixed(2)}): ${formatMetrics(e.metrics)}${e.best ? '  ★ best' : ''}\n  on ${e.on}`;
    case 'curriculum': {
      const pace = e.lambda !== undefined ? `, λ ${e.lambda.toPrecision(4)}${e.gamma !== undefined ? ` γ ${e.gamma.toPrecision(4)}` : ''}` : '';
      return `epoch ${e.epoch} @ step ${e.step} (${e.method}): ${(100 * e.admittedFraction).toFixed(1)}% of the training set admitted${pace}; test accuracy ${e.testAccuracy.toFixed(4)}`;
    }
    case 'sparsity': {
      const cells = e.zeroFraction.flat();
      const mean = cells.reduce((a, b) => a + b, 0) / Math.max(1, cells.length);
      const saved = e.flops.denseEquivalent > 0 ? `, ${(e.flops.denseEquivalent / Math.max(e.flops.spent, 1)).toFixed(2)}× fewer than dense` : '';
      return `sparsity @ step ${e.step} (${e.phase}, ${e.masked ? 'masked' : 'dense'}): ${(100 * mean).toFixed(1)}% of the sparse matrices' weights are 0; ${e.flops.spent.toExponential(2)} training FLOPs on ${e.flops.tokens.toLocaleString('en')} tokens${saved}`;
    }
    case 'text-sample':
      return `sample @ step ${e.step} (${e.decoding}): ${JSON.stringify(e.prompt)} → ${JSON.stringify(e.text)}${e.reference !== undefined ? `\n  reference: ${JSON.stringify(e.reference)}` : ''}`;
    case 'checkpoint':
      return e.reason === 'interval' ? null : `checkpoint (${e.reason}) @ step ${e.step}: ${e.file}`;
    case 'log':
      return `${e.level === 'info' ? '' : `${e.level}: `}${e.message}`;
    case 'done':
      return `${e.status}${e.error ? `: ${e.error}` : ''} at step ${e.step}`;
    default:
      return null;
  }
}

export function jsonSink(write: (s: string) => void = (s) => process.stdout.write(s)): EventSink {
  return { event: (e) => write(`${JSON.stringify(e)}\n`), close: () => undefined };
}

export function textSink(opts: { tty: boolean; every?: number; stream?: NodeJS.WritableStream } = { tty: Boolean(process.stderr.isTTY) }): EventSink {
  const stream = opts.stream ?? process.stderr;
  const log = (s: string) => stream.write(`${s}\n`);
  const every = opts.every ?? 10;
  // One MultiBar for the training bar and task bars: its log() prints above the bars without
  // tearing them.
  let multi: cliProgress.MultiBar | null = null;
  let stepBar: cliProgress.SingleBar | null = null;
  let taskBar: cliProgress.SingleBar | null = null;
  const bars = () =>
    (multi ??= new cliProgress.MultiBar({ stream, hideCursor: true, clearOnComplete: false, barsize: 24, etaBuffer: 20, format: '{task} |{bar}| {value}/{total} {info}' }, cliProgress.Presets.shades_classic));
  const say = (s: string) => (multi ? multi.log(`${s}\n`) : log(s));
  const stopAll = () => {
    multi?.update(); // renders (flushes) lines logged since the last redraw
    multi?.stop();
    multi = stepBar = taskBar = null;
  };
  return {
    event(e) {
      if (e.type === 'step') {
        const eta = formatDuration(e.etaSec);
        const info = `epoch ${e.epoch.toFixed(2)} loss ${e.loss.toFixed(4)} lr ${e.lr.toExponential(1)} ${e.stepMs.toFixed(0)} ms/step ETA ${eta} rss ${(e.memory.rssBytes / MB).toFixed(0)} MB`;
        if (opts.tty) {
          stepBar ??= bars().create(e.totalSteps, e.step, { task: 'train', info });
          // A run may revise its total as it goes (a self-paced selection admits fewer images).
          if (stepBar.getTotal() !== e.totalSteps) stepBar.setTotal(e.totalSteps);
          stepBar.update(e.step, { task: 'train', info });
        } else if (e.step % every === 0 || e.step === e.totalSteps) log(`step ${e.step}/${e.totalSteps} ${info}`);
        return;
      }
      if (e.type === 'progress') {
        const info = e.item ?? '';
        if (opts.tty) {
          taskBar ??= bars().create(e.total, e.done, { task: e.task, info });
          taskBar.update(e.done, { task: e.task, info });
          if (e.done >= e.total) stopAll();
        } else if (e.item) log(`${e.task} ${e.done + 1}/${e.total}: ${e.item}`);
        return;
      }
      const line = describeEvent(e);
      if (line) say(line);
      if (e.type === 'done') stopAll();
    },
    close: stopAll,
  };
}
