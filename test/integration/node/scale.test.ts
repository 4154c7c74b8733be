// Files that are small but deep, or large and broad, load in the built CLI with a capped heap:
// memory follows what the file holds, not the square of its nesting, so each case below fits in
// a heap far smaller than the gigabytes the quadratic versions needed (they aborted).
import { before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { CLI, ensureBuilt } from '../../helpers';
import { manyLanesTorchTrace, nestedSpeedscope, nestedTorchTrace, writeDistinctStacks } from '../../fuzz/hostile';

before(() => ensureBuilt());

const dir = mkdtempSync(path.join(tmpdir(), 'fl-scale-'));

function cli(heapMb: number, ...args: string[]) {
  return spawnSync(process.execPath, [`--max-old-space-size=${heapMb}`, CLI, ...args], {
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
}

test('40,000 nested speedscope opens: analyze, diff with itself and report in a 160 MB heap', () => {
  const file = path.join(dir, 'deep.speedscope.json');
  writeFileSync(file, nestedSpeedscope(40_000));
  const a = cli(160, 'analyze', file, '--json', '--top', '3');
  assert.equal(a.status, 0, a.stderr);
  const j = JSON.parse(a.stdout);
  assert.equal(j.samples, 80_000);
  assert.deepEqual(
    j.functions.map((f: { name: string; total: number; self: number }) => [f.name, f.total, f.self]),
    [
      ['f0', 80_000, 2],
      ['f1', 79_998, 2],
      ['f2', 79_996, 2],
    ],
  );
  const d = cli(160, 'diff', file, file);
  assert.equal(d.status, 0, d.stderr);
  const html = path.join(dir, 'deep.html');
  const r = cli(160, 'report', file, '-o', html);
  assert.equal(r.status, 0, r.stderr);
  assert.match(readFileSync(html, 'utf8'), /flamelens-data/);
});

test('60,000 nested PyTorch operators: analyze and report in a 200 MB heap', () => {
  const file = path.join(dir, 'deep.pt.trace.json');
  writeFileSync(file, nestedTorchTrace(60_000));
  const a = cli(200, 'analyze', file, '--json');
  assert.equal(a.status, 0, a.stderr);
  const ops = JSON.parse(a.stdout).ops as { name: string; calls: number }[];
  assert.equal(
    ops.reduce((s, o) => s + o.calls, 0),
    60_000,
  );
  const r = cli(200, 'report', file, '-o', path.join(dir, 'deep-trace.html'));
  assert.equal(r.status, 0, r.stderr);
});

test('a million distinct stacks, each with a function of its own, load in a 400 MB heap', async () => {
  const file = path.join(dir, 'broad.folded');
  const lines: string[] = [];
  for (let i = 0; i < 1_000_000; i++) lines.push(`main;work;fn_${i} 1`);
  writeFileSync(file, lines.join('\n') + '\n');
  const a = cli(400, 'analyze', file, '--json', '--top', '2');
  assert.equal(a.status, 0, a.stderr);
  const j = JSON.parse(a.stdout);
  assert.equal(j.samples, 1_000_000);
  assert.deepEqual(
    j.functions.map((f: { name: string; total: number }) => [f.name, f.total]),
    [
      ['main', 1_000_000],
      ['work', 1_000_000],
    ],
  );
  // And three million distinct paths over few functions (three frames each).
  const many = path.join(dir, 'many.folded');
  await writeDistinctStacks(many, 3_000_000);
  const m = cli(600, 'analyze', many, '--json', '--top', '1');
  assert.equal(m.status, 0, m.stderr);
  assert.equal(JSON.parse(m.stdout).samples, 3_000_000);
});

/** The CLI's peak resident memory (MiB) for `args`, with its result. */
function peakOf(...args: string[]) {
  const hook = path.join(dir, 'rss-hook.cjs');
  writeFileSync(
    hook,
    "process.on('exit', () => process.stderr.write(`\\nmaxrss ${process.resourceUsage().maxRSS}\\n`));",
  );
  const r = spawnSync(process.execPath, ['--require', hook, CLI, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
  assert.equal(r.status, 0, r.stderr);
  return { stdout: r.stdout, mib: Number(/maxrss (\d+)/.exec(r.stderr)![1]) / 1024 };
}

test('20,000 threads and 20,000 streams of one event each: analyze and report in memory that follows the file', () => {
  // Each thread and stream used to cost about 36 KB of tables sized for a thousand entries (a
  // call tree, weights, idle gaps): this 4.9 MB trace's report peaked at 1.5 GB, 3.6 GB at 50,000.
  const file = path.join(dir, 'lanes.pt.trace.json');
  writeFileSync(file, manyLanesTorchTrace(20_000));
  const one = path.join(dir, 'one.pt.trace.json');
  writeFileSync(one, manyLanesTorchTrace(1));
  const mb = readFileSync(file).length / 2 ** 20;
  const a = peakOf('analyze', file, '--json');
  const ops = JSON.parse(a.stdout).ops as { calls: number }[];
  assert.equal(
    ops.reduce((s, o) => s + o.calls, 0),
    20_000,
  );
  const report = path.join(dir, 'lanes.html');
  const r = peakOf('report', file, '-o', report);
  assert.match(readFileSync(report, 'utf8'), /flamelens-data/);
  for (const [what, peak, base] of [
    ['analyze', a.mib, peakOf('analyze', one, '--json').mib],
    ['report', r.mib, peakOf('report', one, '-o', path.join(dir, 'one.html')).mib],
  ] as const)
    assert.ok(
      peak - base < 100 * mb,
      `${what}: ${(peak - base).toFixed(0)} MiB above one event's, for ${mb.toFixed(1)} MiB`,
    );
});
