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
import { PickleError, readPickle, type PickleDict } from '../pickle/pickleReader';
import {
  ACTIONS,
  type BlockState,
  type MemoryAction,
  type MemoryAnnotation,
  type MemoryFrame,
  type MemoryHistory,
  type MemorySegment,
  type TorchMemorySnapshot,
} from '../../model/torchMemory';

/** Whether a file's first bytes look like a pickled allocator snapshot. */
export function looksLikeMemorySnapshot(head: Buffer): boolean {
  if (head[0] !== 0x80 || head[1] < 2 || head[1] > 5) return false;
  const text = head.toString('latin1');
  return /segments|device_traces|total_size|allocated_size/.test(text);
}

/** Whether the first bytes are a pickle at all (for the message when it is not a snapshot). */
export const isPickle = (head: Buffer): boolean => head[0] === 0x80 && head[1] >= 2 && head[1] <= 5;

/** What is not as a snapshot should be, at a place ("segments[3].blocks[2]"). */
class Shape extends Error {
  constructor(
    readonly place: string,
    readonly expected: string,
  ) {
    super(`${place}: ${expected}`);
  }
}

const isDict = (v: unknown): v is PickleDict =>
  !!v && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Set) && !(v instanceof Uint8Array);

const STATES: BlockState[] = ['active_allocated', 'active_pending_free', 'inactive'];

/** Interns frames (by file, name and line) and stacks (a trie of frame ids, innermost first). */
class Stacks {
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

  /** A frames list's stack id (-1 for none or empty); `at` names it in errors. */
  stack(list: unknown, at: () => string): number {
    if (list === undefined || list === null) return -1;
    if (list === this.lastList) return this.lastStack;
    if (!Array.isArray(list)) throw new Shape(`${at()}`, `'frames' is not a list`);
    if (list.length === 0) return -1;
    let node = 0;
    for (let k = 0; k < list.length; k++) {
      const f = list[k];
      if (!isDict(f)) throw new Shape(`${at()}.frames[${k}]`, `not a dict`);
      const filename = typeof f.filename === 'string' ? f.filename : '';
      const name = typeof f.name === 'string' ? f.name : '';
      const line = typeof f.line === 'number' ? f.line : 0;
      const id = this.frame(filename, name, line);
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
      this.stacks.push(
        list.map((f: PickleDict) =>
          this.frame(
            typeof f.filename === 'string' ? f.filename : '',
            typeof f.name === 'string' ? f.name : '',
            typeof f.line === 'number' ? f.line : 0,
          ),
        ),
      );
      this.stackOf[node] = s;
    }
    this.lastList = list;
    this.lastStack = s;
    return s;
  }
}

const num = (v: unknown): number | undefined =>
  typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : typeof v === 'boolean' ? Number(v) : undefined;

function need(d: PickleDict, key: string, at: string): number {
  const v = num(d[key]);
  if (v === undefined) throw new Shape(`${at}`, `'${key}' is ${d[key] === undefined ? 'missing' : 'not a number'}`);
  return v;
}

/** The snapshot from its unpickled value (`file` names it in errors). */
export function memorySnapshotFrom(value: unknown, file: string): TorchMemorySnapshot {
  try {
    return build(value);
  } catch (e) {
    if (e instanceof Shape) throw new FormatError(file, e.place, e.expected);
    throw e;
  }
}

function build(value: unknown): TorchMemorySnapshot {
  const top = isDict(value) ? value : undefined;
  const rawSegments = Array.isArray(value) ? value : top?.segments;
  if (!Array.isArray(rawSegments))
    throw new Shape(
      '',
      "expected a CUDA allocator snapshot (a dict with 'segments', or a list of segments), found " +
        (top ? `a dict with ${Object.keys(top).slice(0, 6).join(', ') || 'no keys'}` : typeof value),
    );
  const st = new Stacks();
  const segments = rawSegments.map((s, i) => segmentOf(s, `segments[${i}]`, st));
  const histories: MemoryHistory[] = [];
  const traces = top?.device_traces;
  if (traces !== undefined && traces !== null) {
    if (!Array.isArray(traces)) throw new Shape('device_traces', 'not a list');
    traces.forEach((t, device) => {
      if (!Array.isArray(t)) throw new Shape(`device_traces[${device}]`, 'not a list');
      if (t.length) histories.push(historyOf(t, device, st));
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

const CODES = new Map<string, number>(ACTIONS.map((a, i) => [a, i]));
// torch 2.0 called free_completed "free".
CODES.set('free', ACTIONS.indexOf('free_completed'));

function historyOf(t: unknown[], device: number, st: Stacks): MemoryHistory {
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
  const other = ACTIONS.indexOf('other');
  for (let i = 0; i < n; i++) {
    const e = t[i];
    if (!isDict(e)) throw new Shape(`device_traces[${device}][${i}]`, 'not a dict');
    const code = CODES.get(e.action as MemoryAction) ?? other;
    h.action[i] = code;
    h.addr[i] = num(e.addr) ?? NaN;
    h.size[i] = num(e.size) ?? 0;
    h.timeUs[i] = num(e.time_us) ?? NaN;
    h.stream[i] = num(e.stream) ?? 0;
    h.stack[i] = st.stack(e.frames, () => `device_traces[${device}][${i}]`);
    if (e.device_free !== undefined) h.deviceFree.set(i, num(e.device_free) ?? NaN);
  }
  return h;
}

/** Reads a snapshot file (a pickle; never run, see pickleReader). */
export async function readMemorySnapshot(file: string): Promise<TorchMemorySnapshot> {
  let bytes: Buffer;
  try {
    bytes = await fs.readFile(file);
  } catch (e) {
    throw new FormatError(file, '', `cannot read the file: ${(e as Error).message}`);
  }
  return parseMemorySnapshot(bytes, file);
}

export function parseMemorySnapshot(bytes: Uint8Array, file: string): TorchMemorySnapshot {
  let value: unknown;
  try {
    value = readPickle(bytes);
  } catch (e) {
    if (e instanceof PickleError) throw new FormatError(file, `byte ${e.offset}`, e.message);
    throw e;
  }
  return memorySnapshotFrom(value, file);
}
