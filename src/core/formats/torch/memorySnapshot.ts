/**
 * CUDA caching-allocator snapshots (pickles of `torch.cuda.memory._snapshot()`) into the model,
 * through the safe pickle reader: every layout from torch 2.0 (blocks with `history` and no
 * address, a bare list of segments) to today (blocks and history entries with `frames`,
 * `time_us`, `compile_context`, `user_metadata`, expandable segments, `oom` entries with
 * `device_free`, several devices, empty snapshots). What is not as expected is a FormatError
 * naming the file and the place ("segments[3].blocks[2]: …").
 */
import { promises as fs } from 'node:fs';
import { FormatError } from '../formatError';
import { PickleError, readPickle, readPickleFile, type PickleDict, type PickleHooks } from '../pickle/pickleReader';
import { isDict, num, Shape, Stacks } from './memoryStacks';
import { actionOf, EntryColumns, EntryRef, listHook, recordHook } from './memoryRecords';
import {
  type BlockState,
  type MemoryAnnotation,
  type MemoryHistory,
  type MemorySegment,
  type TorchMemorySnapshot,
} from '../../model/torchMemory';

/** Whether the first bytes are a pickle at all (for the message when it is not a snapshot). */
export const isPickle = (head: Buffer): boolean => head[0] === 0x80 && head[1] >= 2 && head[1] <= 5;

const STATES: BlockState[] = ['active_allocated', 'active_pending_free', 'inactive'];

function need(d: PickleDict, key: string, at: string): number {
  const v = num(d[key]);
  if (v === undefined) throw new Shape(`${at}`, `'${key}' is ${d[key] === undefined ? 'missing' : 'not a number'}`);
  return v;
}

/** The snapshot from its unpickled value (`file` names it in errors). */
export function memorySnapshotFrom(
  value: unknown,
  file: string,
  st = new Stacks(),
  cols = new EntryColumns(),
): TorchMemorySnapshot {
  try {
    return build(value, st, cols);
  } catch (e) {
    if (e instanceof Shape) throw new FormatError(file, e.place, e.expected);
    throw e;
  }
}

function build(value: unknown, st: Stacks, cols: EntryColumns): TorchMemorySnapshot {
  const top = isDict(value) ? value : undefined;
  const rawSegments = Array.isArray(value) ? value : top?.segments;
  if (!Array.isArray(rawSegments))
    throw new Shape(
      '',
      "expected a CUDA allocator snapshot (a dict with 'segments', or a list of segments), found " +
        (top ? `a dict with ${Object.keys(top).slice(0, 6).join(', ') || 'no keys'}` : typeof value),
    );
  const segments = rawSegments.map((s, i) => segmentOf(s, `segments[${i}]`, st));
  const histories: MemoryHistory[] = [];
  const traces = top?.device_traces;
  if (traces !== undefined && traces !== null) {
    if (!Array.isArray(traces)) throw new Shape('device_traces', 'not a list');
    traces.forEach((t, device) => {
      if (!Array.isArray(t)) throw new Shape(`device_traces[${device}]`, 'not a list');
      if (t.length) histories.push(historyOf(t, device, st, cols));
    });
  }
  const annotations: MemoryAnnotation[] = [];
  if (Array.isArray(top?.external_annotations))
    for (const a of top.external_annotations)
      if (isDict(a))
        annotations.push({
          name: String(a.name ?? ''),
          stage: String(a.stage ?? ''),
          device: num(a.device) ?? 0,
          timeUs: num(a.time_us) ?? NaN,
        });
  const settings: Record<string, string> = {};
  if (isDict(top?.allocator_settings))
    for (const [k, v] of Object.entries(top.allocator_settings))
      if (typeof v !== 'object' || v === null) settings[k] = String(v);
  const layout = !top
    ? 'a list of segments (torch.cuda.memory_snapshot())'
    : rawSegments.some((s) => isDict(s) && Array.isArray(s.blocks) && s.blocks.some((b) => isDict(b) && 'history' in b))
      ? 'torch 2.0 layout (blocks with history)'
      : top.allocator_settings
        ? 'torch 2.1+ layout'
        : 'torch 2.0/2.1 layout';
  return { segments, histories, stacks: st.stacks, frames: st.frames, annotations, settings, layout };
}

function segmentOf(s: unknown, at: string, st: Stacks): MemorySegment {
  if (!isDict(s)) throw new Shape(`${at}`, `not a dict`);
  const address = need(s, 'address', at);
  const totalSize = need(s, 'total_size', at);
  if (!Array.isArray(s.blocks))
    throw new Shape(`${at}`, `'blocks' is ${s.blocks === undefined ? 'missing' : 'not a list'}`);
  let next = address;
  const blocks = s.blocks.map((b, j) => {
    const here = `${at}.blocks[${j}]`;
    if (!isDict(b)) throw new Shape(`${here}`, `not a dict`);
    const size = need(b, 'size', here);
    const state = STATES.includes(b.state as BlockState) ? (b.state as BlockState) : 'inactive';
    // torch 2.0: no address and no frames on the block; its history's last entry has both.
    const history = Array.isArray(b.history) ? b.history : undefined;
    const last =
      history && isDict(history[history.length - 1]) ? (history[history.length - 1] as PickleDict) : undefined;
    const blockAddress = num(b.address) ?? num(last?.addr) ?? next;
    next = blockAddress + size;
    const frames = b.frames ?? last?.frames;
    return {
      address: blockAddress,
      size,
      requestedSize: num(b.requested_size) ?? num(last?.real_size) ?? size,
      state,
      stack: st.stack(frames, () => here),
    };
  });
  const sum = (f: (b: (typeof blocks)[number]) => number) => blocks.reduce((a, b) => a + f(b), 0);
  return {
    device: num(s.device) ?? 0,
    address,
    totalSize,
    allocatedSize: num(s.allocated_size) ?? sum((b) => (b.state === 'active_allocated' ? b.size : 0)),
    activeSize: num(s.active_size) ?? sum((b) => (b.state !== 'inactive' ? b.size : 0)),
    requestedSize: num(s.requested_size) ?? sum((b) => (b.state !== 'inactive' ? b.requestedSize : 0)),
    stream: num(s.stream) ?? 0,
    segmentType: typeof s.segment_type === 'string' ? s.segment_type : '',
    isExpandable: s.is_expandable === true,
    blocks,
  };
}

function historyOf(t: unknown[], device: number, st: Stacks, cols: EntryColumns): MemoryHistory {
  const n = t.length;
  const h: MemoryHistory = {
    device,
    action: new Uint8Array(n),
    addr: new Float64Array(n),
    size: new Float64Array(n),
    timeUs: new Float64Array(n),
    stream: new Float64Array(n),
    stack: new Int32Array(n),
    deviceFree: new Map(),
  };
  for (let i = 0; i < n; i++) {
    const e = t[i];
    if (e instanceof EntryRef) {
      // Compacted while the pickle was read (memoryRecords.ts).
      const j = e.index;
      h.action[i] = cols.action[j];
      h.addr[i] = cols.addr[j];
      h.size[i] = cols.size[j];
      h.timeUs[i] = cols.timeUs[j];
      h.stream[i] = cols.stream[j];
      h.stack[i] = cols.stack[j];
      const free = cols.deviceFree.get(j);
      if (free !== undefined) h.deviceFree.set(i, free);
      continue;
    }
    if (!isDict(e)) throw new Shape(`device_traces[${device}][${i}]`, 'not a dict');
    h.action[i] = actionOf(e.action);
    h.addr[i] = num(e.addr) ?? NaN;
    h.size[i] = num(e.size) ?? 0;
    h.timeUs[i] = num(e.time_us) ?? NaN;
    h.stream[i] = num(e.stream) ?? 0;
    h.stack[i] = st.stack(e.frames, () => `device_traces[${device}][${i}]`);
    if (e.device_free !== undefined) h.deviceFree.set(i, num(e.device_free) ?? NaN);
  }
  return h;
}

/** Reads a snapshot file (a pickle; never run, see pickleReader) through a window, never whole. */
export async function readMemorySnapshot(file: string): Promise<TorchMemorySnapshot> {
  let fh: fs.FileHandle;
  try {
    fh = await fs.open(file, 'r');
  } catch (e) {
    throw new FormatError(file, '', `cannot read the file: ${(e as Error).message}`);
  }
  try {
    const size = (await fh.stat()).size;
    return fromPickle(file, (hooks) => readPickleFile(fh.fd, size, hooks));
  } finally {
    await fh.close();
  }
}

export function parseMemorySnapshot(bytes: Uint8Array, file: string): TorchMemorySnapshot {
  return fromPickle(file, (hooks) => readPickle(bytes, hooks));
}

function fromPickle(file: string, read: (hooks: PickleHooks) => unknown): TorchMemorySnapshot {
  const st = new Stacks();
  const cols = new EntryColumns();
  let value: unknown;
  try {
    value = read({ items: recordHook(st, cols), list: listHook(st) });
  } catch (e) {
    if (e instanceof PickleError) throw new FormatError(file, `byte ${e.offset}`, e.message);
    throw e;
  }
  return memorySnapshotFrom(value, file, st, cols);
}
