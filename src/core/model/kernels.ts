/**
 * GPU kernels and CUDA activity as Nsight Systems and Nsight Compute report them. Plain data,
 * times in nanoseconds.
 */

/** Duration statistics of one name (kernel, API call, transfer kind, NVTX range), as `nsys stats` prints them. */
export interface DurationStat {
  name: string;
  calls: number;
  totalNs: number;
  avgNs: number;
  medianNs: number;
  minNs: number;
  maxNs: number;
  /** Sample standard deviation (n − 1), 0 for a single call, as nsys. */
  stddevNs: number;
  /** Share of the summed total of the table. */
  timePct: number;
}

export interface MemoryStat extends DurationStat {
  /** Bytes moved (or set) by all calls; undefined where the source has no sizes. */
  totalBytes?: number;
  minBytes?: number;
  maxBytes?: number;
}

export interface NvtxStat extends DurationStat {
  /** PushPop or StartEnd. */
  style?: string;
}

/** One kernel launch or memory operation on a device (a row of the trace). */
export interface GpuActivity {
  kind: 'kernel' | 'memcpy' | 'memset';
  name: string;
  startNs: number;
  endNs: number;
  deviceId: number;
  streamId?: number;
  bytes?: number;
  grid?: [number, number, number];
  block?: [number, number, number];
  registersPerThread?: number;
}

export interface DeviceTimeline {
  deviceId: number;
  name?: string;
  startNs: number;
  endNs: number;
  /** Time with at least one kernel or memory operation running (overlaps counted once). */
  busyNs: number;
  /** Busy fraction (0–1) in equal buckets between startNs and endNs. */
  buckets: number[];
}

export interface NsysReport {
  source: 'nsys-sqlite' | 'nsys-csv';
  file: string;
  /** Nsight Systems version when the file records it. */
  version?: string;
  kernels: DurationStat[];
  api: DurationStat[];
  memoryTime: MemoryStat[];
  memorySize: MemoryStat[];
  nvtx: NvtxStat[];
  /** NVTX ranges grouped by operator when their names carry PyTorch emit_nvtx's per-call suffixes. */
  nvtxOperators?: NvtxStat[];
  osrt: DurationStat[];
  /** Per-launch rows when the source has them (SQLite, cuda_gpu_trace). */
  activities?: GpuActivity[];
  devices: DeviceTimeline[];
  /** Reports the file did not have data for (SKIPPED lines, empty tables). */
  skipped: string[];
}

export interface NcuMetric {
  value: number | string;
  unit?: string;
  section?: string;
}

export interface NcuRule {
  name: string;
  type?: string;
  description: string;
  section?: string;
  /** Estimated speedup in percent of the kernel's duration, when ncu gives one. */
  speedupPct?: number;
  speedupType?: string;
}

export interface NcuLaunch {
  id: number;
  name: string;
  processId?: number;
  processName?: string;
  device?: number;
  cc?: string;
  block?: string;
  grid?: string;
  stream?: string;
  /** By metric name (raw names like gpu__time_duration.sum, or section metric names like Duration). */
  metrics: Record<string, NcuMetric>;
  rules: NcuRule[];
}

export interface NcuReport {
  source: 'ncu-csv';
  page: 'details' | 'raw';
  file: string;
  launches: NcuLaunch[];
  /** The `==PROF==`/`==WARNING==`/`==ERROR==` lines, e.g. "No kernels were profiled." */
  messages: string[];
}
