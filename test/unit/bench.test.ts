import { test, before } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync, execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync, readdirSync, existsSync, mkdirSync, cpSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { BENCH_CONFIG_FIELDS, parseBenchConfig, parseThreshold } from '../../src/core/formats/bench/benchConfig';
import { FormatError } from '../../src/core/formats/formatError';
import { runBenchmarks, summarizeGpuReadings } from '../../src/core/runners/bench/benchRunner';
import { saveResults, saveBaseline, listResults, resolveResults, listHistory } from '../../src/core/store/benchStore';
import { parseBenchResults } from '../../src/core/formats/bench/benchResults';
import { diffProfiles, grownFunctions, diffLensText } from '../../src/core/analysis/cpu/profileDiff';
import { readProfile } from '../../src/core/formats/cpu/readProfile';
import { REAL, ROOT } from './helpers';

const HELPER = path.join(ROOT, 'media', 'flamelens_bench.py');
const CLI = path.join(ROOT, 'dist', 'cli.js');
const PYTHON = 'python3';

before(() => {
  if (!existsSync(CLI))
    execFileSync(process.execPath, [path.join(ROOT, 'scripts', 'build.mjs')], { cwd: ROOT, stdio: 'inherit' });
});

function workspace(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'flamelens-bench-test-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

function cli(args: string[], cwd: string) {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const WORK = `import time
calls = 0

def make():
    return (0.002,)

def sleepy(seconds):
    time.sleep(seconds)

def flaky():
    global calls
    calls += 1
    if calls > 6:
        raise ValueError("broke on call %d" % calls)
`;

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

test('runner: a Python callable is timed in-process (setup passes its tuple), a command once per run; the fingerprint is recorded', async () => {
  const dir = workspace({ 'work.py': WORK });
  execFileSync('git', ['init', '-q'], { cwd: dir });
  execFileSync('git', ['-c', 'user.email=a@b', '-c', 'user.name=t', 'add', '.'], { cwd: dir });
  execFileSync('git', ['-c', 'user.email=a@b', '-c', 'user.name=t', 'commit', '-qm', 'x'], { cwd: dir });
  const config = parseBenchConfig(
    JSON.stringify({
      benchmarks: [
        { name: 'sleep 2ms', callable: 'work:sleepy', setup: 'work:make', runs: 15, warmup: 2 },
        { name: 'python -c pass', command: [PYTHON, '-c', 'pass'], runs: 4, warmup: 1 },
      ],
    }),
    path.join(dir, 'flamelens.bench.json'),
  );
  const progress: string[] = [];
  const { results, cancelled } = await runBenchmarks({
    root: dir,
    config,
    python: PYTHON,
    helperScript: HELPER,
    onProgress: (m) => progress.push(m),
    gpuSampleMs: 0,
  });
  assert.equal(cancelled, false);
  const [sleep, cmd] = results.benchmarks;
  assert.equal(sleep.samples.length, 15);
  assert.equal(sleep.warmup, 2);
  assert.equal(sleep.timing, 'wall');
  assert.ok(
    sleep.samples.every((s) => s >= 0.002 && s < 0.2),
    sleep.samples.join(','),
  );
  assert.deepEqual(sleep.location, { file: 'work.py', function: 'sleepy', className: undefined });
  assert.equal(cmd.samples.length, 4);
  assert.ok(
    cmd.samples.every((s) => s > 0.005),
    'a Python start-up takes milliseconds',
  );
  assert.equal(results.environment.git?.dirty, false);
  assert.match(results.environment.git?.commit ?? '', /^[0-9a-f]{40}$/);
  assert.match(results.environment.python?.version ?? '', /^3\.\d+/);
  assert.ok((results.environment.cpu?.cores ?? 0) >= 1);
  assert.ok(progress.some((p) => p.startsWith('sleep 2ms: 15 runs')));
  assert.match(results.id, /^\d{8}T\d{6}Z-[0-9a-f]{8}-[0-9a-f]{6}$/);
});

test('runner: a failing callable or command keeps what it measured and says why; the others still run; cancelling stops and keeps the samples', async () => {
  const dir = workspace({ 'work.py': WORK });
  const config = parseBenchConfig(
    JSON.stringify({
      benchmarks: [
        { name: 'flaky', callable: 'work:flaky', runs: 20, warmup: 1 },
        { name: 'missing module', callable: 'nosuch:f' },
        { name: 'exit 3', command: [PYTHON, '-c', 'import sys; sys.stderr.write("bad input\\n"); sys.exit(3)'] },
        { name: 'cuda asked', callable: 'work:sleepy', setup: 'work:make', runs: 3, cuda: 'events' },
      ],
    }),
    path.join(dir, 'flamelens.bench.json'),
  );
  const { results } = await runBenchmarks({ root: dir, config, python: PYTHON, helperScript: HELPER, gpuSampleMs: 0 });
  const [flaky, missing, exit3, cuda] = results.benchmarks;
  assert.equal(flaky.samples.length, 5, 'six calls: one warmup, five measured, the seventh raised');
  assert.match(flaky.error ?? '', /^ValueError: broke on call 7/);
  assert.match(missing.error ?? '', /cannot import callable module 'nosuch'/);
  assert.match(exit3.error ?? '', /exited with 3: bad input/);
  assert.equal(cuda.samples.length, 3);
  assert.equal(cuda.timing, 'wall');
  assert.deepEqual(cuda.params, {
    notes: ["cuda timing 'events' was asked for but CUDA is not in use; timed with the wall clock"],
  });

  const budget = parseBenchConfig(
    JSON.stringify({
      benchmarks: [{ name: 'budget', callable: 'work:sleepy', setup: 'work:make', timeBudget: 0.3, warmup: 0 }],
    }),
    path.join(dir, 'b.json'),
  );
  const b = (await runBenchmarks({ root: dir, config: budget, python: PYTHON, helperScript: HELPER, gpuSampleMs: 0 }))
    .results.benchmarks[0];
  assert.ok(b.samples.length >= 5 && b.samples.length <= 160, `a 0.3 s budget of 2 ms calls: ${b.samples.length} runs`);
  assert.equal(b.error, undefined);

  const slow = parseBenchConfig(
    JSON.stringify({
      benchmarks: [
        { name: 'slow', callable: 'work:sleepy', setup: 'work:make', runs: 100000, warmup: 0 },
        { name: 'never', command: [PYTHON, '-c', 'pass'] },
      ],
    }),
    path.join(dir, 'x.json'),
  );
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 1500);
  const t0 = Date.now();
  const r = await runBenchmarks({
    root: dir,
    config: slow,
    python: PYTHON,
    helperScript: HELPER,
    signal: controller.signal,
    gpuSampleMs: 0,
  });
  assert.ok(Date.now() - t0 < 10_000);
  assert.equal(r.cancelled, true);
  assert.equal(r.results.benchmarks.length, 1);
  assert.ok(r.results.benchmarks[0].samples.length > 10, `${r.results.benchmarks[0].samples.length} samples kept`);
  assert.equal(r.results.benchmarks[0].error, 'cancelled');
});

test('CUDA timing: work launched asynchronously is timed with CUDA events after a synchronisation; the wall clock alone measures only the launch (stand-in torch.cuda)', async () => {
  const dir = workspace({ 'gpuwork.py': 'import torch\n\n\ndef step():\n    torch.cuda.launch(0.02)\n' });
  const env = { ...process.env, PYTHONPATH: path.join(ROOT, 'test', 'fixtures', 'standin-torch') };
  const config = parseBenchConfig(
    JSON.stringify({
      benchmarks: [
        { name: 'auto', callable: 'gpuwork:step', runs: 8, warmup: 2, warmupTime: 0 },
        { name: 'sync', callable: 'gpuwork:step', runs: 8, warmup: 2, warmupTime: 0, cuda: 'sync' },
        { name: 'off', callable: 'gpuwork:step', runs: 8, warmup: 2, warmupTime: 0, cuda: 'off' },
      ],
    }),
    path.join(dir, 'flamelens.bench.json'),
  );
  const { results } = await runBenchmarks({
    root: dir,
    config,
    python: PYTHON,
    helperScript: HELPER,
    env,
    gpuSampleMs: 0,
  });
  const [auto, sync, off] = results.benchmarks;
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
  assert.equal(auto.timing, 'cuda-events');
  assert.equal(sync.timing, 'cuda-sync');
  assert.equal(off.timing, 'wall');
  assert.ok(median(auto.samples) >= 0.019 && median(auto.samples) < 0.1, `events: ${auto.samples}`);
  assert.ok(median(sync.samples) >= 0.019 && median(sync.samples) < 0.1, `sync: ${sync.samples}`);
  assert.ok(
    median(off.samples) * 10 < median(auto.samples),
    `the wall clock under-reports: ${median(off.samples)} vs ${median(auto.samples)}`,
  );
  assert.equal(results.environment.torch?.version, '0.0+standin');
  assert.equal(results.environment.torch?.cuda, '12.4');
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
    cuda: 'auto',
    disableGc: true,
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
  cpSync(path.join(REAL, 'pytest-benchmark', 'autosave'), path.join(dir, '.benchmarks'), { recursive: true });
  const h = await listHistory(dir);
  assert.deepEqual(
    h.items.map((i) => i.source),
    ['flamelens', 'flamelens', 'pytest-benchmark', 'pytest-benchmark'],
  );
});

test('CLI: bench runs and saves a baseline; compare prints the documented JSON and exits 1 only with --fail-on-regression on a regression; usage errors exit 2', () => {
  const dir = workspace({
    'work.py': WORK,
    'flamelens.bench.json': JSON.stringify({
      benchmarks: [{ name: 'sleep', callable: 'work:sleepy', setup: 'work:make', runs: 10, warmup: 1 }],
    }),
  });
  const b = cli(['bench', '--save-baseline', 'main', '--json'], dir);
  assert.equal(b.code, 0, b.stderr);
  const out = JSON.parse(b.stdout);
  assert.equal(out.kind, 'bench-results');
  assert.equal(out.benchmarks[0].runs, 10);
  for (const k of ['median', 'mean', 'stddev', 'cv', 'p50', 'p90', 'p95', 'p99', 'ciLow', 'ciHigh', 'outliers'])
    assert.equal(typeof out.benchmarks[0][k], 'number', k);
  assert.ok(existsSync(path.join(dir, '.flamelens', 'bench', 'baselines', 'main.json')));

  const pb = path.join(REAL, 'pytest-benchmark');
  const base = path.join(pb, 'pytest_benchmark_3.2.2_save_data.json');
  const slower = path.join(pb, 'pytest_benchmark_3.2.2_save_data_slower.json');
  const c = cli(['compare', base, slower, '--json'], dir);
  assert.equal(c.code, 0, 'no --fail-on-regression: report only');
  const j = JSON.parse(c.stdout);
  assert.equal(j.kind, 'comparison');
  for (const row of j.benchmarks) {
    for (const k of ['name', 'baselineMedian', 'currentMedian', 'ratio', 'ciLow', 'ciHigh', 'pValue', 'verdict'])
      assert.ok(k in row, k);
    assert.ok(['regression', 'improvement', 'no-change'].includes(row.verdict));
  }
  assert.equal(j.benchmarks.find((r: { name: string }) => r.name.endsWith('::test_tokenize')).verdict, 'regression');
  assert.equal(cli(['compare', base, slower, '--fail-on-regression'], dir).code, 1);
  assert.equal(
    cli(['compare', base, base, '--fail-on-regression'], dir).code,
    0,
    'a file against itself: no regression',
  );
  const big = cli(['compare', base, slower, '--fail-on-regression', '--threshold', '50%'], dir);
  assert.equal(big.code, 0, 'a 22% slowdown is inside a 50% threshold');
  assert.equal(cli(['compare', 'main'], dir).code, 2);
  assert.equal(cli(['compare', base, slower, '--threshold', 'lots'], dir).code, 2);
  const missing = cli(['compare', 'nightly', 'latest'], dir);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /no baseline named "nightly" \(baselines: main\)/);
  assert.equal(cli(['bench', '--save-baseline', '../evil'], dir).code, 2);
  assert.equal(cli(['compare', 'main', 'latest', '--json'], dir).code, 0);
});

test('profile diff of two real runs (built-in sampler): normalize() and its new generator grew, shares of both profiles, CLI --json', async () => {
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
  const r = cli(['diff', before, after, '--json'], ROOT);
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.equal(j.kind, 'profile-diff');
  assert.equal(j.functions[0].name, top[0].name);
  assert.equal(cli(['diff', before], ROOT).code, 2);
  assert.equal(cli(['diff', before, '/no/such.folded'], ROOT).code, 1);
});
