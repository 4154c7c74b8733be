/**
 * openFile in a worker thread with a memory cap and a time budget: a pathological file (nesting,
 * breadth, a bomb, a parser bug) ends that worker with a clear error naming the file, and never
 * takes the process that asked (the extension host) down with it. The model comes back by
 * structured clone, its typed arrays moved; a PyTorch trace comes as columns and is rebuilt here
 * in slices (tracePack.ts), so that this thread is never held for long by a big one.
 */
import { Worker } from 'node:worker_threads';
import type { OpenedFile, OpenOptions } from './openFile';
import type {
  CancelMessage,
  ModelMessage,
  ProgressMessage,
  TimelineMessage,
  TreeMessage,
  ViewMessage,
  WorkerError,
  WorkerRequest,
} from './openFileWorker';
import { unpackTorchTrace } from './tracePack';
import type { FileKind } from '../formats/detect';
import { FormatError } from '../formats/formatError';
import { ToolError } from '../runners/findTool';
import { TOOL_KILL_AFTER_MS } from '../runners/nsight/nsightTool';

export interface IsolationLimits {
  /** The worker's heap (old generation), MiB. */
  memoryMB: number;
  /** How long reading may take, seconds. */
  timeoutSec: number;
  /** Words for the errors: the settings that raise each limit. */
  memorySetting: string;
  timeoutSetting: string;
}

/** What the worker posts after the model, each handed to its callback once. */
type FollowUp = TreeMessage | TimelineMessage | ViewMessage;
type FollowKey = 'tree' | 'timeline' | 'view';
const FOLLOW_WHAT: Record<FollowKey, string> = { tree: 'call tree', timeline: 'timeline index', view: 'tables' };

/** How long a cancelled worker has to stop the tools it runs (SIGTERM, then SIGKILL) before it is ended. */
const CANCEL_GRACE_MS = TOOL_KILL_AFTER_MS + 500;

export async function openFileIsolated(
  workerScript: string,
  file: string,
  options: OpenOptions,
  limits: IsolationLimits,
  known?: FileKind,
  /**
   * Given, a CPU profile's first call tree is built in the worker after the profile came back,
   * and handed here, or why there is none (the worker failed or ran out of time). Called once,
   * after the promise resolved, when it resolved to a CPU profile.
   */
  onFirstTree?: (t: TreeMessage) => void,
  /** Likewise for a PyTorch trace: its timeline index, built in the worker after the trace. */
  onTimeline?: (t: TimelineMessage) => void,
  /**
   * Likewise for a PyTorch trace: its view under `title` and its sources, built before its
   * timeline (after it with `timelineFirst`). The trace is then rebuilt here only once every
   * follow-up has come (or failed): on the 1 GB bench trace, rebuilding it while the worker builds the view and timeline slowed
   * them by about 5 s, and both copies of the model were alive at once (650 MB more at the
   * peak). The promise resolves after the follow-ups, and the read's time budget ends when the
   * trace has come (the follow-ups have their own).
   */
  onView?: { title: string; on: (v: ViewMessage) => void; timelineFirst?: boolean },
): Promise<OpenedFile> {
  const { signal, onProgress, ...rest } = options;
  const request: WorkerRequest = {
    file,
    options: rest,
    known,
    firstTree: onFirstTree !== undefined,
    timeline: onTimeline !== undefined,
    view: onView?.title,
    timelineFirst: onView?.timelineFirst,
  };
  const worker = new Worker(workerScript, {
    workerData: request,
    resourceLimits: { maxOldGenerationSizeMb: limits.memoryMB },
    stdout: false,
    stderr: false,
  });
  // After the model came back, the worker goes on to what was asked of it after the model: until
  // each has arrived (or the worker ends, or the time budget runs out), a read is not over.
  const pending = new Map<FollowKey, (m: FollowUp) => void>();
  let followTimer: ReturnType<typeof setTimeout> | undefined;
  /** The trace's rebuild, when it waits for the follow-ups (see onView). */
  let afterFollowUps: (() => void) | undefined;
  /** Set once the read is cancelled: the worker is then ended by the cancellation, not here. */
  let cancelling = false;
  const endWorker = () => {
    if (!cancelling) void worker.terminate();
  };
  const followDone = (key: FollowKey, m: FollowUp) => {
    const wait = pending.get(key);
    if (!wait) return;
    pending.delete(key);
    if (pending.size === 0) {
      clearTimeout(followTimer);
      endWorker();
    }
    wait(m);
    if (pending.size === 0 && afterFollowUps) {
      const rebuildTrace = afterFollowUps;
      afterFollowUps = undefined;
      rebuildTrace();
    }
  };
  /** Every follow-up not come yet, handed over as missing, and why. */
  const followFailed = (error: string) => {
    for (const key of [...pending.keys()]) followDone(key, { [key]: undefined, error } as unknown as FollowUp);
  };
  return new Promise<OpenedFile>((resolve, reject) => {
    let settled = false;
    // The model came and is being rebuilt: the worker may end meanwhile, its part done.
    let arrived = false;
    const finish = (f: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      f();
      if (pending.size === 0) endWorker();
    };
    const timer = setTimeout(
      () =>
        finish(() =>
          reject(
            new FormatError(
              file,
              '',
              `reading it took longer than ${limits.timeoutSec} s, so flamelens stopped (${limits.timeoutSetting} sets the limit)`,
            ),
          ),
        ),
      limits.timeoutSec * 1000,
    );
    // Cancelled, the read ends now, whatever it was doing: reading, or building what was asked
    // after the model (each of those handed over as missing), and nothing is rebuilt here. The
    // worker first stops the tools it runs (`nsys export`, `ncu --import`: their processes are
    // not the worker's, and outlive it), then ends by itself, or is ended after CANCEL_GRACE_MS.
    const onAbort = () => {
      cancelling = true;
      afterFollowUps = undefined;
      finish(() => reject(new Error('cancelled')));
      followFailed('cancelled');
      worker.postMessage({ cancel: true } satisfies CancelMessage);
      const end = setTimeout(() => void worker.terminate(), CANCEL_GRACE_MS);
      worker.once('exit', () => clearTimeout(end));
    };
    if (signal?.aborted) onAbort();
    else signal?.addEventListener('abort', onAbort, { once: true });
    type Message = ModelMessage | { ok: false; error: WorkerError } | FollowUp | ProgressMessage;
    worker.on('message', (m: Message) => {
      if ('progress' in m) {
        if (!settled) onProgress?.(m.progress.done, m.progress.total);
        return;
      }
      if ('tree' in m) return followDone('tree', m);
      if ('timeline' in m) return followDone('timeline', m);
      if ('view' in m) return followDone('view', m);
      const kind = !m.ok ? undefined : 'packedTrace' in m ? 'torch-trace' : m.opened.kind;
      if (m.ok && !settled) {
        if (onFirstTree && kind === 'cpu-profile') pending.set('tree', onFirstTree as (m: FollowUp) => void);
        if (onView && kind === 'torch-trace') pending.set('view', onView.on as (m: FollowUp) => void);
        if (onTimeline && kind === 'torch-trace') pending.set('timeline', onTimeline as (m: FollowUp) => void);
        if (pending.size > 0)
          followTimer = setTimeout(
            () =>
              followFailed(
                `building its ${[...pending.keys()].map((k) => FOLLOW_WHAT[k]).join(' and ')} took longer than ${limits.timeoutSec} s`,
              ),
            limits.timeoutSec * 1000,
          );
      }
      if (!m.ok) return finish(() => reject(rebuild(m.error)));
      if (!('packedTrace' in m)) return finish(() => resolve(m.opened));
      // What follows the trace may come while it is rebuilt (or, with a view asked for, the
      // rebuild waits for it: the read's time budget then ends here); cancellation still holds.
      arrived = true;
      const { file: traceFile, trace } = m.packedTrace;
      const rebuildTrace = () =>
        unpackTorchTrace(trace, { stop: () => settled }).then(
          (t) => finish(() => resolve({ kind: 'torch-trace', file: traceFile, trace: t })),
          (e: unknown) => finish(() => reject(e instanceof Error ? e : new Error(String(e)))),
        );
      if (onView && pending.size > 0) {
        clearTimeout(timer);
        afterFollowUps = rebuildTrace;
      } else void rebuildTrace();
    });
    worker.on('error', (e: Error & { code?: string }) => {
      followFailed(e.message);
      if (arrived) return;
      finish(() =>
        reject(
          e.code === 'ERR_WORKER_OUT_OF_MEMORY'
            ? new FormatError(
                file,
                '',
                `reading it needed more than ${limits.memoryMB} MiB of memory, so flamelens stopped (${limits.memorySetting} sets the limit)`,
              )
            : new FormatError(file, '', `reading it failed: ${e.message}`),
        ),
      );
    });
    worker.on('exit', (code) => {
      followFailed(`the reader stopped (exit code ${code})`);
      if (arrived) return;
      finish(() => reject(new FormatError(file, '', `the reader stopped unexpectedly (exit code ${code})`)));
    });
  });
}

function rebuild(e: WorkerError): Error {
  if (e.type === 'format') return new FormatError(e.file, e.place, e.expected);
  if (e.type === 'tool') {
    const err = new ToolError(e.tool, '', e.fix);
    err.message = e.message;
    return err;
  }
  return new Error(e.message);
}
