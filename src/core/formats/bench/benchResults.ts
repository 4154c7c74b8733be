/**
 * Reads a benchmark result file: flamelens' own result sets and baselines
 * (`.flamelens/bench/…`), or pytest-benchmark JSON, detected from the content.
 */
import { readTextFile } from '../textFile';
import type { BenchmarkResultSet, BenchmarkRun } from '../../model/bench';
import { isRecord, JsonDocument } from '../jsonDocument';
import { looksLikePytestBenchmark, parsePytestBenchmark } from './pytestBenchmark';

function checkRun(doc: JsonDocument, raw: unknown, i: number): BenchmarkRun {
  const at = (...p: (string | number)[]) => ['benchmarks', i, ...p];
  if (!isRecord(raw)) throw doc.error(at(), 'expected a benchmark object');
  if (typeof raw.name !== 'string' || !raw.name) throw doc.error(at('name'), 'expected a benchmark name');
  if (!Array.isArray(raw.samples)) throw doc.error(at('samples'), 'expected an array of times in seconds');
  raw.samples.forEach((v, k) => {
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0)
      throw doc.error(at('samples', k), 'expected a non-negative time in seconds');
  });
  if (raw.calibration !== undefined) {
    if (!Array.isArray(raw.calibration))
      throw doc.error(at('calibration'), 'expected an array of probe times in seconds (or null)');
    raw.calibration.forEach((v, k) => {
      if (v !== null && (typeof v !== 'number' || !Number.isFinite(v) || v <= 0))
        throw doc.error(at('calibration', k), 'expected a positive probe time in seconds, or null');
    });
  }
  if (raw.summary !== undefined) {
    const s = raw.summary;
    if (!isRecord(s)) throw doc.error(at('summary'), 'expected an object');
    for (const key of ['n', 'mean', 'median', 'stddev', 'min', 'max']) {
      if (typeof s[key] !== 'number' || !Number.isFinite(s[key]) || (s[key] as number) < 0)
        throw doc.error(at('summary', key), `expected a non-negative number for summary.${key}`);
    }
  }
  return raw as unknown as BenchmarkRun;
}

export function parseBenchResults(text: string, file: string): BenchmarkResultSet {
  const doc = JsonDocument.parse(file, text);
  const v = doc.value;
  if (looksLikePytestBenchmark(v)) return parsePytestBenchmark(text, file);
  if (!isRecord(v) || v.kind !== 'flamelens-bench')
    throw doc.error([], 'expected flamelens benchmark results ("kind": "flamelens-bench") or pytest-benchmark JSON');
  if (v.version !== 1)
    throw doc.error(
      ['version'],
      `unsupported results version ${JSON.stringify(v.version)} (this flamelens reads version 1)`,
    );
  if (typeof v.id !== 'string' || typeof v.createdAt !== 'string' || Number.isNaN(Date.parse(v.createdAt)))
    throw doc.error(['createdAt'], 'expected "id" and an ISO "createdAt"');
  if (!Array.isArray(v.benchmarks)) throw doc.error(['benchmarks'], 'expected an array of benchmarks');
  const benchmarks = v.benchmarks.map((b, i) => checkRun(doc, b, i));
  return {
    ...(v as unknown as BenchmarkResultSet),
    environment: isRecord(v.environment) ? (v.environment as BenchmarkResultSet['environment']) : {},
    benchmarks,
  };
}

export async function readBenchResultsFile(file: string): Promise<BenchmarkResultSet> {
  const text = await readTextFile(file, 'benchmark results');
  return { ...parseBenchResults(text, file), readFrom: file };
}
