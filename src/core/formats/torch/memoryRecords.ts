/**
 * The compact form of a snapshot's many small records, made while the pickle is read (the
 * reader's dict hook): a frame dict ({filename, name, line}) becomes its frame id, a history
 * entry ({action, addr, size, …}) becomes its index in typed-array columns. So a snapshot with a
 * million entries holds columns and ids, not millions of objects (nor does the pickle's memo).
 * A record of another shape, or with a field of the wrong type, is left as it is: the snapshot
 * reader then reads it the slow way and names the place of what is wrong.
 */
import { ACTIONS, type MemoryAction } from '../../model/torchMemory';
import { isDict, num, StackRef, type Stacks } from './memoryStacks';
import { GrowArray } from '../../util/growArray';

const CODES = new Map<string, number>(ACTIONS.map((a, i) => [a, i]));
// torch 2.0 called free_completed "free".
CODES.set('free', ACTIONS.indexOf('free_completed'));
const OTHER = ACTIONS.indexOf('other');
export const actionOf = (a: unknown): number => CODES.get(a as MemoryAction) ?? OTHER;

const notNum = (v: unknown) => v !== undefined && num(v) === undefined;

/** History entries as columns, in the order the pickle holds them (every device's together). */
export class EntryColumns {
  private readonly cols = {
    action: new GrowArray((n) => new Uint8Array(n)),
    addr: new GrowArray((n) => new Float64Array(n)),
    size: new GrowArray((n) => new Float64Array(n)),
    timeUs: new GrowArray((n) => new Float64Array(n)),
    stream: new GrowArray((n) => new Float64Array(n)),
    stack: new GrowArray((n) => new Int32Array(n)),
  };
  deviceFree = new Map<number, number>();

  get n(): number {
    return this.cols.action.n;
  }
  get action(): Uint8Array {
    return this.cols.action.a;
  }
  get addr(): Float64Array {
    return this.cols.addr.a;
  }
  get size(): Float64Array {
    return this.cols.size.a;
  }
  get timeUs(): Float64Array {
    return this.cols.timeUs.a;
  }
  get stream(): Float64Array {
    return this.cols.stream.a;
  }
  get stack(): Int32Array {
    return this.cols.stack.a;
  }

  add(e: Entry, stack: number): number {
    const i = this.n;
    const c = this.cols;
    c.action.push(actionOf(e.action));
    c.addr.push(num(e.addr) ?? NaN);
    c.size.push(num(e.size) ?? 0);
    c.timeUs.push(num(e.time) ?? NaN);
    c.stream.push(num(e.stream) ?? 0);
    c.stack.push(stack);
    if (e.free !== undefined) this.deviceFree.set(i, num(e.free) ?? NaN);
    return i;
  }
}

/** Entries compacted by the hook are this, in the device's list: their index in the columns. */
export class EntryRef {
  constructor(readonly index: number) {}
}

/** The reader's items hook for snapshots: a frame's id, an entry's ref, or undefined (a dict). */
export function recordHook(st: Stacks, cols: EntryColumns): (items: unknown[], from: number, to: number) => unknown {
  const e: Entry = {
    action: undefined,
    addr: undefined,
    size: undefined,
    time: undefined,
    stream: undefined,
    frames: undefined,
    free: undefined,
  };
  return (items, from, to) => {
    const n = to - from;
    if (n === 6) {
      // A frame: filename, name, line in any order.
      let filename: unknown;
      let name: unknown;
      let line: unknown;
      for (let k = from; k < to; k += 2) {
        const key = items[k];
        if (key === 'filename') filename = items[k + 1];
        else if (key === 'name') name = items[k + 1];
        else if (key === 'line') line = items[k + 1];
      }
      if (typeof filename === 'string' && typeof name === 'string' && typeof line === 'number')
        return st.frame(filename, name, line);
    }
    if (n > 18 || n % 2) return undefined;
    // A history entry, its frames already ids or dicts; anything unusual stays a dict. One
    // Entry is filled for every record (its fields are copied into the columns).
    e.action = e.addr = e.size = e.time = e.stream = e.frames = e.free = undefined;
    for (let k = from; k < to; k += 2) {
      const v = items[k + 1];
      switch (items[k]) {
        case 'action':
          e.action = v;
          break;
        case 'addr':
          e.addr = v;
          break;
        case 'size':
          e.size = v;
          break;
        case 'time_us':
          e.time = v;
          break;
        case 'stream':
          e.stream = v;
          break;
        case 'frames':
          e.frames = v;
          break;
        case 'device_free':
          e.free = v;
          break;
        case 'compile_context':
        case 'user_metadata':
          break;
        default:
          return undefined;
      }
    }
    if (typeof e.action !== 'string' || e.size === undefined) return undefined;
    if (notNum(e.addr) || notNum(e.size) || notNum(e.time) || notNum(e.stream) || notNum(e.free)) return undefined;
    const f = e.frames;
    if (f instanceof StackRef) return new EntryRef(cols.add(e, f.id));
    if (f !== undefined && f !== null) {
      if (!Array.isArray(f)) return undefined;
      for (const x of f) if (typeof x !== 'number' && !isDict(x)) return undefined;
    }
    return new EntryRef(
      cols.add(
        e,
        st.stack(f, () => 'device_traces'),
      ),
    );
  };
}

interface Entry {
  action: unknown;
  addr: unknown;
  size: unknown;
  time: unknown;
  stream: unknown;
  frames: unknown;
  free: unknown;
}

/** What stands in the memo for a frames list a compacted entry consumed: its stack. */
export function listHook(st: Stacks): (list: unknown[]) => unknown {
  // One StackRef per stack, not per list: a million entries share a few hundred stacks.
  const refs: StackRef[] = [];
  return (list) => {
    const id = st.stack(list, () => 'device_traces');
    return id >= 0 ? (refs[id] ??= new StackRef(id)) : new StackRef(id);
  };
}
