/**
 * Where the CPU waits for the GPU: calls that block until the GPU is done (stream, device and
 * event synchronisation, blocking copies: what `.item()`, `.cpu()`, `.tolist()` and printing a
 * CUDA tensor come down to), each with the operator it ran in and the Python code it came from,
 * and how long the GPU then sat idle: the device's idle gap open when the call returned (the
 * GPU had drained its queue; it waits until the CPU launches more). Summed per Python line.
 *
 * The Python place is the innermost frame of the program's own code around the call (torch's and
 * installed packages' frames are passed over, unless there is no other): a `python_function`
 * span (its line is where the function starts: site "def"), or, for traces whose operators carry
 * "Call stack", the line executing in that frame (site "call").
 */
import { matcherByName } from '../../util/matcherByName';
import type { RuntimeCall, TorchTrace } from '../../model/torchTrace';
import { parseCallStack } from './torchSources';
import { innermostAt } from './spanNesting';
import { gaps, merged, type Intervals } from './gpuIntervals';

const SYNC =
  /^(cuda|hip)(StreamSynchronize|DeviceSynchronize|EventSynchronize|Memcpy|Memcpy2D|MemcpyFromSymbol)$|^cu(StreamSynchronize|CtxSynchronize|EventSynchronize|MemcpyDtoH|MemcpyHtoD)(_v2)?$/;

/** A call that waits for the GPU (runtime call names are matched once each). */
export const isSyncCall = matcherByName(SYNC);

type Place = Pick<SyncPlace, 'name' | 'file' | 'line' | 'site'>;

/** Frames of Python itself, torch or installed packages (Kineto writes torch's relative to site-packages). */
export const isLibraryFile = (file: string | undefined): boolean =>
  !file ||
  file.startsWith('<') ||
  /(^|[\\/])(site-packages|dist-packages|torch|lib[\\/]python\d[.\d]*)[\\/]/.test(file);

export interface SyncPlace {
  /** The Python function (and line), or the operator when no Python place was recorded. */
  name: string;
  file?: string;
  line?: number;
  site?: 'def' | 'call';
  /** The innermost operator around the calls (e.g. aten::item), the most frequent one. */
  op?: string;
  /** The calls, e.g. cudaStreamSynchronize. */
  calls: string[];
  count: number;
  cpuWaitUs: number;
  gpuIdleAfterUs: number;
  /** The first call's start, and from it to the end of the idle gap after it (for the timeline). */
  firstTs: number;
  range: [number, number];
}

interface Spans {
  ts: number[];
  end: number[];
  parent: number[];
  what: { op?: string; callStack?: string; python?: { name: string; file?: string; line?: number } }[];
}

/** One thread's spans sorted by start (longer first at equal starts), with their parents. */
function threadSpans(items: { ts: number; dur: number; what: Spans['what'][number] }[]): Spans {
  items.sort((a, b) => a.ts - b.ts || b.dur - a.dur);
  const s: Spans = { ts: [], end: [], parent: [], what: [] };
  const stack: number[] = [];
  for (const it of items) {
    const end = it.ts + it.dur;
    while (stack.length && s.end[stack[stack.length - 1]] < end) stack.pop();
    s.parent.push(stack.length ? stack[stack.length - 1] : -1);
    stack.push(s.ts.length);
    s.ts.push(it.ts);
    s.end.push(end);
    s.what.push(it.what);
  }
  return s;
}

export function syncPoints(trace: TorchTrace): SyncPlace[] {
  const syncs = trace.runtime.filter((r) => isSyncCall(r.name));
  if (syncs.length === 0) return [];
  const threads = new Map<string, { ts: number; dur: number; what: Spans['what'][number] }[]>();
  const key = (pid: string, tid: string) => `${pid}\u0000${tid}`;
  const wanted = new Set(syncs.map((r) => key(r.pid, r.tid)));
  const add = (pid: string, tid: string, ts: number, dur: number, what: Spans['what'][number]) => {
    const k = key(pid, tid);
    if (!wanted.has(k)) return;
    (threads.get(k) ?? threads.set(k, []).get(k)!).push({ ts, dur, what });
  };
  for (const o of trace.ops) add(o.pid, o.tid, o.ts, o.dur, { op: o.name, callStack: o.callStack });
  for (const f of trace.python) add(f.pid, f.tid, f.ts, f.dur, { python: f });
  const idle = new Map<number, Intervals>();
  const byDevice = new Map<number, typeof trace.gpu>();
  for (const g of trace.gpu) (byDevice.get(g.device) ?? byDevice.set(g.device, []).get(g.device)!).push(g);
  for (const [device, acts] of byDevice) {
    const m = merged(acts);
    if (m.length) idle.set(device, gaps(m, m.start[0], m.end[m.length - 1]));
  }
  const places = new Map<string, SyncPlace & { ops: Map<string, number>; gaps: Set<number> }>();
  const byThread = new Map<string, RuntimeCall[]>();
  for (const r of syncs)
    (byThread.get(key(r.pid, r.tid)) ?? byThread.set(key(r.pid, r.tid), []).get(key(r.pid, r.tid))!).push(r);
  for (const [k, list] of byThread) {
    const spans = threadSpans(threads.get(k) ?? []);
    const at = innermostAt(
      spans,
      0,
      spans.ts.length,
      list.map((r) => r.ts + r.dur / 2),
      1e-3,
    );
    list.forEach((r, i) => {
      let op: string | undefined;
      // The innermost frame of the program's own code; else the innermost frame with a file.
      let place: Place | undefined;
      let inner: Place | undefined;
      for (let s = at[i]; s >= 0 && !place; s = spans.parent[s]) {
        const w = spans.what[s];
        op ??= w.op;
        const frames: Place[] = w.callStack
          ? parseCallStack(w.callStack).map((f) => ({ ...f, site: 'call' as const }))
          : w.python?.file
            ? [{ name: w.python.name, file: w.python.file, line: w.python.line, site: 'def' }]
            : [];
        inner ??= frames[0];
        place = frames.find((f) => !isLibraryFile(f.file));
        if (w.callStack && frames.length) break;
      }
      place ??= inner ?? { name: op ?? r.name };
      const id = `${place.file ?? ''}\u0000${place.line ?? ''}\u0000${place.name}`;
      const p =
        places.get(id) ??
        places
          .set(id, {
            ...place,
            calls: [],
            count: 0,
            cpuWaitUs: 0,
            gpuIdleAfterUs: 0,
            firstTs: r.ts,
            range: [r.ts, r.ts + r.dur],
            ops: new Map(),
            gaps: new Set(),
          })
          .get(id)!;
      p.count++;
      p.cpuWaitUs += r.dur;
      const gap = idleAfter(idle, r.ts + r.dur);
      // Waits in a row (.item(), then .cpu()) that end in one idle gap count it once.
      if (gap && !p.gaps.has(gap[0])) {
        p.gaps.add(gap[0]);
        p.gpuIdleAfterUs += gap[1] - gap[0];
      }
      if (r.ts <= p.firstTs) {
        p.firstTs = r.ts;
        p.range = [r.ts, Math.max(r.ts + r.dur, gap?.[1] ?? 0)];
      }
      if (!p.calls.includes(r.name)) p.calls.push(r.name);
      if (op) p.ops.set(op, (p.ops.get(op) ?? 0) + 1);
    });
  }
  return [...places.values()]
    .map(({ ops, gaps: _gaps, ...p }) => ({ ...p, op: [...ops].sort((a, b) => b[1] - a[1])[0]?.[0] }))
    .sort((a, b) => b.gpuIdleAfterUs - a.gpuIdleAfterUs || b.cpuWaitUs - a.cpuWaitUs);
}

/** The longest idle gap of any device that is open at `t` (or opens within 1 µs of it). */
function idleAfter(idle: Map<number, Intervals>, t: number): [number, number] | undefined {
  let best: [number, number] | undefined;
  for (const gs of idle.values()) {
    let lo = 0;
    let hi = gs.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (gs.end[mid] <= t) lo = mid + 1;
      else hi = mid;
    }
    if (lo < gs.length && gs.start[lo] <= t + 1 && (!best || gs.end[lo] - gs.start[lo] > best[1] - best[0]))
      best = gs.at(lo);
  }
  return best;
}
