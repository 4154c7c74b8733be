/**
 * Callers and callees of one function ("sandwich" view), aggregated by function (name and
 * file). Each sample counts once per caller and once per callee, so recursion does not inflate
 * the numbers.
 */
import { functionKey, selectedThreads, type Profile, type ThreadFilter } from '../../model/profile';

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
  const callers = new Map<string, { entry: SandwichEntry; stamp: number }>();
  const callees = new Map<string, { entry: SandwichEntry; stamp: number }>();
  let self = 0;
  let total = 0;
  let grandTotal = 0;
  let stamp = 0;
  const bump = (map: typeof callers, frameIdx: number, w: number) => {
    const key = keyOf[frameIdx];
    let e = map.get(key);
    if (!e) {
      const f = profile.frames[frameIdx];
      e = { entry: { name: f.name, file: f.file, line: f.line, weight: 0, pct: 0 }, stamp: -1 };
      map.set(key, e);
    }
    if (e.stamp !== stamp) {
      e.stamp = stamp;
      e.entry.weight += w;
    }
  };
  for (const t of selectedThreads(profile, threads)) {
    for (let s = 0; s < t.stacks.length; s++) {
      const stack = t.stacks[s];
      const w = t.weights[s];
      grandTotal += w;
      stamp++;
      let seen = false;
      for (let k = 0; k < stack.length; k++) {
        if (!isTarget[stack[k]]) continue;
        seen = true;
        if (k > 0 && !isTarget[stack[k - 1]]) bump(callers, stack[k - 1], w);
        if (k + 1 < stack.length && !isTarget[stack[k + 1]]) bump(callees, stack[k + 1], w);
      }
      if (seen) total += w;
      if (stack.length > 0 && isTarget[stack[stack.length - 1]]) self += w;
    }
  }
  const finish = (m: typeof callers) =>
    [...m.values()]
      .map((e) => ({ ...e.entry, pct: total > 0 ? (100 * e.entry.weight) / total : 0 }))
      .sort((a, b) => b.weight - a.weight);
  return { name, file, self, total, callers: finish(callers), callees: finish(callees), grandTotal };
}
