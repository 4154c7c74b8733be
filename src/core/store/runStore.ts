/**
 * The runs of a workspace: `.flamelens/runs/<timestamp>-<name>/` holding the raw profiler output
 * and `run.json` (what was run, how, with which tools). Folders are created fresh for each run,
 * so nothing earlier is ever overwritten.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from './atomicWrite';
import type { RunEntry, RunMetadata } from '../model/run';

export function runsRoot(workspaceRoot: string): string {
  return path.join(workspaceRoot, '.flamelens', 'runs');
}

function stamp(d: Date): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}-${p(d.getMilliseconds(), 3)}`;
}

export function safeRunName(name: string): string {
  return (
    name
      .replace(/\.[^.]*$/, '')
      .replace(/[^\w.-]+/g, '_')
      .replace(/^[._]+/, '')
      .slice(0, 60) || 'run'
  );
}

/** Creates a new, empty run folder; never reuses an existing one. */
export async function createRunDir(
  workspaceRoot: string,
  name: string,
  now = new Date(),
): Promise<{ id: string; dir: string }> {
  const root = runsRoot(workspaceRoot);
  await fs.mkdir(root, { recursive: true });
  for (let attempt = 0; ; attempt++) {
    const id = `${stamp(now)}-${safeRunName(name)}${attempt ? `-${attempt}` : ''}`;
    const dir = path.join(root, id);
    try {
      await fs.mkdir(dir);
      return { id, dir };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 100) throw e;
    }
  }
}

export async function writeRunMetadata(dir: string, meta: RunMetadata): Promise<void> {
  await writeFileAtomic(path.join(dir, 'run.json'), JSON.stringify(meta, null, 2) + '\n');
}

/** Runs newest first. Folders with a missing or unreadable run.json are skipped, not fatal. */
export async function listRuns(workspaceRoot: string): Promise<RunEntry[]> {
  const root = runsRoot(workspaceRoot);
  let names: string[];
  try {
    names = await fs.readdir(root);
  } catch {
    return [];
  }
  const runs: RunEntry[] = [];
  for (const name of names) {
    const dir = path.join(root, name);
    try {
      const meta = JSON.parse(await fs.readFile(path.join(dir, 'run.json'), 'utf8')) as RunMetadata;
      if (meta && typeof meta.output === 'string') runs.push({ dir, meta });
    } catch {
      // A run being written, or a folder someone else put here.
    }
  }
  return runs.sort((a, b) =>
    a.meta.createdAt < b.meta.createdAt
      ? 1
      : a.meta.createdAt > b.meta.createdAt
        ? -1
        : b.meta.id.localeCompare(a.meta.id),
  );
}

/** The run in `dir` (a folder with run.json), or undefined when it holds none that can be read. */
export async function readRun(dir: string): Promise<RunEntry | undefined> {
  try {
    const meta = JSON.parse(await fs.readFile(path.join(dir, 'run.json'), 'utf8')) as RunMetadata;
    return meta && typeof meta.output === 'string' ? { dir, meta } : undefined;
  } catch {
    return undefined;
  }
}

export function runOutputPath(run: RunEntry): string {
  return path.join(run.dir, path.basename(run.meta.output));
}
