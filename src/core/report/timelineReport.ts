/**
 * The timeline's columns for the HTML report (base64 in its JSON), when they fit the report's
 * stated size; the page unpacks them (core/analysis/timeline/timelinePack) and asks itself.
 */
import type { TimelineIndex } from '../analysis/timeline/timelineIndex';
import type { BusyTrack } from '../analysis/timeline/timelineQuery';
import { columnBytes, REPORT_TIMELINE_MAX_BYTES, type PackedTimeline } from '../analysis/timeline/timelinePack';

type Typed = Float64Array | Float32Array | Uint32Array | Uint16Array | Uint8Array;

const b64 = (a: Typed) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');

export function packTimeline(
  t: { index: TimelineIndex; busy: BusyTrack[]; steps: { name: string; start: number; end: number }[] },
  maxBytes = REPORT_TIMELINE_MAX_BYTES,
): PackedTimeline | { leftOut: string } {
  const ix = t.index;
  const bytes = columnBytes(ix);
  if (bytes > maxBytes)
    return {
      leftOut: `the timeline is left out of this report: its ${ix.start.length.toLocaleString('en-US')} spans need ${(bytes / 2 ** 20).toFixed(0)} MiB, over the report's ${(maxBytes / 2 ** 20).toFixed(0)} MiB (open the trace in the editor for its timeline)`,
    };
  return {
    spanUs: ix.spanUs,
    lanes: ix.lanes,
    names: ix.names,
    rows: ix.rows,
    columns: {
      rowLane: b64(ix.rowLane),
      rowDepth: b64(ix.rowDepth),
      rowStart: b64(ix.rowStart),
      start: b64(ix.start),
      end: b64(ix.end),
      name: b64(ix.name),
      cat: b64(ix.cat),
      self: b64(ix.self),
    },
    counters: ix.counters.map((c) => ({ title: c.title, group: c.group, unit: c.unit, t: b64(c.t), v: b64(c.v) })),
    busy: t.busy.map((b) => ({
      title: b.title,
      group: b.group,
      start: b64(b.start),
      end: b64(b.end),
      cum: b64(b.cum),
    })),
    steps: t.steps,
  };
}
