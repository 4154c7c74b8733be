/**
 * Opening a file over the size limit (`flamelens.files.sizeLimitMB`) asks first: a trace from a
 * colleague or a CI artifact can be gigabytes, and reading it blocks the view and takes memory.
 * The answer is remembered for that file (same size and time) until the window closes.
 */
import { vscode } from '../vscodeApi';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { OPTIONS, optionValue } from '../../core/model/options';
import { fileSizeText } from '../../core/util/fileSize';

const confirmed = new Set<string>();

export function sizeLimitMiB(): number {
  return optionValue(OPTIONS.fileSizeLimitMB, vscode.workspace.getConfiguration('flamelens').get('files.sizeLimitMB'));
}

const mib = (bytes: number) => (bytes / 2 ** 20 >= 10 ? (bytes / 2 ** 20).toFixed(0) : (bytes / 2 ** 20).toFixed(1));

/** The file's size (bytes), time and the limit (MiB) when it is over the limit; undefined otherwise (also when it cannot be stat'ed). */
export async function overSizeLimit(
  file: string,
): Promise<{ size: number; mtimeMs: number; limit: number } | undefined> {
  const st = await fs.stat(file).catch(() => undefined);
  const limit = sizeLimitMiB();
  return st?.isFile() && st.size > limit * 2 ** 20 ? { size: st.size, mtimeMs: st.mtimeMs, limit } : undefined;
}

/**
 * Resolves when `file` may be read: under the limit, or the user chose to open it anyway. Throws
 * an Error saying why it was not opened otherwise. A file that cannot be stat'ed is let through
 * (the reader reports it, naming the file).
 */
export async function confirmFileSize(file: string): Promise<void> {
  const over = await overSizeLimit(file);
  if (!over) return;
  const { size, limit } = over;
  const key = `${file}\u0000${size}\u0000${over.mtimeMs}`;
  if (confirmed.has(key)) return;
  const choice = await vscode.window.showWarningMessage(
    `${path.basename(file)} is ${mib(size)} MiB, over the ${limit} MiB limit. Open it anyway?`,
    {
      modal: true,
      detail: `${file}\n\nReading a file this large can take minutes and several GiB of memory. The limit is the setting flamelens.files.sizeLimitMB.`,
    },
    'Open Anyway',
  );
  if (choice !== 'Open Anyway') {
    throw new Error(
      `Not opened: ${file} is ${mib(size)} MiB, over the ${limit} MiB limit (flamelens.files.sizeLimitMB). Open it again and choose "Open Anyway", or raise the limit.`,
    );
  }
  confirmed.add(key);
}

/** " (68.2 MiB)" after a file's name while it is read; "" when it cannot be stat'ed. */
export const sizeSuffix = (file: string): Promise<string> =>
  fs.stat(file).then(
    (st) => ` (${fileSizeText(st.size)})`,
    () => '',
  );
