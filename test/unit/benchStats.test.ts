import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import {
  describeSamples,
  mannWhitneyU,
  bootstrapRatioCi,
  makeRng,
  normalSf,
} from '../../src/core/analysis/bench/benchStats';
import { compareResultSets, compareRuns, decide, lensText } from '../../src/core/analysis/bench/benchCompare';
import { detectChangePoints, buildHistories } from '../../src/core/analysis/bench/benchHistory';
import { parsePytestBenchmark, pytestLocation } from '../../src/core/formats/bench/pytestBenchmark';
import type { BenchmarkResultSet, BenchmarkRun } from '../../src/core/model/bench';
import { REAL, read } from '../helpers';

const PB = path.join(REAL, 'pytest-benchmark');
const BASE_FILE = path.join(PB, 'pytest_benchmark_3.2.2_save_data.json');
const SLOWER_FILE = path.join(PB, 'pytest_benchmark_3.2.2_save_data_slower.json');
const AUTOSAVE = path.join(PB, 'autosave', 'Linux-CPython-3.11-64bit');
interface Reference {
  scipy: string;
  benchmarks: {
    name: string;
    u: number;
    p: number;
    pAsymptotic: number;
    baselineMedian: number;
    currentMedian: number;
    currentPercentiles: Record<string, number>;
    currentStd: number;
    ratioCi95: [number, number];
  }[];
  small: { a: number[]; b: number[]; u: number; p: number };
  overlapping: { a: number[]; b: number[]; u: number; p: number };
}
const REF = JSON.parse(read(path.join(PB, 'scipy-reference.json'))) as Reference;

function close(actual: number, expected: number, rel: number, what: string) {
  assert.ok(Math.abs(actual - expected) <= rel * Math.abs(expected) + 1e-300, `${what}: ${actual} vs ${expected}`);
}

test('pytest-benchmark JSON (real, 3.2.2 --benchmark-save-data): every round as a sample, test ids mapped to test functions, environment from machine_info/commit_info', () => {
  const set = parsePytestBenchmark(read(SLOWER_FILE), SLOWER_FILE);
  assert.equal(set.source, 'pytest-benchmark');
  assert.deepEqual(
    set.benchmarks.map((b) => b.name),
    [
      'tests/test_tokenize.py::test_tokenize',
      'tests/test_tokenize.py::test_sort[100]',
      'tests/test_tokenize.py::test_sort[1000]',
      'tests/test_tokenize.py::TestJoin::test_join',
    ],
  );
  const raw = JSON.parse(read(SLOWER_FILE)) as {
    benchmarks: { stats: { data: number[]; rounds: number; median: number } }[];
  };
  set.benchmarks.forEach((b, i) => {
    assert.equal(b.samples.length, raw.benchmarks[i].stats.rounds);
    assert.equal(b.summary?.median, raw.benchmarks[i].stats.median);
  });
  assert.deepEqual(set.benchmarks[1].location, {
    file: 'tests/test_tokenize.py',
    function: 'test_sort',
    className: undefined,
  });
  assert.deepEqual(set.benchmarks[3].location, {
    file: 'tests/test_tokenize.py',
    function: 'test_join',
    className: 'TestJoin',
  });
  assert.deepEqual(set.benchmarks[1].params, { size: 100 });
  assert.equal(set.environment.python?.version, '3.11.2');
  assert.equal(set.environment.cpu?.model, 'AMD EPYC');
  assert.equal(set.environment.git?.commit, 'ad5ec9b9e520b2855ff5ff638daa63b6d9b65db3');
  assert.equal(set.environment.git?.dirty, false);
  assert.equal(set.createdAt.slice(0, 10), '2026-11-23');
  assert.deepEqual(pytestLocation('a/b.py::C::test_x[p-1::2]'), { file: 'a/b.py', function: 'test_x', className: 'C' });
});

test('statistics of real samples agree with numpy (median, percentiles, stddev) and the bootstrap CI holds the median', () => {
  const set = parsePytestBenchmark(read(SLOWER_FILE), SLOWER_FILE);
  for (const ref of REF.benchmarks) {
    const run = set.benchmarks.find((b) => b.name === ref.name)!;
    const s = describeSamples(run.samples, { seed: 7 });
    close(s.median, ref.currentMedian, 1e-12, `${ref.name} median`);
    close(s.p90, ref.currentPercentiles['90'], 1e-12, `${ref.name} p90`);
    close(s.p95, ref.currentPercentiles['95'], 1e-12, `${ref.name} p95`);
    close(s.p99, ref.currentPercentiles['99'], 1e-12, `${ref.name} p99`);
    close(s.stddev, ref.currentStd, 1e-9, `${ref.name} stddev`);
    assert.ok(s.medianCi[0] <= s.median && s.median <= s.medianCi[1]);
    assert.ok(s.cv > 0 && s.cv < 1);
  }
});

test('MAD outliers are flagged and kept', () => {
  const samples = [10, 10.2, 9.9, 10.1, 10, 9.8, 10.3, 25, 10.1];
  const s = describeSamples(samples);
  assert.deepEqual(s.outliers, [7]);
  assert.equal(s.n, 9);
  assert.equal(s.max, 25);
});

test('Mann–Whitney U agrees with scipy.stats.mannwhitneyu on the real samples (asymptotic with ties) and on small samples (exact)', () => {
  const base = parsePytestBenchmark(read(BASE_FILE), BASE_FILE);
  const cur = parsePytestBenchmark(read(SLOWER_FILE), SLOWER_FILE);
  for (const ref of REF.benchmarks) {
    const a = base.benchmarks.find((b) => b.name === ref.name)!.samples;
    const b = cur.benchmarks.find((x) => x.name === ref.name)!.samples;
    const r = mannWhitneyU(a, b);
    assert.equal(r.u, ref.u, `${ref.name} U`);
    close(r.p, ref.pAsymptotic, 2e-6, `${ref.name} p`);
  }
  const small = mannWhitneyU(REF.small.a, REF.small.b);
  assert.equal(small.method, 'exact');
  assert.equal(small.u, REF.small.u);
  close(small.p, REF.small.p, 1e-12, 'exact p');
  const overlap = mannWhitneyU(REF.overlapping.a, REF.overlapping.b);
  assert.equal(overlap.u, REF.overlapping.u);
  close(overlap.p, REF.overlapping.p, 1e-12, 'exact p, overlapping');
  close(normalSf(1.959963984540054), 0.025, 1e-6, 'normal tail');
});

test('bootstrap CI of the ratio of medians agrees with scipy.stats.bootstrap within resampling noise', () => {
  const base = parsePytestBenchmark(read(BASE_FILE), BASE_FILE);
  const cur = parsePytestBenchmark(read(SLOWER_FILE), SLOWER_FILE);
  const ref = REF.benchmarks[0];
  const r = bootstrapRatioCi(base.benchmarks[0].samples, cur.benchmarks[0].samples, { seed: 3 });
  close(r.ratio, ref.currentMedian / ref.baselineMedian, 1e-12, 'ratio');
  close(r.low, ref.ratioCi95[0], 0.02, 'low');
  close(r.high, ref.ratioCi95[1], 0.02, 'high');
});

test('real pytest-benchmark comparison: the slower tokenizer is a regression with the sentence and CodeLens text; --benchmark-save-data runs use the samples', () => {
  const c = compareResultSets(
    parsePytestBenchmark(read(BASE_FILE), BASE_FILE),
    parsePytestBenchmark(read(SLOWER_FILE), SLOWER_FILE),
  );
  const tok = c.benchmarks.find((b) => b.name.endsWith('::test_tokenize'))!;
  assert.equal(tok.method, 'mann-whitney');
  assert.equal(tok.verdict, 'regression');
  assert.ok(tok.ratio > 1.1 && tok.ciLow > 1.1, `${tok.ratio} ${tok.ciLow}`);
  assert.match(tok.summary, /^\d+\.\d% slower \(p<0\.001; 95% CI of the ratio/);
  assert.match(lensText(tok, 'main'), /^▲ \d+\.\d% slower than main \(p<0\.001, 30 runs\)$/);
  assert.deepEqual(c.onlyInBaseline, []);
  assert.deepEqual(c.onlyInCurrent, []);
});

test('real pytest-benchmark autosaves (no samples): compared from their summaries, marked as such', () => {
  const files = [
    '0001_97cee30c8f544511542628492359c6b9215fb032_20261123_133650.json',
    '0002_ad5ec9b9e520b2855ff5ff638daa63b6d9b65db3_20261123_133652.json',
  ].map((f) => path.join(AUTOSAVE, f));
  const [a, b] = files.map((f) => parsePytestBenchmark(read(f), f));
  assert.ok(a.benchmarks.every((x) => x.samples.length === 0 && (x.summary?.n ?? 0) >= 30));
  const c = compareResultSets(a, b);
  const tok = c.benchmarks.find((x) => x.name.endsWith('::test_tokenize'))!;
  assert.equal(tok.method, 'summary');
  assert.equal(tok.verdict, 'regression');
  close(tok.ratio, b.benchmarks[0].summary!.median / a.benchmarks[0].summary!.median, 1e-12, 'ratio of the medians');
  assert.match(tok.summary, /compared from summary statistics/);
});

function synthetic(name: string, median: number, n: number, noise: number, seed: number): BenchmarkRun {
  const rng = makeRng(seed);
  const samples = Array.from({ length: n }, () => {
    const z = Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
    return median * Math.exp(noise * z);
  });
  return { name, kind: 'callable', samples, timing: 'wall' };
}

test('the decision rule: noise reports "no difference detected" with the detectable change; a small significant change inside the threshold is not a regression', () => {
  const noisy = compareRuns(synthetic('x', 1, 10, 0.3, 1), synthetic('x', 1.08, 10, 0.3, 2));
  assert.equal(noisy.verdict, 'no-change');
  assert.equal(noisy.significant, false);
  assert.ok(noisy.minDetectable > 0.2, `${noisy.minDetectable}`);
  assert.match(
    noisy.summary,
    /^no difference detected \(p=.*\); with this noise only changes beyond ±\d+\.\d% would be detected$/,
  );
  assert.match(lensText(noisy, 'main'), /^no significant change vs main/);

  const precise = compareRuns(synthetic('y', 1, 200, 0.005, 3), synthetic('y', 1.02, 200, 0.005, 4));
  assert.equal(precise.significant, true);
  assert.ok(precise.ciHigh < 1.05);
  assert.equal(precise.verdict, 'no-change');
  assert.match(precise.summary, /within the 5% threshold/);
  assert.equal(
    compareRuns(synthetic('y', 1, 200, 0.005, 3), synthetic('y', 1.02, 200, 0.005, 4), { threshold: 0.01 }).verdict,
    'regression',
  );

  const faster = compareRuns(synthetic('z', 1, 30, 0.03, 5), synthetic('z', 0.9, 30, 0.03, 6));
  assert.equal(faster.verdict, 'improvement');
  assert.match(lensText(faster, 'main'), /^▼ \d+\.\d% faster than main/);
  assert.deepEqual(decide(1.2, 1.1, 1.3, 0.02, 0.05, 0.01), { verdict: 'no-change', significant: false });
});

test('a comparison says when the GPU ran at other clocks or temperatures (throttling), not only that the time changed', () => {
  const base = synthetic('g', 1, 30, 0.02, 11);
  const cur = synthetic('g', 1.3, 30, 0.02, 12);
  base.gpu = [
    { index: 0, readings: 10, smClockMHz: { min: 1950, median: 1980, max: 1980 }, temperatureC: { min: 50, max: 66 } },
  ];
  cur.gpu = [
    { index: 0, readings: 10, smClockMHz: { min: 1200, median: 1410, max: 1980 }, temperatureC: { min: 60, max: 88 } },
  ];
  const c = compareRuns(base, cur);
  assert.equal(c.verdict, 'regression');
  assert.equal(c.conditions, 'GPU 0 SM clock 1980 → 1410 MHz (median), temperature up to 66 → 88 °C');
  assert.match(c.summary, /; GPU 0 SM clock 1980 → 1410 MHz/);
  cur.gpu = [
    { index: 0, readings: 10, smClockMHz: { min: 1950, median: 1965, max: 1980 }, temperatureC: { min: 50, max: 70 } },
  ];
  assert.equal(compareRuns(base, cur).conditions, undefined, 'the same conditions: nothing to say');
});

test('change points: a step in the history is found where it happened; a flat noisy series has none', () => {
  const flat = Array.from({ length: 12 }, (_, i) => ({
    median: 1 + 0.01 * Math.sin(i * 1.7),
    ciLow: 0.98,
    ciHigh: 1.02,
  }));
  assert.deepEqual(detectChangePoints(flat), []);
  const step = flat.map((p, i) =>
    i >= 7 ? { median: p.median * 1.2, ciLow: p.ciLow * 1.2, ciHigh: p.ciHigh * 1.2 } : p,
  );
  assert.deepEqual(detectChangePoints(step), [7]);
  const sets: BenchmarkResultSet[] = step.map((p, i) => ({
    kind: 'flamelens-bench',
    version: 1,
    id: `r${i}`,
    createdAt: new Date(Date.UTC(2026, 0, 1 + i)).toISOString(),
    source: 'flamelens',
    environment: { git: { commit: `c${i}`, dirty: false } },
    benchmarks: [synthetic('b', p.median, 30, 0.01, 100 + i)],
  }));
  const [h] = buildHistories(sets.reverse());
  assert.equal(h.points.length, 12);
  assert.equal(h.points[0].commit, 'c0');
  assert.deepEqual(h.changePoints, [7]);
});
