/**
 * A PyTorch trace on the timeline: lanes per process and thread (operators, annotations, Python
 * frames and runtime calls nested by time), per GPU and stream (kernels, copies, sets,
 * communication), counters (allocated and reserved memory per device), each GPU's busy share,
 * the profiler's steps; and what a selected span says (arguments, Python stack, the operator
 * and runtime call that launched a kernel, the kernels an operator launched, the flows from
 * launch to kernel by correlation id).
 */
import { CORRELATION_RANGE, type TorchTrace } from '../../model/torchTrace';
import { CATEGORIES, TimelineBuilder, categoryId, type Category, type TimelineIndex } from '../timeline/timelineIndex';
import { ancestors, busyTrack, rowOf, type BusyTrack } from '../timeline/timelineQuery';
import { isCommunication, mergedByDevice } from './gpuTime';
import { correlationIndex, lookup, type CorrelationIndex } from './correlationIndex';
import { parseCallStack } from './torchSources';
import { addDiagnosisTracks, CRITICAL_LANE, CRITICAL_WHY, IDLE_WHY } from './timelineIdle';

const STEP = /^ProfilerStep#\d+$/;

export interface StepMark {
  name: string;
  start: number;
  end: number;
}

export interface TorchTimeline {
  index: TimelineIndex;
  busy: BusyTrack[];
  steps: StepMark[];
  /** Event ids: ops from 0, then runtime calls, GPU activities, Python frames. */
  base: { runtime: number; gpu: number; python: number; end: number };
  /** Correlation id → runtime call and GPU activity (indexes into the trace's arrays), sorted. */
  corr: { runtime: CorrelationIndex; gpu: CorrelationIndex };
  /** For several traces side by side (ranks): each one's event ids, offset and label. */
  parts?: TimelinePart[];
}

export interface TimelinePart {
  label: string;
  /** µs added to the trace's times (aligned by step). */
  offset: number;
  /** Its first event id in the combined index. */
  eventBase: number;
  base: TorchTimeline['base'];
  corr: TorchTimeline['corr'];
  meanStepUs: number;
}

const pad = (n: number) => String(Math.max(0, Math.min(1e9, Math.floor(n) + 1e6))).padStart(10, '0');

export function torchTimeline(trace: TorchTrace): TorchTimeline {
  // Room for every event, each stream's idle gaps (about one per activity) and a little more.
  const b = new TimelineBuilder(
    trace.ops.length + trace.runtime.length + trace.python.length + 2 * trace.gpu.length + 1024,
  );
  // Consecutive events mostly share their thread: the last lane is kept (no key built per event).
  let lastPid = '';
  let lastTid = '';
  let lastLane = -1;
  const cpuLane = (pid: string, tid: string) => {
    if (pid !== lastPid || tid !== lastTid || lastLane < 0) {
      lastLane = b.laneOf({
        key: `cpu ${pid} ${tid}`,
        group: `process ${pid}`,
        title: `thread ${tid}`,
        kind: 'cpu',
        order: 0,
      });
      lastPid = pid;
      lastTid = tid;
    }
    return lastLane;
  };
  // One display name per Python frame (function, file, line), not one string per event.
  const pyNames = new Map<string, Map<string, Map<number, string>>>();
  const pyName = (name: string, file: string, line: number) => {
    const byFile = pyNames.get(name) ?? pyNames.set(name, new Map()).get(name)!;
    const byLine = byFile.get(file) ?? byFile.set(file, new Map()).get(file)!;
    let s = byLine.get(line);
    if (s === undefined) byLine.set(line, (s = `${name} (${file}:${line})`));
    return s;
  };
  const steps: StepMark[] = [];
  for (const o of trace.ops) {
    const step = o.kind === 'annotation' && STEP.test(o.name);
    if (step) steps.push({ name: o.name, start: o.ts, end: o.ts + o.dur });
    b.add(cpuLane(o.pid, o.tid), o.ts, o.dur, o.name, step ? 'step' : o.kind === 'op' ? 'op' : 'annotation');
  }
  for (const r of trace.runtime) b.add(cpuLane(r.pid, r.tid), r.ts, r.dur, r.name, 'runtime');
  const gpuLanes = new Map<number, Map<number, number>>();
  for (const g of trace.gpu) {
    const byStream = gpuLanes.get(g.device) ?? gpuLanes.set(g.device, new Map()).get(g.device)!;
    let lane = byStream.get(g.stream);
    if (lane === undefined)
      byStream.set(
        g.stream,
        (lane = b.laneOf({
          key: `gpu ${pad(g.device)} ${pad(g.stream)}`,
          group: `GPU ${g.device}`,
          title: `stream ${g.stream}`,
          kind: 'gpu',
          order: 1,
        })),
      );
    const cat: Category = g.kind === 'kernel' ? (isCommunication(g.name) ? 'communication' : 'kernel') : g.kind;
    b.add(lane, g.ts, g.dur, g.name, cat);
  }
  for (const f of trace.python)
    b.add(cpuLane(f.pid, f.tid), f.ts, f.dur, f.file ? pyName(f.name, f.file, f.line ?? 0) : f.name, 'python');
  // After every event of the trace (ids from base.end): each stream's idle gaps, and its queue,
  // at any size (the view draws a row's touching items of one colour as one rectangle, and a
  // counter answers per pixel from block maxima).
  if (trace.form !== 'profile') addDiagnosisTracks(b, trace, (device, stream) => `gpu ${pad(device)} ${pad(stream)}`);
  const memory = new Map<number, typeof trace.memory>();
  for (const m of trace.memory) {
    if (m.totalAllocated === undefined) continue;
    (memory.get(m.device) ?? memory.set(m.device, []).get(m.device)!).push(m);
  }
  for (const [device, samples] of [...memory].sort((x, y) => x[0] - y[0])) {
    samples.sort((x, y) => x.ts - y.ts);
    const group = device < 0 ? 'CPU memory' : `GPU ${device}`;
    const t = Float64Array.from(samples, (m) => m.ts);
    b.counter({ title: 'allocated', group, unit: 'bytes', t, v: Float64Array.from(samples, (m) => m.totalAllocated!) });
    if (samples.some((m) => m.totalReserved !== undefined))
      b.counter({
        title: 'reserved',
        group,
        unit: 'bytes',
        t,
        v: Float64Array.from(samples, (m) => m.totalReserved ?? 0),
      });
  }
  const busy = [...mergedByDevice(trace)].map(([device, merged]) => busyTrack('busy', `GPU ${device}`, merged));
  const nOps = trace.ops.length;
  const nRt = trace.runtime.length;
  const nGpu = trace.gpu.length;
  return {
    index: b.build(),
    busy,
    steps: steps.sort((x, y) => x.start - y.start),
    base: { runtime: nOps, gpu: nOps + nRt, python: nOps + nRt + nGpu, end: nOps + nRt + nGpu + trace.python.length },
    corr: {
      runtime: correlationIndex(trace.runtime),
      gpu: correlationIndex(trace.gpu),
    },
  };
}

/** Timelines built elsewhere (the reader's worker) for a trace, lent to whoever shows it. */
const offered = new WeakMap<TorchTrace, Promise<TorchTimeline | undefined>>();

export function offerTimeline(trace: TorchTrace, timeline: Promise<TorchTimeline | undefined>): void {
  offered.set(trace, timeline);
}

/** The trace's timeline: the one offered for it, or built here when none was (or it failed). */
export async function timelineOf(trace: TorchTrace): Promise<TorchTimeline> {
  return (await offered.get(trace)) ?? torchTimeline(trace);
}

export interface SpanRef {
  flat: number;
  row: number;
  name: string;
  startUs: number;
  durUs: number;
}

export interface SpanDetails extends SpanRef {
  category: string;
  selfUs: number;
  lane: string;
  args: [string, string][];
  /** Python frames, innermost first (from enclosing python_function spans or the op's call stack). */
  stack: { name: string; file: string; line: number }[];
  /** For a GPU activity: the runtime call that launched it and the operator that call ran in. */
  launchedBy?: SpanRef;
  operator?: SpanRef;
  /** For an operator or runtime call: the GPU activities it launched (at most 200) and how many. */
  launches: SpanRef[];
  launchCount: number;
  /** Arrows to draw: from a launch (runtime call) to its GPU activity. */
  flows: Flow[];
}

/** A flow arrow: from the end of a launch to the start of what it launched. */
export interface Flow {
  from: number;
  to: number;
  fromRow: number;
  toRow: number;
  fromUs: number;
  toUs: number;
}

const MAX_LAUNCHES = 200;

export function spanDetails(
  tt: TorchTimeline,
  trace: TorchTrace,
  flat: number,
  eventBase = 0,
): SpanDetails | undefined {
  const ix = tt.index;
  if (!(flat >= 0 && flat < ix.start.length)) return undefined;
  const ref = (f: number): SpanRef => ({
    flat: f,
    row: rowOf(ix, f),
    name: ix.names[ix.name[f]],
    startUs: ix.start[f],
    durUs: ix.end[f] - ix.start[f],
  });
  const lane = ix.lanes[ix.rowLane[rowOf(ix, flat)]];
  const e = ix.eventOf[flat];
  const flow = (from: number, to: number): Flow => ({
    from,
    to,
    fromRow: rowOf(ix, from),
    toRow: rowOf(ix, to),
    fromUs: ix.end[from],
    toUs: ix.start[to],
  });
  const d: SpanDetails = {
    ...ref(flat),
    category: CATEGORIES[ix.cat[flat]],
    selfUs: ix.self[flat],
    lane: `${lane.group} · ${lane.title}`,
    args: [],
    stack: [],
    launches: [],
    launchCount: 0,
    flows: [],
  };
  const arg = (k: string, v: unknown) => v !== undefined && v !== '' && d.args.push([k, fmt(v)]);
  // Spans of no trace event: the idle lanes' gaps, the critical path's stretches.
  const why = lane.key === CRITICAL_LANE ? CRITICAL_WHY[d.category] : IDLE_WHY[d.name];
  if (e >= tt.base.end) return (arg(lane.key === CRITICAL_LANE ? 'critical path' : 'why', why), d);
  const pyStack = (of: number) => {
    for (const a of ancestors(ix, of)) {
      const pe = ix.eventOf[a];
      if (pe < tt.base.python) continue;
      const p = trace.python[pe - tt.base.python];
      if (p.file) d.stack.push({ name: p.name, file: p.file, line: p.line ?? 0 });
    }
    if (d.stack.length === 0)
      for (const a of [of, ...ancestors(ix, of)]) {
        const oe = ix.eventOf[a];
        const cs = oe < tt.base.runtime ? trace.ops[oe - eventBase].callStack : undefined;
        if (cs) {
          d.stack.push(...parseCallStack(cs));
          break;
        }
      }
  };
  const operatorOf = (of: number) =>
    [of, ...ancestors(ix, of)].find(
      (a) => ix.eventOf[a] < tt.base.runtime && a !== flat && ix.cat[a] === categoryId('op'),
    );
  const launchesUnder = (runtimeEvents: number[]) => {
    for (const re of runtimeEvents) {
      const c = trace.runtime[re - tt.base.runtime].correlation;
      if (c === undefined) continue;
      for (const g of lookup(tt.corr.gpu, c)) {
        d.launchCount++;
        const to = ix.flatOf[tt.base.gpu + g];
        if (d.launches.length < MAX_LAUNCHES) {
          d.launches.push(ref(to));
          d.flows.push(flow(ix.flatOf[re], to));
        }
      }
    }
  };
  if (e < tt.base.runtime) {
    const o = trace.ops[e - eventBase];
    arg('input shapes', o.inputDims);
    arg('External id', o.externalId);
    arg('thread', `${o.pid} / ${o.tid}`);
    pyStack(flat);
    launchesUnder(runtimeInside(tt, flat));
  } else if (e < tt.base.gpu) {
    const r = trace.runtime[e - tt.base.runtime];
    arg('correlation', shownCorrelation(trace, r.correlation));
    arg('External id', r.externalId);
    pyStack(flat);
    const op = operatorOf(flat);
    if (op !== undefined) d.operator = ref(op);
    launchesUnder([e]);
  } else if (e < tt.base.python) {
    const g = trace.gpu[e - tt.base.gpu];
    arg('device', g.device);
    arg('stream', g.stream);
    arg('correlation', shownCorrelation(trace, g.correlation));
    arg('External id', g.externalId);
    arg('grid', g.grid);
    arg('block', g.block);
    arg('registers per thread', g.registersPerThread);
    arg('shared memory', g.sharedMemory);
    arg('est. achieved occupancy %', g.occupancy);
    arg('bytes', g.bytes);
    const rt = g.correlation !== undefined ? lookup(tt.corr.runtime, g.correlation)[0] : undefined;
    if (rt !== undefined) {
      const rf = ix.flatOf[tt.base.runtime + rt];
      d.launchedBy = ref(rf);
      d.flows.push(flow(rf, flat));
      const op = operatorOf(rf);
      if (op !== undefined) d.operator = ref(op);
      pyStack(rf);
    }
  } else {
    const p = trace.python[e - tt.base.python];
    if (p.file) d.stack.push({ name: p.name, file: p.file, line: p.line ?? 0 });
    pyStack(flat);
    launchesUnder(runtimeInside(tt, flat));
  }
  return d;
}

/** The id as the profiler wrote it (Nsight exports' ids are kept per process, see nsysTrace). */
function shownCorrelation(trace: TorchTrace, c: number | undefined): number | undefined {
  return c !== undefined && trace.form === 'nsys' ? c % CORRELATION_RANGE : c;
}

/** The runtime calls inside a span: on its lane, in the rows below it, within its time. */
function runtimeInside(tt: TorchTimeline, flat: number): number[] {
  const ix = tt.index;
  const r = rowOf(ix, flat);
  const lane = ix.lanes[ix.rowLane[r]];
  const out: number[] = [];
  const s = ix.start[flat];
  const t = ix.end[flat];
  for (let row = r + 1; row < lane.firstRow + lane.depth; row++) {
    let lo = ix.rowStart[row];
    let hi = ix.rowStart[row + 1];
    const end = hi;
    while (lo < hi) {
      const m = (lo + hi) >>> 1;
      if (ix.start[m] < s) lo = m + 1;
      else hi = m;
    }
    for (let i = lo; i < end && ix.start[i] <= t; i++) {
      const ev = ix.eventOf[i];
      if (ev >= tt.base.runtime && ev < tt.base.gpu) out.push(ev);
    }
  }
  return out.sort((a, b) => a - b);
}

function fmt(v: unknown): string {
  if (typeof v === 'string') return v;
  try {
    return JSON.stringify(v);
  } catch {
    return String(v);
  }
}
