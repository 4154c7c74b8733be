/** What the PyTorch trace view shows: the tables and GPU breakdown, computed once on the host. */
import type { TorchTrace } from '../model/torchTrace';
import { analyzeTorchTrace, gpuTimeline, type GpuBusy, type GpuTimeline, type KernelRow, type OpRow } from './torchAnalysis';

export interface TraceViewData {
  title: string;
  form: 'kineto' | 'legacy';
  spanUs: number;
  events: number;
  gpuActivities: number;
  attributed: number;
  ops: OpRow[];
  kernels: KernelRow[];
  gpu: GpuBusy[];
  timeline: GpuTimeline[];
  devices: string[];
  meta: Record<string, string>;
}

export function buildTraceView(trace: TorchTrace, title: string): TraceViewData {
  const s = analyzeTorchTrace(trace);
  const devices = trace.deviceProperties
    .map((d) => (d && typeof d === 'object' && 'name' in d ? String((d as { name: unknown }).name) : ''))
    .filter(Boolean);
  return {
    title,
    form: trace.form,
    spanUs: s.spanUs,
    events: trace.eventCount,
    gpuActivities: trace.gpu.length,
    attributed: s.attributed,
    ops: s.ops,
    kernels: s.kernels,
    gpu: s.gpu,
    timeline: gpuTimeline(trace),
    devices,
    meta: trace.meta,
  };
}

/** A table as CSV (RFC 4180 quoting). */
export function toCsv(header: string[], rows: (string | number | undefined)[][]): string {
  const cell = (v: string | number | undefined) => {
    const s = v === undefined ? '' : String(v);
    return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return [header, ...rows].map((r) => r.map(cell).join(',')).join('\n') + '\n';
}
