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
import {
  gpuWork,
  longestGap,
  intersectionLength,
  IntervalMerger,
  merged,
  orderByStart,
  timeByMix,
  totalLength,
  Intervals,
  type GpuWork,
} from './gpuIntervals';
import { GrowArray } from '../../util/growArray';

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

const CATEGORIES: IdleCategory[] = ['host wait', 'kernel wait', 'other'];

/**
 * A stream's idle gaps as columns (a gap per kernel on a busy trace: 830,000 on the 1 GB bench
 * trace, where an object each cost more time and memory than the breakdown around them).
 */
export class IdleGaps {
  private readonly starts = new GrowArray((n) => new Float64Array(n));
  private readonly ends = new GrowArray((n) => new Float64Array(n));
  private readonly codes = new GrowArray((n) => new Uint8Array(n));

  get length(): number {
    return this.starts.n;
  }
  get start(): Float64Array {
    return this.starts.a;
  }
  get end(): Float64Array {
    return this.ends.a;
  }
  /** Index into CATEGORIES. */
  get code(): Uint8Array {
    return this.codes.a;
  }

  push(start: number, end: number, category: number): void {
    this.starts.push(start);
    this.ends.push(end);
    this.codes.push(category);
  }

  category(i: number): IdleCategory {
    return CATEGORIES[this.code[i]];
  }

  /** The gaps as objects (for tests and small traces). */
  map<T>(f: (g: IdleGap) => T): T[] {
    const out: T[] = [];
    for (let i = 0; i < this.length; i++)
      out.push(f({ start: this.start[i], end: this.end[i], category: this.category(i) }));
    return out;
  }
}

export interface StreamIdle {
  rank: number;
  device: number;
  stream: number;
  hostWaitUs: number;
  kernelWaitUs: number;
  otherUs: number;
  gaps: IdleGaps;
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

/** The runtime call that launched a GPU activity, by the correlation id they share. */
export interface Launches {
  get(correlation: number | undefined): RuntimeCall | undefined;
}

/** Ids as CUPTI numbers them (small integers from 1): an array indexed by id; index + 1, 0 for none. */
class DenseLaunches implements Launches {
  constructor(
    private readonly slot: Int32Array,
    private readonly runtime: readonly RuntimeCall[],
  ) {}
  get(c: number | undefined): RuntimeCall | undefined {
    if (c === undefined || !(c >= 0 && c < this.slot.length)) return undefined;
    const i = this.slot[c];
    return i > 0 ? this.runtime[i - 1] : undefined;
  }
}

const launchCache = new WeakMap<readonly RuntimeCall[], { n: number; launches: Launches }>();

/**
 * The launches of a trace's runtime calls, made once per list (the breakdown, the launch
 * statistics, the queues and the timeline's idle lanes all ask): where the ids are integers
 * no larger than 4 per call (plus a million), an Int32Array indexed by id, else a Map. On the
 * 1 GB bench trace the Map, built three times, cost about a second of the diagnosis.
 */
export function launchesByCorrelation(runtime: readonly RuntimeCall[]): Launches {
  const hit = launchCache.get(runtime);
  if (hit && hit.n === runtime.length) return hit.launches;
  let max = 0;
  let dense = true;
  for (const r of runtime) {
    const c = r.correlation;
    if (c === undefined || !(c > 0)) continue;
    if (!Number.isInteger(c)) dense = false;
    else if (c > max) max = c;
  }
  let launches: Launches;
  if (dense && max <= 4 * runtime.length + 1_000_000) {
    const slot = new Int32Array(max + 1);
    runtime.forEach((r, i) => {
      if (r.correlation !== undefined && r.correlation > 0) slot[r.correlation] = i + 1;
    });
    launches = new DenseLaunches(slot, runtime);
  } else {
    const m = new Map<number, RuntimeCall>();
    for (const r of runtime) if (r.correlation !== undefined && r.correlation > 0) m.set(r.correlation, r);
    launches = { get: (c) => (c === undefined ? undefined : m.get(c)) };
  }
  launchCache.set(runtime, { n: runtime.length, launches });
  return launches;
}

/** A stream's idle gaps, from its activities fed in order of start. */
class StreamIdleBuilder {
  readonly row: StreamIdle;
  private prevEnd = -Infinity;

  constructor(
    rank: number,
    device: number,
    stream: number,
    private readonly launches: Launches,
    private readonly kernelWaitUs: number,
  ) {
    this.row = { rank, device, stream, hostWaitUs: 0, kernelWaitUs: 0, otherUs: 0, gaps: new IdleGaps() };
  }

  add(a: GpuActivity): void {
    const gap = a.ts - this.prevEnd;
    if (Number.isFinite(gap) && gap > 0) {
      const launch = this.launches.get(a.correlation);
      // 0 host wait, 1 kernel wait, 2 other (CATEGORIES).
      const category = launch && launch.ts > this.prevEnd ? 0 : gap < this.kernelWaitUs ? 1 : 2;
      if (category === 0) this.row.hostWaitUs += gap;
      else if (category === 1) this.row.kernelWaitUs += gap;
      else this.row.otherUs += gap;
      this.row.gaps.push(this.prevEnd, a.ts, category);
    }
    this.prevEnd = Math.max(this.prevEnd, a.ts + a.dur);
  }
}

export function streamIdle(
  rank: number,
  device: number,
  stream: number,
  acts: GpuActivity[],
  launches: Launches,
  kernelWaitUs = KERNEL_WAIT_US,
): StreamIdle {
  const b = new StreamIdleBuilder(rank, device, stream, launches, kernelWaitUs);
  const order = orderByStart(acts);
  for (let k = 0; k < order.length; k++) b.add(acts[order[k]]);
  return b.row;
}

const idleCache = new WeakMap<
  readonly GpuActivity[],
  { n: number; rank: number; kernelWaitUs: number; rows: StreamIdle[] }
>();

/**
 * Every stream's idle gaps, in one walk over the trace's activities in order of start: no list
 * per stream is gathered and sorted again. Streams come in the order of their first activity in
 * the trace's list. Made once per list (and rank): the breakdown and the timeline's idle lanes
 * both ask, one after the other in the reader's worker.
 */
export function streamsIdle(trace: TorchTrace, rank = 0, kernelWaitUs = KERNEL_WAIT_US): StreamIdle[] {
  const gpu = trace.gpu;
  const hit = idleCache.get(gpu);
  if (hit && hit.n === gpu.length && hit.rank === rank && hit.kernelWaitUs === kernelWaitUs) return hit.rows;
  const launches = launchesByCorrelation(trace.runtime);
  const byDevice = new Map<number, Map<number, { b: StreamIdleBuilder; first: number }>>();
  const rows: { b: StreamIdleBuilder; first: number }[] = [];
  const order = orderByStart(gpu);
  let last: { b: StreamIdleBuilder; first: number } | undefined;
  for (let k = 0; k < order.length; k++) {
    const i = order[k];
    const a = gpu[i];
    if (last === undefined || last.b.row.device !== a.device || last.b.row.stream !== a.stream) {
      let streams = byDevice.get(a.device);
      if (!streams) byDevice.set(a.device, (streams = new Map()));
      last = streams.get(a.stream);
      if (!last) {
        const b = new StreamIdleBuilder(rank, a.device, a.stream, launches, kernelWaitUs);
        streams.set(a.stream, (last = { b, first: i }));
        rows.push(last);
      }
    }
    if (i < last.first) last.first = i;
    last.b.add(a);
  }
  const out = rows.sort((x, y) => x.first - y.first).map((r) => r.b.row);
  idleCache.set(gpu, { n: gpu.length, rank, kernelWaitUs, rows: out });
  return out;
}

/**
 * One walk over the trace's activities in order of start feeds every device's merge (all its
 * work, and each kind's); every stream's idle gaps are streamsIdle's: no list per device, kind or
 * stream is copied and sorted (on the 1 GB bench trace those sorts were most of the breakdown's
 * time).
 */
const NONE = new Intervals(new Float64Array(0), new Float64Array(0));

export function gpuBreakdown(trace: TorchTrace, kernelWaitUs = KERNEL_WAIT_US): GpuBreakdown {
  const rank = rankOf(trace);
  const out: GpuBreakdown = { temporal: [], idle: [], overlap: [], busy: new Map() };
  const devices = new Map<number, { all: IntervalMerger; kinds: Map<GpuWork, IntervalMerger> }>();
  const gpu = trace.gpu;
  const order = orderByStart(gpu);
  for (let k = 0; k < order.length; k++) {
    const a = gpu[order[k]];
    let d = devices.get(a.device);
    if (!d) devices.set(a.device, (d = { all: new IntervalMerger(), kinds: new Map() }));
    const end = a.ts + a.dur;
    d.all.add(a.ts, end);
    const kind = gpuWork(a);
    let m = d.kinds.get(kind);
    if (!m) d.kinds.set(kind, (m = new IntervalMerger()));
    m.add(a.ts, end);
  }
  const idle = streamsIdle(trace, rank, kernelWaitUs);
  for (const device of [...devices.keys()].sort((a, b) => a - b)) {
    const d = devices.get(device)!;
    const all = d.all.done();
    out.busy!.set(device, all);
    const byKind = new Map<GpuWork, Intervals>([...d.kinds].map(([kind, m]) => [kind, m.done()]));
    const spanUs = all.length ? all.end[all.length - 1] - all.start[0] : 0;
    const busy = totalLength(all);
    const computeUs = totalLength(byKind.get('compute') ?? NONE);
    out.temporal.push({
      rank,
      device,
      spanUs,
      idleUs: spanUs - busy,
      computeUs,
      nonComputeUs: Math.max(0, busy - computeUs),
    });
    const comm = byKind.get('communication') ?? NONE;
    const communicationUs = totalLength(comm);
    const overlappedUs = intersectionLength(comm, byKind.get('compute') ?? NONE);
    out.overlap.push({
      rank,
      device,
      communicationUs,
      overlappedUs,
      commComputeOverlapPct: communicationUs > 0 ? (100 * overlappedUs) / communicationUs : undefined,
      byMix: Object.fromEntries(timeByMix(byKind)),
    });
  }
  out.idle = [...idle].sort((x, y) => x.device - y.device || x.stream - y.stream);
  return out;
}

/** The device's longest idle gap, from the temporal breakdown's merged intervals. */
export function longestIdleGap(trace: TorchTrace, device: number, b?: GpuBreakdown): [number, number] | undefined {
  return longestGap(b?.busy?.get(device) ?? merged(trace.gpu.filter((g) => g.device === device)));
}
