import { test, before } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, existsSync, readdirSync, writeFileSync, statSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { gunzipSync } from 'node:zlib';
import * as path from 'node:path';
import { CLI, ensureBuilt, EXAMPLES, HANDMADE, PYSPY_SPEEDSCOPE, ROOT } from '../../helpers';

before(() => ensureBuilt());

function cli(args: string[], cwd = ROOT, env: NodeJS.ProcessEnv = process.env) {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    cwd,
    encoding: 'utf8',
    env,
    timeout: 120_000,
    maxBuffer: 256 * 1024 * 1024,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('analyze --json prints the documented shape for a real py-spy profile', () => {
  const r = cli(['analyze', PYSPY_SPEEDSCOPE, '--json', '--top', '5']);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(out.kind, 'cpu-profile');
  assert.equal(out.format, 'speedscope');
  assert.equal(out.samples, 10181);
  assert.equal(out.threads.length, 4);
  assert.equal(out.functions.length, 5);
  for (const f of out.functions)
    assert.deepEqual(Object.keys(f), ['name', 'file', 'line', 'self', 'total', 'selfPct', 'totalPct']);
  for (const l of out.lines) assert.deepEqual(Object.keys(l), ['file', 'line', 'self', 'total']);
  const totals = out.functions.map((f: { total: number }) => f.total);
  assert.deepEqual(
    totals,
    [...totals].sort((a, b) => b - a),
    'sorted by total',
  );
});

test('errors: one clear line on stderr and a non-zero exit', () => {
  const missing = cli(['analyze', '/no/such/file.folded']);
  assert.equal(missing.code, 1);
  assert.equal(missing.stderr.trim().split('\n').length, 1);
  assert.match(missing.stderr, /\/no\/such\/file\.folded: no such file/);
  const corrupt = cli(['analyze', path.join(HANDMADE, 'handmade-corrupt-line3.folded')]);
  assert.equal(corrupt.code, 1);
  assert.match(corrupt.stderr, /handmade-corrupt-line3\.folded:3: expected/);
  const usage = cli(['analyze']);
  assert.equal(usage.code, 2);
  const unknown = cli(['frobnicate']);
  assert.equal(unknown.code, 2);
  const help = cli(['--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /Exit status: 0 on success; 1 when a file is missing/);
  const noPy = cli(
    ['record', '--sampler', 'py-spy', '--', 'python3', path.join(EXAMPLES, 'matrix_work.py')],
    mkdtempSync(path.join(tmpdir(), 'fl-cli-')),
    { ...process.env, PATH: '/usr/bin:/bin' },
  );
  assert.equal(noPy.code, 1);
  assert.match(noPy.stderr, /py-spy was not found on PATH\. Install it with `pip install py-spy`/);
});

test('record with the built-in sampler writes a run folder and the profile', () => {
  const cwd = mkdtempSync(path.join(tmpdir(), 'fl-cli-'));
  const r = cli(
    ['record', '--sampler', 'builtin', '--rate', '200', '--', 'python3', path.join(EXAMPLES, 'matrix_work.py'), '30'],
    cwd,
  );
  assert.equal(r.code, 0, r.stderr);
  const profilePath = r.stdout.trim().split('\n').pop()!;
  assert.ok(existsSync(profilePath));
  const runDir = path.dirname(profilePath);
  const meta = JSON.parse(readFileSync(path.join(runDir, 'run.json'), 'utf8'));
  assert.equal(meta.status, 'completed');
  assert.equal(meta.sampler, 'builtin');
  assert.equal(meta.rateHz, 200);
  assert.deepEqual(meta.command, ['python3', path.join(EXAMPLES, 'matrix_work.py'), '30']);
  assert.match(meta.pythonVersion, /^3\.\d+/);
  assert.match(r.stderr, /multiply/);
  assert.equal(readdirSync(path.join(cwd, '.flamelens', 'runs')).length, 1);
});

test('report writes one self-contained HTML file; export converts formats', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'fl-cli-'));
  const out = path.join(dir, 'report.html');
  const r = cli(['report', PYSPY_SPEEDSCOPE, path.join(HANDMADE, 'handmade-austin1-line-tokens.austin'), '-o', out]);
  assert.equal(r.code, 0, r.stderr);
  const html = readFileSync(out, 'utf8');
  assert.match(html, /Content-Security-Policy/);
  assert.ok(!/(src|href)=["']https?:/.test(html), 'no network resources');
  assert.ok(html.includes('id="flamelens-data"'));
  assert.ok(html.includes('py-spy@0.4.2'));
  const folded = path.join(dir, 'x.folded');
  assert.equal(cli(['export', PYSPY_SPEEDSCOPE, '--format', 'collapsed', '-o', folded]).code, 0);
  const again = JSON.parse(cli(['analyze', folded, '--json']).stdout);
  assert.equal(again.samples, 10181);
  const existing = path.join(dir, 'keep.txt');
  writeFileSync(existing, 'mine');
  assert.equal(cli(['report', '/missing.folded', '-o', existing]).code, 1);
  assert.equal(readFileSync(existing, 'utf8'), 'mine', 'a failed report leaves the target untouched');
});

test('analyze on nvidia-smi logs prints the gpu-telemetry shape', () => {
  const out = JSON.parse(
    cli(['analyze', path.join(ROOT, 'test', 'fixtures', 'real', 'nvidia_smi', 'dual_2070-v13.xml'), '--json']).stdout,
  );
  assert.equal(out.kind, 'gpu-telemetry');
  assert.equal(out.gpus.length, 2);
  for (const g of out.gpus) {
    assert.deepEqual(Object.keys(g), [
      'index',
      'name',
      'samples',
      'utilization',
      'memoryUsedMiB',
      'temperatureC',
      'powerW',
    ]);
    assert.deepEqual(Object.keys(g.utilization), ['mean', 'max']);
  }
  const csv = JSON.parse(
    cli([
      'analyze',
      path.join(ROOT, 'test', 'fixtures', 'real', 'nvidia_smi', 'query_gpu_v100s_miris_gpu_log.csv'),
      '--json',
    ]).stdout,
  );
  assert.equal(csv.gpus[0].samples, 107);
  assert.equal('note' in csv, false);
  // A dmon log without times: its readings are numbered, and the JSON says so.
  const dmon = JSON.parse(
    cli([
      'analyze',
      path.join(
        ROOT,
        'test',
        'fixtures',
        'real',
        'nvidia_smi',
        'nvidia-smi-dmon_linux-h100-80gb-hbm3_590.48.01_load.txt',
      ),
      '--json',
    ]).stdout,
  );
  assert.deepEqual([dmon.kind, dmon.gpus[0].samples, dmon.gpus[0].powerW.max], ['gpu-telemetry', 5, 636]);
  assert.match(dmon.note, /^no time column \(nvidia-smi dmon -o DT adds one\)/);
});

test('flamelens gpu prints one reading from nvidia-smi (stand-in replaying a real capture), and a clear line without it', () => {
  const bin = path.join(ROOT, 'test', 'fixtures', 'bin');
  const ok = spawnSync(process.execPath, [CLI, 'gpu'], {
    encoding: 'utf8',
    env: { ...process.env, PATH: `${bin}${path.delimiter}${process.env.PATH}` },
    timeout: 30_000,
  });
  assert.equal(ok.status, 0, ok.stderr);
  assert.match(ok.stdout, /^GPU0 0% · 0\.0\/32 GB · 27°C {2}Tesla V100S-PCIE-32GB$/m);
  const json = spawnSync(process.execPath, [CLI, 'gpu', '--json'], {
    encoding: 'utf8',
    env: { ...process.env, PATH: `${bin}${path.delimiter}${process.env.PATH}` },
    timeout: 30_000,
  });
  assert.equal(JSON.parse(json.stdout).gpus[0].memoryTotalMiB, 32768);
  const failed = spawnSync(process.execPath, [CLI, 'gpu'], {
    encoding: 'utf8',
    env: { ...process.env, PATH: `${bin}${path.delimiter}${process.env.PATH}`, FLAMELENS_FAKE_SMI: 'driver-failed' },
    timeout: 30_000,
  });
  assert.equal(failed.status, 1);
  assert.match(failed.stderr, /NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver/);
  const absent = spawnSync(process.execPath, [CLI, 'gpu'], {
    encoding: 'utf8',
    env: { ...process.env, PATH: '/usr/bin:/bin' },
    timeout: 30_000,
  });
  assert.equal(absent.status, 1);
  assert.match(absent.stderr, /nvidia-smi was not found/);
});

test('analyze --json on Nsight Systems files (real SQLite export, hand-made stats CSV) prints the kernels shape; both agree', () => {
  const sqlite = cli([
    'analyze',
    path.join(ROOT, 'test', 'fixtures', 'real', 'nsys', 'nsysai_h100_2gpu_1s_nsys2026.2.1.sqlite'),
    '--json',
  ]);
  assert.equal(sqlite.code, 0, sqlite.stderr);
  const a = JSON.parse(sqlite.stdout);
  assert.equal(a.kind, 'kernels');
  assert.equal(a.source, 'nsys');
  assert.equal(a.kernels.length, 41);
  for (const k of a.kernels)
    for (const key of ['name', 'calls', 'totalNs', 'avgNs', 'minNs', 'maxNs']) assert.ok(key in k, key);
  assert.equal(
    a.kernels.reduce((s: number, k: { calls: number }) => s + k.calls, 0),
    3442,
  );
  assert.deepEqual(
    a.devices.map((d: { device: number }) => d.device),
    [0, 1],
  );
  const csv = cli(['analyze', path.join(HANDMADE, 'handmade-nsys2024-stats-stdout-all-reports.csv'), '--json']);
  assert.equal(csv.code, 0, csv.stderr);
  const b = JSON.parse(csv.stdout);
  assert.deepEqual(
    b.kernels.map((k: { name: string; calls: number; totalNs: number }) => [k.name, k.calls, k.totalNs]),
    a.kernels.map((k: { name: string; calls: number; totalNs: number }) => [k.name, k.calls, k.totalNs]),
  );
});

test('analyze --json on Nsight Compute CSV (real details page) prints launches with metrics and per-kernel totals; no kernels is not an error', () => {
  const r = cli([
    'analyze',
    path.join(ROOT, 'test', 'fixtures', 'real', 'ncu', 'rtx5070_win_details_gemm_tiled.csv'),
    '--json',
  ]);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(out.kind, 'kernels');
  assert.equal(out.source, 'ncu');
  assert.equal(out.launches.length, 1);
  assert.deepEqual(
    [out.launches[0].id, out.launches[0].durationNs, out.launches[0].metrics['lts__t_sector_hit_rate.pct']],
    [0, 10195552, 87.5],
  );
  assert.equal(Object.keys(out.launches[0].metrics).length, 12);
  assert.deepEqual(out.kernels, [
    {
      name: 'void unnamed>::gemm_tiled_kernel<32>(const float *, const float *, float *, int, int, int)',
      calls: 1,
      totalNs: 10195552,
    },
  ]);
  const none = cli(['analyze', path.join(HANDMADE, 'handmade-ncu-no-kernels.csv')]);
  assert.equal(none.code, 0);
  assert.match(none.stdout, /no kernels matched, nothing was profiled \(==WARNING== No kernels were profiled\.\)/);
  const bad = cli(['analyze', path.join(HANDMADE, 'handmade-corrupt-line3.folded')]);
  assert.equal(bad.code, 1, 'other formats still route to their readers');
});

const STANDINS = path.join(ROOT, 'test', 'fixtures', 'bin');
const withNsight = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
  ...process.env,
  PATH: `${STANDINS}${path.delimiter}${process.env.PATH}`,
  ...extra,
});

test('flamelens nsys -- COMMAND: runs nsys profile (stand-in), keeps report, export and run.json, prints the kernels', () => {
  const cwd = mkdtempSync(path.join(tmpdir(), 'flamelens-cli-nsys-'));
  writeFileSync(path.join(cwd, 'train.py'), 'print("epoch 1")\n');
  const log = path.join(cwd, 'nsys.log');
  const r = cli(
    ['nsys', '--trace', 'cuda,nvtx', '--nsys-arg=--sample=none', '--', 'python3', 'train.py'],
    cwd,
    withNsight({ FLAMELENS_FAKE_NSYS_LOG: log }),
  );
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /epoch 1/);
  assert.match(r.stdout, /Nsight Systems SQLite export \(2026\.2\.1\.210\): 41 kernels, 3,442 launches/);
  assert.match(r.stdout, /GPU 0: busy [\d.]+ ms of [\d.]+ ms \(99\.3%\)/);
  const profile = readFileSync(log, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l))[1];
  assert.deepEqual(profile.slice(0, 2), ['profile', '--trace=cuda,nvtx']);
  assert.ok(profile.includes('--sample=none'));
  const [runId] = readdirSync(path.join(cwd, '.flamelens', 'runs'));
  const meta = JSON.parse(readFileSync(path.join(cwd, '.flamelens', 'runs', runId, 'run.json'), 'utf8'));
  assert.deepEqual(
    [meta.kind, meta.status, meta.sampler, meta.samplerVersion, meta.output, meta.format, meta.name],
    ['nsys', 'completed', 'nsys', '2026.2.1.210-262137639646v0', 'report.sqlite', 'nsys-sqlite', 'train.py'],
  );
  assert.deepEqual(readdirSync(path.join(cwd, '.flamelens', 'runs', runId)).sort(), [
    'report.nsys-rep',
    'report.sqlite',
    'run.json',
  ]);
  // The report opens again through the installed nsys, and with --json.
  const again = cli(
    ['analyze', path.join(cwd, '.flamelens', 'runs', runId, 'report.nsys-rep'), '--json', '--top', '3'],
    cwd,
    withNsight({ XDG_CACHE_HOME: path.join(cwd, 'cache') }),
  );
  assert.equal(again.code, 0, again.stderr);
  assert.equal(JSON.parse(again.stdout).kernels.length, 3);
  assert.ok(readdirSync(path.join(cwd, 'cache', 'flamelens', 'nsys')).some((f) => f.endsWith('.sqlite')));
  // No nsys: one clear line, exit 1, and the failed run says why.
  const noTool = cli(['nsys', '--', 'python3', 'train.py'], cwd, { ...process.env, PATH: '/usr/bin:/bin' });
  assert.equal(noTool.code, 1);
  assert.match(noTool.stderr, /^flamelens: Nsight Systems \(nsys\) was not found on PATH\. Install Nsight Systems/);
  assert.equal(cli(['nsys', '--trace', 'cuda'], cwd, withNsight()).code, 2, 'no command is a usage error');
});

test('flamelens ncu --kernel-name REGEX --launch-count N -- COMMAND: the filter reaches ncu; launches and JSON; no match is a clear state', () => {
  const cwd = mkdtempSync(path.join(tmpdir(), 'flamelens-cli-ncu-'));
  writeFileSync(path.join(cwd, 'bench.py'), 'print("ok")\n');
  const log = path.join(cwd, 'ncu.log');
  const r = cli(
    ['ncu', '--kernel-name', 'saxpy|gemm', '--launch-count', '1', '--json', '--', 'python3', 'bench.py'],
    cwd,
    withNsight({ FLAMELENS_FAKE_NCU_LOG: log }),
  );
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(out.source, 'ncu');
  assert.deepEqual(
    out.launches.map((l: { id: number; durationNs: number }) => [l.id, l.durationNs]),
    [[0, 292_928]],
  );
  assert.match(out.launches[0].name, /saxpy_kernel/);
  const args = JSON.parse(readFileSync(log, 'utf8').trim().split('\n')[1]);
  assert.deepEqual(args.slice(0, 6), ['--set', 'detailed', '--kernel-name', 'regex:saxpy|gemm', '--launch-count', '1']);
  const text = cli(['ncu', '--set', 'full', '--', 'python3', 'bench.py'], cwd, withNsight());
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /Nsight Compute details page, 2 launch\(es\), 2 kernel\(s\)/);
  const none = cli(['ncu', '--kernel-name', 'flash_attn', '--', 'python3', 'bench.py'], cwd, withNsight());
  assert.equal(none.code, 0, none.stderr);
  assert.match(none.stdout, /no kernels matched, nothing was profiled \(==WARNING== No kernels were profiled\.\)/);
  assert.equal(
    cli(['ncu', '--kernel-name', '(', '--', 'python3', 'bench.py'], cwd, withNsight()).code,
    2,
    'a broken regex is a usage error',
  );
  const perm = cli(['ncu', '--', 'python3', 'bench.py'], cwd, withNsight({ FLAMELENS_FAKE_NCU: 'no-permission' }));
  assert.equal(perm.code, 1);
  assert.match(perm.stderr, /ERR_NVGPUCTRPERM/);
  const runs = readdirSync(path.join(cwd, '.flamelens', 'runs')).map((id) =>
    JSON.parse(readFileSync(path.join(cwd, '.flamelens', 'runs', id, 'run.json'), 'utf8')),
  );
  assert.deepEqual(runs.map((m) => m.status).sort(), ['completed', 'completed', 'completed', 'failed']);
  assert.ok(runs.some((m) => /No kernels matched/.test(m.message ?? '')));
});

test('new users: the program before --, a missing script, --thread that is not there, and names of the CLI in messages', () => {
  const cwd = mkdtempSync(path.join(tmpdir(), 'fl-cli-new-'));
  const early = cli(['record', '--rate', '50', 'examples/x.py'], cwd);
  assert.equal(early.code, 2);
  assert.equal(
    early.stderr.trim(),
    'flamelens: record takes the program after --: flamelens record --rate 50 -- python3 examples/x.py',
  );
  const missing = cli(['record', '--', 'python3', 'no_such_script.py'], cwd);
  assert.equal(missing.code, 1);
  assert.equal(
    missing.stderr.trim(),
    `flamelens: python3: can't open file '${path.join(cwd, 'no_such_script.py')}': no such file`,
  );
  assert.ok(!existsSync(path.join(cwd, '.flamelens')), 'no run folder for a program that cannot start');
  const thread = cli(['analyze', PYSPY_SPEEDSCOPE, '--thread', 'nope'], cwd);
  assert.equal(thread.code, 2);
  assert.match(thread.stderr, /--thread nope: no such thread in .*; its threads: 0 \(Thread 0x16DF7B000 .*\), 1 /);
  const noPySpy = cli(['record', '--sampler', 'py-spy', '--', 'python3', path.join(EXAMPLES, 'matrix_work.py')], cwd, {
    ...process.env,
    PATH: '/usr/bin:/bin',
  });
  assert.equal(noPySpy.code, 1);
  assert.match(noPySpy.stderr, /FLAMELENS_PYSPY=\/path\/to\/py-spy/);
  assert.doesNotMatch(noPySpy.stderr, /flamelens\.pyspy\.path/, 'no editor setting named in the terminal');
});

test('compare against a baseline whose median is 0 fails naming the file and the benchmark, also for CI', () => {
  const cwd = mkdtempSync(path.join(tmpdir(), 'fl-cli-zero-'));
  const set = (id: string, samples: number[]) =>
    JSON.stringify({
      kind: 'flamelens-bench',
      version: 1,
      id,
      createdAt: '2026-01-01T00:00:00.000Z',
      source: 'flamelens',
      environment: {},
      benchmarks: [{ name: 'parse', kind: 'callable', samples, timing: 'wall' }],
    });
  writeFileSync(path.join(cwd, 'zero.json'), set('z', [0, 0, 0]));
  writeFileSync(path.join(cwd, 'now.json'), set('n', [0.01, 0.011, 0.012]));
  for (const extra of [[], ['--fail-on-regression'], ['--json']]) {
    const r = cli(['compare', 'zero.json', 'now.json', ...extra], cwd);
    assert.equal(r.code, 1, `${extra.join(' ')}: ${r.stdout}`);
    assert.equal(r.stdout, '', 'no table with +Infinity% and NaN');
    assert.match(r.stderr, /zero\.json:benchmark "parse": its median time is 0 s/);
  }
});

test('analyze on a real distributed trace prints its findings first, and --json the GPU idle diagnosis', () => {
  const file = path.join(ROOT, 'test', 'fixtures', 'real', 'torchtrace_hta__nccl_data.json.gz');
  const text = cli(['analyze', file, '--top', '3']);
  assert.equal(text.code, 0, text.stderr);
  const lines = text.stdout.split('\n');
  assert.equal(lines[2], 'Findings, by the GPU time each could give back:', 'findings come right after the header');
  assert.match(lines[3], /^- GPU 0 is idle \d+% of the time from its first to its last kernel/);
  const d = JSON.parse(cli(['analyze', file, '--json', '--top', '3']).stdout);
  assert.deepEqual(Object.keys(d.temporal[0]), ['rank', 'device', 'spanUs', 'idleUs', 'computeUs', 'nonComputeUs']);
  const t = d.temporal[0];
  assert.ok(Math.abs(t.idleUs + t.computeUs + t.nonComputeUs - t.spanUs) < 0.01, 'the three parts make the span');
  for (const s of d.idle)
    for (const k of ['rank', 'stream', 'hostWaitUs', 'kernelWaitUs', 'otherUs']) assert.ok(k in s, k);
  assert.ok(d.overlap[0].commComputeOverlapPct > 0 && d.overlap[0].commComputeOverlapPct < 100);
  assert.ok(d.launches.launched > 0 && d.queue.length > 0 && d.syncs.length > 0);
  assert.equal(d.findings.length, lines.filter((l: string) => l.startsWith('- ')).length, 'the same findings');
  for (let i = 1; i < d.findings.length; i++) assert.ok(d.findings[i - 1].savingUs >= d.findings[i].savingUs);
});

test('analyze --json has each step’s critical path; several ranks’ traces are compared', () => {
  const h200 = path.join(ROOT, 'test', 'fixtures', 'real', 'h200');
  const train = JSON.parse(
    cli(['analyze', path.join(h200, 'torch2.11.0-cu130_h200_train.pt.trace.json.gz'), '--json']).stdout,
  );
  const cp = train.criticalPath;
  assert.deepEqual(
    cp.steps.map((s: { step: string }) => s.step),
    ['ProfilerStep#2', 'ProfilerStep#3', 'ProfilerStep#4'],
  );
  for (const s of cp.steps) {
    assert.ok(s.lengthUs > 0 && s.lengthUs <= s.endUs - s.startUs + 0.01, 'the path fits in its step');
    assert.ok(Math.abs(s.cpuUs + s.gpuUs + s.waitingUs - s.lengthUs) < 0.01, 'its parts make its length');
    assert.ok(['CPU', 'GPU', 'waiting'].includes(s.bound));
  }
  assert.ok(train.findings.some((f: { kind: string }) => f.kind === 'critical-path'));
  const ranks = [0, 1].map((r) => path.join(h200, `torch2.11.0-cu130_h200_gloo2_rank${r}.pt.trace.json.gz`));
  const text = cli(['analyze', ...ranks]);
  assert.equal(text.code, 0, text.stderr);
  assert.match(
    text.stdout,
    /^2 ranks: rank 0, rank 1\n\nFindings across ranks:\n- rank \d is the slowest rank in \d of 3 steps/,
  );
  const j = JSON.parse(cli(['analyze', ...ranks, '--json']).stdout);
  assert.equal(j.kind, 'torch-ranks');
  assert.deepEqual(j.labels, ['rank 0', 'rank 1']);
  assert.equal(j.traces.length, 2);
  assert.equal(j.traces[1].kind, 'torch-trace');
  assert.deepEqual(
    j.communication.map((c: { collectives: number; source: string }) => [c.collectives, c.source]),
    [
      [6, 'CPU annotations'],
      [6, 'CPU annotations'],
    ],
  );
  const mixed = cli(['analyze', ranks[0], path.join(h200, 'nvidia-smi_580.159.04_h200_q.xml')]);
  assert.equal(mixed.code, 2);
  assert.match(mixed.stderr, /compares the ranks of a run: .*nvidia-smi_580\.159\.04_h200_q\.xml is gpu-telemetry/);
});

test('flamelens memory: a program with known allocations per line, the figures within 10%', () => {
  const cwd = mkdtempSync(path.join(tmpdir(), 'fl-memory-'));
  const program = path.join(HANDMADE, 'handmade-memory_known_allocations.py');
  const out = path.join(cwd, 'memory.json');
  const r = cli(['memory', '--period', '0.1', '-o', out, '--', 'python3', program], cwd);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^done\n/, "the program's output passes through");
  assert.equal(r.stdout.trim().split('\n').pop(), out);
  const j = JSON.parse(cli(['analyze', out, '--json'], cwd).stdout);
  assert.equal(j.kind, 'python-memory');
  // The lines of the program marked [hold], [transient] and [grow].
  const src = readFileSync(program, 'utf8').split('\n');
  const lineOf = (mark: string) => src.findIndex((l) => l.includes(`# [${mark}]`)) + 1;
  const at = (mark: string) =>
    j.lines.find((l: { file: string; line: number }) => l.file === program && l.line === lineOf(mark));
  const near = (got: number, want: number, what: string) =>
    assert.ok(Math.abs(got - want) <= 0.1 * want, `${what}: ${got} vs ${want}`);
  near(at('hold').netBytes, 20e6, 'hold() at the end');
  assert.ok(at('hold').allocations >= 1 && at('hold').allocations === at('hold').netBlocks, JSON.stringify(at('hold')));
  near(at('hold').peakBytes, 20e6, 'hold() at the peak');
  assert.equal(at('hold').function, 'hold');
  near(at('transient').peakBytes, 30e6, 'transient() at the peak');
  assert.equal(at('transient').netBytes, 0, 'transient() freed it');
  near(at('grow').netBytes, 25e6, 'grow() at the end');
  near(j.peakBytes, 50e6, 'the peak');
  near(j.finalBytes, 45e6, 'the end');
  const leak = j.leaks.find((l: { line: number }) => l.line === lineOf('grow'));
  assert.ok(leak, `grow() is a leak candidate: ${JSON.stringify(j.leaks)}`);
  assert.ok(leak.bytesPerSecond > 5e6 && leak.r2 >= 0.8, JSON.stringify(leak));
  assert.ok(
    !j.leaks.some((l: { line: number }) => l.line === lineOf('hold') || l.line === lineOf('transient')),
    'held or freed: no leak',
  );
  assert.ok(j.types.some((t: { type: string; delta: number }) => t.type === 'bytearray' && t.delta >= 26));
  assert.ok(j.tracerS > 0 && j.tracerS < j.durationS, `the tracer's own time: ${j.tracerS} of ${j.durationS} s`);
});

test('flamelens memory --frames: stacks innermost first, without the tracer’s or runpy’s frames', () => {
  const cwd = mkdtempSync(path.join(tmpdir(), 'fl-memory-'));
  const program = path.join(HANDMADE, 'handmade-memory_known_allocations.py');
  const out = path.join(cwd, 'memory.json');
  const r = cli(['memory', '--frames', '4', '-o', out, '--', 'python3', program], cwd);
  assert.equal(r.code, 0, r.stderr);
  const raw = JSON.parse(readFileSync(out, 'utf8')) as {
    stacks: { bytes: number; frames: [string, number, string][] }[];
  };
  const transient = raw.stacks.find((s) => s.frames[0][2] === 'transient');
  assert.ok(transient, JSON.stringify(raw.stacks.slice(0, 3)));
  assert.ok(Math.abs(transient.bytes - 30e6) <= 3e6, `${transient.bytes}`);
  // transient() is called from the program's top level; nothing below it is the tracer's or runpy's.
  assert.deepEqual(
    transient.frames.map((f) => f[2]),
    ['transient', '<module>'],
  );
  const own = /flamelens_memory_tracer\.py$|runpy|pkgutil|threading\.py$/;
  assert.ok(!raw.stacks.some((s) => s.frames.some((f) => own.test(f[0]))), JSON.stringify(raw.stacks));
});

/** The CLI on a pseudo-terminal (Python's pty module): its stdout and stderr as the terminal shows them. */
function cliOnTerminal(args: string[]) {
  const r = spawnSync(
    'python3',
    ['-c', 'import pty, sys; sys.exit(pty.spawn(sys.argv[1:]) >> 8)', process.execPath, CLI, ...args],
    { cwd: ROOT, encoding: 'utf8', input: '', timeout: 120_000, maxBuffer: 64 * 1024 * 1024 },
  );
  return { code: r.status, out: r.stdout };
}

test('reading a trace on a terminal: its progress on one line rewritten in place, taken away before the results or the error; none in a pipe', () => {
  const REWRITE = '\r\x1b[K';
  const trace = path.join(ROOT, 'test', 'fixtures', 'real', 'torchtrace_hta__control.json.gz');
  const piped = cli(['analyze', trace]);
  assert.equal(piped.code, 0, piped.stderr);
  assert.equal(piped.stderr, '', 'no progress in a pipe');
  const shown = cliOnTerminal(['analyze', trace]);
  assert.equal(shown.code, 0, shown.out);
  const statuses = shown.out.split(REWRITE);
  const results = statuses.pop()!;
  // The terminal's line ends are \r\n; what follows the last rewrite is the results as piped.
  assert.equal(results.replace(/\r\n/g, '\n'), piped.stdout);
  assert.equal(statuses.shift(), '', 'the first status starts the output');
  assert.equal(statuses.shift(), 'flamelens: reading torchtrace_hta__control.json.gz (1.7 MiB)', 'said at once');
  const pcts = statuses.slice(0, -1).map((s) => {
    const m = /^flamelens: reading torchtrace_hta__control\.json\.gz \(1\.7 MiB\): (\d+)%$/.exec(s);
    assert.ok(m, JSON.stringify(s));
    return Number(m[1]);
  });
  assert.ok(pcts.length >= 1 && pcts.every((p, i) => p < 100 && (i === 0 || p > pcts[i - 1])), pcts.join(','));
  assert.equal(statuses.at(-1), 'flamelens: read torchtrace_hta__control.json.gz; analysing it');

  // A trace cut short (a real one's first 3 MiB; no real file shows one): the error on a clean line.
  const dir = mkdtempSync(path.join(tmpdir(), 'fl-cli-status-'));
  const cut = path.join(dir, 'cut-short.json');
  writeFileSync(cut, gunzipSync(readFileSync(trace)).subarray(0, 3 * 2 ** 20));
  const failed = cliOnTerminal(['analyze', cut]);
  assert.equal(failed.code, 1);
  const parts = failed.out.split(REWRITE);
  for (const s of parts.slice(1, -1))
    assert.match(s, /^flamelens: (reading cut-short\.json \(3\.0 MiB\)(: \d+%)?|read cut-short\.json; analysing it)$/);
  assert.match(parts.at(-1)!, /^flamelens: .*cut-short\.json:offset \d+: .*\r\n$/);
  assert.ok(parts.length >= 4, `${parts.length - 2} statuses before the error`);
});

test('reading CPU profiles on a terminal: said at once with their sizes (their readers report no progress), taken away before the results', () => {
  const REWRITE = '\r\x1b[K';
  const real = path.join(ROOT, 'test', 'fixtures', 'real');
  // Short names: the status is cut to the terminal's width (80 columns here).
  const dir = mkdtempSync(path.join(tmpdir(), 'fl-cli-status-'));
  const profile = path.join(dir, 'pyspy.speedscope.json');
  const folded = path.join(dir, 'sampler.folded');
  copyFileSync(path.join(real, 'yuntongf_cs336-a1__pyspy042_macos_4threads.speedscope.json'), profile);
  copyFileSync(path.join(real, 'flamelens-builtin-sampler1_py3.11.7_matrix_work.folded'), folded);
  const mib = (f: string) => `${(statSync(f).size / 2 ** 20).toFixed(1)} MiB`;
  for (const [args, status] of [
    [['analyze', profile], `flamelens: reading ${path.basename(profile)} (${mib(profile)})`],
    [
      ['diff', folded, profile],
      `flamelens: reading ${path.basename(folded)} (${mib(folded)}), ${path.basename(profile)} (${mib(profile)})`,
    ],
  ] as const) {
    const piped = cli([...args]);
    assert.equal(piped.code, 0, piped.stderr);
    assert.equal(piped.stderr, '', 'no status in a pipe');
    const shown = cliOnTerminal([...args]);
    assert.equal(shown.code, 0, shown.out);
    const parts = shown.out.split(REWRITE);
    assert.deepEqual(parts.slice(0, -1), ['', status], args.join(' '));
    assert.equal(
      parts.at(-1)!.replace(/\r\n/g, '\n'),
      piped.stdout,
      'the results as piped, after the status is taken away',
    );
  }
});
