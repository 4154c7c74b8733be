import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { recordProfile } from '../../../src/core/runners/cpu/recordProfile';
import { ToolError } from '../../../src/core/runners/findTool';
import { isAlive } from '../../../src/core/util/process';
import { readProfile } from '../../../src/core/formats/cpu/readProfile';
import { analyzeHotPaths } from '../../../src/core/analysis/cpu/hotPaths';
import { profileInTime } from '../../../src/core/analysis/cpu/timeOrder';
import { splitCommandLine } from '../../../src/core/util/commandLine';
import { EXAMPLES, ROOT, SAMPLER } from '../../helpers';

const STANDIN_BIN = path.join(ROOT, 'test', 'fixtures', 'bin');
const PY = 'python3';
const envWith = (extra: NodeJS.ProcessEnv = {}, withPySpy = false): NodeJS.ProcessEnv => ({
  ...process.env,
  PATH: withPySpy
    ? `${STANDIN_BIN}${path.delimiter}${process.env.PATH}`
    : (process.env.PATH ?? '')
        .split(path.delimiter)
        .filter((d) => !existsSync(path.join(d, 'py-spy')))
        .join(path.delimiter),
  ...extra,
});
const tmp = () => mkdtempSync(path.join(tmpdir(), 'flamelens-run-'));

test('built-in sampler records a real program: hot function, threads, exit code', async () => {
  const dir = tmp();
  const lines: string[] = [];
  const r = await recordProfile({
    target: { kind: 'launch', python: PY, script: path.join(EXAMPLES, 'matrix_work.py'), args: ['40'] },
    sampler: 'auto',
    rateHz: 200,
    format: 'collapsed',
    outputDir: dir,
    cwd: dir,
    samplerScript: SAMPLER,
    env: envWith(),
    onOutput: (l) => lines.push(l),
  });
  assert.equal(r.sampler, 'builtin');
  assert.match(r.fallbackReason ?? '', /py-spy was not found.*pip install py-spy/);
  assert.equal(r.exitCode, 0);
  assert.ok(
    lines.some((l) => l.startsWith('done: 40 steps')),
    'program output is streamed line by line',
  );
  const p = await readProfile(r.outputPath);
  const hot = analyzeHotPaths(p);
  assert.ok(hot.total > 10, `${hot.total} samples`);
  assert.equal(
    hot.functions.filter((f) => f.file?.endsWith('matrix_work.py'))[0]?.name === 'multiply' ||
      hot.functions.some((f) => f.name === 'multiply' && f.selfPct > 40),
    true,
  );
  assert.ok(p.threads.some((t) => t.name.startsWith('MainThread')));
  assert.ok(!p.frames.some((f) => f.file === SAMPLER), "the sampler's own frames are not in the profile");
  assert.ok(!p.frames.some((f) => /runpy/.test(f.file ?? '')), "runpy's frames are not in the profile");
});

test('built-in sampler records when each sample was taken: a program of two phases reads in their order', async () => {
  const dir = tmp();
  const script = path.join(dir, 'phases.py');
  // first() computes, then second(): each for 0.4 s of its own CPU time (not the wall clock's,
  // so a loaded machine makes the run longer, never the phases shorter).
  writeFileSync(
    script,
    [
      'import sys, time',
      'def spin(until):',
      '    t = time.process_time()',
      '    x = 0',
      '    while time.process_time() - t < until:',
      '        x += 1',
      '    return x',
      'def first():',
      '    return spin(0.4)',
      'def second():',
      '    return spin(0.4)',
      'first()',
      'second()',
      '',
    ].join('\n'),
  );
  const r = await recordProfile({
    target: { kind: 'launch', python: PY, script, args: [] },
    sampler: 'builtin',
    rateHz: 200,
    format: 'collapsed',
    outputDir: dir,
    cwd: dir,
    samplerScript: SAMPLER,
    env: envWith(),
  });
  assert.equal(r.exitCode, 0);
  const text = readFileSync(r.outputPath, 'utf8');
  const p = await readProfile(r.outputPath);
  const main = p.threads.find((t) => t.name.startsWith('MainThread'));
  assert.ok(main?.order, 'the main thread has its samples in time order');
  // One tick line per tick that caught the program running, as the header counts them.
  const ticks = text.split('\n').filter((l) => l.startsWith('#@ ')).length;
  assert.equal(String(ticks), p.meta['timed-ticks']);
  assert.equal(main.order.node.length, ticks);
  const trace = profileInTime(p, r.outputPath);
  const spans = (name: string) => trace.python.filter((f) => f.name === name);
  assert.ok(spans('first').length > 0 && spans('second').length > 0, trace.python.map((f) => f.name).join(' '));
  // Every span of first() ends before any span of second() begins.
  const firstEnd = Math.max(...spans('first').map((f) => f.ts + f.dur));
  const secondStart = Math.min(...spans('second').map((f) => f.ts));
  assert.ok(firstEnd <= secondStart, `first ends at ${firstEnd} µs, second starts at ${secondStart} µs`);
  // The times are the wall clock's: the samples span at least the CPU time the phases took.
  const whole = Math.max(...trace.python.map((f) => f.ts + f.dur)) - Math.min(...trace.python.map((f) => f.ts));
  assert.ok(whole >= 0.6e6, `the samples span ${whole} µs`);
  assert.equal(trace.meta.timeOrder, 'wall');
});

test('a crashing program keeps its samples and its exit code', async () => {
  const dir = tmp();
  const script = path.join(dir, 'crash.py');
  writeFileSync(
    script,
    'import time\ndef spin():\n    t = time.time()\n    while time.time() - t < 0.4:\n        pass\nspin()\nraise RuntimeError("boom")\n',
  );
  const r = await recordProfile({
    target: { kind: 'launch', python: PY, script, args: [] },
    sampler: 'builtin',
    rateHz: 100,
    format: 'collapsed',
    outputDir: dir,
    cwd: dir,
    samplerScript: SAMPLER,
    env: envWith(),
  });
  assert.equal(r.exitCode, 1);
  assert.match(r.stderrTail, /RuntimeError: boom/);
  const p = await readProfile(r.outputPath);
  assert.equal(p.meta.status, 'crashed');
  assert.ok(analyzeHotPaths(p).functions.some((f) => f.name === 'spin'));
});

test('sys.exit codes pass through', async () => {
  const dir = tmp();
  const script = path.join(dir, 'exit3.py');
  writeFileSync(script, 'import sys\nsum(range(300000))\nsys.exit(3)\n');
  const r = await recordProfile({
    target: { kind: 'launch', python: PY, script, args: [] },
    sampler: 'builtin',
    rateHz: 100,
    format: 'collapsed',
    outputDir: dir,
    cwd: dir,
    samplerScript: SAMPLER,
    env: envWith(),
  });
  assert.equal(r.exitCode, 3);
});

test('cancelling ends the whole process tree and keeps what was sampled', async () => {
  const dir = tmp();
  const script = path.join(dir, 'forever.py');
  const pidFile = path.join(dir, 'child.pid');
  writeFileSync(
    script,
    [
      'import subprocess, sys, time',
      `child = subprocess.Popen([sys.executable, "-c", "import time\\nwhile True: time.sleep(0.1)"])`,
      'def busy():',
      '    start = time.thread_time()',
      '    while True:',
      '        sum(range(1000))',
      // After a quarter second of its own CPU time (many samples of busy), it says where the child is.
      `        if time.thread_time() - start > 0.25 and not busy.said:`,
      `            open(${JSON.stringify(pidFile)}, "w").write(str(child.pid))`,
      '            busy.said = True',
      'busy.said = False',
      'busy()',
    ].join('\n'),
  );
  const controller = new AbortController();
  let samplerPid = 0;
  const started = recordProfile({
    target: { kind: 'launch', python: PY, script, args: [] },
    sampler: 'builtin',
    rateHz: 100,
    format: 'collapsed',
    outputDir: dir,
    cwd: dir,
    samplerScript: SAMPLER,
    env: envWith(),
    signal: controller.signal,
    graceMs: 3000,
    onStart: (i) => (samplerPid = i.pid),
  });
  const t0 = Date.now();
  while (!existsSync(pidFile) && Date.now() - t0 < 60_000) await new Promise((r) => setTimeout(r, 50));
  const childPid = Number(readFileSync(pidFile, 'utf8'));
  assert.ok(isAlive(childPid));
  controller.abort();
  const r = await started;
  assert.equal(r.cancelled, true);
  for (const end = Date.now() + 10_000; (isAlive(samplerPid) || isAlive(childPid)) && Date.now() < end;)
    await new Promise((res) => setTimeout(res, 50));
  assert.equal(isAlive(samplerPid), false, 'the profiled program is gone');
  assert.equal(isAlive(childPid), false, 'its child process is gone');
  const p = await readProfile(r.outputPath);
  assert.equal(p.meta.status, 'cancelled');
  assert.ok(analyzeHotPaths(p).functions.some((f) => f.name === 'busy'));
});

test('py-spy on PATH is used, with the options as arguments (stand-in replaying a real capture)', async () => {
  const dir = tmp();
  const argsLog = path.join(dir, 'args.log');
  const r = await recordProfile({
    target: { kind: 'launch', python: PY, script: path.join(EXAMPLES, 'matrix_work.py'), args: ['5'] },
    sampler: 'auto',
    rateHz: 250,
    durationS: 30,
    format: 'speedscope',
    subprocesses: true,
    native: true,
    idle: true,
    gil: true,
    outputDir: dir,
    cwd: dir,
    samplerScript: SAMPLER,
    env: envWith({ FLAMELENS_FAKE_PYSPY_ARGS_LOG: argsLog }, true),
  });
  assert.equal(r.sampler, 'py-spy');
  assert.equal(r.samplerVersion, '0.4.2');
  const args = JSON.parse(readFileSync(argsLog, 'utf8').trim().split('\n')[0]) as string[];
  assert.deepEqual(args.slice(0, 3), ['record', '-o', path.join(dir, 'profile.speedscope.json')]);
  for (const a of ['--subprocesses', '--native', '--idle', '--gil', '--threads']) assert.ok(args.includes(a), a);
  assert.equal(args[args.indexOf('--rate') + 1], '250');
  assert.equal(args[args.indexOf('--duration') + 1], '30');
  assert.equal(args[args.indexOf('--format') + 1], 'speedscope');
  assert.deepEqual(args.slice(args.indexOf('--') + 1), [PY, path.join(EXAMPLES, 'matrix_work.py'), '5']);
  const p = await readProfile(r.outputPath);
  assert.equal(p.meta.exporter, 'py-spy@0.4.2');
});

test('py-spy that cannot attach: auto falls back to the built-in sampler with the fix; attach fails clearly', async () => {
  const dir = tmp();
  const r = await recordProfile({
    target: { kind: 'launch', python: PY, script: path.join(EXAMPLES, 'matrix_work.py'), args: ['5'] },
    sampler: 'auto',
    rateHz: 100,
    format: 'collapsed',
    outputDir: dir,
    cwd: dir,
    samplerScript: SAMPLER,
    env: envWith({ FLAMELENS_FAKE_PYSPY: 'ptrace-denied' }, true),
  });
  assert.equal(r.sampler, 'builtin');
  assert.match(r.fallbackReason ?? '', /py-spy could not record \(Error: Failed to open process.*ptrace_scope/s);
  await assert.rejects(
    recordProfile({
      target: { kind: 'attach', pid: process.pid },
      sampler: 'auto',
      rateHz: 100,
      format: 'collapsed',
      outputDir: dir,
      cwd: dir,
      samplerScript: SAMPLER,
      env: envWith({ FLAMELENS_FAKE_PYSPY: 'ptrace-denied' }, true),
    }),
    (e: unknown) => e instanceof ToolError && /ptrace_scope/.test(e.message),
  );
  await assert.rejects(
    recordProfile({
      target: { kind: 'attach', pid: process.pid },
      sampler: 'auto',
      rateHz: 100,
      format: 'collapsed',
      outputDir: dir,
      cwd: dir,
      samplerScript: SAMPLER,
      env: envWith(),
    }),
    (e: unknown) => e instanceof ToolError && /py-spy was not found.*pip install py-spy/.test(e.message),
  );
});

test('attach with the stand-in py-spy records for the duration', async () => {
  const dir = tmp();
  const r = await recordProfile({
    target: { kind: 'attach', pid: process.pid },
    sampler: 'auto',
    rateHz: 100,
    durationS: 1,
    format: 'collapsed',
    outputDir: dir,
    cwd: dir,
    samplerScript: SAMPLER,
    env: envWith({}, true),
  });
  assert.equal(r.sampler, 'py-spy');
  const p = await readProfile(r.outputPath);
  assert.equal(p.format, 'pyspy-raw');
});

test('a missing interpreter is a clear ToolError', async () => {
  const dir = tmp();
  await assert.rejects(
    recordProfile({
      target: { kind: 'launch', python: 'no-such-python-3.99', script: 'x.py', args: [] },
      sampler: 'builtin',
      rateHz: 100,
      format: 'collapsed',
      outputDir: dir,
      cwd: dir,
      samplerScript: SAMPLER,
      env: envWith(),
    }),
    /The Python interpreter "no-such-python-3.99" was not found/,
  );
});

test('command lines split like a shell', () => {
  assert.deepEqual(splitCommandLine(`train.py --name "my run" --tag 'a b' c\\ d`), [
    'train.py',
    '--name',
    'my run',
    '--tag',
    'a b',
    'c d',
  ]);
  assert.deepEqual(splitCommandLine('-m pkg.mod  --x=1'), ['-m', 'pkg.mod', '--x=1']);
  assert.deepEqual(splitCommandLine('  '), []);
  assert.deepEqual(splitCommandLine('""'), ['']);
});

test('built-in sampler: a thread counts where it was running, not where it sleeps after working', async () => {
  // A thread that computes 20 ms (by its own CPU clock) and then sleeps 80 ms, for 3 s. py-spy puts
  // almost none of its samples on the sleep; a rule on CPU used "since the last sample" put
  // 30–45% there (the work before the sleep, charged to the sleep).
  const dir = tmp();
  writeFileSync(
    path.join(dir, 'duty.py'),
    [
      'import threading, time',
      'def compute(ms):',
      '    end = time.thread_time() + ms / 1000',
      '    x = 0',
      '    while time.thread_time() < end:',
      '        x += 1',
      'def worker(stop):',
      '    while not stop.is_set():',
      '        compute(20)',
      '        time.sleep(0.08)',
      'stop = threading.Event()',
      't = threading.Thread(target=worker, args=(stop,), name="duty")',
      't.start()',
      'time.sleep(3)',
      'stop.set()',
      't.join()',
      '',
    ].join('\n'),
  );
  const r = await recordProfile({
    target: { kind: 'launch', python: PY, script: path.join(dir, 'duty.py'), args: [] },
    sampler: 'builtin',
    rateHz: 100,
    format: 'collapsed',
    outputDir: dir,
    cwd: dir,
    samplerScript: SAMPLER,
  });
  assert.equal(r.exitCode, 0);
  const p = await readProfile(r.outputPath);
  const hot = analyzeHotPaths(p);
  const line = (n: number) => hot.lines.find((l) => l.file.endsWith('duty.py') && l.line === n)?.self ?? 0;
  const computing = line(5) + line(6);
  const sleeping = line(10);
  assert.ok(computing >= 3 * sleeping, `${computing} samples computing, ${sleeping} on the sleep`);
  assert.ok(computing >= 20, `${computing} samples computing (about 60 expected)`);
  assert.equal(line(14), 0, 'the main thread only sleeps');
});
