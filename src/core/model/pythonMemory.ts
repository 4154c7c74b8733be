/**
 * A Python heap profile written by flamelens' tracer (media/flamelens_memory_tracer.py, on
 * tracemalloc): what each source line holds at the end (net) and at the peak of traced memory,
 * stacks at the peak when more than one frame was recorded, the top lines' held bytes over time,
 * and live objects by type at the start and the end.
 */
export interface PythonMemoryLine {
  file: string;
  line: number;
  function: string;
  netBytes: number;
  netBlocks: number;
  peakBytes: number;
  peakBlocks: number;
}

export interface PythonMemoryProfile {
  python: string;
  frames: number;
  durationS: number;
  /** The tracer's own time as it measured it (object counts, snapshots, the summary); absent before it did. */
  tracerS?: number;
  exitCode: number;
  peakBytes: number;
  /** Traced bytes in the snapshot kept as the peak (within 10% of peakBytes). */
  peakSnapshotBytes: number;
  peakAtS: number;
  finalBytes: number;
  lines: PythonMemoryLine[];
  /** At the peak, by stack (innermost frame first), when frames > 1. */
  stacks: { bytes: number; blocks: number; frames: { file: string; line: number; function: string }[] }[];
  series: { t: number[]; lines: { file: string; line: number; bytes: number[] }[] };
  types: { type: string; before: number; after: number; delta: number }[];
  notes: string[];
}
