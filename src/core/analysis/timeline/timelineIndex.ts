/**
 * The timeline's columnar index: every span of a trace (operators, Python frames, runtime calls,
 * kernels, copies, ranges) in typed arrays, laid out by lane (a thread, a GPU stream) and depth
 * (nesting on that lane), each row sorted by start. Rows never overlap within themselves: a span
 * goes one row deeper than every span still open when it starts. Above each row, a summary
 * pyramid: level k merges the runs of spans shorter than its bucket (with gaps under it) into
 * one item, so a window of any width at any pixel size asks for at most a few items per pixel
 * per row, whatever the number of spans (see `timelineQuery.ts`). Times: µs from the start.
 * Memory: 33 bytes a span plus the pyramid (levels kept only where they halve the items; none
 * where nothing merges).
 */
import { GrowArray } from '../../util/growArray';
import { buildLevels } from './timelineLevels';

export { rebuildLevels } from './timelineLevels';

/** What a span is: drives the colour by category and what details it has. */
export const CATEGORIES = [
  'op',
  'annotation',
  'python',
  'runtime',
  'kernel',
  'memcpy',
  'memset',
  'communication',
  'step',
  'range',
  'sample',
  'other',
  'idle',
] as const;
export type Category = (typeof CATEGORIES)[number];
export const categoryId = (c: Category): number => CATEGORIES.indexOf(c);

export interface LaneSpec {
  /** Unique key ("cpu 4242 4243", "gpu 0 7"). */
  key: string;
  /** The group it is drawn under ("process 4242", "GPU 0"). */
  group: string;
  title: string;
  kind: 'cpu' | 'gpu' | 'other';
  /** Order among lanes (smaller first); ties by key. */
  order: number;
  /** Spans made from the others (a critical path): searches skip them. */
  derived?: boolean;
  /** Made by an analysis (idle gaps, the critical path): the HTML report leaves it out first. */
  optional?: boolean;
}

export interface Lane extends LaneSpec {
  /** Its rows: firstRow .. firstRow + depth - 1 (depth 0 first). */
  firstRow: number;
  depth: number;
  spans: number;
}

/** A value over time (memory, utilisation) drawn as a filled step line. */
export interface CounterTrack {
  title: string;
  group: string;
  unit: 'bytes' | 'percent' | 'count';
  t: Float64Array;
  v: Float64Array;
  /** Made by an analysis (a launch queue): the HTML report leaves it out first. */
  optional?: boolean;
}

/**
 * One level of the pyramid. Its items' counts, representatives and busy times are absent where
 * nothing was merged yet: each item is then the span at its own flat index (count 1, busy its
 * duration). Materialised, those three columns cost 16 bytes a span (65 MB on the 1 GB bench
 * trace) and said nothing the spans do not.
 */
export interface Level {
  /** Bucket of this level (µs): items shorter than it were merged into runs. */
  bucket: number;
  rowStart: Uint32Array;
  start: Float64Array;
  end: Float64Array;
  /** Spans in the item (1: the span itself). */
  count?: Uint32Array;
  /** The longest span in the item (a flat index). */
  rep?: Uint32Array;
  /** Sum of the spans' durations in the item. */
  busy?: Float64Array;
}

export interface TimelineIndex {
  lanes: Lane[];
  rows: number;
  /** Per row: its lane and depth; its spans are rowStart[r] .. rowStart[r+1]-1. */
  rowLane: Uint32Array;
  rowDepth: Uint16Array;
  rowStart: Uint32Array;
  start: Float64Array;
  end: Float64Array;
  name: Uint32Array;
  cat: Uint8Array;
  /** Duration less that of the spans directly inside it (one row deeper, same lane). */
  self: Float32Array;
  /** The id the caller gave the span (its order of `add`), and the way back. */
  eventOf: Uint32Array;
  flatOf: Uint32Array;
  names: string[];
  levels: Level[];
  counters: CounterTrack[];
  spanUs: number;
}

const EPS = 1e-3; // nesting within a tolerance: trace times are rounded, a child can end 1 ns late

export class TimelineBuilder {
  private readonly laneSpecs: LaneSpec[] = [];
  private readonly laneByKey = new Map<string, number>();
  private readonly nameIds = new Map<string, number>();
  private readonly names: string[] = [];
  private readonly lane: GrowArray<Uint32Array>;
  private readonly ts: GrowArray<Float64Array>;
  private readonly dur: GrowArray<Float64Array>;
  private readonly nm: GrowArray<Uint32Array>;
  private readonly ct: GrowArray<Uint8Array>;
  private readonly counters: CounterTrack[] = [];

  /**
   * `capacity`: the spans expected, when known. Its columns then grow no more than once: on the
   * 1 GB bench trace, doubling them allocated about 200 MB of buffers to copy and drop, and
   * each 64 MB of new buffers starts a marking of the whole heap.
   */
  constructor(capacity = 1024) {
    this.lane = new GrowArray((n) => new Uint32Array(n), capacity);
    this.ts = new GrowArray((n) => new Float64Array(n), capacity);
    this.dur = new GrowArray((n) => new Float64Array(n), capacity);
    this.nm = new GrowArray((n) => new Uint32Array(n), capacity);
    this.ct = new GrowArray((n) => new Uint8Array(n), capacity);
  }

  laneOf(spec: LaneSpec): number {
    let id = this.laneByKey.get(spec.key);
    if (id === undefined) {
      id = this.laneSpecs.length;
      this.laneSpecs.push(spec);
      this.laneByKey.set(spec.key, id);
    }
    return id;
  }

  nameId(name: string): number {
    let id = this.nameIds.get(name);
    if (id === undefined) {
      id = this.names.length;
      this.names.push(name);
      this.nameIds.set(name, id);
    }
    return id;
  }

  /** Adds a span; its event id is the number of spans added before it. */
  add(lane: number, ts: number, dur: number, name: string, cat: Category): number {
    this.lane.push(lane);
    this.ts.push(ts);
    this.dur.push(Math.max(0, dur));
    this.nm.push(this.nameId(name));
    this.ct.push(categoryId(cat));
    return this.lane.n - 1;
  }

  /** A counter; its points are put in time order if they are not (window queries search them). */
  counter(track: CounterTrack): void {
    const { t, v } = track;
    let sorted = true;
    for (let i = 1; i < t.length && sorted; i++) sorted = t[i - 1] <= t[i];
    if (!sorted) {
      const order = Array.from(t.keys())
        .filter((i) => !Number.isNaN(t[i]))
        .sort((a, b) => t[a] - t[b] || a - b);
      track = { ...track, t: Float64Array.from(order, (i) => t[i]), v: Float64Array.from(order, (i) => v[i]) };
    }
    if (track.t.length > 0) this.counters.push(track);
  }

  build(): TimelineIndex {
    const n = this.lane.n;
    const laneA = this.lane.done();
    const tsA = this.ts.done();
    const durA = this.dur.done();
    // Lanes in display order, then spans grouped by lane (a counting sort), each lane by start.
    const order = this.laneSpecs
      .map((_, i) => i)
      .sort((a, b) => {
        const x = this.laneSpecs[a];
        const y = this.laneSpecs[b];
        return x.order - y.order || (x.key < y.key ? -1 : x.key > y.key ? 1 : 0);
      });
    const rank = new Uint32Array(this.laneSpecs.length);
    order.forEach((l, i) => (rank[l] = i));
    const laneCount = new Uint32Array(order.length + 1);
    for (let i = 0; i < n; i++) laneCount[rank[laneA[i]] + 1]++;
    for (let i = 0; i < order.length; i++) laneCount[i + 1] += laneCount[i];
    const byLane = new Uint32Array(n);
    const fill = laneCount.slice(0, order.length);
    for (let i = 0; i < n; i++) byLane[fill[rank[laneA[i]]]++] = i;
    const depthOf = new Uint16Array(n);
    const lanes: Lane[] = [];
    const rowCounts: number[] = [];
    let spanUs = 0;
    for (let li = 0; li < order.length; li++) {
      const seg = byLane.subarray(laneCount[li], laneCount[li + 1]);
      sortByStart(seg, tsA, durA);
      // Depth: one deeper than the spans still open at the start.
      const openEnd: number[] = [];
      let maxDepth = 0;
      for (const e of seg) {
        const s = tsA[e];
        const end = s + durA[e];
        while (openEnd.length > 0 && openEnd[openEnd.length - 1] <= s + EPS) openEnd.pop();
        const d = Math.min(openEnd.length, 65535);
        depthOf[e] = d;
        if (d + 1 > maxDepth) maxDepth = d + 1;
        openEnd.push(end);
        if (end > spanUs) spanUs = end;
      }
      lanes.push({ ...this.laneSpecs[order[li]], firstRow: rowCounts.length, depth: maxDepth, spans: seg.length });
      const counts = new Array<number>(maxDepth).fill(0);
      for (const e of seg) counts[depthOf[e]]++;
      rowCounts.push(...counts);
    }
    const rows = rowCounts.length;
    const rowStart = new Uint32Array(rows + 1);
    for (let r = 0; r < rows; r++) rowStart[r + 1] = rowStart[r] + rowCounts[r];
    const rowLane = new Uint32Array(rows);
    const rowDepth = new Uint16Array(rows);
    lanes.forEach((l, li) => {
      for (let d = 0; d < l.depth; d++) {
        rowLane[l.firstRow + d] = li;
        rowDepth[l.firstRow + d] = d;
      }
    });
    const start = new Float64Array(n);
    const end = new Float64Array(n);
    const name = new Uint32Array(n);
    const cat = new Uint8Array(n);
    const eventOf = new Uint32Array(n);
    const flatOf = new Uint32Array(n);
    const next = rowStart.slice(0, rows);
    const nmA = this.nm.done();
    const ctA = this.ct.done();
    for (let li = 0; li < lanes.length; li++) {
      for (let k = laneCount[li]; k < laneCount[li + 1]; k++) {
        const e = byLane[k];
        const f = next[lanes[li].firstRow + depthOf[e]]++;
        start[f] = tsA[e];
        end[f] = tsA[e] + durA[e];
        name[f] = nmA[e];
        cat[f] = ctA[e];
        eventOf[f] = e;
        flatOf[e] = f;
      }
    }
    const index: TimelineIndex = {
      lanes,
      rows,
      rowLane,
      rowDepth,
      rowStart,
      start,
      end,
      name,
      cat,
      self: selfTimes(rows, rowStart, rowLane, start, end),
      eventOf,
      flatOf,
      names: this.names,
      levels: [],
      counters: this.counters,
      spanUs,
    };
    index.levels = buildLevels(index);
    return index;
  }
}

/**
 * Sorts span ids by start, longer first at equal starts (a parent before its children), stably.
 * A lane mostly comes as a few sorted runs (a thread's operators, then its runtime calls, then
 * its Python frames): those are merged, in linear time; many runs are sorted.
 */
function sortByStart(seg: Uint32Array, ts: Float64Array, dur: Float64Array): void {
  // Whether span b must go before span a.
  const first = (a: number, b: number) => ts[b] < ts[a] || (ts[b] === ts[a] && dur[b] > dur[a]);
  const runs = [0];
  for (let i = 1; i < seg.length; i++)
    if (first(seg[i - 1], seg[i])) {
      runs.push(i);
      if (runs.length > 16) {
        seg.sort((x, y) => ts[x] - ts[y] || dur[y] - dur[x]);
        return;
      }
    }
  if (runs.length === 1) return;
  runs.push(seg.length);
  let from: Uint32Array = seg;
  let to: Uint32Array = new Uint32Array(seg.length);
  let bounds = runs;
  while (bounds.length > 2) {
    const next = [0];
    for (let r = 0; r + 1 < bounds.length; r += 2) {
      const lo = bounds[r];
      const mid = bounds[r + 1];
      const hi = r + 2 < bounds.length ? bounds[r + 2] : mid;
      let i = lo;
      let j = mid;
      let k = lo;
      while (i < mid && j < hi) to[k++] = first(from[i], from[j]) ? from[j++] : from[i++];
      while (i < mid) to[k++] = from[i++];
      while (j < hi) to[k++] = from[j++];
      next.push(hi);
    }
    [from, to] = [to, from];
    bounds = next;
  }
  if (from !== seg) seg.set(from);
}

/** Each span's duration less its children's (the spans of the next row within it). */
function selfTimes(
  rows: number,
  rowStart: Uint32Array,
  rowLane: Uint32Array,
  start: Float64Array,
  end: Float64Array,
): Float32Array {
  const self = new Float32Array(start.length);
  for (let f = 0; f < start.length; f++) self[f] = end[f] - start[f];
  for (let r = 0; r + 1 < rows; r++) {
    if (rowLane[r + 1] !== rowLane[r]) continue;
    // Children are in row r + 1, sorted; walk both rows together.
    let p = rowStart[r];
    const pEnd = rowStart[r + 1];
    for (let c = rowStart[r + 1]; c < rowStart[r + 2]; c++) {
      while (p < pEnd && end[p] + EPS < start[c]) p++;
      if (p >= pEnd) break;
      if (start[p] <= start[c] + EPS) self[p] -= end[c] - start[c];
    }
  }
  for (let f = 0; f < self.length; f++) if (self[f] < 0) self[f] = 0;
  return self;
}
