/**
 * Operator table, kernel table and GPU busy time of a PyTorch trace. The operator numbers are
 * those torch.profiler's key_averages() prints: per name, calls, self and total CPU time (an
 * operator's self time excludes the operators and runtime calls nested in it on the same
 * thread), and device time of the kernels each operator launched (kernel → runtime call by correlation id → the
 * innermost operator running on that thread at the launch; External id when no runtime call
 * was recorded).
 */
import type { CpuOp, GpuActivity, TorchTrace } from '../../model/torchTrace';
import { gpuBusy, traceSpan, type GpuBusy } from './gpuTime';
import { innermostAt, threadKeys } from './spanNesting';
import { launchesByCorrelation } from './gpuBreakdown';
import { stepRowName } from './profilerSteps';

export interface OpRow {
  name: string;
  calls: number;
  selfCpuUs: number;
  totalCpuUs: number;
  selfDeviceUs: number;
  totalDeviceUs: number;
  inputShapes?: string[];
}

export interface KernelRow {
  name: string;
  calls: number;
  totalUs: number;
  meanUs: number;
  minUs: number;
  maxUs: number;
  gpuPct: number;
  devices: number[];
  streams: number[];
  grid?: readonly number[];
  block?: readonly number[];
  registersPerThread?: number;
  sharedMemory?: number;
  occupancy?: number;
}

/**
 * Operators nested by time on each thread, in flat typed arrays (millions of operators in big
 * traces: one object per node would cost seconds in allocation and GC). A thread's operators
 * are contiguous, sorted by start time, parents before children.
 */
export interface Nesting {
  ops: CpuOp[];
  ts: Float64Array;
  end: Float64Array;
  parent: Int32Array;
  childCpu: Float64Array;
  selfDevice: Float64Array;
  totalDevice: Float64Array;
  threads: Map<string, { start: number; end: number }>;
}

const EPS = 1e-3;

export function nestOps(trace: TorchTrace): Nesting {
  const threads = new Map<string, CpuOp[]>();
  const keyOf = threadKeys();
  for (const op of trace.ops) {
    const k = keyOf(op.pid, op.tid);
    const list = threads.get(k);
    if (list) list.push(op);
    else threads.set(k, [op]);
  }
  const n = trace.ops.length;
  const nest: Nesting = {
    ops: new Array<CpuOp>(n),
    ts: new Float64Array(n),
    end: new Float64Array(n),
    parent: new Int32Array(n),
    childCpu: new Float64Array(n),
    selfDevice: new Float64Array(n),
    totalDevice: new Float64Array(n),
    threads: new Map(),
  };
  let id = 0;
  const stack = new Int32Array(Math.max(1, n));
  for (const [k, ops] of threads) {
    ops.sort((x, y) => x.ts - y.ts || y.dur - x.dur);
    const start = id;
    let sp = 0;
    for (const op of ops) {
      const end = op.ts + op.dur;
      while (sp > 0) {
        const top = stack[sp - 1];
        if (end <= nest.end[top] + EPS && op.ts >= nest.ts[top] - EPS) break;
        sp--;
      }
      const parent = sp > 0 ? stack[sp - 1] : -1;
      nest.ops[id] = op;
      nest.ts[id] = op.ts;
      nest.end[id] = end;
      nest.parent[id] = parent;
      if (parent >= 0) nest.childCpu[parent] += op.dur;
      stack[sp++] = id;
      id++;
    }
    nest.threads.set(k, { start, end: id });
  }
  return nest;
}

/** The innermost operator running at each time on a thread (by its "pid\0tid" key), or -1. */
export function innermostOps(nest: Nesting, threadKey: string, times: ArrayLike<number>): Int32Array {
  const thread = nest.threads.get(threadKey);
  if (!thread) return new Int32Array(times.length).fill(-1);
  return innermostAt(nest, thread.start, thread.end, times, EPS);
}

export interface MemoryTimeline {
  device: number;
  /** [time µs, allocated bytes, reserved bytes], at most ~500 points (max per bucket). */
  points: [number, number, number | null][];
  peakAllocated: number;
  peakAt: number;
  /** The innermost operator running on the allocating thread at the peak. */
  peakOperator?: string;
}

export interface StepStats {
  steps: number;
  meanStepUs: number;
}

export interface TorchSummary {
  ops: OpRow[];
  kernels: KernelRow[];
  gpu: GpuBusy[];
  spanUs: number;
  /** GPU activities whose launching operator was found. */
  attributed: number;
  memory: MemoryTimeline[];
  steps: StepStats;
}

export function analyzeTorchTrace(trace: TorchTrace): TorchSummary {
  const nest = nestOps(trace);
  const n = nest.ops.length;
  // Kernels → operators.
  const launches = launchesByCorrelation(trace.runtime);
  const keyOf = threadKeys();
  const opByExternalId = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const op = nest.ops[i];
    if (op.externalId !== undefined && op.kind === 'op') opByExternalId.set(op.externalId, i);
  }
  // Each activity's runtime call, then the innermost operator at each call, a thread at a time.
  const owner = new Int32Array(trace.gpu.length).fill(-1);
  const launchesByThread = new Map<string, { activity: number[]; ts: number[] }>();
  trace.gpu.forEach((g, i) => {
    const r = launches.get(g.correlation);
    if (!r) return;
    const k = keyOf(r.pid, r.tid);
    let l = launchesByThread.get(k);
    if (!l) launchesByThread.set(k, (l = { activity: [], ts: [] }));
    l.activity.push(i);
    l.ts.push(r.ts);
  });
  for (const [k, l] of launchesByThread) {
    const ops = innermostOps(nest, k, l.ts);
    l.activity.forEach((a, j) => (owner[a] = ops[j]));
  }
  // Runtime calls (cudaLaunchKernel, cudaMemcpyAsync, …) are children of the operator they ran
  // in: key_averages() lists them as rows of their own and leaves them out of its self CPU time.
  const runtimeByThread = new Map<string, { dur: number[]; ts: number[] }>();
  for (const r of trace.runtime) {
    const k = keyOf(r.pid, r.tid);
    let l = runtimeByThread.get(k);
    if (!l) runtimeByThread.set(k, (l = { dur: [], ts: [] }));
    l.dur.push(r.dur);
    l.ts.push(r.ts);
  }
  for (const [k, l] of runtimeByThread) {
    const ops = innermostOps(nest, k, l.ts);
    l.dur.forEach((d, j) => {
      if (ops[j] >= 0) nest.childCpu[ops[j]] += d;
    });
  }
  let attributed = 0;
  trace.gpu.forEach((g, i) => {
    let o = owner[i];
    if (o < 0 && g.externalId !== undefined) o = opByExternalId.get(g.externalId) ?? -1;
    if (o >= 0) {
      nest.selfDevice[o] += g.dur;
      attributed++;
    }
  });
  // Total device time: each node's own plus its descendants' (children come after parents).
  for (let i = n - 1; i >= 0; i--) {
    nest.totalDevice[i] += nest.selfDevice[i];
    const p = nest.parent[i];
    if (p >= 0) nest.totalDevice[p] += nest.totalDevice[i];
  }
  const rows = new Map<string, OpRow & { shapes: Set<string> }>();
  for (let i = 0; i < n; i++) {
    const o = nest.ops[i];
    // key_averages() folds the per-step spans into one row, as torch names it.
    const name = stepRowName(o.name);
    let row = rows.get(name);
    if (!row) {
      row = { name, calls: 0, selfCpuUs: 0, totalCpuUs: 0, selfDeviceUs: 0, totalDeviceUs: 0, shapes: new Set() };
      rows.set(name, row);
    }
    row.calls++;
    row.totalCpuUs += o.dur;
    row.selfCpuUs += Math.max(0, o.dur - nest.childCpu[i]);
    row.selfDeviceUs += nest.selfDevice[i];
    row.totalDeviceUs += nest.totalDevice[i];
    if (o.inputDims !== undefined && row.shapes.size < 8) row.shapes.add(JSON.stringify(o.inputDims));
  }
  const ops: OpRow[] = [...rows.values()]
    .map(({ shapes, ...r }) => (shapes.size > 0 ? { ...r, inputShapes: [...shapes] } : r))
    .sort((a, b) => b.totalDeviceUs - a.totalDeviceUs || b.selfCpuUs - a.selfCpuUs);

  return {
    ops,
    kernels: kernelTable(trace.gpu),
    gpu: gpuBusy(trace),
    spanUs: traceSpan(trace),
    attributed,
    memory: memoryTimeline(trace, nest),
    steps: stepStats(trace),
  };
}

function stepStats(trace: TorchTrace): StepStats {
  const steps = trace.ops.filter((o) => /^ProfilerStep#\d+$/.test(o.name));
  return { steps: steps.length, meanStepUs: steps.length ? steps.reduce((a, o) => a + o.dur, 0) / steps.length : 0 };
}

function memoryTimeline(trace: TorchTrace, nest: Nesting): MemoryTimeline[] {
  const out: MemoryTimeline[] = [];
  const byDevice = new Map<number, typeof trace.memory>();
  for (const m of trace.memory) {
    if (m.totalAllocated === undefined) continue;
    const l = byDevice.get(m.device);
    if (l) l.push(m);
    else byDevice.set(m.device, [m]);
  }
  for (const [device, samples] of [...byDevice.entries()].sort((a, b) => a[0] - b[0])) {
    samples.sort((a, b) => a.ts - b.ts);
    let peak = samples[0];
    for (const m of samples) if ((m.totalAllocated ?? 0) > (peak.totalAllocated ?? 0)) peak = m;
    const stride = Math.max(1, Math.ceil(samples.length / 500));
    const points: MemoryTimeline['points'] = [];
    for (let i = 0; i < samples.length; i += stride) {
      let best = samples[i];
      for (let j = i; j < Math.min(samples.length, i + stride); j++)
        if ((samples[j].totalAllocated ?? 0) > (best.totalAllocated ?? 0)) best = samples[j];
      points.push([best.ts, best.totalAllocated ?? 0, best.totalReserved ?? null]);
    }
    let peakOperator: string | undefined;
    const at = innermostOps(nest, `${peak.pid ?? ''}\u0000${peak.tid ?? ''}`, [peak.ts])[0];
    if (at >= 0) peakOperator = nest.ops[at].name;
    out.push({ device, points, peakAllocated: peak.totalAllocated ?? 0, peakAt: peak.ts, peakOperator });
  }
  return out;
}

export function kernelTable(gpu: GpuActivity[]): KernelRow[] {
  const kernels = gpu.filter((g) => g.kind === 'kernel');
  const total = kernels.reduce((a, k) => a + k.dur, 0);
  const rows = new Map<string, KernelRow & { occSum: number; occN: number }>();
  for (const k of kernels) {
    let r = rows.get(k.name);
    if (!r) {
      r = {
        name: k.name,
        calls: 0,
        totalUs: 0,
        meanUs: 0,
        minUs: Infinity,
        maxUs: 0,
        gpuPct: 0,
        devices: [],
        streams: [],
        grid: k.grid,
        block: k.block,
        registersPerThread: k.registersPerThread,
        sharedMemory: k.sharedMemory,
        occSum: 0,
        occN: 0,
      };
      rows.set(k.name, r);
    }
    r.calls++;
    r.totalUs += k.dur;
    r.minUs = Math.min(r.minUs, k.dur);
    r.maxUs = Math.max(r.maxUs, k.dur);
    if (!r.devices.includes(k.device)) r.devices.push(k.device);
    if (!r.streams.includes(k.stream)) r.streams.push(k.stream);
    if (k.occupancy !== undefined) {
      r.occSum += k.occupancy;
      r.occN++;
    }
  }
  return [...rows.values()]
    .map(({ occSum, occN, ...r }) => ({
      ...r,
      meanUs: r.totalUs / r.calls,
      gpuPct: total > 0 ? (100 * r.totalUs) / total : 0,
      occupancy: occN > 0 ? occSum / occN : undefined,
    }))
    .sort((a, b) => b.totalUs - a.totalUs);
}
