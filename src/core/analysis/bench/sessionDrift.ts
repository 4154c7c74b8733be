/**
 * Did the machine differ between two sessions? Load average, other processes' CPU use, the CPU
 * clock and thermal throttling (recorded by the runner from /proc and /sys), and the GPUs' clocks
 * and temperature. Beyond these bounds a difference of speed may be the machine's, not the code's:
 * - load average during the runs by at least 1 and at least a quarter of the CPUs;
 * - other processes' CPU use by half a CPU;
 * - the CPU clock by 10%;
 * - any thermal throttling during either session;
 * - a GPU's SM clock by 5% or its peak temperature by 10 °C (`gpuConditionsChange`).
 */
import type { BenchmarkResultSet, SessionConditions } from '../../model/bench';
import { gpuConditionsChange } from './benchCompare';

export const DRIFT_BOUNDS = { loadAverage: 1, loadAverageShareOfCpus: 0.25, otherCpus: 0.5, cpuClock: 0.1 };

const f1 = (x: number) => x.toFixed(1);

/** Why a session's own runs were disturbed (so it does not teach the noise), or undefined. */
export function busyCause(c: SessionConditions | undefined): string | undefined {
  if (!c) return undefined;
  const d = c.during;
  if (d.otherCpus !== undefined && d.otherCpus >= DRIFT_BOUNDS.otherCpus)
    return `other processes used ${f1(d.otherCpus)} of ${c.cpus} CPUs`;
  const throttled = (d.throttleCount ?? 0) - (c.before.throttleCount ?? 0);
  if (throttled > 0) return `the CPU was throttled ${throttled} times`;
  return undefined;
}

/** The first difference between the two sessions' machines beyond the bounds, in words. */
export function sessionDrift(
  baseSet: BenchmarkResultSet,
  curSet: BenchmarkResultSet,
  name: string,
): string | undefined {
  const a = baseSet.conditions;
  const b = curSet.conditions;
  if (a && b) {
    const da = a.during;
    const db = b.during;
    const cpus = Math.max(a.cpus, b.cpus, 1);
    if (da.loadAverage !== undefined && db.loadAverage !== undefined) {
      const diff = Math.abs(da.loadAverage - db.loadAverage);
      if (diff >= DRIFT_BOUNDS.loadAverage && diff >= DRIFT_BOUNDS.loadAverageShareOfCpus * cpus)
        return `load average ${f1(db.loadAverage)} during current vs ${f1(da.loadAverage)} during baseline`;
    }
    if (da.otherCpus !== undefined && db.otherCpus !== undefined) {
      if (Math.abs(da.otherCpus - db.otherCpus) >= DRIFT_BOUNDS.otherCpus)
        return `other processes used ${f1(db.otherCpus)} of ${cpus} CPUs during current vs ${f1(da.otherCpus)} during baseline`;
    }
    if (da.cpuMHz && db.cpuMHz && Math.abs(db.cpuMHz / da.cpuMHz - 1) >= DRIFT_BOUNDS.cpuClock)
      return `CPU clock ${Math.round(db.cpuMHz)} MHz during current vs ${Math.round(da.cpuMHz)} MHz during baseline`;
    for (const [label, c] of [
      ['current', b],
      ['baseline', a],
    ] as const) {
      const throttled = (c.during.throttleCount ?? 0) - (c.before.throttleCount ?? 0);
      if (throttled > 0) return `the CPU was throttled ${throttled} times during ${label}`;
    }
  }
  const base = baseSet.benchmarks.find((r) => r.name === name);
  const cur = curSet.benchmarks.find((r) => r.name === name);
  return base && cur ? gpuConditionsChange(base, cur) : undefined;
}
