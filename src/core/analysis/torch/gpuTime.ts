/**
 * GPU time of a trace per device: busy and idle time (activities merged across streams), what
 * kind of work filled it (compute, memcpy, memset, communication), and the busy share over time.
 */
import type { GpuActivity, TorchTrace } from '../../model/torchTrace';

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
  for (const [device, intervals] of mergedIntervals(trace)) {
    const busy = new Array<number>(buckets).fill(0);
    for (const [a, b] of intervals) {
      let s0 = a;
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

/** Per device, the GPU activities' intervals merged across streams, in time order. */
function mergedIntervals(trace: TorchTrace): Map<number, [number, number][]> {
  const byDevice = new Map<number, GpuActivity[]>();
  for (const g of trace.gpu) {
    const l = byDevice.get(g.device);
    if (l) l.push(g);
    else byDevice.set(g.device, [g]);
  }
  const out = new Map<number, [number, number][]>();
  for (const [device, acts] of [...byDevice.entries()].sort((a, b) => a[0] - b[0])) {
    acts.sort((a, b) => a.ts - b.ts);
    const merged: [number, number][] = [];
    for (const a of acts) {
      const end = a.ts + a.dur;
      const last = merged[merged.length - 1];
      if (last && a.ts <= last[1]) last[1] = Math.max(last[1], end);
      else merged.push([a.ts, end]);
    }
    out.set(device, merged);
  }
  return out;
}

const COMMUNICATION = /nccl|rccl|allreduce|all_reduce|allgather|reducescatter|alltoall|broadcast.*kernel/i;

/** Per device: time with at least one GPU activity running (intervals merged across streams). */
export function gpuBusy(trace: TorchTrace): GpuBusy[] {
  const span = traceSpan(trace);
  const byDevice = new Map<number, GpuActivity[]>();
  for (const g of trace.gpu) {
    const l = byDevice.get(g.device);
    if (l) l.push(g);
    else byDevice.set(g.device, [g]);
  }
  const out: GpuBusy[] = [];
  for (const [device, acts] of [...byDevice.entries()].sort((a, b) => a[0] - b[0])) {
    acts.sort((a, b) => a.ts - b.ts);
    let busy = 0;
    let curStart = -Infinity;
    let curEnd = -Infinity;
    const row: GpuBusy = {
      device,
      busyUs: 0,
      idleUs: 0,
      spanUs: span,
      computeUs: 0,
      memcpyUs: 0,
      memsetUs: 0,
      communicationUs: 0,
    };
    for (const a of acts) {
      if (a.kind === 'memcpy') row.memcpyUs += a.dur;
      else if (a.kind === 'memset') row.memsetUs += a.dur;
      else if (COMMUNICATION.test(a.name)) row.communicationUs += a.dur;
      else row.computeUs += a.dur;
      const end = a.ts + a.dur;
      if (a.ts > curEnd) {
        if (curEnd > curStart) busy += curEnd - curStart;
        curStart = a.ts;
        curEnd = end;
      } else if (end > curEnd) curEnd = end;
    }
    if (curEnd > curStart) busy += curEnd - curStart;
    row.busyUs = busy;
    row.idleUs = Math.max(0, span - busy);
    out.push(row);
  }
  return out;
}
