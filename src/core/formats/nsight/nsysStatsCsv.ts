/**
 * `nsys stats --format csv` output: one report or several on stdout (each after a
 * `Processing […] with […/NAME.py]…` or older `Running […/NAME.py …]` line, with `** Title (NAME):`
 * headings, `SKIPPED:`/`NOTICE:`/`Generating SQLite file …` lines interleaved), or one file per
 * report from `nsys stats -o PREFIX` (NAME in the file name). Current report names
 * (cuda_gpu_kern_sum, cuda_api_sum, cuda_gpu_mem_time_sum, cuda_gpu_mem_size_sum, osrt_sum,
 * nvtx_sum, cuda_gpu_trace) and the older ones (gpukernsum, cudaapisum, gpumemtimesum,
 * gpumemsizesum, osrtsum, nvtxsum, gputrace). Columns are found by name; time units come from
 * the header (`--timeunit`: ns, us/usec, ms/msec, s/sec); blank cells are missing values.
 */
import * as path from 'node:path';
import { FormatError } from '../formatError';
import { parseCsvRecord, csvNumber } from '../csvRecord';
import type { DurationStat, GpuActivity, MemoryStat, NsysReport, NvtxStat } from '../../model/kernels';
import { deviceTimelines, statOf, summarizeDurations } from './durationStats';

type ReportKind = 'kern' | 'api' | 'memtime' | 'memsize' | 'osrt' | 'nvtx' | 'trace';

const NAMES: Record<string, ReportKind> = {
  cuda_gpu_kern_sum: 'kern',
  gpukernsum: 'kern',
  cuda_api_sum: 'api',
  cudaapisum: 'api',
  cuda_gpu_mem_time_sum: 'memtime',
  gpumemtimesum: 'memtime',
  cuda_gpu_mem_size_sum: 'memsize',
  gpumemsizesum: 'memsize',
  osrt_sum: 'osrt',
  osrtsum: 'osrt',
  nvtx_sum: 'nvtx',
  nvtxsum: 'nvtx',
  cuda_gpu_trace: 'trace',
  gputrace: 'trace',
};
const REPORT_RE = new RegExp(
  `(${Object.keys(NAMES)
    .sort((a, b) => b.length - a.length)
    .join('|')})`,
);

const TIME: Record<string, number> = { ns: 1, nsec: 1, us: 1e3, usec: 1e3, ms: 1e6, msec: 1e6, s: 1e9, sec: 1e9 };
const SIZE: Record<string, number> = { b: 1, kb: 1e3, kib: 1024, mb: 1e6, mib: 1048576, gb: 1e9, gib: 1073741824 };

export function looksLikeNsysStats(text: string, file = ''): boolean {
  const head = text.slice(0, 65536);
  return (
    /^(Processing \[|Running \[).*\.py/m.test(head) ||
    /^\s*\*\* .*\((cuda_|gpu|nvtx|osrt|cudaapi)\w*\):/m.test(head) ||
    /^"?Time ?\(%\)"?,"?Total Time/m.test(head) ||
    (/^"?Start \((ns|us|usec|ms|msec|s|sec)\)"?,"?Duration/m.test(head) && REPORT_RE.test(path.basename(file)))
  );
}

interface Table {
  kind: ReportKind | undefined;
  name: string | undefined;
  header: string[];
  rows: string[][];
  line: number;
}

export function parseNsysStatsCsv(text: string, file: string): NsysReport {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const tables: Table[] = [];
  const skipped: string[] = [];
  let pending: string | undefined = REPORT_RE.exec(path.basename(file))?.[1];
  let current: Table | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const t = line.trim();
    const named = /^(?:Processing \[.*\] with \[|Running \[)(.*?)\.py/.exec(t) ?? /^\*\* .*\((\w+)\):?$/.exec(t);
    if (named) {
      // Every report names itself: a SKIPPED line below it is about that report, and the table
      // of a report flamelens does not read (um_sum, openmp_sum, …) is passed over.
      pending = path.basename(named[1]);
      current = undefined;
      continue;
    }
    if (/^SKIPPED:/.test(t)) {
      skipped.push(`${pending ?? 'report'}: ${t.slice('SKIPPED:'.length).trim()}`);
      current = undefined;
      continue;
    }
    if (!t || /^(NOTICE:|Generating |Exporting |Using |WARNING:|ERROR:|\[\d+\/\d+\])/.test(t)) {
      if (!t) current = undefined;
      continue;
    }
    let cells: string[];
    try {
      cells = parseCsvRecord(line);
    } catch (e) {
      throw new FormatError(file, `line ${i + 1}`, `bad CSV record: ${e instanceof Error ? e.message : String(e)}`);
    }
    if (!current) {
      if (pending !== undefined && !NAMES[pending] && !REPORT_RE.test(pending)) {
        current = { kind: undefined, name: pending, header: cells, rows: [], line: i + 1 };
        pending = undefined;
        continue;
      }
      const kind = kindFromHeader(cells, pending);
      if (!kind)
        throw new FormatError(
          file,
          `line ${i + 1}`,
          `expected an nsys stats CSV header (e.g. "Time (%),Total Time (ns),Instances,…"), found "${t.slice(0, 80)}"`,
        );
      current = { kind, name: pending, header: cells, rows: [], line: i + 1 };
      tables.push(current);
      pending = undefined;
      continue;
    }
    current.rows.push(cells);
  }
  if (tables.length === 0 && skipped.length === 0)
    throw new FormatError(file, 'line 1', 'expected nsys stats CSV output: no report table found');
  return buildReport(tables, skipped, file);
}

function kindFromHeader(h: string[], name: string | undefined): ReportKind | undefined {
  const known = name !== undefined ? REPORT_RE.exec(name)?.[1] : undefined;
  if (known) return NAMES[known];
  const has = (re: RegExp) => h.some((c) => re.test(c));
  if (has(/^Start \(/) && has(/^Duration \(/)) return 'trace';
  if (has(/^Style$/) && has(/^Range$/)) return 'nvtx';
  if (has(/^Total \((MB|KB|MiB|KiB|B|GB)\)$|^Total$/) && has(/^Operation$/)) return 'memsize';
  if (has(/^Time ?\(%\)$/) && has(/^Operation$/)) return 'memtime';
  if (has(/^Time ?\(%\)$/) && has(/^Instances$/)) return 'kern';
  if (has(/^Time ?\(%\)$/) && has(/^(Num Calls|Calls)$/)) return 'api'; // osrt_sum has the same columns: only its name tells
  return undefined;
}

function buildReport(tables: Table[], skipped: string[], file: string): NsysReport {
  const report: NsysReport = {
    source: 'nsys-csv',
    file,
    kernels: [],
    api: [],
    memoryTime: [],
    memorySize: [],
    nvtx: [],
    osrt: [],
    devices: [],
    skipped,
  };
  for (const t of tables) {
    const col = (re: RegExp) => t.header.findIndex((c) => re.test(c.trim()));
    const unitOf = (i: number, table: Record<string, number>, dflt: number) => {
      const m = /\(([^)]+)\)\s*$/.exec(t.header[i] ?? '');
      return m && table[m[1].toLowerCase()] !== undefined ? table[m[1].toLowerCase()] : dflt;
    };
    const numAt = (r: string[], i: number, line: number): number | undefined => {
      if (i < 0 || i >= r.length || r[i].trim() === '') return undefined;
      const v = csvNumber(r[i]);
      if (typeof v !== 'number')
        throw new FormatError(file, `line ${line}`, `expected a number in column "${t.header[i]}", found "${r[i]}"`);
      return v;
    };
    if (t.kind === 'trace') {
      const c = {
        start: col(/^Start \(/),
        dur: col(/^Duration \(/),
        dev: col(/^Device$/),
        strm: col(/^(Strm|Stream)$/),
        bytes: col(/^Bytes/),
        name: col(/^Name$/),
        gx: col(/^GrdX$/),
        gy: col(/^GrdY$/),
        gz: col(/^GrdZ$/),
        bx: col(/^BlkX$/),
        by: col(/^BlkY$/),
        bz: col(/^BlkZ$/),
        reg: col(/^Reg\/Trd$/),
      };
      const st = unitOf(c.start, TIME, 1);
      const du = unitOf(c.dur, TIME, 1);
      const by = unitOf(c.bytes, SIZE, 1e6);
      const acts: GpuActivity[] = [];
      t.rows.forEach((r, k) => {
        const line = t.line + 1 + k;
        const start = numAt(r, c.start, line);
        const dur = numAt(r, c.dur, line);
        if (start === undefined || dur === undefined) return;
        const name = r[c.name] ?? '';
        const kind = /^\[CUDA mem(cpy|set)/.test(name) ? (name.includes('memset') ? 'memset' : 'memcpy') : 'kernel';
        const dev = c.dev >= 0 ? /(\d+)\s*\)?\s*$/.exec(r[c.dev] ?? '')?.[1] : undefined; // "NVIDIA H100 (0)" or "0"
        const n3 = (a: number, b: number, d: number): [number, number, number] | undefined =>
          numAt(r, a, line) === undefined
            ? undefined
            : [numAt(r, a, line) ?? 0, numAt(r, b, line) ?? 0, numAt(r, d, line) ?? 0];
        const bytes = numAt(r, c.bytes, line);
        acts.push({
          kind,
          name,
          startNs: start * st,
          endNs: start * st + dur * du,
          deviceId: dev !== undefined ? Number(dev) : 0,
          streamId: numAt(r, c.strm, line),
          bytes: bytes !== undefined ? bytes * by : undefined,
          grid: n3(c.gx, c.gy, c.gz),
          block: n3(c.bx, c.by, c.bz),
          registersPerThread: numAt(r, c.reg, line),
        });
      });
      report.activities = [...(report.activities ?? []), ...acts];
      continue;
    }
    if (t.kind === 'memsize') {
      const c = {
        total: col(/^Total( \(|$)/),
        count: col(/^(Count|Operations)$/),
        avg: col(/^(Avg|Average)/),
        med: col(/^(Med|Median)/),
        min: col(/^(Min|Minimum)/),
        max: col(/^(Max|Maximum)/),
        sd: col(/^StdDev/),
        name: col(/^Operation$/),
      };
      // Current nsys prints MB; 2021-era gpumemsizesum printed KiB without a unit in the header.
      const u = unitOf(c.total, SIZE, t.name === 'gpumemsizesum' ? 1024 : 1e6);
      report.memorySize.push(
        ...t.rows.map((r, k): MemoryStat => {
          const line = t.line + 1 + k;
          const g = (i: number) => (numAt(r, i, line) ?? 0) * u;
          return {
            name: r[c.name] ?? '',
            calls: numAt(r, c.count, line) ?? 0,
            totalNs: 0,
            avgNs: 0,
            medianNs: 0,
            minNs: 0,
            maxNs: 0,
            stddevNs: 0,
            timePct: 0,
            totalBytes: g(c.total),
            minBytes: g(c.min),
            maxBytes: g(c.max),
          };
        }),
      );
      continue;
    }
    const c = {
      pct: col(/^Time ?\(%\)$/),
      total: col(/^Total Time/),
      count: col(/^(Instances|Num Calls|Calls|Count|Operations)$/),
      avg: col(/^(Avg|Average)( \(|$)/),
      med: col(/^(Med|Median)( \(|$)/),
      min: col(/^(Min|Minimum)( \(|$)/),
      max: col(/^(Max|Maximum)( \(|$)/),
      sd: col(/^StdDev/),
      name: col(/^(Name|Operation|Range)$/),
      style: col(/^Style$/),
    };
    const u = unitOf(c.total, TIME, 1);
    const stats = t.rows.map((r, k): DurationStat & { style?: string } => {
      const line = t.line + 1 + k;
      const tm = (i: number) => (numAt(r, i, line) ?? 0) * u;
      const calls = numAt(r, c.count, line) ?? 0;
      const total = tm(c.total);
      return {
        name: r[c.name] ?? '',
        calls,
        totalNs: total,
        avgNs: c.avg >= 0 ? tm(c.avg) : calls ? total / calls : 0,
        medianNs: tm(c.med),
        minNs: tm(c.min),
        maxNs: tm(c.max),
        stddevNs: tm(c.sd),
        timePct: numAt(r, c.pct, line) ?? 0,
        ...(c.style >= 0 ? { style: r[c.style] } : {}),
      };
    });
    if (t.kind === 'kern') report.kernels.push(...stats);
    else if (t.kind === 'api')
      (t.name === 'osrt_sum' || t.name === 'osrtsum' ? report.osrt : report.api).push(...stats);
    else if (t.kind === 'osrt') report.osrt.push(...stats);
    else if (t.kind === 'memtime') report.memoryTime.push(...stats);
    else if (t.kind === 'nvtx') report.nvtx.push(...(stats as NvtxStat[]));
  }
  if (report.activities) {
    report.devices = deviceTimelines(report.activities);
    // Per-launch rows only (`--report cuda_gpu_trace`): the summaries come from the launches, as
    // nsys' own summary reports compute them.
    const has = (k: ReportKind) => tables.some((t) => t.kind === k);
    const of = (kinds: GpuActivity['kind'][]) => report.activities!.filter((a) => kinds.includes(a.kind));
    if (!has('kern')) report.kernels = summarizeDurations(of(['kernel']), (a) => a.name, duration);
    if (!has('memtime')) report.memoryTime = summarizeDurations(of(['memcpy', 'memset']), (a) => a.name, duration);
    if (!has('memsize')) report.memorySize = memorySizes(of(['memcpy', 'memset']));
  }
  return report;
}

const duration = (a: GpuActivity) => a.endNs - a.startNs;

/** Bytes moved per memory operation name, from per-launch rows that carry them. */
function memorySizes(acts: GpuActivity[]): MemoryStat[] {
  const by = new Map<string, number[]>();
  for (const a of acts) {
    if (a.bytes === undefined) continue;
    let l = by.get(a.name);
    if (!l) by.set(a.name, (l = []));
    l.push(a.bytes);
  }
  return [...by].map(([name, bytes]) => {
    const s = statOf(name, bytes);
    return {
      name,
      calls: s.calls,
      totalNs: 0,
      avgNs: 0,
      medianNs: 0,
      minNs: 0,
      maxNs: 0,
      stddevNs: 0,
      timePct: 0,
      totalBytes: s.totalNs,
      minBytes: s.minNs,
      maxBytes: s.maxNs,
    };
  });
}
