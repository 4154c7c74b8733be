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

/**
 * Each level is merged from the one below it. A first pass counts the items a merge leaves, so a
 * level that merges nothing costs no write; the first that does is written into a working level
 * of its exact size, and every later one merges that working level in place (an item is written
 * at or before where it is read). Only the levels kept are copied out, at their exact size. On
 * the 1 GB bench trace a new set of arrays per level merged cost more than the merging: the
 * allocations set off full collections of the trace's heap.
 */
export function buildLevels(ix: TimelineIndex): Level[] {
  const levels: Level[] = [];
  const n = ix.start.length;
  if (n === 0) return levels;
  // Level 0: every span alone (no counts, representatives or busy times: see Level).
  const first: Level = { bucket: 0, rowStart: ix.rowStart, start: ix.start, end: ix.end };
  let work: Required<Level> | undefined;
  let from = first;
  let items = n;
  let kept = first;
  for (let bucket = FIRST_BUCKET; bucket < ix.spanUs * 2; bucket *= 2) {
    const m = countMerged(from, bucket, ix.rows);
    if (m < items) {
      work ??= {
        bucket,
        rowStart: new Uint32Array(ix.rows + 1),
        start: new Float64Array(m),
        end: new Float64Array(m),
        count: new Uint32Array(m),
        rep: new Uint32Array(m),
        busy: new Float64Array(m),
      };
      writeMerged(from, bucket, ix.rows, work, ix);
      from = work;
      items = m;
    }
    // Kept only where it halves the items of the last level kept: the pyramid costs at most
    // as many items again as there are spans, and a query reads at most twice its bound.
    if (items * 2 <= kept.start.length) {
      kept = {
        bucket,
        rowStart: from.rowStart.slice(),
        start: from.start.slice(0, items),
        end: from.end.slice(0, items),
        count: from.count?.slice(0, items),
        rep: from.rep?.slice(0, items),
        busy: from.busy?.slice(0, items),
      };
      levels.push(kept);
    } else levels.push({ ...kept, bucket });
    if (items <= ix.rows) break;
  }
  return levels;
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

/**
 * One level up, written into `o` (which may be `prev` itself; sized by countMerged): runs of items shorter than
 * `bucket`, with gaps under it, become one item (up to four buckets long, so that a dense
 * stretch stays several items, each a few pixels wide).
 */
function writeMerged(prev: Level, bucket: number, rows: number, o: Required<Level>, ix: TimelineIndex): void {
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
  let next = rowStart[0];
  for (let r = 0; r < rows; r++) {
    // Both ends of the row are read before its own start is written (o.rowStart may be rowStart).
    const first = next;
    next = rowStart[r + 1];
    o.rowStart[r] = m;
    let open = false;
    for (let i = first; i < next; i++) {
      const s = start[i];
      const e = end[i];
      const small = e - s < bucket;
      const f = rep ? rep[i] : i;
      const c = count ? count[i] : 1;
      const b = busy ? busy[i] : e - s;
      if (open && small && s - runEnd < bucket && runEnd - runStart < most) {
        if (e > runEnd) runEnd = e;
        oEnd[m - 1] = runEnd;
        oCount[m - 1] += c;
        oBusy[m - 1] += b;
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
      oCount[m] = c;
      oRep[m] = f;
      oBusy[m] = b;
      repLen = ixEnd[f] - ixStart[f];
      m++;
      open = small;
    }
  }
  o.rowStart[rows] = m;
}
