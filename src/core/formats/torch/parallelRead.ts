/**
 * A big uncompressed trace read on every core: the file is cut into segments; this thread reads
 * the first (the top-level keys before the events and the first events) with the streaming
 * scanner while worker threads read the others' events as records (segmentScan.ts). Then, in
 * order, each segment is checked (it must begin exactly where the one before it ended, and this
 * thread's scan must stand between two events there) and its records replayed into the builder;
 * past the events, the scan resumes for the keys after them. Where a check fails or a worker
 * met something odd, this thread reads on from the last checked place itself: a read in
 * segments gives what a read from the start gives, errors and their offsets included.
 */
import { existsSync, promises as fs } from 'node:fs';
import { availableParallelism } from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { EventFields } from './eventFields';
import type { TraceEventScanner } from './jsonEventScanner';
import type { SegmentResult } from './segmentScan';
import { replayRecords } from './traceRecords';

let segmentWorker: string | undefined;

/** The worker's script (dist/traceSegmentWorker.js); by default the one beside this bundle, if any. */
export function setTraceSegmentWorker(script: string | undefined): void {
  segmentWorker = script;
}

function workerScript(): string | undefined {
  if (segmentWorker !== undefined) return segmentWorker || undefined;
  const near = path.join(__dirname, 'traceSegmentWorker.js');
  return existsSync(near) ? near : undefined;
}

export interface ParallelOptions {
  /**
   * Threads to read with, this one included; 1 reads in one. By default the cores (at most 8)
   * where there are 4 or more: on 2 (often one core's two hyperthreads) a second thread was
   * measured to gain nothing on this byte-bound work (npm run bench timeline).
   */
  threads?: number;
  /** Files smaller than this are read in one thread (default 32 MiB). */
  minBytes?: number;
}

const MIN_SEGMENT = 8 << 20;

function defaultThreads(): number {
  const cores = availableParallelism();
  return cores >= 4 ? Math.min(8, cores) : 1;
}

/** Where the segments begin (the first at 0 is left out), or undefined to read in one thread. */
export function planSegments(size: number, options: ParallelOptions = {}): number[] | undefined {
  const minBytes = options.minBytes ?? 32 << 20;
  const threads = Math.min(options.threads ?? defaultThreads(), Math.floor(size / Math.min(MIN_SEGMENT, minBytes)));
  if (threads < 2 || size < minBytes || !workerScript()) return undefined;
  // This thread reads the first segment and then replays every other one's records (about 0.3
  // of reading them; a worker's scan costs about 0.75 of this thread's): all finish together.
  const workers = threads - 1;
  const first = (size * 0.75) / (workers + 0.75);
  const rest = (size - first) / workers;
  return Array.from({ length: workers }, (_, j) => Math.round(first + j * rest));
}

/** How the last read in segments went: segments read by workers, and how many were used. */
export const lastSegmentRead = { segments: 0, replayed: 0 };

interface Running {
  start: Promise<number | undefined>;
  done: Promise<SegmentResult>;
  worker: Worker;
}

function run(script: string, file: string, from: number, to: number): Running {
  const limits = { maxOldGenerationSizeMb: 2048 };
  const worker = new Worker(script, { workerData: { file, from, to }, resourceLimits: limits });
  let started: (at: number | undefined) => void = () => undefined;
  let finished: (r: SegmentResult) => void = () => undefined;
  const start = new Promise<number | undefined>((r) => (started = r));
  const done = new Promise<SegmentResult>((r) => (finished = r));
  const failed = (why: string) => {
    started(undefined);
    finished({ arrayEnd: false, anomaly: why, batch: { events: 0, heads: [], nums: [], strings: [], json: [] } });
  };
  worker.on('message', (m: { type: 'start'; start?: number } | { type: 'done'; result: SegmentResult }) => {
    if (m.type === 'start') started(m.start);
    else finished(m.result);
  });
  worker.on('error', (e) => failed(e.message));
  worker.on('exit', (code) => failed(`the segment reader stopped (exit ${code})`));
  return { start, done, worker };
}

/**
 * Reads the uncompressed trace `file` of `size` bytes into `scanner` (whose `fields` handler is
 * `sink`) in the segments that begin at `starts`.
 */
export async function readInSegments(
  file: string,
  size: number,
  starts: number[],
  scanner: TraceEventScanner,
  sink: (f: EventFields, offset: number) => void,
): Promise<void> {
  const script = workerScript()!;
  const workers = starts.map((from, j) => run(script, file, from, starts[j + 1] ?? size));
  lastSegmentRead.segments = workers.length;
  lastSegmentRead.replayed = 0;
  const fh = await fs.open(file, 'r');
  const push = async (from: number, to: number) => {
    for (let at = from; at < to && !scanner.finished;) {
      const buf = Buffer.allocUnsafe(Math.min(1 << 20, to - at));
      const { bytesRead } = await fh.read(buf, 0, buf.length, at);
      if (bytesRead === 0) break;
      scanner.push(bytesRead < buf.length ? buf.subarray(0, bytesRead) : buf);
      at += bytesRead;
    }
  };
  try {
    await push(0, starts[0]);
    const first = scanner.finished ? undefined : await workers[0].start;
    // Where this thread reads on from, and the scan stands between events when `checked`.
    let at = first ?? starts[0];
    if (first !== undefined) await push(starts[0], first);
    let tail: number | undefined;
    if (first !== undefined && !scanner.finished && scanner.betweenEvents)
      for (const w of workers) {
        const r = await w.done;
        if (r.anomaly !== undefined || r.start !== at || r.end === undefined) break;
        replayRecords(r.batch, sink);
        lastSegmentRead.replayed++;
        at = r.end;
        if (r.arrayEnd) {
          tail = at;
          break;
        }
      }
    scanner.skipTo(tail ?? at);
    await push(tail ?? at, size);
  } finally {
    await fh.close();
    await Promise.all(workers.map((w) => w.worker.terminate()));
  }
}
