import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, readFileSync, readdirSync, mkdirSync, cpSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { BENCH_CONFIG_FIELDS, parseBenchConfig, parseThreshold } from '../../src/core/formats/bench/benchConfig';
import { compareResultSets } from '../../src/core/analysis/bench/benchCompare';
import { FormatError } from '../../src/core/formats/formatError';
import { summarizeGpuReadings } from '../../src/core/runners/bench/benchRunner';
import {
  saveResults,
  saveBaseline,
  listResults,
  resolveResults,
  listHistory,
  storeFingerprint,
} from '../../src/core/store/benchStore';
import { diffProfiles, grownFunctions, diffLensText } from '../../src/core/analysis/cpu/profileDiff';
import { readProfile } from '../../src/core/formats/cpu/readProfile';
import { parseBenchResults } from '../../src/core/formats/bench/benchResults';
import { REAL, ROOT } from '../helpers';

function workspace(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'flamelens-bench-test-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

test('flamelens.bench.json: errors name the file, the line and the field; comments are allowed; defaults apply', () => {
  const file = '/ws/flamelens.bench.json';
  const ok = parseBenchConfig(
    `{
  // a comment
  "defaults": { "runs": 12 },
  "threshold": "3%",
  "benchmarks": [
    { "name": "a", "callable": "m:f", "setup": "m:g" },
    { "name": "b", "command": "python3 -c 'pass'", "runs": 5 },
  ]
}`,
    file,
  );
  assert.equal(ok.threshold, 0.03);
  assert.deepEqual(
    ok.benchmarks.map((b) => [b.name, b.kind, b.runs, b.warmup]),
    [
      ['a', 'callable', 12, 3],
      ['b', 'command', 5, 1],
    ],
  );
  assert.deepEqual(ok.benchmarks[1].command, ['python3', '-c', 'pass']);
  const err = (text: string) => {
    try {
      parseBenchConfig(text, file);
    } catch (e) {
      assert.ok(e instanceof FormatError, String(e));
      return e.message;
    }
    assert.fail('expected an error');
  };
  assert.equal(
    err('{"benchmarks": [\n {"name": "a",\n  "callable": "m:f",\n  "runs": 1}]}'),
    '/ws/flamelens.bench.json:4 (benchmarks[0].runs): expected an integer of at least 2',
  );
  assert.match(
    err('{"benchmarks": [{"name": "a", "callable": "m:f", "warmpu": 3}]}'),
    /:1 \(benchmarks\[0\]\.warmpu\): unknown field "warmpu"/,
  );
  assert.match(
    err('{"benchmarks": [{"name": "a", "callable": "m:f", "command": "x"}]}'),
    /expected exactly one of "command"/,
  );
  assert.match(
    err('{"benchmarks": [{"name": "a", "callable": "nocolon"}]}'),
    /\(benchmarks\[0\]\.callable\): expected "module:function"/,
  );
  assert.match(
    err('{"benchmarks": [{"name": "a", "command": "x"}, {"name": "a", "command": "y"}]}'),
    /already defined/,
  );
  assert.match(err('{"benchmarks": [\n'), /^\/ws\/flamelens\.bench\.json:2:1: invalid JSON/);
  assert.match(err(''), /empty/);
  assert.equal(parseThreshold('5%'), 0.05);
  assert.equal(parseThreshold(0.1), 0.1);
  assert.equal(parseThreshold('x'), undefined);
});

test('the schema contributed for flamelens.bench.json and the reader accept exactly the same fields', () => {
  const schema = JSON.parse(readFileSync(path.join(ROOT, 'schemas', 'flamelens.bench.schema.json'), 'utf8'));
  const item = schema.properties.benchmarks.items;
  const sorted = (xs: string[]) => [...xs].sort();
  // Both directions: every schema field is one the reader takes, and every field it takes is in the schema.
  assert.deepEqual(sorted(Object.keys(schema.properties)), sorted(BENCH_CONFIG_FIELDS.top));
  assert.deepEqual(sorted(Object.keys(schema.properties.defaults.properties)), sorted(BENCH_CONFIG_FIELDS.defaults));
  assert.deepEqual(sorted(Object.keys(item.properties)), sorted(BENCH_CONFIG_FIELDS.benchmark));
  // And the reader really takes each of them (with a value of the schema's kind), and nothing else.
  const values: Record<string, unknown> = {
    warmup: 1,
    warmupTime: 1,
    runs: 3,
    timeBudget: 1,
    minRuns: 2,
    processes: 2,
    cuda: 'auto',
    disableGc: true,
    calibrate: false,
    timeout: 5,
    python: 'python3',
    cwd: '.',
    env: { A: 'b' },
    setup: 'm:g',
    name: 'x',
    callable: 'm:f',
  };
  for (const f of BENCH_CONFIG_FIELDS.benchmark) {
    if (f === 'command') continue;
    const sample: Record<string, unknown> = { name: 'x', callable: 'm:f', [f]: values[f] };
    assert.doesNotThrow(() => parseBenchConfig(JSON.stringify({ benchmarks: [sample] }), 'f.json'), f);
  }
  for (const f of BENCH_CONFIG_FIELDS.defaults) {
    assert.doesNotThrow(
      () => parseBenchConfig(JSON.stringify({ defaults: { [f]: values[f] }, benchmarks: [] }), 'f.json'),
      f,
    );
  }
  assert.throws(
    () => parseBenchConfig(JSON.stringify({ benchmarks: [{ name: 'x', callable: 'm:f', notInSchema: 1 }] }), 'f.json'),
    /unknown field/,
  );
  assert.throws(() => parseBenchConfig(JSON.stringify({ benchmarks: [], notInSchema: 1 }), 'f.json'), /unknown field/);
});

test('GPU conditions: clocks and temperature summarised per GPU from nvidia-smi readings', () => {
  const g = summarizeGpuReadings([
    [
      { index: 0, name: 'H100', smClockMHz: 1980, temperatureC: 60 },
      { index: 1, smClockMHz: 1400, temperatureC: 85 },
    ],
    [
      { index: 0, name: 'H100', smClockMHz: 1755, temperatureC: 71 },
      { index: 1, smClockMHz: 1200, temperatureC: 88 },
    ],
    [{ index: 0, name: 'H100', smClockMHz: 1980, temperatureC: 66 }],
  ]);
  assert.deepEqual(g[0].smClockMHz, { min: 1755, median: 1980, max: 1980 });
  assert.deepEqual(g[0].temperatureC, { min: 60, max: 71 });
  assert.equal(g[1].readings, 2);
  assert.deepEqual(g[1].smClockMHz, { min: 1200, median: 1300, max: 1400 });
});

test('store: results and baselines written whole, listed by time, resolved by name, id, file or "latest"; a broken file is reported, not fatal', async () => {
  const dir = workspace({});
  const mk = (id: string, createdAt: string, median: number) => ({
    kind: 'flamelens-bench' as const,
    version: 1 as const,
    id,
    createdAt,
    source: 'flamelens' as const,
    environment: {},
    benchmarks: [
      {
        name: 'x',
        kind: 'callable' as const,
        samples: [median, median * 1.01, median * 0.99],
        timing: 'wall' as const,
      },
    ],
  });
  await saveResults(dir, mk('b', '2026-01-02T00:00:00.000Z', 2));
  await saveResults(dir, mk('a', '2026-01-01T00:00:00.000Z', 1));
  await saveBaseline(dir, 'main', mk('a', '2026-01-01T00:00:00.000Z', 1));
  writeFileSync(
    path.join(dir, '.flamelens', 'bench', 'results', 'torn.json'),
    '{"kind": "flamelens-bench", "version": 1, "id": "t", "createdAt": "2026-01-03T00:00:00Z", "benchmarks": [{"name": "x", "samples": [1, -',
  );
  const list = await listResults(dir);
  assert.deepEqual(
    list.items.map((i) => i.id),
    ['a', 'b'],
  );
  assert.equal(list.problems.length, 1);
  assert.match(list.problems[0], /torn\.json:1:\d+: invalid JSON/);
  assert.equal((await resolveResults(dir, 'latest')).id, 'b');
  assert.equal((await resolveResults(dir, 'main')).baseline, 'main');
  assert.equal((await resolveResults(dir, 'a')).id, 'a');
  await assert.rejects(resolveResults(dir, 'nightly'), /no baseline named "nightly" \(baselines: main\)/);
  assert.deepEqual(
    readdirSync(path.join(dir, '.flamelens', 'bench', 'results')).filter((f) => f.endsWith('.tmp')),
    [],
  );
  assert.throws(
    () =>
      parseBenchResults(
        '{"kind": "flamelens-bench", "version": 1, "id": "x", "createdAt": "2026-01-01T00:00:00Z", "benchmarks": [{"name": "n", "samples": [1, "2"]}]}',
        'r.json',
      ),
    /r\.json:1 \(benchmarks\[0\]\.samples\[1\]\): expected a non-negative time/,
  );
  // The editor's lenses recompute when the store's fingerprint changes, whether or not a file
  // watcher saw the change: autosaves copied into a folder that did not exist change it.
  const before = await storeFingerprint(dir);
  assert.equal(await storeFingerprint(dir), before, 'nothing changed: the same fingerprint');
  cpSync(path.join(REAL, 'pytest-benchmark', 'autosave'), path.join(dir, '.benchmarks'), { recursive: true });
  const after = await storeFingerprint(dir);
  assert.notEqual(after, before);
  const autosaves = readdirSync(path.join(dir, '.benchmarks'))[0];
  const one = path.join(dir, '.benchmarks', autosaves, readdirSync(path.join(dir, '.benchmarks', autosaves))[0]);
  writeFileSync(one, readFileSync(one, 'utf8').slice(0, 100)); // read half-written: differs again
  const half = await storeFingerprint(dir);
  assert.notEqual(half, after);
  cpSync(path.join(REAL, 'pytest-benchmark', 'autosave'), path.join(dir, '.benchmarks'), { recursive: true });
  assert.notEqual(await storeFingerprint(dir), half, 'written whole: differs from the half-written read');
  const h = await listHistory(dir);
  assert.deepEqual(
    h.items.map((i) => i.source),
    ['flamelens', 'flamelens', 'pytest-benchmark', 'pytest-benchmark'],
  );
});

test('profile diff of two real runs (built-in sampler): normalize() and its new generator grew, shares of both profiles', async () => {
  const before = path.join(REAL, 'profile-diff', 'before.folded');
  const after = path.join(REAL, 'profile-diff', 'after.folded');
  const d = diffProfiles(await readProfile(before), await readProfile(after));
  const top = grownFunctions(d.functions, 2);
  assert.deepEqual(top.map((f) => f.name).sort(), ['<genexpr>', 'normalize']);
  const checksum = d.functions.find((f) => f.name === 'checksum')!;
  assert.ok(checksum.selfDeltaPts < -10, 'the unchanged function gets a smaller share');
  const sumSelf = d.functions.reduce((s, f) => s + f.selfDeltaPts, 0);
  assert.ok(Math.abs(sumSelf) < 1e-9, 'self shares sum to 100% on both sides');
  assert.ok(Math.abs(d.tree.value - 100) < 1e-9 && Math.abs(d.baseTree.value - 100) < 1e-9);
  const kidsSum = (d.tree.children ?? []).reduce((s, c) => s + c.value, 0);
  assert.ok(kidsSum <= d.tree.value + 1e-9, 'children never wider than their parent');
  assert.match(diffLensText(top[0]), /^▲ \+\d+\.\d pts self time vs baseline run \(\d+\.\d% → \d+\.\d%\)$/);
});

test('a baseline (or current) whose median is 0 is an error naming the file and the benchmark, not "no-change"', async () => {
  const dir = workspace({});
  const set = (id: string, samples: number[]) => ({
    kind: 'flamelens-bench',
    version: 1,
    id,
    createdAt: '2026-01-01T00:00:00.000Z',
    source: 'flamelens',
    environment: {},
    benchmarks: [{ name: 'parse', kind: 'callable', samples, timing: 'wall' }],
  });
  writeFileSync(path.join(dir, 'zero.json'), JSON.stringify(set('z', [0, 0, 0, 0])));
  writeFileSync(path.join(dir, 'now.json'), JSON.stringify(set('n', [0.01, 0.011, 0.0105, 0.0102])));
  const zero = await resolveResults(dir, 'zero.json');
  const now = await resolveResults(dir, 'now.json');
  assert.throws(
    () => compareResultSets(zero, now),
    (e: unknown) =>
      e instanceof FormatError &&
      e.file === path.join(dir, 'zero.json') &&
      e.place === 'benchmark "parse"' &&
      /median time is 0 s/.test(e.message),
  );
  assert.throws(() => compareResultSets(now, zero), /zero\.json:benchmark "parse": its median time is 0 s/);
  assert.equal(compareResultSets(now, now).benchmarks[0].verdict, 'no-change', 'positive times compare as before');
});

test('a pytest-benchmark file with a datetime that is not a date is an error naming the file and the field', async () => {
  const { parsePytestBenchmark } = await import('../../src/core/formats/bench/pytestBenchmark');
  const file = path.join(
    REAL,
    'pytest-benchmark',
    'autosave',
    'Linux-CPython-3.11-64bit',
    '0001_97cee30c8f544511542628492359c6b9215fb032_20261123_133650.json',
  );
  const text = readFileSync(file, 'utf8').replace(/"datetime": "[^"]*"/, '"datetime": "yesterday"');
  assert.throws(
    () => parsePytestBenchmark(text, 'b.json'),
    (e: unknown) =>
      e instanceof FormatError &&
      /^b\.json:\d+ \(datetime\): expected an ISO date and time, found "yesterday"$/.test(e.message),
  );
  // Given to analyze, a benchmark file says what it is and which command reads it.
  const { parseProfile } = await import('../../src/core/formats/cpu/parseProfile');
  assert.throws(
    () => parseProfile(readFileSync(file, 'utf8'), 'b.json'),
    /this is pytest-benchmark JSON.*flamelens compare/,
  );
});
