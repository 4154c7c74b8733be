/**
 * The merged call tree of a profile (one node per distinct call path), stored in flat typed
 * arrays and built without recursion, so stacks thousands of frames deep and profiles with
 * millions of nodes neither overflow the stack nor allocate an object per node.
 */
import { selectedThreads, type Profile, type ThreadFilter } from '../../model/profile';

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
  // (parent, frame) -> child: an open-addressing hash table in typed arrays; a Map of
  // hundreds of thousands of entries costs several times more.
  let slots = 1 << 12;
  let slotParent = new Int32Array(slots).fill(-1);
  let slotFrame = new Int32Array(slots);
  let slotChild = new Int32Array(slots);
  let used = 0;
  const hash = (p: number, f: number) => (Math.imul(p, 0x9e3779b1) ^ Math.imul(f + 1, 0x85ebca6b)) >>> 0;
  const rehash = () => {
    const oldP = slotParent;
    const oldF = slotFrame;
    const oldC = slotChild;
    slots *= 2;
    slotParent = new Int32Array(slots).fill(-1);
    slotFrame = new Int32Array(slots);
    slotChild = new Int32Array(slots);
    const mask = slots - 1;
    for (let i = 0; i < oldP.length; i++) {
      if (oldP[i] < 0) continue;
      let h = hash(oldP[i], oldF[i]) & mask;
      while (slotParent[h] >= 0) h = (h + 1) & mask;
      slotParent[h] = oldP[i];
      slotFrame[h] = oldF[i];
      slotChild[h] = oldC[i];
    }
  };

  const grow = () => {
    cap *= 2;
    const f = new Int32Array(cap);
    f.set(frame);
    frame = f;
    const p = new Int32Array(cap);
    p.set(parent);
    parent = p;
    const d = new Int32Array(cap);
    d.set(depth);
    depth = d;
    const t = new Float64Array(cap);
    t.set(total);
    total = t;
    const s = new Float64Array(cap);
    s.set(self);
    self = s;
  };

  let prevFrames: number[] = [];
  let prevNodes: number[] = [];
  let prevLen = 0;
  for (const thread of selectedThreads(profile, options.threads)) {
    const { stacks, weights } = thread;
    prevFrames = [];
    prevNodes = [];
    prevLen = 0;
    for (let si = 0; si < stacks.length; si++) {
      const stack = stacks[si];
      const w = weights[si];
      let node = 0;
      total[0] += w;
      const n = stack.length;
      // Stacks share long prefixes (the program's trunk): reuse the previous stack's nodes
      // for the common prefix instead of looking each one up again.
      let k = 0;
      const limit = Math.min(n, prevLen);
      while (k < limit && (options.reverse ? stack[n - 1 - k] : stack[k]) === prevFrames[k]) {
        node = prevNodes[k];
        total[node] += w;
        k++;
      }
      for (; k < n; k++) {
        const fr = options.reverse ? stack[n - 1 - k] : stack[k];
        const mask = slots - 1;
        let h = hash(node, fr) & mask;
        let child = -1;
        while (slotParent[h] >= 0) {
          if (slotParent[h] === node && slotFrame[h] === fr) {
            child = slotChild[h];
            break;
          }
          h = (h + 1) & mask;
        }
        if (child < 0) {
          if (size === cap) grow();
          child = size++;
          frame[child] = fr;
          parent[child] = node;
          depth[child] = depth[node] + 1;
          slotParent[h] = node;
          slotFrame[h] = fr;
          slotChild[h] = child;
          if (++used * 2 > slots) rehash();
        }
        total[child] += w;
        node = child;
        prevFrames[k] = fr;
        prevNodes[k] = child;
      }
      prevLen = n;
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
