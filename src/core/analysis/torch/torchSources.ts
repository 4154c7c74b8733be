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
import type { TorchTrace } from '../../model/torchTrace';
import { frameKindFor } from '../../formats/cpu/frameSyntax';

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
  const add = (pid: string, tid: string, span: Span) => {
    const k = `${pid}\u0000${tid}`;
    const l = byThread.get(k);
    if (l) l.push(span);
    else byThread.set(k, [span]);
  };
  for (const f of trace.python) {
    const frame = frames.intern(`py\u0000${f.name}\u0000${f.file ?? ''}\u0000${f.line ?? ''}`, () => ({
      name: f.name,
      file: f.file,
      line: f.line,
      kind: f.file ? frameKindFor(f.file) : 'other',
    }));
    add(f.pid, f.tid, {
      frame,
      ts: f.ts,
      end: f.ts + f.dur,
      python: f.file && f.line !== undefined ? { name: f.name, file: f.file, line: f.line } : undefined,
    });
  }
  for (const o of trace.ops) {
    const frame = frames.intern(`op\u0000${o.name}`, () => ({ name: o.name, kind: 'other' }));
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
  const nested = new Map<string, { spans: Span[]; parent: Int32Array }>();
  for (const [k, spans] of byThread) {
    spans.sort((a, b) => a.ts - b.ts || b.end - a.end);
    const parent = new Int32Array(spans.length);
    const childTime = new Float64Array(spans.length);
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
    });
    const [pid, tid] = k.split('\u0000');
    const builder = new ThreadBuilder(k, `${pid === tid ? `thread ${tid}` : `process ${pid} · thread ${tid}`}`);
    // Without Python spans on the thread, operators that carry a call stack are nested under it:
    // the innermost stack around a span is the most precise, and its frames go just above the
    // outermost operator recorded with that same stack (an enclosing ProfilerStep#N, recorded
    // where prof.step() was called, keeps its place above them).
    const useCallStacks = !spans.some((s) => s.python);
    spans.forEach((s, i) => {
      const self = s.end - s.ts - childTime[i];
      if (self <= 0) return;
      const stackFrames: number[] = [];
      let inner: string | undefined;
      let insertAt = -1;
      let open = true;
      for (let n = i; n >= 0; n = parent[n]) {
        stackFrames.push(spans[n].frame);
        const cs = spans[n].callStack;
        if (!useCallStacks || !open || !cs) continue;
        if (inner === undefined) inner = cs;
        if (cs === inner) insertAt = stackFrames.length;
        else open = false;
      }
      if (inner !== undefined) stackFrames.splice(insertAt, 0, ...[...callFrameIds(inner)].reverse());
      builder.add(stackFrames.reverse(), self);
    });
    threads.push(builder);
    nested.set(k, { spans, parent });
  }

  // GPU time per Python function.
  const runtimeByCorrelation = new Map<number, (typeof trace.runtime)[number]>();
  for (const r of trace.runtime) if (r.correlation !== undefined) runtimeByCorrelation.set(r.correlation, r);
  const acc = new Map<string, GpuByFunction & { kernelNames: Set<string> }>();
  const launchMap = new Map<string, Map<string, KernelLauncher>>();
  let gpuTotal = 0;
  for (const g of trace.gpu) {
    gpuTotal += g.dur;
    const r = g.correlation !== undefined ? runtimeByCorrelation.get(g.correlation) : undefined;
    if (!r) continue;
    const t = nested.get(`${r.pid}\u0000${r.tid}`);
    if (!t) continue;
    let lo = 0;
    let hi = t.spans.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (t.spans[mid].ts <= r.ts + EPS) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    let n = found;
    while (n >= 0 && r.ts > t.spans[n].end + EPS) n = t.parent[n];
    if (g.kind === 'kernel') {
      let op: string | undefined;
      let stack: KernelLauncher['stack'] = [];
      let opStack: string | undefined;
      for (let k = n; k >= 0 && stack.length < 40; k = t.parent[k]) {
        const sp = t.spans[k];
        if (sp.python) stack.push(sp.python);
        else if (op === undefined) op = profile0Name(frames, sp.frame);
        opStack ??= sp.callStack;
      }
      if (stack.length === 0 && opStack) stack = callFrames(opStack).slice(0, 40);
      const lk = `${op ?? ''}\u0000${stack.map((f) => `${f.file}:${f.line}`).join('\u0000')}`;
      let perKernel = launchMap.get(g.name);
      if (!perKernel) {
        perKernel = new Map();
        launchMap.set(g.name, perKernel);
      }
      const entry = perKernel.get(lk);
      if (entry) entry.launches++;
      else perKernel.set(lk, { op, stack, launches: 1 });
    }
    const seen = new Set<string>();
    const credit = (py: CallFrame, site: GpuByFunction['site']) => {
      const key = `${site}\u0000${py.file}\u0000${py.line}\u0000${py.name}`;
      if (seen.has(key)) return; // recursion: once per launch
      seen.add(key);
      let e = acc.get(key);
      if (!e) {
        e = {
          name: py.name,
          file: py.file,
          line: py.line,
          site,
          gpuUs: 0,
          launches: 0,
          kernels: 0,
          pct: 0,
          kernelNames: new Set(),
        };
        acc.set(key, e);
      }
      e.gpuUs += g.dur;
      e.launches++;
      if (g.kind === 'kernel') e.kernelNames.add(g.name);
    };
    let innerStack: string | undefined;
    for (; n >= 0; n = t.parent[n]) {
      const sp = t.spans[n];
      if (sp.python) credit(sp.python, 'def');
      innerStack ??= sp.callStack;
    }
    if (innerStack) for (const f of callFrames(innerStack)) credit(f, 'call');
  }
  const gpuByFunction = [...acc.values()]
    .map(({ kernelNames, ...e }) => ({
      ...e,
      kernels: kernelNames.size,
      pct: gpuTotal > 0 ? (100 * e.gpuUs) / gpuTotal : 0,
    }))
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

function profile0Name(frames: FrameTable, id: number): string {
  return frames.frames[id].name;
}
