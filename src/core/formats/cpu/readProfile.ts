import { promises as fs } from 'node:fs';
import { FormatError } from '../formatError';
import { parseProfile } from './parseProfile';
import type { Profile } from '../../model/profile';

/** Largest profile read in one piece; beyond it a JavaScript string cannot hold the text. */
export const MAX_PROFILE_BYTES = 500 * 1024 * 1024;

/** Reads and parses a CPU profile file; every failure is a FormatError naming the file. */
export async function readProfile(path: string): Promise<Profile> {
  let size: number;
  try {
    size = (await fs.stat(path)).size;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new FormatError(path, '', code === 'ENOENT' ? 'no such file' : `cannot read the file (${code ?? String(e)})`);
  }
  if (size > MAX_PROFILE_BYTES) {
    throw new FormatError(
      path,
      '',
      `the file is ${(size / 2 ** 20).toFixed(0)} MiB; CPU profiles over ${MAX_PROFILE_BYTES / 2 ** 20} MiB are not supported`,
    );
  }
  const buf = await fs.readFile(path);
  const text = buf.toString('utf8');
  return parseProfile(text, path);
}
