/**
 * The sampled CPU profile every CPU format is parsed into. Plain data, serialisable to JSON.
 *
 * Frames are interned: a stack is a list of indices into `frames`, root first. Each thread keeps
 * its own distinct stacks with their weights, so per-thread views and the "all threads" view are
 * both cheap to derive.
 */
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
  /** Distinct stacks (frame indices, root first) and their weights, in parallel arrays. */
  stacks: number[][];
  weights: number[];
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

/** Accumulates weights per distinct stack for one thread (stacks keyed by their frame ids). */
export class ThreadBuilder {
  private readonly index = new Map<string, number>();
  readonly stacks: number[][] = [];
  readonly weights: number[] = [];
  constructor(
    readonly id: string,
    public name: string,
  ) {}

  add(stack: number[], weight: number): void {
    const key = stack.join(',');
    const at = this.index.get(key);
    if (at === undefined) {
      this.index.set(key, this.stacks.length);
      this.stacks.push(stack);
      this.weights.push(weight);
    } else {
      this.weights[at] += weight;
    }
  }

  /** Adds without merging equal stacks (collapsed files already list each stack once). */
  push(stack: number[], weight: number): void {
    this.stacks.push(stack);
    this.weights.push(weight);
  }

  build(): ProfileThread {
    return { id: this.id, name: this.name, stacks: this.stacks, weights: this.weights };
  }
}
