/**
 * A PyTorch profiler trace (Chrome trace written by torch.profiler / Kineto, or by the legacy
 * autograd profiler), reduced to what the analyses need. Times are microseconds relative to the
 * trace's first event; plain data, serialisable to JSON.
 */
export interface CpuOp {
  name: string;
  /** 'op' for operators, 'annotation' for record_function / user annotations. */
  kind: 'op' | 'annotation';
  ts: number;
  dur: number;
  pid: string;
  tid: string;
  externalId?: number;
  inputDims?: unknown;
  /**
   * The Python call stack at the operator, innermost first, each "file.py(line): function" with
   * the line being the one executing (the call site): Kineto traces of torch 1.8–1.10 recorded
   * with_stack carry it as the "Call stack" argument, and flamelens' launcher adds it to the
   * legacy traces of torch 1.13. Later Kineto traces have python_function spans instead.
   */
  callStack?: string;
}

/**
 * Correlation ids are numbered per process. Where a trace holds several processes that each
 * numbered their own (an Nsight Systems export), each process's ids are moved into a range of
 * this width of their own (its index × this), so that equal numbers never link two processes.
 */
export const CORRELATION_RANGE = 2 ** 32;

export interface RuntimeCall {
  name: string;
  ts: number;
  dur: number;
  pid: string;
  tid: string;
  correlation?: number;
  externalId?: number;
}

export type GpuKind = 'kernel' | 'memcpy' | 'memset';

export interface GpuActivity {
  name: string;
  kind: GpuKind;
  ts: number;
  dur: number;
  device: number;
  stream: number;
  correlation?: number;
  externalId?: number;
  /** Shared by the activities that carry the same list (the readers intern them): read only. */
  grid?: readonly number[];
  block?: readonly number[];
  registersPerThread?: number;
  sharedMemory?: number;
  occupancy?: number;
  bytes?: number;
}

/**
 * A synchronisation as the GPU side records it (category `cuda_sync`, torch 2.1+ with
 * `enable_cuda_sync_events`): "Stream Sync", "Context Sync", "Event Sync" (the CPU waits) and
 * "Stream Wait Event" (a stream waits for an event recorded on another). `correlation` is the
 * runtime call's; `waitOnStream` and `waitOnEventRecord` (the cudaEventRecord call's
 * correlation) say which work an event sync waits for.
 */
export interface GpuSync {
  name: string;
  ts: number;
  dur: number;
  device: number;
  stream: number;
  correlation?: number;
  waitOnStream?: number;
  waitOnEventRecord?: number;
}

/** A Python function span recorded with with_stack (category python_function). */
export interface PyFrame {
  name: string;
  file?: string;
  line?: number;
  ts: number;
  dur: number;
  pid: string;
  tid: string;
}

export interface MemorySample {
  ts: number;
  pid?: string;
  tid?: string;
  device: number;
  bytes: number;
  totalAllocated?: number;
  totalReserved?: number;
}

export interface TorchTrace {
  /**
   * 'kineto' for the object form with traceEvents, 'legacy' for the bare array, 'nsys' for an
   * Nsight Systems export, 'profile' for a CPU profile in time order (analysis/cpu/timeOrder).
   */
  form: 'kineto' | 'legacy' | 'nsys' | 'profile';
  /** Absolute time of ts 0, in microseconds as written in the file. */
  origin: number;
  ops: CpuOp[];
  runtime: RuntimeCall[];
  gpu: GpuActivity[];
  /** GPU-side synchronisation records (cuda_sync), where the trace has them. */
  gpuSyncs?: GpuSync[];
  memory: MemorySample[];
  pythonFunctions: number;
  python: PyFrame[];
  deviceProperties: unknown[];
  distributedInfo?: Record<string, unknown>;
  meta: Record<string, string>;
  /** Events read, and those of categories this reader does not use. */
  eventCount: number;
  categories: Record<string, number>;
  /** Events left out and why (a time that is not a number, or beyond any real clock). */
  skipped: { why: string; count: number }[];
}
