/**
 * The merged call tree of a profile (one node per distinct call path), stored in flat typed
 * arrays and built without recursion, so stacks thousands of frames deep and profiles with
 * millions of nodes neither overflow the stack nor allocate an object per node. Top-down, it is
 * the threads' stack tables merged node by node: linear in their size, whatever the depth.
 *
 * By default frames of one function (name and file) are one node whatever line they were at, as
 * the hot-function table and the CodeLenses count them; each node keeps its hottest line. With
 * `byLine`, every recorded line is a node of its own.
 */
import { PathTree } from '../../model/pathTree';
import {
  childLists,
  functionKey,
  selectedThreads,
  subtreeTotals,
  type Profile,
  type ProfileThread,
  type ThreadFilter,
} from '../../model/profile';

export interface CallTree {
  /** Node 0 is the root (no frame). */
  size: number;
  frame: Int32Array;
  parent: Int32Array;
  depth: Int32Array;
  total: Float64Array;
  self: Float64Array;
  /** Children of node n: childIds[childStart[n] .. childStart[n + 1]), heaviest first. */
  childStart: Int32Array;
  childIds: Int32Array;
  /**
   * Weight shown at a node nearer the root than its full path reaches, because the bottom-up
   * tree reached its size budget (0 for top-down trees, which are never cut).
   */
  cut: number;
  /** Merged by function: the line under which most of each node's weight was (0: none recorded). */
  hotLine?: Int32Array;
}

export interface CallTreeOptions {
  threads?: ThreadFilter;
  /** Bottom-up: leaves become roots (the "inverted call tree"). */
  reverse?: boolean;
  /** Bottom-up only: at most this many nodes, and this many steps walked (defaults: 4M, 200M). */
  maxNodes?: number;
  maxSteps?: number;
  /** One node per recorded line of a function instead of one per function. */
  byLine?: boolean;
}

/** Per frame id, the first frame id of the same function (name and file). */
export function functionFrames(profile: Profile): Int32Array {
  const first = new Map<string, number>();
  const out = new Int32Array(profile.frames.length);
  profile.frames.forEach((f, i) => {
    const k = functionKey(f);
    const id = first.get(k);
    if (id === undefined) first.set(k, i);
    out[i] = id ?? i;
  });
  return out;
}

/**
 * Weight per (node, line), for the hottest line of each merged node: typed arrays for the first
 * line a node meets, a Map only for the nodes that met several.
 */
class LineTally {
  private line: Int32Array;
  private weight: Float64Array;

  /** `expected`: about how many nodes (sized for them, the arrays are not grown on the way). */
  constructor(expected = 1024) {
    this.line = new Int32Array(Math.max(1024, expected + 1));
    this.weight = new Float64Array(this.line.length);
  }
  private readonly more = new Map<number, Map<number, number>>();

  add(node: number, line: number | undefined, w: number): void {
    if (!line || w === 0) return;
    if (node >= this.line.length) {
      const size = Math.max(node + 1, this.line.length * 2);
      const l = new Int32Array(size);
      l.set(this.line);
      const wt = new Float64Array(size);
      wt.set(this.weight);
      this.line = l;
      this.weight = wt;
    }
    if (this.line[node] === 0 || this.line[node] === line) {
      this.line[node] = line;
      this.weight[node] += w;
      return;
    }
    let m = this.more.get(node);
    if (!m) this.more.set(node, (m = new Map()));
    m.set(line, (m.get(line) ?? 0) + w);
  }

  finish(size: number): Int32Array {
    const out = new Int32Array(size);
    out.set(this.line.subarray(0, Math.min(size, this.line.length)));
    for (const [node, m] of this.more) {
      let best = this.weight[node];
      for (const [line, w] of m) {
        if (w > best || (w === best && line < out[node])) {
          best = w;
          out[node] = line;
        }
      }
    }
    return out;
  }
}

export function buildCallTree(profile: Profile, options: CallTreeOptions = {}): CallTree {
  const threads = selectedThreads(profile, options.threads);
  // Top-down, the tree has at most as many nodes as the stack tables: sized for that, its hash
  // table is never rehashed (rehashing a million nodes in doublings cost more than the build).
  const stackNodes = threads.reduce((a, t) => a + t.frame.length, 0);
  const tree = new PathTree(options.reverse ? undefined : stackNodes);
  let self = new Float64Array(options.reverse ? 1024 : stackNodes + 1);
  const addSelf = (node: number, w: number) => {
    if (node >= self.length) {
      const grown = new Float64Array(Math.max(node + 1, self.length * 2));
      grown.set(self);
      self = grown;
    }
    self[node] += w;
  };
  const key = options.byLine ? undefined : functionFrames(profile);
  const lines = key ? new LineTally(options.reverse ? undefined : stackNodes) : undefined;
  const frames = profile.frames;
  let cut = 0;
  if (!options.reverse) {
    // Top-down: the threads' stack tables merged, node by node (parents come first).
    // Paths that carry no weight (a span with no time of its own and nothing below) are left out.
    for (const t of threads) {
      const sub = subtreeTotals(t);
      const map = new Int32Array(t.frame.length);
      for (let i = 1; i < map.length; i++) {
        if (sub[i] === 0) continue;
        const f = t.frame[i];
        map[i] = tree.child(map[t.parent[i]], key ? key[f] : f);
        lines?.add(map[i], frames[f].line, sub[i]);
      }
      for (let i = 0; i < map.length; i++) if (t.weights[i] !== 0) addSelf(map[i], t.weights[i]);
    }
  } else {
    cut = buildBottomUp(
      threads,
      tree,
      addSelf,
      options.maxNodes ?? 4_000_000,
      options.maxSteps ?? 200_000_000,
      key,
      lines && ((node, f, w) => lines.add(node, frames[f].line, w)),
    );
  }
  const out = finish(tree.size, tree.keys(), tree.parents(), self, cut);
  if (lines) out.hotLine = lines.finish(out.size);
  return out;
}

/**
 * Bottom-up: each weighted path walked from its innermost frame out. The tree has a node per
 * distinct path suffix, which for deep recursion is the square of the depth: past the budget,
 * the heaviest paths keep their full callers and the rest stop at the deepest node they reach
 * (counted in `cut`). The first level, each function's own self weight, is always complete.
 */
function buildBottomUp(
  threads: readonly ProfileThread[],
  tree: PathTree,
  addSelf: (node: number, w: number) => void,
  maxNodes: number,
  maxSteps: number,
  key: Int32Array | undefined,
  onStep: ((node: number, frame: number, w: number) => void) | undefined,
): number {
  // The weighted paths, and how many steps walking them all would take.
  let count = 0;
  let steps = 0;
  for (const t of threads) {
    const depth = new Int32Array(t.frame.length);
    for (let i = 1; i < depth.length; i++) {
      depth[i] = depth[t.parent[i]] + 1;
      if (t.weights[i] !== 0) {
        count++;
        steps += depth[i];
      }
    }
    if (t.weights[0] !== 0) addSelf(0, t.weights[0]);
  }
  const entThread = new Int32Array(count);
  const entNode = new Int32Array(count);
  let e = 0;
  threads.forEach((t, ti) => {
    for (let i = 1; i < t.frame.length; i++) {
      if (t.weights[i] !== 0) {
        entThread[e] = ti;
        entNode[e++] = i;
      }
    }
  });
  // Within budget, any order gives the same tree. Past it, the heaviest paths go first: a
  // counting sort on the weight's power of two (heaviest first to within a factor of two).
  const limited = steps > maxSteps || steps > maxNodes;
  let order: Int32Array | undefined;
  if (limited) {
    const bucketOf = (w: number) => 63 - Math.max(-64, Math.min(63, Math.floor(Math.log2(Math.abs(w)))));
    const counts = new Int32Array(129);
    for (let k = 0; k < count; k++) counts[bucketOf(threads[entThread[k]].weights[entNode[k]]) + 1]++;
    for (let b = 0; b < 128; b++) counts[b + 1] += counts[b];
    order = new Int32Array(count);
    for (let k = 0; k < count; k++) order[counts[bucketOf(threads[entThread[k]].weights[entNode[k]])]++] = k;
  }
  let walked = 0;
  let cut = 0;
  for (let j = 0; j < count; j++) {
    const k = order ? order[j] : j;
    const t = threads[entThread[k]];
    const n = entNode[k];
    const w = t.weights[n];
    let node = tree.child(0, key ? key[t.frame[n]] : t.frame[n]);
    onStep?.(node, t.frame[n], w);
    let up = t.parent[n];
    for (; up > 0; up = t.parent[up]) {
      if (limited && walked >= maxSteps) break;
      walked++;
      const f = key ? key[t.frame[up]] : t.frame[up];
      const next = tree.size < maxNodes ? tree.child(node, f) : tree.find(node, f);
      if (next < 0) break;
      node = next;
      onStep?.(node, t.frame[up], w);
    }
    if (up > 0) cut += w;
    addSelf(node, w);
  }
  return cut;
}

function finish(size: number, frame: Int32Array, parent: Int32Array, selfGrown: Float64Array, cut: number): CallTree {
  const self = new Float64Array(size);
  self.set(selfGrown.subarray(0, Math.min(size, selfGrown.length)));
  const total = Float64Array.from(self);
  for (let i = size - 1; i > 0; i--) total[parent[i]] += total[i];
  const depth = new Int32Array(size);
  for (let i = 1; i < size; i++) depth[i] = depth[parent[i]] + 1;
  // Children lists (CSR), heaviest first.
  const { start: childStart, kids: childIds } = childLists(parent);
  for (let n = 0; n < size; n++) {
    const a = childStart[n];
    const b = childStart[n + 1];
    if (b - a > 1) childIds.subarray(a, b).sort((x, y) => total[y] - total[x] || x - y);
  }
  return { size, frame, parent, depth, total, self, childStart, childIds, cut };
}

/** Path of node ids from the root (exclusive) down to `node` (inclusive). */
export function pathTo(tree: CallTree, node: number): number[] {
  const path: number[] = [];
  for (let n = node; n > 0; n = tree.parent[n]) path.push(n);
  return path.reverse();
}
