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

test('torch --memory on the CPU says there is no allocator snapshot; with CUDA the launcher records and dumps', () => {
  const cwd = mkdtempSync(path.join(tmpdir(), 'fl-torch-mem-'));
  const r = cli(['torch', '--memory', '--', TORCH_PYTHON, path.join(EXAMPLES, 'torch_train.py'), '6'], cwd);
  assert.equal(r.code, 0, r.stderr);
  const runDir = path.dirname(r.stdout.trim().split('\n').pop()!);
  const info = JSON.parse(readFileSync(path.join(runDir, 'launcher.json'), 'utf8'));
  assert.deepEqual(info.snapshots, []);
  assert.ok(
    info.notes.some((n: string) => /no CUDA device .*: no allocator snapshot/.test(n)),
    info.notes.join('; '),
  );
  // The CUDA side, with a stand-in for torch's allocator API (no GPU here): the launcher's own
  // functions record the history with stacks, attach an out-of-memory observer that dumps once,
  // fall back to torch 2.0's signature, and say a snapshot that cannot be written.
  const launcher = path.join(ROOT, 'media', 'flamelens_torch_launcher.py');
  const py = `
import importlib.util, json, os, sys, types
spec = importlib.util.spec_from_file_location("launcher", sys.argv[1]); L = importlib.util.module_from_spec(spec); spec.loader.exec_module(L)
out = sys.argv[2]; calls = []; observers = []
def make(new_signature):
    def record(*a, **k):
        if not new_signature and "max_entries" in k: raise TypeError("unexpected keyword")
        calls.append([list(a), k])
    def dump(p):
        if "fail" in p: raise OSError("disk full")
        open(p, "wb").write(b"snapshot"); calls.append(["dump", os.path.basename(p)])
    mem = types.SimpleNamespace(_record_memory_history=record, _dump_snapshot=dump)
    return types.SimpleNamespace(cuda=types.SimpleNamespace(memory=mem), _C=types.SimpleNamespace(_cuda_attach_out_of_memory_observer=observers.append))
info = {"notes": [], "snapshots": []}
torch = make(True)
ok = L.start_memory_history(torch, True, out, info)
observers[0](0, 1 << 40, 0, 1 << 30); observers[0](0, 1 << 40, 0, 1 << 30)
L.dump_snapshot(torch, out, "memory_snapshot.pickle", info)
L.dump_snapshot(torch, out, "fail.pickle", info)
old = {"notes": [], "snapshots": []}
L.start_memory_history(make(False), True, out, old)
print(json.dumps({"ok": ok, "calls": calls, "info": info, "observers": len(observers)}))
`;
  const p = spawnSync(TORCH_PYTHON, ['-c', py, launcher, cwd], { encoding: 'utf8' });
  assert.equal(p.status, 0, p.stderr);
  const got = JSON.parse(p.stdout);
  assert.equal(got.ok, true);
  assert.deepEqual(got.calls[0], [[], { max_entries: 1000000 }], 'history with stacks, a million entries');
  assert.deepEqual(
    got.calls.filter((c: unknown[]) => c[0] === 'dump').map((c: unknown[]) => c[1]),
    ['oom_snapshot.pickle', 'memory_snapshot.pickle'],
    'the observer dumps once at the out-of-memory error, then the end',
  );
  assert.deepEqual(got.info.snapshots, ['oom_snapshot.pickle', 'memory_snapshot.pickle']);
  assert.match(got.info.notes.join(';'), /could not write fail\.pickle: disk full/);
  assert.deepEqual(got.calls.at(-1), [[true], { trace_alloc_max_entries: 1000000 }], "torch 2.0's signature");
});
