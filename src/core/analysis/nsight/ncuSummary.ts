/**
 * What a person acts on from an Nsight Compute report: per launch the duration, compute (SM) and
 * memory throughput, achieved occupancy, registers, block and grid, the DRAM traffic and, with
 * FLOP counts, the roofline position; the rule findings ordered by estimated speedup; per kernel
 * name the calls and total time; and a kernel-by-kernel comparison of two reports.
 * Metrics are found under their raw names (`--metrics`, `--page raw`) or section display names.
 */
import type { NcuLaunch, NcuMetric, NcuReport } from '../../model/kernels';

export interface LaunchSummary {
  id: number;
  name: string;
  durationNs?: number;
  smThroughputPct?: number;
  memThroughputPct?: number;
  achievedOccupancyPct?: number;
  registersPerThread?: number;
  block?: string;
  grid?: string;
  dramBytes?: number;
  /** DRAM bytes per second of the launch's duration. */
  dramBytesPerS?: number;
  flops?: number;
  flopsPerS?: number;
  /** FLOPs per DRAM byte. */
  arithmeticIntensity?: number;
  /** The device's FP32 and DRAM ceilings, from the roofline section's peak metrics. */
  peakFlopsPerS?: number;
  peakDramBytesPerS?: number;
}

export interface Finding {
  launchId: number;
  kernel: string;
  rule: string;
  type?: string;
  description: string;
  speedupPct?: number;
}

export interface KernelTotal {
  name: string;
  calls: number;
  totalNs: number;
}

const TIME_UNITS: Record<string, number> = {
  ns: 1,
  nsecond: 1,
  nsec: 1,
  us: 1e3,
  usecond: 1e3,
  usec: 1e3,
  µs: 1e3,
  ms: 1e6,
  msecond: 1e6,
  msec: 1e6,
  s: 1e9,
  second: 1e9,
  sec: 1e9,
  cycle: NaN,
};

function metric(l: NcuLaunch, names: string[], accept?: (m: NcuMetric) => boolean): NcuMetric | undefined {
  for (const n of names) {
    const direct = l.metrics[n];
    if (direct && typeof direct.value === 'number' && (!accept || accept(direct))) return direct;
    // A display name repeated in another section: "Section / Name".
    for (const [k, m] of Object.entries(l.metrics))
      if (k.endsWith(` / ${n}`) && typeof m.value === 'number' && (!accept || accept(m))) return m;
  }
  return undefined;
}

const pct = (m: NcuMetric) => m.unit === '%' || m.unit === undefined;
const val = (m: NcuMetric | undefined) => (m && typeof m.value === 'number' ? m.value : undefined);

export function durationNs(l: NcuLaunch): number | undefined {
  const m = metric(
    l,
    ['gpu__time_duration.sum', 'Duration', 'gpu__time_duration.avg'],
    (x) =>
      x.unit === undefined || (x.unit.toLowerCase() in TIME_UNITS && !Number.isNaN(TIME_UNITS[x.unit.toLowerCase()])),
  );
  if (!m || typeof m.value !== 'number') return undefined;
  return m.value * (m.unit ? TIME_UNITS[m.unit.toLowerCase()] : 1);
}

/** Bytes in a unit ncu prints (byte, Kbyte, Mbyte, Gbyte; KB, MB, GB). */
function bytes(m: NcuMetric | undefined): number | undefined {
  if (!m || typeof m.value !== 'number') return undefined;
  const u = (m.unit ?? 'byte').toLowerCase();
  const f = u.startsWith('k') ? 1e3 : u.startsWith('m') ? 1e6 : u.startsWith('g') ? 1e9 : u.startsWith('t') ? 1e12 : 1;
  return m.value * f;
}

/** Seconds-to-unit factor of a rate's time unit: "second" 1, "msecond" 1e3, "usecond" 1e6, "nsecond" 1e9. */
function perTime(unit: string): number | undefined {
  const m = /^(n|u|µ|m)?s(?:econd|ec)?$/.exec(unit);
  return m ? (m[1] ? ({ n: 1e9, u: 1e6, µ: 1e6, m: 1e3 } as Record<string, number>)[m[1]] : 1) : undefined;
}

/** Cycles per second in the units ncu prints (cycle/second … cycle/nsecond, Hz … GHz). */
function perSecond(m: NcuMetric | undefined): number | undefined {
  if (!m || typeof m.value !== 'number') return undefined;
  const u = (m.unit ?? 'cycle/second').toLowerCase();
  const hz = /^([kmgt]?)hz$/.exec(u);
  if (hz) return m.value * ({ '': 1, k: 1e3, m: 1e6, g: 1e9, t: 1e12 } as Record<string, number>)[hz[1]];
  const f = perTime(u.split('/')[1] ?? '');
  return f === undefined ? m.value : m.value * f;
}

export function summarizeLaunch(l: NcuLaunch): LaunchSummary {
  const d = durationNs(l);
  const read = bytes(metric(l, ['dram__bytes_read.sum', 'dram__bytes_op_read.sum']));
  const write = bytes(metric(l, ['dram__bytes_write.sum', 'dram__bytes_op_write.sum']));
  const dram =
    bytes(metric(l, ['dram__bytes.sum'])) ??
    (read !== undefined || write !== undefined ? (read ?? 0) + (write ?? 0) : undefined);
  const count = (prefix: string, ops: [string, number][]) => {
    let total: number | undefined;
    for (const [op, w] of ops) {
      const v = val(metric(l, [`smsp__sass_thread_inst_executed_op_${prefix}${op}_pred_on.sum`]));
      if (v !== undefined) total = (total ?? 0) + w * v;
    }
    return total;
  };
  const parts = [
    count('f', [
      ['add', 1],
      ['mul', 1],
      ['fma', 2],
    ]),
    count('d', [
      ['add', 1],
      ['mul', 1],
      ['fma', 2],
    ]),
    count('h', [
      ['add', 1],
      ['mul', 1],
      ['fma', 2],
    ]),
  ];
  const flops = parts.some((p) => p !== undefined) ? parts.reduce((a: number, p) => a + (p ?? 0), 0) : undefined;
  // The roofline section's own metrics: rates per elapsed cycle and the device's peaks.
  const smHz = perSecond(metric(l, ['smsp__cycles_elapsed.avg.per_second', 'sm__cycles_elapsed.avg.per_second']));
  const perCycle = (
    [
      ['fadd', 1],
      ['fmul', 1],
      ['ffma', 2],
    ] as [string, number][]
  ).map(([op, w]) => {
    const v = val(metric(l, [`smsp__sass_thread_inst_executed_op_${op}_pred_on.sum.per_cycle_elapsed`]));
    return v === undefined ? undefined : w * v;
  });
  const flopsPerCycle = perCycle.some((v) => v !== undefined)
    ? perCycle.reduce((a: number, v) => a + (v ?? 0), 0)
    : undefined;
  const peakFma = val(metric(l, ['sm__sass_thread_inst_executed_op_ffma_pred_on.sum.peak_sustained']));
  const peakSmHz = perSecond(metric(l, ['sm__cycles_elapsed.avg.per_second'])) ?? smHz;
  const peakDram = bytes(metric(l, ['dram__bytes.sum.peak_sustained']));
  const dramHz = perSecond(metric(l, ['dram__cycles_elapsed.avg.per_second']));
  const dramRate = bytesPerSecond(metric(l, ['dram__bytes.sum.per_second']));
  const flopsPerS =
    flops !== undefined && d
      ? flops / (d / 1e9)
      : flopsPerCycle !== undefined && smHz
        ? flopsPerCycle * smHz
        : undefined;
  const dramBytesPerS = dram !== undefined && d ? dram / (d / 1e9) : dramRate;
  const regs = val(metric(l, ['launch__registers_per_thread', 'Registers Per Thread']));
  return {
    id: l.id,
    name: l.name,
    durationNs: d,
    smThroughputPct: val(
      metric(l, ['sm__throughput.avg.pct_of_peak_sustained_elapsed', 'Compute (SM) Throughput'], pct),
    ),
    memThroughputPct: val(
      metric(l, ['gpu__compute_memory_throughput.avg.pct_of_peak_sustained_elapsed', 'Memory Throughput'], pct),
    ),
    achievedOccupancyPct: val(
      metric(l, ['sm__warps_active.avg.pct_of_peak_sustained_active', 'Achieved Occupancy'], pct),
    ),
    registersPerThread: regs,
    block: l.block ?? sizeText(val(metric(l, ['launch__block_size', 'Block Size']))),
    grid: l.grid ?? sizeText(val(metric(l, ['launch__grid_size', 'Grid Size']))),
    dramBytes: dram,
    dramBytesPerS,
    flops,
    flopsPerS,
    arithmeticIntensity:
      flops !== undefined && dram
        ? flops / dram
        : flopsPerS !== undefined && dramBytesPerS
          ? flopsPerS / dramBytesPerS
          : undefined,
    peakFlopsPerS: peakFma !== undefined && peakSmHz ? 2 * peakFma * peakSmHz : undefined,
    peakDramBytesPerS: peakDram !== undefined && dramHz ? peakDram * dramHz : undefined,
  };
}

/** Bytes per second in ncu's units (byte/second, Gbyte/second, byte/usecond, …). */
function bytesPerSecond(m: NcuMetric | undefined): number | undefined {
  if (!m || typeof m.value !== 'number') return undefined;
  const [amount, time] = (m.unit ?? 'byte/second').toLowerCase().split('/');
  const f = perTime(time ?? 'second');
  const b = bytes({ ...m, unit: amount });
  return b === undefined || f === undefined ? undefined : b * f;
}

const sizeText = (v: number | undefined) => (v === undefined ? undefined : String(v));

/** Rule findings of every launch, largest estimated speedup first (findings without one last). */
export function findings(r: NcuReport): Finding[] {
  return r.launches
    .flatMap((l) =>
      l.rules
        .filter((x) => x.type !== 'OK')
        .map((x) => ({
          launchId: l.id,
          kernel: l.name,
          rule: x.name,
          type: x.type,
          description: x.description,
          speedupPct: x.speedupPct,
        })),
    )
    .sort((a, b) => (b.speedupPct ?? -1) - (a.speedupPct ?? -1) || a.launchId - b.launchId);
}

export function kernelTotals(launches: LaunchSummary[]): KernelTotal[] {
  const m = new Map<string, KernelTotal>();
  for (const l of launches) {
    const k = m.get(l.name) ?? { name: l.name, calls: 0, totalNs: 0 };
    k.calls++;
    k.totalNs += l.durationNs ?? 0;
    m.set(l.name, k);
  }
  return [...m.values()].sort((a, b) => b.totalNs - a.totalNs);
}

export interface KernelComparison {
  name: string;
  before?: KernelTotal;
  after?: KernelTotal;
  /** after / before of the average duration per call. */
  ratio?: number;
}

/** Two reports (before and after an optimisation), kernel by kernel, matched by name. */
export function compareKernels(before: LaunchSummary[], after: LaunchSummary[]): KernelComparison[] {
  const b = new Map(kernelTotals(before).map((k) => [k.name, k]));
  const a = new Map(kernelTotals(after).map((k) => [k.name, k]));
  const names = [...new Set([...b.keys(), ...a.keys()])];
  return names
    .map((name) => {
      const x = b.get(name);
      const y = a.get(name);
      const ratio =
        x && y && x.totalNs > 0 && x.calls > 0 && y.calls > 0 ? y.totalNs / y.calls / (x.totalNs / x.calls) : undefined;
      return { name, before: x, after: y, ratio };
    })
    .sort(
      (p, q) =>
        Math.max(q.before?.totalNs ?? 0, q.after?.totalNs ?? 0) -
        Math.max(p.before?.totalNs ?? 0, p.after?.totalNs ?? 0),
    );
}
