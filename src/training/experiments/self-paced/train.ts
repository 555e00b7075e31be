/**
 * SPL-ADVisE as a run (METHODS.md §5): load the data, train the Magnet-loss embedding and cluster
 * the training set (spl-advise only), then train the student on the self-paced selection, one
 * global step count across both phases. Checkpoints at the phase boundary, after every student
 * epoch, on stop and at the end, each holding everything needed to continue (state.ts); `--resume`
 * continues from the newest one exactly (up to float rounding in the Magnet seed-cluster weights
 * when resumed mid-embedding). curves.json in the run folder holds every curve point so far.
 */
import { Rng } from '../../core/rng';
import { makeView } from '../../data/images/view';
import type { EngineEventInput } from '../../../shared/events';
import type { ExperimentContext, RunPlan } from '../experiment';
import { needsEmbedding, type SelfPacedExperimentConfig } from './config';
import { loadSelfPacedData, type SelfPacedData } from './data';
import { type EmbeddingSummary, embeddingPhase } from './embedding-phase';
import { plannedSteps, StepClock } from './progress';
import { type RunCurves, type Snapshot, loadRunState, savedArray, saveRunState } from './state';
import { studentPhase } from './student-phase';

/** Loads the data (the run gets it as ctx.prepared) and bounds the run's steps (progress.ts). */
export async function planSelfPaced(c: SelfPacedExperimentConfig): Promise<RunPlan<SelfPacedData>> {
  const data = await loadSelfPacedData(c);
  return { totalSteps: plannedSteps(c, data.train.n), prepared: data };
}

export async function* trainSelfPaced(ctx: ExperimentContext<SelfPacedExperimentConfig, SelfPacedData>): AsyncGenerator<EngineEventInput, Record<string, unknown>, void> {
  const c = ctx.config;
  const t0 = performance.now();
  const data = ctx.prepared ?? (await loadSelfPacedData(c));
  const train = makeView(data.train);
  const test = makeView(data.test);
  const classNames = data.train.classes;
  const N = train.n;
  yield { type: 'log', level: 'info', message: `data: ${data.source}: ${N} training / ${test.n} test images of ${train.height}×${train.width}×${train.channels}, ${classNames.length} classes` };

  const resume = ctx.resumeFrom ? await loadRunState(ctx.resumeFrom) : null;
  if (resume) {
    const m = resume.metadata as { method?: string; trainImages?: number };
    if (m.method !== c.method || m.trainImages !== N) {
      throw new Error(`checkpoint ${resume.file}: saved for method ${m.method} on ${m.trainImages} training images, this run is ${c.method} on ${N}`);
    }
  }
  const rng = new Rng(c.seed);
  const curves: RunCurves = (resume?.metadata.curves as RunCurves | undefined) ?? { embedding: [], student: [] };
  let embedding = (resume?.metadata.embeddingSummary as EmbeddingSummary | null | undefined) ?? null;
  const embed = needsEmbedding(c.method);
  const clock = new StepClock(resume?.counters.step ?? 0, plannedSteps(c, N));
  if (resume) yield { type: 'log', level: 'info', message: `resumed from ${resume.file} (${resume.phase} phase, step ${clock.step})` };

  const checkpoint = async (snap: Snapshot, reason: 'interval' | 'stop' | 'final'): Promise<EngineEventInput> => {
    const file = await saveRunState(ctx.run.checkpointsDir, clock.step, snap, { curves, embeddingSummary: embedding, method: c.method, trainImages: N }, c.keepCheckpoints);
    return { type: 'checkpoint', step: clock.step, file, reason };
  };
  const curvesFile = () => ({ method: c.method, dataset: c.dataset, classNames, embedding: curves.embedding, student: curves.student });
  const saveCurves = async (): Promise<void> => {
    await ctx.run.writeJson('curves.json', curvesFile(), { overwrite: true });
  };
  const summary = (status: 'completed' | 'stopped', extra: Record<string, unknown> = {}): Record<string, unknown> => {
    const s = curves.student;
    const best = s.reduce<(typeof s)[number] | null>((b, p) => (b === null || p.testAccuracy > b.testAccuracy ? p : b), null);
    return {
      status,
      method: c.method,
      backend: ctx.backend.chosen,
      dataset: data.source,
      trainImages: N,
      testImages: test.n,
      steps: clock.step,
      totalSteps: clock.total,
      trainSeconds: (performance.now() - t0) / 1000,
      ...(s.length ? { finalTestAccuracy: s[s.length - 1].testAccuracy, bestTestAccuracy: best!.testAccuracy, bestEpoch: best!.epoch } : {}),
      epochsDone: s.length,
      admittedFractions: s.map((p) => p.admittedFraction),
      curves: {
        epoch: s.map((p) => p.epoch),
        updates: s.map((p) => p.updates),
        testAccuracy: s.map((p) => p.testAccuracy),
        testLoss: s.map((p) => p.testLoss),
        trainLoss: s.map((p) => p.trainLoss),
        admittedFraction: s.map((p) => p.admittedFraction),
        lambda: s.map((p) => p.lambda),
        gamma: s.map((p) => p.gamma),
      },
      embedding,
      ...(status === 'stopped' ? { resume: 'frugal train spl-advise --resume <run> continues from the stop checkpoint' } : {}),
      ...extra,
    };
  };

  let groups: Int32Array;
  let boundary = false; // the embedding phase just ended: checkpoint before the first student step
  if (embed && (!resume || resume.phase === 'embedding')) {
    const r = yield* embeddingPhase({ c, train, test, classNames, rng, clock, signal: ctx.signal, curves, resume, checkpoint });
    if (r.stopped) {
      await saveCurves();
      return summary('stopped');
    }
    groups = r.groups;
    embedding = r.summary;
    boundary = true;
    await saveCurves();
  } else if (resume?.phase === 'student') {
    groups = savedArray(resume, 'student/groups', Int32Array, N);
  } else {
    groups = Int32Array.from(train.labels); // spld, random, all: classes are the groups
  }

  const studentResume = resume?.phase === 'student' ? resume : null;
  const s = yield* studentPhase({
    c,
    train,
    test,
    numClasses: classNames.length,
    groups,
    rng,
    clock,
    signal: ctx.signal,
    curves,
    resume: studentResume,
    checkpoint,
    saveCurves,
    checkpointAtStart: boundary,
  });
  await saveCurves();
  return summary(s.stopped ? 'stopped' : 'completed', { studentParameters: s.parameters, studentSamplesPerSec: s.samplesPerSec });
}
