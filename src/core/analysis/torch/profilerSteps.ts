/** The profiler's steps in a trace: its `ProfilerStep#N` annotations, as every analysis reads them. */
import type { TorchTrace } from '../../model/torchTrace';

const STEP = /^ProfilerStep#\d+$/;

export const isProfilerStep = (name: string): boolean => STEP.test(name);

/** An operator table's row name: key_averages() folds the steps into one row, as torch names it. */
export const stepRowName = (name: string): string => (isProfilerStep(name) ? 'ProfilerStep*' : name);

export interface ProfilerStep {
  name: string;
  start: number;
  end: number;
  /** As recorded (end - start can differ in its last bit). */
  dur: number;
}

/** The steps in time order; a step written twice (CPU and GPU annotation) counts once, the first. */
export function profilerSteps(trace: TorchTrace): ProfilerStep[] {
  const steps = trace.ops
    .filter((o) => o.kind === 'annotation' && isProfilerStep(o.name))
    .map((o) => ({ name: o.name, start: o.ts, end: o.ts + o.dur, dur: o.dur }))
    .sort((a, b) => a.start - b.start);
  const seen = new Set<string>();
  return steps.filter((s) => !seen.has(s.name) && seen.add(s.name));
}
