/**
 * The summary pyramid above the timeline index's rows (see timelineIndex.ts): level k merges
 * runs of spans shorter than its bucket into one item, so that a query at any pixel size reads
 * a few items per pixel per row.
 */
import type { Level, TimelineIndex } from './timelineIndex';

/** The finest bucket (µs) of the pyramid; each level above doubles it. */
const FIRST_BUCKET = 0.5;

/** The pyramid of an index whose columns came from elsewhere (the HTML report). */
export const rebuildLevels = (ix: TimelineIndex): Level[] => buildLevels(ix);
export function buildLevels(ix: TimelineIndex): Level[] {
  const levels: Level[] = [];
  const n = ix.start.length;
  if (n === 0) return levels;
  // Level 0 as items: every span alone.
  const rep = new Uint32Array(n);
  const busy = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    rep[i] = i;
    busy[i] = ix.end[i] - ix.start[i];
  }
  let cur: Level = {
    bucket: 0,
    rowStart: ix.rowStart,
    start: ix.start,
    end: ix.end,
    count: new Uint32Array(n).fill(1),
    rep,
    busy,
  };
  let kept = cur;
  for (let bucket = FIRST_BUCKET; bucket < ix.spanUs * 2; bucket *= 2) {
    cur = mergeLevel(cur, bucket, ix);
    // Kept only where it halves the items of the last level kept: the pyramid costs at most
    // as many items again as there are spans, and a query reads at most twice its bound.
    if (cur.start.length * 2 <= kept.start.length) kept = cur;
    levels.push(kept === cur ? cur : { ...kept, bucket });
    if (cur.start.length <= ix.rows) break;
  }
  return levels;
}

/**
 * One level up: runs of items shorter than `bucket`, with gaps under it, become one item (up to
 * four buckets long, so that a dense stretch stays several items, each a few pixels wide). A
 * first pass counts the items, so a level that merges nothing costs no memory, and one that does
 * gets arrays of its exact size.
 */
function mergeLevel(prev: Level, bucket: number, ix: TimelineIndex): Level {
  const rows = ix.rows;
  const m = countMerged(prev, bucket, rows);
  if (m === prev.start.length) return { ...prev, bucket };
  const out: Level = {
    bucket,
    rowStart: new Uint32Array(rows + 1),
    start: new Float64Array(m),
    end: new Float64Array(m),
    count: new Uint32Array(m),
    rep: new Uint32Array(m),
    busy: new Float64Array(m),
  };
  writeMerged(prev, bucket, rows, out, ix);
  return out;
}

/** How many items the merge at `bucket` leaves (the rule of writeMerged, counting only). */
function countMerged(prev: Level, bucket: number, rows: number): number {
  const rowStart = prev.rowStart;
  const start = prev.start;
  const end = prev.end;
  const most = bucket * 4;
  let m = 0;
  let runStart = 0;
  let runEnd = 0;
  for (let r = 0; r < rows; r++) {
    let open = false;
    const last = rowStart[r + 1];
    for (let i = rowStart[r]; i < last; i++) {
      const s = start[i];
      const e = end[i];
      const small = e - s < bucket;
      if (open && small && s - runEnd < bucket && runEnd - runStart < most) {
        if (e > runEnd) runEnd = e;
        continue;
      }
      runStart = s;
      runEnd = e;
      m++;
      open = small;
    }
  }
  return m;
}

/** The merge, written into `o` (sized by countMerged). */
function writeMerged(prev: Level, bucket: number, rows: number, o: Level, ix: TimelineIndex): void {
  const { rowStart, start, end, count, rep, busy } = prev;
  const oStart = o.start;
  const oEnd = o.end;
  const oCount = o.count;
  const oRep = o.rep;
  const oBusy = o.busy;
  const ixStart = ix.start;
  const ixEnd = ix.end;
  const most = bucket * 4;
  let m = 0;
  let runStart = 0;
  let runEnd = 0;
  let repLen = 0;
  for (let r = 0; r < rows; r++) {
    o.rowStart[r] = m;
    let open = false;
    const last = rowStart[r + 1];
    for (let i = rowStart[r]; i < last; i++) {
      const s = start[i];
      const e = end[i];
      const small = e - s < bucket;
      const f = rep[i];
      if (open && small && s - runEnd < bucket && runEnd - runStart < most) {
        if (e > runEnd) runEnd = e;
        oEnd[m - 1] = runEnd;
        oCount[m - 1] += count[i];
        oBusy[m - 1] += busy[i];
        const len = ixEnd[f] - ixStart[f];
        if (len > repLen) {
          oRep[m - 1] = f;
          repLen = len;
        }
        continue;
      }
      runStart = s;
      runEnd = e;
      oStart[m] = s;
      oEnd[m] = e;
      oCount[m] = count[i];
      oRep[m] = f;
      oBusy[m] = busy[i];
      repLen = ixEnd[f] - ixStart[f];
      m++;
      open = small;
    }
  }
  o.rowStart[rows] = m;
}
