/**
 * A PyTorch trace sent from the reader's worker to the extension host as columns, not cloned
 * object by object: V8's structured clone of the 1 GB bench trace's 4 million event objects took
 * 6 s to write in the worker and 12 s to read on the host, in one piece on the host's thread.
 * Packed, each list of events is typed arrays (moved, not copied) over one table of strings; the
 * host rebuilds the objects in slices, and its event loop runs between them. What comes back
 * equals what was sent: the same keys in the same order (a key whose value is undefined apart
 * from a missing key), the same numbers (NaN and -0 too); an object with a key beyond the model's
 * or a value of another type than its column's is carried whole, as structured clone carries it.
 */
import type { CpuOp, GpuActivity, GpuSync, MemorySample, PyFrame, RuntimeCall, TorchTrace } from '../model/torchTrace';

/** How a field is carried: a number, a string (by id in the strings), any other value (by id in the values). */
type Cell = 'num' | 'str' | 'any';

// Each object type's fields, in the order the readers write them (objects in another order are
// carried too, under a shape of their own). `satisfies` makes a field added to the model without
// a column here a compile error.
const OP = {
  name: 'str',
  kind: 'str',
  ts: 'num',
  dur: 'num',
  pid: 'str',
  tid: 'str',
  externalId: 'num',
  inputDims: 'any',
  callStack: 'str',
} as const satisfies Record<keyof CpuOp, Cell>;
const RUNTIME = {
  name: 'str',
  ts: 'num',
  dur: 'num',
  pid: 'str',
  tid: 'str',
  correlation: 'num',
  externalId: 'num',
} as const satisfies Record<keyof RuntimeCall, Cell>;
const GPU = {
  name: 'str',
  kind: 'str',
  ts: 'num',
  dur: 'num',
  device: 'num',
  stream: 'num',
  correlation: 'num',
  externalId: 'num',
  grid: 'any',
  block: 'any',
  registersPerThread: 'num',
  sharedMemory: 'num',
  occupancy: 'num',
  bytes: 'num',
} as const satisfies Record<keyof GpuActivity, Cell>;
const SYNC = {
  name: 'str',
  ts: 'num',
  dur: 'num',
  device: 'num',
  stream: 'num',
  correlation: 'num',
  waitOnStream: 'num',
  waitOnEventRecord: 'num',
} as const satisfies Record<keyof GpuSync, Cell>;
const MEMORY = {
  ts: 'num',
  pid: 'str',
  tid: 'str',
  device: 'num',
  bytes: 'num',
  totalAllocated: 'num',
  totalReserved: 'num',
} as const satisfies Record<keyof MemorySample, Cell>;
const PYTHON = {
  name: 'str',
  file: 'str',
  line: 'num',
  ts: 'num',
  dur: 'num',
  pid: 'str',
  tid: 'str',
} as const satisfies Record<keyof PyFrame, Cell>;

const LISTS = { ops: OP, runtime: RUNTIME, gpu: GPU, gpuSyncs: SYNC, memory: MEMORY, python: PYTHON } as const;
type ListKey = keyof typeof LISTS;

/** An id for undefined; a shape for an object carried whole. */
const NONE = 0xffffffff;
const WHOLE = 0xffff;

/** One field's column: numbers (and where the value is undefined), or ids. */
interface Column {
  values?: Float64Array;
  undef?: Uint8Array;
  ids?: Uint32Array;
}

export interface PackedList {
  n: number;
  /** The key lists the objects have; each object's index into them, or WHOLE. */
  shapes: string[][];
  shape: Uint16Array;
  /** By field, in the spec's order (a column no object has is left out). */
  columns: (Column | undefined)[];
  /** Objects carried as they are, by index. */
  whole: Map<number, unknown>;
}

export interface PackedTrace {
  /** The trace's own keys, in order. */
  keys: string[];
  lists: Partial<Record<ListKey, PackedList>>;
  /** The trace's other keys' values (form, origin, meta, …), as they are. */
  rest: Record<string, unknown>;
  strings: string[];
  values: unknown[];
}

class Tables {
  readonly strings: string[] = [];
  readonly values: unknown[] = [];
  private readonly stringIds = new Map<string, number>();
  private readonly valueIds = new Map<unknown, number>();

  str(s: string): number {
    let id = this.stringIds.get(s);
    if (id === undefined) this.stringIds.set(s, (id = this.strings.push(s) - 1));
    return id;
  }

  /** By identity: a list the reader shares between events (grid, block) stays shared. */
  value(v: unknown): number {
    let id = this.valueIds.get(v);
    if (id === undefined) this.valueIds.set(v, (id = this.values.push(v) - 1));
    return id;
  }
}

function packList(items: readonly unknown[], spec: Record<string, Cell>, t: Tables): PackedList {
  const n = items.length;
  const keys = Object.keys(spec);
  const kinds = keys.map((k) => spec[k]);
  const bit: Record<string, number> = Object.create(null) as Record<string, number>;
  keys.forEach((k, i) => (bit[k] = i));
  const columns: Column[] = keys.map(() => ({}));
  const shape = new Uint16Array(n);
  const shapes: string[][] = [];
  const byMask = new Map<number, number>();
  const byKeys = new Map<string, number>();
  const whole = new Map<number, unknown>();
  // The last string of each column and its id: pids, tids and kinds repeat event after event.
  const lastStr: (string | undefined)[] = keys.map(() => undefined);
  const lastId: number[] = keys.map(() => 0);
  let lastMask = -1;
  let lastShape = 0;
  for (let i = 0; i < n; i++) {
    const o = items[i] as Record<string, unknown>;
    let mask = 0;
    let prev = -1;
    let ordered = true;
    let fits =
      o !== null && typeof o === 'object' && !Array.isArray(o) && Object.getPrototypeOf(o) === Object.prototype;
    if (fits)
      for (const k in o) {
        const b = bit[k];
        if (b === undefined) {
          fits = false;
          break;
        }
        if (b <= prev) ordered = false;
        prev = b;
        mask |= 1 << b;
        const v = o[k];
        const c = columns[b];
        if (kinds[b] === 'num') {
          if (typeof v === 'number') (c.values ??= new Float64Array(n))[i] = v;
          else if (v === undefined) (c.undef ??= new Uint8Array(n))[i] = 1;
          else fits = false;
        } else {
          const ids = (c.ids ??= new Uint32Array(n));
          if (v === undefined) ids[i] = NONE;
          else if (kinds[b] === 'any') ids[i] = t.value(v);
          else if (typeof v !== 'string') fits = false;
          else if (v === lastStr[b]) ids[i] = lastId[b];
          else ids[i] = lastId[b] = t.str((lastStr[b] = v));
        }
        if (!fits) break;
      }
    if (!fits) {
      shape[i] = WHOLE;
      whole.set(i, o);
      continue;
    }
    if (ordered && mask === lastMask) {
      shape[i] = lastShape;
      continue;
    }
    const keysOf = ordered ? '' : Object.keys(o).join('\u0000');
    let s = ordered ? byMask.get(mask) : byKeys.get(keysOf);
    if (s === undefined) {
      if (shapes.length === WHOLE) {
        shape[i] = WHOLE;
        whole.set(i, o);
        continue;
      }
      s = shapes.push(Object.keys(o)) - 1;
      if (ordered) byMask.set(mask, s);
      else byKeys.set(keysOf, s);
    }
    shape[i] = s;
    if (ordered) {
      lastMask = mask;
      lastShape = s;
    }
  }
  return {
    n,
    shapes,
    shape,
    columns: columns.map((c) => (c.values || c.undef || c.ids ? c : undefined)),
    whole,
  };
}

/** The trace as columns; `buffers` are what to move (not copy) with it to another thread. */
export function packTorchTrace(trace: TorchTrace): { packed: PackedTrace; buffers: ArrayBuffer[] } {
  const t = new Tables();
  const lists: PackedTrace['lists'] = {};
  const rest: Record<string, unknown> = {};
  const buffers: ArrayBuffer[] = [];
  const source = trace as unknown as Record<string, unknown>;
  for (const key of Object.keys(source)) {
    const v = source[key];
    if (key in LISTS && Array.isArray(v)) {
      const list = packList(v, LISTS[key as ListKey], t);
      lists[key as ListKey] = list;
      buffers.push(list.shape.buffer as ArrayBuffer);
      for (const c of list.columns)
        for (const a of [c?.values, c?.undef, c?.ids]) if (a) buffers.push(a.buffer as ArrayBuffer);
    } else rest[key] = v;
  }
  return { packed: { keys: Object.keys(source), lists, rest, strings: t.strings, values: t.values }, buffers };
}

/** Objects rebuilt between two turns of the event loop (30-80 ms at most on the 1 GB bench trace, 2-core box). */
const SLICE = 16_384;

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * The trace again, its objects rebuilt `slice` at a time with `pause` between (by default the
 * next turn of the event loop, so that the thread's other work goes on meanwhile); given `stop`,
 * asked at each pause, the rebuild gives up once it answers true (the read was cancelled).
 */
export async function unpackTorchTrace(
  p: PackedTrace,
  options: { slice?: number; pause?: () => Promise<void>; stop?: () => boolean } = {},
): Promise<TorchTrace> {
  const slice = Math.max(1, options.slice ?? SLICE);
  const pause = options.pause ?? nextTurn;
  const stop = options.stop ?? (() => false);
  const out: Record<string, unknown> = {};
  let made = 0;
  for (const key of p.keys) {
    const list = p.lists[key as ListKey];
    if (!list) {
      out[key] = p.rest[key];
      continue;
    }
    const spec = Object.keys(LISTS[key as ListKey]);
    const at = new Map(spec.map((k, i) => [k, i]));
    // Per shape, its keys and their columns.
    const shapes = list.shapes.map((keys) =>
      keys.map((k) => ({
        key: k,
        kind: (LISTS[key as ListKey] as Record<string, Cell>)[k],
        c: list.columns[at.get(k)!]!,
      })),
    );
    const items: unknown[] = [];
    for (let i = 0; i < list.n; i++) {
      if (++made % slice === 0) {
        await pause();
        if (stop()) throw new Error('the trace was no longer wanted');
      }
      const s = list.shape[i];
      if (s === WHOLE) {
        items.push(list.whole.get(i));
        continue;
      }
      const cells = shapes[s];
      const o: Record<string, unknown> = {};
      for (let j = 0; j < cells.length; j++) {
        const { key: k, kind, c } = cells[j];
        if (kind === 'num') o[k] = c.undef?.[i] ? undefined : c.values![i];
        else {
          const id = c.ids![i];
          o[k] = id === NONE ? undefined : kind === 'str' ? p.strings[id] : p.values[id];
        }
      }
      items.push(o);
    }
    out[key] = items;
  }
  return out as unknown as TorchTrace;
}
