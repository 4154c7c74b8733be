/**
 * The critical path of each profiler step, as Holistic Trace Analysis (HTA) builds it: a graph
 * whose nodes are the starts and ends of CPU operators, runtime calls and GPU activities, whose
 * edges are
 * - along each CPU thread, operators and runtime calls in call-stack order (start of a parent →
 *   start of its first child → … → end of the child → end of the parent), weighted by the time
 *   between; consecutive top-level operators joined by an edge of weight 0 (time between them is
 *   not work); a blocking call (a synchronisation, a blocking copy) weighs 0: its time is waiting;
 * - each GPU activity, weighted by its duration;
 * - a launch delay (runtime call start → activity start, weighted) when the stream had finished
 *   its previous work before the launch began (the GPU waited for this launch); otherwise a
 *   kernel-to-kernel gap (previous activity's end on the stream → start, weighted). HTA also
 *   asks that nothing else was launched to the stream before the activity started, which puts a
 *   host wait on the path as a gap between kernels (4.2 ms of one on the H200 gloo trace);
 * - synchronisations, weight 0: GPU → CPU (the work waited for ends → the waiting call ends)
 *   and GPU → GPU (cudaStreamWaitEvent: the recorded work ends → the next activity on the
 *   waiting stream starts). From the trace's `cuda_sync` records where it has them (as HTA);
 *   otherwise inferred: a blocking copy waits for its own copy, a synchronize call for the
 *   last activity to end before it returned among those launched before it began.
 * The critical path is the longest path through that graph: its length, and what it is made of
 * (CPU-bound: operator and runtime time; GPU-bound: activity time; waiting: launch delays and
 * gaps between kernels). A step is a ProfilerStep annotation: its CPU events are those that start
 * inside it, its GPU activities those its CPU events launched (a kernel that runs past the step's
 * end still belongs to the step that launched it). A trace without steps is one step.
 */
import type { TorchTrace } from '../../model/torchTrace';
import { rankOf } from './gpuBreakdown';
import { orderByStart } from './gpuIntervals';
import { profilerSteps } from './profilerSteps';
import { PathGraph, type EventRef, type PathSegment, type SegmentKind } from './pathGraph';
import { gpuEdges, lowerBound } from './pathGraphGpu';

export type { EdgeKind, EventRef, PathSegment, SegmentKind } from './pathGraph';
export { PathGraph } from './pathGraph';

/** HTA's blocking calls: their own duration is waiting, never on the path as CPU work. */
const BLOCKING =
  /^(cuda|hip)(DeviceSynchronize|StreamSynchronize|EventQuery|EventSynchronize|Memcpy|MemcpyAsync)$|^cu(StreamSynchronize|CtxSynchronize|EventSynchronize|MemcpyDtoH|MemcpyHtoD)(_v2)?$/;

export interface StepPath {
  step: string;
  startUs: number;
  endUs: number;
  lengthUs: number;
  cpuUs: number;
  gpuUs: number;
  /** Launch delays and gaps between kernels on the path. */
  waitingUs: number;
  bound: 'CPU' | 'GPU' | 'waiting';
  /** The events with the most time on the path. */
  top: { name: string; kind: 'cpu' | 'gpu'; us: number }[];
  segments: PathSegment[];
  /** Synchronisations read from cuda_sync records, or inferred from the calls. */
  syncs: 'recorded' | 'inferred';
  /** Nodes the longest-path walk could not order (a cycle from clocks out of step); 0 normally. */
  unordered: number;
}

export interface CriticalPath {
  rank: number;
  steps: StepPath[];
  /** Index in `steps` of the step with the longest path. */
  longest: number;
  /** Steps in the trace: more than `steps` holds where only the longest were computed. */
  stepsInTrace: number;
}

/**
 * The most steps whose paths are computed: on the 1 GB bench trace (780 steps) every step's path
 * took about 5 s of its diagnosis; the 16 longest steps say what bounds the steps as well (on the
 * 100 MB slice, 78 steps: 545 ms for 64 of them, 150-220 ms for 16).
 */
export const MAX_STEPS = 16;

export interface Step {
  name: string;
  start: number;
  end: number;
}

function stepsOf(trace: TorchTrace): Step[] {
  const out = profilerSteps(trace);
  if (out.length) return out;
  let start = Infinity;
  let end = -Infinity;
  for (const list of [trace.ops, trace.runtime, trace.gpu])
    for (const e of list) {
      start = Math.min(start, e.ts);
      end = Math.max(end, e.ts + e.dur);
    }
  return Number.isFinite(start) ? [{ name: 'trace', start, end }] : [];
}

/**
 * The critical path of every step of a trace, or (`which: 'longest step'`) of the step that lasted
 * longest only, for big traces where every step's path would cost more than it shows.
 */
export function criticalPath(trace: TorchTrace, which: 'every step' | 'longest step' = 'every step'): CriticalPath {
  const opOrder = orderByStart(trace.ops);
  const rtOrder = orderByStart(trace.runtime);
  const gpuOrder = orderByStart(trace.gpu);
  const all = stepsOf(trace);
  let chosen = all;
  if (which === 'longest step' && chosen.length > 1)
    chosen = [chosen.reduce((a, b) => (b.end - b.start > a.end - a.start ? b : a))];
  // Past MAX_STEPS steps, the longest ones (the others' paths say little more, at a cost).
  else if (chosen.length > MAX_STEPS) {
    const keep = new Set([...chosen].sort((a, b) => b.end - b.start - (a.end - a.start)).slice(0, MAX_STEPS));
    chosen = chosen.filter((s) => keep.has(s));
  }
  // The activities launched by the chosen steps' runtime calls, by correlation id (a map of
  // every activity's id took a tenth of the 1 GB bench trace's diagnosis, for 16 steps of 780).
  const gpuByCorr = new Map<number, number[]>();
  for (const s of chosen) {
    const rt = trace.runtime;
    for (let i = lowerBound((k) => rt[rtOrder[k]].ts, rtOrder.length, s.start); i < rtOrder.length; i++) {
      const r = rt[rtOrder[i]];
      if (r.ts >= s.end) break;
      if (r.correlation !== undefined) gpuByCorr.set(r.correlation, []);
    }
  }
  trace.gpu.forEach((g, i) => {
    if (g.correlation !== undefined) gpuByCorr.get(g.correlation)?.push(i);
  });
  const steps = chosen.map((s) => stepPath(trace, s, { opOrder, rtOrder, gpuOrder, gpuByCorr }));
  let longest = 0;
  steps.forEach((s, i) => s.lengthUs > steps[longest].lengthUs && (longest = i));
  return { rank: rankOf(trace), steps, longest, stepsInTrace: all.length };
}

interface Orders {
  opOrder: Int32Array;
  rtOrder: Int32Array;
  gpuOrder: Int32Array;
  gpuByCorr: Map<number, number[]>;
}

/** Builds one step's graph (exported for the tests that check its edges). */
export function stepGraph(trace: TorchTrace, step: Step, o: Orders): { g: PathGraph; recorded: boolean } {
  const g = new PathGraph();
  const inStep = <T extends { ts: number }>(list: readonly T[], order: Int32Array): number[] => {
    const from = lowerBound((i) => list[order[i]].ts, order.length, step.start);
    const out: number[] = [];
    for (let i = from; i < order.length && list[order[i]].ts < step.end; i++) out.push(order[i]);
    return out;
  };
  // CPU: operators (not annotations, as HTA) and runtime calls, per thread.
  const threads = new Map<string, { k: number; ts: number; end: number }[]>();
  const cpu = (pid: string, tid: string, k: number, ts: number, end: number) => {
    const key = `${pid}\u0000${tid}`;
    const l = threads.get(key);
    if (l) l.push({ k, ts, end });
    else threads.set(key, [{ k, ts, end }]);
  };
  for (const i of inStep(trace.ops, o.opOrder)) {
    const op = trace.ops[i];
    if (op.kind !== 'op') continue;
    cpu(op.pid, op.tid, g.event({ list: 'ops', index: i }, op.ts, op.ts + op.dur), op.ts, op.ts + op.dur);
  }
  const runtimeNode = new Map<number, number>();
  const blocking = new Set<number>();
  const launchOf = new Map<number, number>();
  const launched: number[] = [];
  for (const i of inStep(trace.runtime, o.rtOrder)) {
    const r = trace.runtime[i];
    const k = g.event({ list: 'runtime', index: i }, r.ts, r.ts + r.dur);
    cpu(r.pid, r.tid, k, r.ts, r.ts + r.dur);
    if (BLOCKING.test(r.name)) blocking.add(k);
    if (r.correlation === undefined) continue;
    runtimeNode.set(r.correlation, k);
    for (const a of o.gpuByCorr.get(r.correlation) ?? []) {
      launchOf.set(a, k);
      launched.push(a);
    }
  }
  for (const list of threads.values()) threadEdges(g, list, blocking);
  // GPU: what the step's CPU launched, and what ran in the step with no launch recorded.
  const acts = new Set(launched);
  for (const i of inStep(trace.gpu, o.gpuOrder))
    if (trace.gpu[i].correlation === undefined || !launchOf.size) acts.add(i);
  const recorded = (trace.gpuSyncs?.length ?? 0) > 0;
  gpuEdges(g, trace, [...acts], launchOf, runtimeNode, recorded, step);
  return { g, recorded };
}

/** Along one thread: call-stack order (HTA's walk of the call stack). */
function threadEdges(g: PathGraph, list: { k: number; ts: number; end: number }[], blocking: Set<number>): void {
  list.sort((a, b) => a.ts - b.ts || b.end - a.end || a.k - b.k);
  const stack: { k: number; end: number }[] = [];
  let last = -1;
  let lastTop = -1;
  const attrOf = (from: number, to: number) =>
    from % 2 === 0 ? from >> 1 : to % 2 === 1 ? to >> 1 : stack.length ? stack[stack.length - 1].k : -1;
  const exit = () => {
    const top = stack.pop()!;
    const end = 2 * top.k + 1;
    if (last >= 0) g.edge(last, end, 'work', attrOf(last, end), blocking.has(top.k) && last === 2 * top.k);
    if (stack.length === 0) {
      last = -1;
      lastTop = end;
    } else last = end;
  };
  for (const e of list) {
    while (stack.length && stack[stack.length - 1].end <= e.ts) exit();
    // A span that outlasts its parent (clocks, or a trace cut short) is not nested in it.
    while (stack.length && stack[stack.length - 1].end < e.end) exit();
    const start = 2 * e.k;
    if (stack.length === 0 && lastTop >= 0) g.edge(lastTop, start, 'dependency');
    if (last >= 0) g.edge(last, start, 'work', attrOf(last, start));
    stack.push({ k: e.k, end: e.end });
    last = start;
  }
  while (stack.length) exit();
}

function nameOf(trace: TorchTrace, e: EventRef): string {
  return e.list === 'ops'
    ? trace.ops[e.index].name
    : e.list === 'runtime'
      ? trace.runtime[e.index].name
      : trace.gpu[e.index].name;
}

function stepPath(trace: TorchTrace, step: Step, o: Orders): StepPath {
  const { g, recorded } = stepGraph(trace, step, o);
  const { edges, length, unordered } = g.longestPath();
  const segments: PathSegment[] = [];
  let cpuUs = 0;
  let gpuUs = 0;
  let waitingUs = 0;
  const top = new Map<string, { name: string; kind: 'cpu' | 'gpu'; us: number }>();
  for (const e of edges) {
    const w = g.weight[e];
    if (w <= 0 || g.attr[e] < 0) continue;
    const ev = g.events[g.attr[e]];
    const kind: SegmentKind =
      g.kind[e] === 'launch' ? 'launch' : g.kind[e] === 'kernel gap' ? 'kernel gap' : ev.list === 'gpu' ? 'gpu' : 'cpu';
    if (kind === 'cpu') cpuUs += w;
    else if (kind === 'gpu') gpuUs += w;
    else waitingUs += w;
    const name = nameOf(trace, ev);
    segments.push({ kind, start: g.ts[g.src[e]], end: g.ts[g.dst[e]], event: ev, name });
    if (kind === 'cpu' || kind === 'gpu') {
      const id = `${kind}\u0000${name}`;
      const t = top.get(id) ?? top.set(id, { name, kind, us: 0 }).get(id)!;
      t.us += w;
    }
  }
  const bound = cpuUs >= gpuUs && cpuUs >= waitingUs ? 'CPU' : gpuUs >= waitingUs ? 'GPU' : 'waiting';
  return {
    step: step.name,
    startUs: step.start,
    endUs: step.end,
    lengthUs: length,
    cpuUs,
    gpuUs,
    waitingUs,
    bound,
    top: [...top.values()].sort((a, b) => b.us - a.us).slice(0, 5),
    segments,
    syncs: recorded ? 'recorded' : 'inferred',
    unordered,
  };
}
