/**
 * Benchmark results: what one benchmark measured in one session (`BenchmarkRun`), a set of them
 * from one `flamelens bench` (or one pytest-benchmark JSON file) with the machine it ran on
 * (`BenchmarkResultSet`). Plain data, serialisable to JSON; times are in seconds per call.
 */

export interface EnvironmentFingerprint {
  os?: { platform: string; release: string; arch: string };
  hostname?: string;
  cpu?: { model: string; cores: number };
  memoryBytes?: number;
  node?: string;
  python?: { version: string; implementation?: string; executable?: string };
  torch?: { version: string; cuda?: string; cudnn?: string; cudaAvailable?: boolean };
  gpus?: { name: string; driver?: string; memoryMiB?: number }[];
  git?: { commit: string; branch?: string; dirty: boolean };
}

/** Summary numbers a file gave without its samples (pytest-benchmark autosaves). */
export interface SummaryOnly {
  n: number;
  mean: number;
  median: number;
  stddev: number;
  min: number;
  max: number;
  q1?: number;
  q3?: number;
}

/** GPU clocks and temperature sampled (nvidia-smi) while a benchmark ran, per GPU. */
export interface GpuConditions {
  index: number;
  name?: string;
  readings: number;
  smClockMHz?: { min: number; median: number; max: number };
  memClockMHz?: { min: number; median: number; max: number };
  temperatureC?: { min: number; max: number };
  powerDrawW?: { max: number };
  utilizationGpu?: { median: number };
}

export type Timing = 'wall' | 'cuda-events' | 'cuda-sync';

export interface SourceLocation {
  /** Path as recorded: relative to the result's root folder when it lies inside it. */
  file: string;
  function: string;
  className?: string;
  line?: number;
}

export interface BenchmarkRun {
  /** Unique within its result set: the configured name, or pytest's full test id. */
  name: string;
  kind: 'command' | 'callable' | 'pytest-benchmark';
  /** Seconds per call, in the order measured. Empty when only a summary is known, or on failure. */
  samples: number[];
  summary?: SummaryOnly;
  warmup?: number;
  timing: Timing;
  location?: SourceLocation;
  params?: Record<string, unknown>;
  gpu?: GpuConditions[];
  /** Why the benchmark produced no (or fewer) samples. */
  error?: string;
  startedAt?: string;
  finishedAt?: string;
}

export interface BenchmarkResultSet {
  kind: 'flamelens-bench';
  version: 1;
  /** File-name-safe id, unique per workspace (time and commit). */
  id: string;
  createdAt: string;
  source: 'flamelens' | 'pytest-benchmark';
  /** Baseline name when this set was saved as a baseline. */
  baseline?: string;
  /** Folder paths in locations are relative to. */
  root?: string;
  environment: EnvironmentFingerprint;
  benchmarks: BenchmarkRun[];
  /** Where it was read from, when not flamelens' own store (a pytest-benchmark file). */
  origin?: string;
  /** The file this set was read from, for messages (never saved). */
  readFrom?: string;
}
