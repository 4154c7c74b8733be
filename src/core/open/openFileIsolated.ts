/**
 * openFile in a worker thread with a memory cap and a time budget: a pathological file (nesting,
 * breadth, a bomb, a parser bug) ends that worker with a clear error naming the file, and never
 * takes the process that asked (the extension host) down with it. The model comes back by
 * structured clone, its typed arrays moved.
 */
import { Worker } from 'node:worker_threads';
import type { OpenedFile, OpenOptions } from './openFile';
import type { WorkerError, WorkerRequest } from './openFileWorker';
import type { FileKind } from '../formats/detect';
import { FormatError } from '../formats/formatError';
import { ToolError } from '../runners/findTool';

export interface IsolationLimits {
  /** The worker's heap (old generation), MiB. */
  memoryMB: number;
  /** How long reading may take, seconds. */
  timeoutSec: number;
  /** Words for the errors: the settings that raise each limit. */
  memorySetting: string;
  timeoutSetting: string;
}

export async function openFileIsolated(
  workerScript: string,
  file: string,
  options: OpenOptions,
  limits: IsolationLimits,
  known?: FileKind,
): Promise<OpenedFile> {
  const { signal, ...rest } = options;
  const request: WorkerRequest = { file, options: rest, known };
  const worker = new Worker(workerScript, {
    workerData: request,
    resourceLimits: { maxOldGenerationSizeMb: limits.memoryMB },
    stdout: false,
    stderr: false,
  });
  return new Promise<OpenedFile>((resolve, reject) => {
    let settled = false;
    const finish = (f: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      f();
      void worker.terminate();
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
    const onAbort = () => finish(() => reject(new Error('cancelled')));
    signal?.addEventListener('abort', onAbort, { once: true });
    worker.on('message', (m: { ok: true; opened: OpenedFile } | { ok: false; error: WorkerError }) =>
      finish(() => (m.ok ? resolve(m.opened) : reject(rebuild(m.error)))),
    );
    worker.on('error', (e: Error & { code?: string }) =>
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
      ),
    );
    worker.on('exit', (code) =>
      finish(() => reject(new FormatError(file, '', `the reader stopped unexpectedly (exit code ${code})`))),
    );
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
