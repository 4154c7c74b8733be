/**
 * The merged call tree of a profile (one node per distinct call path), stored in flat typed
 * arrays and built without recursion, so stacks thousands of frames deep and profiles with
 * millions of nodes neither overflow the stack nor allocate an object per node.
 */
import type { Profile } from '../model/profile';
import { selectedThreads, type ThreadFilter } from './hotPaths';

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
}

export interface CallTreeOptions {
  threads?: ThreadFilter;
  /** Bottom-up: leaves become roots (the "inverted call tree"). */
  reverse?: boolean;
}

export function buildCallTree(profile: Profile, options: CallTreeOptions = {}): CallTree {
  let cap = 1024;
  let frame = new Int32Array(cap);
  let parent = new Int32Array(cap);
  let depth = new Int32Array(cap);
  let total = new Float64Array(cap);
  let self = new Float64Array(cap);
  frame[0] = -1;
  parent[0] = -1;
  let size = 1;
  const stride = profile.frames.length + 1;
  const index = new Map<number, number>();

  const grow = () => {
    cap *= 2;
    const f = new Int32Array(cap); f.set(frame); frame = f;
    const p = new Int32Array(cap); p.set(parent); parent = p;
    const d = new Int32Array(cap); d.set(depth); depth = d;
    const t = new Float64Array(cap); t.set(total); total = t;
    const s = new Float64Array(cap); s.set(self); self = s;
  };

  for (const thread of selectedThreads(profile, options.threads)) {
    const { stacks, weights } = thread;
    for (let si = 0; si < stacks.length; si++) {
      const stack = stacks[si];
      const w = weights[si];
      let node = 0;
      total[0] += w;
      const n = stack.length;
      for (let k = 0; k < n; k++) {
        const fr = options.reverse ? stack[n - 1 - k] : stack[k];
        const key = node * stride + fr;
        let child = index.get(key);
        if (child === undefined) {
          if (size === cap) grow();
          child = size++;
          frame[child] = fr;
          parent[child] = node;
          depth[child] = depth[node] + 1;
          index.set(key, child);
        }
        total[child] += w;
        node = child;
      }
      self[node] += w;
    }
  }

  // Children lists (CSR), heaviest first.
  const childCount = new Int32Array(size + 1);
  for (let i = 1; i < size; i++) childCount[parent[i] + 1]++;
  const childStart = new Int32Array(size + 1);
  for (let i = 0; i < size; i++) childStart[i + 1] = childStart[i] + childCount[i + 1];
  const fill = childStart.slice(0, size);
  const childIds = new Int32Array(Math.max(0, size - 1));
  for (let i = 1; i < size; i++) childIds[fill[parent[i]]++] = i;
  for (let n = 0; n < size; n++) {
    const a = childStart[n];
    const b = childStart[n + 1];
    if (b - a > 1) {
      const sorted = Array.from(childIds.subarray(a, b)).sort((x, y) => total[y] - total[x]);
      childIds.set(sorted, a);
    }
  }
  return {
    size,
    frame: frame.subarray(0, size),
    parent: parent.subarray(0, size),
    depth: depth.subarray(0, size),
    total: total.subarray(0, size),
    self: self.subarray(0, size),
    childStart,
    childIds,
  };
}

/** Path of node ids from the root (exclusive) down to `node` (inclusive). */
export function pathTo(tree: CallTree, node: number): number[] {
  const path: number[] = [];
  for (let n = node; n > 0; n = tree.parent[n]) path.push(n);
  return path.reverse();
}
