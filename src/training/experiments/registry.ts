/**
 * Every experiment the engine runs, as an explicit literal (no registration by import side
 * effect). An unknown id is an error that lists the valid ones.
 */
import { bratsExperiment } from './brats';
import { continualExperiment } from './continual';
import type { Experiment } from './experiment';
import { revbifpnClassifyExperiment, revbifpnDetectExperiment } from './revbifpn';
import { selfPacedExperiment } from './self-paced';
import { spdfFinetuneExperiment, spdfPretrainExperiment } from './spdf';

export const EXPERIMENTS = {
  brats: bratsExperiment,
  'dhp-continual': continualExperiment,
  'spl-advise': selfPacedExperiment,
  'revbifpn-classify': revbifpnClassifyExperiment,
  'revbifpn-detect': revbifpnDetectExperiment,
  'spdf-pretrain': spdfPretrainExperiment,
  'spdf-finetune': spdfFinetuneExperiment,
} as const satisfies Record<string, Experiment>;

export type ExperimentId = keyof typeof EXPERIMENTS;

export function getExperiment(id: string): Experiment {
  const e = (EXPERIMENTS as Record<string, Experiment>)[id];
  if (!e) throw new Error(`unknown experiment '${id}' (experiments: ${Object.keys(EXPERIMENTS).join(', ')})`);
  return e;
}
