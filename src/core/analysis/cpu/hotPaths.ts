/**
 * Per-function and per-line self and total weight. A function's total counts each sample once,
 * however many times the function appears on that sample's stack (recursion), and functions
 * are aggregated across threads and call sites by name and file.
 */
import { selectedThreads, subtreeTotals, walkStacks, type Profile, type ThreadFilter } from '../../model/profile';

export interface FunctionStat {
  name: string;
  file?: string;
  /** Smallest line sampled in the function: a hint for where it starts. */
  line?: number;
  /** The line of its `def`, where its source was read (the flame graph's session adds it). */
  defLine?: number;
  /** Every line sampled inside the function. */
  lines: number[];
  self: number;
  total: number;
  selfPct: number;
  totalPct: number;
}

export interface LineStat {
  file: string;
  line: number;
  self: number;
  total: number;
  selfPct: number;
  totalPct: number;
}

export interface HotPaths {
  total: number;
  /** The heaviest functions (at most `limit`, by total), heaviest first. */
  functions: FunctionStat[];
  /** The heaviest lines (at most `limit`, by total), heaviest first. */
  lines: LineStat[];
  /** Sampled functions and lines left out of the lists above (all lighter than the last listed). */
  omittedFunctions: number;
  omittedLines: number;
}

/** How many functions and lines a HotPaths lists at most: more than anyone reads, bounded memory. */
export const HOT_PATHS_LIMIT = 100_000;

/**
 * Ids for (first key, second key) pairs, where most first keys come with one second key (a
 * function name in one file, a file with ...): a Map per first key only when it has several, and
 * no string is built per pair, so ten million distinct frames cost a Map entry each.
 */
class PairIds<A, B> {
  private readonly single = new Map<A, { b: B; id: number } | Map<B, number>>();
  size = 0;
  id(a: A, b: B): number {
    const hit = this.single.get(a);
    if (hit === undefined) {
      this.single.set(a, { b, id: this.size });
      return this.size++;
    }
    if (hit instanceof Map) {
      let id = hit.get(b);
      if (id === undefined) hit.set(b, (id = this.size++));
      return id;
    }
    if (hit.b === b) return hit.id;
    const m = new Map<B, number>([[hit.b, hit.id]]);
    this.single.set(a, m);
    m.set(b, this.size);
    return this.size++;
  }
}

export function analyzeHotPaths(profile: Profile, threads?: ThreadFilter, limit = HOT_PATHS_LIMIT): HotPaths {
  const frames = profile.frames;
  // Functions by (name, file), lines by (file, line): ids per frame, and a representative frame.
  const fnIds = new PairIds<string, string | undefined>();
  const lineIds = new PairIds<string, number>();
  const funcOf = new Int32Array(frames.length);
  const lineOf = new Int32Array(frames.length).fill(-1);
  const fnFrame: number[] = [];
  const lineFrame: number[] = [];
  for (let i = 0; i < frames.length; i++) {
    const f = frames[i];
    const fi = fnIds.id(f.name, f.file);
    if (fi === fnFrame.length) fnFrame.push(i);
    funcOf[i] = fi;
    if (f.file !== undefined && f.line !== undefined) {
      const li = lineIds.id(f.file, f.line);
      if (li === lineFrame.length) lineFrame.push(i);
      lineOf[i] = li;
    }
  }
  const fnSelf = new Float64Array(fnIds.size);
  const fnTotal = new Float64Array(fnIds.size);
  const lineSelf = new Float64Array(lineIds.size);
  const lineTotal = new Float64Array(lineIds.size);

  // A function's total counts each sample once however often it recurs: walking each thread's
  // stack table depth first, a node adds its whole subtree's weight to its function only when
  // that function is not already on the path above it (and the same for lines).
  let total = 0;
  const fnOpen = new Int32Array(fnIds.size);
  const lineOpen = new Int32Array(lineIds.size);
  for (const thread of selectedThreads(profile, threads)) {
    const sub = subtreeTotals(thread);
    total += sub[0];
    const { frame, weights } = thread;
    walkStacks(
      thread,
      (n) => {
        const fr = frame[n];
        const fi = funcOf[fr];
        if (fnOpen[fi]++ === 0) fnTotal[fi] += sub[n];
        fnSelf[fi] += weights[n];
        const li = lineOf[fr];
        if (li >= 0) {
          if (lineOpen[li]++ === 0) lineTotal[li] += sub[n];
          lineSelf[li] += weights[n];
        }
      },
      (n) => {
        const fr = frame[n];
        fnOpen[funcOf[fr]]--;
        const li = lineOf[fr];
        if (li >= 0) lineOpen[li]--;
      },
    );
  }
  const pct = (v: number) => (total > 0 ? (100 * v) / total : 0);
  const fnPicked = heaviest(fnTotal, fnSelf, limit);
  // Every line sampled inside each listed function.
  const linesOf = new Map<number, Set<number>>();
  for (const fi of fnPicked.ids) linesOf.set(fi, new Set());
  for (let i = 0; i < frames.length; i++) {
    const set = linesOf.get(funcOf[i]);
    const line = frames[i].line;
    if (set && line !== undefined) set.add(line);
  }
  const functions: FunctionStat[] = fnPicked.ids
    .map((fi) => {
      const f = frames[fnFrame[fi]];
      const lines = [...linesOf.get(fi)!].sort((a, b) => a - b);
      return {
        name: f.name,
        file: f.file,
        line: lines[0],
        lines,
        self: fnSelf[fi],
        total: fnTotal[fi],
        selfPct: pct(fnSelf[fi]),
        totalPct: pct(fnTotal[fi]),
      };
    })
    .sort((a, b) => b.total - a.total || b.self - a.self || a.name.localeCompare(b.name));
  const linePicked = heaviest(lineTotal, lineSelf, limit);
  const lines: LineStat[] = linePicked.ids
    .map((li) => {
      const f = frames[lineFrame[li]];
      return {
        file: f.file!,
        line: f.line!,
        self: lineSelf[li],
        total: lineTotal[li],
        selfPct: pct(lineSelf[li]),
        totalPct: pct(lineTotal[li]),
      };
    })
    .sort((a, b) => b.total - a.total || b.self - a.self);
  return { total, functions, lines, omittedFunctions: fnPicked.omitted, omittedLines: linePicked.omitted };
}

/**
 * Ids of entries with total > 0, the heaviest `limit` of them (by total, then self), and how
 * many sampled ones were left out. The cut is found on a sorted copy of the totals (a native
 * numeric sort), so millions of entries cost no comparator calls.
 */
function heaviest(total: Float64Array, self: Float64Array, limit: number): { ids: number[]; omitted: number } {
  let sampled = 0;
  for (let i = 0; i < total.length; i++) if (total[i] > 0) sampled++;
  const ids: number[] = [];
  if (sampled <= limit) {
    for (let i = 0; i < total.length; i++) if (total[i] > 0) ids.push(i);
    return { ids, omitted: 0 };
  }
  const sorted = total.slice().sort();
  const cut = sorted[sorted.length - limit];
  for (let i = 0; i < total.length; i++) if (total[i] > cut) ids.push(i);
  const ties: number[] = [];
  for (let i = 0; i < total.length; i++) if (total[i] === cut) ties.push(i);
  // Among equal totals, the larger self first; then file order.
  const room = limit - ids.length;
  const selfSorted = Float64Array.from(ties, (i) => self[i]).sort();
  const selfCut = selfSorted[selfSorted.length - room];
  for (const i of ties) if (self[i] > selfCut) ids.push(i);
  for (const i of ties) {
    if (ids.length >= limit) break;
    if (self[i] === selfCut) ids.push(i);
  }
  return { ids, omitted: sampled - ids.length };
}

const allThreads = new WeakMap<Profile, HotPaths>();

/**
 * Hot paths of a profile, computed once per profile object for all threads: a run's summary, its
 * lenses and its flame graph's table ask for the same numbers. Treat the result as read-only.
 */
export function hotPathsOf(profile: Profile, threads?: ThreadFilter): HotPaths {
  if (threads && threads.length > 0) return analyzeHotPaths(profile, threads);
  let hot = allThreads.get(profile);
  if (!hot) allThreads.set(profile, (hot = analyzeHotPaths(profile)));
  return hot;
}
