/**
 * An Nsight Systems SQLite export read as a trace in time, for the timeline: every kernel, copy
 * and set on its device and stream; every CUDA runtime call, NVTX range and OS runtime call on
 * its process and thread; each launch linked to what it launched by CUPTI's correlation id.
 *
 * It is given the shape of a PyTorch trace (`TorchTrace`), so the timeline, its details, its
 * search and its report are the very ones of PyTorch traces. PyTorch's `emit_nvtx` ranges
 * ("aten::mm, seq = 4, op_id = 9, sizes = [[8, 16], [16, 4]]") become operators named by their
 * operator, with their sizes as input shapes; other NVTX ranges are annotations; OS runtime calls
 * are runtime calls without a correlation. Times become microseconds from the first row.
 */
import { FormatError } from '../formatError';
import { SqliteFile, type SqlValue } from './sqliteFile';
import { nvtxOperatorName } from './nsysSqlite';
import {
  CORRELATION_RANGE,
  type CpuOp,
  type GpuActivity,
  type RuntimeCall,
  type TorchTrace,
} from '../../model/torchTrace';

const num = (v: SqlValue | undefined): number | undefined =>
  typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : undefined;

/**
 * nsys packs a thread as (hardware, VM, pid, tid): the pid in bits 24–47, the tid in bits 0–23;
 * a process (globalPid) is the same with the tid 0. Read exactly from a bigint above 2^53.
 */
export function threadOf(v: SqlValue | undefined): { pid: string; tid: string; proc: string } {
  const g = typeof v === 'bigint' ? v : typeof v === 'number' && Number.isSafeInteger(v) ? BigInt(v) : 0n;
  const pid = (g >> 24n) & 0xffffffn;
  return { pid: String(pid), tid: String(g & 0xffffffn), proc: String(g >> 24n) };
}

/** NvtxEventType: push/pop and start/end ranges (marks, 34, have no duration). */
const NVTX_RANGES = new Set([59, 60]);
const EMIT_NVTX_SIZES = /, sizes = (\[.*?\])(?=, \w+ = |$)/;
/** An operator's name (aten::mm, c10d::allreduce_); record_function names are annotations. */
const OPERATOR = /^[\w.]+::[\w.]+$/;

export async function readNsysTraceFile(file: string): Promise<TorchTrace> {
  const db = SqliteFile.open(file);
  try {
    return nsysTrace(db, file);
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

interface Row {
  start: number;
  end: number;
}

export function nsysTrace(db: SqliteFile, file: string): TorchTrace {
  const tables = db.tables();
  if (!tables.has('StringIds'))
    throw new FormatError(file, 'SQLite', 'not an Nsight Systems export: it has no StringIds table');
  const has = (t: string, c: string) => tables.get(t)?.columns.includes(c) ?? false;
  const strings = new Map<number, string>();
  for (const r of db.rows('StringIds', ['id', 'value'])) strings.set(Number(r.id), String(r.value));
  const str = (v: SqlValue | undefined) => (v === null || v === undefined ? undefined : strings.get(Number(v)));
  const meta: Record<string, string> = { source: 'Nsight Systems SQLite export' };
  if (tables.has('META_DATA_EXPORT'))
    for (const r of db.rows('META_DATA_EXPORT', ['name', 'value']))
      if (r.name === 'EXPORT_PRODUCT_VERSION') meta['Nsight Systems'] = String(r.value);
  const skipped = new Map<string, number>();
  const skip = (why: string) => skipped.set(why, (skipped.get(why) ?? 0) + 1);
  const categories: Record<string, number> = {};
  let origin = Infinity;
  /** Rows with a start and an end that is not before it; the others are counted as skipped. */
  const timed = function* (
    table: string,
    columns: string[],
    keep: (r: Record<string, SqlValue>) => boolean = () => true,
  ): Generator<Record<string, SqlValue> & Row> {
    if (!tables.has(table)) return;
    const want = ['start', 'end', ...columns.filter((c) => has(table, c))];
    let n = 0;
    for (const r of db.rows(table, want)) {
      if (!keep(r)) continue;
      const start = num(r.start);
      const end = num(r.end);
      if (start === undefined || end === undefined || !(end >= start)) {
        skip(`${table}: a row without an end (or ending before it starts)`);
        continue;
      }
      n++;
      if (start < origin) origin = start;
      yield Object.assign(r, { start, end });
    }
    categories[table] = n;
  };

  // Raw rows first (ns); their times are made relative once the origin is known.
  type Gpu = GpuActivity & { proc: string };
  const gpu: Gpu[] = [];
  const nameCol = has('CUPTI_ACTIVITY_KIND_KERNEL', 'demangledName') ? 'demangledName' : 'shortName';
  for (const r of timed('CUPTI_ACTIVITY_KIND_KERNEL', [
    nameCol,
    'deviceId',
    'streamId',
    'correlationId',
    'globalPid',
    'gridX',
    'gridY',
    'gridZ',
    'blockX',
    'blockY',
    'blockZ',
    'registersPerThread',
    'staticSharedMemory',
    'dynamicSharedMemory',
  ])) {
    const shared = (num(r.staticSharedMemory) ?? 0) + (num(r.dynamicSharedMemory) ?? 0);
    gpu.push({
      kind: 'kernel',
      name: str(r[nameCol]) ?? `(kernel ${String(r[nameCol])})`,
      ts: r.start,
      dur: r.end - r.start,
      device: num(r.deviceId) ?? 0,
      stream: num(r.streamId) ?? 0,
      correlation: num(r.correlationId),
      proc: threadOf(r.globalPid).proc,
      grid: [num(r.gridX) ?? 0, num(r.gridY) ?? 0, num(r.gridZ) ?? 0],
      block: [num(r.blockX) ?? 0, num(r.blockY) ?? 0, num(r.blockZ) ?? 0],
      registersPerThread: num(r.registersPerThread),
      sharedMemory: shared || undefined,
    });
  }
  const copyKinds = new Map<number, string>();
  if (tables.has('ENUM_CUDA_MEMCPY_OPER'))
    for (const r of db.rows('ENUM_CUDA_MEMCPY_OPER', ['id', 'label'])) copyKinds.set(Number(r.id), String(r.label));
  const copyName = (k: number | undefined) =>
    `Memcpy ${copyKinds.get(k ?? 0) ?? (k !== undefined ? `kind ${k}` : 'Unknown')}`;
  for (const kind of ['memcpy', 'memset'] as const)
    for (const r of timed(`CUPTI_ACTIVITY_KIND_${kind.toUpperCase()}`, [
      'deviceId',
      'streamId',
      'correlationId',
      'globalPid',
      'bytes',
      'copyKind',
    ]))
      gpu.push({
        kind,
        name: kind === 'memcpy' ? copyName(num(r.copyKind)) : 'Memset',
        ts: r.start,
        dur: r.end - r.start,
        device: num(r.deviceId) ?? 0,
        stream: num(r.streamId) ?? 0,
        correlation: num(r.correlationId),
        proc: threadOf(r.globalPid).proc,
        bytes: num(r.bytes),
      });

  type Call = RuntimeCall & { proc: string };
  const runtime: Call[] = [];
  for (const r of timed('CUPTI_ACTIVITY_KIND_RUNTIME', ['nameId', 'globalTid', 'correlationId'])) {
    runtime.push({
      // cudaLaunchKernel_v7000 is cudaLaunchKernel, as nsys prints it.
      name: (str(r.nameId) ?? `(CUDA API ${String(r.nameId)})`).replace(/_v\d+$/, ''),
      ts: r.start,
      dur: r.end - r.start,
      ...threadOf(r.globalTid),
      correlation: num(r.correlationId),
    });
  }
  for (const r of timed('OSRT_API', ['nameId', 'globalTid'])) {
    runtime.push({
      name: str(r.nameId) ?? `(OS runtime ${String(r.nameId)})`,
      ts: r.start,
      dur: r.end - r.start,
      ...threadOf(r.globalTid),
    });
  }

  const ops: CpuOp[] = [];
  for (const r of timed('NVTX_EVENTS', ['eventType', 'text', 'textId', 'globalTid'], (r) =>
    NVTX_RANGES.has(num(r.eventType) ?? -1),
  )) {
    const text = (typeof r.text === 'string' ? r.text : str(r.textId)) ?? '(unnamed range)';
    const { pid, tid } = threadOf(r.globalTid);
    const name = nvtxOperatorName(text);
    const sizes = name !== text ? EMIT_NVTX_SIZES.exec(text)?.[1] : undefined;
    ops.push({
      name,
      kind: OPERATOR.test(name) ? 'op' : 'annotation',
      ts: r.start,
      dur: r.end - r.start,
      pid,
      tid,
      inputDims: sizes,
    });
  }

  // CUPTI numbers launches per process: the same number in two processes names two launches.
  // With several processes, each one's numbers get a range of their own (its index × 2^32, see
  // CORRELATION_RANGE), so that a launch never links to another process's kernel.
  const processes = new Map<string, number>();
  const procOf = (proc: string) => processes.get(proc) ?? processes.set(proc, processes.size).get(proc)!;
  for (const c of runtime) if (c.correlation !== undefined) procOf(c.proc);
  for (const g of gpu) if (g.correlation !== undefined) procOf(g.proc);
  if (processes.size > 1) {
    for (const c of runtime) if (c.correlation !== undefined) c.correlation += procOf(c.proc) * CORRELATION_RANGE;
    for (const g of gpu) if (g.correlation !== undefined) g.correlation += procOf(g.proc) * CORRELATION_RANGE;
  }

  if (!Number.isFinite(origin)) origin = 0;
  const rel = <T extends { ts: number; dur: number }>(x: T) => {
    x.ts = (x.ts - origin) / 1000;
    x.dur = x.dur / 1000;
    return x;
  };
  const byStart = (a: { ts: number }, b: { ts: number }) => a.ts - b.ts;
  const outGpu: GpuActivity[] = gpu.map(({ proc: _p, ...g }) => rel(g)).sort(byStart);
  const outRuntime: RuntimeCall[] = runtime.map(({ proc: _p, ...c }) => rel(c)).sort(byStart);
  ops.forEach(rel);
  ops.sort(byStart);
  const eventCount = ops.length + outRuntime.length + outGpu.length;
  if (eventCount === 0)
    throw new FormatError(
      file,
      'SQLite',
      'this Nsight Systems export has no kernels, copies, CUDA API calls, NVTX ranges or OS runtime calls to show in time',
    );
  return {
    form: 'nsys',
    origin: origin / 1000,
    ops,
    runtime: outRuntime,
    gpu: outGpu,
    memory: [],
    pythonFunctions: 0,
    python: [],
    deviceProperties: [],
    meta,
    eventCount,
    categories,
    skipped: [...skipped].map(([why, count]) => ({ why, count })),
  };
}
