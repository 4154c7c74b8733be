/** Per-GPU summary of a telemetry series (what `flamelens analyze` prints for nvidia-smi logs). */
import type { GpuSample, TelemetrySeries } from '../../model/telemetry';

export interface Stat {
  mean: number | null;
  max: number | null;
}

export interface GpuSummary {
  index: number;
  name: string | null;
  samples: number;
  utilization: Stat;
  memoryUsedMiB: { max: number | null };
  temperatureC: { max: number | null };
  powerW: Stat;
  mig: boolean;
}

function stat(values: (number | undefined)[]): Stat {
  const v = values.filter((x): x is number => x !== undefined);
  if (v.length === 0) return { mean: null, max: null };
  return { mean: Math.round((v.reduce((a, b) => a + b, 0) / v.length) * 100) / 100, max: Math.max(...v) };
}

/** The readings of each GPU, by GPU index, each GPU's in time order (where they carry times). */
export function samplesByGpu(samples: readonly GpuSample[]): [index: number, samples: GpuSample[]][] {
  const byGpu = new Map<number, GpuSample[]>();
  for (const s of samples) {
    const l = byGpu.get(s.index);
    if (l) l.push(s);
    else byGpu.set(s.index, [s]);
  }
  for (const l of byGpu.values()) l.sort((a, b) => (a.time ?? 0) - (b.time ?? 0));
  return [...byGpu.entries()].sort((a, b) => a[0] - b[0]);
}

export function summarizeTelemetry(series: TelemetrySeries): GpuSummary[] {
  return samplesByGpu(series.samples).map(([index, ss]) => ({
    index,
    name: ss.find((s) => s.name)?.name ?? null,
    samples: ss.length,
    utilization: stat(ss.map((s) => s.utilizationGpu)),
    memoryUsedMiB: { max: stat(ss.map((s) => s.memoryUsedMiB)).max },
    temperatureC: { max: stat(ss.map((s) => s.temperatureC)).max },
    powerW: stat(ss.map((s) => s.powerDrawW)),
    mig: ss.some((s) => s.mig),
  }));
}
