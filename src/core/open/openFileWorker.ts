/**
 * The worker thread side of openFileIsolated: reads one file with openFile and posts the model
 * back (typed arrays moved, not copied), or the error with what it takes to rebuild it. Bundled
 * on its own (dist/openFileWorker.js); loads nothing of the editor.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openFile, type OpenedFile, type OpenOptions } from './openFile';
import { buildCallTree, type CallTree } from '../analysis/cpu/callTree';
import { torchTimeline, type TorchTimeline } from '../analysis/torch/torchTimeline';
import { buildTraceView, type TraceViewData } from '../analysis/torch/torchView';
import { analyzeTorchSources, type TorchSources } from '../analysis/torch/torchSources';
import type { FileKind } from '../formats/detect';
import { FormatError } from '../formats/formatError';
import { ToolError } from '../runners/findTool';
import { packTorchTrace, type PackedTrace } from './tracePack';

export interface WorkerRequest {
  file: string;
  options: Omit<OpenOptions, 'signal'>;
  known?: FileKind;
  /**
   * A CPU profile's first call tree (all threads, top-down, by function) is built here too,
   * after the profile was posted: the flame graph's first view is then answered without building
   * it on the extension host's thread, and while the view's page loads.
   */
  firstTree?: boolean;
  /** Likewise, a PyTorch trace's timeline index, built here after the trace was posted. */
  timeline?: boolean;
  /** The timeline index before the view (a view opened on its Timeline tab); else after it. */
  timelineFirst?: boolean;
  /**
   * Given, a PyTorch trace's view under this title (tables, diagnosis; buildTraceView) and its
   * sources (analyzeTorchSources) are built here after the trace, before its timeline: on a
   * 1 GB trace they took 15 s, which the extension host's thread then spent on them.
   */
  view?: string;
}

/** What the worker posts after the file: the first call tree, or why it has none. */
export type TreeMessage = { tree: CallTree } | { tree: undefined; error: string };

/** What the worker posts after a trace: its timeline index, or why it has none. */
export type TimelineMessage = { timeline: TorchTimeline } | { timeline: undefined; error: string };

/** What the worker posts after a trace: its view and sources, or why it has none. */
export type ViewMessage =
  { view: { data: TraceViewData; sources: TorchSources; pythonFrames: number } } | { view: undefined; error: string };

/**
 * What the worker posts for the file read: its model, or for a PyTorch trace its columns
 * (tracePack.ts), which openFileIsolated turns back into the trace without stopping its thread.
 */
/** What the editor posts to a worker whose read it cancels (its view closed). */
export type CancelMessage = { cancel: true };

/** How much of the file the worker has read (OpenOptions.onProgress), before the model. */
export type ProgressMessage = { progress: { done: number; total: number } };

export type ModelMessage =
  { ok: true; opened: OpenedFile } | { ok: true; packedTrace: { file: string; trace: PackedTrace } };

export type WorkerError =
  | { type: 'format'; file: string; place: string; expected: string }
  | { type: 'tool'; tool: string; message: string; fix: string }
  | { type: 'other'; message: string };

/** Every ArrayBuffer under `v` (the profile's stack tables), to move instead of copy. */
function buffers(v: unknown, out: Set<ArrayBuffer>, depth = 0): Set<ArrayBuffer> {
  if (depth > 6 || v === null || typeof v !== 'object') return out;
  if (ArrayBuffer.isView(v)) {
    if (v.buffer instanceof ArrayBuffer) out.add(v.buffer);
    return out;
  }
  if (Array.isArray(v)) {
    // Large arrays of plain objects (operators, samples) hold no typed arrays: look at a few.
    for (let i = 0; i < Math.min(v.length, 64); i++) buffers(v[i], out, depth + 1);
    return out;
  }
  for (const k of Object.keys(v)) buffers((v as Record<string, unknown>)[k], out, depth + 1);
  return out;
}

/**
 * The message that carries the file's model and the buffers to move with it: a trace packed;
 * anything else as it is, its typed arrays moved unless what follows is built from them.
 */
function modelMessage(opened: OpenedFile, reused: boolean): [ModelMessage, ArrayBuffer[]] {
  if (opened.kind === 'torch-trace') {
    const { packed, buffers } = packTorchTrace(opened.trace);
    return [{ ok: true, packedTrace: { file: opened.file, trace: packed } }, buffers];
  }
  return [{ ok: true, opened }, reused ? [] : [...buffers(opened, new Set())]];
}

/**
 * Posts the file's model (its own arrays copied: what follows is built from the same arrays
 * after they were sent), then, in turn, what each of `follow` makes of it, or why it failed:
 * the last with its buffers moved, the others copied (what follows may share their arrays
 * through the analyses' caches) unless they are their own (`own`). A timeline index is: its
 * columns are made for it, and copied, the 1 GB bench trace's held the extension host's thread
 * for 1.1 s (isolation.test checks the view built after it).
 */
type Follow = [build: () => object, failed: (error: string) => object, own?: boolean];

function postThen(opened: OpenedFile, follow: Follow[]): void {
  parentPort!.postMessage(...modelMessage(opened, true));
  follow.forEach(([build, failed, own], k) => {
    let message: object;
    try {
      message = build();
    } catch (e) {
      message = failed(e instanceof Error ? e.message : String(e));
    }
    parentPort!.postMessage(message, k === follow.length - 1 || own ? [...buffers(message, new Set())] : []);
  });
}

async function main(): Promise<void> {
  const req = workerData as WorkerRequest;
  // Cancelled, the tools this read runs are stopped (OpenOptions.signal) before the worker ends.
  const cancel = new AbortController();
  parentPort!.on('message', (m: CancelMessage) => {
    if (m.cancel) cancel.abort();
  });
  // Listening does not keep the worker alive: it ends when its work is done, as before.
  parentPort!.unref();
  try {
    const opened = await openFile(
      req.file,
      {
        ...req.options,
        signal: cancel.signal,
        onProgress: (done, total) => parentPort!.postMessage({ progress: { done, total } }),
      },
      req.known,
    );
    if (req.firstTree && opened.kind === 'cpu-profile')
      return postThen(opened, [
        [
          (): TreeMessage => ({ tree: buildCallTree(opened.profile) }),
          (error): TreeMessage => ({ tree: undefined, error }),
        ],
      ]);
    if ((req.timeline || req.view !== undefined) && opened.kind === 'torch-trace') {
      const { trace } = opened;
      const title = req.view;
      const follow: Follow[] = [];
      if (title !== undefined)
        follow.push([
          (): ViewMessage => {
            const sources = analyzeTorchSources(trace);
            return {
              view: { data: buildTraceView(trace, title, sources), sources, pythonFrames: trace.python.length },
            };
          },
          (error): ViewMessage => ({ view: undefined, error }),
        ]);
      if (req.timeline) {
        const index: Follow = [
          (): TimelineMessage => ({ timeline: torchTimeline(trace) }),
          (error): TimelineMessage => ({ timeline: undefined, error }),
          true,
        ];
        if (req.timelineFirst) follow.unshift(index);
        else follow.push(index);
      }
      return postThen(opened, follow);
    }
    parentPort!.postMessage(...modelMessage(opened, false));
  } catch (e) {
    const error: WorkerError =
      e instanceof FormatError
        ? { type: 'format', file: e.file, place: e.place, expected: e.expected }
        : e instanceof ToolError
          ? { type: 'tool', tool: e.tool, message: e.message, fix: e.fix }
          : { type: 'other', message: e instanceof Error ? e.message : String(e) };
    parentPort!.postMessage({ ok: false, error });
  }
}

void main();
