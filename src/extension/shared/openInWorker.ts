/**
 * How the editor reads a file: core openFile in a worker thread (core/open/openFileIsolated)
 * with the memory and time limits of the settings, so a pathological file stops its reader
 * with a message and the extension host carries on.
 */
import { vscode } from '../vscodeApi';
import { OPTIONS, optionValue } from '../../core/model/options';
import { openFileIsolated } from '../../core/open/openFileIsolated';
import type { OpenedFile, OpenedKind, OpenOptions } from '../../core/open/openFile';
import type { Profile } from '../../core/model/profile';
import type { TorchTrace } from '../../core/model/torchTrace';
import type { FileKind } from '../../core/formats/detect';
import { FormatError } from '../../core/formats/formatError';
import { offerFirstTree } from '../../core/analysis/cpu/profileSession';
import type { CallTree } from '../../core/analysis/cpu/callTree';
import type { TimelineMessage, TreeMessage, ViewMessage } from '../../core/open/openFileWorker';
import { offerTimeline, type TorchTimeline } from '../../core/analysis/torch/torchTimeline';

let workerScript: string | undefined;

/** Where the worker's bundle is (set at activation: dist/openFileWorker.js of the extension). */
export function setOpenFileWorker(script: string): void {
  workerScript = script;
}

function limits() {
  const c = vscode.workspace.getConfiguration('flamelens');
  return {
    memoryMB: optionValue(OPTIONS.readMemoryMB, c.get('files.readMemoryMB')),
    timeoutSec: optionValue(OPTIONS.readTimeoutSec, c.get('files.readTimeoutSec')),
    memorySetting: 'flamelens.files.readMemoryMB',
    timeoutSetting: 'flamelens.files.readTimeoutSec',
  };
}

/** openFile, in a worker with the settings' limits. */
export async function openFileInWorker(
  file: string,
  options: OpenOptions,
  known?: FileKind,
  onFirstTree?: (t: TreeMessage) => void,
  onTimeline?: (t: TimelineMessage) => void,
  onView?: { title: string; on: (v: ViewMessage) => void; timelineFirst?: boolean },
): Promise<OpenedFile> {
  if (!workerScript) throw new Error('flamelens: the file reader is not set up (not activated?)');
  return openFileIsolated(workerScript, file, options, limits(), known, onFirstTree, onTimeline, onView);
}

async function openExpecting<K extends OpenedKind>(
  file: string,
  kind: K,
  what: string,
  onFirstTree?: (t: TreeMessage) => void,
  signal?: AbortSignal,
): Promise<Extract<OpenedFile, { kind: K }>> {
  const opened = await openFileInWorker(
    file,
    { cacheDir: '', expect: { kinds: [kind], what }, signal },
    undefined,
    onFirstTree,
  );
  if (opened.kind !== kind) throw new FormatError(file, '', what);
  return opened as Extract<OpenedFile, { kind: K }>;
}

/**
 * A CPU profile, read in a worker; another kind of file is a FormatError saying what it is and
 * `what`. With `firstTree` (for a flame graph), the worker goes on to build the profile's first
 * call tree, offered to the sessions that show it (offerFirstTree): the extension host's thread
 * never builds it, and it is built while the view's page loads.
 */
export async function openProfileInWorker(
  file: string,
  what: string,
  options: { firstTree?: boolean; log?: vscode.LogOutputChannel; signal?: AbortSignal } = {},
): Promise<Profile> {
  if (!options.firstTree) return (await openExpecting(file, 'cpu-profile', what, undefined, options.signal)).profile;
  let handOver: (t: CallTree | undefined) => void = () => undefined;
  const tree = new Promise<CallTree | undefined>((resolve) => (handOver = resolve));
  const { profile } = await openExpecting(
    file,
    'cpu-profile',
    what,
    (t) => {
      if (!t.tree)
        options.log?.warn(`${file}: its call tree was not built while reading (${t.error}); built on demand`);
      handOver(t.tree);
    },
    options.signal,
  );
  offerFirstTree(profile, tree);
  return profile;
}

/** What the log says of a read stopped because its view closed (the view's `closed` signal). */
export const closedWhileRead = (file: string): string =>
  `${file}: its view was closed while it was read; its reader was stopped`;

/** A trace's view and sources, built by the reader's worker (undefined where it could not). */
export type WorkerView = Extract<ViewMessage, { view: object }>['view'];

/**
 * A PyTorch trace, read in a worker; another kind of file is a FormatError saying what it is and
 * `what`. With `view` (a title), the worker goes on to build the trace's view and sources
 * (`view` of the answer; undefined where the worker failed at it, with a warning, or where the
 * read failed): on a 1 GB trace they are 15 s of work, which then is not the extension host's,
 * and the trace is rebuilt here only after them (openFileIsolated's onView), so `view` mostly
 * comes before `trace`. With `timeline`, the worker then builds the trace's timeline index,
 * offered to the view that shows it (offerTimeline, and `timeline` of the answer), never on the
 * extension host's thread.
 */
export function openTorchTraceInWorker(
  file: string,
  what: string,
  options: {
    timeline?: boolean;
    view?: string;
    log?: vscode.LogOutputChannel;
    /**
     * Read Nsight Systems reports (`.nsys-rep` exported into cacheDir by nsys) and CPU profiles
     * with sample times too, in time (OpenOptions.inTime).
     */
    nsys?: { cacheDir: string; nsysPath?: string };
    /** How much of the file the worker has read (OpenOptions.onProgress). */
    onProgress?: (done: number, total: number) => void;
    /** Aborted, the worker ends at once (the view closed): the trace rejects, nothing else comes. */
    signal?: AbortSignal;
    /** The timeline index before the view (a view opened on its Timeline tab). */
    timelineFirst?: boolean;
  } = {},
): {
  trace: Promise<TorchTrace>;
  view: Promise<WorkerView | undefined>;
  /** The worker's timeline index (with `timeline`), without waiting for the trace's rebuild. */
  timeline: Promise<TorchTimeline | undefined>;
} {
  let handOver: (t: TorchTimeline | undefined) => void = () => undefined;
  const timeline = new Promise<TorchTimeline | undefined>((resolve) => (handOver = resolve));
  let viewDone: (v: WorkerView | undefined) => void = () => undefined;
  const view = new Promise<WorkerView | undefined>((resolve) => (viewDone = resolve));
  const title = options.view;
  if (title === undefined) viewDone(undefined);
  const trace = openFileInWorker(
    file,
    {
      cacheDir: options.nsys?.cacheDir ?? '',
      nsysPath: options.nsys?.nsysPath,
      inTime: options.nsys !== undefined,
      expect: { kinds: ['torch-trace'], what },
      onProgress: options.onProgress,
      signal: options.signal,
    },
    undefined,
    undefined,
    options.timeline
      ? (t) => {
          if (!t.timeline)
            options.log?.warn(`${file}: its timeline was not indexed while reading (${t.error}); on demand`);
          handOver(t.timeline);
        }
      : undefined,
    title === undefined
      ? undefined
      : {
          title,
          timelineFirst: options.timelineFirst,
          on: (v) => {
            if (!v.view) options.log?.warn(`${file}: its tables were not built while reading (${v.error}); built here`);
            viewDone(v.view);
          },
        },
  ).then((opened) => {
    if (opened.kind !== 'torch-trace') throw new FormatError(file, '', what);
    if (options.timeline) offerTimeline(opened.trace, timeline);
    return opened.trace;
  });
  // A read that failed hands over no view or index (the trace's rejection says why).
  trace.catch(() => {
    viewDone(undefined);
    handOver(undefined);
  });
  if (!options.timeline) handOver(undefined);
  return { trace, view, timeline };
}
