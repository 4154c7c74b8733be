// Crashes, non-zero exits and hung tools, across every runner: the profiled program that dies
// keeps what was recorded until then and the result says what happened (describeEnd: the
// sentence the editor and the CLI show); a tool that hangs is stopped after its timeout. Tools
// absent here are the stand-ins of test/fixtures/bin, spawned as the real ones; the PyTorch path
// runs Debian's real torch.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { recordProfile } from '../../../src/core/runners/cpu/recordProfile';
import { recordTorchTrace } from '../../../src/core/runners/torch/recordTorchTrace';
import { runNsys, exportNsysReport } from '../../../src/core/runners/nsight/nsys';
import { runNcu, importNcuReport } from '../../../src/core/runners/nsight/ncu';
import { describeEnd } from '../../../src/core/runners/runChild';
import { ToolError } from '../../../src/core/runners/findTool';
import { linuxDescendants } from '../../../src/core/runners/processTree';
import { isAlive } from '../../../src/core/util/process';
import { readProfile } from '../../../src/core/formats/cpu/readProfile';
import { readTorchTrace } from '../../../src/core/formats/torch/torchTrace';
import { readNsysSqliteFile } from '../../../src/core/formats/nsight/nsysSqlite';
import { analyzeHotPaths } from '../../../src/core/analysis/cpu/hotPaths';
import { ROOT, SAMPLER } from '../../helpers';

const BIN = path.join(ROOT, 'test', 'fixtures', 'bin');
const TORCH_PYTHON = '/usr/bin/python3';
const LAUNCHER = path.join(ROOT, 'media', 'flamelens_torch_launcher.py');
const tmp = () => mkdtempSync(path.join(tmpdir(), 'flamelens-fail-'));
const withTools = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
  ...process.env,
  PATH: `${BIN}${path.delimiter}${process.env.PATH}`,
  ...extra,
});
const withoutPySpy = (): NodeJS.ProcessEnv => ({
  ...process.env,
  PATH: (process.env.PATH ?? '')
    .split(path.delimiter)
    .filter((d) => !existsSync(path.join(d, 'py-spy')))
    .join(path.delimiter),
});

/** A program that works for a while, then dies the given way. */
function dyingProgram(dir: string, how: 'segfault' | 'sigkill' | 'exit7'): string {
  const script = path.join(dir, `die_${how}.py`);
  const death = {
    segfault: 'import ctypes; ctypes.string_at(0)',
    sigkill: 'import os, signal; os.kill(os.getpid(), signal.SIGKILL)',
    exit7: 'raise SystemExit(7)',
  }[how];
  writeFileSync(
    script,
    `import time\ndef busy_before_death():\n    t = time.time()\n    while time.time() - t < 2.6:\n        sum(range(1000))\nbusy_before_death()\n${death}\n`,
  );
  return script;
}

test(
  'built-in sampler: a program killed by SIGSEGV or SIGKILL keeps the samples flushed until then, and says so',
  { timeout: 60_000 },
  async () => {
    for (const [how, sig] of [
      ['segfault', 'SIGSEGV'],
      ['sigkill', 'SIGKILL'],
    ] as const) {
      const dir = tmp();
      const r = await recordProfile({
        target: { kind: 'launch', python: 'python3', script: dyingProgram(dir, how), args: [] },
        sampler: 'builtin',
        rateHz: 100,
        format: 'collapsed',
        outputDir: dir,
        cwd: dir,
        samplerScript: SAMPLER,
        env: withoutPySpy(),
      });
      assert.equal(r.signal, sig, how);
      assert.equal(r.exitCode, null);
      // The sampler writes what it has every 2 s: the first 2 s of the 2.6 s of work survive the death.
      const p = await readProfile(r.outputPath);
      const hot = analyzeHotPaths(p);
      assert.ok(
        hot.functions.some((f) => f.name === 'busy_before_death' && f.totalPct > 50),
        `${how}: the work before the death is in the profile (${hot.total} samples)`,
      );
      assert.ok(hot.total >= 50, `${how}: ${hot.total} samples (about 200 at 100 Hz before the first flush)`);
      assert.match(
        describeEnd(r, r.sampler) ?? '',
        new RegExp(
          `^The program was ended by ${sig} \\((a segmentation fault|SIGKILL, often the out-of-memory killer)\\); what was recorded until then is kept\\.$`,
        ),
      );
    }
  },
);

test(
  'py-spy: a program that exits non-zero keeps the profile and its code; a py-spy that hangs after the program ended is stopped',
  { timeout: 60_000 },
  async () => {
    const dir = tmp();
    // The program works for 2.6 s, five times the hang limit: a tool whose program still runs is never "hung".
    const r = await recordProfile({
      target: { kind: 'launch', python: 'python3', script: dyingProgram(dir, 'exit7'), args: [] },
      sampler: 'py-spy',
      rateHz: 100,
      format: 'speedscope',
      outputDir: dir,
      cwd: dir,
      samplerScript: SAMPLER,
      env: withTools(),
      stopAfterProgramMs: 500,
    });
    assert.equal(r.sampler, 'py-spy');
    assert.equal(r.hung, false);
    assert.equal(r.exitCode, 7);
    assert.ok(analyzeHotPaths(await readProfile(r.outputPath)).total > 0);
    assert.equal(describeEnd(r, 'py-spy'), 'The program exited with code 7; what was recorded until then is kept.');

    const hungDir = tmp();
    const script = path.join(hungDir, 'quick.py');
    writeFileSync(script, 'sum(range(100000))\n');
    let pyspyPid = 0;
    const t0 = Date.now();
    const h = await recordProfile({
      target: { kind: 'launch', python: 'python3', script, args: [] },
      sampler: 'py-spy',
      rateHz: 100,
      format: 'speedscope',
      outputDir: hungDir,
      cwd: hungDir,
      samplerScript: SAMPLER,
      env: withTools({ FLAMELENS_FAKE_PYSPY: 'hang-after-exit' }),
      stopAfterProgramMs: 1500,
      onStart: (i) => {
        pyspyPid = i.pid;
      },
    });
    const took = Date.now() - t0;
    assert.equal(h.hung, true);
    assert.equal(h.cancelled, false);
    assert.ok(
      took >= 1500 && took < 15_000,
      `stopped ${took} ms after the start (limit 1.5 s after the program ended)`,
    );
    assert.ok(pyspyPid > 0 && !isAlive(pyspyPid), 'the hung py-spy is gone');
    assert.ok(
      analyzeHotPaths(await readProfile(h.outputPath)).total > 0,
      'asked with SIGINT first, it wrote its profile',
    );
    assert.equal(
      describeEnd(h, 'py-spy'),
      'py-spy was still running 2 s after the profiled program ended, so flamelens stopped it; what it had recorded is kept.',
    );
  },
);

test(
  'py-spy attached to a process that ends: a py-spy still running afterwards is stopped',
  { timeout: 30_000 },
  async () => {
    const dir = tmp();
    const { spawn } = await import('node:child_process');
    const target = spawn('python3', ['-c', 'import time; time.sleep(1.0)'], { stdio: 'ignore' });
    let pyspyPid = 0;
    const r = await recordProfile({
      target: { kind: 'attach', pid: target.pid as number },
      sampler: 'py-spy',
      rateHz: 100,
      format: 'speedscope',
      outputDir: dir,
      cwd: dir,
      samplerScript: SAMPLER,
      env: withTools(),
      stopAfterProgramMs: 1000,
      onStart: (i) => {
        pyspyPid = i.pid;
      }, // the stand-in "attaches" with no duration: it would run for ever
    });
    assert.equal(r.hung, true);
    assert.ok(!isAlive(pyspyPid));
    assert.ok(existsSync(r.outputPath), 'the profile py-spy wrote when asked to stop is kept');
  },
);

test(
  'PyTorch launcher: a training script that raises keeps its trace and the exit code; one killed by SIGKILL keeps the traces already written',
  { timeout: 180_000 },
  async () => {
    assert.ok(existsSync(TORCH_PYTHON), 'Debian python3-torch (npm test installs it)');
    const body = (death: string) =>
      [
        'import torch, os, signal',
        'model = torch.nn.Linear(64, 64)',
        'opt = torch.optim.SGD(model.parameters(), lr=0.01)',
        'for step in range(12):',
        '    loss = model(torch.randn(32, 64)).pow(2).mean()',
        '    opt.zero_grad(); loss.backward(); opt.step()',
        `    if step == 8: ${death}`,
      ].join('\n') + '\n';
    for (const [death, expect] of [
      ['raise RuntimeError("CUDA out of memory (pretend)")', 'raised'],
      ['os.kill(os.getpid(), signal.SIGKILL)', 'killed'],
    ] as const) {
      const dir = tmp();
      const script = path.join(dir, `train_${expect}.py`);
      writeFileSync(script, body(death));
      // wait 1, warmup 1, active 2, repeat 2: cycles end at steps 4 and 8, before the death at step 8's end.
      const r = await recordTorchTrace({
        python: TORCH_PYTHON,
        script,
        args: [],
        outputDir: dir,
        cwd: dir,
        launcherScript: LAUNCHER,
        wait: 1,
        warmup: 1,
        active: 2,
        repeat: 2,
      });
      assert.ok(r.traces.length >= 1, `${expect}: ${r.traces.length} traces kept (${readdirSync(dir).join(', ')})`);
      const trace = await readTorchTrace(r.traces[0]);
      assert.ok(
        trace.ops.some((o) => o.name === 'aten::addmm' || o.name === 'aten::linear'),
        `${expect}: the trace has the model's operators`,
      );
      if (expect === 'raised') {
        assert.equal(r.exitCode, 1);
        assert.match(r.stderrTail, /RuntimeError: CUDA out of memory \(pretend\)/);
        assert.equal(describeEnd(r, 'python'), 'The program exited with code 1; what was recorded until then is kept.');
      } else {
        assert.equal(r.signal, 'SIGKILL');
        assert.match(
          r.info.notes.join(' '),
          /ended \(SIGKILL\) before writing its summary; the \d trace\(s\) written until then are kept/,
        );
        assert.match(describeEnd(r, 'python') ?? '', /^The program was ended by SIGKILL/);
      }
    }
  },
);

test(
  'nsys: a program that exits non-zero keeps its report; a hung `nsys export` is stopped after its timeout',
  { timeout: 60_000 },
  async () => {
    const dir = tmp();
    const r = await runNsys({
      command: ['python3', dyingProgram(dir, 'exit7')],
      outputDir: dir,
      cwd: dir,
      env: withTools(),
    });
    assert.equal(r.exitCode, 7);
    assert.ok(
      r.sqlite && (await readNsysSqliteFile(r.sqlite)).kernels.length > 0,
      'the report of what ran is exported and read',
    );
    assert.equal(describeEnd(r, 'nsys'), 'The program exited with code 7; what was recorded until then is kept.');

    const hung = tmp();
    const t0 = Date.now();
    await assert.rejects(
      runNsys({
        command: ['python3', '-c', 'pass'],
        outputDir: hung,
        cwd: hung,
        env: withTools({ FLAMELENS_FAKE_NSYS: 'hang-export' }),
        toolTimeoutMs: 1500,
      }),
      (e: unknown) => e instanceof ToolError && /nsys export --type=sqlite .* did not finish in 2 s/.test(e.message),
    );
    assert.ok(Date.now() - t0 < 15_000);
    await assert.rejects(
      exportNsysReport(path.join(dir, 'report.nsys-rep'), {
        cacheDir: tmp(),
        env: withTools({ FLAMELENS_FAKE_NSYS: 'hang-export' }),
        toolTimeoutMs: 1000,
      }),
      /did not finish in 1 s/,
    );
    const leftovers = (await linuxDescendants(process.pid)).filter((p) => isAlive(p));
    assert.deepEqual(leftovers, [], 'no hung export left running');
  },
);

test(
  'ncu: a program that exits non-zero keeps the kernels profiled; a hung `ncu --import` is stopped',
  { timeout: 60_000 },
  async () => {
    const dir = tmp();
    const script = path.join(dir, 'launch_then_fail.py');
    writeFileSync(script, 'raise SystemExit(5)\n');
    const r = await runNcu({ command: ['python3', script], outputDir: dir, cwd: dir, env: withTools() });
    assert.equal(r.exitCode, 5);
    assert.ok(r.parsed.launches.length > 0, 'the launches profiled before the exit are in the report');
    assert.equal(describeEnd(r, 'ncu'), 'The program exited with code 5; what was recorded until then is kept.');
    await assert.rejects(
      importNcuReport(r.report as string, {
        env: withTools({ FLAMELENS_FAKE_NCU: 'hang-import' }),
        outputDir: tmp(),
        toolTimeoutMs: 1000,
      }),
      (e: unknown) => e instanceof ToolError && /ncu --import .* did not finish in 1 s/.test(e.message),
    );
  },
);
