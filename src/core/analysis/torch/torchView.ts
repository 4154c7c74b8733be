/** What the PyTorch trace view shows: the tables and GPU breakdown, computed once on the host. */
import type { TorchTrace } from '../../model/torchTrace';
import { analyzeTorchSources, type KernelLauncher, type TorchSources } from './torchSources';
import { gpuTimeline, type GpuBusy, type GpuTimeline } from './gpuTime';
import type { PackedTimeline } from '../timeline/timelinePack';
import { analyzeTorchTrace, type KernelRow, type MemoryTimeline, type OpRow, type StepStats } from './torchAnalysis';
import { diagnose, type Diagnosis } from './diagnosis';
import type { RankDiagnosis } from './rankDiagnosis';
import type { StepPath } from './criticalPath';
import { memoryByOperator, type OpMemoryRow } from './opMemory';

/** The diagnosis as the view shows it: findings and the per-device and per-stream figures. */
export interface ViewDiagnosis {
  findings: Diagnosis['findings'];
  temporal: Diagnosis['temporal'];
  idle: Omit<Diagnosis['idle'][number], 'gaps'>[];
  overlap: Diagnosis['overlap'];
  syncs: Diagnosis['syncs'];
  /** Each step's critical path (its segments stay on the host: the timeline has them). */
  criticalPath: Omit<StepPath, 'segments'>[];
}

export function viewDiagnosis(d: Diagnosis): ViewDiagnosis {
  return {
    criticalPath: d.criticalPath.steps.map(({ segments: _s, ...s }) => s),
    findings: d.findings,
    temporal: d.temporal,
    idle: d.idle.map(({ gaps: _gaps, ...s }) => s),
    overlap: d.overlap,
    syncs: d.syncs.slice(0, 20),
  };
}

export interface TraceViewData {
  title: string;
  form: 'kineto' | 'legacy' | 'nsys' | 'profile';
  spanUs: number;
  events: number;
  /** Events left out of the trace and why. */
  skipped: { why: string; count: number }[];
  gpuActivities: number;
  attributed: number;
  ops: OpRow[];
  kernels: KernelRow[];
  gpu: GpuBusy[];
  timeline: GpuTimeline[];
  devices: string[];
  memory: MemoryTimeline[];
  /** Per kernel name: the operator and Python stack it was launched from (most frequent first). */
  launchers: Record<string, KernelLauncher[]>;
  steps: StepStats;
  rank?: number;
  meta: Record<string, string>;
  /** Why the GPU is idle (not for CPU profiles in time order). */
  diagnosis?: ViewDiagnosis;
  /** Memory by operator (traces recorded with profile_memory), the 200 largest. */
  memoryOps?: OpMemoryRow[];
  /** With the other ranks of a distributed run: how they compare (steps, operators, waits). */
  rankDiagnosis?: RankDiagnosis;
  /** In the HTML report: the timeline's columns, or why they were left out. */
  timelineColumns?: PackedTimeline | { leftOut: string };
}

export interface RankRow {
  title: string;
  rank?: number;
  steps: number;
  meanStepMs: number;
  gpuBusyMs: number;
  communicationMs: number;
  /** How much slower than the fastest rank's mean step. */
  slowdownPct: number;
}

/** Compares the traces of a distributed run: step time, GPU busy and communication per rank. */
export function compareRanks(views: TraceViewData[]): RankRow[] {
  const rows = views.map((v) => ({
    title: v.title,
    rank: v.rank,
    steps: v.steps.steps,
    meanStepMs: (v.steps.steps ? v.steps.meanStepUs : v.spanUs) / 1000,
    gpuBusyMs: v.gpu.reduce((a, g) => a + g.busyUs, 0) / 1000,
    communicationMs: v.gpu.reduce((a, g) => a + g.communicationUs, 0) / 1000,
    slowdownPct: 0,
  }));
  const fastest = Math.min(...rows.map((r) => r.meanStepMs).filter((x) => x > 0));
  for (const r of rows)
    r.slowdownPct = Number.isFinite(fastest) && fastest > 0 ? (100 * (r.meanStepMs - fastest)) / fastest : 0;
  return rows;
}

export function buildTraceView(
  trace: TorchTrace,
  title: string,
  sources: TorchSources = analyzeTorchSources(trace),
): TraceViewData {
  const s = analyzeTorchTrace(trace);
  const devices = trace.deviceProperties
    .map((d) => (d && typeof d === 'object' && 'name' in d ? String((d as { name: unknown }).name) : ''))
    .filter(Boolean);
  return {
    title,
    form: trace.form,
    spanUs: s.spanUs,
    events: trace.eventCount,
    skipped: trace.skipped,
    gpuActivities: trace.gpu.length,
    attributed: s.attributed,
    ops: s.ops,
    kernels: s.kernels,
    gpu: s.gpu,
    timeline: gpuTimeline(trace),
    devices,
    memory: s.memory,
    launchers: sources.launchers,
    steps: s.steps,
    rank: typeof trace.distributedInfo?.rank === 'number' ? trace.distributedInfo.rank : undefined,
    meta: trace.meta,
    diagnosis: trace.form === 'profile' ? undefined : viewDiagnosis(diagnose(trace)),
    memoryOps: memoryByOperator(trace).slice(0, 200),
  };
}

export { toCsv } from '../../util/csv';
