/**
 * What the snapshot reader shares: the error of a misshapen snapshot (its place and what was
 * expected), and the interning of frames and stacks.
 */
import type { PickleDict } from '../pickle/pickleReader';
import type { MemoryFrame } from '../../model/torchMemory';

/** What is not as a snapshot should be, at a place ("segments[3].blocks[2]"). */
export class Shape extends Error {
  constructor(
    readonly place: string,
    readonly expected: string,
  ) {
    super(`${place}: ${expected}`);
  }
}

export const isDict = (v: unknown): v is PickleDict =>
  !!v && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Set) && !(v instanceof Uint8Array);

export const num = (v: unknown): number | undefined =>
  typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : typeof v === 'boolean' ? Number(v) : undefined;

/** Interns frames (by file, name and line) and stacks (a trie of frame ids, innermost first). */
export class Stacks {
  readonly frames: MemoryFrame[] = [];
  readonly stacks: number[][] = [];
  private readonly frameIds = new Map<string, Map<string, Map<number, number>>>();
  private readonly children: Map<number, number>[] = [new Map()];
  /** For each trie node (1…): the stack id it ends, or -1. */
  private readonly stackOf: number[] = [-1];
  /** The frames list last seen and its stack: torch shares one list between a block and its entry. */
  private lastList: unknown = undefined;
  private lastStack = -1;

  frame(filename: string, name: string, line: number): number {
    const byName = this.frameIds.get(filename) ?? this.frameIds.set(filename, new Map()).get(filename)!;
    const byLine = byName.get(name) ?? byName.set(name, new Map()).get(name)!;
    let id = byLine.get(line);
    if (id === undefined) {
      id = this.frames.length;
      this.frames.push({ filename, name, line });
      byLine.set(line, id);
    }
    return id;
  }

  /** A frame: a dict, or the id the record hook gave it (memoryRecords.ts). */
  frameOf(f: unknown, at: () => string): number {
    if (typeof f === 'number') {
      if (!(Number.isInteger(f) && f >= 0 && f < this.frames.length)) throw new Shape(at(), 'not a dict');
      return f;
    }
    if (!isDict(f)) throw new Shape(at(), 'not a dict');
    return this.frame(
      typeof f.filename === 'string' ? f.filename : '',
      typeof f.name === 'string' ? f.name : '',
      typeof f.line === 'number' ? f.line : 0,
    );
  }

  /** A frames list's stack id (or that of the list a StackRef stands for) (-1 for none or empty); `at` names it in errors. */
  stack(list: unknown, at: () => string): number {
    if (list === undefined || list === null) return -1;
    if (list instanceof StackRef) return list.id;
    if (list === this.lastList) return this.lastStack;
    if (!Array.isArray(list)) throw new Shape(`${at()}`, `'frames' is not a list`);
    if (list.length === 0) return -1;
    let node = 0;
    for (let k = 0; k < list.length; k++) {
      const id = this.frameOf(list[k], () => `${at()}.frames[${k}]`);
      let next = this.children[node].get(id);
      if (next === undefined) {
        next = this.children.length;
        this.children.push(new Map());
        this.stackOf.push(-1);
        this.children[node].set(id, next);
      }
      node = next;
    }
    let s = this.stackOf[node];
    if (s < 0) {
      s = this.stacks.length;
      this.stacks.push(list.map((f: unknown, k: number) => this.frameOf(f, () => `${at()}.frames[${k}]`)));
      this.stackOf[node] = s;
    }
    this.lastList = list;
    this.lastStack = s;
    return s;
  }
}

/** In the pickle's memo, for a frames list already made a stack: that stack. */
export class StackRef {
  constructor(readonly id: number) {}
}
