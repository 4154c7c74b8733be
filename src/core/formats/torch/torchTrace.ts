/**
 * Reads PyTorch profiler traces: Kineto's object form (`{"traceEvents": [...], ...}`, torch
 * 1.8-2.x) and the legacy autograd profiler's bare array (Debian's torch 1.13 without Kineto),
 * gzipped or not, streamed so files larger than a JavaScript string load too. Categories of
 * every era: 2021's `Operator`/`Kernel`/`Runtime`/`Memcpy`/`Memset`, later `cpu_op`, `kernel`,
 * `cuda_runtime`, `cuda_driver`, `gpu_memcpy`, `gpu_memset`, `user_annotation`,
 * `gpu_user_annotation`, `python_function`; `[memory]` instant events; ROCm traces (hip*
 * runtime names). Integer or fractional microsecond timestamps. Checked on the traces in
 * test/fixtures/real (V100 2021, A100 2022-2024, H100, MI250 ROCm 6.2, CPU-only, torch 1.13).
 */
import { createReadStream, promises as fs } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { FormatError } from '../formatError';
import { JsonScanError, TraceEventScanner } from './jsonEventScanner';
import { EventFields, fieldsFromObject } from './eventFields';
import { planSegments, readInSegments, type ParallelOptions } from './parallelRead';
import type {
  CpuOp,
  GpuActivity,
  GpuKind,
  GpuSync,
  MemorySample,
  PyFrame,
  RuntimeCall,
  TorchTrace,
} from '../../model/torchTrace';

/** Largest plausible time in µs (2^53: year 2255 as epoch µs); beyond it sums lose all precision. */
const MAX_TIME_US = 2 ** 53;

const num = (v: unknown): number | undefined =>
  typeof v === 'number' && Number.isFinite(v)
    ? v
    : typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))
      ? Number(v)
      : undefined;
const arr = (v: unknown): number[] | undefined =>
  Array.isArray(v) && v.every((x) => typeof x === 'number') ? (v as number[]) : undefined;

/** Accumulates events into a TorchTrace; shared by the streaming and in-memory readers. */
export class TorchTraceBuilder {
  private readonly ops: CpuOp[] = [];
  private readonly runtime: RuntimeCall[] = [];
  private readonly gpu: GpuActivity[] = [];
  private readonly gpuSyncs: GpuSync[] = [];
  private readonly memory: MemorySample[] = [];
  private pythonFunctions = 0;
  private readonly python: PyFrame[] = [];
  private deviceProperties: unknown[] = [];
  private distributedInfo?: Record<string, unknown>;
  private readonly meta: Record<string, string> = {};
  /** Events per category; the current category's count is kept at hand (runs of one category). */
  private readonly categories = new Map<string, { n: number }>();
  private catCount = { n: 0 };
  private eventCount = 0;
  private minTs = Infinity;
  /** Events left out, by why: said in the views and the CLI, never dropped silently. */
  private readonly skipped = new Map<string, number>();
  private skip(why: string): void {
    this.skipped.set(why, (this.skipped.get(why) ?? 0) + 1);
  }
  /** Names, pids and tids repeat millions of times in big traces: keep one copy of each. */
  private readonly strings = new Map<string, string>();
  private readonly shapesSeen = new Map<string, number>();
  form: 'kineto' | 'legacy' = 'kineto';

  private lastIdRaw: unknown = undefined;
  private lastIdStr = '';

  /** pid/tid as a string; consecutive events mostly share them, so the last one is cached. */
  private idString(v: unknown): string {
    if (v === this.lastIdRaw) return this.lastIdStr;
    const str = this.intern(String(v ?? ''));
    if (typeof v !== 'object') {
      this.lastIdRaw = v;
      this.lastIdStr = str;
    }
    return str;
  }

  private intern(s: string): string {
    const hit = this.strings.get(s);
    if (hit !== undefined) return hit;
    if (this.strings.size < 1_000_000) this.strings.set(s, s);
    return s;
  }

  constructor(private readonly fileName: string) {}

  topLevel(key: string, value: unknown): void {
    if (key === 'deviceProperties' && Array.isArray(value)) this.deviceProperties = value;
    else if (key === 'distributedInfo' && value && typeof value === 'object')
      this.distributedInfo = value as Record<string, unknown>;
    else if (value === null || ['string', 'number', 'boolean'].includes(typeof value)) this.meta[key] = String(value);
  }

  private readonly fields = new EventFields();
  private lastCat = '';
  private lastCatKey = '';
  private readonly pyFrames = new Map<string, { name: string; file: string; line: number } | null>();

  event(raw: unknown, offset: number): void {
    if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
      throw new FormatError(this.fileName, `offset ${offset}`, 'expected a trace event object');
    }
    fieldsFromObject(raw as Record<string, unknown>, this.fields);
    this.accept(this.fields, offset);
  }

  /** One event's fields (read from its bytes by the scanner, or from its object by `event`). */
  accept(f: EventFields, offset: number): void {
    this.eventCount++;
    const cat = typeof f.cat === 'string' ? f.cat : '';
    if (cat !== this.lastCat || this.eventCount === 1) {
      this.lastCat = cat;
      this.lastCatKey = cat.toLowerCase();
      const k = cat || '(none)';
      let c = this.categories.get(k);
      if (c === undefined) this.categories.set(k, (c = { n: 0 }));
      this.catCount = c;
    }
    const catKey = this.lastCatKey;
    this.catCount.n++;
    const ph = f.ph;
    const ts = num(f.ts);
    const name =
      typeof f.name === 'string' ? (f.shared ? f.name : this.intern(f.name)) : this.intern(String(f.name ?? ''));
    if (ph === 'i' || ph === 'I') {
      if (name === '[memory]' && (ts === undefined || Math.abs(ts) > MAX_TIME_US)) {
        this.skip(ts === undefined ? 'memory events without a numeric "ts"' : 'memory events with "ts" beyond 2^53 µs');
        return;
      }
      if (name === '[memory]' && ts !== undefined) {
        this.memory.push({
          ts,
          pid: this.intern(String(f.pid ?? '')),
          tid: this.intern(String(f.tid ?? '')),
          device: num(f.memDevice) ?? -1,
          bytes: num(f.memBytes) ?? 0,
          totalAllocated: num(f.totalAllocated),
          totalReserved: num(f.totalReserved),
        });
        this.minTs = Math.min(this.minTs, ts);
      }
      return;
    }
    if (ph !== 'X') return;
    if (ts === undefined) {
      this.skip('complete events ("ph": "X") without a numeric "ts"');
      return;
    }
    if (Math.abs(ts) > MAX_TIME_US) {
      this.skip('complete events with "ts" beyond 2^53 µs');
      return;
    }
    const rawDur = num(f.dur);
    if (rawDur === undefined && f.dur !== undefined) {
      this.skip('complete events with a "dur" that is not a number');
      return;
    }
    if (rawDur !== undefined && rawDur > MAX_TIME_US) {
      this.skip('complete events with "dur" beyond 2^53 µs');
      return;
    }
    const dur = rawDur ?? 0;
    if (dur < 0) throw new FormatError(this.fileName, `offset ${offset}`, `event "${name}" has a negative duration`);
    this.minTs = Math.min(this.minTs, ts);
    const pid = this.idString(f.pid);
    const tid = this.idString(f.tid);
    const externalId = num(f.externalIdA ?? f.externalIdB);
    const correlation = num(f.correlation);
    switch (catKey) {
      case 'cpu_op':
      case 'operator':
      case '': {
        // Input shapes: the tables show a few per operator; keeping every one costs gigabytes.
        const seen = this.shapesSeen.get(name) ?? 0;
        const dims = seen < 16 ? (f.value(f.dimsA, 'A') ?? f.value(f.dimsB, 'B')) : undefined;
        if (dims !== undefined) this.shapesSeen.set(name, seen + 1);
        const cs = f.callStack;
        const callStack = typeof cs === 'string' && cs !== '' ? this.intern(cs) : undefined;
        this.ops.push({ name, kind: 'op', ts, dur, pid, tid, externalId, inputDims: dims, callStack });
        return;
      }
      case 'user_annotation':
        this.ops.push({ name, kind: 'annotation', ts, dur, pid, tid, externalId });
        return;
      case 'cuda_runtime':
      case 'runtime':
      case 'cuda_driver':
        this.runtime.push({ name, ts, dur, pid, tid, correlation, externalId });
        return;
      case 'kernel':
      case 'gpu_memcpy':
      case 'memcpy':
      case 'gpu_memset':
      case 'memset': {
        const kind: GpuKind = catKey.endsWith('kernel') ? 'kernel' : catKey.endsWith('memcpy') ? 'memcpy' : 'memset';
        this.gpu.push({
          name,
          kind,
          ts,
          dur,
          device: num(f.device) ?? num(f.pid) ?? 0,
          stream: num(f.stream) ?? num(String(f.tid).replace(/^stream\s*/, '')) ?? 0,
          correlation,
          externalId,
          grid: arr(f.grid),
          block: arr(f.block),
          registersPerThread: num(f.registers),
          sharedMemory: num(f.sharedMemory),
          occupancy: num(f.occupancy),
          bytes: num(f.bytes),
        });
        return;
      }
      case 'cuda_sync':
        this.gpuSyncs.push({
          name,
          ts,
          dur,
          device: num(f.device) ?? num(f.pid) ?? 0,
          stream: num(f.stream) ?? -1,
          correlation,
          waitOnStream: num(f.waitOnStream),
          waitOnEventRecord: num(f.waitOnEventRecord),
        });
        return;
      case 'python_function': {
        this.pythonFunctions++;
        // "file.py(123): function", as Kineto names Python frames (split once per name).
        let frame = this.pyFrames.get(name);
        if (frame === undefined) {
          const m = /^(.*)\((\d+)\): (.*)$/.exec(name);
          frame = m ? { name: this.intern(m[3]), file: this.intern(m[1]), line: Number(m[2]) } : null;
          if (this.pyFrames.size < 1_000_000) this.pyFrames.set(name, frame);
        }
        this.python.push(
          frame
            ? { name: frame.name, file: frame.file, line: frame.line, ts, dur, pid, tid }
            : { name, ts, dur, pid, tid },
        );
        return;
      }
      default:
        return;
    }
  }

  private categoryCounts(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [k, c] of this.categories) out[k] = c.n;
    return out;
  }

  build(): TorchTrace {
    if (this.eventCount === 0)
      throw new FormatError(this.fileName, '', 'expected a PyTorch profiler trace, found no trace events');
    const origin = Number.isFinite(this.minTs) ? this.minTs : 0;
    for (const o of this.ops) o.ts -= origin;
    for (const r of this.runtime) r.ts -= origin;
    for (const g of this.gpu) g.ts -= origin;
    for (const g of this.gpuSyncs) g.ts -= origin;
    for (const m of this.memory) m.ts -= origin;
    for (const f of this.python) f.ts -= origin;
    return {
      form: this.form,
      origin,
      ops: this.ops,
      runtime: this.runtime,
      gpu: this.gpu,
      ...(this.gpuSyncs.length ? { gpuSyncs: this.gpuSyncs } : {}),
      memory: this.memory,
      pythonFunctions: this.pythonFunctions,
      python: this.python,
      deviceProperties: this.deviceProperties,
      distributedInfo: this.distributedInfo,
      meta: this.meta,
      eventCount: this.eventCount,
      categories: this.categoryCounts(),
      skipped: [...this.skipped].map(([why, count]) => ({ why, count })),
    };
  }
}

/** Whether a file's first bytes look like a PyTorch trace (gzip, or JSON with trace events). */
export function looksLikeTorchTrace(head: Buffer): boolean {
  if (head[0] === 0x1f && head[1] === 0x8b) return true;
  const text = head
    .toString('utf8', 0, Math.min(head.length, 65536))
    .replace(/^\uFEFF/, '')
    .trimStart();
  if (text.startsWith('{')) return /"traceEvents"\s*:/.test(text) || /"schemaVersion"\s*:/.test(text);
  if (text.startsWith('[')) return /^\[\s*(\{\s*"(name|ph|cat|ts|pid|tid)"|\])/.test(text);
  return false;
}

/**
 * Reads a trace from disk, streaming (and gunzipping) it: memory stays proportional to the events
 * kept. A big uncompressed one is read on every core (parallelRead.ts), with the same result.
 */
export async function readTorchTrace(
  path: string,
  parallel: ParallelOptions = {},
  onProgress?: (done: number, total: number) => void,
): Promise<TorchTrace> {
  try {
    await fs.access(path);
  } catch {
    throw new FormatError(path, '', 'no such file');
  }
  const builder = new TorchTraceBuilder(path);
  let sawArray = false;
  const scanner = new TraceEventScanner({
    event: (v, offset) => builder.event(v, offset),
    fields: (f, offset) => builder.accept(f, offset),
    topLevel: (k, v) => builder.topLevel(k, v),
  });
  const head = Buffer.alloc(64);
  const fh = await fs.open(path, 'r');
  let size = 0;
  try {
    await fh.read(head, 0, 64, 0);
    size = (await fh.stat()).size;
  } finally {
    await fh.close();
  }
  const gz = head[0] === 0x1f && head[1] === 0x8b;
  const starts =
    gz || !/^(\xef\xbb\xbf)?\s*\{/.test(head.toString('latin1')) ? undefined : planSegments(size, parallel);
  const source = starts ? undefined : createReadStream(path, { highWaterMark: 1 << 20 });
  const stream = gz ? source?.pipe(createGunzip()) : source;
  // Progress at most every 2% of the file, and at the end.
  let told = 0;
  const progress = (done: number) => {
    if (!onProgress || told === size || (done - told < size / 50 && done < size)) return;
    told = done;
    onProgress(Math.min(done, size), size);
  };
  try {
    if (!stream) await readInSegments(path, size, starts!, scanner, (f, offset) => builder.accept(f, offset));
    else
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        progress(source?.bytesRead ?? 0);
        if (!sawArray) {
          const first = chunk
            .toString('latin1', 0, Math.min(64, chunk.length))
            .replace(/^\uFEFF|^\xef\xbb\xbf/, '')
            .trimStart();
          if (first.length > 0) sawArray = true;
          if (first.startsWith('[')) builder.form = 'legacy';
        }
        scanner.push(chunk);
        if (scanner.finished) break;
      }
    scanner.end();
    progress(size);
  } catch (e) {
    source?.destroy();
    if (e instanceof FormatError) throw e;
    if (e instanceof JsonScanError)
      throw new FormatError(path, `${gz ? 'uncompressed offset' : 'offset'} ${e.offset}`, e.message);
    throw new FormatError(path, '', `cannot read the trace: ${(e as Error).message}`);
  }
  return builder.build();
}

/** Parses a trace already in memory (tests, small files). */
export function parseTorchTrace(text: string, fileName: string): TorchTrace {
  const builder = new TorchTraceBuilder(fileName);
  const scanner = new TraceEventScanner({
    event: (v, o) => builder.event(v, o),
    topLevel: (k, v) => builder.topLevel(k, v),
  });
  if (
    text
      .replace(/^\uFEFF/, '')
      .trimStart()
      .startsWith('[')
  )
    builder.form = 'legacy';
  try {
    scanner.push(Buffer.from(text, 'utf8'));
    scanner.end();
  } catch (e) {
    if (e instanceof JsonScanError) throw new FormatError(fileName, `offset ${e.offset}`, e.message);
    throw e;
  }
  return builder.build();
}
