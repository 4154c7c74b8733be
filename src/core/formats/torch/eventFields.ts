/**
 * The fields of a trace event that the reader keeps: one `EventFields`, reused for every event,
 * filled either from the event's object (`fieldsFromObject`, after JSON.parse) or straight from
 * its bytes (`eventBytes.ts`), so the builder reads both the same way.
 */

/** Whether a field holds a value the extractor left as bytes (input shapes): see `lazy`. */
export const LAZY = Symbol('lazy');

export class EventFields {
  ph: unknown;
  cat: unknown;
  name: unknown;
  ts: unknown;
  dur: unknown;
  pid: unknown;
  tid: unknown;
  externalIdA: unknown;
  externalIdB: unknown;
  correlation: unknown;
  device: unknown;
  stream: unknown;
  grid: unknown;
  block: unknown;
  registers: unknown;
  sharedMemory: unknown;
  occupancy: unknown;
  bytes: unknown;
  dimsA: unknown;
  dimsB: unknown;
  callStack: unknown;
  memDevice: unknown;
  memBytes: unknown;
  totalAllocated: unknown;
  totalReserved: unknown;
  waitOnStream: unknown;
  waitOnEventRecord: unknown;
  /** Where a LAZY value's JSON is (dimsA / dimsB). */
  lazyBuf: Buffer | undefined;
  lazyA = [0, 0];
  lazyB = [0, 0];
  /** Strings read by the byte reader: already one copy per distinct text (ByteStrings). */
  shared = false;

  reset(): void {
    this.shared = false;
    this.ph = this.cat = this.name = this.ts = this.dur = this.pid = this.tid = undefined;
    this.resetArgs();
  }

  /** The arguments only (a second "args" key replaces the first, as in JSON.parse). */
  resetArgs(): void {
    this.externalIdA = this.externalIdB = this.correlation = this.device = this.stream = undefined;
    this.grid = this.block = this.registers = this.sharedMemory = this.occupancy = this.bytes = undefined;
    this.dimsA = this.dimsB = this.callStack = undefined;
    this.memDevice = this.memBytes = this.totalAllocated = this.totalReserved = undefined;
    this.waitOnStream = this.waitOnEventRecord = undefined;
    this.lazyBuf = undefined;
  }

  /** A field's value, parsing it now if the extractor left it as bytes. */
  value(v: unknown, which: 'A' | 'B'): unknown {
    if (v !== LAZY) return v;
    const [s, e] = which === 'A' ? this.lazyA : this.lazyB;
    return JSON.parse(this.lazyBuf!.toString('utf8', s, e));
  }
}

/** The fields of an event object (the JSON.parse way). */
export function fieldsFromObject(e: Record<string, unknown>, f: EventFields): void {
  f.reset();
  f.ph = e.ph;
  f.cat = e.cat;
  f.name = e.name;
  f.ts = e.ts;
  f.dur = e.dur;
  f.pid = e.pid;
  f.tid = e.tid;
  const a = e.args;
  if (!a || typeof a !== 'object') return;
  const args = a as Record<string, unknown>;
  f.externalIdA = args['External id'];
  f.externalIdB = args['external id'];
  f.correlation = args['correlation'];
  f.device = args['device'];
  f.stream = args['stream'];
  f.grid = args['grid'];
  f.block = args['block'];
  f.registers = args['registers per thread'];
  f.sharedMemory = args['shared memory'];
  f.occupancy = args['est. achieved occupancy %'];
  f.bytes = args['bytes'];
  f.dimsA = args['Input Dims'];
  f.dimsB = args['Input dims'];
  f.callStack = args['Call stack'];
  f.memDevice = args['Device Id'];
  f.memBytes = args['Bytes'];
  f.totalAllocated = args['Total Allocated'];
  f.totalReserved = args['Total Reserved'];
  f.waitOnStream = args['wait_on_stream'];
  f.waitOnEventRecord = args['wait_on_cuda_event_record_corr_id'];
}
