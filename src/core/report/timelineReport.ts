/**
 * The timeline's columns for the HTML report (base64 in its JSON), when they fit the report's
 * stated size; the page unpacks them (core/analysis/timeline/timelinePack) and asks itself. Where
 * the whole timeline does not fit, the analyses' lanes and counters (idle gaps, launch queues,
 * the critical path) are left out first, and the report says so; past that, the timeline is.
 */
import type { Lane, TimelineIndex } from '../analysis/timeline/timelineIndex';
import type { BusyTrack } from '../analysis/timeline/timelineQuery';
import { columnBytes, REPORT_TIMELINE_MAX_BYTES, type PackedTimeline } from '../analysis/timeline/timelinePack';

type Typed = Float64Array | Float32Array | Uint32Array | Uint16Array | Uint8Array;

const b64 = (a: Typed) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
const MiB = (b: number) => `${(b / 2 ** 20).toFixed(0)} MiB`;

/** The rows of the lanes kept, as the index's columns (lanes renumbered, their rows in order). */
function keptColumns(ix: TimelineIndex, keep: Lane[]) {
  let rows = 0;
  let spans = 0;
  for (const l of keep) {
    rows += l.depth;
    spans += ix.rowStart[l.firstRow + l.depth] - ix.rowStart[l.firstRow];
  }
  const rowLane = new Uint32Array(rows);
  const rowDepth = new Uint16Array(rows);
  const rowStart = new Uint32Array(rows + 1);
  const start = new Float64Array(spans);
  const end = new Float64Array(spans);
  const name = new Uint32Array(spans);
  const cat = new Uint8Array(spans);
  const self = new Float32Array(spans);
  const lanes: Lane[] = [];
  let r = 0;
  let at = 0;
  keep.forEach((l, li) => {
    lanes.push({ ...l, firstRow: r });
    const from = ix.rowStart[l.firstRow];
    const to = ix.rowStart[l.firstRow + l.depth];
    for (let d = 0; d < l.depth; d++, r++) {
      rowLane[r] = li;
      rowDepth[r] = d;
      rowStart[r] = at + ix.rowStart[l.firstRow + d] - from;
    }
    start.set(ix.start.subarray(from, to), at);
    end.set(ix.end.subarray(from, to), at);
    name.set(ix.name.subarray(from, to), at);
    cat.set(ix.cat.subarray(from, to), at);
    self.set(ix.self.subarray(from, to), at);
    at += to - from;
  });
  rowStart[rows] = at;
  return { lanes, rows, columns: { rowLane, rowDepth, rowStart, start, end, name, cat, self } };
}

export function packTimeline(
  t: { index: TimelineIndex; busy: BusyTrack[]; steps: { name: string; start: number; end: number }[] },
  maxBytes = REPORT_TIMELINE_MAX_BYTES,
): PackedTimeline | { leftOut: string } {
  const ix = t.index;
  const bytes = columnBytes(ix.start.length, ix.rows, ix.counters);
  let lanes = ix.lanes;
  let counters = ix.counters;
  let trimmed: string | undefined;
  if (bytes > maxBytes) {
    lanes = ix.lanes.filter((l) => !l.optional);
    counters = ix.counters.filter((c) => !c.optional);
    const spans = lanes.reduce((a, l) => a + l.spans, 0);
    const rows = lanes.reduce((a, l) => a + l.depth, 0);
    const fits = columnBytes(spans, rows, counters);
    if (fits > maxBytes || lanes.length === ix.lanes.length)
      return {
        leftOut: `the timeline is left out of this report: its ${ix.start.length.toLocaleString('en-US')} spans need ${MiB(bytes)}, over the report's ${MiB(maxBytes)} (open the trace in the editor for its timeline)`,
      };
    trimmed = `this report's timeline leaves out the idle lanes, launch queues and critical path: with them it would need ${MiB(bytes)}, over the report's ${MiB(maxBytes)} (open the trace in the editor for them)`;
  }
  const kept = lanes === ix.lanes ? undefined : keptColumns(ix, lanes);
  const c = kept?.columns ?? ix;
  return {
    spanUs: ix.spanUs,
    lanes: kept?.lanes ?? ix.lanes,
    names: ix.names,
    rows: kept?.rows ?? ix.rows,
    columns: {
      rowLane: b64(c.rowLane),
      rowDepth: b64(c.rowDepth),
      rowStart: b64(c.rowStart),
      start: b64(c.start),
      end: b64(c.end),
      name: b64(c.name),
      cat: b64(c.cat),
      self: b64(c.self),
    },
    counters: counters.map((k) => ({ title: k.title, group: k.group, unit: k.unit, t: b64(k.t), v: b64(k.v) })),
    busy: t.busy.map((b) => ({
      title: b.title,
      group: b.group,
      start: b64(b.start),
      end: b64(b.end),
      cum: b64(b.cum),
    })),
    steps: t.steps,
    ...(trimmed ? { trimmed } : {}),
  };
}
