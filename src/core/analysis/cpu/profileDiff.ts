/**
 * The difference between two CPU profiles of the same program (a baseline run and a new run).
 * Profiles differ in length and sampling rate, so everything is compared as shares of each
 * profile's total, in percentage points. Functions are matched by name and file (lines move
 * between versions); the differential flame tree merges call paths of functions the same way.
 */
import { functionKey, totalWeight, type Profile } from '../../model/profile';
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

interface TrieNode {
  fn: number;
  base: number;
  cur: number;
  baseSelf: number;
  curSelf: number;
  children: Map<number, TrieNode>;
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
  const root: TrieNode = { fn: -1, base: 0, cur: 0, baseSelf: 0, curSelf: 0, children: new Map() };
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
    const selfKey = side === 'base' ? 'baseSelf' : 'curSelf';
    for (const t of p.threads) {
      for (let s = 0; s < t.stacks.length; s++) {
        const w = (100 * t.weights[s]) / total;
        let node = root;
        node[side] += w;
        for (const frame of t.stacks[s]) {
          const fn = ids[frame];
          let child = node.children.get(fn);
          if (!child)
            node.children.set(fn, (child = { fn, base: 0, cur: 0, baseSelf: 0, curSelf: 0, children: new Map() }));
          child[side] += w;
          node = child;
        }
        node[selfKey] += w;
      }
    }
  };
  add(base, 'base');
  add(cur, 'cur');

  let count = 0;
  const build = (shape: 'base' | 'cur'): DiffNode => {
    const make = (n: TrieNode): DiffNode => {
      const info = n.fn >= 0 ? fnInfo[n.fn] : { name: 'all' };
      return {
        name: info.name,
        file: 'file' in info ? info.file : undefined,
        line: 'line' in info ? info.line : undefined,
        value: n[shape],
        basePct: n.base,
        newPct: n.cur,
        delta: n.cur - n.base,
        baseSelfPct: n.baseSelf,
        newSelfPct: n.curSelf,
      };
    };
    // Breadth first, heaviest children first, until the node budget is spent.
    const top = make(root);
    let budget = maxNodes;
    const queue: [TrieNode, DiffNode][] = [[root, top]];
    while (queue.length > 0) {
      const [t, d] = queue.shift()!;
      const kids = [...t.children.values()].filter((c) => c[shape] > 0).sort((x, y) => y[shape] - x[shape]);
      const out: DiffNode[] = [];
      let rest = 0;
      let restBase = 0;
      let restCur = 0;
      let merged = 0;
      for (const c of kids) {
        if (budget > 0 && Math.max(c.base, c.cur) >= minPct) {
          budget--;
          const child = make(c);
          out.push(child);
          queue.push([c, child]);
        } else {
          rest += c[shape];
          restBase += c.base;
          restCur += c.cur;
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
  const tree = build('cur');
  const baseTree = build('base');
  return {
    baseTotal: totalWeight(base),
    newTotal: totalWeight(cur),
    unit: cur.unit,
    functions: diffFunctions(base, cur),
    tree,
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
