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
export async function openFileInWorker(file: string, options: OpenOptions, known?: FileKind): Promise<OpenedFile> {
  if (!workerScript) throw new Error('flamelens: the file reader is not set up (not activated?)');
  return openFileIsolated(workerScript, file, options, limits(), known);
}

async function openExpecting<K extends OpenedKind>(
  file: string,
  kind: K,
  what: string,
): Promise<Extract<OpenedFile, { kind: K }>> {
  const opened = await openFileInWorker(file, { cacheDir: '', expect: { kinds: [kind], what } });
  if (opened.kind !== kind) throw new FormatError(file, '', what);
  return opened as Extract<OpenedFile, { kind: K }>;
}

/** A CPU profile, read in a worker; another kind of file is a FormatError saying what it is and `what`. */
export async function openProfileInWorker(file: string, what: string): Promise<Profile> {
  return (await openExpecting(file, 'cpu-profile', what)).profile;
}

/** A PyTorch trace, read in a worker; another kind of file is a FormatError saying what it is and `what`. */
export async function openTorchTraceInWorker(file: string, what: string): Promise<TorchTrace> {
  return (await openExpecting(file, 'torch-trace', what)).trace;
}
