/** `analyze` of an nvidia-smi log, and `gpu`'s readings: per GPU, as lines or JSON. */
import { visibleName as v } from '../../core/util/visibleText';
import { summarizeTelemetry } from '../../core/analysis/gpu/telemetrySummary';
import { readoutText } from '../../core/analysis/gpu/gpuReadout';
import type { GpuSample, TelemetrySeries } from '../../core/model/telemetry';

export function telemetryJson(series: TelemetrySeries) {
  return {
    kind: 'gpu-telemetry',
    gpus: summarizeTelemetry(series).map(({ mig: _mig, ...g }) => g),
    // What the reader assumed (a dmon log without times), for scripts as for people.
    ...(series.note ? { note: series.note } : {}),
  };
}

export function telemetryText(
  file: string,
  series: TelemetrySeries,
  format: 'csv' | 'xml' | 'q' | 'table' | 'dmon',
): string {
  const gpus = summarizeTelemetry(series);
  const f = (v: number | null, unit: string) => (v === null ? 'n/a' : `${v}${unit}`);
  const driver = series.driverVersion ? `, driver ${series.driverVersion}` : '';
  const what = format === 'q' ? '-q text' : format === 'table' || format === 'dmon' ? format : format.toUpperCase();
  let out = `${v(file)}: nvidia-smi ${what}${driver}, ${gpus.length} GPU(s)${series.note ? ` (${series.note})` : ''}\n`;
  for (const g of gpus) {
    const util = `utilisation mean ${f(g.utilization.mean, '%')} max ${f(g.utilization.max, '%')}${g.mig ? ' (MIG: not reported per GPU)' : ''}`;
    const rest = `memory max ${f(g.memoryUsedMiB.max, ' MiB')}, temperature max ${f(g.temperatureC.max, ' °C')}, power mean ${f(g.powerW.mean, ' W')} max ${f(g.powerW.max, ' W')}`;
    out += `GPU ${g.index}${g.name ? ` ${v(g.name)}` : ''}: ${g.samples} sample(s), ${util}, ${rest}\n`;
  }
  return out;
}

/** One reading of `flamelens gpu`: the status bar's readout per GPU, with power and the name. */
export function readingText(gpus: GpuSample[]): string {
  return gpus
    .map((g) => `${readoutText(g)}${g.powerDrawW !== undefined ? ` · ${g.powerDrawW} W` : ''}  ${v(g.name ?? '')}\n`)
    .join('');
}

export function readingJson(time: number, gpus: GpuSample[]) {
  return { kind: 'gpu-reading', time: new Date(time).toISOString(), gpus };
}
