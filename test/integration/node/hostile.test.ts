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
