/**
 * Nsight Systems' SQLite export (`nsys export --type sqlite`, also written by `nsys stats`) read
 * page by page through `sqliteFile`: CUPTI_ACTIVITY_KIND_KERNEL / _MEMCPY / _MEMSET (per-launch
 * rows), _RUNTIME (CUDA API calls), NVTX_EVENTS, OSRT_API, names from StringIds, devices from
 * TARGET_INFO_GPU when present, the version from META_DATA_EXPORT. Memory follows the rows read,
 * not the file: long runs write exports of many GiB.
 */
import { FormatError } from '../formatError';
import { SqliteFile, type SqlValue } from './sqliteFile';
import type { GpuActivity, MemoryStat, NsysReport, NvtxStat } from '../../model/kernels';
import { deviceTimelines, statOf, summarizeDurations } from './durationStats';

const SQLITE_MAGIC = 'SQLite format 3\u0000';

export function isSqlite(head: Buffer | Uint8Array): boolean {
  return Buffer.from(head.subarray(0, 16)).toString('latin1') === SQLITE_MAGIC;
}

/** CUDA memcpy kinds (CUpti_ActivityMemcpyKind), as nsys labels them when the export has no ENUM table. */
const COPY_KINDS: Record<number, string> = {
  0: 'Unknown',
  1: 'Host-to-Device',
  2: 'Device-to-Host',
  3: 'Host-to-Array',
  4: 'Array-to-Host',
  5: 'Array-to-Array',
  6: 'Array-to-Device',
  7: 'Device-to-Array',
  8: 'Device-to-Device',
  9: 'Host-to-Host',
  10: 'Peer-to-Peer',
  11: 'Unified Host-to-Device',
  12: 'Unified Device-to-Host',
  13: 'Unified Device-to-Device',
};

type Database = SqliteFile;

function rows(
  db: Database,
  table: string,
  columns: readonly string[],
  each: (r: Record<string, SqlValue>) => void,
): void {
  for (const r of db.rows(table, columns)) each(r);
}

const num = (v: SqlValue | undefined): number | undefined =>
  typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : undefined;

export async function readNsysSqliteFile(file: string): Promise<NsysReport> {
  return readWith(() => SqliteFile.open(file), file);
}

export async function readNsysSqlite(bytes: Uint8Array, file: string): Promise<NsysReport> {
  return readWith(() => SqliteFile.fromBytes(bytes, file), file);
}

async function readWith(open: () => SqliteFile, file: string): Promise<NsysReport> {
  const db = open();
  try {
    return readDb(db, file);
  } catch (e) {
    if (e instanceof FormatError) throw e;
    throw new FormatError(
      file,
      'SQLite',
      `not a readable Nsight Systems export: ${e instanceof Error ? e.message : String(e)}`,
    );
  } finally {
    db.close();
  }
}

function readDb(db: Database, file: string): NsysReport {
  const tables = new Set<string>(db.tables().keys());
  if (!tables.has('StringIds'))
    throw new FormatError(file, 'SQLite', 'not an Nsight Systems export: it has no StringIds table');
  const columns = (t: string) => new Set<string>(db.tables().get(t)?.columns);
  const strings = new Map<number, string>();
  rows(db, 'StringIds', ['id', 'value'], (r) => strings.set(Number(r.id), String(r.value)));
  const str = (v: SqlValue | undefined) => (v === null || v === undefined ? undefined : strings.get(Number(v)));
  let version: string | undefined;
  if (tables.has('META_DATA_EXPORT'))
    rows(db, 'META_DATA_EXPORT', ['name', 'value'], (r) => {
      if (r.name === 'EXPORT_PRODUCT_VERSION') version = String(r.value);
    });
  const skipped: string[] = [];

  const activities: GpuActivity[] = [];
  if (tables.has('CUPTI_ACTIVITY_KIND_KERNEL')) {
    const cols = columns('CUPTI_ACTIVITY_KIND_KERNEL');
    const nameCol = cols.has('demangledName') ? 'demangledName' : 'shortName';
    const kernelCols = ['start', 'end', 'deviceId', 'streamId', nameCol, 'gridX', 'gridY', 'gridZ', 'blockX', 'blockY'];
    rows(db, 'CUPTI_ACTIVITY_KIND_KERNEL', [...kernelCols, 'blockZ', 'registersPerThread'], (r) => {
      activities.push({
        kind: 'kernel',
        name: str(r[nameCol]) ?? `(kernel ${String(r[nameCol])})`,
        startNs: num(r.start) ?? 0,
        endNs: num(r.end) ?? 0,
        deviceId: num(r.deviceId) ?? 0,
        streamId: num(r.streamId),
        grid: [num(r.gridX) ?? 0, num(r.gridY) ?? 0, num(r.gridZ) ?? 0],
        block: [num(r.blockX) ?? 0, num(r.blockY) ?? 0, num(r.blockZ) ?? 0],
        registersPerThread: num(r.registersPerThread),
      });
    });
  }
  const copyKinds = new Map<number, string>(Object.entries(COPY_KINDS).map(([k, v]) => [Number(k), v]));
  if (tables.has('ENUM_CUDA_MEMCPY_OPER'))
    rows(db, 'ENUM_CUDA_MEMCPY_OPER', ['id', 'label'], (r) => copyKinds.set(Number(r.id), String(r.label)));
  if (tables.has('CUPTI_ACTIVITY_KIND_MEMCPY')) {
    rows(db, 'CUPTI_ACTIVITY_KIND_MEMCPY', ['start', 'end', 'deviceId', 'streamId', 'bytes', 'copyKind'], (r) => {
      activities.push({
        kind: 'memcpy',
        name: `[CUDA memcpy ${copyKinds.get(num(r.copyKind) ?? 0) ?? 'Unknown'}]`,
        startNs: num(r.start) ?? 0,
        endNs: num(r.end) ?? 0,
        deviceId: num(r.deviceId) ?? 0,
        streamId: num(r.streamId),
        bytes: num(r.bytes),
      });
    });
  }
  if (tables.has('CUPTI_ACTIVITY_KIND_MEMSET')) {
    rows(db, 'CUPTI_ACTIVITY_KIND_MEMSET', ['start', 'end', 'deviceId', 'streamId', 'bytes'], (r) => {
      activities.push({
        kind: 'memset',
        name: '[CUDA memset]',
        startNs: num(r.start) ?? 0,
        endNs: num(r.end) ?? 0,
        deviceId: num(r.deviceId) ?? 0,
        streamId: num(r.streamId),
        bytes: num(r.bytes),
      });
    });
  }
  activities.sort((a, b) => a.startNs - b.startNs);
  const kernels = summarizeDurations(
    activities.filter((a) => a.kind === 'kernel'),
    (a) => a.name,
    (a) => a.endNs - a.startNs,
  );
  if (kernels.length === 0) skipped.push('cuda_gpu_kern_sum: no CUDA kernels in this export (was the CUDA trace on?)');
  const mem = activities.filter((a) => a.kind !== 'kernel');
  const memoryTime: MemoryStat[] = summarizeDurations(
    mem,
    (a) => a.name,
    (a) => a.endNs - a.startNs,
  );
  const bytesByName = new Map<string, number[]>();
  for (const a of mem) {
    if (a.bytes === undefined) continue;
    const list = bytesByName.get(a.name);
    if (list) list.push(a.bytes);
    else bytesByName.set(a.name, [a.bytes]);
  }
  const memorySize: MemoryStat[] = [];
  for (const m of memoryTime) {
    const bytes = bytesByName.get(m.name);
    if (!bytes) continue;
    const s = statOf(m.name, bytes);
    m.totalBytes = s.totalNs; // statOf sums whatever it is given: here bytes
    m.minBytes = s.minNs;
    m.maxBytes = s.maxNs;
    memorySize.push({ ...s, totalBytes: m.totalBytes, minBytes: m.minBytes, maxBytes: m.maxBytes });
  }
  memorySize.sort((a, b) => (b.totalBytes ?? 0) - (a.totalBytes ?? 0));

  const api = tables.has('CUPTI_ACTIVITY_KIND_RUNTIME') ? summarizeApi(db, 'CUPTI_ACTIVITY_KIND_RUNTIME', str) : [];
  const osrt = tables.has('OSRT_API') ? summarizeApi(db, 'OSRT_API', str) : [];
  if (!tables.has('OSRT_API')) skipped.push('osrt_sum: no OS runtime (osrt) trace in this export');

  const nvtxRows: { name: string; style: string; d: number }[] = [];
  if (tables.has('NVTX_EVENTS')) {
    // 59: push/pop range, 60: start/end range (NvtxEventType); marks have no end.
    rows(db, 'NVTX_EVENTS', ['start', 'end', 'eventType', 'text', 'textId'], (r) => {
      if (r.end === null || (r.eventType !== 59 && r.eventType !== 60)) return;
      const name = (typeof r.text === 'string' ? r.text : str(r.textId)) ?? '(unnamed range)';
      nvtxRows.push({
        name,
        style: num(r.eventType) === 59 ? 'PushPop' : 'StartEnd',
        d: (num(r.end) ?? 0) - (num(r.start) ?? 0),
      });
    });
  }
  const nvtx: NvtxStat[] = summarizeDurations(
    nvtxRows,
    (r) => `${r.style}\u0000${r.name}`,
    (r) => r.d,
  ).map((s) => {
    const [style, name] = s.name.split('\u0000');
    return { ...s, name, style };
  });
  if (nvtx.length === 0) skipped.push('nvtx_sum: no NVTX ranges in this export');
  // PyTorch's emit_nvtx names every range "aten::op, seq = N, op_id = M, sizes = […]": one row per
  // call. Grouped by operator too, from the per-range durations (exact medians).
  const nvtxOperators = nvtxRows.some((r) => nvtxOperatorName(r.name) !== r.name)
    ? summarizeDurations(
        nvtxRows,
        (r) => `${r.style}\u0000${nvtxOperatorName(r.name)}`,
        (r) => r.d,
      ).map((s) => {
        const [style, name] = s.name.split('\u0000');
        return { ...s, name, style };
      })
    : undefined;

  const devices = deviceTimelines(activities);
  if (tables.has('TARGET_INFO_GPU')) {
    const cols = columns('TARGET_INFO_GPU');
    const idCol = cols.has('cuDevice') ? 'cuDevice' : 'id';
    rows(db, 'TARGET_INFO_GPU', [idCol, 'name'], (r) => {
      const d = devices.find((x) => x.deviceId === num(r[idCol]));
      if (d && typeof r.name === 'string') d.name = r.name;
    });
  }
  return {
    source: 'nsys-sqlite',
    file,
    version,
    kernels,
    api,
    memoryTime,
    memorySize,
    nvtx,
    nvtxOperators,
    osrt,
    activities,
    devices,
    skipped,
  };
}

function summarizeApi(db: Database, table: string, str: (v: SqlValue | undefined) => string | undefined) {
  const calls: { name: string; d: number }[] = [];
  rows(db, table, ['start', 'end', 'nameId'], (r) => {
    if (r.end === null) return;
    // nsys prints cudaLaunchKernel for cudaLaunchKernel_v7000.
    calls.push({
      name: (str(r.nameId) ?? `(api ${String(r.nameId)})`).replace(/_v\d+$/, ''),
      d: (num(r.end) ?? 0) - (num(r.start) ?? 0),
    });
  });
  return summarizeDurations(
    calls,
    (c) => c.name,
    (c) => c.d,
  );
}

/** A range's text without the per-call suffixes of PyTorch's emit_nvtx (seq, op_id, sizes, input_op_ids). */
export function nvtxOperatorName(text: string): string {
  const m = /, (?:seq|op_id|sizes|input_op_ids) = /.exec(text);
  return m ? text.slice(0, m.index) : text;
}
