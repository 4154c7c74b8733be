/**
 * The benchmark store of a workspace: `.flamelens/bench/results/<id>.json` (one file per
 * `flamelens bench`, never rewritten) and `.flamelens/bench/baselines/<name>.json` (a copy of the
 * result set saved under that name). Every file is written through a temporary file and a
 * rename, so a crash leaves the earlier version whole; ids carry a random part, so two windows
 * saving at once never write the same file. History per benchmark is read from the results
 * (and pytest-benchmark's `.benchmarks/` autosaves).
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { BenchmarkResultSet } from '../model/bench';
import { readBenchResultsFile } from '../formats/bench/benchResults';
import { BASELINE_NAME } from '../formats/bench/benchConfig';
import { FormatError } from '../formats/formatError';
import { writeFileAtomic } from './atomicWrite';

export function benchDir(root: string): string {
  return path.join(root, '.flamelens', 'bench');
}

export function newResultId(createdAt: Date, commit?: string): string {
  const stamp = createdAt
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return `${stamp}-${commit ? commit.slice(0, 8) : 'nogit'}-${randomBytes(3).toString('hex')}`;
}

export async function saveResults(root: string, set: BenchmarkResultSet): Promise<string> {
  const file = path.join(benchDir(root), 'results', `${set.id}.json`);
  await writeFileAtomic(file, JSON.stringify({ ...set, readFrom: undefined }) + '\n');
  return file;
}

export function checkBaselineName(name: string): void {
  if (!BASELINE_NAME.test(name))
    throw new Error(
      `"${name}" is not a usable baseline name: use letters, digits, ".", "_" and "-" (like main or v1.2)`,
    );
}

export function baselineFile(root: string, name: string): string {
  checkBaselineName(name);
  return path.join(benchDir(root), 'baselines', `${name}.json`);
}

export async function saveBaseline(root: string, name: string, set: BenchmarkResultSet): Promise<string> {
  const file = baselineFile(root, name);
  await writeFileAtomic(
    file,
    JSON.stringify({ ...set, readFrom: undefined, baseline: name, savedAt: new Date().toISOString() }) + '\n',
  );
  return file;
}

async function jsonFiles(dir: string): Promise<string[]> {
  try {
    return (await fs.readdir(dir))
      .filter((f) => f.endsWith('.json') && !f.startsWith('.'))
      .map((f) => path.join(dir, f));
  } catch {
    return [];
  }
}

export interface StoreRead<T> {
  items: T[];
  /** Files that could not be read, with the reason (a broken file never hides the others). */
  problems: string[];
}

async function readAll(files: string[]): Promise<StoreRead<BenchmarkResultSet>> {
  const items: BenchmarkResultSet[] = [];
  const problems: string[] = [];
  for (const f of files) {
    try {
      items.push(await readBenchResultsFile(f));
    } catch (e) {
      problems.push((e as Error).message);
    }
  }
  items.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  return { items, problems };
}

export async function listResults(root: string): Promise<StoreRead<BenchmarkResultSet>> {
  return readAll(await jsonFiles(path.join(benchDir(root), 'results')));
}

export async function listBaselines(root: string): Promise<StoreRead<BenchmarkResultSet>> {
  return readAll(await jsonFiles(path.join(benchDir(root), 'baselines')));
}

/** pytest-benchmark autosaves: `.benchmarks/<machine>/<NNNN>_<commit>_<time>.json`. */
export async function listPytestAutosaves(root: string): Promise<StoreRead<BenchmarkResultSet>> {
  const base = path.join(root, '.benchmarks');
  const dirs = await fs.readdir(base, { withFileTypes: true }).catch(() => []);
  const files = (
    await Promise.all(dirs.filter((d) => d.isDirectory()).map((d) => jsonFiles(path.join(base, d.name))))
  ).flat();
  return readAll(files);
}

/**
 * What the history, the baselines and the configuration are made of right now (each file's path,
 * size and modification time): the editor recomputes its lenses when this changes, so a change
 * that a file watcher missed (files written into a folder just created, or read half-written)
 * still shows at the next look.
 */
export async function storeFingerprint(root: string, extra: string[] = []): Promise<string> {
  const base = path.join(root, '.benchmarks');
  const dirs = await fs.readdir(base, { withFileTypes: true }).catch(() => []);
  const files = (
    await Promise.all([
      jsonFiles(path.join(benchDir(root), 'results')),
      jsonFiles(path.join(benchDir(root), 'baselines')),
      ...dirs.filter((d) => d.isDirectory()).map((d) => jsonFiles(path.join(base, d.name))),
    ])
  ).flat();
  const stats = await Promise.all(
    [...files, ...extra].map(async (f) => {
      const s = await fs.stat(f).catch(() => undefined);
      return s ? `${f}\0${s.size}\0${s.mtimeMs}` : `${f}\0-`;
    }),
  );
  return stats.join('\n');
}

/** Everything that makes up history: flamelens results and pytest autosaves. */
export async function listHistory(root: string): Promise<StoreRead<BenchmarkResultSet>> {
  const [a, b] = await Promise.all([listResults(root), listPytestAutosaves(root)]);
  return {
    items: [...a.items, ...b.items].sort((x, y) => x.createdAt.localeCompare(y.createdAt)),
    problems: [...a.problems, ...b.problems],
  };
}

/**
 * What `compare` and the editor accept for a side of a comparison: a file (flamelens results or
 * pytest-benchmark JSON), a baseline name, a result id, or `latest` (the newest result).
 */
export async function resolveResults(root: string, ref: string): Promise<BenchmarkResultSet> {
  const asFile = path.resolve(root, ref);
  const stat = await fs.stat(asFile).catch(() => undefined);
  if (stat?.isFile()) return readBenchResultsFile(asFile);
  if (ref === 'latest') {
    const { items } = await listResults(root);
    const last = items[items.length - 1];
    if (!last)
      throw new FormatError(
        path.join(benchDir(root), 'results'),
        '',
        'no benchmark results yet: run `flamelens bench` first',
      );
    return last;
  }
  if (BASELINE_NAME.test(ref)) {
    const result = path.join(benchDir(root), 'results', `${ref}.json`);
    if (await fs.stat(result).catch(() => undefined)) return readBenchResultsFile(result);
    const file = baselineFile(root, ref);
    if (await fs.stat(file).catch(() => undefined)) return readBenchResultsFile(file);
    const names = (await jsonFiles(path.dirname(file))).map((f) => path.basename(f, '.json'));
    throw new FormatError(
      ref,
      '',
      `no such file, and no baseline named "${ref}" (${names.length ? `baselines: ${names.join(', ')}` : 'no baselines saved yet: use --save-baseline NAME'})`,
    );
  }
  throw new FormatError(ref, '', 'no such file');
}
