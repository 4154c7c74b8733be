/**
 * Callers and callees of one function ("sandwich" view), aggregated by function (name and
 * file). Each sample counts once per caller and once per callee, so recursion does not inflate
 * the numbers.
 */
import {
  functionKey,
  selectedThreads,
  subtreeTotals,
  walkStacks,
  type Profile,
  type ThreadFilter,
} from '../../model/profile';

export interface SandwichEntry {
  name: string;
  file?: string;
  line?: number;
  weight: number;
  pct: number;
}

export interface Sandwich {
  name: string;
  file?: string;
  self: number;
  total: number;
  callers: SandwichEntry[];
  callees: SandwichEntry[];
  grandTotal: number;
}

export function buildSandwich(
  profile: Profile,
  name: string,
  file: string | undefined,
  threads?: ThreadFilter,
  keys?: readonly string[],
): Sandwich {
  const target = functionKey({ name, file, kind: 'other' });
  const keyOf = keys ?? profile.frames.map((f) => functionKey(f));
  const isTarget = keyOf.map((k) => k === target);
  // Functions as small integers, each with its entry and how often it is open on the path.
  const idOfKey = new Map<string, number>();
  const fnOf = new Int32Array(keyOf.length);
  const entries: { caller?: SandwichEntry; callee?: SandwichEntry; frame: number }[] = [];
  keyOf.forEach((k, i) => {
    let id = idOfKey.get(k);
    if (id === undefined) {
      id = entries.length;
      idOfKey.set(k, id);
      entries.push({ frame: i });
    }
    fnOf[i] = id;
  });
  const entry = (side: 'caller' | 'callee', fn: number): SandwichEntry => {
    const e = entries[fn];
    let v = e[side];
    if (!v) {
      const f = profile.frames[e.frame];
      v = e[side] = { name: f.name, file: f.file, line: f.line, weight: 0, pct: 0 };
    }
    return v;
  };
  const callerOpen = new Int32Array(entries.length);
  const calleeOpen = new Int32Array(entries.length);
  let targetOpen = 0;
  let self = 0;
  let total = 0;
  let grandTotal = 0;
  // Depth first over each thread's stack table: a node adds its subtree's weight to a caller
  // or callee only when that one is not already counted on the path above (recursion).
  for (const t of selectedThreads(profile, threads)) {
    const sub = subtreeTotals(t);
    grandTotal += sub[0];
    const { frame, parent } = t;
    const step = (n: number, d: 1 | -1) => {
      const f = frame[n];
      const p = parent[n];
      const parentIsTarget = p > 0 && isTarget[frame[p]];
      if (isTarget[f]) {
        if (d === 1) {
          if (targetOpen === 0) total += sub[n];
          self += t.weights[n];
        }
        targetOpen += d;
        if (p > 0 && !parentIsTarget) {
          const c = fnOf[frame[p]];
          if (d === 1 && callerOpen[c] === 0) entry('caller', c).weight += sub[n];
          callerOpen[c] += d;
        }
      } else if (parentIsTarget) {
        const c = fnOf[f];
        if (d === 1 && calleeOpen[c] === 0) entry('callee', c).weight += sub[n];
        calleeOpen[c] += d;
      }
    };
    walkStacks(
      t,
      (n) => step(n, 1),
      (n) => step(n, -1),
    );
  }
  const callers = entries.flatMap((e) => (e.caller ? [e.caller] : []));
  const callees = entries.flatMap((e) => (e.callee ? [e.callee] : []));
  const finish = (list: SandwichEntry[]) =>
    list
      .filter((e) => e.weight > 0)
      .map((e) => ({ ...e, pct: total > 0 ? (100 * e.weight) / total : 0 }))
      .sort((a, b) => b.weight - a.weight);
  return { name, file, self, total, callers: finish(callers), callees: finish(callees), grandTotal };
}
