// The Nsight runners against the stand-in nsys and ncu of test/fixtures/bin (spawned exactly as
// the real tools; they replay the real H100 SQLite export and the real RTX 5070 ncu rows).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, readFileSync, existsSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { runNsys, exportNsysReport } from '../../../src/core/runners/nsight/nsys';
import { runNcu, importNcuReport } from '../../../src/core/runners/nsight/ncu';
import { ToolError } from '../../../src/core/runners/findTool';
import { readNsysSqliteFile } from '../../../src/core/formats/nsight/nsysSqlite';
import { summarizeLaunch } from '../../../src/core/analysis/nsight/ncuSummary';
import { readNcuCsvFile } from '../../../src/core/formats/nsight/ncuCsv';
import { ROOT } from '../../helpers';

const BIN = path.join(ROOT, 'test', 'fixtures', 'bin');
const tmp = () => mkdtempSync(path.join(tmpdir(), 'flamelens-nsight-'));
const withTools = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
  ...process.env,
  PATH: `${BIN}${path.delimiter}${process.env.PATH}`,
  ...extra,
});
const withoutTools = (): NodeJS.ProcessEnv => ({
  ...process.env,
  PATH: (process.env.PATH ?? '')
    .split(path.delimiter)
    .filter((d) => !existsSync(path.join(d, 'nsys')) && !existsSync(path.join(d, 'ncu')))
    .join(path.delimiter),
});
const calls = (log: string) =>
  readFileSync(log, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as string[]);

function program(dir: string): string {
  const script = path.join(dir, 'train.py');
  writeFileSync(
    script,
    'import sys\nprint("step 1 loss 0.5")\nprint("warning", file=sys.stderr)\nopen(sys.argv[1], "w").write("ran")\n',
  );
  return script;
}

test('runNsys: nsys profile with cuda,nvtx,osrt and the extra arguments, the program runs, the report is exported and read', async () => {
  const dir = tmp();
  const log = path.join(dir, 'calls.log');
  const lines: string[] = [];
  const r = await runNsys({
    command: ['python3', program(dir), path.join(dir, 'ran.txt')],
    outputDir: dir,
    cwd: dir,
    extraArgs: ['--sample=none'],
    env: withTools({ FLAMELENS_FAKE_NSYS_LOG: log }),
    onOutput: (l) => lines.push(l),
  });
  assert.equal(r.exitCode, 0);
  assert.equal(r.version, '2026.2.1.210-262137639646v0');
  assert.equal(readFileSync(path.join(dir, 'ran.txt'), 'utf8'), 'ran', 'the profiled program ran with its arguments');
  assert.ok(lines.includes('step 1 loss 0.5'), "the program's output is streamed");
  const [version, profile, exp] = calls(log);
  assert.deepEqual(version, ['--version']);
  assert.deepEqual(profile.slice(0, 4), [
    'profile',
    '--trace=cuda,nvtx,osrt',
    `--output=${path.join(dir, 'report')}`,
    '--sample=none',
  ]);
  assert.equal(profile[4], 'python3');
  assert.deepEqual(exp, [
    'export',
    '--type=sqlite',
    `--output=${path.join(dir, 'report.sqlite')}`,
    path.join(dir, 'report.nsys-rep'),
  ]);
  assert.equal(r.report, path.join(dir, 'report.nsys-rep'));
  const report = await readNsysSqliteFile(r.sqlite!);
  assert.ok(report.kernels.length > 10);
  assert.equal(report.devices.length, 2);
});

test('runNsys: the trace setting replaces the default; a failing program keeps its exit code and its report', async () => {
  const dir = tmp();
  const log = path.join(dir, 'calls.log');
  const script = path.join(dir, 'fail.py');
  writeFileSync(script, 'raise SystemExit(3)\n');
  const r = await runNsys({
    command: ['python3', script],
    outputDir: dir,
    cwd: dir,
    trace: 'cuda,nvtx',
    env: withTools({ FLAMELENS_FAKE_NSYS_LOG: log }),
  });
  assert.equal(r.exitCode, 3);
  assert.equal(calls(log)[1][1], '--trace=cuda,nvtx');
  assert.ok(r.sqlite && existsSync(r.sqlite));
});

test('runNsys and runNcu without the tools: ToolError with the fix', async () => {
  const dir = tmp();
  await assert.rejects(
    runNsys({ command: ['python3', '-c', 'pass'], outputDir: dir, cwd: dir, env: withoutTools() }),
    (e: unknown) =>
      e instanceof ToolError &&
      /nsys\) was not found on PATH.*Install Nsight Systems.*flamelens\.nsys\.path/.test(e.message),
  );
  await assert.rejects(
    runNcu({ command: ['python3', '-c', 'pass'], outputDir: dir, cwd: dir, env: withoutTools() }),
    (e: unknown) => e instanceof ToolError && /ncu\) was not found on PATH.*flamelens\.ncu\.path/.test(e.message),
  );
  await assert.rejects(
    runNsys({
      command: ['python3', '-c', 'pass'],
      outputDir: dir,
      cwd: dir,
      nsysPath: '/opt/nvidia/nsys-missing/bin/nsys',
      env: withTools(),
    }),
    /not found at \/opt\/nvidia\/nsys-missing\/bin\/nsys/,
  );
});

test("exportNsysReport: an existing .nsys-rep is exported once into the cache, the user's folder untouched", async () => {
  const user = tmp();
  const cache = tmp();
  const r = await runNsys({ command: ['python3', '-c', 'pass'], outputDir: user, cwd: user, env: withTools() });
  const rep = path.join(user, 'mine.nsys-rep');
  writeFileSync(rep, readFileSync(r.report!));
  const before = readdirSync(user).sort();
  const log = path.join(cache, 'calls.log');
  const a = await exportNsysReport(rep, {
    cacheDir: path.join(cache, 'nsys'),
    env: withTools({ FLAMELENS_FAKE_NSYS_LOG: log }),
  });
  const b = await exportNsysReport(rep, {
    cacheDir: path.join(cache, 'nsys'),
    env: withTools({ FLAMELENS_FAKE_NSYS_LOG: log }),
  });
  assert.equal(a, b);
  assert.equal(calls(log).length, 1, 'the second open reuses the export');
  assert.deepEqual(readdirSync(user).sort(), before);
  assert.ok((await readNsysSqliteFile(a)).kernels.length > 0);
  assert.deepEqual(
    readdirSync(path.join(cache, 'nsys')).filter((f) => f.includes('partial')),
    [],
  );
  // Without nsys: the message says what the file is and how to read it anyway.
  await assert.rejects(
    exportNsysReport(rep, { cacheDir: path.join(cache, 'other'), env: withoutTools() }),
    (e: unknown) =>
      e instanceof ToolError &&
      /mine\.nsys-rep is an Nsight Systems report.*nsys was not found.*nsys export --type=sqlite mine\.nsys-rep/.test(
        e.message,
      ),
  );
  // A file nsys cannot read: nsys' own words, no partial file left.
  const bad = path.join(user, 'broken.nsys-rep');
  writeFileSync(bad, 'not a report');
  await assert.rejects(
    exportNsysReport(bad, { cacheDir: path.join(cache, 'nsys'), env: withTools() }),
    /nsys export .*broken\.nsys-rep failed \(exit 1\).*not a valid report/,
  );
  assert.deepEqual(
    readdirSync(path.join(cache, 'nsys')).filter((f) => f.includes('partial')),
    [],
  );
});

test('runNcu: set, kernel regex and launch count reach ncu; both pages are imported and merged', async () => {
  const dir = tmp();
  const log = path.join(dir, 'calls.log');
  const r = await runNcu({
    command: ['python3', program(dir), path.join(dir, 'ran.txt')],
    outputDir: dir,
    cwd: dir,
    set: 'full',
    sections: ['SourceCounters'],
    kernelRegex: 'gemm',
    launchCount: 5,
    env: withTools({ FLAMELENS_FAKE_NCU_LOG: log }),
  });
  const [, profile, details, raw] = calls(log);
  assert.deepEqual(profile.slice(0, 10), [
    '--set',
    'full',
    '--section',
    'SourceCounters',
    '--kernel-name',
    'regex:gemm',
    '--launch-count',
    '5',
    '--export',
    path.join(dir, 'report'),
  ]);
  assert.deepEqual(details, ['--import', path.join(dir, 'report.ncu-rep'), '--csv', '--page', 'details']);
  assert.deepEqual(raw, ['--import', path.join(dir, 'report.ncu-rep'), '--csv', '--page', 'raw']);
  assert.equal(r.version, '2026.2.1.0');
  assert.equal(readFileSync(path.join(dir, 'ran.txt'), 'utf8'), 'ran');
  assert.equal(r.parsed.launches.length, 1);
  const s = summarizeLaunch(r.parsed.launches[0]);
  assert.match(s.name, /gemm_tiled_kernel<32>/);
  assert.equal(s.durationNs, 10_195_552);
  assert.equal(s.smThroughputPct, 88.9);
  assert.ok(existsSync(r.detailsCsv!) && existsSync(r.rawCsv!));
  assert.ok(statSync(r.rawCsv!).size > 0);
  // The run folder's pages read back the same (the Runs view and `flamelens analyze` reopen them).
  assert.deepEqual((await readNcuCsvFile(r.detailsCsv!)).launches, r.parsed.launches);
  assert.ok(Object.keys(r.parsed.launches[0].metrics).length >= 12);
  assert.ok(r.parsed.messages.some((m) => m.startsWith('==PROF== Report:')));
});

test('runNcu: defaults (detailed set, every launch); a filter that matches nothing is an empty report with the reason', async () => {
  const dir = tmp();
  const log = path.join(dir, 'calls.log');
  const all = await runNcu({
    command: ['python3', '-c', 'pass'],
    outputDir: dir,
    cwd: dir,
    env: withTools({ FLAMELENS_FAKE_NCU_LOG: log }),
  });
  assert.deepEqual(calls(log)[1].slice(0, 4), ['--set', 'detailed', '--export', path.join(dir, 'report')]);
  assert.deepEqual(
    all.parsed.launches.map((l) => l.id),
    [0, 1],
  );
  const none = tmp();
  const r = await runNcu({
    command: ['python3', '-c', 'pass'],
    outputDir: none,
    cwd: none,
    kernelRegex: 'flash_attn',
    env: withTools(),
  });
  assert.equal(r.report, undefined);
  assert.equal(r.parsed.launches.length, 0);
  assert.ok(r.parsed.messages.includes('==WARNING== No kernels were profiled.'));
});

test('runNcu: missing counter permission is a ToolError with the fix', async () => {
  const dir = tmp();
  await assert.rejects(
    runNcu({
      command: ['python3', '-c', 'pass'],
      outputDir: dir,
      cwd: dir,
      env: withTools({ FLAMELENS_FAKE_NCU: 'no-permission' }),
    }),
    (e: unknown) => e instanceof ToolError && /ERR_NVGPUCTRPERM.*NVreg_RestrictProfilingToAdminUsers=0/.test(e.message),
  );
});

test('importNcuReport: an existing .ncu-rep is read through ncu --import into the given folder', async () => {
  const dir = tmp();
  const made = await runNcu({ command: ['python3', '-c', 'pass'], outputDir: dir, cwd: dir, env: withTools() });
  const cache = tmp();
  const r = await importNcuReport(made.report!, { outputDir: cache, env: withTools() });
  assert.equal(r.parsed.launches.length, 2);
  assert.ok(r.detailsCsv.startsWith(cache));
  await assert.rejects(
    importNcuReport(made.report!, { outputDir: cache, env: withoutTools() }),
    /report\.ncu-rep is an Nsight Compute report.*ncu --import report\.ncu-rep --csv --page details/,
  );
});

test('runNsys: cancelling ends the program and keeps what nsys wrote', async () => {
  const dir = tmp();
  const script = path.join(dir, 'forever.py');
  writeFileSync(script, 'import time\nprint("started", flush=True)\nwhile True: time.sleep(0.05)\n');
  const controller = new AbortController();
  const t0 = Date.now();
  const r = await runNsys({
    command: ['python3', script],
    outputDir: dir,
    cwd: dir,
    env: withTools(),
    signal: controller.signal,
    onOutput: (l) => (l === 'started' ? controller.abort() : undefined),
  });
  assert.equal(r.cancelled, true);
  assert.ok(Date.now() - t0 < 10_000);
  assert.ok(r.sqlite && existsSync(r.sqlite), 'the report nsys wrote on SIGINT is exported');
});
