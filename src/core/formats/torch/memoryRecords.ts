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

const CODES = new Map<string, number>(ACTIONS.map((a, i) => [a, i]));
// torch 2.0 called free_completed "free".
CODES.set('free', ACTIONS.indexOf('free_completed'));
const OTHER = ACTIONS.indexOf('other');
export const actionOf = (a: unknown): number => CODES.get(a as MemoryAction) ?? OTHER;

const notNum = (v: unknown) => v !== undefined && num(v) === undefined;

/** History entries as columns, in the order the pickle holds them (every device's together). */
export class EntryColumns {
  n = 0;
  action = new Uint8Array(1024);
  addr = new Float64Array(1024);
  size = new Float64Array(1024);
  timeUs = new Float64Array(1024);
  stream = new Float64Array(1024);
  stack = new Int32Array(1024);
  deviceFree = new Map<number, number>();

  private grow(): void {
    const cap = this.action.length * 2;
    const g = <T extends Uint8Array | Float64Array | Int32Array>(a: T): T => {
      const b = new (a.constructor as new (n: number) => T)(cap);
      b.set(a);
      return b;
    };
    this.action = g(this.action);
    this.addr = g(this.addr);
    this.size = g(this.size);
    this.timeUs = g(this.timeUs);
    this.stream = g(this.stream);
    this.stack = g(this.stack);
  }

  add(e: Entry, stack: number): number {
    if (this.n === this.action.length) this.grow();
    const i = this.n++;
    this.action[i] = actionOf(e.action);
    this.addr[i] = num(e.addr) ?? NaN;
    this.size[i] = num(e.size) ?? 0;
    this.timeUs[i] = num(e.time) ?? NaN;
    this.stream[i] = num(e.stream) ?? 0;
    this.stack[i] = stack;
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
