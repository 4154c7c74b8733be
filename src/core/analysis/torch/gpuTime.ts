/**
 * GPU time of a trace per device: busy and idle time (activities merged across streams), what
 * kind of work filled it (compute, memcpy, memset, communication), and the busy share over time.
 */
import type { TorchTrace } from '../../model/torchTrace';
import { matcherByName } from '../../util/matcherByName';
import { IntervalMerger, orderByStart, totalLength, type Intervals } from './gpuIntervals';

export interface GpuBusy {
  device: number;
  busyUs: number;
  idleUs: number;
  spanUs: number;
  computeUs: number;
  memcpyUs: number;
  memsetUs: number;
  communicationUs: number;
}

/** From the trace's start (ts 0) to the end of its last event. */
export function traceSpan(trace: TorchTrace): number {
  let end = 0;
  for (const o of trace.ops) end = Math.max(end, o.ts + o.dur);
  for (const r of trace.runtime) end = Math.max(end, r.ts + r.dur);
  for (const g of trace.gpu) end = Math.max(end, g.ts + g.dur);
  return end;
}

export interface GpuTimeline {
  device: number;
  bucketUs: number;
  /** Busy share of each bucket, 0-100. */
  busyPct: number[];
}

/** GPU utilisation per time bucket and device: the share of each bucket with any activity. */
export function gpuTimeline(trace: TorchTrace, buckets = 200): GpuTimeline[] {
  const span = traceSpan(trace);
  if (span <= 0) return [];
  const width = span / buckets;
  const out: GpuTimeline[] = [];
  for (const [device, intervals] of mergedByDevice(trace)) {
    const busy = new Array<number>(buckets).fill(0);
    for (let i = 0; i < intervals.length; i++) {
      const b = intervals.end[i];
      let s0 = intervals.start[i];
      while (s0 < b) {
        const k = Math.min(buckets - 1, Math.floor(s0 / width));
        const end = Math.min(b, (k + 1) * width);
        busy[k] += end - s0;
        if (end <= s0) break;
        s0 = end;
      }
    }
    out.push({ device, bucketUs: width, busyPct: busy.map((v) => Math.min(100, (100 * v) / width)) });
  }
  return out;
}

/**
 * Per device (in order of device), the GPU activities' intervals merged across streams, walked
 * in the trace's order by start (made once, shared with the diagnosis).
 */
export function mergedByDevice(trace: TorchTrace): Map<number, Intervals> {
  const byDevice = new Map<number, IntervalMerger>();
  const order = orderByStart(trace.gpu);
  for (let k = 0; k < order.length; k++) {
    const g = trace.gpu[order[k]];
    let m = byDevice.get(g.device);
    if (m === undefined) byDevice.set(g.device, (m = new IntervalMerger()));
    m.add(g.ts, g.ts + g.dur);
  }
  return new Map([...byDevice].sort((a, b) => a[0] - b[0]).map(([device, m]) => [device, m.done()]));
}

/** A communication kernel (NCCL, RCCL, collectives): kernel names are matched once each. */
export const isCommunication = matcherByName(
  /nccl|rccl|allreduce|all_reduce|allgather|reducescatter|alltoall|broadcast.*kernel/i,
);

/** Per device: time with at least one GPU activity running (intervals merged across streams). */
export function gpuBusy(trace: TorchTrace): GpuBusy[] {
  const span = traceSpan(trace);
  const rows = new Map<number, GpuBusy>();
  for (const a of trace.gpu) {
    let row = rows.get(a.device);
    if (row === undefined)
      rows.set(
        a.device,
        (row = {
          device: a.device,
          busyUs: 0,
          idleUs: 0,
          spanUs: span,
          computeUs: 0,
          memcpyUs: 0,
          memsetUs: 0,
          communicationUs: 0,
        }),
      );
    if (a.kind === 'memcpy') row.memcpyUs += a.dur;
    else if (a.kind === 'memset') row.memsetUs += a.dur;
    else if (isCommunication(a.name)) row.communicationUs += a.dur;
    else row.computeUs += a.dur;
  }
  const out: GpuBusy[] = [];
  for (const [device, merged] of mergedByDevice(trace)) {
    const row = rows.get(device)!;
    row.busyUs = totalLength(merged);
    row.idleUs = Math.max(0, span - row.busyUs);
    out.push(row);
  }
  return out;
}
