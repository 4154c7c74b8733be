// Cancelling a run ends its whole process tree: 50 runs (the built-in sampler recording a program
// that starts a child and a grandchild in its own session, and benchmark runs of the same
// program as a command and of a callable that starts one) cancelled at random moments; afterwards
// no process with the runs' marker is left.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { recordProfile } from '../../../src/core/runners/cpu/recordProfile';
import { runBenchmarks } from '../../../src/core/runners/bench/benchRunner';
import { parseBenchConfig } from '../../../src/core/formats/bench/benchConfig';
import { makeRng } from '../../../src/core/analysis/bench/benchStats';
import { ROOT, SAMPLER } from '../../helpers';

const PY = 'python3';
const HELPER = path.join(ROOT, 'media', 'flamelens_bench.py');

const PROGRAM = `import subprocess, sys, time
marker = sys.argv[1]
# A child in our process group, and a grandchild that leaves it (its own session), as daemons do.
subprocess.Popen([sys.executable, "-c", "import subprocess, sys, time; subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(120)', sys.argv[1]], start_new_session=True); time.sleep(120)", marker + "-child"])
def spin(seconds):
    end = time.time() + seconds
    while time.time() < end:
        sum(range(1000))
spin(120)
`;

const CALLABLE = `import subprocess, sys, time
def start():
    return (sys.argv[-1],)
procs = []
def work(marker="x"):
    if not procs:
        procs.append(subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)", "${'${MARKER}'}-bench-child"]))
    time.sleep(0.01)
`;

function leftovers(prefix: string): string[] {
  const out: string[] = [];
  for (const pid of readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
      if (cmd.includes(prefix)) out.push(`${pid}: ${cmd.slice(0, 120)}`);
    } catch {
      // gone
    }
  }
  return out;
}

test('50 runs cancelled at random moments leave no process behind', { timeout: 240_000 }, async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'flamelens-cancel-'));
  const prefix = `flamelens-cancel-marker-${process.pid}`;
  writeFileSync(path.join(dir, 'prog.py'), PROGRAM);
  writeFileSync(path.join(dir, 'benchwork.py'), CALLABLE.replace('${MARKER}', prefix));
  const rng = makeRng(7);
  const one = async (i: number) => {
    const controller = new AbortController();
    const delay = Math.floor(rng() * 1500);
    setTimeout(() => controller.abort(), delay);
    const marker = `${prefix}-${i}`;
    if (i % 3 === 0) {
      const config = parseBenchConfig(
        JSON.stringify({
          benchmarks: [
            { name: 'cmd', command: [PY, path.join(dir, 'prog.py'), marker], runs: 3, warmup: 0, timeout: 200 },
          ],
        }),
        path.join(dir, 'a.json'),
      );
      await runBenchmarks({
        root: dir,
        config,
        python: PY,
        helperScript: HELPER,
        signal: controller.signal,
        gpuSampleMs: 0,
      });
    } else if (i % 3 === 1) {
      const config = parseBenchConfig(
        JSON.stringify({ benchmarks: [{ name: 'callable', callable: 'benchwork:work', runs: 100000, warmup: 0 }] }),
        path.join(dir, 'b.json'),
      );
      await runBenchmarks({
        root: dir,
        config,
        python: PY,
        helperScript: HELPER,
        signal: controller.signal,
        gpuSampleMs: 0,
      });
    } else {
      const out = mkdtempSync(path.join(dir, 'run-'));
      await recordProfile({
        target: { kind: 'launch', python: PY, script: path.join(dir, 'prog.py'), args: [marker] },
        sampler: 'builtin',
        rateHz: 100,
        format: 'collapsed',
        outputDir: out,
        cwd: dir,
        samplerScript: SAMPLER,
        signal: controller.signal,
        graceMs: 2000,
      });
    }
    return delay;
  };
  const delays: number[] = [];
  for (let batch = 0; batch < 10; batch++)
    delays.push(...(await Promise.all([0, 1, 2, 3, 4].map((k) => one(batch * 5 + k)))));
  assert.equal(delays.length, 50);
  // Killed processes are gone once the kernel has reaped them: wait for that, not for a time.
  for (const end = Date.now() + 20_000; leftovers(prefix).length > 0 && Date.now() < end;)
    await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual(leftovers(prefix), []);
});

test('a run ends when its program ends, though 20 processes it started still hold its output', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'fl-leftovers-'));
  const marker = `fl-leftover-${process.pid}-${Date.now()}`;
  writeFileSync(
    path.join(dir, 'forker.py'),
    `import subprocess, sys\nfor i in range(20):\n    subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)", "${marker}"])\nprint("parent done")\n`,
  );
  const lines: string[] = [];
  const r = await recordProfile({
    target: { kind: 'launch', python: PY, script: path.join(dir, 'forker.py'), args: [] },
    sampler: 'builtin',
    rateHz: 100,
    format: 'collapsed',
    outputDir: dir,
    cwd: dir,
    samplerScript: SAMPLER,
    onOutput: (line) => lines.push(line),
  });
  assert.ok(lines.includes('parent done'));
  assert.equal(r.exitCode, 0);
  assert.equal(r.leftovers, 20, 'the sleepers were found by the run token');
  assert.deepEqual(leftovers(marker), [], 'and stopped');
});
