import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { isAlive } from '../util/process';

/**
 * `.<name>.<pid>.<ms>.<random>.flamelens-tmp`: the temporary file of a write in progress (or of a
 * writer that died). The suffix is flamelens' own: a user's `.x.1.2.y.tmp` is never taken for one.
 */
const TEMP_NAME = /^\..+\.(\d+)\.(\d+)\.[a-z0-9]+\.flamelens-tmp$/;

/** Temporary files younger than this are left alone even when their writer looks gone (another host on a shared disk). */
export const STALE_TEMP_MIN_AGE_MS = 60_000;
/** Older than this, a temporary file is stale whoever wrote it: no write takes an hour. */
const STALE_TEMP_MAX_AGE_MS = 3_600_000;

/**
 * Removes the temporary files that writers killed mid-write left in `dir`: those whose process is
 * gone (and older than `minAgeMs`), and any older than an hour. Best effort; returns the names removed.
 */
export async function removeStaleTemps(dir: string, minAgeMs = STALE_TEMP_MIN_AGE_MS): Promise<string[]> {
  const names = await fs.readdir(dir).catch(() => [] as string[]);
  const removed: string[] = [];
  const now = Date.now();
  for (const name of names) {
    const m = TEMP_NAME.exec(name);
    if (!m) continue;
    const pid = Number(m[1]);
    const age = now - Number(m[2]);
    if (pid === process.pid && age < STALE_TEMP_MAX_AGE_MS) continue;
    if (age < minAgeMs) continue;
    if (age < STALE_TEMP_MAX_AGE_MS && isAlive(pid)) continue;
    try {
      await fs.rm(path.join(dir, name), { force: true });
      removed.push(name);
    } catch {
      // someone else removed it, or the folder is read-only: not ours to worry about
    }
  }
  return removed;
}

/**
 * Writes through a temporary file in the same folder and a rename: readers never see half a file.
 * Afterwards, temporary files of writers killed earlier in that folder are removed.
 */
export async function writeFileAtomic(file: string, data: string | Uint8Array): Promise<void> {
  const dir = path.dirname(file);
  await fs.mkdir(dir, { recursive: true });
  const tmp = path.join(
    dir,
    `.${path.basename(file)}.${process.pid}.${Date.now()}.${Math.random().toString(36).slice(2, 10) || '0'}.flamelens-tmp`,
  );
  try {
    await fs.writeFile(tmp, data);
    await fs.rename(tmp, file);
  } catch (e) {
    await fs.rm(tmp, { force: true });
    throw e;
  }
  await removeStaleTemps(dir);
}
