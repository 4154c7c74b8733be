/**
 * One way in for files: the CLI's analyze, report, diff and export and the editor's Open Profile,
 * custom editors and runs all call openFile (or detectFileKind first, to pick a view), so a file
 * takes the same road whichever front end opens it. The kind comes from the content
 * (formats/detect); the reader from the kind. Nsight's own report formats are read through the
 * installed nsys and ncu, their exports kept in a cache folder, never beside the user's file.
 */
import { promises as fs, type Stats } from 'node:fs';
import * as path from 'node:path';
import { detectKind, HEAD_BYTES, KIND_NAMES, type FileKind } from '../formats/detect';
import { readHead, readTextFile } from '../formats/textFile';
import { parseNvidiaSmiQuery } from '../formats/gpu/nvidiaSmiQuery';
import { parseNvidiaSmiTable } from '../formats/gpu/nvidiaSmiTable';
import { parseNvidiaSmiDmon } from '../formats/gpu/nvidiaSmiDmon';
import { FormatError } from '../formats/formatError';
import { readProfile } from '../formats/cpu/readProfile';
import { readTorchTrace } from '../formats/torch/torchTrace';
import { parseNvidiaSmiCsv } from '../formats/gpu/nvidiaSmi';
import { readNsysSqliteFile } from '../formats/nsight/nsysSqlite';
import { readNsysTraceFile } from '../formats/nsight/nsysTrace';
import { profileInTime } from '../analysis/cpu/timeOrder';
import { parseNsysStatsCsv } from '../formats/nsight/nsysStatsCsv';
import { readNcuCsvFile } from '../formats/nsight/ncuCsv';
import { exportNsysReport } from '../runners/nsight/nsys';
import { readRun, runOutputPath } from '../store/runStore';
import { importNcuReportCached } from '../runners/nsight/ncu';
import type { Profile } from '../model/profile';
import type { TorchTrace } from '../model/torchTrace';
import type { TelemetrySeries } from '../model/telemetry';
import type { NcuReport, NsysReport } from '../model/kernels';
import type { TorchMemorySnapshot } from '../model/torchMemory';
import { readMemorySnapshot } from '../formats/torch/memorySnapshot';
import { parsePythonMemory } from '../formats/memory/pythonMemory';
import type { PythonMemoryProfile } from '../model/pythonMemory';

export type { FileKind } from '../formats/detect';

/** Defined false by the extension's build (see the nvidia-smi-xml case); true or absent elsewhere. */
declare const FLAMELENS_XML_LOGS: boolean | undefined;

/** A file read into its model, by what it holds. */
export type OpenedFile =
  | { kind: 'cpu-profile'; file: string; profile: Profile }
  | { kind: 'torch-trace'; file: string; trace: TorchTrace }
  | { kind: 'gpu-telemetry'; file: string; series: TelemetrySeries; format: 'csv' | 'xml' | 'q' | 'table' | 'dmon' }
  | { kind: 'nsys'; file: string; report: NsysReport }
  | { kind: 'ncu'; file: string; report: NcuReport }
  | { kind: 'torch-memory'; file: string; snapshot: TorchMemorySnapshot }
  | { kind: 'python-memory'; file: string; profile: PythonMemoryProfile };

export type OpenedKind = OpenedFile['kind'];

/** Which model a file kind is read into. */
export function openedKindOf(kind: FileKind): OpenedKind {
  switch (kind) {
    case 'cpu-profile':
      return 'cpu-profile';
    case 'torch-trace':
      return 'torch-trace';
    case 'nvidia-smi-csv':
    case 'nvidia-smi-xml':
    case 'nvidia-smi-q':
    case 'nvidia-smi-table':
    case 'nvidia-smi-dmon':
      return 'gpu-telemetry';
    case 'nsys-sqlite':
    case 'nsys-csv':
    case 'nsys-rep':
      return 'nsys';
    case 'ncu-csv':
    case 'ncu-rep':
      return 'ncu';
    case 'torch-memory':
      return 'torch-memory';
    case 'python-memory':
      return 'python-memory';
  }
}

export interface OpenOptions {
  /** Where the exports of `.nsys-rep`/`.ncu-rep` files go (a cache, never beside the file). */
  cacheDir: string;
  nsysPath?: string;
  ncuPath?: string;
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  /** What the caller can show; another kind is a FormatError saying what the file is and `what`. */
  expect?: { kinds: OpenedKind[]; what: string };
  /**
   * For the timeline: Nsight Systems reports are read as a trace in time (kind 'torch-trace',
   * form 'nsys') instead of as their summary tables, and CPU profiles that say when their
   * samples were taken in time order (form 'profile'; one that does not is a FormatError).
   */
  inTime?: boolean;
  /**
   * How much of a PyTorch trace has been read (bytes of the file, compressed ones for a gzipped
   * trace), now and then and once at the end: a big trace takes seconds.
   */
  onProgress?: (done: number, total: number) => void;
}

/**
 * The kind of a file from its first bytes. A file that cannot be read is 'cpu-profile': the CPU
 * profile reader then reports it, naming the file (as it always has).
 */
export async function detectFileKind(given: string): Promise<FileKind> {
  const file = await inputFile(given);
  let head: Buffer;
  let gzip: boolean;
  try {
    ({ head, gzip } = await readHead(file, HEAD_BYTES));
  } catch {
    return 'cpu-profile';
  }
  return detectKind(head, file, gzip);
}

/** What kind of thing is at a path that is not a regular file, for the error that refuses it. */
function specialKind(st: Stats): string {
  if (st.isFIFO()) return 'a named pipe (FIFO)';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  return 'not a regular file';
}

/**
 * The file to read for `given`: itself when it is a regular file (or missing: the reader says
 * so); the run's output for a run folder (`.flamelens/runs/<run>/`). Anything else is refused
 * before it is opened (opening a FIFO blocks until someone writes to it).
 */
export async function inputFile(given: string): Promise<string> {
  let st: Stats;
  try {
    st = await fs.stat(given);
  } catch {
    return given;
  }
  if (st.isFile()) return given;
  if (st.isDirectory()) {
    const run = await readRun(given);
    if (run) return runOutputPath(run);
    throw new FormatError(
      given,
      '',
      'this is a folder: give a profile, trace or report file, or a run folder (with run.json)',
    );
  }
  throw new FormatError(given, '', `this is ${specialKind(st)}, not a regular file`);
}

/** Reads a file (or a run folder's output) into its model, whatever it holds; every failure names the file. */
export async function openFile(given: string, o: OpenOptions, known?: FileKind): Promise<OpenedFile> {
  const file = await inputFile(given);
  const kind = known ?? (await detectFileKind(file));
  if (o.inTime && kind === 'cpu-profile')
    return { kind: 'torch-trace', file, trace: profileInTime(await readProfile(file), file) };
  if (o.inTime && (kind === 'nsys-sqlite' || kind === 'nsys-rep')) {
    const sqlite =
      kind === 'nsys-sqlite'
        ? file
        : await exportNsysReport(file, { ...tools(o), cacheDir: path.join(o.cacheDir, 'nsys') });
    return { kind: 'torch-trace', file, trace: await readNsysTraceFile(sqlite) };
  }
  if (o.expect && !o.expect.kinds.includes(openedKindOf(kind))) {
    throw new FormatError(file, '', `this is ${KIND_NAMES[kind]}, but ${o.expect.what}`);
  }
  switch (kind) {
    case 'cpu-profile':
      return { kind: 'cpu-profile', file, profile: await readProfile(file) };
    case 'torch-trace':
      return { kind: 'torch-trace', file, trace: await readTorchTrace(file, {}, o.onProgress) };
    case 'nvidia-smi-csv': {
      const series = parseNvidiaSmiCsv(await readTextFile(file, 'nvidia-smi logs'), file);
      return { kind: 'gpu-telemetry', file, series, format: 'csv' };
    }
    case 'nvidia-smi-q': {
      const series = parseNvidiaSmiQuery(await readTextFile(file, 'nvidia-smi logs'), file);
      return { kind: 'gpu-telemetry', file, series, format: 'q' };
    }
    case 'nvidia-smi-table': {
      const series = parseNvidiaSmiTable(await readTextFile(file, 'nvidia-smi logs'), file);
      return { kind: 'gpu-telemetry', file, series, format: 'table' };
    }
    case 'nvidia-smi-dmon': {
      const series = parseNvidiaSmiDmon(await readTextFile(file, 'nvidia-smi logs'), file);
      return { kind: 'gpu-telemetry', file, series, format: 'dmon' };
    }
    case 'nvidia-smi-xml': {
      // The XML parser is a sixth of the extension's bundle and the extension host never reads
      // these logs itself (the editor's GPU log view reads them in the worker, whose bundle has
      // it): its build leaves it out (FLAMELENS_XML_LOGS false), so activation does not pay for it.
      if (typeof FLAMELENS_XML_LOGS === 'undefined' || FLAMELENS_XML_LOGS) {
        const { parseNvidiaSmiXml } = await import('../formats/gpu/nvidiaSmiXml');
        const series = parseNvidiaSmiXml(await readTextFile(file, 'nvidia-smi logs'), file);
        return { kind: 'gpu-telemetry', file, series, format: 'xml' };
      }
      throw new FormatError(
        file,
        '',
        'nvidia-smi XML logs are read in the file reader (its worker) or by the CLI: flamelens analyze FILE',
      );
    }
    case 'nsys-sqlite':
      return { kind: 'nsys', file, report: await readNsysSqliteFile(file) };
    case 'nsys-csv':
      return { kind: 'nsys', file, report: parseNsysStatsCsv(await readTextFile(file, 'nsys stats CSV files'), file) };
    case 'nsys-rep': {
      const sqlite = await exportNsysReport(file, { ...tools(o), cacheDir: path.join(o.cacheDir, 'nsys') });
      return { kind: 'nsys', file, report: await readNsysSqliteFile(sqlite) };
    }
    case 'ncu-csv':
      return { kind: 'ncu', file, report: await readNcuCsvFile(file) };
    case 'torch-memory':
      return { kind: 'torch-memory', file, snapshot: await readMemorySnapshot(file) };
    case 'python-memory':
      return {
        kind: 'python-memory',
        file,
        profile: parsePythonMemory(await readTextFile(file, 'Python memory profiles'), file),
      };
    case 'ncu-rep':
      return {
        kind: 'ncu',
        file,
        report: await importNcuReportCached(file, { ...tools(o), cacheDir: path.join(o.cacheDir, 'ncu') }),
      };
  }
}

const tools = (o: OpenOptions) => ({ nsysPath: o.nsysPath, ncuPath: o.ncuPath, env: o.env, signal: o.signal });

/** A CPU profile; any other kind of file is a FormatError saying what it is and `what` (e.g. "diff compares CPU profiles"). */
export async function openProfile(file: string, what: string): Promise<Profile> {
  const opened = await openFile(file, { cacheDir: '', expect: { kinds: ['cpu-profile'], what } });
  if (opened.kind !== 'cpu-profile') throw new FormatError(file, '', what);
  return opened.profile;
}

/** A PyTorch trace; any other kind of file is a FormatError saying what it is and `what`. */
export async function openTorchTrace(
  file: string,
  what: string,
  onProgress?: OpenOptions['onProgress'],
): Promise<TorchTrace> {
  const opened = await openFile(file, { cacheDir: '', expect: { kinds: ['torch-trace'], what }, onProgress });
  if (opened.kind !== 'torch-trace') throw new FormatError(file, '', what);
  return opened.trace;
}
