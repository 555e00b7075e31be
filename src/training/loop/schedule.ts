/**
 * Learning-rate schedules: linear warm-up from 0, then cosine or polynomial decay to `minLr`
 * (or constant). `step` counts updates from 0; the rate for step s is used for update s+1.
 */
export interface LrSchedule {
  readonly lr: number; // peak learning rate, reached at the end of warm-up
  readonly warmupSteps: number; // linear ramp 0 → lr over this many steps
  readonly totalSteps: number; // decay ends here
  readonly decay: 'cosine' | 'poly' | 'constant';
  readonly minLr: number; // floor of the decay
  readonly power: number; // exponent of the poly decay (0.9 as in nnU-Net)
}

export function learningRate(step: number, s: LrSchedule): number {
  if (s.warmupSteps > 0 && step < s.warmupSteps) return (s.lr * (step + 1)) / s.warmupSteps;
  if (s.decay === 'constant') return s.lr;
  const span = Math.max(1, s.totalSteps - s.warmupSteps);
  const t = Math.min(1, Math.max(0, (step - s.warmupSteps) / span));
  const factor = s.decay === 'cosine' ? 0.5 * (1 + Math.cos(Math.PI * t)) : (1 - t) ** s.power;
  return s.minLr + (s.lr - s.minLr) * factor;
}
