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
import { actionCode, type TorchMemorySnapshot } from '../../model/torchMemory';
import { ThreadBuilder, type Frame, type Profile } from '../../model/profile';
import { gib, groupLines, isPython, lineKeyOf, pythonPlace, type LineBytes, type SourceLine } from './memoryLines';
import { timelineOf, type Live, type MemoryTimeline } from './memoryTimeline';

export { gib, pythonPlace, type LineBytes, type SourceLine } from './memoryLines';
export type { MemoryTimeline } from './memoryTimeline';

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
