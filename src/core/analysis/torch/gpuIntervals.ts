/**
 * Time on the GPU as intervals: merging, lengths, intersections, and the kinds of GPU work as
 * Holistic Trace Analysis (HTA) names them, so that flamelens' breakdowns mean what HTA's do.
 */
import type { GpuActivity } from '../../model/torchTrace';

import { GrowArray } from '../../util/growArray';
import { IntervalMerger, Intervals } from '../../util/intervals';

export { IntervalMerger, Intervals };

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

/** The activities' [start, end) merged where they overlap or touch. */
export function merged(acts: readonly { ts: number; dur: number }[]): Intervals {
  const m = new IntervalMerger();
  const order = orderByStart(acts);
  for (let k = 0; k < order.length; k++) {
    const a = acts[order[k]];
    m.add(a.ts, a.ts + a.dur);
  }
  return m.done();
}

export function totalLength(xs: Intervals): number {
  let sum = 0;
  for (let i = 0; i < xs.length; i++) sum += xs.end[i] - xs.start[i];
  return sum;
}

/** Length of the intersection of two merged interval lists. */
export function intersectionLength(xs: Intervals, ys: Intervals): number {
  let i = 0;
  let j = 0;
  let sum = 0;
  while (i < xs.length && j < ys.length) {
    const a = Math.max(xs.start[i], ys.start[j]);
    const b = Math.min(xs.end[i], ys.end[j]);
    if (b > a) sum += b - a;
    if (xs.end[i] < ys.end[j]) i++;
    else j++;
  }
  return sum;
}

/** The gaps of merged intervals inside [from, to). */
export function gaps(xs: Intervals, from: number, to: number): Intervals {
  const s = new GrowArray((n) => new Float64Array(n));
  const e = new GrowArray((n) => new Float64Array(n));
  const add = (a: number, b: number) => {
    if (b > a) {
      s.push(a);
      e.push(b);
    }
  };
  let at = from;
  for (let i = 0; i < xs.length; i++) {
    if (xs.start[i] > at) add(at, Math.min(xs.start[i], to));
    at = Math.max(at, xs.end[i]);
    if (at >= to) break;
  }
  if (at < to) add(at, to);
  return new Intervals(s.done().slice(), e.done().slice());
}

/** The longest gap between merged intervals (the first of the longest), or undefined for none. */
export function longestGap(xs: Intervals): [number, number] | undefined {
  let best = -1;
  for (let i = 1; i < xs.length; i++)
    if (xs.start[i] > xs.end[i - 1] && (best < 0 || xs.start[i] - xs.end[i - 1] > xs.start[best] - xs.end[best - 1]))
      best = i;
  return best < 0 ? undefined : [xs.end[best - 1], xs.start[best]];
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
      if (i < l.length) next = Math.min(next, inside[k] ? l.end[i] : l.start[i]);
    });
    if (next === Infinity) break;
    if (mask !== 0 && next > now) byMask.set(mask, (byMask.get(mask) ?? 0) + next - now);
    now = next;
    // Every boundary at this time: ends close their kind, starts open it.
    lists.forEach((l, k) => {
      for (;;) {
        const i = at[k];
        if (i >= l.length) break;
        if (inside[k] && l.end[i] === now) {
          inside[k] = false;
          mask &= ~(1 << k);
          at[k]++;
        } else if (!inside[k] && l.start[i] === now) {
          inside[k] = true;
          mask |= 1 << k;
          if (l.end[i] === now) {
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
