/**
 * The one-line GPU readout of the status bar and the CLI ("GPU0 87% · 61.2/80 GB · 71°C"), its
 * tooltip with every field of every GPU, the GPU it shows (the busiest or a chosen one), and the
 * threshold level that colours it. Also the telemetry history as CSV.
 */
import { visibleText } from '../../util/visibleText';
import { GPU_READINGS, type GpuProcess, type GpuSample, type HostSample } from '../../model/telemetry';
import { toCsv } from '../../util/csv';

export interface ReadoutThresholds {
  temperatureWarningC: number;
  temperatureCriticalC: number;
  memoryWarningPct: number;
  memoryCriticalPct: number;
}

export const DEFAULT_THRESHOLDS: ReadoutThresholds = {
  temperatureWarningC: 80,
  temperatureCriticalC: 90,
  memoryWarningPct: 90,
  memoryCriticalPct: 98,
};

const memPct = (g: GpuSample) =>
  g.memoryUsedMiB !== undefined && g.memoryTotalMiB ? (100 * g.memoryUsedMiB) / g.memoryTotalMiB : undefined;

/** The GPU to show: a chosen index, or the busiest (utilisation, then memory share). */
export function pickGpu(gpus: GpuSample[], which: 'busiest' | number): GpuSample | undefined {
  if (gpus.length === 0) return undefined;
  if (typeof which === 'number') return gpus.find((g) => g.index === which) ?? gpus[0];
  return [...gpus].sort(
    (a, b) =>
      (b.utilizationGpu ?? -1) - (a.utilizationGpu ?? -1) || (memPct(b) ?? -1) - (memPct(a) ?? -1) || a.index - b.index,
  )[0];
}

const gb = (mib: number) => {
  const v = mib / 1024;
  return v >= 10 ? v.toFixed(0) : v.toFixed(1);
};

export function readoutText(g: GpuSample): string {
  const parts = [`GPU${g.index}`];
  if (g.utilizationGpu !== undefined) parts[0] += ` ${Math.round(g.utilizationGpu)}%`;
  else if (g.mig) parts[0] += ' MIG';
  const rest: string[] = [];
  if (g.memoryUsedMiB !== undefined && g.memoryTotalMiB !== undefined)
    rest.push(`${(g.memoryUsedMiB / 1024).toFixed(1)}/${gb(g.memoryTotalMiB)} GB`);
  if (g.temperatureC !== undefined) rest.push(`${Math.round(g.temperatureC)}°C`);
  return [parts[0], ...rest].join(' · ');
}

export function readoutLevel(gpus: GpuSample[], t: ReadoutThresholds): 'normal' | 'warning' | 'critical' {
  let level: 'normal' | 'warning' | 'critical' = 'normal';
  for (const g of gpus) {
    const m = memPct(g);
    if ((g.temperatureC ?? 0) >= t.temperatureCriticalC || (m ?? 0) >= t.memoryCriticalPct) return 'critical';
    if ((g.temperatureC ?? 0) >= t.temperatureWarningC || (m ?? 0) >= t.memoryWarningPct) level = 'warning';
  }
  return level;
}

/** Markdown-escaped text (names come from the machine: paths, command lines). */
const md = (s: string) => visibleText(s).replace(/[\\`*_{}[\]()#+\-.!|<>~$&]/g, '\\$&');

const fmt = (v: number | undefined, unit: string, digits = 0) =>
  v === undefined ? '—' : `${v.toFixed(digits)}${unit}`;

/** Markdown: one table row per GPU with every field, then the processes on the GPUs. */
export function readoutTooltip(gpus: GpuSample[], processes: GpuProcess[], ownPids: ReadonlySet<number>): string {
  const rows = gpus.map(
    (g) =>
      `| ${g.index} | ${md(g.name ?? '')} | ${g.utilizationGpu === undefined ? (g.mig ? 'MIG' : '—') : `${g.utilizationGpu}%`} | ${fmt(g.utilizationMemory, '%')} | ${g.memoryUsedMiB === undefined ? '—' : `${g.memoryUsedMiB}/${g.memoryTotalMiB ?? '?'} MiB`} | ${fmt(g.temperatureC, '°C')} | ${g.powerDrawW === undefined ? '—' : `${g.powerDrawW.toFixed(0)}/${g.powerLimitW?.toFixed(0) ?? '?'} W`} | ${fmt(g.smClockMHz, ' MHz')} / ${fmt(g.memClockMHz, ' MHz')} | ${fmt(g.fanPct, '%')} | ${g.pstate ?? '—'} |`,
  );
  const lines = [
    '| GPU | name | util | mem util | memory | temp | power | SM / mem clock | fan | pstate |',
    '|---|---|---|---|---|---|---|---|---|---|',
    ...rows,
  ];
  if (processes.length > 0) {
    lines.push('', '**Processes**', '');
    // flamelens' own runs first, then the others as nvidia-smi lists them.
    const listed = [...processes.filter((p) => ownPids.has(p.pid)), ...processes.filter((p) => !ownPids.has(p.pid))];
    for (const p of listed.slice(0, 10)) {
      const mine = ownPids.has(p.pid) ? ' ← flamelens run' : '';
      lines.push(
        `- GPU ${p.gpuIndex ?? '?'} · pid ${p.pid} · ${md(p.name.slice(0, 80))} · ${p.usedMemoryMiB === undefined ? '—' : `${p.usedMemoryMiB} MiB`}${mine}`,
      );
    }
  }
  return lines.join('\n');
}

/** One row per GPU sample, then host rows, sorted by time (ISO timestamps). */
export function telemetryToCsv(perGpu: GpuSample[][], host: HostSample[]): string {
  const gpuCols: (keyof GpuSample)[] = ['index', 'name', 'uuid', ...GPU_READINGS, 'pstate'];
  const hostCols: (keyof HostSample)[] = [
    'cpuPct',
    'memUsedMiB',
    'memTotalMiB',
    'diskReadBps',
    'diskWriteBps',
    'netRxBps',
    'netTxBps',
  ];
  const rows: { t: number; cells: (string | number | boolean | undefined)[] }[] = [];
  for (const series of perGpu)
    for (const s of series)
      rows.push({ t: s.time ?? 0, cells: ['gpu', ...gpuCols.map((c) => s[c]), ...hostCols.map(() => undefined)] });
  for (const h of host)
    rows.push({ t: h.time, cells: ['host', ...gpuCols.map(() => undefined), ...hostCols.map((c) => h[c])] });
  rows.sort((a, b) => a.t - b.t);
  return toCsv(
    ['time', 'kind', ...gpuCols, ...hostCols],
    rows.map((r) => [new Date(r.t).toISOString(), ...r.cells]),
  );
}
