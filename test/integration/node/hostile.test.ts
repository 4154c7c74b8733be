import { before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { CLI, ensureBuilt, HANDMADE } from '../../helpers';

const HOSTILE = path.join(HANDMADE, 'handmade-hostile-names.folded');

before(() => ensureBuilt());

test('CLI text output shows the override and escape characters as markers; --json stays exact', () => {
  const cli = CLI;
  const text = spawnSync(process.execPath, [cli, 'analyze', HOSTILE, '--top', '10'], { encoding: 'utf8' });
  assert.equal(text.status, 0, text.stderr);
  assert.match(text.stdout, /⟨U\+202E⟩evil_rtl_fdp\.exe/);
  assert.ok(!text.stdout.includes('\u202E'));
  const json = JSON.parse(
    spawnSync(process.execPath, [cli, 'analyze', HOSTILE, '--json'], { encoding: 'utf8' }).stdout,
  );
  assert.ok(json.functions.some((f: { name: string }) => f.name === '\u202Eevil_rtl_fdp.exe'));
});

test("CLI record and bench: names from the workspace print as markers, the program's own output passes through unchanged", () => {
  const cli = CLI;
  const dir = mkdtempSync(path.join(tmpdir(), 'fl-hostile-cli-'));
  // A script whose file name carries a right-to-left override, and which prints its own colours.
  const script = path.join(dir, 'train\u202Eyp.py');
  writeFileSync(
    script,
    'import sys, time\ndef hot():\n    t = time.time()\n    while time.time() - t < 0.5:\n        pass\nprint("\\x1b[32mprogram says ok\\x1b[0m")\nprint("\\x1b[31mprogram warns\\x1b[0m", file=sys.stderr)\nhot()\n',
  );
  const rec = spawnSync(
    process.execPath,
    [cli, 'record', '--sampler', 'builtin', '--rate', '200', '--', 'python3', script],
    { cwd: dir, encoding: 'utf8' },
  );
  assert.equal(rec.status, 0, rec.stderr);
  assert.ok(rec.stdout.includes('\u001b[32mprogram says ok\u001b[0m'), 'program stdout unchanged');
  assert.ok(rec.stderr.includes('\u001b[31mprogram warns\u001b[0m'), 'program stderr unchanged');
  const hottest = rec.stderr.split('\n').filter((l) => /% total/.test(l));
  assert.ok(
    hottest.some((l) => l.includes('train⟨U+202E⟩yp.py')),
    hottest.join('\n'),
  );
  assert.ok(!hottest.some((l) => l.includes('\u202E')), "no raw override in flamelens' own lines");

  writeFileSync(
    path.join(dir, 'flamelens.bench.json'),
    JSON.stringify({
      benchmarks: [
        {
          name: 'sleep\u001b]0;pwned\u0007',
          command: ['python3', '-c', 'print("\\x1b[1mbench output\\x1b[0m")'],
          runs: 3,
          warmup: 0,
        },
      ],
    }),
  );
  const bench = spawnSync(process.execPath, [cli, 'bench'], { cwd: dir, encoding: 'utf8' });
  assert.equal(bench.status, 0, bench.stderr);
  const all = bench.stdout + bench.stderr;
  assert.ok(all.includes('sleep⟨U+001B⟩]0;pwned⟨U+0007⟩'), all);
  assert.ok(!all.includes('\u001b]0;pwned'), 'the title-setting escape never reaches the terminal');
});

test('a tab, CR or LF in a name cannot add a row or a column to the text of analyze, diff or compare', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'fl-newline-names-'));
  // Speedscope frame names are JSON strings: they can carry line ends (no real profile shows one).
  const forged = 'fake\n  100.0   100.0    999999  forged (evil.py:1)';
  const profile = (weights: number[]) =>
    JSON.stringify({
      $schema: 'https://www.speedscope.app/file-format-schema.json',
      shared: { frames: [{ name: 'main' }, { name: forged }, { name: 'tab\there\rcr' }] },
      profiles: [
        {
          type: 'sampled',
          name: 't',
          unit: 'none',
          startValue: 0,
          endValue: 10,
          samples: [
            [0, 1],
            [0, 2],
          ],
          weights,
        },
      ],
    });
  writeFileSync(path.join(dir, 'a.speedscope.json'), profile([7, 3]));
  writeFileSync(path.join(dir, 'b.speedscope.json'), profile([3, 7]));
  const run = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { cwd: dir, encoding: 'utf8' });
  const analyze = run('analyze', 'a.speedscope.json');
  assert.equal(analyze.status, 0, analyze.stderr);
  const lines = analyze.stdout.trimEnd().split('\n');
  assert.equal(
    lines.length,
    3 + 3,
    `a header, a blank line, the column titles and three functions:\n${analyze.stdout}`,
  );
  assert.ok(!lines.some((l) => /^\s+100\.0\s+100\.0\s+999999/.test(l)), 'no forged row');
  assert.ok(analyze.stdout.includes('fake⟨U+000A⟩'));
  assert.ok(analyze.stdout.includes('tab⟨U+0009⟩here⟨U+000D⟩cr'));
  assert.equal(
    JSON.parse(run('analyze', 'a.speedscope.json', '--json').stdout).functions.some(
      (f: { name: string }) => f.name === forged,
    ),
    true,
    '--json keeps the exact name',
  );
  const diff = run('diff', 'a.speedscope.json', 'b.speedscope.json');
  assert.equal(diff.status, 0, diff.stderr);
  assert.ok(!diff.stdout.split('\n').some((l) => /^\s+100\.0\s+100\.0\s+999999/.test(l)));
  assert.ok(diff.stdout.includes('fake⟨U+000A⟩'));

  const set = (id: string, median: number) => ({
    kind: 'flamelens-bench',
    version: 1,
    id,
    createdAt: `2026-01-0${id === 'a' ? 1 : 2}T00:00:00.000Z`,
    source: 'flamelens',
    environment: {},
    benchmarks: [
      {
        name: 'bench\nforged  1.0 s  1.0 s  +0.0%',
        kind: 'callable',
        samples: Array.from({ length: 20 }, (_, i) => median * (1 + (i % 5) / 1000)),
        timing: 'wall',
      },
    ],
  });
  writeFileSync(path.join(dir, 'a.json'), JSON.stringify(set('a', 1)));
  writeFileSync(path.join(dir, 'b.json'), JSON.stringify(set('b', 2)));
  const compare = run('compare', 'a.json', 'b.json');
  assert.equal(compare.status, 0, compare.stderr);
  assert.ok(!compare.stdout.split('\n').some((l) => l.startsWith('forged')), compare.stdout);
  assert.ok(compare.stdout.includes('bench⟨U+000A⟩forged'));
  assert.ok(compare.stderr.includes('bench⟨U+000A⟩forged'), 'the regression line on stderr too');
});
