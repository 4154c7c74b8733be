// The PyTorch capture path with a real PyTorch: Debian's python3-torch (1.13, CPU, no Kineto),
// run through `flamelens torch` exactly as a user would.
import { directChildCounts } from '../../harness/traceNesting.mjs';
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { EXAMPLES, ROOT } from '../../helpers';

const CLI = path.join(ROOT, 'dist', 'cli.js');
const TORCH_PYTHON = process.env.FLAMELENS_TORCH_PYTHON ?? '/usr/bin/python3';

function cli(args: string[], cwd: string) {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', timeout: 180_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('flamelens torch captures a training script unchanged; the operator table matches key_averages() of that run', () => {
  assert.ok(existsSync(TORCH_PYTHON), `${TORCH_PYTHON} (Debian python3-torch) is installed by npm test`);
  const cwd = mkdtempSync(path.join(tmpdir(), 'fl-torch-'));
  const r = cli(['torch', '--shapes', '--', TORCH_PYTHON, path.join(EXAMPLES, 'torch_train.py'), '12'], cwd);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /trained 12 steps/, 'the script ran unchanged, its output passed through');
  assert.match(r.stderr, /12 optimizer steps, 1 trace\(s\)/);
  const tracePath = r.stdout.trim().split('\n').pop()!;
  const runDir = path.dirname(tracePath);
  const meta = JSON.parse(readFileSync(path.join(runDir, 'run.json'), 'utf8'));
  assert.equal(meta.kind, 'torch');
  assert.equal(meta.status, 'completed');
  const out = JSON.parse(cli(['analyze', tracePath, '--json'], cwd).stdout);
  assert.equal(out.kind, 'torch-trace');
  const steps = out.ops.find((o: { name: string }) => o.name === 'ProfilerStep*');
  assert.equal(steps?.calls, 3, 'the three active steps of the default schedule (wait 1, warmup 1, active 3)');
  const expected = JSON.parse(readFileSync(path.join(runDir, 'key_averages.json'), 'utf8')).rows as {
    name: string;
    calls: number;
    selfCpuUs: number;
    totalCpuUs: number;
  }[];
  const ours = new Map(out.ops.map((o: { name: string }) => [o.name, o]));
  assert.equal(ours.size, expected.length);
  // Self times can differ by about a microsecond per direct child (see traceNesting.mjs).
  const directChildren = directChildCounts(tracePath);
  for (const e of expected) {
    const o = ours.get(e.name) as { calls: number; selfCpuUs: number; totalCpuUs: number } | undefined;
    assert.ok(o, e.name);
    assert.equal(o.calls, e.calls, `${e.name} calls`);
    const tol = e.calls * 1.5 + 0.01 * e.totalCpuUs;
    assert.ok(Math.abs(o.totalCpuUs - e.totalCpuUs) <= tol, `${e.name} total ${o.totalCpuUs} vs ${e.totalCpuUs}`);
    // key_averages() can print a negative self time when a child outlasts its parent; ours is clamped at 0.
    const selfTol = 2 * tol + 1.5 * (directChildren.get(e.name) ?? 0);
    assert.ok(
      Math.abs(o.selfCpuUs - Math.max(0, e.selfCpuUs)) <= selfTol,
      `${e.name} self ${o.selfCpuUs} vs ${e.selfCpuUs}`,
    );
  }
});

test('a script without an optimizer is profiled whole; a Python without torch is a clear error', () => {
  const cwd = mkdtempSync(path.join(tmpdir(), 'fl-torch-'));
  const script = path.join(cwd, 'noopt.py');
  writeFileSync(
    script,
    'import torch\na = torch.randn(100, 100)\nfor _ in range(3):\n    a = torch.tanh(a @ a)\nprint("ok")\n',
  );
  const r = cli(['torch', '--', TORCH_PYTHON, script], cwd);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /no optimizer step was seen: the whole run was profiled/);
  const out = JSON.parse(cli(['analyze', r.stdout.trim().split('\n').pop()!, '--json'], cwd).stdout);
  assert.equal(out.ops.find((o: { name: string }) => o.name === 'aten::tanh')?.calls, 3);
  // The test runner's own python3 (pyenv) has no torch.
  const noTorch = spawnSync('python3', ['-c', 'import torch'], { encoding: 'utf8' });
  if (noTorch.status !== 0) {
    const bad = cli(['torch', '--', 'python3', script], cwd);
    assert.equal(bad.code, 1);
    // Once, naming the interpreter it tried and how to give another.
    assert.equal(bad.stderr.trim().split('\n').length, 1, bad.stderr);
    assert.match(
      bad.stderr,
      /^flamelens: python3 \(.*python3[^)]*\) cannot import torch: No module named 'torch'\. Choose an interpreter with PyTorch installed: --python PATH/,
    );
    // --python names the interpreter; the words after -- are the script and its arguments.
    const withPython = cli(['torch', '--python', TORCH_PYTHON, '--', script], cwd);
    assert.equal(withPython.code, 0, withPython.stderr);
  }
});
