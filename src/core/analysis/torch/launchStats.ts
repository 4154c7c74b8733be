/**
 * How kernels are launched, as Holistic Trace Analysis (HTA) measures it: for each GPU activity
 * and the CPU call that launched it (same correlation id), the call's duration, the activity's,
 * and the launch delay (the activity's start less the call's end, 0 when it started before the
 * call returned); per kernel name and overall, short kernels (under SHORT_KERNEL_US, and those
 * shorter than their own launch), and outliers past HTA's cut-offs (a launch call over 50 µs, a
 * delay over 100 µs). And the queue of each stream over time: launched and not yet started
 * (+1 at the launch call, −1 when the activity starts), with the time it stood empty while the
 * stream was idle (nothing was waiting to run: the CPU was late).
 */
import type { TorchTrace } from '../../model/torchTrace';
import { launchesByCorrelation, rankOf, type IdleGaps, type StreamIdle } from './gpuBreakdown';
import { GrowArray } from '../../util/growArray';

export const SHORT_KERNEL_US = 10;
export const LAUNCH_OUTLIER_US = 50;
export const DELAY_OUTLIER_US = 100;

export interface LaunchRow {
  name: string;
  count: number;
  gpuUs: number;
  cpuMeanUs: number;
  delayMeanUs: number;
  delayMaxUs: number;
}

export interface LaunchStats {
  rank: number;
  launched: number;
  /** GPU activities with no launching call in the trace (NCCL's own, or the call was not recorded). */
  unmatched: number;
  cpuMeanUs: number;
  delayMeanUs: number;
  delayP50Us: number;
  delayP95Us: number;
  delayMaxUs: number;
  shortKernels: { count: number; totalUs: number; kernelPct: number };
  /** Kernels that ran shorter than the call that launched them. */
  launchBound: number;
  launchOutliers: number;
  delayOutliers: number;
  byName: LaunchRow[];
}

export interface StreamQueue {
  rank: number;
  device: number;
  stream: number;
  /** Step function: from t[i] the queue holds v[i]. */
  t: Float64Array;
  v: Float64Array;
  maxLength: number;
  /** Time-weighted mean over the stream's first to last change. */
  meanLength: number;
  /** Time the queue stood empty while the stream was idle (from its idle gaps). */
  emptyWhileIdleUs: number;
}

/** The index of the first value greater than `x` in a sorted array. */
function upperBound(sorted: Float64Array, x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const m = (lo + hi) >>> 1;
    if (sorted[m] <= x) lo = m + 1;
    else hi = m;
  }
  return lo;
}

const quantile = (sorted: Float64Array, q: number) =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] : 0;

export function launchStats(trace: TorchTrace): LaunchStats {
  const launches = launchesByCorrelation(trace.runtime);
  const byName = new Map<string, { count: number; gpu: number; cpu: number; delay: number; max: number }>();
  // One delay per launched activity, sorted in place for the quantiles (no copy).
  const delays = new GrowArray((k) => new Float64Array(k));
  let cpu = 0;
  let unmatched = 0;
  let launchBound = 0;
  let launchOutliers = 0;
  const short = { count: 0, totalUs: 0 };
  let kernelUs = 0;
  for (const g of trace.gpu) {
    if (g.kind === 'kernel') {
      kernelUs += g.dur;
      if (g.dur < SHORT_KERNEL_US) {
        short.count++;
        short.totalUs += g.dur;
      }
    }
    const r = launches.get(g.correlation);
    if (!r) {
      unmatched++;
      continue;
    }
    const delay = Math.max(0, g.ts - (r.ts + r.dur));
    delays.push(delay);
    cpu += r.dur;
    if (g.kind === 'kernel' && g.dur < r.dur) launchBound++;
    if (r.dur > LAUNCH_OUTLIER_US) launchOutliers++;
    const row = byName.get(g.name) ?? byName.set(g.name, { count: 0, gpu: 0, cpu: 0, delay: 0, max: 0 }).get(g.name)!;
    row.count++;
    row.gpu += g.dur;
    row.cpu += r.dur;
    row.delay += delay;
    row.max = Math.max(row.max, delay);
  }
  const sorted = delays.done().sort();
  const n = sorted.length;
  return {
    rank: rankOf(trace),
    launched: n,
    unmatched,
    cpuMeanUs: n ? cpu / n : 0,
    delayMeanUs: n ? sorted.reduce((s, x) => s + x, 0) / n : 0,
    delayP50Us: quantile(sorted, 0.5),
    delayP95Us: quantile(sorted, 0.95),
    delayMaxUs: n ? sorted[n - 1] : 0,
    shortKernels: { ...short, kernelPct: kernelUs > 0 ? (100 * short.totalUs) / kernelUs : 0 },
    launchBound,
    launchOutliers,
    // Sorted: the outliers are the tail past the first delay over the cut-off.
    delayOutliers: n - upperBound(sorted, DELAY_OUTLIER_US),
    byName: [...byName]
      .map(([name, r]) => ({
        name,
        count: r.count,
        gpuUs: r.gpu,
        cpuMeanUs: r.cpu / r.count,
        delayMeanUs: r.delay / r.count,
        delayMaxUs: r.max,
      }))
      .sort((a, b) => b.gpuUs - a.gpuUs),
  };
}

/** Each stream's queue of launched work over time (streams with launches only). */
export function streamQueues(trace: TorchTrace, idle: readonly StreamIdle[]): StreamQueue[] {
  const launches = launchesByCorrelation(trace.runtime);
  // Per stream, its launch times and its activities' start times, in two growing columns.
  type Columns = { device: number; stream: number; launch: GrowArray<Float64Array>; start: GrowArray<Float64Array> };
  const column = () => new GrowArray((n) => new Float64Array(n));
  const byDevice = new Map<number, Map<number, Columns>>();
  const all: Columns[] = [];
  for (const g of trace.gpu) {
    const r = launches.get(g.correlation);
    if (!r) continue;
    let streams = byDevice.get(g.device);
    if (!streams) byDevice.set(g.device, (streams = new Map()));
    let s = streams.get(g.stream);
    if (!s) {
      streams.set(g.stream, (s = { device: g.device, stream: g.stream, launch: column(), start: column() }));
      all.push(s);
    }
    s.launch.push(r.ts);
    s.start.push(g.ts);
  }
  const out: StreamQueue[] = [];
  for (const s of all.sort((a, b) => a.device - b.device || a.stream - b.stream)) {
    const launch = s.launch.done().sort();
    const start = s.start.done().sort();
    // At most one change per launch and per start; kept at its exact size (1.6 million changes
    // on the 1 GB bench trace, held by the diagnosis).
    const tAll = new Float64Array(launch.length + start.length);
    const vAll = new Float64Array(launch.length + start.length);
    let m = 0;
    let q = 0;
    let max = 0;
    // The two sorted lists merged; at equal times a start goes before a launch: the queue never
    // counts what already runs.
    for (let i = 0, j = 0; i < launch.length || j < start.length;) {
      let at: number;
      if (j < start.length && (i >= launch.length || start[j] <= launch[i])) {
        at = start[j++];
        q--;
      } else {
        at = launch[i++];
        q++;
        if (q > max) max = q;
      }
      if (m > 0 && tAll[m - 1] === at) vAll[m - 1] = q;
      else {
        tAll[m] = at;
        vAll[m++] = q;
      }
    }
    const t = tAll.slice(0, m);
    const v = vAll.slice(0, m);
    let weighted = 0;
    for (let i = 0; i + 1 < t.length; i++) weighted += v[i] * (t[i + 1] - t[i]);
    const span = t.length ? t[t.length - 1] - t[0] : 0;
    const gaps = idle.find((x) => x.device === s.device && x.stream === s.stream)?.gaps;
    out.push({
      rank: rankOf(trace),
      device: s.device,
      stream: s.stream,
      t,
      v,
      maxLength: max,
      meanLength: span > 0 ? weighted / span : 0,
      emptyWhileIdleUs: gaps ? emptyDuring(t, v, gaps) : 0,
    });
  }
  return out;
}

/** Time within the gaps during which the step function (t, v) is 0. */
function emptyDuring(t: Float64Array, v: Float64Array, gaps: IdleGaps): number {
  let sum = 0;
  let i = 0;
  for (let n = 0; n < gaps.length; n++) {
    const gs = gaps.start[n];
    const ge = gaps.end[n];
    while (i + 1 < t.length && t[i + 1] <= gs) i++;
    for (let k = i; k < t.length && t[k] < ge; k++) {
      const a = Math.max(gs, t[k]);
      const b = Math.min(ge, t[k + 1] ?? Infinity);
      if (v[k] === 0 && b > a) sum += b - a;
    }
    // Before the first change the queue is empty too.
    if (t.length && gs < t[0]) sum += Math.min(ge, t[0]) - gs;
  }
  return sum;
}
