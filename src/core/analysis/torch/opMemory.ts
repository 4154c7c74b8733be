/**
 * Memory by operator, from a trace recorded with profile_memory (its `[memory]` events), as the
 * TensorBoard profiler plugin's memory view tabled it: per operator and device, the allocations
 * and frees made while it was the innermost operator on its thread (self) and while it or any
 * operator it called was (total), their bytes, and the size increase (allocated less freed).
 */
import type { TorchTrace } from '../../model/torchTrace';
import { innermostOps, nestOps } from './torchAnalysis';
import { stepRowName as fold } from './profilerSteps';

export interface OpMemoryRow {
  name: string;
  /** -1 for the CPU, else the GPU's index. */
  device: number;
  allocations: number;
  frees: number;
  allocatedBytes: number;
  freedBytes: number;
  selfIncreaseBytes: number;
  totalIncreaseBytes: number;
}

export function memoryByOperator(trace: TorchTrace): OpMemoryRow[] {
  const samples = trace.memory.filter((m) => m.pid !== undefined && m.tid !== undefined && m.bytes !== 0);
  if (samples.length === 0) return [];
  const nest = nestOps(trace);
  const byThread = new Map<string, typeof samples>();
  for (const m of samples) {
    const k = `${m.pid}\u0000${m.tid}`;
    (byThread.get(k) ?? byThread.set(k, []).get(k)!).push(m);
  }
  const rows = new Map<string, OpMemoryRow>();
  const row = (name: string, device: number) => {
    const k = `${device}\u0000${name}`;
    let r = rows.get(k);
    if (!r)
      rows.set(
        k,
        (r = {
          name,
          device,
          allocations: 0,
          frees: 0,
          allocatedBytes: 0,
          freedBytes: 0,
          selfIncreaseBytes: 0,
          totalIncreaseBytes: 0,
        }),
      );
    return r;
  };
  for (const [k, list] of byThread) {
    const at = innermostOps(
      nest,
      k,
      list.map((m) => m.ts),
    );
    list.forEach((m, i) => {
      if (at[i] < 0) return;
      const self = row(fold(nest.ops[at[i]].name), m.device);
      if (m.bytes > 0) {
        self.allocations++;
        self.allocatedBytes += m.bytes;
      } else {
        self.frees++;
        self.freedBytes -= m.bytes;
      }
      self.selfIncreaseBytes += m.bytes;
      // Total: the operator and those around it, each name once per event (recursion).
      const seen = new Set<string>();
      for (let o = at[i]; o >= 0; o = nest.parent[o]) {
        const name = fold(nest.ops[o].name);
        if (seen.has(name)) continue;
        seen.add(name);
        row(name, m.device).totalIncreaseBytes += m.bytes;
      }
    });
  }
  return [...rows.values()].sort(
    (a, b) => b.totalIncreaseBytes - a.totalIncreaseBytes || b.allocatedBytes - a.allocatedBytes,
  );
}
