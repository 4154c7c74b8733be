/**
 * What the Nsight views show, computed on the host and sent once: for an Nsight Systems report the
 * kernel, CUDA API, transfer, NVTX and OS runtime tables and the per-device busy timeline (not the
 * per-launch rows, which can be millions); for an Nsight Compute report one row per launch, the
 * findings in the order to fix them, per-kernel totals, the roofline ceilings, and optionally a
 * kernel-by-kernel comparison with a second report.
 */
import type { DeviceTimeline, DurationStat, NsysReport, NvtxStat } from '../../model/kernels';
import type { NcuReport } from '../../model/kernels';
import {
  summarizeLaunch,
  findings,
  kernelTotals,
  compareKernels,
  type Finding,
  type KernelComparison,
  type KernelTotal,
  type LaunchSummary,
} from './ncuSummary';

export interface TransferRow {
  name: string;
  /** Host-to-Device, Device-to-Host, Device-to-Device, Peer-to-Peer, memset, … */
  direction: string;
  calls: number;
  totalNs: number;
  avgNs: number;
  minNs: number;
  maxNs: number;
  timePct: number;
  totalBytes?: number;
  /** Bytes per second over the summed transfer time. */
  bytesPerS?: number;
}

export interface NsysViewData {
  kind: 'nsys';
  title: string;
  source: 'nsys-sqlite' | 'nsys-csv';
  version?: string;
  launches: number;
  kernels: DurationStat[];
  api: DurationStat[];
  transfers: TransferRow[];
  nvtx: NvtxStat[];
  /** How many ranges the report has; `nvtx` holds the longest NVTX_ROWS of them when grouped. */
  nvtxCount: number;
  nvtxOperators?: NvtxStat[];
  osrt: DurationStat[];
  devices: DeviceTimeline[];
  skipped: string[];
}

export interface LaunchRow extends LaunchSummary {
  device?: number;
  /** Findings of this launch that are not OK. */
  findings: number;
}

export interface NcuViewData {
  kind: 'ncu';
  title: string;
  page: 'details' | 'raw';
  launches: LaunchRow[];
  findings: Finding[];
  kernels: KernelTotal[];
  messages: string[];
  /** FP32 and DRAM ceilings when the report has the roofline section's peak metrics (first launch that has them). */
  roofline?: { peakFlopsPerS?: number; peakDramBytesPerS?: number };
}

export interface NcuComparisonData {
  beforeTitle: string;
  afterTitle: string;
  rows: KernelComparison[];
}

export function transferDirection(name: string): string {
  const m = /\[CUDA (memcpy|memset)(?: ([\w-]+))?\]/i.exec(name);
  if (!m) return name;
  return m[1].toLowerCase() === 'memset' ? 'memset' : (m[2] ?? 'memcpy');
}

/** With ranges grouped by operator, the per-call ranges sent to the view (the longest first). */
export const NVTX_ROWS = 1000;

export function buildNsysView(r: NsysReport, title: string): NsysViewData {
  const sizes = new Map(r.memorySize.map((m) => [m.name, m]));
  const transfers = r.memoryTime.map((m): TransferRow => {
    const bytes = m.totalBytes ?? sizes.get(m.name)?.totalBytes;
    return {
      name: m.name,
      direction: transferDirection(m.name),
      calls: m.calls,
      totalNs: m.totalNs,
      avgNs: m.avgNs,
      minNs: m.minNs,
      maxNs: m.maxNs,
      timePct: m.timePct,
      totalBytes: bytes,
      bytesPerS:
        bytes !== undefined && m.totalNs > 0 && !/memset/i.test(m.name) ? bytes / (m.totalNs / 1e9) : undefined,
    };
  });
  return {
    kind: 'nsys',
    title,
    source: r.source,
    version: r.version,
    launches: r.kernels.reduce((a, k) => a + k.calls, 0),
    kernels: r.kernels,
    api: r.api,
    transfers,
    osrt: r.osrt,
    devices: r.devices,
    skipped: r.skipped,
    nvtx: r.nvtxOperators ? [...r.nvtx].sort((a, b) => b.totalNs - a.totalNs).slice(0, NVTX_ROWS) : r.nvtx,
    nvtxCount: r.nvtx.length,
    nvtxOperators: r.nvtxOperators,
  };
}

export function buildNcuView(r: NcuReport, title: string): NcuViewData {
  const summaries = r.launches.map((l) => ({ l, s: summarizeLaunch(l) }));
  const fixes = findings(r);
  const peaks = summaries
    .map((x) => x.s)
    .find((s) => s.peakFlopsPerS !== undefined || s.peakDramBytesPerS !== undefined);
  return {
    kind: 'ncu',
    title,
    page: r.page,
    launches: summaries.map(({ l, s }) => ({
      ...s,
      device: l.device,
      findings: fixes.filter((f) => f.launchId === l.id).length,
    })),
    findings: fixes,
    kernels: kernelTotals(summaries.map((x) => x.s)),
    messages: r.messages,
    roofline: peaks ? { peakFlopsPerS: peaks.peakFlopsPerS, peakDramBytesPerS: peaks.peakDramBytesPerS } : undefined,
  };
}

export function buildNcuComparison(
  before: NcuReport,
  beforeTitle: string,
  after: NcuReport,
  afterTitle: string,
): NcuComparisonData {
  return {
    beforeTitle,
    afterTitle,
    rows: compareKernels(before.launches.map(summarizeLaunch), after.launches.map(summarizeLaunch)),
  };
}
