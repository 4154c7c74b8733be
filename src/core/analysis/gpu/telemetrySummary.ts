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

export function summarizeTelemetry(series: TelemetrySeries): GpuSummary[] {
  const byGpu = new Map<number, GpuSample[]>();
  for (const s of series.samples) {
    const l = byGpu.get(s.index);
    if (l) l.push(s);
    else byGpu.set(s.index, [s]);
  }
  return [...byGpu.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([index, ss]) => ({
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
