/**
 * Several timelines side by side in one index (the ranks of a distributed run): each part's
 * lanes under its label, its times shifted by its offset, its rows, spans and pyramid levels
 * appended as they are (nothing is re-sorted: a part's rows are lanes of their own), names
 * merged into one table. Linear in the spans: the parts are indexed where they were read.
 */
import type { CounterTrack, Level, TimelineIndex } from './timelineIndex';

export interface IndexPart {
  index: TimelineIndex;
  label: string;
  /** Added to every time of the part (µs). */
  offset: number;
}

const FIRST_BUCKET = 0.5;

export function combineIndexes(parts: IndexPart[]): TimelineIndex {
  const names: string[] = [];
  const nameId = new Map<string, number>();
  const remaps = parts.map(({ index }) =>
    Uint32Array.from(index.names, (n) => {
      let id = nameId.get(n);
      if (id === undefined) {
        id = names.length;
        names.push(n);
        nameId.set(n, id);
      }
      return id;
    }),
  );
  const n = parts.reduce((a, p) => a + p.index.start.length, 0);
  const rows = parts.reduce((a, p) => a + p.index.rows, 0);
  const out: TimelineIndex = {
    lanes: [],
    rows,
    rowLane: new Uint32Array(rows),
    rowDepth: new Uint16Array(rows),
    rowStart: new Uint32Array(rows + 1),
    start: new Float64Array(n),
    end: new Float64Array(n),
    name: new Uint32Array(n),
    cat: new Uint8Array(n),
    self: new Float32Array(n),
    eventOf: new Uint32Array(n),
    flatOf: new Uint32Array(n),
    names,
    levels: [],
    counters: [],
    spanUs: 0,
  };
  let flat = 0;
  let row = 0;
  let lane = 0;
  parts.forEach(({ index: ix, label, offset }, k) => {
    const m = ix.start.length;
    for (const l of ix.lanes) out.lanes.push({ ...l, group: `${label} · ${l.group}`, firstRow: l.firstRow + row });
    for (let r = 0; r < ix.rows; r++) {
      out.rowLane[row + r] = ix.rowLane[r] + lane;
      out.rowDepth[row + r] = ix.rowDepth[r];
      out.rowStart[row + r] = ix.rowStart[r] + flat;
    }
    for (let i = 0; i < m; i++) {
      out.start[flat + i] = ix.start[i] + offset;
      out.end[flat + i] = ix.end[i] + offset;
      out.name[flat + i] = remaps[k][ix.name[i]];
      out.eventOf[flat + i] = ix.eventOf[i] + flat;
      out.flatOf[flat + i] = ix.flatOf[i] + flat;
    }
    out.cat.set(ix.cat, flat);
    out.self.set(ix.self, flat);
    for (const c of ix.counters) out.counters.push(shiftCounter(c, `${label} · ${c.group}`, offset));
    out.spanUs = Math.max(out.spanUs, ix.spanUs + offset);
    flat += m;
    row += ix.rows;
    lane += ix.lanes.length;
  });
  out.rowStart[rows] = flat;
  out.levels = combineLevels(parts, out);
  return out;
}

function shiftCounter(c: CounterTrack, group: string, offset: number): CounterTrack {
  return { ...c, group, t: c.t.map((t) => t + offset) };
}

/** A part's level for a bucket: its own, its coarsest when it stopped sooner, its spans when it has none. */
function levelOf(ix: TimelineIndex, k: number): Level {
  if (ix.levels.length > 0) return ix.levels[Math.min(k, ix.levels.length - 1)];
  return { bucket: 0, rowStart: ix.rowStart, start: ix.start, end: ix.end };
}

function combineLevels(parts: IndexPart[], out: TimelineIndex): Level[] {
  const depth = Math.max(0, ...parts.map((p) => p.index.levels.length));
  const levels: Level[] = [];
  for (let k = 0; k < depth; k++) {
    const ls = parts.map((p) => levelOf(p.index, k));
    const items = ls.reduce((a, l) => a + l.start.length, 0);
    // Spans alone in every part: so they are in the whole (flat indexes run on from part to part).
    const merged = ls.some((l) => l.rep);
    const lv: Level = {
      bucket: FIRST_BUCKET * 2 ** k,
      rowStart: new Uint32Array(out.rows + 1),
      start: new Float64Array(items),
      end: new Float64Array(items),
      ...(merged && { count: new Uint32Array(items), rep: new Uint32Array(items), busy: new Float64Array(items) }),
    };
    let at = 0;
    let row = 0;
    let flat = 0;
    ls.forEach((l, p) => {
      const { offset, index } = parts[p];
      for (let r = 0; r < index.rows; r++) lv.rowStart[row + r] = l.rowStart[r] + at;
      for (let i = 0; i < l.start.length; i++) {
        lv.start[at + i] = l.start[i] + offset;
        lv.end[at + i] = l.end[i] + offset;
      }
      if (lv.rep && lv.count && lv.busy)
        for (let i = 0; i < l.start.length; i++) {
          lv.rep[at + i] = (l.rep ? l.rep[i] : i) + flat;
          lv.count[at + i] = l.count ? l.count[i] : 1;
          lv.busy[at + i] = l.busy ? l.busy[i] : l.end[i] - l.start[i];
        }
      at += l.start.length;
      row += index.rows;
      flat += index.start.length;
    });
    lv.rowStart[out.rows] = at;
    levels.push(lv);
  }
  return levels;
}
