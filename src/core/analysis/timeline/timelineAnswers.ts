/**
 * What the Timeline tab is told, the same wherever it is answered (the extension host from the
 * reader's index, the HTML report from its carried columns): the index's outline, a window with
 * the names the page has not been sent yet, and a search's matches in time order.
 */
import type { TimelineIndex } from './timelineIndex';
import {
  namesMatching,
  queryWindow,
  rowOf,
  spansNamed,
  type BusyTrack,
  type WindowAnswer,
  type WindowQuery,
} from './timelineQuery';

export interface TimelineOutline {
  spanUs: number;
  lanes: {
    group: string;
    title: string;
    kind: 'cpu' | 'gpu' | 'other';
    firstRow: number;
    depth: number;
    spans: number;
  }[];
  counters: { title: string; group: string; unit: 'bytes' | 'percent' | 'count'; max: number }[];
  busy: { title: string; group: string }[];
  steps: { name: string; start: number; end: number }[];
  spans: number;
}

export function outlineOf(
  ix: TimelineIndex,
  busy: BusyTrack[],
  steps: { name: string; start: number; end: number }[],
): TimelineOutline {
  return {
    spanUs: ix.spanUs,
    lanes: ix.lanes.map(({ group, title, kind, firstRow, depth, spans }) => ({
      group,
      title,
      kind,
      firstRow,
      depth,
      spans,
    })),
    counters: ix.counters.map((c) => ({
      title: c.title,
      group: c.group,
      unit: c.unit,
      max: c.v.reduce((a, v) => Math.max(a, v), 0),
    })),
    busy: busy.map((b) => ({ title: b.title, group: b.group })),
    steps,
    spans: ix.start.length,
  };
}

/** A window, and the names of its items that `sent` (kept per page) does not hold yet. */
export function windowWithNames(
  ix: TimelineIndex,
  busy: BusyTrack[],
  q: WindowQuery,
  sent: Set<number>,
): { answer: WindowAnswer; names: [number, string][] } {
  const answer = queryWindow(ix, busy, q);
  const names: [number, string][] = [];
  for (const id of answer.name)
    if (!sent.has(id)) {
      sent.add(id);
      names.push([id, ix.names[id]]);
    }
  return { answer, names };
}

export interface Matches {
  total: number;
  /** The names that match (ids as in the window answers). */
  nameIds: number[];
  /** Span, row, start and end of each match, in time order. */
  flat: number[];
  row: number[];
  start: number[];
  end: number[];
}

/** Spans whose name contains `text` (or is it, `exact`), in time order, at most `limit`. */
export function matchesOf(ix: TimelineIndex, text: string, exact: boolean, limit: number): Matches {
  const ids = exact ? new Set(ix.names.flatMap((n, i) => (n === text ? [i] : []))) : namesMatching(ix, text);
  // Spans of derived lanes (a critical path's stretches, named after events) are not matches.
  const derived = ix.lanes.some((l) => l.derived);
  const found = ids.size ? spansNamed(ix, ids, derived ? 1_000_000 : limit) : { spans: new Uint32Array(), total: 0 };
  const own = derived ? found.spans.filter((f) => !ix.lanes[ix.rowLane[rowOf(ix, f)]].derived) : found.spans;
  const spans = own.subarray(0, limit);
  const total = derived ? own.length + Math.max(0, found.total - found.spans.length) : found.total;
  return {
    total,
    nameIds: [...ids],
    flat: [...spans],
    row: Array.from(spans, (f) => rowOf(ix, f)),
    start: Array.from(spans, (f) => ix.start[f]),
    end: Array.from(spans, (f) => ix.end[f]),
  };
}

/** How the view names a lane and a group in its folded set. */
export const laneKey = (l: { group: string; title: string }) => `lane:${l.group}\u0000${l.title}`;
export const groupKey = (group: string) => `group:${group}`;

/** Folded at first: every CPU lane but the four busiest (data loader workers and the like). */
export function defaultCollapsed(o: TimelineOutline): string[] {
  return o.lanes
    .filter((l) => l.kind === 'cpu')
    .sort((a, b) => b.spans - a.spans)
    .slice(4)
    .map(laneKey);
}

/** The rows the view shows with `collapsed` folded (a folded lane its top row, a folded group none). */
export function shownRows(o: TimelineOutline, collapsed: string[], limit = 400): number[] {
  const folded = new Set(collapsed);
  const rows: number[] = [];
  for (const l of o.lanes) {
    if (folded.has(groupKey(l.group))) continue;
    const depth = folded.has(laneKey(l)) ? Math.min(1, l.depth) : l.depth;
    for (let d = 0; d < depth && rows.length < limit; d++) rows.push(l.firstRow + d);
  }
  return rows;
}

/** The window the view opens at (its kept one, or the whole trace), answered for its folds. */
export function firstWindow(
  ix: TimelineIndex,
  busy: BusyTrack[],
  outline: TimelineOutline,
  state: { t0: number; t1: number; collapsed: string[] } | undefined,
  px: number,
  sent: Set<number>,
): { answer: WindowAnswer; names: [number, string][] } {
  const kept = state && state.t1 > state.t0;
  return windowWithNames(
    ix,
    busy,
    {
      t0: kept ? state.t0 : 0,
      t1: kept ? state.t1 : ix.spanUs || 1,
      px,
      ...shownTracks(outline, state?.collapsed ?? defaultCollapsed(outline)),
    },
    sent,
  );
}

/**
 * What the view shows first with `collapsed` folded: rows as `shownRows`, and the GPU-busy and
 * counter tracks of the groups not folded, at most `limit` of each (the view asks for those it
 * scrolls to).
 */
export function shownTracks(
  o: TimelineOutline,
  collapsed: string[],
  limit = 64,
): { rows: number[]; busy: number[]; counters: number[] } {
  const folded = new Set(collapsed);
  const open = (tracks: { group: string }[]) =>
    tracks.flatMap((t, i) => (folded.has(groupKey(t.group)) ? [] : [i])).slice(0, limit);
  return { rows: shownRows(o, collapsed), busy: open(o.busy), counters: open(o.counters) };
}
