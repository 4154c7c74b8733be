import { test, before } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync, execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { parseBenchConfig } from '../../../src/core/formats/bench/benchConfig';
import { runBenchmarks } from '../../../src/core/runners/bench/benchRunner';
import { CLI, ensureBuilt, REAL, ROOT } from '../../helpers';

const HELPER = path.join(ROOT, 'media', 'flamelens_bench.py');
const PYTHON = 'python3';

before(() => ensureBuilt());

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

def counted(seconds):
    global calls
    calls += 1
    if calls == 20:
        print("twenty calls", flush=True)
    time.sleep(seconds)

def flaky():
    global calls
    calls += 1
    if calls > 6:
        raise ValueError("broke on call %d" % calls)
`;

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
  // A callable's session spreads its runs over 5 fresh processes (the default), each warmed up.
  assert.equal(sleep.warmup, 2 * 5);
  assert.deepEqual(sleep.blocks, [0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4]);
  assert.ok(progress.includes('sleep 2ms: process 5 of 5'), progress.join(' | '));
  // Each process timed the calibration probe too (about half a millisecond of pure Python).
  assert.equal(sleep.calibration?.length, 5, JSON.stringify(sleep.calibration));
  assert.ok(
    sleep.calibration.every((c) => typeof c === 'number' && c > 1e-5 && c < 0.05),
    JSON.stringify(sleep.calibration),
  );
  assert.equal(sleep.timing, 'wall');
  assert.ok(
    sleep.samples.every((s) => s >= 0.002 && s < 0.2),
    sleep.samples.join(','),
  );
  assert.deepEqual(sleep.location, { file: 'work.py', function: 'sleepy', className: undefined });
  assert.equal(cmd.samples.length, 4);
  assert.equal(cmd.calibration, undefined, 'a command has no probe');
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
        { name: 'flaky', callable: 'work:flaky', runs: 20, warmup: 1, processes: 1 },
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
        { name: 'slow', callable: 'work:counted', setup: 'work:make', runs: 100000, warmup: 0 },
        { name: 'never', command: [PYTHON, '-c', 'pass'] },
      ],
    }),
    path.join(dir, 'x.json'),
  );
  // Cancelled once the callable has run 20 times (it says so), however slow the machine is.
  const controller = new AbortController();
  const r = await runBenchmarks({
    root: dir,
    config: slow,
    python: PYTHON,
    helperScript: HELPER,
    signal: controller.signal,
    gpuSampleMs: 0,
    onOutput: (line) => {
      if (line === 'twenty calls') controller.abort();
    },
  });
  assert.equal(r.cancelled, true);
  assert.equal(r.results.benchmarks.length, 1);
  assert.ok(r.results.benchmarks[0].samples.length >= 19, `${r.results.benchmarks[0].samples.length} samples kept`);
  assert.ok(r.results.benchmarks[0].samples.length < 100000);
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
    assert.ok(['regression', 'improvement', 'no-change', 'inconclusive'].includes(row.verdict));
  }
  // Two files are two sessions, and this machine has no history of unchanged code for them: the
  // runs alone say 22% slower, the verdict says the evidence is insufficient.
  const tok = j.benchmarks.find((r: { name: string }) => r.name.endsWith('::test_tokenize'));
  assert.equal(tok.verdict, 'inconclusive');
  assert.match(tok.reason, /^one session each; the run-to-run spread understates the noise \(0 sessions/);
  assert.match(tok.summary, /\(runs alone: 21\.\d% slower/);
  const gate = cli(['compare', base, slower, '--fail-on-regression'], dir);
  assert.equal(gate.code, 0, 'inconclusive is not a regression');
  assert.match(
    gate.stderr,
    /flamelens: \d inconclusive, not counted as regressions: .*tests\/test_tokenize\.py::test_tokenize/,
  );
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

test('diff --json on two real runs: the documented shape, the function that grew most first; usage and missing files', () => {
  const before = path.join(REAL, 'profile-diff', 'before.folded');
  const after = path.join(REAL, 'profile-diff', 'after.folded');
  const r = cli(['diff', before, after, '--json'], ROOT);
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.equal(j.kind, 'profile-diff');
  assert.ok(['<genexpr>', 'normalize'].includes(j.functions[0].name), j.functions[0].name);
  assert.deepEqual(Object.keys(j), ['kind', 'base', 'new', 'unit', 'functions']);
  assert.equal(cli(['diff', before], ROOT).code, 2);
  assert.equal(cli(['diff', before, '/no/such.folded'], ROOT).code, 1);
});

test('CLI: bench --against HEAD measures the committed code interleaved with the working tree; a 2x slowdown fails the gate; the repository is untouched', () => {
  const slow = (s: number) =>
    `import time\n\ndef make():\n    return (${s},)\n\ndef sleepy(seconds):\n    time.sleep(seconds)\n`;
  const dir = workspace({
    'work.py': slow(0.002),
    'flamelens.bench.json': JSON.stringify({
      benchmarks: [
        // Three runs per block: the median of two is their mean, and one run that a loaded machine
        // delayed by a scheduler slice (3–5 ms against 2–4 ms of sleep, seen in CI) turned a block
        // pair around and the 6-pair t-test said "no difference" (2 of 8 sessions under 4 spinning
        // processes; with three runs per block none of 12).
        { name: 'sleepy', callable: 'work:sleepy', setup: 'work:make', runs: 18, warmup: 1 },
        {
          name: 'script',
          // 1.0 s against 0.5 s of sleep: a Python start-up slowed by a loaded machine (seconds,
          // measured under two parallel test files) cannot turn a block pair around.
          command: 'python3 -c "import work, time; time.sleep(work.make()[0] * 250)"',
          runs: 6,
          warmup: 0,
        },
      ],
    }),
  });
  const git = (...a: string[]) => execFileSync('git', a, { cwd: dir, encoding: 'utf8' });
  git('init', '-q');
  git('add', '-A');
  git('-c', 'user.email=t@example.invalid', '-c', 'user.name=t', 'commit', '-qm', 'fast');
  writeFileSync(path.join(dir, 'work.py'), slow(0.004));
  const statusBefore = git('status', '--porcelain');
  const before = new Set(readdirSync(tmpdir()).filter((n) => n.startsWith('flamelens-against-')));

  const r = cli(['bench', '--against', 'HEAD', '--blocks', '6', '--fail-on-regression', '--json'], dir);
  assert.equal(r.code, 1, `a regression fails the gate: ${r.stderr}`);
  const out = JSON.parse(r.stdout);
  assert.equal(out.comparison.design, 'interleaved');
  for (const name of ['sleepy', 'script']) {
    const b = out.comparison.benchmarks.find((x: { name: string }) => x.name === name);
    assert.equal(b.verdict, 'regression', `${name}: ${b.summary}`);
    assert.equal(b.method, 'interleaved');
    assert.equal(b.blockPairs, 6);
    assert.ok(b.ratio > 1.4, `${name} ratio ${b.ratio}`);
    assert.equal(!!b.calibration, name === 'sleepy', `${name}: probe adjustment ${JSON.stringify(b.calibration)}`);
  }
  assert.match(r.stderr, /flamelens: 2 regressions: sleepy, script/);
  const saved = JSON.parse(readFileSync(out.file, 'utf8'));
  assert.equal(saved.interleaved.against, 'HEAD');
  assert.equal(saved.interleaved.commit, git('rev-parse', 'HEAD').trim());
  assert.deepEqual(
    [...new Set(saved.interleaved.benchmarks[0].blocks)].sort(),
    [0, 1, 2, 3, 4, 5],
    'every block measured the baseline',
  );
  assert.equal(saved.benchmarks[0].samples.length, 18, 'the runs spread over the blocks exactly');
  assert.equal(saved.benchmarks[0].blocks.length, 18);
  assert.equal(saved.benchmarks[0].calibration.length, 6, 'one probe median per block');
  assert.equal(saved.interleaved.benchmarks[0].calibration.length, 6);
  assert.ok(saved.conditions?.cpus >= 1, 'the session recorded its machine');
  assert.equal(
    git('status', '--porcelain'),
    statusBefore + '?? .flamelens/\n'.replace(/^/, ''),
    'working tree as it was',
  );
  assert.equal(git('worktree', 'list').trim().split('\n').length, 1, 'no worktree added');
  assert.deepEqual(
    readdirSync(tmpdir()).filter((n) => n.startsWith('flamelens-against-') && !before.has(n)),
    [],
    'the extracted ref is removed',
  );

  // Unchanged code against HEAD: no regression.
  writeFileSync(path.join(dir, 'work.py'), slow(0.002));
  const same = cli(['bench', '--against', 'HEAD', '--only', 'sleepy', '--fail-on-regression', '--json'], dir);
  assert.equal(same.code, 0, same.stderr);
  assert.notEqual(JSON.parse(same.stdout).comparison.benchmarks[0].verdict, 'regression');

  // Another command as the baseline of the command benchmarks.
  const cmd = cli(
    ['bench', '--only', 'script', '--against-command', 'python3 -c "import time; time.sleep(0.005)"', '--json'],
    dir,
  );
  assert.equal(cmd.code, 0, cmd.stderr);
  assert.equal(JSON.parse(cmd.stdout).comparison.benchmarks[0].verdict, 'regression', 'a 0.3 s script vs 5 ms');

  // Usage errors name the flag.
  const usage = (args: string[], re: RegExp) => {
    const u = cli(['bench', ...args], dir);
    assert.equal(u.code, 2, u.stderr);
    assert.match(u.stderr, re);
  };
  usage(['--against', 'no-such-ref'], /--against: "no-such-ref" is neither a folder nor a commit/);
  usage(['--blocks', '1', '--against', 'HEAD'], /--blocks must be/);
  usage(['--fail-on-regression'], /--fail-on-regression compares in the same session: give --against/);
  usage(['--against-command', 'true'], /--against-command is the baseline of command benchmarks; sleepy is a callable/);
});

test('bench --against: a git ref extracted 100 times in a row always finishes, and leaves nothing behind', async () => {
  // A pipe handed from git archive to tar could end before tar took it: the extraction's promise
  // then never settled, the event loop emptied, and the CLI exited 0 without a word.
  const dir = workspace({ 'a.py': 'x = 1\n', 'sub/b.py': 'y = 2\n' });
  const git = (...a: string[]) => execFileSync('git', a, { cwd: dir, encoding: 'utf8' });
  git('init', '-q');
  git('add', '-A');
  git('-c', 'user.email=t@example.invalid', '-c', 'user.name=t', 'commit', '-qm', 'x');
  const { prepareAgainst } = await import('../../../src/core/runners/bench/againstSource');
  for (let i = 0; i < 100; i++) {
    const p = await prepareAgainst(path.join(dir, 'sub'), 'HEAD');
    assert.equal(
      readFileSync(path.join(p.side.root!, 'b.py'), 'utf8'),
      'y = 2\n',
      'the folder of the config, in the ref',
    );
    await p.dispose();
    assert.ok(!existsSync(p.side.root!), 'removed');
  }
});
