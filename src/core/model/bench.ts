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
  /** Interleaved sessions: the block each sample was measured in (parallel to `samples`). */
  blocks?: number[];
  /**
   * Callables with calibration: the median seconds of the fixed probe in each process, in order
   * (one per block of an interleaved session; absent where a process measured none).
   */
  calibration?: (number | null)[];
}

/** The machine's state over one session (Linux /proc and /sys), for telling drift from change. */
export interface MachineState {
  /** 1-minute load average. */
  loadAverage?: number;
  /** CPUs' worth of time other processes used (all busy time minus this session's own). */
  otherCpus?: number;
  /** Mean CPU clock in MHz. */
  cpuMHz?: number;
  /** Thermal throttle events counted by the kernel (package and core), cumulative. */
  throttleCount?: number;
}

export interface SessionConditions {
  cpus: number;
  /** Just before the first run. */
  before: MachineState;
  /** Over the runs: means of the readings taken between benchmarks, throttle events in them. */
  during: MachineState;
}

/** The baseline side of an interleaved session (`bench --against`): same benchmarks, same blocks. */
export interface InterleavedBaseline {
  /** What was asked for: a git ref, a folder or a command. */
  against: string;
  kind: 'git' | 'folder' | 'command';
  /** The commit a git ref named. */
  commit?: string;
  blocks: number;
  benchmarks: BenchmarkRun[];
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
  /** Load, other processes, clocks and throttling around the runs, where readable. */
  conditions?: SessionConditions;
  /** Set by `bench --against`: the baseline measured in the same session, block by block. */
  interleaved?: InterleavedBaseline;
}
