/**
 * Per-function and per-line self and total weight. A function's total counts each sample once,
 * however many times the function appears on that sample's stack (recursion), and functions
 * are aggregated across threads and call sites by name and file.
 */
import { functionKey, selectedThreads, type Frame, type Profile, type ThreadFilter } from '../../model/profile';

export interface FunctionStat {
  name: string;
  file?: string;
  /** Smallest line sampled in the function: a hint for where it starts. */
  line?: number;
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
  functions: FunctionStat[];
  lines: LineStat[];
}

export function analyzeHotPaths(profile: Profile, threads?: ThreadFilter): HotPaths {
  const frames = profile.frames;
  const funcOf = new Int32Array(frames.length);
  const funcs: { frame: Frame; lines: Set<number>; self: number; total: number; stamp: number }[] = [];
  const funcIndex = new Map<string, number>();
  const lineOf = new Int32Array(frames.length).fill(-1);
  const lineStats: { file: string; line: number; self: number; total: number; stamp: number }[] = [];
  const lineIndex = new Map<string, number>();

  frames.forEach((f, i) => {
    const key = functionKey(f);
    let fi = funcIndex.get(key);
    if (fi === undefined) {
      fi = funcs.length;
      funcIndex.set(key, fi);
      funcs.push({ frame: f, lines: new Set(), self: 0, total: 0, stamp: -1 });
    }
    funcOf[i] = fi;
    if (f.line !== undefined) funcs[fi].lines.add(f.line);
    if (f.file !== undefined && f.line !== undefined) {
      const lk = `${f.file}\u0000${f.line}`;
      let li = lineIndex.get(lk);
      if (li === undefined) {
        li = lineStats.length;
        lineIndex.set(lk, li);
        lineStats.push({ file: f.file, line: f.line, self: 0, total: 0, stamp: -1 });
      }
      lineOf[i] = li;
    }
  });

  let total = 0;
  let stamp = 0;
  for (const thread of selectedThreads(profile, threads)) {
    const { stacks, weights } = thread;
    for (let s = 0; s < stacks.length; s++) {
      const stack = stacks[s];
      const w = weights[s];
      total += w;
      stamp++;
      for (let k = 0; k < stack.length; k++) {
        const fr = stack[k];
        const fn = funcs[funcOf[fr]];
        if (fn.stamp !== stamp) {
          fn.stamp = stamp;
          fn.total += w;
        }
        const li = lineOf[fr];
        if (li >= 0 && lineStats[li].stamp !== stamp) {
          lineStats[li].stamp = stamp;
          lineStats[li].total += w;
        }
      }
      if (stack.length > 0) {
        const leaf = stack[stack.length - 1];
        funcs[funcOf[leaf]].self += w;
        const li = lineOf[leaf];
        if (li >= 0) lineStats[li].self += w;
      }
    }
  }
  const pct = (v: number) => (total > 0 ? (100 * v) / total : 0);
  const functions: FunctionStat[] = funcs
    .filter((f) => f.total > 0)
    .map((f) => {
      const lines = [...f.lines].sort((a, b) => a - b);
      return {
        name: f.frame.name,
        file: f.frame.file,
        line: lines[0],
        lines,
        self: f.self,
        total: f.total,
        selfPct: pct(f.self),
        totalPct: pct(f.total),
      };
    })
    .sort((a, b) => b.total - a.total || b.self - a.self || a.name.localeCompare(b.name));
  const lines: LineStat[] = lineStats
    .filter((l) => l.total > 0)
    .map((l) => ({
      file: l.file,
      line: l.line,
      self: l.self,
      total: l.total,
      selfPct: pct(l.self),
      totalPct: pct(l.total),
    }))
    .sort((a, b) => b.total - a.total || b.self - a.self);
  return { total, functions, lines };
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
