/**
 * The keys of a trace event that the byte reader (eventBytes.ts) keeps, and the EventFields
 * field each one sets: top-level keys, then those inside "args".
 */
import type { EventFields } from './eventFields';

const enc = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));

/** Field ids (what setField sets); how a key's value is read follows from its id. */
export const enum F {
  ph,
  cat,
  name,
  ts,
  dur,
  pid,
  tid,
  args,
  externalIdA,
  externalIdB,
  correlation,
  device,
  stream,
  grid,
  block,
  registers,
  sharedMemory,
  occupancy,
  bytes,
  dimsA,
  dimsB,
  callStack,
  memDevice,
  memBytes,
  totalAllocated,
  totalReserved,
  waitOnStream,
  waitOnEventRecord,
}
export type Key = [Uint8Array, F];
const TOP: Key[] = [
  [enc('ph'), F.ph],
  [enc('cat'), F.cat],
  [enc('name'), F.name],
  [enc('ts'), F.ts],
  [enc('dur'), F.dur],
  [enc('pid'), F.pid],
  [enc('tid'), F.tid],
  [enc('args'), F.args],
];
const ARGS: Key[] = [
  [enc('External id'), F.externalIdA],
  [enc('external id'), F.externalIdB],
  [enc('correlation'), F.correlation],
  [enc('device'), F.device],
  [enc('stream'), F.stream],
  [enc('grid'), F.grid],
  [enc('block'), F.block],
  [enc('registers per thread'), F.registers],
  [enc('shared memory'), F.sharedMemory],
  [enc('est. achieved occupancy %'), F.occupancy],
  [enc('bytes'), F.bytes],
  [enc('Input Dims'), F.dimsA],
  [enc('Input dims'), F.dimsB],
  [enc('Call stack'), F.callStack],
  [enc('Device Id'), F.memDevice],
  [enc('Bytes'), F.memBytes],
  [enc('Total Allocated'), F.totalAllocated],
  [enc('Total Reserved'), F.totalReserved],
  [enc('wait_on_stream'), F.waitOnStream],
  [enc('wait_on_cuda_event_record_corr_id'), F.waitOnEventRecord],
];

/** Keys by length, so most keys of an event are ruled out by one lookup. */
const byLength = (keys: Key[]) => {
  const out: Key[][] = [];
  for (const k of keys) (out[k[0].length] ??= []).push(k);
  for (let i = 0; i < out.length; i++) out[i] ??= [];
  return out;
};
export const TOP_BY_LEN = byLength(TOP);
export const ARGS_BY_LEN = byLength(ARGS);

/** The id of the key in b[s..e), or -1. */
export function find(table: Key[][], b: Buffer, s: number, e: number): number {
  const len = e - s;
  if (len >= table.length) return -1;
  const keys = table[len];
  for (let j = 0; j < keys.length; j++) {
    const k = keys[j][0];
    let i = 0;
    while (i < len && k[i] === b[s + i]) i++;
    if (i === len) return keys[j][1];
  }
  return -1;
}

export function setField(f: EventFields, id: F, v: unknown): void {
  switch (id) {
    case F.ph:
      f.ph = v;
      break;
    case F.cat:
      f.cat = v;
      break;
    case F.name:
      f.name = v;
      break;
    case F.ts:
      f.ts = v;
      break;
    case F.dur:
      f.dur = v;
      break;
    case F.pid:
      f.pid = v;
      break;
    case F.tid:
      f.tid = v;
      break;
    case F.externalIdA:
      f.externalIdA = v;
      break;
    case F.externalIdB:
      f.externalIdB = v;
      break;
    case F.correlation:
      f.correlation = v;
      break;
    case F.device:
      f.device = v;
      break;
    case F.stream:
      f.stream = v;
      break;
    case F.grid:
      f.grid = v;
      break;
    case F.block:
      f.block = v;
      break;
    case F.registers:
      f.registers = v;
      break;
    case F.sharedMemory:
      f.sharedMemory = v;
      break;
    case F.occupancy:
      f.occupancy = v;
      break;
    case F.bytes:
      f.bytes = v;
      break;
    case F.dimsA:
      f.dimsA = v;
      break;
    case F.dimsB:
      f.dimsB = v;
      break;
    case F.callStack:
      f.callStack = v;
      break;
    case F.memDevice:
      f.memDevice = v;
      break;
    case F.memBytes:
      f.memBytes = v;
      break;
    case F.totalAllocated:
      f.totalAllocated = v;
      break;
    case F.totalReserved:
      f.totalReserved = v;
      break;
    case F.waitOnStream:
      f.waitOnStream = v;
      break;
    case F.waitOnEventRecord:
      f.waitOnEventRecord = v;
      break;
  }
}
