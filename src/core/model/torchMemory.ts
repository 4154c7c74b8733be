/**
 * A CUDA caching-allocator snapshot (`torch.cuda.memory._snapshot()`, as `_dump_snapshot` pickles
 * it), reduced to what the memory view and the CLI need, in every layout from torch 2.0 on:
 * segments with their blocks (state, sizes, the Python and C++ stack that allocated them), and
 * per device the recorded history (alloc, free_requested, free_completed, segment_alloc,
 * segment_free, segment_map, segment_unmap, snapshot, oom), kept in typed arrays because it can
 * hold millions of entries. Stacks are interned: a block or an entry names its stack by index.
 */

export interface MemoryFrame {
  name: string;
  filename: string;
  line: number;
}

export type BlockState = 'active_allocated' | 'active_pending_free' | 'inactive';

export interface MemoryBlock {
  address: number;
  size: number;
  requestedSize: number;
  state: BlockState;
  /** Index into `stacks`, -1 without a recorded stack. */
  stack: number;
}

export interface MemorySegment {
  device: number;
  address: number;
  totalSize: number;
  allocatedSize: number;
  activeSize: number;
  requestedSize: number;
  stream: number;
  segmentType: string;
  isExpandable: boolean;
  blocks: MemoryBlock[];
}

/** History actions, in the order of their codes in `MemoryHistory.action`. */
export const ACTIONS = [
  'alloc',
  'free_requested',
  'free_completed',
  'segment_alloc',
  'segment_free',
  'segment_map',
  'segment_unmap',
  'snapshot',
  'oom',
  'other',
] as const;
export type MemoryAction = (typeof ACTIONS)[number];
export const actionCode = (a: MemoryAction): number => ACTIONS.indexOf(a);

/** One device's recorded history, one entry per index. */
export interface MemoryHistory {
  device: number;
  action: Uint8Array;
  addr: Float64Array;
  size: Float64Array;
  /** µs (the profiler's clock), NaN where the layout records none (torch 2.0). */
  timeUs: Float64Array;
  stream: Float64Array;
  stack: Int32Array;
  /** For oom entries: the bytes the device had free. */
  deviceFree: Map<number, number>;
}

export interface MemoryAnnotation {
  name: string;
  stage: string;
  device: number;
  timeUs: number;
}

export interface TorchMemorySnapshot {
  segments: MemorySegment[];
  histories: MemoryHistory[];
  /** Stacks, innermost frame first (as torch records them), each an array of frame indexes. */
  stacks: number[][];
  frames: MemoryFrame[];
  annotations: MemoryAnnotation[];
  /** allocator_settings as recorded (PYTORCH_CUDA_ALLOC_CONF, expandable_segments, …). */
  settings: Record<string, string>;
  /** What layout the file had, in words (for the header and the CLI). */
  layout: string;
}
