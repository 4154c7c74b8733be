/**
 * The difference between two CPU profiles of the same program (a baseline run and a new run).
 * Profiles differ in length and sampling rate, so everything is compared as shares of each
 * profile's total, in percentage points. Functions are matched by name and file (lines move
 * between versions); the differential flame tree merges call paths of functions the same way.
 */
import { PathTree } from '../../model/pathTree';
import { childLists, functionKey, totalWeight, type Profile } from '../../model/profile';
import { hotPathsOf } from './hotPaths';

export interface FunctionDiff {
  name: string;
  file?: string;
  /** First sampled line in the new profile (else in the baseline). */
  line?: number;
  lines: number[];
  baseSelfPct: number;
  newSelfPct: number;
  selfDeltaPts: number;
  baseTotalPct: number;
  newTotalPct: number;
  totalDeltaPts: number;
}

export interface DiffNode {
  name: string;
  file?: string;
  line?: number;
  /** Width in the drawn shape: the new share, or the baseline's in baseline shape (percent). */
  value: number;
  basePct: number;
  newPct: number;
  /** newPct − basePct (total, percentage points). */
  delta: number;
  baseSelfPct: number;
  newSelfPct: number;
  children?: DiffNode[];
  /** Narrow frames merged into this node. */
  merged?: number;
}

export interface ProfileDiff {
  baseTotal: number;
  newTotal: number;
  unit: string;
  functions: FunctionDiff[];
  /** Call tree drawn with the new profile's widths, coloured by `delta`. */
  tree: DiffNode;
  /** The same tree with the baseline's widths (frames that disappeared are visible here). */
  baseTree: DiffNode;
  nodeCount: number;
}

export function diffFunctions(base: Profile, cur: Profile): FunctionDiff[] {
  const a = hotPathsOf(base);
  const b = hotPathsOf(cur);
  const key = (f: { name: string; file?: string }) => `${f.name}\u0000${f.file ?? ''}`;
  const rows = new Map<string, FunctionDiff>();
  for (const f of b.functions) {
    rows.set(key(f), {
      name: f.name,
      file: f.file,
      line: f.line,
      lines: f.lines,
      baseSelfPct: 0,
      newSelfPct: f.selfPct,
      selfDeltaPts: f.selfPct,
      baseTotalPct: 0,
      newTotalPct: f.totalPct,
      totalDeltaPts: f.totalPct,
    });
  }
  for (const f of a.functions) {
    const r = rows.get(key(f));
    if (r) {
      r.baseSelfPct = f.selfPct;
      r.baseTotalPct = f.totalPct;
      r.selfDeltaPts = r.newSelfPct - f.selfPct;
      r.totalDeltaPts = r.newTotalPct - f.totalPct;
      if (r.line === undefined) r.line = f.line;
    } else {
      rows.set(key(f), {
        name: f.name,
        file: f.file,
        line: f.line,
        lines: f.lines,
        baseSelfPct: f.selfPct,
        newSelfPct: 0,
        selfDeltaPts: -f.selfPct,
        baseTotalPct: f.totalPct,
        newTotalPct: 0,
        totalDeltaPts: -f.totalPct,
      });
    }
  }
  return [...rows.values()].sort(
    (x, y) => y.selfDeltaPts - x.selfDeltaPts || y.totalDeltaPts - x.totalDeltaPts || x.name.localeCompare(y.name),
  );
}

export interface DiffTreeOptions {
  /** Frames narrower than this share (percent, in both profiles) are merged per parent. */
  minPct?: number;
  maxNodes?: number;
}

export function diffProfiles(base: Profile, cur: Profile, options: DiffTreeOptions = {}): ProfileDiff {
  const minPct = options.minPct ?? 0.05;
  const maxNodes = options.maxNodes ?? 4000;
  const fnIds = new Map<string, number>();
  const fnInfo: { name: string; file?: string; line?: number }[] = [];
  // Both profiles' call paths merged by function into one prefix tree, node by node from the
  // threads' stack tables (linear in their size, whatever the depth), with each side's self
  // share per node; totals are one backward pass.
  const tree = new PathTree();
  const self: Record<'base' | 'cur', Float64Array> = { base: new Float64Array(1024), cur: new Float64Array(1024) };
  const addSelf = (side: 'base' | 'cur', node: number, w: number) => {
    if (node >= self[side].length) {
      for (const k of ['base', 'cur'] as const) {
        const grown = new Float64Array(Math.max(node + 1, self[k].length * 2));
        grown.set(self[k]);
        self[k] = grown;
      }
    }
    self[side][node] += w;
  };
  const add = (p: Profile, side: 'base' | 'cur') => {
    const ids = p.frames.map((f) => {
      const k = functionKey(f);
      let id = fnIds.get(k);
      if (id === undefined) {
        id = fnInfo.length;
        fnIds.set(k, id);
        fnInfo.push({ name: f.name, file: f.file, line: f.line });
      }
      return id;
    });
    const total = totalWeight(p) || 1;
    for (const t of p.threads) {
      const map = new Int32Array(t.frame.length);
      for (let i = 1; i < map.length; i++) map[i] = tree.child(map[t.parent[i]], ids[t.frame[i]]);
      for (let i = 0; i < map.length; i++) if (t.weights[i] !== 0) addSelf(side, map[i], (100 * t.weights[i]) / total);
    }
  };
  add(base, 'base');
  add(cur, 'cur');

  const size = tree.size;
  const parent = tree.parents();
  const fnOfNode = tree.keys();
  const selfOf = (side: 'base' | 'cur') => {
    const out = new Float64Array(size);
    out.set(self[side].subarray(0, Math.min(size, self[side].length)));
    return out;
  };
  const baseSelf = selfOf('base');
  const curSelf = selfOf('cur');
  const totals = { base: Float64Array.from(baseSelf), cur: Float64Array.from(curSelf) };
  for (let i = size - 1; i > 0; i--) {
    totals.base[parent[i]] += totals.base[i];
    totals.cur[parent[i]] += totals.cur[i];
  }
  const { start, kids } = childLists(parent);

  let count = 0;
  const build = (shape: 'base' | 'cur'): DiffNode => {
    const make = (n: number): DiffNode => {
      const info = n > 0 ? fnInfo[fnOfNode[n]] : { name: 'all' };
      return {
        name: info.name,
        file: 'file' in info ? info.file : undefined,
        line: 'line' in info ? info.line : undefined,
        value: totals[shape][n],
        basePct: totals.base[n],
        newPct: totals.cur[n],
        delta: totals.cur[n] - totals.base[n],
        baseSelfPct: baseSelf[n],
        newSelfPct: curSelf[n],
      };
    };
    // Breadth first, heaviest children first, until the node budget is spent.
    const top = make(0);
    let budget = maxNodes;
    const queue: [number, DiffNode][] = [[0, top]];
    for (let qi = 0; qi < queue.length; qi++) {
      const [t, d] = queue[qi];
      const children = Array.from(kids.subarray(start[t], start[t + 1]))
        .filter((c) => totals[shape][c] > 0)
        .sort((x, y) => totals[shape][y] - totals[shape][x]);
      const out: DiffNode[] = [];
      let rest = 0;
      let restBase = 0;
      let restCur = 0;
      let merged = 0;
      for (const c of children) {
        if (budget > 0 && Math.max(totals.base[c], totals.cur[c]) >= minPct) {
          budget--;
          const child = make(c);
          out.push(child);
          queue.push([c, child]);
        } else {
          rest += totals[shape][c];
          restBase += totals.base[c];
          restCur += totals.cur[c];
          merged++;
        }
      }
      if (merged > 0)
        out.push({
          name: `… ${merged} more`,
          value: rest,
          basePct: restBase,
          newPct: restCur,
          delta: restCur - restBase,
          baseSelfPct: 0,
          newSelfPct: 0,
          merged,
        });
      if (out.length) d.children = out;
    }
    count = Math.max(count, maxNodes - budget + 1);
    return top;
  };
  const tree0 = build('cur');
  const baseTree = build('base');
  return {
    baseTotal: totalWeight(base),
    newTotal: totalWeight(cur),
    unit: cur.unit,
    functions: diffFunctions(base, cur),
    tree: tree0,
    baseTree,
    nodeCount: count,
  };
}

/** "▲ +6.2 pts self time vs baseline run" */
export function diffLensText(f: FunctionDiff, label = 'baseline run'): string {
  const d = f.selfDeltaPts;
  return `${d >= 0 ? '▲ +' : '▼ −'}${Math.abs(d).toFixed(1)} pts self time vs ${label} (${f.baseSelfPct.toFixed(1)}% → ${f.newSelfPct.toFixed(1)}%)`;
}

/** The functions the editor marks: self time grew by at least `minPts`, the `top` largest. */
export function grownFunctions(functions: readonly FunctionDiff[], top = 10, minPts = 0.5): FunctionDiff[] {
  return functions.filter((f) => f.selfDeltaPts >= minPts).slice(0, top);
}

/** What the differential flame graph view is sent. */
export interface DiffViewData {
  baseTitle: string;
  newTitle: string;
  unit: string;
  baseTotal: number;
  newTotal: number;
  tree: DiffNode;
  baseTree: DiffNode;
  functions: FunctionDiff[];
}

export function diffViewData(d: ProfileDiff, baseTitle: string, newTitle: string, maxFunctions = 500): DiffViewData {
  const functions = d.functions
    .filter((f) => Math.abs(f.selfDeltaPts) >= 0.005 || Math.abs(f.totalDeltaPts) >= 0.005)
    .sort((a, b) => Math.abs(b.selfDeltaPts) - Math.abs(a.selfDeltaPts))
    .slice(0, maxFunctions);
  return {
    baseTitle,
    newTitle,
    unit: d.unit,
    baseTotal: d.baseTotal,
    newTotal: d.newTotal,
    tree: d.tree,
    baseTree: d.baseTree,
    functions,
  };
}
