// Where each track of the timeline sits vertically: per group (a process, a GPU) a header, its
// GPU-busy and counter tracks, then its lanes, each lane all its depth rows when expanded and
// its top row when collapsed; a collapsed group shows only its header. Pure: no DOM.
import type { TimelineMeta } from '../../../src/shared/protocol/torchTrace';
import { laneKey } from '../../../src/core/analysis/timeline/timelineAnswers';

export const ROW_H = 16;
export const HEADER_H = 20;
export const COUNTER_H = 30;
export const BUSY_H = 22;

export type Track =
  | { kind: 'group'; y: number; h: number; group: string; collapsed: boolean }
  | { kind: 'row'; y: number; h: number; row: number; lane: number; depth: number; first: boolean; collapsed: boolean }
  | { kind: 'counter'; y: number; h: number; track: number }
  | { kind: 'busy'; y: number; h: number; track: number };

export interface Layout {
  tracks: Track[];
  height: number;
  /** y of each row shown (by row id), for flows and selection. */
  rowY: Map<number, number>;
}

export function layoutTracks(meta: TimelineMeta, collapsed: Set<string>): Layout {
  const tracks: Track[] = [];
  const rowY = new Map<number, number>();
  let y = 0;
  // Each group's tracks and lanes, gathered in one pass: a pass over every lane for each group
  // was a square law (a trace with a process per event froze the view).
  const groups = new Map<string, { busy: number[]; counters: number[]; lanes: number[]; first: number }>();
  const of = (g: string) => {
    let x = groups.get(g);
    if (x === undefined) groups.set(g, (x = { busy: [], counters: [], lanes: [], first: Infinity }));
    return x;
  };
  meta.busy.forEach((b, track) => of(b.group).busy.push(track));
  meta.lanes.forEach((l, lane) => {
    const x = of(l.group);
    x.lanes.push(lane);
    x.first = Math.min(x.first, lane);
  });
  meta.counters.forEach((c, track) => of(c.group).counters.push(track));
  // Processes (CPU) before GPUs, as the lanes are ordered; counter-only groups last (a stable
  // sort: groups without lanes keep the order they came in).
  const order = [...groups].sort((a, b) => (a[1].first === b[1].first ? 0 : a[1].first - b[1].first));
  for (const [group, g] of order) {
    const gc = collapsed.has(`group:${group}`);
    tracks.push({ kind: 'group', y, h: HEADER_H, group, collapsed: gc });
    y += HEADER_H;
    if (gc) continue;
    for (const track of g.busy) {
      tracks.push({ kind: 'busy', y, h: BUSY_H, track });
      y += BUSY_H;
    }
    for (const track of g.counters) {
      tracks.push({ kind: 'counter', y, h: COUNTER_H, track });
      y += COUNTER_H;
    }
    for (const lane of g.lanes) {
      const l = meta.lanes[lane];
      const lc = collapsed.has(laneKey(l));
      const depth = lc ? Math.min(1, l.depth) : l.depth;
      for (let d = 0; d < depth; d++) {
        const row = l.firstRow + d;
        tracks.push({ kind: 'row', y, h: ROW_H, row, lane, depth: d, first: d === 0, collapsed: lc });
        rowY.set(row, y);
        y += ROW_H;
      }
      if (l.depth === 0) {
        tracks.push({ kind: 'row', y, h: ROW_H, row: -1, lane, depth: 0, first: true, collapsed: lc });
        y += ROW_H;
      }
    }
  }
  return { tracks, height: y, rowY };
}

export { laneKey } from '../../../src/core/analysis/timeline/timelineAnswers';

/** The track at y (binary search: tracks are in order of y). */
export function trackAt(layout: Layout, y: number): Track | undefined {
  let lo = 0;
  let hi = layout.tracks.length - 1;
  while (lo <= hi) {
    const m = (lo + hi) >> 1;
    const t = layout.tracks[m];
    if (y < t.y) hi = m - 1;
    else if (y >= t.y + t.h) lo = m + 1;
    else return t;
  }
  return undefined;
}

/** The tracks that intersect [top, bottom). */
export function visibleTracks(layout: Layout, top: number, bottom: number): Track[] {
  return layout.tracks.filter((t) => t.y + t.h > top && t.y < bottom);
}

/** What a window is asked for: the rows, GPU-busy and counter tracks shown. */
export interface Shown {
  rows: number[];
  busy: number[];
  counters: number[];
}

/** The rows, GPU-busy and counter tracks on screen between `top` and `bottom`. */
export function shownIn(layout: Layout, top: number, bottom: number): Shown {
  const shown: Shown = { rows: [], busy: [], counters: [] };
  for (const t of visibleTracks(layout, top, bottom))
    if (t.kind === 'row' && t.row >= 0) shown.rows.push(t.row);
    else if (t.kind === 'busy') shown.busy.push(t.track);
    else if (t.kind === 'counter') shown.counters.push(t.track);
  return shown;
}
