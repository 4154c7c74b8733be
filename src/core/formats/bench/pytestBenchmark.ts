/**
 * pytest-benchmark JSON (`--benchmark-json FILE`, and the autosaves under `.benchmarks/`) read as
 * a BenchmarkResultSet. Each benchmark keeps pytest's full test id as its name and is mapped to
 * its test function (file, class, function; the `[params]` suffix removed). `stats.data` (saved
 * by 3.x always, by 4.x with `--benchmark-save-data`) holds the per-round times already divided
 * by the iterations; without it only the summary is known.
 */
import type { BenchmarkResultSet, BenchmarkRun, EnvironmentFingerprint, SourceLocation } from '../../model/bench';
import { isRecord, JsonDocument } from '../jsonDocument';

export function looksLikePytestBenchmark(value: unknown): boolean {
  return (
    isRecord(value) &&
    Array.isArray(value.benchmarks) &&
    (isRecord(value.machine_info) || isRecord(value.commit_info)) &&
    !('kind' in value)
  );
}

/** `tests/test_x.py::TestA::test_b[1-2]` → file, class, function. */
export function pytestLocation(fullname: string): SourceLocation | undefined {
  // Parameters (`[...]`) may hold anything, `::` included: cut them off first.
  const bracket = fullname.indexOf('[');
  const parts = (bracket >= 0 ? fullname.slice(0, bracket) : fullname).split('::');
  if (parts.length < 2) return undefined;
  const fn = parts[parts.length - 1];
  return { file: parts[0], function: fn, className: parts.length > 2 ? parts[parts.length - 2] : undefined };
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v ? v : undefined;
}

function environmentOf(doc: Record<string, unknown>): EnvironmentFingerprint {
  const m = isRecord(doc.machine_info) ? doc.machine_info : {};
  const c = isRecord(doc.commit_info) ? doc.commit_info : {};
  const cpu = isRecord(m.cpu) ? m.cpu : {};
  const env: EnvironmentFingerprint = {};
  if (str(m.system))
    env.os = { platform: String(m.system).toLowerCase(), release: str(m.release) ?? '', arch: str(m.machine) ?? '' };
  if (str(m.node)) env.hostname = str(m.node);
  const model = str(cpu.brand_raw) ?? str(cpu.brand);
  if (model) env.cpu = { model, cores: typeof cpu.count === 'number' ? cpu.count : 0 };
  if (str(m.python_version))
    env.python = { version: String(m.python_version), implementation: str(m.python_implementation) };
  if (str(c.id)) env.git = { commit: String(c.id), branch: str(c.branch), dirty: c.dirty === true };
  return env;
}

export function parsePytestBenchmark(text: string, file: string): BenchmarkResultSet {
  const doc = JsonDocument.parse(file, text);
  const root = doc.value;
  if (!looksLikePytestBenchmark(root) || !isRecord(root))
    throw doc.error([], 'expected pytest-benchmark JSON (an object with "machine_info" and "benchmarks")');
  const list = root.benchmarks as unknown[];
  const benchmarks: BenchmarkRun[] = [];
  const seen = new Set<string>();
  list.forEach((b, i) => {
    if (!isRecord(b)) throw doc.error(['benchmarks', i], 'expected an object for each benchmark');
    const name = str(b.fullname) ?? str(b.name);
    if (!name) throw doc.error(['benchmarks', i], 'expected "fullname" or "name"');
    const stats = b.stats;
    if (!isRecord(stats)) throw doc.error(['benchmarks', i, 'stats'], 'expected a "stats" object');
    const num = (key: string, required = true): number | undefined => {
      const v = stats[key];
      if (typeof v === 'number' && Number.isFinite(v) && v >= 0) return v;
      if (v === undefined && !required) return undefined;
      throw doc.error(['benchmarks', i, 'stats', key], `expected a non-negative number for stats.${key}`);
    };
    const rounds = num('rounds')!;
    let samples: number[] = [];
    if (stats.data !== undefined) {
      if (!Array.isArray(stats.data))
        throw doc.error(['benchmarks', i, 'stats', 'data'], 'expected an array of times in stats.data');
      samples = stats.data.map((v, k) => {
        if (typeof v !== 'number' || !Number.isFinite(v) || v < 0)
          throw doc.error(['benchmarks', i, 'stats', 'data', k], 'expected a non-negative time in seconds');
        return v;
      });
    }
    const unique = seen.has(name) ? `${name} (${i + 1})` : name;
    seen.add(unique);
    const run: BenchmarkRun = {
      name: unique,
      kind: 'pytest-benchmark',
      samples,
      timing: 'wall',
      summary: {
        n: rounds,
        mean: num('mean')!,
        median: num('median')!,
        stddev: num('stddev')!,
        min: num('min')!,
        max: num('max')!,
        q1: num('q1', false),
        q3: num('q3', false),
      },
      location: str(b.fullname) ? pytestLocation(String(b.fullname)) : undefined,
    };
    if (isRecord(b.params)) run.params = b.params;
    benchmarks.push(run);
  });
  const when = str(root.datetime) ?? new Date(0).toISOString();
  // pytest-benchmark writes UTC without a zone ("2026-11-23T13:36:50.123456").
  const at = new Date(/Z|[+-]\d\d:?\d\d$/.test(when) ? when : `${when}Z`);
  if (Number.isNaN(at.getTime()))
    throw doc.error(['datetime'], `expected an ISO date and time, found ${JSON.stringify(when.slice(0, 60))}`);
  const createdAt = at.toISOString();
  const base = file.split(/[\\/]/).pop() ?? 'pytest-benchmark';
  return {
    kind: 'flamelens-bench',
    version: 1,
    id: `pytest-${base.replace(/\.json$/i, '').replace(/[^\w.-]+/g, '_')}`,
    createdAt,
    source: 'pytest-benchmark',
    environment: environmentOf(root),
    benchmarks,
    origin: file,
  };
}
