/**
 * Reads nvidia-smi output: `--query-gpu=… --format=csv` (with or without `noheader`/`nounits`,
 * one row per GPU per reading, as a loop writes it) and `-q -x` XML (DTD v10-v13). Every
 * missing-value marker real drivers print reads as "no value": `[N/A]`, `N/A`,
 * `[Not Supported]`, `[Requested functionality has been deprecated]`, `[Unknown Error]`,
 * `[Insufficient Permissions]`, `[GPU is lost]`. Checked on drivers 418-595 (GeForce, RTX,
 * Tesla, A10G, A100 MIG, H100 MIG, L40S; Linux and Windows) in test/fixtures/real.
 */
import { FormatError } from '../formatError';
import type { GpuProcess, GpuSample, TelemetrySeries } from '../../model/telemetry';

const MISSING =
  /^\[?(N\/A|Not Supported|Requested functionality has been deprecated|Unknown Error|Insufficient Permissions|GPU is lost|Not Available|Unknown)\]?$/i;

/** A number from an nvidia-smi value ("61 %", "80.50 W", "32768 MiB", "71 C"), or undefined. */
export function smiNumber(raw: unknown): number | undefined {
  if (typeof raw === 'number') return Number.isFinite(raw) ? raw : undefined;
  if (typeof raw !== 'string') return undefined;
  const v = raw.trim();
  if (!v || MISSING.test(v)) return undefined;
  const m = /^(-?\d+(?:\.\d+)?)(?:\s*(%|MiB|W|MHz|C|°C|KiB|GiB))?$/.exec(v);
  return m ? Number(m[1]) : undefined;
}

export function smiText(raw: unknown): string | undefined {
  if (raw === undefined || raw === null) return undefined;
  const v = String(raw).trim();
  return !v || MISSING.test(v) ? undefined : v;
}

/** Query fields flamelens samples, in the order of its --query-gpu loop. */
export const QUERY_FIELDS = [
  'timestamp',
  'index',
  'uuid',
  'name',
  'utilization.gpu',
  'utilization.memory',
  'memory.used',
  'memory.total',
  'temperature.gpu',
  'power.draw',
  'power.limit',
  'clocks.sm',
  'clocks.mem',
  'fan.speed',
  'pstate',
];

const FIELD_ALIASES: Record<string, keyof GpuSample> = {
  index: 'index',
  uuid: 'uuid',
  name: 'name',
  'utilization.gpu': 'utilizationGpu',
  'utilization.memory': 'utilizationMemory',
  'memory.used': 'memoryUsedMiB',
  'memory.total': 'memoryTotalMiB',
  'temperature.gpu': 'temperatureC',
  'power.draw': 'powerDrawW',
  'power.draw.instant': 'powerDrawW',
  'power.limit': 'powerLimitW',
  'enforced.power.limit': 'powerLimitW',
  'clocks.sm': 'smClockMHz',
  'clocks.current.sm': 'smClockMHz',
  'clocks.mem': 'memClockMHz',
  'clocks.current.memory': 'memClockMHz',
  'fan.speed': 'fanPct',
  pstate: 'pstate',
};

function parseTimestamp(v: string | undefined): number | undefined {
  if (!v) return undefined;
  // "2025/06/13 00:27:52.195" (local time of the machine that ran nvidia-smi).
  const m = /^(\d{4})\/(\d{2})\/(\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?$/.exec(v.trim());
  if (!m) return undefined;
  const ms = m[7] ? Number(m[7].padEnd(3, '0').slice(0, 3)) : 0;
  return new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]), ms).getTime();
}

/** The field names of a CSV header line (`memory.used [MiB]` → `memory.used`), or undefined when the cells are values. */
function headerFields(cells: string[]): string[] | undefined {
  return cells.every((c) => /^[a-z_][\w.]*( \[[^\]]+\])?$/i.test(c))
    ? cells.map((c) => c.replace(/ \[[^\]]+\]$/, ''))
    : undefined;
}

/**
 * Parses `--query-gpu` CSV. Without a header line (`noheader`), `fields` names the columns
 * (flamelens' own loop passes QUERY_FIELDS).
 */
export function parseNvidiaSmiCsv(text: string, fileName: string, fields?: readonly string[]): TelemetrySeries {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  let header: string[] | undefined = fields ? [...fields] : undefined;
  const samples: GpuSample[] = [];
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (!line) return;
    const cells = line.split(',').map((c) => c.trim());
    // A header names fields (`memory.used [MiB]`); values are numbers, names, markers.
    const names = headerFields(cells);
    if (names && names.some((c) => c.includes('.') || /^(index|name|uuid|timestamp|pstate)$/.test(c))) {
      header = names;
      return;
    }
    if (!header)
      throw new FormatError(
        fileName,
        `${i + 1}`,
        'expected a --query-gpu CSV header line (field names) before the values',
      );
    if (cells.length !== header.length) {
      throw new FormatError(
        fileName,
        `${i + 1}`,
        `expected ${header.length} comma-separated values, found ${cells.length}`,
      );
    }
    const s: GpuSample = { index: samples.length };
    let sawIndex = false;
    header.forEach((field, k) => {
      const v = cells[k];
      if (field === 'timestamp') s.time = parseTimestamp(v);
      const key = FIELD_ALIASES[field];
      if (!key) return;
      if (key === 'name' || key === 'uuid' || key === 'pstate') {
        const t = smiText(v);
        if (t !== undefined) s[key] = t;
      } else if (key === 'index') {
        const n = smiNumber(v);
        if (n !== undefined) {
          s.index = n;
          sawIndex = true;
        }
      } else {
        const n = smiNumber(v);
        if (n !== undefined) (s as unknown as Record<string, number>)[key] = n;
      }
    });
    if (!sawIndex) s.index = 0;
    samples.push(s);
  });
  if (samples.length === 0)
    throw new FormatError(fileName, '1', 'expected nvidia-smi --query-gpu CSV rows, found none');
  return { source: 'nvidia-smi-csv', samples, processes: [] };
}

/** `--query-compute-apps` fields flamelens asks for; process_name last, as it may hold commas. */
export const COMPUTE_APP_FIELDS = ['gpu_uuid', 'pid', 'used_gpu_memory', 'process_name'];

/**
 * Parses `--query-compute-apps=… --format=csv[,noheader][,nounits]`: one row per process using a
 * GPU. "No running processes found" (older drivers) and no rows at all are an empty list.
 * `[N/A]` memory (Windows WDDM, MIG without permissions) reads as no value.
 */
export function parseComputeApps(text: string, fileName: string, fields?: readonly string[]): GpuProcess[] {
  let header: string[] | undefined = fields ? [...fields] : undefined;
  const out: GpuProcess[] = [];
  text
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .forEach((raw, i) => {
      const line = raw.trim();
      if (!line || /^No running (compute )?processes found/i.test(line)) return;
      const cells = line.split(',').map((c) => c.trim());
      const names = headerFields(cells);
      if (names?.includes('pid')) {
        header = names;
        return;
      }
      if (!header)
        throw new FormatError(
          fileName,
          `${i + 1}`,
          'expected a --query-compute-apps CSV header line before the values',
        );
      if (cells.length < header.length)
        throw new FormatError(
          fileName,
          `${i + 1}`,
          `expected ${header.length} comma-separated values, found ${cells.length}`,
        );
      // Extra cells: commas inside the process name, which is the last field or, in the header's order, somewhere else.
      const nameAt = header.indexOf('process_name');
      if (cells.length > header.length && nameAt >= 0) {
        const extra = cells.length - header.length;
        cells.splice(nameAt, extra + 1, cells.slice(nameAt, nameAt + extra + 1).join(', '));
      }
      const cell = (f: string) => (header!.indexOf(f) >= 0 ? cells[header!.indexOf(f)] : undefined);
      const pid = smiNumber(cell('pid'));
      if (pid === undefined)
        throw new FormatError(fileName, `${i + 1}`, `expected a process id, found ${JSON.stringify(cell('pid'))}`);
      out.push({
        gpuUuid: smiText(cell('gpu_uuid')),
        pid,
        name: smiText(cell('process_name')) ?? '',
        usedMemoryMiB: smiNumber(cell('used_gpu_memory') ?? cell('used_memory')),
      });
    });
  return out;
}

/** Whether a file's head looks like nvidia-smi output flamelens reads. */
export function detectNvidiaSmi(head: string): 'csv' | 'xml' | undefined {
  const t = head.replace(/^\uFEFF/, '').trimStart();
  if (t.startsWith('<?xml') || t.startsWith('<nvidia_smi_log') || t.startsWith('<!DOCTYPE nvidia_smi_log'))
    return /nvidia_smi_log/.test(t.slice(0, 4096)) ? 'xml' : undefined;
  const first = t.split(/\r?\n/, 1)[0] ?? '';
  if (/(^|, )(utilization\.gpu|memory\.used|temperature\.gpu|power\.draw)( \[[^\]]+\])?(,|$)/.test(first)) return 'csv';
  return undefined;
}
