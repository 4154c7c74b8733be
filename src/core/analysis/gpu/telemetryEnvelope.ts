/** A long GPU log drawn in few points, its peaks and dips kept (the editor's GPU log view). */
import { GPU_READINGS, type GpuSample } from '../../model/telemetry';

/**
 * At most about `2 * buckets` readings that draw as `samples` do: each run of consecutive readings
 * (but the last) becomes two, the lowest and the highest value of every field in it (at
 * the run's first and last times), so no peak or dip is lost; the last run is kept as read,
 * so that the last reading is the log's own. A day at 1 Hz on 8 GPUs is 691,200 readings: sent
 * whole, the page would draw 4 million points per redraw.
 */
export function envelope(samples: GpuSample[], buckets: number): GpuSample[] {
  if (samples.length <= 2 * buckets) return samples;
  const size = Math.ceil(samples.length / buckets);
  const out: GpuSample[] = [];
  let from = 0;
  for (; from + size < samples.length; from += size) {
    const lo: GpuSample = { ...samples[from] };
    const hi: GpuSample = { ...samples[from + size - 1] };
    for (const k of GPU_READINGS) {
      let min: number | undefined;
      let max: number | undefined;
      for (let i = from; i < from + size; i++) {
        const v = samples[i][k];
        if (v === undefined) continue;
        if (min === undefined || v < min) min = v;
        if (max === undefined || v > max) max = v;
      }
      lo[k] = min;
      hi[k] = max;
    }
    out.push(lo, hi);
  }
  for (; from < samples.length; from++) out.push(samples[from]);
  return out;
}
