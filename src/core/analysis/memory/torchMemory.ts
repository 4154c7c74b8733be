/**
 * Where the bytes of a CUDA allocator snapshot go: per device reserved / allocated / requested
 * bytes, segments and fragmentation; the largest live allocations with the Python line that made
 * them; the active memory over the recorded history (as memory_viz's Active Memory Timeline: an
 * allocation counts from its alloc to its free_completed, or free_requested where the history
 * has no free_completed) with its peak and what was live at the peak, by Python line; the
 * out-of-memory entries explained; live bytes by stack as a profile for the flame graph.
 *
 * The history is the last N events (a ring buffer): allocations live before it began are found by
 * walking it backwards from the snapshot's live blocks (a free of something never allocated in
 * it was live before it; an alloc was not), and drawn from the start.
 */
import { actionCode, type MemoryFrame, type MemoryHistory, type TorchMemorySnapshot } from '../../model/torchMemory';
import { ThreadBuilder, type Frame, type Profile } from '../../model/profile';
import { isLibraryFile } from '../torch/syncPoints';

export interface DeviceMemory {
  device: number;
  reservedBytes: number;
  allocatedBytes: number;
  activeBytes: number;
  requestedBytes: number;
  segments: number;
  /** Live (active) blocks. */
  blocks: number;
  traceEntries: number;
  /** Reserved but not allocated, and the largest such free block. */
  freeBytes: number;
  largestFreeBytes: number;
  /** 100 × free / reserved: the share of reserved memory not in use. */
  fragmentationPct: number;
  expandableSegments: number;
}

export interface SourceLine {
  file: string;
  line: number;
  name: string;
}

export interface LiveAllocation {
  device: number;
  sizeBytes: number;
  requestedBytes: number;
  address: number;
  state: string;
  /** The innermost frame of the program's own Python code (else the innermost Python frame). */
  pythonFrame?: SourceLine;
  /** Python frames, innermost first. */
  stack: SourceLine[];
}

export interface LineBytes extends SourceLine {
  bytes: number;
  count: number;
}

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

export interface OomExplanation {
  device: number;
  entry: number;
  requestedBytes: number;
  freeBytes: number;
  reservedBytes: number;
  allocatedBytes: number;
  /** Where the allocation that failed was asked for. */
  askedAt?: SourceLine;
  /** The line holding most of the allocated memory, and its share of it. */
  top?: LineBytes & { pct: number };
  text: string;
}

export interface MemoryAnalysis {
  layout: string;
  devices: DeviceMemory[];
  largest: LiveAllocation[];
  /** Live bytes at the snapshot by Python line, most first. */
  byLine: LineBytes[];
  timelines: MemoryTimeline[];
  oom: OomExplanation[];
}

const MAX_POINTS = 1000;
const STACKED_LINES = 8;

export function gib(bytes: number): string {
  const a = Math.abs(bytes);
  if (a >= 2 ** 30) return `${(bytes / 2 ** 30).toFixed(1)} GB`;
  if (a >= 2 ** 20) return `${(bytes / 2 ** 20).toFixed(a >= 100 * 2 ** 20 ? 0 : 1)} MB`;
  if (a >= 2 ** 10) return `${(bytes / 2 ** 10).toFixed(0)} KB`;
  return `${bytes} B`;
}

const isPython = (f: MemoryFrame) => /\.py$/i.test(f.filename);

/** The Python frames of a stack and the program's own innermost one. */
export function pythonPlace(s: TorchMemorySnapshot, stack: number): { frames: SourceLine[]; place?: SourceLine } {
  if (stack < 0) return { frames: [] };
  const frames = s.stacks[stack]
    .map((id) => s.frames[id])
    .filter(isPython)
    .map((f) => ({ file: f.filename, line: f.line, name: f.name }));
  return { frames, place: frames.find((f) => !isLibraryFile(f.file)) ?? frames[0] };
}

/** A key per source line (stack ids are many; lines are what people act on). */
function lineKeyOf(s: TorchMemorySnapshot, cache: Map<number, string>, stack: number): string {
  let k = cache.get(stack);
  if (k === undefined) {
    const p = pythonPlace(s, stack).place;
    k = p ? `${p.file}\u0000${p.line}\u0000${p.name}` : '';
    cache.set(stack, k);
  }
  return k;
}

function lineOfKey(k: string): SourceLine {
  if (!k) return { file: '', line: 0, name: '(no Python stack recorded)' };
  const [file, line, name] = k.split('\u0000');
  return { file, line: Number(line), name };
}

function groupLines(items: { key: string; bytes: number }[]): LineBytes[] {
  const by = new Map<string, LineBytes>();
  for (const it of items) {
    let row = by.get(it.key);
    if (!row) by.set(it.key, (row = { ...lineOfKey(it.key), bytes: 0, count: 0 }));
    row.bytes += it.bytes;
    row.count++;
  }
  return [...by.values()].sort((a, b) => b.bytes - a.bytes);
}

export function analyzeMemory(s: TorchMemorySnapshot, top = 50): MemoryAnalysis {
  const cache = new Map<number, string>();
  const devices = new Map<number, DeviceMemory>();
  const dev = (d: number) => {
    let m = devices.get(d);
    if (!m)
      devices.set(
        d,
        (m = {
          device: d,
          reservedBytes: 0,
          allocatedBytes: 0,
          activeBytes: 0,
          requestedBytes: 0,
          segments: 0,
          blocks: 0,
          traceEntries: 0,
          freeBytes: 0,
          largestFreeBytes: 0,
          fragmentationPct: 0,
          expandableSegments: 0,
        }),
      );
    return m;
  };
  const live: { device: number; b: TorchMemorySnapshot['segments'][number]['blocks'][number] }[] = [];
  for (const seg of s.segments) {
    const m = dev(seg.device);
    m.segments++;
    m.reservedBytes += seg.totalSize;
    m.allocatedBytes += seg.allocatedSize;
    m.activeBytes += seg.activeSize;
    m.requestedBytes += seg.requestedSize;
    if (seg.isExpandable) m.expandableSegments++;
    for (const b of seg.blocks) {
      if (b.state === 'inactive') m.largestFreeBytes = Math.max(m.largestFreeBytes, b.size);
      else {
        m.blocks++;
        live.push({ device: seg.device, b });
      }
    }
  }
  for (const h of s.histories) dev(h.device).traceEntries = h.action.length;
  for (const m of devices.values()) {
    m.freeBytes = Math.max(0, m.reservedBytes - m.allocatedBytes);
    m.fragmentationPct = m.reservedBytes > 0 ? (100 * m.freeBytes) / m.reservedBytes : 0;
  }
  const largest = [...live]
    .sort((a, b) => b.b.size - a.b.size)
    .slice(0, top)
    .map(({ device, b }) => {
      const p = pythonPlace(s, b.stack);
      return {
        device,
        sizeBytes: b.size,
        requestedBytes: b.requestedSize,
        address: b.address,
        state: b.state,
        pythonFrame: p.place,
        stack: p.frames,
      };
    });
  const byLine = groupLines(
    live
      .filter((x) => x.b.state === 'active_allocated')
      .map((x) => ({ key: lineKeyOf(s, cache, x.b.stack), bytes: x.b.size })),
  );
  const timelines = s.histories.map((h) => timelineOf(s, h, live, cache));
  const oom = oomEntries(s, [...devices.values()], live, cache);
  return {
    layout: s.layout,
    devices: [...devices.values()].sort((a, b) => a.device - b.device),
    largest,
    byLine,
    timelines,
    oom,
  };
}

type Live = { device: number; b: { address: number; size: number; stack: number; state: string } }[];

function timelineOf(s: TorchMemorySnapshot, h: MemoryHistory, live: Live, cache: Map<number, string>): MemoryTimeline {
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
  // What was live at the peak (replay up to it), by line.
  const liveAt = new Map<number, { size: number; key: string }>();
  for (const [addr, v] of before) liveAt.set(addr, { size: v.size, key: lineKeyOf(s, cache, v.stack) });
  for (let i = 0; i <= peakEntry; i++) {
    const a = h.action[i];
    if (a === ALLOC) liveAt.set(h.addr[i], { size: h.size[i], key: lineKeyOf(s, cache, h.stack[i]) });
    else if (a === FREE) liveAt.delete(h.addr[i]);
  }
  const atPeak = groupLines([...liveAt.values()].map((v) => ({ key: v.key, bytes: v.size })));
  // Downsampled series, and the top lines' bytes along it.
  const lines = atPeak.slice(0, STACKED_LINES).map((l) => `${l.file}\u0000${l.line}\u0000${l.name}`);
  const slot = new Map(lines.map((k, j) => [k, j]));
  const perLine = new Float64Array(lines.length + 1);
  const entryLine = (i: number) => slot.get(lineKeyOf(s, cache, h.stack[i])) ?? lines.length;
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

function oomEntries(
  s: TorchMemorySnapshot,
  devices: DeviceMemory[],
  live: Live,
  cache: Map<number, string>,
): OomExplanation[] {
  const OOM = actionCode('oom');
  const out: OomExplanation[] = [];
  for (const h of s.histories)
    for (let i = 0; i < h.action.length; i++) {
      if (h.action[i] !== OOM) continue;
      const d = devices.find((m) => m.device === h.device);
      const lines = groupLines(
        live
          .filter((x) => x.device === h.device && x.b.state === 'active_allocated')
          .map((x) => ({ key: lineKeyOf(s, cache, x.b.stack), bytes: x.b.size })),
      );
      const allocated = d?.allocatedBytes ?? 0;
      const reserved = d?.reservedBytes ?? 0;
      const t = lines.find((l) => l.file);
      const top = t && allocated > 0 ? { ...t, pct: (100 * t.bytes) / allocated } : undefined;
      const askedAt = pythonPlace(s, h.stack[i]).place;
      const free = h.deviceFree.get(i) ?? NaN;
      const where = (l: SourceLine) => (l.file ? `${l.file}:${l.line} ${l.name}` : l.name);
      out.push({
        device: h.device,
        entry: i,
        requestedBytes: h.size[i],
        freeBytes: free,
        reservedBytes: reserved,
        allocatedBytes: allocated,
        askedAt,
        top,
        text:
          `asked ${gib(h.size[i])} on device ${h.device}${askedAt ? ` at ${where(askedAt)}` : ''} with ` +
          `${Number.isFinite(free) ? gib(free) : 'an unknown amount'} free; ${gib(reserved)} held by the allocator, ` +
          `${gib(allocated)} of it allocated${top ? `, ${top.pct.toFixed(0)}% of that by ${where(top)}` : ''}` +
          (Number.isFinite(free) && h.size[i] > free + Math.max(0, reserved - allocated)
            ? ': more than the device has free even with the cache emptied'
            : Number.isFinite(free) && h.size[i] <= free + Math.max(0, reserved - allocated)
              ? ': the free bytes are there but not in one piece (fragmentation: try expandable_segments)'
              : ''),
      });
    }
  return out;
}

/** Live bytes at the snapshot by Python stack (root first), for the flame graph. */
export function liveBytesProfile(s: TorchMemorySnapshot, title: string): Profile {
  const frames: Frame[] = [];
  const frameIds = new Map<number, number>();
  const b = new ThreadBuilder('live', `live bytes · ${title}`);
  const noStack = (() => {
    frames.push({ name: '(no Python stack recorded)', kind: 'python' });
    return frames.length - 1;
  })();
  for (const seg of s.segments)
    for (const blk of seg.blocks) {
      if (blk.state !== 'active_allocated') continue;
      const py = blk.stack >= 0 ? s.stacks[blk.stack].filter((id) => isPython(s.frames[id])) : [];
      const path = py.length
        ? py
            .slice()
            .reverse()
            .map((id) => {
              let f = frameIds.get(id);
              if (f === undefined) {
                const m = s.frames[id];
                frames.push({ name: m.name, file: m.filename, line: m.line, kind: 'python' });
                frameIds.set(id, (f = frames.length - 1));
              }
              return f;
            })
        : [noStack];
      b.add(path, blk.size);
    }
  return {
    format: 'collapsed',
    unit: 'bytes',
    frames,
    threads: [b.build()],
    meta: { source: 'CUDA allocator snapshot' },
  };
}
