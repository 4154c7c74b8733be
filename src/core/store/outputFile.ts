/**
 * Files a person names as the output of a command (`-o`): written atomically, and never over
 * something that is not a regular file of theirs (a symbolic link, a named pipe, a device, a
 * folder) nor over one of the command's own inputs. `-` is standard output.
 */
import { promises as fs } from 'node:fs';
import { writeFileAtomic } from './atomicWrite';

export class OutputError extends Error {
  constructor(
    readonly file: string,
    why: string,
  ) {
    super(`${file}: ${why}`);
    this.name = 'OutputError';
  }
}

async function identity(file: string): Promise<string | undefined> {
  const st = await fs.stat(file).catch(() => undefined);
  return st ? `${st.dev}:${st.ino}` : undefined;
}

/** Refuses an output target that is not a regular file, or that is one of `inputs`. */
export async function checkOutputTarget(target: string, inputs: readonly string[] = []): Promise<void> {
  const st = await fs.lstat(target).catch(() => undefined);
  if (st) {
    if (st.isSymbolicLink())
      throw new OutputError(
        target,
        'is a symbolic link; flamelens writes its outputs only to regular files (give the path it points to)',
      );
    if (st.isDirectory()) throw new OutputError(target, 'is a folder; give a file name');
    if (!st.isFile())
      throw new OutputError(
        target,
        'is not a regular file (a named pipe, a socket or a device); flamelens does not write there',
      );
    const id = await identity(target);
    for (const input of inputs) {
      if (id !== undefined && (await identity(input)) === id)
        throw new OutputError(
          target,
          `is also an input of this command (${input}); writing it would destroy the input`,
        );
    }
  }
}

/** Writes `data` to `target` (checked as above), or to standard output for `-`. */
export async function writeOutput(
  target: string,
  data: string | Uint8Array,
  inputs: readonly string[] = [],
): Promise<void> {
  if (target === '-') {
    await new Promise<void>((resolve, reject) => process.stdout.write(data, (e) => (e ? reject(e) : resolve())));
    return;
  }
  await checkOutputTarget(target, inputs);
  await writeFileAtomic(target, data);
}
