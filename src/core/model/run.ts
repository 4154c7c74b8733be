/**
 * A profiling run as flamelens records it in `run.json`: what was run, how, with which tool, and
 * how it ended. Plain data, serialisable to JSON; store/runStore reads and writes it.
 */
export interface RunMetadata {
  schema: 1;
  id: string;
  name: string;
  kind: 'cpu' | 'torch' | 'nsys' | 'ncu' | 'memory';
  createdAt: string;
  finishedAt?: string;
  status: 'running' | 'completed' | 'cancelled' | 'failed';
  /** What the profiled program's exit said, when it ended on its own. */
  exitCode?: number | null;
  message?: string;
  command: string[];
  cwd: string;
  sampler: 'py-spy' | 'builtin' | 'torch-profiler' | 'nsys' | 'ncu' | 'tracemalloc';
  samplerVersion?: string;
  rateHz: number;
  durationS?: number;
  pid?: number;
  interpreter?: string;
  pythonVersion?: string;
  /** File name of the profile inside the run folder. */
  output: string;
  format: 'collapsed' | 'speedscope' | 'torch-trace' | 'nsys-sqlite' | 'ncu-csv' | 'python-memory';
  samples?: number;
  fallbackReason?: string;
}

export interface RunEntry {
  dir: string;
  meta: RunMetadata;
}
