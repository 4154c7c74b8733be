/**
 * Trace events as compact records, so a segment of a trace read on another thread comes back
 * without structured-cloning an object per event: each event's EventFields as three masks (which
 * fields are there; which are strings; which are other JSON values) in an Int32Array and its
 * offset and values in a Float64Array, strings and other values by index into tables sent once.
 * Replayed into an EventFields, a record gives the builder exactly what the byte reader gave it
 * in the reading thread: the same values, the input shapes still left as JSON text (LAZY).
 */
import { EventFields, LAZY } from './eventFields';

/** The fields of EventFields a record carries, in mask-bit order. */
const FIELDS = [
  'ph',
  'cat',
  'name',
  'ts',
  'dur',
  'pid',
  'tid',
  'externalIdA',
  'externalIdB',
  'correlation',
  'device',
  'stream',
  'grid',
  'block',
  'registers',
  'sharedMemory',
  'occupancy',
  'bytes',
  'dimsA',
  'dimsB',
  'callStack',
  'memDevice',
  'memBytes',
  'totalAllocated',
  'totalReserved',
  'waitOnStream',
  'waitOnEventRecord',
] as const satisfies readonly (keyof EventFields)[];
type Field = (typeof FIELDS)[number];
const DIMS_A = FIELDS.indexOf('dimsA');
const DIMS_B = FIELDS.indexOf('dimsB');

/** What a segment's records are, as posted between threads (every buffer transferable). */
export interface RecordBatch {
  events: number;
  heads: Int32Array[];
  nums: Float64Array[];
  strings: string[];
  /** Other JSON values (arrays, objects, booleans, null) as their text. */
  json: string[];
}

const HEAD_BLOCK = 3 * 65536;
const NUM_BLOCK = 1 << 20;

/** Writes events' fields as records. */
export class RecordWriter {
  private readonly heads: Int32Array[] = [];
  private readonly nums: Float64Array[] = [];
  private head = new Int32Array(HEAD_BLOCK);
  private num = new Float64Array(NUM_BLOCK);
  private h = 0;
  private n = 0;
  private events = 0;
  private readonly strings: string[] = [];
  private readonly stringIds = new Map<string, number>();
  private readonly json: string[] = [];
  private readonly jsonIds = new Map<string, number>();

  add(f: EventFields, offset: number): void {
    if (this.h + 3 > this.head.length) {
      this.heads.push(this.head.subarray(0, this.h));
      this.head = new Int32Array(HEAD_BLOCK);
      this.h = 0;
    }
    if (this.n + FIELDS.length + 1 > this.num.length) {
      this.nums.push(this.num.subarray(0, this.n));
      this.num = new Float64Array(NUM_BLOCK);
      this.n = 0;
    }
    this.present = this.str = this.other = 0;
    this.num[this.n++] = offset;
    this.put(f, f.ph, 0);
    this.put(f, f.cat, 1);
    this.put(f, f.name, 2);
    this.put(f, f.ts, 3);
    this.put(f, f.dur, 4);
    this.put(f, f.pid, 5);
    this.put(f, f.tid, 6);
    this.put(f, f.externalIdA, 7);
    this.put(f, f.externalIdB, 8);
    this.put(f, f.correlation, 9);
    this.put(f, f.device, 10);
    this.put(f, f.stream, 11);
    this.put(f, f.grid, 12);
    this.put(f, f.block, 13);
    this.put(f, f.registers, 14);
    this.put(f, f.sharedMemory, 15);
    this.put(f, f.occupancy, 16);
    this.put(f, f.bytes, 17);
    this.put(f, f.dimsA, 18);
    this.put(f, f.dimsB, 19);
    this.put(f, f.callStack, 20);
    this.put(f, f.memDevice, 21);
    this.put(f, f.memBytes, 22);
    this.put(f, f.totalAllocated, 23);
    this.put(f, f.totalReserved, 24);
    this.put(f, f.waitOnStream, 25);
    this.put(f, f.waitOnEventRecord, 26);
    this.head[this.h++] = this.present;
    this.head[this.h++] = this.str;
    this.head[this.h++] = this.other;
    this.events++;
  }

  private readonly lastString: (string | undefined)[] = FIELDS.map(() => undefined);
  private readonly lastId: number[] = FIELDS.map(() => 0);
  private present = 0;
  private str = 0;
  private other = 0;

  /** Field k's value (in FIELDS' order, as `add` lists them). */
  private put(f: EventFields, v: unknown, k: number): void {
    if (v === undefined) return;
    this.present |= 1 << k;
    if (typeof v === 'number') this.num[this.n++] = v;
    else if (typeof v === 'string') {
      this.str |= 1 << k;
      // Consecutive events mostly share their ph, cat, pid and tid: the last id of each is kept.
      if (v !== this.lastString[k]) {
        this.lastString[k] = v;
        this.lastId[k] = this.stringId(v);
      }
      this.num[this.n++] = this.lastId[k];
    } else {
      this.other |= 1 << k;
      const text =
        v === LAZY
          ? f.lazyBuf!.toString('utf8', ...((k === DIMS_A ? f.lazyA : f.lazyB) as [number, number]))
          : JSON.stringify(v);
      this.num[this.n++] = this.jsonId(text);
    }
  }

  private stringId(s: string): number {
    let id = this.stringIds.get(s);
    if (id === undefined) {
      id = this.strings.length;
      this.strings.push(s);
      this.stringIds.set(s, id);
    }
    return id;
  }

  private jsonId(s: string): number {
    let id = this.jsonIds.get(s);
    if (id === undefined) {
      id = this.json.length;
      this.json.push(s);
      this.jsonIds.set(s, id);
    }
    return id;
  }

  /** The records written. */
  finish(): RecordBatch {
    const heads = [...this.heads, this.head.subarray(0, this.h)];
    const nums = [...this.nums, this.num.subarray(0, this.n)];
    return { events: this.events, heads, nums, strings: this.strings, json: this.json };
  }
}

/** The buffers to transfer (not copy) with a batch posted to another thread. */
export const batchBuffers = (b: RecordBatch): ArrayBuffer[] =>
  [...b.heads, ...b.nums].map((a) => a.buffer as ArrayBuffer);

type Setter = (f: EventFields, v: unknown) => void;
const SETTERS: Setter[] = FIELDS.map((k: Field) => (f: EventFields, v: unknown) => {
  (f as unknown as Record<Field, unknown>)[k] = v;
});

/** Replays a batch's records, in order, into `sink` (one EventFields, reused). */
export function replayRecords(batch: RecordBatch, sink: (f: EventFields, offset: number) => void): void {
  const f = new EventFields();
  const parsed: unknown[] = [];
  // The shapes stay JSON text, parsed only for the events the builder keeps them for.
  const jsonBuf = Buffer.from(batch.json.join(''), 'utf8');
  const jsonAt = new Float64Array(batch.json.length + 1);
  for (let i = 0; i < batch.json.length; i++) jsonAt[i + 1] = jsonAt[i] + Buffer.byteLength(batch.json[i], 'utf8');
  const value = (id: number): unknown =>
    id in parsed ? parsed[id] : (parsed[id] = JSON.parse(batch.json[id]) as unknown);
  let hb = 0;
  let h = 0;
  let nb = 0;
  let n = 0;
  for (let e = 0; e < batch.events; e++) {
    // The writer starts a block where a record would not fit, and trims the one it leaves.
    if (h === batch.heads[hb].length) {
      hb++;
      h = 0;
    }
    if (n === batch.nums[nb].length) {
      nb++;
      n = 0;
    }
    const head = batch.heads[hb];
    const num = batch.nums[nb];
    const present = head[h];
    const str = head[h + 1];
    const other = head[h + 2];
    h += 3;
    f.reset();
    const offset = num[n++];
    for (let m = present; m !== 0; m &= m - 1) {
      const k = 31 - Math.clz32(m & -m);
      const bit = 1 << k;
      const x = num[n++];
      if (str & bit) SETTERS[k](f, batch.strings[x]);
      else if (!(other & bit)) SETTERS[k](f, x);
      else if (k === DIMS_A || k === DIMS_B) {
        f.lazyBuf = jsonBuf;
        const at = k === DIMS_A ? f.lazyA : f.lazyB;
        at[0] = jsonAt[x];
        at[1] = jsonAt[x + 1];
        SETTERS[k](f, LAZY);
      } else SETTERS[k](f, value(x));
    }
    sink(f, offset);
  }
}
