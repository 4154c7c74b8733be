/**
 * The CPU side of a PyTorch trace as a sampled-style profile (Python functions, annotations and
 * operators nested by time per thread, each weighted by its self time in µs), and the GPU time
 * each Python function launched: kernel → runtime call (correlation) → the spans enclosing the
 * launch on that thread → every Python function among them. Python frames come from traces
 * recorded with with_stack (Kineto names them "file.py(line): function", the line being where
 * the function starts), so that GPU time lands on functions ("def" sites). Operators that carry
 * their Python call stack (the "Call stack" argument: torch 1.8–1.10 Kineto traces, and the
 * legacy traces flamelens' launcher writes) give the line executing in each frame, so their GPU
 * time lands on the calling lines themselves ("call" sites), e.g. the line that calls the model.
 */
import { FrameTable, ThreadBuilder, type Profile } from '../../model/profile';
import { innermostAt, threadKeys } from './spanNesting';
import { GpuCredits } from './gpuCredits';
import type { TorchTrace } from '../../model/torchTrace';
import { frameKindFor } from '../../formats/cpu/frameSyntax';
import { launchesByCorrelation } from './gpuBreakdown';

export interface GpuByFunction {
  name: string;
  file: string;
  line: number;
  /** 'def': line is where the function starts; 'call': line is a line executing in it (a call). */
  site: 'def' | 'call';
  gpuUs: number;
  /** GPU activities (kernels, copies, sets) launched under it. */
  launches: number;
  /** Distinct kernel names among them. */
  kernels: number;
  /** `kernels` is a lower bound: counting them in this trace went past its work budget. */
  kernelsAtLeast?: boolean;
  pct: number;
}

interface Span {
  frame: number;
  ts: number;
  end: number;
  python?: { name: string; file: string; line: number };
  callStack?: string;
}

interface CallFrame {
  name: string;
  file: string;
  line: number;
}

/** "a.py(12): f;b.py(3): <module>" (innermost first) → frames, innermost first. */
export function parseCallStack(s: string): CallFrame[] {
  const out: CallFrame[] = [];
  for (const part of s.split(';')) {
    const m = /^(.*)\((\d+)\): (.*)$/.exec(part.trim());
    if (m) out.push({ file: m[1], line: Number(m[2]), name: m[3] });
  }
  return out;
}

const EPS = 1e-3;

export interface KernelLauncher {
  /** The innermost operator (or annotation) around the launch. */
  op?: string;
  /** Python frames around the launch, innermost first. */
  stack: { name: string; file: string; line: number }[];
  launches: number;
}

export interface TorchSources {
  profile: Profile;
  gpuByFunction: GpuByFunction[];
  /** Per kernel name, the most frequent places it was launched from (at most 3). */
  launchers: Record<string, KernelLauncher[]>;
  /** Total GPU activity time in the trace, µs. */
  gpuTotalUs: number;
}

export function analyzeTorchSources(trace: TorchTrace): TorchSources {
  const frames = new FrameTable();
  const byThread = new Map<string, Span[]>();
  const keyOf = threadKeys();
  const add = (pid: string, tid: string, span: Span) => {
    const k = keyOf(pid, tid);
    const l = byThread.get(k);
    if (l) l.push(span);
    else byThread.set(k, [span]);
  };
  // Frame ids by name, file and line without a key string per event (the names are shared).
  const pyIds = new Map<string, Map<string | undefined, Map<number | undefined, number>>>();
  for (const f of trace.python) {
    const byFile = pyIds.get(f.name) ?? pyIds.set(f.name, new Map()).get(f.name)!;
    const byLine = byFile.get(f.file) ?? byFile.set(f.file, new Map()).get(f.file)!;
    let frame = byLine.get(f.line);
    if (frame === undefined)
      byLine.set(
        f.line,
        (frame = frames.intern(`py\u0000${f.name}\u0000${f.file ?? ''}\u0000${f.line ?? ''}`, () => ({
          name: f.name,
          file: f.file,
          line: f.line,
          kind: f.file ? frameKindFor(f.file) : 'other',
        }))),
      );
    add(f.pid, f.tid, {
      frame,
      ts: f.ts,
      end: f.ts + f.dur,
      python: f.file && f.line !== undefined ? { name: f.name, file: f.file, line: f.line } : undefined,
    });
  }
  const opIds = new Map<string, number>();
  for (const o of trace.ops) {
    let frame = opIds.get(o.name);
    if (frame === undefined)
      opIds.set(o.name, (frame = frames.intern(`op\u0000${o.name}`, () => ({ name: o.name, kind: 'other' }))));
    add(o.pid, o.tid, { frame, ts: o.ts, end: o.ts + o.dur, callStack: o.callStack });
  }
  const parsedStacks = new Map<string, CallFrame[]>();
  const callFrames = (s: string): CallFrame[] => {
    let p = parsedStacks.get(s);
    if (!p) {
      p = parseCallStack(s);
      parsedStacks.set(s, p);
    }
    return p;
  };
  /** Frame ids of a call stack, outermost first, for the flame graph. */
  const stackFrameIds = new Map<string, number[]>();
  const callFrameIds = (s: string): number[] => {
    let ids = stackFrameIds.get(s);
    if (!ids) {
      ids = callFrames(s)
        .map((f) =>
          frames.intern(`py\u0000${f.name}\u0000${f.file}\u0000${f.line}`, () => ({
            name: f.name,
            file: f.file,
            line: f.line,
            kind: frameKindFor(f.file),
          })),
        )
        .reverse();
      stackFrameIds.set(s, ids);
    }
    return ids;
  };

  const threads: ThreadBuilder[] = [];
  const nested = new Map<string, Nested>();
  for (const [k, spans] of byThread) {
    spans.sort((a, b) => a.ts - b.ts || b.end - a.end);
    const n = spans.length;
    const parent = new Int32Array(n);
    const childTime = new Float64Array(n);
    const ts = new Float64Array(n);
    const end = new Float64Array(n);
    const stack: number[] = [];
    spans.forEach((s, i) => {
      while (stack.length > 0) {
        const top = spans[stack[stack.length - 1]];
        if (s.end <= top.end + EPS && s.ts >= top.ts - EPS) break;
        stack.pop();
      }
      parent[i] = stack.length > 0 ? stack[stack.length - 1] : -1;
      if (parent[i] >= 0) childTime[parent[i]] += s.end - s.ts;
      stack.push(i);
      ts[i] = s.ts;
      end[i] = s.end;
    });
    const [pid, tid] = k.split('\u0000');
    const builder = new ThreadBuilder(k, `${pid === tid ? `thread ${tid}` : `process ${pid} · thread ${tid}`}`);
    // Without Python spans on the thread, operators that carry a call stack are nested under it:
    // the innermost stack around a span is the most precise, and its frames go just above the
    // outermost operator recorded with that same stack (an enclosing ProfilerStep#N, recorded
    // where prof.step() was called, keeps its place above them). Each span's path is built from
    // its parent's in the stack table, so nesting depth costs nothing per span:
    //  - no call stack, or the same innermost call stack as its parent: the parent's path + it;
    //  - a call stack of its own: the plain spans above it + that call stack + it.
    const useCallStacks = !spans.some((s) => s.python);
    const plain = new Int32Array(n).fill(-1);
    const plainPath = (i: number): number => {
      if (i < 0) return 0;
      if (plain[i] >= 0) return plain[i];
      const chain: number[] = [];
      let j = i;
      for (; j >= 0 && plain[j] < 0; j = parent[j]) chain.push(j);
      let node = j >= 0 ? plain[j] : 0;
      for (let c = chain.length - 1; c >= 0; c--) node = plain[chain[c]] = builder.node(node, spans[chain[c]].frame);
      return node;
    };
    const full = new Int32Array(n);
    const innerCs: (string | undefined)[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const s = spans[i];
      const p = parent[i];
      if (!useCallStacks) {
        full[i] = plainPath(i);
        continue;
      }
      const above = p >= 0 ? innerCs[p] : undefined;
      innerCs[i] = s.callStack ?? above;
      if (!s.callStack || s.callStack === above) {
        full[i] = builder.node(p >= 0 ? full[p] : 0, s.frame);
      } else {
        let node = plainPath(p);
        for (const f of callFrameIds(s.callStack)) node = builder.node(node, f);
        full[i] = builder.node(node, s.frame);
      }
    }
    spans.forEach((s, i) => {
      const self = s.end - s.ts - childTime[i];
      if (self > 0) builder.addAt(full[i], self);
    });
    threads.push(builder);
    nested.set(k, { spans, parent, ts, end, full, useCallStacks });
  }

  // GPU time per Python function: each activity's runtime call, and the innermost span at each
  // call, found a thread at a time in one sweep.
  const launches = launchesByCorrelation(trace.runtime);
  let gpuTotal = 0;
  const launchesOn = new Map<string, { activity: number[]; ts: number[] }>();
  trace.gpu.forEach((g, i) => {
    gpuTotal += g.dur;
    const r = launches.get(g.correlation);
    if (!r) return;
    const k = keyOf(r.pid, r.tid);
    if (!nested.has(k)) return;
    let l = launchesOn.get(k);
    if (!l) launchesOn.set(k, (l = { activity: [], ts: [] }));
    l.activity.push(i);
    l.ts.push(r.ts);
  });
  const credits = new GpuCredits();
  const spanOf = new Int32Array(trace.gpu.length).fill(-1);
  const threadOf = new Array<Nested | undefined>(trace.gpu.length);
  const ups = new Map<Nested, ReturnType<typeof nearestAbove>>();
  for (const [k, l] of launchesOn) {
    const t = nested.get(k)!;
    const at = innermostAt(t, 0, t.spans.length, l.ts, EPS);
    const up = nearestAbove(t);
    ups.set(t, up);
    l.activity.forEach((a, j) => {
      spanOf[a] = at[j];
      threadOf[a] = t;
    });
    credits.addThread(t, at, l.activity, trace.gpu, up.callStack, callFrames);
  }
  // Who launched each kernel, in trace order: the innermost operator and up to 40 Python frames.
  // Both follow from the frames above the launch, so spans at one node of a thread's stack
  // table share them (and the key that counts them), made once per node; except where the
  // Python frames would come from a call stack those frames leave out.
  const launchMap = new Map<string, Map<string, KernelLauncher>>();
  type Launcher = { op?: string; stack: KernelLauncher['stack']; key: string };
  const outside: Launcher = { op: undefined, stack: [], key: '\u0000' };
  const byNode = new Map<Nested, Map<number, Launcher>>();
  const launcherAt = (t: Nested, n: number): Launcher => {
    const up = ups.get(t)!;
    const opSpan = up.op[n];
    const op = opSpan >= 0 ? profile0Name(frames, t.spans[opSpan].frame) : undefined;
    let stack: KernelLauncher['stack'] = [];
    for (let q = up.python[n]; q >= 0 && stack.length < 40; q = t.parent[q] >= 0 ? up.python[t.parent[q]] : -1)
      stack.push(t.spans[q].python!);
    const cs = up.callStack[n];
    if (stack.length === 0 && cs >= 0) stack = callFrames(t.spans[cs].callStack!).slice(0, 40);
    return { op, stack, key: `${op ?? ''}\u0000${stack.map((f) => `${f.file}:${f.line}`).join('\u0000')}` };
  };
  trace.gpu.forEach((g, a) => {
    const n = spanOf[a];
    const t = threadOf[a];
    if (!t || g.kind !== 'kernel') return;
    // A launch outside every span on its thread is listed too, with no operator and no stack.
    let l = outside;
    if (n >= 0) {
      const cached = t.useCallStacks || ups.get(t)!.callStack[n] < 0;
      const nodes = byNode.get(t) ?? byNode.set(t, new Map()).get(t)!;
      const hit = cached ? nodes.get(t.full[n]) : undefined;
      l = hit ?? launcherAt(t, n);
      if (cached && !hit) nodes.set(t.full[n], l);
    }
    let perKernel = launchMap.get(g.name);
    if (!perKernel) {
      perKernel = new Map();
      launchMap.set(g.name, perKernel);
    }
    const entry = perKernel.get(l.key);
    if (entry) entry.launches++;
    else perKernel.set(l.key, { op: l.op, stack: l.stack, launches: 1 });
  });
  const gpuByFunction = credits
    .entries()
    .map(({ kernelNames, ...e }) => {
      const row: GpuByFunction = {
        ...e,
        kernels: kernelNames.size,
        pct: gpuTotal > 0 ? (100 * e.gpuUs) / gpuTotal : 0,
      };
      if (e.site === 'def' && credits.kernelsCut) row.kernelsAtLeast = true;
      return row;
    })
    .sort((a, b) => b.gpuUs - a.gpuUs);
  const launchers: Record<string, KernelLauncher[]> = {};
  for (const [name, m] of launchMap)
    launchers[name] = [...m.values()].sort((a, b) => b.launches - a.launches).slice(0, 3);
  const profile: Profile = {
    format: 'torch-trace',
    unit: 'microseconds',
    frames: frames.frames,
    threads: threads.map((t) => t.build()),
    meta: { source: 'torch-trace', torchForm: trace.form },
  };
  return { profile, gpuByFunction, launchers, gpuTotalUs: gpuTotal };
}

interface Nested {
  spans: Span[];
  parent: Int32Array;
  ts: Float64Array;
  end: Float64Array;
  /** Each span's node in the thread's stack table: the frames from the root down to it. */
  full: Int32Array;
  /** Whether operators' call stacks are in those frames (a thread without Python spans). */
  useCallStacks: boolean;
}

/** For each span, the nearest span at or above it that is an operator, a Python function, or has a call stack. */
function nearestAbove(t: Nested): { op: Int32Array; python: Int32Array; callStack: Int32Array } {
  const n = t.spans.length;
  const op = new Int32Array(n);
  const python = new Int32Array(n);
  const callStack = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const p = t.parent[i];
    const s = t.spans[i];
    python[i] = s.python ? i : p >= 0 ? python[p] : -1;
    op[i] = !s.python ? i : p >= 0 ? op[p] : -1;
    callStack[i] = s.callStack ? i : p >= 0 ? callStack[p] : -1;
  }
  return { op, python, callStack };
}

function profile0Name(frames: FrameTable, id: number): string {
  return frames.frames[id].name;
}
