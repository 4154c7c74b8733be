/**
 * Questions the timeline asks of its index: what to draw in a window at a pixel size (items of
 * the pyramid level whose bucket is at most a pixel, so what is narrower than a pixel is merged
 * and a row yields at most a few items per pixel), the counters and GPU busy share in it, what a
 * box selection holds (per name: count, time, self time), matches of a search in time order,
 * and a span's ancestors and children on its lane.
 */
import type { Intervals } from '../../util/intervals';
import { CATEGORIES, type Level, type TimelineIndex } from './timelineIndex';

export interface WindowQuery {
  t0: number;
  t1: number;
  /** Width of the window in pixels. */
  px: number;
  /** The rows to answer for (those the view shows). */
  rows: number[];
  /**
   * The GPU-busy and counter tracks to answer for (those the view shows); all when absent. Each
   * costs a value per pixel: a trace of 20,000 devices answered all of them at every zoom.
   */
  busy?: number[];
  counters?: number[];
}

export interface WindowAnswer {
  t0: number;
  t1: number;
  px: number;
  /** Bucket of the level answered from (0: the spans themselves). */
  bucket: number;
  /** One entry per item, in parallel: row, start, end, name id, category, spans in it, the span shown. */
  row: number[];
  start: number[];
  end: number[];
  name: number[];
  cat: number[];
  count: number[];
  flat: number[];
  /** A span's self time; for a merged item, the sum of its spans' durations. */
  self: number[];
  /** Per counter track: points (time, value) at most two per pixel; busy tracks one per pixel. */
  counters: { track: number; t: number[]; v: number[] }[];
  busy: { track: number; t: number[]; pct: number[] }[];
}

/** A GPU's busy time: its activities merged across streams, with the busy time before each. */
export interface BusyTrack {
  title: string;
  group: string;
  start: Float64Array;
  end: Float64Array;
  /** Busy time before interval i. */
  cum: Float64Array;
}

/** A busy track from a device's merged intervals. */
export function busyTrack(title: string, group: string, merged: Intervals): BusyTrack {
  const { start, end } = merged;
  const cum = new Float64Array(start.length);
  for (let i = 1; i < start.length; i++) cum[i] = cum[i - 1] + (end[i - 1] - start[i - 1]);
  return { title, group, start, end, cum };
}

/** First index in sorted `a[lo..hi)` whose value is > x. */
function upper(a: ArrayLike<number>, x: number, lo: number, hi: number): number {
  while (lo < hi) {
    const m = (lo + hi) >>> 1;
    if (a[m] > x) hi = m;
    else lo = m + 1;
  }
  return lo;
}

/** First index in sorted `a[lo..hi)` whose value is >= x. */
function lower(a: ArrayLike<number>, x: number, lo: number, hi: number): number {
  while (lo < hi) {
    const m = (lo + hi) >>> 1;
    if (a[m] < x) lo = m + 1;
    else hi = m;
  }
  return lo;
}

const BLOCK = 64;
const blockCache = new WeakMap<ArrayLike<number>, Float64Array>();

/** The maximum of each block of BLOCK values (made once per counter, kept while it lives). */
function blockMaxima(v: ArrayLike<number>): Float64Array {
  let m = blockCache.get(v);
  if (m) return m;
  m = new Float64Array(Math.ceil(v.length / BLOCK)).fill(-Infinity);
  for (let i = 0; i < v.length; i++) m[(i / BLOCK) | 0] = Math.max(m[(i / BLOCK) | 0], v[i]);
  blockCache.set(v, m);
  return m;
}

/** The maximum of v[i..j) (NaN if any is NaN, as Math.max answers). */
function rangeMax(v: ArrayLike<number>, maxes: Float64Array, i: number, j: number): number {
  let max = -Infinity;
  const b0 = Math.ceil(i / BLOCK);
  const b1 = Math.floor(j / BLOCK);
  if (b0 >= b1) {
    for (let k = i; k < j; k++) max = Math.max(max, v[k]);
    return max;
  }
  for (let k = i; k < b0 * BLOCK; k++) max = Math.max(max, v[k]);
  for (let b = b0; b < b1; b++) max = Math.max(max, maxes[b]);
  for (let k = b1 * BLOCK; k < j; k++) max = Math.max(max, v[k]);
  return max;
}

/** Busy time from 0 to t. */
function busyUntil(b: BusyTrack, t: number): number {
  const i = upper(b.start, t, 0, b.start.length) - 1;
  if (i < 0) return 0;
  return b.cum[i] + Math.min(t, b.end[i]) - b.start[i];
}

/** The level to answer from at `usPerPx`: the coarsest whose bucket is at most a pixel. */
export function levelFor(ix: TimelineIndex, usPerPx: number): Level | undefined {
  let best: Level | undefined;
  for (const l of ix.levels) if (l.bucket <= usPerPx) best = l;
  return best;
}

export function queryWindow(ix: TimelineIndex, busy: BusyTrack[], q: WindowQuery): WindowAnswer {
  const t0 = Math.min(q.t0, q.t1);
  const t1 = Math.max(q.t0, q.t1);
  const px = Math.max(1, Math.min(16384, Math.round(q.px)));
  const usPerPx = (t1 - t0) / px;
  const lv = levelFor(ix, usPerPx);
  const src = lv ?? {
    rowStart: ix.rowStart,
    start: ix.start,
    end: ix.end,
    count: undefined,
    rep: undefined,
    busy: undefined,
  };
  const out: WindowAnswer = {
    t0,
    t1,
    px,
    bucket: lv?.bucket ?? 0,
    row: [],
    start: [],
    end: [],
    name: [],
    cat: [],
    count: [],
    flat: [],
    self: [],
    counters: [],
    busy: [],
  };
  for (const r of q.rows) {
    if (!(r >= 0 && r < ix.rows)) continue;
    const a = src.rowStart[r];
    const b = src.rowStart[r + 1];
    // Items of a row are disjoint and sorted, so their ends are sorted too.
    for (let i = upper(src.end, t0, a, b); i < b && src.start[i] <= t1; i++) {
      const f = src.rep ? src.rep[i] : i;
      out.row.push(r);
      out.start.push(src.start[i]);
      out.end.push(src.end[i]);
      out.name.push(ix.name[f]);
      out.cat.push(ix.cat[f]);
      const count = src.count ? src.count[i] : 1;
      out.count.push(count);
      out.flat.push(f);
      out.self.push(count > 1 && src.busy ? src.busy[i] : ix.self[f]);
    }
  }
  for (const track of tracksOf(q.counters, ix.counters.length)) {
    const c = ix.counters[track];
    const t: number[] = [];
    const v: number[] = [];
    const from = Math.max(0, upper(c.t, t0, 0, c.t.length) - 1);
    const to = upper(c.t, t1, 0, c.t.length);
    if (to - from <= 2 * px) {
      for (let i = from; i < to; i++) {
        t.push(c.t[i]);
        v.push(c.v[i]);
      }
    } else {
      // Per pixel, the highest value (memory peaks must survive): its points found by binary
      // search, their maximum read from block maxima, so a query costs per pixel, not per point.
      const maxes = blockMaxima(c.v);
      let i = from;
      for (let p = 0; p < px && i < to; p++) {
        const j = lower(c.t, t0 + (p + 1) * usPerPx, i, to);
        if (j === i) continue;
        const max = rangeMax(c.v, maxes, i, j);
        if (max > -Infinity) {
          t.push(c.t[i]);
          v.push(max);
        }
        i = j;
      }
    }
    out.counters.push({ track, t, v });
  }
  for (const track of tracksOf(q.busy, busy.length)) {
    const b = busy[track];
    const t: number[] = [];
    const pct: number[] = [];
    let prev = busyUntil(b, t0);
    for (let p = 0; p < px; p++) {
      const next = busyUntil(b, t0 + (p + 1) * usPerPx);
      t.push(t0 + p * usPerPx);
      pct.push(usPerPx > 0 ? Math.min(100, (100 * (next - prev)) / usPerPx) : 0);
      prev = next;
    }
    out.busy.push({ track, t, pct });
  }
  return out;
}

/** The tracks asked for that exist, once each and in order; every one when none were named. */
function tracksOf(asked: number[] | undefined, n: number): number[] {
  if (!Array.isArray(asked)) return Array.from({ length: n }, (_, i) => i);
  return [...new Set(asked.filter((t) => Number.isInteger(t) && t >= 0 && t < n))].sort((a, b) => a - b);
}

/** The row a span is in. */
export function rowOf(ix: TimelineIndex, flat: number): number {
  return upper(ix.rowStart, flat, 0, ix.rows + 1) - 1;
}

/** The span of `row` running at time t (start ≤ t ≤ end), or -1. */
export function spanAt(ix: TimelineIndex, row: number, t: number): number {
  const a = ix.rowStart[row];
  const b = ix.rowStart[row + 1];
  const i = upper(ix.start, t + 1e-3, a, b) - 1;
  return i >= a && ix.end[i] + 1e-3 >= t ? i : -1;
}

/** The spans a span is nested in on its lane, innermost first. */
export function ancestors(ix: TimelineIndex, flat: number): number[] {
  const r = rowOf(ix, flat);
  const lane = ix.lanes[ix.rowLane[r]];
  const out: number[] = [];
  for (let up = r - 1; up >= lane.firstRow; up--) {
    const p = spanAt(ix, up, ix.start[flat]);
    if (p >= 0) out.push(p);
  }
  return out;
}

/** The spans directly inside a span (one row deeper on its lane), in time order. */
export function children(ix: TimelineIndex, flat: number): number[] {
  const r = rowOf(ix, flat);
  const lane = ix.lanes[ix.rowLane[r]];
  if (r + 1 >= lane.firstRow + lane.depth) return [];
  const out: number[] = [];
  const a = ix.rowStart[r + 1];
  const b = ix.rowStart[r + 2];
  for (let i = upper(ix.end, ix.start[flat], a, b); i < b && ix.start[i] < ix.end[flat]; i++)
    if (ix.start[i] + 1e-3 >= ix.start[flat]) out.push(i);
  return out;
}

export interface AggregateRow {
  name: string;
  category: string;
  count: number;
  /** Time inside the range (spans cut at its edges). */
  totalUs: number;
  /** Self time inside the range (a cut span's self time in proportion). */
  selfUs: number;
  /** Share of all the selected spans' self time. */
  pct: number;
}

/** What a box selection holds: per name, the spans of the rows that overlap [t0, t1]. */
export function aggregate(ix: TimelineIndex, t0: number, t1: number, rows?: number[]): AggregateRow[] {
  const by = new Map<number, AggregateRow>();
  let selfAll = 0;
  for (const r of rows ?? Array.from({ length: ix.rows }, (_, i) => i)) {
    if (!(r >= 0 && r < ix.rows)) continue;
    const b = ix.rowStart[r + 1];
    for (let i = upper(ix.end, t0, ix.rowStart[r], b); i < b && ix.start[i] < t1; i++) {
      const dur = ix.end[i] - ix.start[i];
      const inside = Math.min(t1, ix.end[i]) - Math.max(t0, ix.start[i]);
      if (inside < 0) continue;
      const self = dur > 0 ? (ix.self[i] * inside) / dur : 0;
      let row = by.get(ix.name[i]);
      if (!row) {
        row = { name: ix.names[ix.name[i]], category: CATEGORIES[ix.cat[i]], count: 0, totalUs: 0, selfUs: 0, pct: 0 };
        by.set(ix.name[i], row);
      }
      row.count++;
      row.totalUs += inside;
      row.selfUs += self;
      selfAll += self;
    }
  }
  const out = [...by.values()];
  for (const r of out) r.pct = selfAll > 0 ? (100 * r.selfUs) / selfAll : 0;
  return out.sort((a, b) => b.selfUs - a.selfUs || b.totalUs - a.totalUs);
}

/** Spans whose name is one of `nameIds`, in time order (at most `limit`), and how many there are. */
export function spansNamed(
  ix: TimelineIndex,
  nameIds: Set<number>,
  limit = 1_000_000,
): { spans: Uint32Array; total: number } {
  const hits: number[] = [];
  let total = 0;
  for (let f = 0; f < ix.name.length; f++) {
    if (!nameIds.has(ix.name[f])) continue;
    total++;
    if (hits.length < limit) hits.push(f);
  }
  const spans = Uint32Array.from(hits).sort((a, b) => ix.start[a] - ix.start[b] || a - b);
  return { spans, total };
}

/** The name ids whose name contains `text` (case-insensitive). */
export function namesMatching(ix: TimelineIndex, text: string): Set<number> {
  const needle = text.toLowerCase();
  const out = new Set<number>();
  if (!needle) return out;
  ix.names.forEach((n, i) => {
    if (n.toLowerCase().includes(needle)) out.add(i);
  });
  return out;
}
