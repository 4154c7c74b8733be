/**
 * Reads `nvidia-smi dmon` output (the scrolling per-device monitor people log with
 * `nvidia-smi dmon -o DT > dmon.log`): a `# gpu pwr gtemp …` line naming the columns (printed
 * again every so often), a `# Idx W C …` line of units, then one line per GPU per interval, `-`
 * where there is no value. Columns are found by their names, so any `-s` selection reads:
 * `pwr`, `gtemp`, `sm`, `mem`, `mclk`, `pclk`, `fb` (and `Date`/`Time` with `-o DT`). Without a
 * time column the readings are numbered, 1 s apart (dmon's default interval), and the series
 * says so. Checked on the real dmon of drivers 590 (H100, also in MIG mode), 591 (Windows) and
 * 595 (L40S); the `-o DT` and `-s m` columns on a hand-made log only (no real one was at hand).
 */
import { FormatError } from '../formatError';
import { firstLine } from '../textFile';
import type { GpuSample, TelemetrySeries } from '../../model/telemetry';

/** The first line: `#`, maybe Date and Time, then `gpu` and another column. */
const HEAD = /^#\s*(Date\s+)?(Time\s+)?gpu\s+\w+/;

export function looksLikeNvidiaSmiDmon(head: string): boolean {
  return HEAD.test(firstLine(head));
}

/** The fields of a GpuSample each known column fills. */
const COLUMNS: Record<string, keyof GpuSample> = {
  pwr: 'powerDrawW',
  gtemp: 'temperatureC',
  sm: 'utilizationGpu',
  mem: 'utilizationMemory',
  mclk: 'memClockMHz',
  pclk: 'smClockMHz',
  fb: 'memoryUsedMiB',
};

const DAY_MS = 86_400_000;

/** Parses `nvidia-smi dmon` output. */
export function parseNvidiaSmiDmon(text: string, fileName: string): TelemetrySeries {
  if (!looksLikeNvidiaSmiDmon(text))
    throw new FormatError(fileName, '1', 'expected nvidia-smi dmon output (a "# gpu pwr gtemp …" line first)');
  const samples: GpuSample[] = [];
  let names: string[] = [];
  // Readings of each GPU so far (the numbering where there is no time column).
  const seen = new Map<number, number>();
  // A Time column alone: days passed, counted where the time of day goes back (past midnight).
  let lastTime = -1;
  let days = 0;
  let timed = false;
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (line === '') return;
    if (line.startsWith('#')) {
      const words = line.slice(1).trim().split(/\s+/);
      if (words.includes('gpu')) names = words;
      return;
    }
    const cells = line.split(/\s+/);
    if (cells.length !== names.length)
      throw new FormatError(
        fileName,
        String(i + 1),
        `expected ${names.length} columns, as the "# ${names.join(' ')}" line names them, found ${cells.length}`,
      );
    const cell = (name: string) => {
      const k = names.indexOf(name);
      return k < 0 ? undefined : cells[k];
    };
    const index = Number(cell('gpu'));
    if (!Number.isInteger(index) || index < 0)
      throw new FormatError(
        fileName,
        String(i + 1),
        `expected a GPU index in the "gpu" column, found "${cell('gpu')}"`,
      );
    const s: GpuSample = { index };
    names.forEach((name, k) => {
      const field = COLUMNS[name];
      if (!field) return;
      const v = cells[k] === '-' ? NaN : Number(cells[k]);
      if (Number.isFinite(v)) (s as unknown as Record<string, number>)[field] = v;
    });
    const date = cell('Date');
    const time = cell('Time');
    const n = seen.get(index) ?? 0;
    seen.set(index, n + 1);
    if (time !== undefined) {
      const m = /^(\d{1,2}):(\d{2}):(\d{2})$/.exec(time);
      const d = date === undefined ? undefined : /^(\d{4})(\d{2})(\d{2})$/.exec(date);
      if (!m || (date !== undefined && !d))
        throw new FormatError(
          fileName,
          String(i + 1),
          `expected a date and time as dmon -o DT prints them, found "${[date, time].filter(Boolean).join(' ')}"`,
        );
      const ofDay = ((Number(m[1]) * 60 + Number(m[2])) * 60 + Number(m[3])) * 1000;
      if (d) s.time = new Date(Number(d[1]), Number(d[2]) - 1, Number(d[3])).getTime() + ofDay;
      else {
        if (ofDay < lastTime) days++;
        lastTime = ofDay;
        s.time = new Date(1970, 0, 1).getTime() + days * DAY_MS + ofDay;
      }
      timed = true;
    } else s.time = n * 1000;
    samples.push(s);
  });
  if (samples.length === 0)
    throw new FormatError(fileName, '', 'expected at least one reading in the nvidia-smi dmon output');
  return {
    source: 'nvidia-smi-dmon',
    samples,
    processes: [],
    ...(timed
      ? {}
      : { note: 'no time column (nvidia-smi dmon -o DT adds one): readings numbered 1 s apart, dmon’s default' }),
  };
}
