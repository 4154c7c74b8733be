/**
 * The ranks of a distributed run on one timeline, and the details of a span in it (which rank's
 * trace it came from, and its event ids there).
 */
import type { TorchTrace } from '../../model/torchTrace';
import { combineIndexes } from '../timeline/timelineCombine';
import { spanDetails, type SpanDetails, type TimelinePart, type TorchTimeline } from './torchTimeline';

/**
 * The ranks of a distributed run on one timeline: each rank's lanes under its label, aligned by
 * the first profiler step all of them recorded (the same step starts at the same time, so the
 * slow rank's steps are seen to end later), each label with its mean step and how much slower
 * it is than the fastest.
 */
export function combineRanks(tts: TorchTimeline[], labels: string[]): TorchTimeline {
  const stepsOf = tts.map((t) => new Map(t.steps.map((s) => [s.name, s])));
  const common = tts[0].steps.map((s) => s.name).find((name) => stepsOf.every((m) => m.has(name)));
  const starts = tts.map((_, i) => (common ? stepsOf[i].get(common)!.start : 0));
  const ref = Math.max(...starts);
  const mean = tts.map((t) => (t.steps.length ? t.steps.reduce((a, s) => a + s.end - s.start, 0) / t.steps.length : 0));
  const fastest = Math.min(...mean.filter((m) => m > 0));
  const label = (i: number) =>
    mean[i] > 0
      ? `${labels[i]} (mean step ${(mean[i] / 1000).toFixed(2)} ms${mean[i] > fastest ? `, +${((100 * (mean[i] - fastest)) / fastest).toFixed(0)}%` : ''})`
      : labels[i];
  const parts = tts.map((t, i) => ({ index: t.index, label: label(i), offset: ref - starts[i] }));
  let eventBase = 0;
  const timelineParts: TimelinePart[] = tts.map((t, i) => {
    const p = { label: labels[i], offset: parts[i].offset, eventBase, base: t.base, corr: t.corr, meanStepUs: mean[i] };
    eventBase += t.index.start.length;
    return p;
  });
  const total = eventBase;
  return {
    index: combineIndexes(parts),
    busy: tts.flatMap((t, i) =>
      t.busy.map((b) => ({
        ...b,
        group: `${parts[i].label} · ${b.group}`,
        start: b.start.map((x) => x + parts[i].offset),
        end: b.end.map((x) => x + parts[i].offset),
      })),
    ),
    steps: tts[0].steps.map((s) => ({ ...s, start: s.start + parts[0].offset, end: s.end + parts[0].offset })),
    base: { runtime: total, gpu: total, python: total, end: total },
    corr: tts[0].corr,
    parts: timelineParts,
  };
}

/** A span's details in a timeline of one trace or of several (`traces` in the order of its parts). */
export function detailsIn(tt: TorchTimeline, traces: TorchTrace[], flat: number): SpanDetails | undefined {
  if (!tt.parts) return spanDetails(tt, traces[0], flat);
  if (!(flat >= 0 && flat < tt.index.start.length)) return undefined;
  const e = tt.index.eventOf[flat];
  let k = tt.parts.length - 1;
  while (k > 0 && tt.parts[k].eventBase > e) k--;
  const p = tt.parts[k];
  const shift = (n: number) => n + p.eventBase;
  const view: TorchTimeline = {
    ...tt,
    base: {
      runtime: shift(p.base.runtime),
      gpu: shift(p.base.gpu),
      python: shift(p.base.python),
      end: shift(p.base.end),
    },
    corr: p.corr,
    parts: undefined,
  };
  return spanDetails(view, traces[k], flat, p.eventBase);
}
