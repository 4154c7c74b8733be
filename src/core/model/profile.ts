/**
 * The sampled CPU profile every CPU format is parsed into. Plain data, serialisable to JSON.
 *
 * Frames are interned: a frame is an index into `frames`. Each thread keeps its distinct call
 * paths as a prefix tree of frame indices with a weight per node (model/pathTree), so per-thread
 * views and the "all threads" view are both cheap to derive, and a path 100,000 frames deep
 * costs one node per frame, shared with every path that starts the same way.
 */
import { PathTree } from './pathTree';

export type FrameKind = 'python' | 'native' | 'thread' | 'process' | 'other';

export interface Frame {
  /** Function name as the profiler wrote it (e.g. `forward`, `<module>`, `PyEval_EvalFrame`). */
  name: string;
  /** Source file as recorded (may be relative, short, or from another machine). */
  file?: string;
  /** 1-based line being executed in that frame, when recorded. */
  line?: number;
  kind: FrameKind;
}

export interface ProfileThread {
  /** Stable id within the profile: a thread id, or a name when no id was recorded. */
  id: string;
  name: string;
  /**
   * The thread's distinct call paths as a prefix tree (a "stack table"): node i is the frame
   * `frame[i]` (an index into `Profile.frames`) called from node `parent[i]`. Node 0 is the root
   * (no frame, parent -1); a parent always comes before its children. One node per distinct
   * path prefix, so memory follows the size of the file, never the square of its depth.
   */
  frame: Int32Array;
  parent: Int32Array;
  /** Weight of the samples whose innermost frame is node i (0 where paths only pass through). */
  weights: Float64Array;
  /** The samples in time order, when the file says when each was taken (see TimeOrder). */
  order?: TimeOrder;
}

/**
 * A thread's samples in the order they were taken: sample k is the path ending at node
 * `node[k]`, from `start[k]` for `dur[k]` microseconds (on the file's clock: threads of one
 * file share it), starts never going back. `clock` says what the times are: 'wall' where the file gives each sample's time
 * (the built-in sampler, evented files), 'cumulative' where it gives only durations and time
 * is their running sum (sampled speedscope files, as speedscope draws them: idle gaps left out).
 */
export interface TimeOrder {
  node: Int32Array;
  start: Float64Array;
  dur: Float64Array;
  clock: 'wall' | 'cumulative';
}

export type WeightUnit = 'samples' | 'nanoseconds' | 'microseconds' | 'milliseconds' | 'seconds' | 'bytes' | 'none';

export type ProfileFormat = 'collapsed' | 'pyspy-raw' | 'speedscope' | 'austin' | 'flamelens-builtin' | 'torch-trace';

export interface Profile {
  format: ProfileFormat;
  /** What a weight counts. Samples for samplers; time for austin and evented speedscope files. */
  unit: WeightUnit;
  frames: Frame[];
  threads: ProfileThread[];
  /** Free-form facts from the file header (sampler, interval, mode, …). */
  meta: Record<string, string>;
}

/** Which threads to include; all when absent or empty. */
export type ThreadFilter = readonly string[] | undefined;

export function selectedThreads(profile: Profile, threads: ThreadFilter) {
  if (!threads || threads.length === 0) return profile.threads;
  const want = new Set(threads);
  return profile.threads.filter((t) => want.has(t.id));
}

/** Sum of all weights in the profile. */
export function totalWeight(profile: Profile): number {
  let total = 0;
  for (const thread of profile.threads) {
    for (const w of thread.weights) total += w;
  }
  return total;
}

/** Each thread's summed weight, in the profile's thread order. */
export function threadTotals(profile: Profile): { id: string; name: string; weight: number }[] {
  return profile.threads.map((t) => {
    let weight = 0;
    for (const w of t.weights) weight += w;
    return { id: t.id, name: t.name, weight };
  });
}

/** Identity of a function across call sites: name and file (the line moves within a function). */
export function functionKey(frame: Frame): string {
  return `${frame.name}\u0000${frame.file ?? ''}`;
}

/** Interns frames while a parser builds a profile. */
export class FrameTable {
  readonly frames: Frame[] = [];
  private readonly byKey = new Map<string, number>();

  intern(key: string, make: () => Frame): number {
    let id = this.byKey.get(key);
    if (id === undefined) {
      id = this.frames.length;
      this.frames.push(make());
      this.byKey.set(key, id);
    }
    return id;
  }
}

/**
 * Accumulates one thread's samples into its stack table. Samplers give whole stacks (`add`);
 * evented and nested formats walk the tree one frame at a time (`node`, `addAt`), so a span
 * inside 100,000 others costs one node, not a copy of its 100,000 ancestors.
 */
export class ThreadBuilder {
  private readonly tree = new PathTree();
  private w = new Float64Array(16);
  constructor(
    readonly id: string,
    public name: string,
  ) {}

  /** The node of `frame` called from node `parent` (0: the root), created when new. */
  node(parent: number, frame: number): number {
    return this.tree.child(parent, frame);
  }

  /** Adds weight to the path that ends at `node`. */
  addAt(node: number, weight: number): void {
    if (node >= this.w.length) {
      const grown = new Float64Array(Math.max(node + 1, this.w.length * 2));
      grown.set(this.w);
      this.w = grown;
    }
    this.w[node] += weight;
  }

  /** Adds a sample with its stack given root first; returns the node its path ends at. */
  add(stack: ArrayLike<number>, weight: number): number {
    let n = 0;
    for (let i = 0; i < stack.length; i++) n = this.tree.child(n, stack[i]);
    this.addAt(n, weight);
    return n;
  }

  private seq?: { node: Int32Array; start: Float64Array; dur: Float64Array; n: number; clock: TimeOrder['clock'] };

  /** Records that the path ending at `node` ran from `start` for `dur` µs (calls in time order). */
  at(node: number, start: number, dur: number, clock: TimeOrder['clock']): void {
    let q = this.seq;
    if (!q)
      q = this.seq = {
        node: new Int32Array(256),
        start: new Float64Array(256),
        dur: new Float64Array(256),
        n: 0,
        clock,
      };
    if (q.n === q.node.length) {
      const grow = <T extends Int32Array | Float64Array>(a: T, make: (n: number) => T): T => {
        const b = make(a.length * 2);
        b.set(a);
        return b;
      };
      q.node = grow(q.node, (k) => new Int32Array(k));
      q.start = grow(q.start, (k) => new Float64Array(k));
      q.dur = grow(q.dur, (k) => new Float64Array(k));
    }
    q.node[q.n] = node;
    q.start[q.n] = start;
    q.dur[q.n] = dur;
    q.n++;
  }

  /** Node count so far (the root included). */
  get size(): number {
    return this.tree.size;
  }

  build(): ProfileThread {
    const size = this.tree.size;
    const weights = new Float64Array(size);
    weights.set(this.w.subarray(0, Math.min(size, this.w.length)));
    const q = this.seq;
    return {
      id: this.id,
      name: this.name,
      frame: this.tree.keys(),
      parent: this.tree.parents(),
      weights,
      ...(q && q.n > 0
        ? {
            order: {
              node: q.node.slice(0, q.n),
              start: q.start.slice(0, q.n),
              dur: q.dur.slice(0, q.n),
              clock: q.clock,
            },
          }
        : {}),
    };
  }
}

/** A thread from whole stacks (root first) and their weights. */
export function threadFromStacks(
  id: string,
  name: string,
  stacks: readonly ArrayLike<number>[],
  weights: readonly number[],
): ProfileThread {
  const b = new ThreadBuilder(id, name);
  stacks.forEach((s, i) => b.add(s, weights[i]));
  return b.build();
}

/** Whole-path weight of each node of a thread: its own and all its descendants'. */
export function subtreeTotals(thread: ProfileThread): Float64Array {
  const total = Float64Array.from(thread.weights);
  for (let i = total.length - 1; i > 0; i--) total[thread.parent[i]] += total[i];
  return total;
}

/** Children of each node of a tree given by parent links (node 0 the root), as ranges: kids[start[n] .. start[n + 1]). */
export function childLists(parent: Int32Array): { start: Int32Array; kids: Int32Array } {
  const size = parent.length;
  const start = new Int32Array(size + 1);
  for (let i = 1; i < size; i++) start[parent[i] + 1]++;
  for (let i = 0; i < size; i++) start[i + 1] += start[i];
  const fill = start.slice(0, size);
  const kids = new Int32Array(Math.max(0, size - 1));
  for (let i = 1; i < size; i++) kids[fill[parent[i]]++] = i;
  return { start, kids };
}

/**
 * Depth-first walk of a tree given by parent links (node 0 the root, parents before children)
 * without recursion: `enter(n)` on the way down and `leave(n)` on the way up, for every node
 * but the root. What is "on the stack" at node n is exactly the nodes entered and not yet left.
 */
export function walkTree(parent: Int32Array, enter: (n: number) => void, leave: (n: number) => void): void {
  const { start, kids } = childLists(parent);
  const size = parent.length;
  const path = new Int32Array(size);
  const cursor = new Int32Array(size);
  let sp = 0;
  path[0] = 0;
  cursor[0] = start[0];
  for (;;) {
    const n = path[sp];
    if (cursor[sp] < start[n + 1]) {
      const c = kids[cursor[sp]++];
      enter(c);
      sp++;
      path[sp] = c;
      cursor[sp] = start[c];
    } else {
      if (sp === 0) break;
      leave(n);
      sp--;
    }
  }
}

/** walkTree over a thread's stack table. */
export function walkStacks(thread: ProfileThread, enter: (n: number) => void, leave: (n: number) => void): void {
  walkTree(thread.parent, enter, leave);
}

/** The frames of node n's path, root first. */
export function stackOf(thread: ProfileThread, n: number): number[] {
  const out: number[] = [];
  for (let k = n; k > 0; k = thread.parent[k]) out.push(thread.frame[k]);
  return out.reverse();
}

/**
 * Every path that carries weight, as (frames root first, weight). For writing profiles out and
 * for tests: the frames of all paths together grow with depth times paths, as text would.
 */
export function* weightedStacks(thread: ProfileThread): Generator<[number[], number]> {
  for (let n = 0; n < thread.weights.length; n++) {
    if (thread.weights[n] !== 0) yield [stackOf(thread, n), thread.weights[n]];
  }
}

/** A profile as JSON carries it (the HTML report embeds one): the stack tables as plain arrays. */
export interface ProfileJson extends Omit<Profile, 'threads'> {
  threads: { id: string; name: string; frame: number[]; parent: number[]; weights: number[] }[];
}

export function profileToJson(p: Profile): ProfileJson {
  return {
    ...p,
    threads: p.threads.map((t) => ({
      id: t.id,
      name: t.name,
      frame: Array.from(t.frame),
      parent: Array.from(t.parent),
      weights: Array.from(t.weights),
    })),
  };
}

/** The inverse of profileToJson; a table whose parents do not come first is refused. */
export function profileFromJson(j: ProfileJson): Profile {
  return {
    ...j,
    threads: j.threads.map((t) => {
      const parent = Int32Array.from(t.parent);
      const n = parent.length;
      if (t.frame.length !== n || t.weights.length !== n || n === 0 || parent[0] !== -1)
        throw new Error(`thread ${t.id}: stack table arrays disagree`);
      for (let i = 1; i < n; i++) {
        if (!(parent[i] >= 0 && parent[i] < i)) throw new Error(`thread ${t.id}: node ${i} comes before its parent`);
      }
      return { id: t.id, name: t.name, frame: Int32Array.from(t.frame), parent, weights: Float64Array.from(t.weights) };
    }),
  };
}
