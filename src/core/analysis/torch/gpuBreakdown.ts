/**
 * Where a GPU's time goes, as Holistic Trace Analysis (HTA) defines it, per device of a trace
 * (a rank is a trace; its rank is distributedInfo.rank):
 * - temporal breakdown: over the span from the first GPU activity's start to the last one's end,
 *   idle (nothing runs), compute (a compute kernel runs) and non-compute (only copies, sets,
 *   communication or syncs run);
 * - idle time per stream: each gap between consecutive activities of a stream is host wait when
 *   the CPU launched the later one only after the earlier had ended, else kernel wait when it is
 *   under KERNEL_WAIT_US (the cost of launching back-to-back work), else other (waiting on an
 *   event, another stream, …); the gaps are kept, so the timeline can show them;
 * - communication against compute: the share of communication time during which compute runs,
 *   and GPU time by the mix of kinds running at once (each instant counted once).
 */
import type { GpuActivity, RuntimeCall, TorchTrace } from '../../model/torchTrace';
import { gaps, gpuWork, intersectionLength, merged, timeByMix, totalLength, type GpuWork } from './gpuIntervals';

/** HTA's `consecutive_kernel_delay` default: 30, in the trace's unit (µs). */
export const KERNEL_WAIT_US = 30;

export interface TemporalBreakdown {
  rank: number;
  device: number;
  spanUs: number;
  idleUs: number;
  computeUs: number;
  nonComputeUs: number;
}

export type IdleCategory = 'host wait' | 'kernel wait' | 'other';

export interface IdleGap {
  start: number;
  end: number;
  category: IdleCategory;
}

export interface StreamIdle {
  rank: number;
  device: number;
  stream: number;
  hostWaitUs: number;
  kernelWaitUs: number;
  otherUs: number;
  gaps: IdleGap[];
}

export interface CommOverlap {
  rank: number;
  device: number;
  communicationUs: number;
  /** Communication time during which a compute kernel runs too. */
  overlappedUs: number;
  /** 100 × overlapped / communication; undefined without communication. */
  commComputeOverlapPct?: number;
  /** GPU time by the kinds running at once ("compute", "communication + compute", …). */
  byMix: Record<string, number>;
}

export interface GpuBreakdown {
  temporal: TemporalBreakdown[];
  idle: StreamIdle[];
  overlap: CommOverlap[];
  /** Each device's activities merged (for the idle gaps; not shown). */
  busy?: Map<number, ReturnType<typeof merged>>;
}

export const rankOf = (trace: TorchTrace): number => {
  const r = Number(trace.distributedInfo?.rank);
  return Number.isInteger(r) && r >= 0 ? r : 0;
};

function groupBy<T, K>(xs: readonly T[], key: (x: T) => K): Map<K, T[]> {
  const out = new Map<K, T[]>();
  for (const x of xs) {
    const k = key(x);
    const l = out.get(k);
    if (l) l.push(x);
    else out.set(k, [x]);
  }
  return out;
}

/** The runtime call that launched each GPU activity, by correlation id. */
export function launchesByCorrelation(runtime: readonly RuntimeCall[]): Map<number, RuntimeCall> {
  const out = new Map<number, RuntimeCall>();
  for (const r of runtime) if (r.correlation !== undefined && r.correlation > 0) out.set(r.correlation, r);
  return out;
}

export function streamIdle(
  rank: number,
  device: number,
  stream: number,
  acts: GpuActivity[],
  launches: Map<number, RuntimeCall>,
  kernelWaitUs = KERNEL_WAIT_US,
): StreamIdle {
  const row: StreamIdle = { rank, device, stream, hostWaitUs: 0, kernelWaitUs: 0, otherUs: 0, gaps: [] };
  let inOrder = true;
  for (let i = 1; i < acts.length && inOrder; i++) if (acts[i - 1].ts > acts[i].ts) inOrder = false;
  const sorted = inOrder ? acts : [...acts].sort((a, b) => a.ts - b.ts);
  let prevEnd = -Infinity;
  for (const a of sorted) {
    const gap = a.ts - prevEnd;
    if (Number.isFinite(gap) && gap > 0) {
      const launch = a.correlation !== undefined ? launches.get(a.correlation) : undefined;
      const category: IdleCategory =
        launch && launch.ts > prevEnd ? 'host wait' : gap < kernelWaitUs ? 'kernel wait' : 'other';
      if (category === 'host wait') row.hostWaitUs += gap;
      else if (category === 'kernel wait') row.kernelWaitUs += gap;
      else row.otherUs += gap;
      row.gaps.push({ start: prevEnd, end: a.ts, category });
    }
    prevEnd = Math.max(prevEnd, a.ts + a.dur);
  }
  return row;
}

export function gpuBreakdown(trace: TorchTrace, kernelWaitUs = KERNEL_WAIT_US): GpuBreakdown {
  const rank = rankOf(trace);
  const launches = launchesByCorrelation(trace.runtime);
  const out: GpuBreakdown = { temporal: [], idle: [], overlap: [], busy: new Map() };
  const devices = groupBy(trace.gpu, (g) => g.device);
  for (const device of [...devices.keys()].sort((a, b) => a - b)) {
    const acts = devices.get(device)!;
    const all = merged(acts);
    out.busy!.set(device, all);
    const byKind = new Map<GpuWork, ReturnType<typeof merged>>();
    for (const [kind, list] of groupBy(acts, gpuWork)) byKind.set(kind, merged(list));
    const spanUs = all.length ? all[all.length - 1][1] - all[0][0] : 0;
    const busy = totalLength(all);
    const computeUs = totalLength(byKind.get('compute') ?? []);
    out.temporal.push({
      rank,
      device,
      spanUs,
      idleUs: spanUs - busy,
      computeUs,
      nonComputeUs: Math.max(0, busy - computeUs),
    });
    const comm = byKind.get('communication') ?? [];
    const communicationUs = totalLength(comm);
    const overlappedUs = intersectionLength(comm, byKind.get('compute') ?? []);
    out.overlap.push({
      rank,
      device,
      communicationUs,
      overlappedUs,
      commComputeOverlapPct: communicationUs > 0 ? (100 * overlappedUs) / communicationUs : undefined,
      byMix: Object.fromEntries(timeByMix(byKind)),
    });
    const streams = groupBy(acts, (g) => g.stream);
    for (const stream of [...streams.keys()].sort((a, b) => a - b))
      out.idle.push(streamIdle(rank, device, stream, streams.get(stream)!, launches, kernelWaitUs));
  }
  return out;
}

/** The device's idle time from the temporal breakdown's merged intervals, as gaps (for the timeline). */
export function deviceIdleGaps(trace: TorchTrace, device: number, b?: GpuBreakdown): [number, number][] {
  const all = b?.busy?.get(device) ?? merged(trace.gpu.filter((g) => g.device === device));
  return all.length ? gaps(all, all[0][0], all[all.length - 1][1]) : [];
}
