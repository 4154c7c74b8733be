/**
 * What a Python heap profile says: per line and per function the bytes held at the end (net)
 * and at the peak, leak candidates (lines whose held bytes keep growing: the least-squares slope
 * of their bytes over time, in bytes a second, and how well a line fits them, R²), the objects by
 * type that grew, and the bytes held at the peak as a profile for the flame graph.
 */
import type { PythonMemoryLine, PythonMemoryProfile } from '../../model/pythonMemory';
import { ThreadBuilder, type Frame, type Profile } from '../../model/profile';
import { leastSquares } from '../gpu/growthTrend';

export interface LeakCandidate {
  file: string;
  line: number;
  function: string;
  /** Least-squares slope of the line's held bytes over time. */
  bytesPerSecond: number;
  /** How well that line fits (1: exactly). */
  r2: number;
  firstBytes: number;
  lastBytes: number;
}

export interface FunctionBytes {
  file: string;
  function: string;
  netBytes: number;
  peakBytes: number;
}

export interface PythonMemoryAnalysis {
  durationS: number;
  tracerS?: number;
  peakBytes: number;
  finalBytes: number;
  lines: PythonMemoryLine[];
  functions: FunctionBytes[];
  leaks: LeakCandidate[];
  types: PythonMemoryProfile['types'];
}

/** Least squares of y over x: slope and R² (none claimed from fewer than 3 points or a flat x). */
export function fitLine(x: readonly number[], y: readonly number[]): { slope: number; r2: number } {
  return (x.length >= 3 && leastSquares(x, y)) || { slope: 0, r2: 0 };
}

/** A leak candidate: grows steadily (R² ≥ 0.8) by 1 MiB or more over the run, and holds most at the end. */
const MIN_GROWTH = 2 ** 20;

export function analyzePythonMemory(p: PythonMemoryProfile): PythonMemoryAnalysis {
  const fnOf = new Map(p.lines.map((l) => [`${l.file}\u0000${l.line}`, l.function]));
  const leaks: LeakCandidate[] = [];
  for (const s of p.series.lines) {
    const { slope, r2 } = fitLine(p.series.t, s.bytes);
    const first = s.bytes[0] ?? 0;
    const last = s.bytes[s.bytes.length - 1] ?? 0;
    if (slope <= 0 || r2 < 0.8 || last - first < MIN_GROWTH || last < Math.max(...s.bytes) * 0.9) continue;
    leaks.push({
      file: s.file,
      line: s.line,
      function: fnOf.get(`${s.file}\u0000${s.line}`) ?? '',
      bytesPerSecond: slope,
      r2,
      firstBytes: first,
      lastBytes: last,
    });
  }
  leaks.sort((a, b) => b.bytesPerSecond - a.bytesPerSecond);
  const byFn = new Map<string, FunctionBytes>();
  for (const l of p.lines) {
    const k = `${l.file}\u0000${l.function}`;
    const f = byFn.get(k) ?? byFn.set(k, { file: l.file, function: l.function, netBytes: 0, peakBytes: 0 }).get(k)!;
    f.netBytes += l.netBytes;
    f.peakBytes += l.peakBytes;
  }
  return {
    durationS: p.durationS,
    tracerS: p.tracerS,
    peakBytes: p.peakBytes,
    finalBytes: p.finalBytes,
    lines: [...p.lines].sort(
      (a, b) => Math.max(b.peakBytes, b.netBytes) - Math.max(a.peakBytes, a.netBytes) || b.netBytes - a.netBytes,
    ),
    functions: [...byFn.values()].sort(
      (a, b) => Math.max(b.peakBytes, b.netBytes) - Math.max(a.peakBytes, a.netBytes) || b.netBytes - a.netBytes,
    ),
    leaks,
    types: p.types,
  };
}

/** Frames by (name, file, line), each made once, for a profile of bytes. */
function frameTable() {
  const frames: Frame[] = [];
  const ids = new Map<string, number>();
  const frame = (name: string, file?: string, line?: number) => {
    const k = `${name}\u0000${file ?? ''}\u0000${line ?? ''}`;
    let id = ids.get(k);
    if (id === undefined) {
      frames.push({ name, file, line, kind: 'python' });
      ids.set(k, (id = frames.length - 1));
    }
    return id;
  };
  return { frames, frame };
}

/** The recorded stacks (innermost first in the file) into `b`, root first; false when there are none. */
function addStacks(p: PythonMemoryProfile, frame: ReturnType<typeof frameTable>['frame'], b: ThreadBuilder): boolean {
  for (const s of p.stacks)
    b.add(
      [...s.frames].reverse().map((f) => frame(f.function || '<module>', f.file, f.line)),
      s.bytes,
    );
  return p.stacks.length > 0;
}

const bytesProfile = (frames: Frame[], b: ThreadBuilder): Profile => ({
  format: 'collapsed',
  unit: 'bytes',
  frames,
  threads: [b.build()],
  meta: { source: 'flamelens memory tracer' },
});

/** Bytes held at the peak by stack (root first): recorded stacks, else file → function → line. */
export function peakBytesProfile(p: PythonMemoryProfile): Profile {
  const { frames, frame } = frameTable();
  const b = new ThreadBuilder('peak', 'bytes held at the peak');
  if (!addStacks(p, frame, b))
    for (const l of p.lines)
      if (l.peakBytes > 0)
        b.add([frame(l.function || '<module>', l.file), frame(`line ${l.line}`, l.file, l.line)], l.peakBytes);
  return bytesProfile(frames, b);
}

/**
 * Bytes held at the peak with a frame per (function, file, line), the shape of a CPU sampler's
 * Python frames: what the editor's function lenses, line heat and hovers read. Recorded stacks
 * as they are; else each line alone, so a function's total is the sum of its lines.
 */
export function peakBytesByLine(p: PythonMemoryProfile): Profile {
  const { frames, frame } = frameTable();
  const b = new ThreadBuilder('peak', 'bytes held at the peak');
  if (!addStacks(p, frame, b))
    for (const l of p.lines) if (l.peakBytes > 0) b.add([frame(l.function || '<module>', l.file, l.line)], l.peakBytes);
  return bytesProfile(frames, b);
}
