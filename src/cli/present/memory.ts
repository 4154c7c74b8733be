/** `analyze` of a CUDA allocator snapshot: devices, the OOM, the largest live allocations, the peak. */
import { visibleName as v } from '../../core/util/visibleText';
import { gib, type MemoryAnalysis, type SourceLine } from '../../core/analysis/memory/torchMemory';
import type { PythonMemoryAnalysis } from '../../core/analysis/memory/pythonMemory';

const where = (l?: SourceLine) =>
  l ? (l.file ? `${l.file}:${l.line} ${l.name}` : l.name) : '(no Python stack recorded)';

/** The JSON `analyze SNAPSHOT --json` prints (issue 22's shape, with the peak and lines added). */
export function memoryJson(a: MemoryAnalysis, top: number | undefined) {
  const n = top ?? 20;
  return {
    kind: 'torch-memory',
    layout: a.layout,
    devices: a.devices.map((d) => ({
      device: d.device,
      reservedBytes: d.reservedBytes,
      allocatedBytes: d.allocatedBytes,
      activeBytes: d.activeBytes,
      requestedBytes: d.requestedBytes,
      segments: d.segments,
      blocks: d.blocks,
      traceEntries: d.traceEntries,
      freeBytes: d.freeBytes,
      largestFreeBytes: d.largestFreeBytes,
      fragmentationPct: Math.round(d.fragmentationPct * 100) / 100,
      expandableSegments: d.expandableSegments,
    })),
    largest: a.largest.slice(0, n).map((l) => ({
      device: l.device,
      sizeBytes: l.sizeBytes,
      requestedBytes: l.requestedBytes,
      address: l.address,
      pythonFrame: l.pythonFrame
        ? { file: l.pythonFrame.file, line: l.pythonFrame.line, name: l.pythonFrame.name }
        : null,
    })),
    byLine: a.byLine.slice(0, n),
    peaks: a.timelines.map((t) => ({
      device: t.device,
      axis: t.axis,
      peakBytes: t.peakBytes,
      peakAt: t.peakX,
      baselineBytes: t.baselineBytes,
      atPeak: t.atPeak.slice(0, n),
    })),
    oom: a.oom.map((o) => ({
      device: o.device,
      requestedBytes: o.requestedBytes,
      freeBytes: Number.isFinite(o.freeBytes) ? o.freeBytes : null,
      reservedBytes: o.reservedBytes,
      allocatedBytes: o.allocatedBytes,
      askedAt: o.askedAt ?? null,
      top: o.top ?? null,
      text: o.text,
    })),
  };
}

export function memoryText(file: string, a: MemoryAnalysis, top: number | undefined): string {
  const n = top ?? 10;
  let out = `${v(file)}: CUDA allocator snapshot (${a.layout})\n`;
  for (const o of a.oom) out += `out of memory: ${v(o.text)}\n`;
  out += '\n';
  for (const d of a.devices)
    out +=
      `device ${d.device}: ${gib(d.reservedBytes)} reserved, ${gib(d.allocatedBytes)} allocated ` +
      `(${gib(d.requestedBytes)} requested), ${d.segments} segments, ${d.blocks} live blocks, ` +
      `${d.fragmentationPct.toFixed(1)}% of reserved not in use (largest free block ${gib(d.largestFreeBytes)}), ` +
      `${d.traceEntries.toLocaleString('en-US')} history entries\n`;
  for (const t of a.timelines) {
    out += `\ndevice ${t.device}: peak ${gib(t.peakBytes)} active at ${t.axis === 'time' ? `${(t.peakX / 1000).toFixed(1)} ms` : `entry ${t.peakX}`} of the history; live then, by line:\n`;
    for (const l of t.atPeak.slice(0, n))
      out += `${gib(l.bytes).padStart(10)} ${String(l.count).padStart(6)}  ${v(where(l))}\n`;
  }
  if (a.largest.length) {
    out += `\nlargest live allocations:\n`;
    for (const l of a.largest.slice(0, n))
      out += `${gib(l.sizeBytes).padStart(10)}  device ${l.device}  ${v(where(l.pythonFrame))}\n`;
  }
  return out;
}

/** `analyze` of a Python memory profile: peak and end, lines and functions, leak candidates, types. */
export function pythonMemoryJson(a: PythonMemoryAnalysis, top: number | undefined) {
  const n = top ?? 50;
  return {
    kind: 'python-memory',
    durationS: a.durationS,
    tracerS: a.tracerS,
    peakBytes: a.peakBytes,
    finalBytes: a.finalBytes,
    lines: a.lines.slice(0, n).map((l) => ({
      file: l.file,
      line: l.line,
      function: l.function,
      netBytes: l.netBytes,
      peakBytes: l.peakBytes,
      // tracemalloc counts live blocks, not allocations already freed: the most blocks the line
      // held at the two moments recorded (the peak, the end).
      allocations: Math.max(l.netBlocks, l.peakBlocks),
      netBlocks: l.netBlocks,
      peakBlocks: l.peakBlocks,
    })),
    functions: a.functions.slice(0, n),
    leaks: a.leaks.map((l) => ({
      ...l,
      bytesPerSecond: Math.round(l.bytesPerSecond),
      r2: Math.round(l.r2 * 1000) / 1000,
    })),
    types: a.types.slice(0, n),
  };
}

export function pythonMemoryText(file: string, a: PythonMemoryAnalysis, top: number | undefined): string {
  const n = top ?? 10;
  let out = `${v(file)}: Python memory profile: peak ${gib(a.peakBytes)} traced, ${gib(a.finalBytes)} still held at the end\n`;
  if (a.tracerS !== undefined && a.durationS > 0)
    out += `run ${a.durationS.toFixed(2)} s under tracemalloc, of which the tracer's own work ${a.tracerS.toFixed(2)} s (${((100 * a.tracerS) / a.durationS).toFixed(1)}%)\n`;
  for (const l of a.leaks.slice(0, 5))
    out += `leak candidate: ${v(`${l.file}:${l.line} ${l.function}`)} grows ${gib(l.bytesPerSecond)}/s (R² ${l.r2.toFixed(2)}), ${gib(l.firstBytes)} → ${gib(l.lastBytes)}\n`;
  out += `\n${'at peak'.padStart(10)} ${'at end'.padStart(10)}  line\n`;
  for (const l of a.lines.slice(0, n))
    out += `${gib(l.peakBytes).padStart(10)} ${gib(l.netBytes).padStart(10)}  ${v(`${l.file}:${l.line} ${l.function}`)}\n`;
  const grew = a.types.filter((t) => t.delta > 0).slice(0, 5);
  if (grew.length) out += `\nobjects that grew: ${grew.map((t) => `${v(t.type)} +${t.delta}`).join(', ')}\n`;
  return out;
}
