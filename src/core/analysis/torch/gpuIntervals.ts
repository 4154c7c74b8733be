/**
 * Time on the GPU as intervals: merging, lengths, intersections, and the kinds of GPU work as
 * Holistic Trace Analysis (HTA) names them, so that flamelens' breakdowns mean what HTA's do.
 */
import type { GpuActivity } from '../../model/torchTrace';

/** [start, end) pairs in µs, sorted by start and disjoint once merged. */
export type Intervals = [number, number][];

/**
 * HTA's kernel types (hta/utils/utils.py, 2025): communication is a kernel whose name begins with
 * "nccl" (NCCL and RCCL) or holds "gloo:"; memory is a copy or set; compute is any other kernel
 * but those whose name holds "Memcpy", "Memset" or "Sync" (event and context syncs), which are
 * "other".
 */
export type GpuWork = 'compute' | 'communication' | 'memory' | 'other';

/** Kernel names repeat (a million launches of a few hundred kernels): each is classified once. */
const workOf = new Map<string, GpuWork>();

export function gpuWork(a: GpuActivity): GpuWork {
  if (a.kind !== 'kernel') return 'memory';
  let w = workOf.get(a.name);
  if (w === undefined) {
    w = kernelWork(a.name);
    if (workOf.size < 100_000) workOf.set(a.name, w);
  }
  return w;
}

function kernelWork(n: string): GpuWork {
  if (n.startsWith('nccl') || n.includes('gloo:')) return 'communication';
  if (/^(Memcpy|Memset|dma)/.test(n)) return 'memory';
  if (/Memcpy|Memset|Sync/.test(n)) return 'other';
  return 'compute';
}

const orders = new WeakMap<readonly { ts: number }[], Int32Array>();

/**
 * The indexes of a list of events in order of start (stable: ties keep the list's order), made
 * once per list: the breakdown, the critical path (the diagnosis's and the timeline's lane) and
 * the merges all walk the same lists in time. Traces mostly list events in time order already;
 * kernels come per stream, and are sorted (the starts read once into a Float64Array first).
 */
export function orderByStart(list: readonly { ts: number }[]): Int32Array {
  const hit = orders.get(list);
  if (hit && hit.length === list.length) return hit;
  const n = list.length;
  const order = new Int32Array(n);
  const ts = new Float64Array(n);
  let sorted = true;
  for (let i = 0; i < n; i++) {
    order[i] = i;
    ts[i] = list[i].ts;
    if (i > 0 && ts[i - 1] > ts[i]) sorted = false;
  }
  if (!sorted) order.sort((a, b) => ts[a] - ts[b] || a - b);
  orders.set(list, order);
  return order;
}

/** [start, end) intervals, fed in order of start, merged where they overlap or touch. */
export class IntervalMerger {
  readonly out: Intervals = [];
  add(start: number, end: number): void {
    const last = this.out[this.out.length - 1];
    if (last && start <= last[1]) {
      if (end > last[1]) last[1] = end;
    } else this.out.push([start, end]);
  }
}

/** The activities' [start, end) merged where they overlap or touch. */
export function merged(acts: readonly { ts: number; dur: number }[]): Intervals {
  const m = new IntervalMerger();
  const order = orderByStart(acts);
  for (let k = 0; k < order.length; k++) {
    const a = acts[order[k]];
    m.add(a.ts, a.ts + a.dur);
  }
  return m.out;
}

export const totalLength = (xs: Intervals): number => xs.reduce((s, [a, b]) => s + (b - a), 0);

/** Length of the intersection of two merged interval lists. */
export function intersectionLength(xs: Intervals, ys: Intervals): number {
  let i = 0;
  let j = 0;
  let sum = 0;
  while (i < xs.length && j < ys.length) {
    const a = Math.max(xs[i][0], ys[j][0]);
    const b = Math.min(xs[i][1], ys[j][1]);
    if (b > a) sum += b - a;
    if (xs[i][1] < ys[j][1]) i++;
    else j++;
  }
  return sum;
}

/** The gaps of merged intervals inside [from, to). */
export function gaps(xs: Intervals, from: number, to: number): Intervals {
  const out: Intervals = [];
  let at = from;
  for (const [a, b] of xs) {
    if (a > at) out.push([at, Math.min(a, to)]);
    at = Math.max(at, b);
    if (at >= to) break;
  }
  if (at < to) out.push([at, to]);
  return out.filter(([a, b]) => b > a);
}

/**
 * Time by the exact mix of kinds running (as HTA's kernel-type breakdown with overlaps): each
 * instant of GPU time counts once, under the set of kinds running then, e.g. "compute" alone,
 * "communication" alone, or "compute + communication" when both run at once.
 */
export function timeByMix(byKind: Map<GpuWork, Intervals>): Map<string, number> {
  const kinds = [...byKind.keys()].sort();
  const lists = kinds.map((k) => byKind.get(k)!);
  // A sweep over each kind's sorted, disjoint intervals at once (no sort of every edge): at each
  // boundary the mix changes; the time to the next boundary counts under the mix then.
  const at = lists.map(() => 0);
  const inside = lists.map(() => false);
  const byMask = new Map<number, number>();
  let mask = 0;
  let now = -Infinity;
  for (;;) {
    let next = Infinity;
    lists.forEach((l, k) => {
      const i = at[k];
      if (i < l.length) next = Math.min(next, inside[k] ? l[i][1] : l[i][0]);
    });
    if (next === Infinity) break;
    if (mask !== 0 && next > now) byMask.set(mask, (byMask.get(mask) ?? 0) + next - now);
    now = next;
    // Every boundary at this time: ends close their kind, starts open it.
    lists.forEach((l, k) => {
      for (;;) {
        const i = at[k];
        if (i >= l.length) break;
        if (inside[k] && l[i][1] === now) {
          inside[k] = false;
          mask &= ~(1 << k);
          at[k]++;
        } else if (!inside[k] && l[i][0] === now) {
          inside[k] = true;
          mask |= 1 << k;
          if (l[i][1] === now) {
            inside[k] = false;
            mask &= ~(1 << k);
            at[k]++;
          }
        } else break;
      }
    });
  }
  const out = new Map<string, number>();
  for (const [m, t] of byMask) {
    const name = kinds.filter((_, bit) => m & (1 << bit)).join(' + ');
    out.set(name, (out.get(name) ?? 0) + t);
  }
  return out;
}
