/**
 * The diagnosis on the timeline: under each GPU stream's lane, a lane of its idle gaps named by
 * cause ("idle: host wait", "idle: kernel wait", "idle: other", as gpuBreakdown classifies them),
 * and a counter of the stream's launch queue (launched, not yet started; launchStats).
 */
import type { TorchTrace } from '../../model/torchTrace';
import type { TimelineBuilder } from '../timeline/timelineIndex';
import { rankOf, streamsIdle, type IdleCategory } from './gpuBreakdown';
import { streamQueues } from './launchStats';
import { criticalPath, type CriticalPath } from './criticalPath';

/** What each idle span's name means (the span's details say it). */
export const IDLE_WHY: Record<string, string> = {
  'idle: host wait':
    'the CPU launched the next activity only after the previous one had ended: the GPU waited for the CPU',
  'idle: kernel wait': 'a gap under 30 µs between work already launched: the cost of launching back-to-back kernels',
  'idle: other': 'the next activity was launched in time but started later: waiting on an event, another stream, …',
};

const NAMES: Record<IdleCategory, string> = {
  'host wait': 'idle: host wait',
  'kernel wait': 'idle: kernel wait',
  other: 'idle: other',
};

/**
 * Adds the idle lanes and queue counters of every stream; `laneKey` is the key of a stream's own
 * lane (the idle lane's key follows it, so it is drawn right under it).
 */
export function addIdleTracks(
  b: TimelineBuilder,
  trace: TorchTrace,
  laneKey: (device: number, stream: number) => string,
): void {
  // The trace's rank, as the Diagnosis asks: the rows it made are the ones used here.
  const idle = streamsIdle(trace, rankOf(trace));
  for (const s of idle) {
    if (s.gaps.length === 0) continue;
    const lane = b.laneOf({
      key: `${laneKey(s.device, s.stream)} idle`,
      group: `GPU ${s.device}`,
      title: `stream ${s.stream} idle`,
      kind: 'gpu',
      order: 1,
      optional: true,
    });
    const g = s.gaps;
    for (let i = 0; i < g.length; i++) b.add(lane, g.start[i], g.end[i] - g.start[i], NAMES[g.category(i)], 'idle');
  }
  for (const q of streamQueues(trace, idle))
    b.counter({
      title: `stream ${q.stream} queue`,
      group: `GPU ${q.device}`,
      unit: 'count',
      t: q.t,
      v: q.v,
      optional: true,
    });
}

/**
 * Traces with more GPU activities than this get the critical path of their longest step only on
 * the timeline: every step's path on the 100 MB bench trace (78 steps, 234,000 stretches) took
 * its indexing from 0.8 s to 1.8 s. The Diagnosis has every step's path either way.
 */
export const PATH_EVERY_STEP_MAX = 20_000;

/** The key of the critical path's lane (its spans' details say what each part is). */
export const CRITICAL_LANE = 'critical path';

/** What a span of the critical path's lane is, by its category. */
export const CRITICAL_WHY: Record<string, string> = {
  op: 'CPU work on the critical path (an operator or runtime call): the step waits for it',
  runtime: 'CPU work on the critical path (an operator or runtime call): the step waits for it',
  kernel: 'GPU work on the critical path: the step waits for this kernel',
  memcpy: 'GPU work on the critical path: the step waits for this copy',
  memset: 'GPU work on the critical path: the step waits for this set',
  idle: 'waiting on the critical path: from a launch to its kernel, or between kernels of a stream',
};

/** One lane above the others: each step's critical path, a span per stretch of it. */
export function addCriticalPathTrack(b: TimelineBuilder, trace: TorchTrace, cp: CriticalPath): void {
  // Without GPU work the path is the CPU lanes again: no lane for it.
  if (trace.gpu.length === 0 || !cp.steps.some((s) => s.segments.length)) return;
  const title =
    cp.steps.length === 1 && cp.steps[0].step !== 'trace' ? `${cp.steps[0].step} (the longest step)` : 'each step';
  const lane = b.laneOf({
    key: CRITICAL_LANE,
    group: 'Critical path',
    title,
    kind: 'other',
    order: -1,
    derived: true,
    optional: true,
  });
  for (const s of cp.steps)
    for (const g of s.segments) {
      const gpu = g.event.list === 'gpu' ? trace.gpu[g.event.index] : undefined;
      // Named apart from the events themselves, so searches and selections never merge the two.
      const name =
        g.kind === 'launch'
          ? `path: launch delay → ${g.name}`
          : g.kind === 'kernel gap'
            ? `path: gap after ${g.name}`
            : `path: ${g.name}`;
      const cat =
        g.kind === 'launch' || g.kind === 'kernel gap'
          ? 'idle'
          : gpu
            ? gpu.kind
            : g.event.list === 'runtime'
              ? 'runtime'
              : 'op';
      b.add(lane, g.start, g.end - g.start, name, cat);
    }
}

/** The diagnosis's lanes: each stream's idle gaps and queue, and the critical path. */
export function addDiagnosisTracks(
  b: TimelineBuilder,
  trace: TorchTrace,
  laneKey: (device: number, stream: number) => string,
): void {
  addIdleTracks(b, trace, laneKey);
  const which = trace.gpu.length > PATH_EVERY_STEP_MAX ? 'longest step' : 'every step';
  addCriticalPathTrack(b, trace, criticalPath(trace, which));
}
