/**
 * The active memory of one device over its recorded history, as memory_viz draws its Active
 * Memory Timeline (see torchMemory.ts): baseline, peak, what was live at the peak by line, and
 * the top lines' bytes over time, downsampled.
 */
import { actionCode, type MemoryHistory, type TorchMemorySnapshot } from '../../model/torchMemory';
import { groupLines, lineKeyOf, lineOfKey, type LineBytes } from './memoryLines';

export interface MemoryTimeline {
  device: number;
  /** 'time' where entries carry time_us (µs from the first), else 'entry' (their index). */
  axis: 'time' | 'entry';
  /** Downsampled: at most about 2 × MAX_POINTS points, each bucket's maximum and last value. */
  x: number[];
  bytes: number[];
  /** Bytes live before the history began. */
  baselineBytes: number;
  peakBytes: number;
  peakX: number;
  peakEntry: number;
  /** What was live at the peak, by Python line, most bytes first. */
  atPeak: LineBytes[];
  /** The top lines' bytes over time (same x), largest at the peak first, for a stacked chart. */
  stacked: { label: string; bytes: number[] }[];
}

const MAX_POINTS = 1000;
const STACKED_LINES = 8;

export type Live = { device: number; b: { address: number; size: number; stack: number; state: string } }[];

export function timelineOf(
  s: TorchMemorySnapshot,
  h: MemoryHistory,
  live: Live,
  cache: Map<number, string>,
): MemoryTimeline {
  const n = h.action.length;
  const ALLOC = actionCode('alloc');
  const hasCompleted = h.action.includes(actionCode('free_completed'));
  const FREE = hasCompleted ? actionCode('free_completed') : actionCode('free_requested');
  // Live before the history: the snapshot's live blocks, walked back through it.
  const before = new Map<number, { size: number; stack: number }>();
  for (const x of live) if (x.device === h.device) before.set(x.b.address, { size: x.b.size, stack: x.b.stack });
  for (let i = n - 1; i >= 0; i--) {
    const a = h.action[i];
    if (a === ALLOC) before.delete(h.addr[i]);
    else if (a === FREE && !before.has(h.addr[i])) before.set(h.addr[i], { size: h.size[i], stack: h.stack[i] });
  }
  let baseline = 0;
  for (const v of before.values()) baseline += v.size;
  const timed = n > 0 && !Number.isNaN(h.timeUs[0]);
  const t0 = timed ? h.timeUs[0] : 0;
  const xOf = (i: number) => (timed ? h.timeUs[i] - t0 : i);
  // Forward: the total after each entry, and the peak.
  let cur = baseline;
  let peak = baseline;
  let peakEntry = -1;
  for (let i = 0; i < n; i++) {
    const a = h.action[i];
    if (a === ALLOC) cur += h.size[i];
    else if (a === FREE) cur -= h.size[i];
    if (cur > peak) {
      peak = cur;
      peakEntry = i;
    }
  }
  // What was live at the peak (replay up to it), by line. The replay keeps, per address, the
  // entry that allocated it (-1: live before the history), and reads sizes and lines only for
  // what is left at the peak (no object per allocation: a million-entry history).
  const liveAt = new Map<number, number>();
  for (const addr of before.keys()) liveAt.set(addr, -1);
  for (let i = 0; i <= peakEntry; i++) {
    const a = h.action[i];
    if (a === ALLOC) liveAt.set(h.addr[i], i);
    else if (a === FREE) liveAt.delete(h.addr[i]);
  }
  const held: { key: string; bytes: number }[] = [];
  for (const [addr, i] of liveAt) {
    const v = i < 0 ? before.get(addr)! : { size: h.size[i], stack: h.stack[i] };
    held.push({ key: lineKeyOf(s, cache, v.stack), bytes: v.size });
  }
  const atPeak = groupLines(held);
  // Downsampled series, and the top lines' bytes along it.
  const lines = atPeak.slice(0, STACKED_LINES).map((l) => `${l.file}\u0000${l.line}\u0000${l.name}`);
  const slot = new Map(lines.map((k, j) => [k, j]));
  const perLine = new Float64Array(lines.length + 1);
  // Each stack's line slot, found once per stack id (ids are small integers; -1: none).
  const slotOfStack = new Map<number, number>();
  const entryLine = (i: number) => {
    const st = h.stack[i];
    let j = slotOfStack.get(st);
    if (j === undefined) slotOfStack.set(st, (j = slot.get(lineKeyOf(s, cache, st)) ?? lines.length));
    return j;
  };
  const addrLine = new Map<number, number>();
  for (const [addr, v] of before) {
    const j = slot.get(lineKeyOf(s, cache, v.stack)) ?? lines.length;
    addrLine.set(addr, j);
    perLine[j] += v.size;
  }
  const bucket = Math.max(1, Math.ceil(n / MAX_POINTS));
  const x: number[] = [timed ? 0 : 0];
  const bytes: number[] = [baseline];
  const stackedValues: number[][] = [...Array(lines.length + 1)].map((_, j) => [perLine[j]]);
  cur = baseline;
  let max = -Infinity;
  let maxAt = 0;
  for (let i = 0; i < n; i++) {
    const a = h.action[i];
    if (a === ALLOC) {
      cur += h.size[i];
      const j = entryLine(i);
      perLine[j] += h.size[i];
      addrLine.set(h.addr[i], j);
    } else if (a === FREE) {
      cur -= h.size[i];
      const j = addrLine.get(h.addr[i]) ?? lines.length;
      perLine[j] -= h.size[i];
      addrLine.delete(h.addr[i]);
    }
    if (cur > max) {
      max = cur;
      maxAt = i;
    }
    if ((i + 1) % bucket === 0 || i === n - 1) {
      // The bucket's maximum (so no peak is lost), then where it ends.
      if (maxAt !== i) {
        x.push(xOf(maxAt));
        bytes.push(max);
        stackedValues.forEach((v) => v.push(v[v.length - 1]));
      }
      x.push(xOf(i));
      bytes.push(cur);
      stackedValues.forEach((v, j) => v.push(perLine[j]));
      max = -Infinity;
    }
  }
  const stacked = lines.map((k, j) => {
    const l = lineOfKey(k);
    return { label: l.file ? `${l.name} (${l.file}:${l.line})` : l.name, bytes: stackedValues[j] };
  });
  stacked.push({ label: 'other lines', bytes: stackedValues[lines.length] });
  return {
    device: h.device,
    axis: timed ? 'time' : 'entry',
    x,
    bytes,
    baselineBytes: baseline,
    peakBytes: peak,
    peakX: peakEntry >= 0 ? xOf(peakEntry) : 0,
    peakEntry,
    atPeak: atPeak.slice(0, 50),
    stacked,
  };
}
