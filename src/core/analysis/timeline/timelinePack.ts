/**
 * The timeline in the standalone HTML report: the index's columns as base64 in the report's
 * JSON (the pyramid is rebuilt in the page, in well under a second for what fits), for traces
 * whose columns fit REPORT_TIMELINE_MAX_BYTES; and what a span's details are there, from the
 * index alone (name, times, lane, the Python frames it ran in), since the report carries no
 * trace.
 */
import { CATEGORIES, rebuildLevels, type CounterTrack, type Lane, type TimelineIndex } from './timelineIndex';
import { ancestors, rowOf, type BusyTrack } from './timelineQuery';

/** The most the index's columns may take in a report (MiB of binary, before base64). */
export const REPORT_TIMELINE_MAX_BYTES = 16 * 2 ** 20;

export interface PackedTimeline {
  spanUs: number;
  lanes: Lane[];
  names: string[];
  rows: number;
  /** base64 of each column's bytes (little-endian, as typed arrays are on every machine we run on). */
  columns: Record<'rowLane' | 'rowDepth' | 'rowStart' | 'start' | 'end' | 'name' | 'cat' | 'self', string>;
  counters: { title: string; group: string; unit: CounterTrack['unit']; t: string; v: string }[];
  busy: { title: string; group: string; start: string; end: string; cum: string }[];
  steps: { name: string; start: number; end: number }[];
  /** What was left out to fit the report's size (the analyses' lanes), when anything was. */
  trimmed?: string;
}

type Typed = Float64Array | Float32Array | Uint32Array | Uint16Array | Uint8Array;

function unb64<T extends Typed>(s: string, make: (b: ArrayBuffer) => T): T {
  const bin = atob(s);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return make(bytes.buffer);
}

/** The bytes the columns of `spans` spans in `rows` rows and these counters take (what REPORT_TIMELINE_MAX_BYTES bounds). */
export function columnBytes(spans: number, rows: number, counters: readonly CounterTrack[]): number {
  return spans * (8 + 8 + 4 + 1 + 4) + rows * (4 + 2 + 4) + 4 + counters.reduce((a, c) => a + 16 * c.t.length, 0);
}

export function unpackTimeline(p: PackedTimeline): { index: TimelineIndex; busy: BusyTrack[] } {
  const f64 = (s: string) => unb64(s, (b) => new Float64Array(b));
  const c = p.columns;
  const start = f64(c.start);
  const n = start.length;
  const identity = new Uint32Array(n);
  for (let i = 0; i < n; i++) identity[i] = i;
  const index: TimelineIndex = {
    lanes: p.lanes,
    rows: p.rows,
    rowLane: unb64(c.rowLane, (b) => new Uint32Array(b)),
    rowDepth: unb64(c.rowDepth, (b) => new Uint16Array(b)),
    rowStart: unb64(c.rowStart, (b) => new Uint32Array(b)),
    start,
    end: f64(c.end),
    name: unb64(c.name, (b) => new Uint32Array(b)),
    cat: unb64(c.cat, (b) => new Uint8Array(b)),
    self: unb64(c.self, (b) => new Float32Array(b)),
    eventOf: identity,
    flatOf: identity,
    names: p.names,
    levels: [],
    counters: p.counters.map((k) => ({ title: k.title, group: k.group, unit: k.unit, t: f64(k.t), v: f64(k.v) })),
    spanUs: p.spanUs,
  };
  index.levels = rebuildLevels(index);
  return {
    index,
    busy: p.busy.map((b) => ({
      title: b.title,
      group: b.group,
      start: f64(b.start),
      end: f64(b.end),
      cum: f64(b.cum),
    })),
  };
}

/** What the report can say of a span: its name, times, lane and the Python frames it ran in. */
export function reportDetails(ix: TimelineIndex, flat: number) {
  const lane = ix.lanes[ix.rowLane[rowOf(ix, flat)]];
  const stack: { name: string; file: string; line: number }[] = [];
  for (const a of [flat, ...ancestors(ix, flat)]) {
    if (CATEGORIES[ix.cat[a]] !== 'python') continue;
    const m = /^(.*) \((.*):(\d+)\)$/.exec(ix.names[ix.name[a]]);
    if (m) stack.push({ name: m[1], file: m[2], line: Number(m[3]) });
  }
  return {
    flat,
    row: rowOf(ix, flat),
    name: ix.names[ix.name[flat]],
    startUs: ix.start[flat],
    durUs: ix.end[flat] - ix.start[flat],
    category: CATEGORIES[ix.cat[flat]],
    selfUs: ix.self[flat],
    lane: `${lane.group} · ${lane.title}`,
    args: [] as [string, string][],
    stack,
    launches: [],
    launchCount: 0,
    flows: [],
  };
}
