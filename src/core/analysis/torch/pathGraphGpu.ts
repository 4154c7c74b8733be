/**
 * The GPU side of a step's critical-path graph (see criticalPath.ts): each activity, its launch
 * delay or the gap after the stream's previous activity, and the synchronisations: recorded
 * (cuda_sync) or inferred from the blocking calls.
 */
import type { TorchTrace } from '../../model/torchTrace';
import type { PathGraph } from './pathGraph';
import type { Step } from './criticalPath';

/** Blocking calls that wait for the GPU (for inferred synchronisation edges). */
const WAITS =
  /^(cuda|hip)(DeviceSynchronize|StreamSynchronize|EventSynchronize|Memcpy)$|^cu(StreamSynchronize|CtxSynchronize|EventSynchronize|MemcpyDtoH|MemcpyHtoD)(_v2)?$/;
/** Index of the first element of a list sorted by ts with ts >= t. */
export function lowerBound(ts: (i: number) => number, n: number, t: number): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ts(mid) < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

type Item = { a: number; k: number } | { sync: number };

/** The GPU's edges: activities, launch delays or kernel gaps, synchronisations. */
export function gpuEdges(
  g: PathGraph,
  trace: TorchTrace,
  acts: number[],
  launchOf: Map<number, number>,
  runtimeNode: Map<number, number>,
  recorded: boolean,
  step: Step,
): void {
  const node = new Map<number, number>();
  for (const a of acts) {
    const x = trace.gpu[a];
    node.set(a, g.event({ list: 'gpu', index: a }, x.ts, x.ts + x.dur));
  }
  // Per stream: its activities in order, and the launch times in order (for the queue).
  const streams = new Map<string, number[]>();
  for (const a of acts) {
    const x = trace.gpu[a];
    const key = `${x.device} ${x.stream}`;
    (streams.get(key) ?? streams.set(key, []).get(key)!).push(a);
  }
  for (const l of streams.values()) l.sort((p, q) => trace.gpu[p].ts - trace.gpu[q].ts || p - q);
  const launchTs = (a: number) => {
    const k = launchOf.get(a);
    return k === undefined ? undefined : g.ts[2 * k];
  };
  // GPU → GPU: the activity a cudaStreamWaitEvent makes the waiting stream's next one wait for.
  const waitFor = new Map<number, number>();
  const items: { key: number; item: Item }[] = acts.map((a) => ({
    key: trace.gpu[a].ts,
    item: { a, k: node.get(a)! },
  }));
  const syncs = recorded ? (trace.gpuSyncs ?? []).filter((s) => s.ts >= step.start && s.ts < step.end + 1) : [];
  syncs.forEach((s, i) => items.push({ key: s.ts + s.dur, item: { sync: i } }));
  items.sort((x, y) => x.key - y.key);
  const lastOn = new Map<string, number>();
  const recordedWork = (s: (typeof syncs)[number]) => previousLaunch(trace, acts, launchOf, g, s);
  if (recorded)
    for (const s of syncs) {
      if (s.name !== 'Stream Wait Event') continue;
      const src = recordedWork(s);
      const waiter = s.correlation !== undefined ? runtimeNode.get(s.correlation) : undefined;
      if (src === undefined || waiter === undefined) continue;
      // The next activity launched to the waiting stream from the waiting call's thread, after it.
      const t = g.ts[2 * waiter];
      let next: number | undefined;
      for (const a of streams.get(`${s.device} ${s.stream}`) ?? []) {
        const lt = launchTs(a);
        if (lt !== undefined && lt >= t && (next === undefined || lt < launchTs(next)!)) next = a;
      }
      if (next !== undefined) waitFor.set(next, src);
    }
  for (const { item } of items) {
    if ('sync' in item) {
      const s = syncs[item.sync];
      const waiter = s.correlation !== undefined ? runtimeNode.get(s.correlation) : undefined;
      if (waiter === undefined || s.name === 'Stream Wait Event') continue;
      const from: number[] = [];
      if (s.name === 'Context Sync') {
        for (const [key, n] of lastOn) if (key.startsWith(`${s.device} `)) from.push(n);
      } else if (s.name === 'Event Sync') {
        const src = recordedWork(s);
        if (src !== undefined) from.push(2 * node.get(src)! + 1);
      } else {
        const n = lastOn.get(`${s.device} ${s.stream}`);
        if (n !== undefined) from.push(n);
      }
      for (const n of from) g.edge(n, 2 * waiter + 1, 'sync');
      continue;
    }
    const x = trace.gpu[item.a];
    const key = `${x.device} ${x.stream}`;
    const start = 2 * item.k;
    g.edge(start, start + 1, 'work', item.k);
    const prev = lastOn.get(key);
    const launch = launchOf.get(item.a);
    const src = waitFor.get(item.a);
    const srcEnd = src !== undefined ? 2 * node.get(src)! + 1 : undefined;
    if (srcEnd !== undefined) g.edge(srcEnd, start, 'sync');
    // Launched when the stream had finished what came before it: the GPU waited for this launch.
    const lt = launch !== undefined ? g.ts[2 * launch] : undefined;
    if (lt !== undefined && (prev === undefined || g.ts[prev] < lt) && (srcEnd === undefined || g.ts[srcEnd] < lt))
      g.edge(2 * launch!, start, 'launch', item.k);
    else if (prev !== undefined && (srcEnd === undefined || g.ts[srcEnd] < g.ts[prev]))
      g.edge(prev, start, 'kernel gap', prev >> 1);
    lastOn.set(key, start + 1);
  }
  if (!recorded) inferredSyncs(g, trace, acts, node, launchOf);
}

/** For an Event Sync or Stream Wait Event: the activity launched last to the recorded stream before cudaEventRecord. */
function previousLaunch(
  trace: TorchTrace,
  acts: number[],
  launchOf: Map<number, number>,
  g: PathGraph,
  s: NonNullable<TorchTrace['gpuSyncs']>[number],
): number | undefined {
  if (s.waitOnEventRecord === undefined || s.waitOnStream === undefined) return undefined;
  const record = trace.runtime.find((r) => r.correlation === s.waitOnEventRecord && /EventRecord/.test(r.name));
  if (!record) return undefined;
  let best: number | undefined;
  let bestTs = -Infinity;
  for (const a of acts) {
    const x = trace.gpu[a];
    const k = launchOf.get(a);
    if (x.stream !== s.waitOnStream || x.device !== s.device || k === undefined) continue;
    const t = g.ts[2 * k];
    if (t < record.ts && t > bestTs) {
      bestTs = t;
      best = a;
    }
  }
  return best;
}

/** Without cuda_sync records: a blocking copy waits for its copy, a synchronize for the last work to end. */
function inferredSyncs(
  g: PathGraph,
  trace: TorchTrace,
  acts: number[],
  node: Map<number, number>,
  launchOf: Map<number, number>,
): void {
  const ownBy = new Map<number, number[]>();
  for (const a of acts) {
    const k = launchOf.get(a);
    if (k !== undefined) (ownBy.get(k) ?? ownBy.set(k, []).get(k)!).push(a);
  }
  const byEnd = [...acts].sort((p, q) => trace.gpu[p].ts + trace.gpu[p].dur - (trace.gpu[q].ts + trace.gpu[q].dur));
  const ends = byEnd.map((a) => trace.gpu[a].ts + trace.gpu[a].dur);
  for (let k = 0; k < g.events.length; k++) {
    const ev = g.events[k];
    if (ev.list !== 'runtime') continue;
    const r = trace.runtime[ev.index];
    if (!WAITS.test(r.name)) continue;
    const own = ownBy.get(k);
    if (own) {
      for (const a of own) g.edge(2 * node.get(a)! + 1, 2 * k + 1, 'sync');
      continue;
    }
    const end = r.ts + r.dur;
    let i = lowerBound((j) => ends[j], ends.length, end + 1) - 1;
    while (i >= 0) {
      const lk = launchOf.get(byEnd[i]);
      if (lk === undefined || g.ts[2 * lk] < r.ts) break;
      i--;
    }
    if (i >= 0) g.edge(2 * node.get(byEnd[i])! + 1, 2 * k + 1, 'sync');
  }
}
