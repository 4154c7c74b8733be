import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { visibleText } from '../../src/core/util/visibleText';
import { plainText } from '../../src/extension/shared/plainText';
import { buildHtmlReport } from '../../src/core/report/htmlReport';
import { readProfile } from '../../src/core/formats/cpu/readProfile';
import { readoutTooltip } from '../../src/core/analysis/gpu/gpuReadout';
import { HANDMADE, ROOT } from './helpers';

const HOSTILE = path.join(HANDMADE, 'handmade-hostile-names.folded');

test('visibleText shows bidi overrides, escapes and invisible characters as markers and keeps the rest', () => {
  assert.equal(visibleText('evil\u202Efdp.exe'), 'evil⟨U+202E⟩fdp.exe');
  assert.equal(visibleText('\u001b[31mred\u001b[0m'), '⟨U+001B⟩[31mred⟨U+001B⟩[0m');
  assert.equal(visibleText('a\u200Bb\u2066c\u2069'), 'a⟨U+200B⟩b⟨U+2066⟩c⟨U+2069⟩');
  assert.equal(visibleText('tab\tnew\nline\r\n<img> é 数 🔥'), 'tab\tnew\nline\r\n<img> é 数 🔥');
});

test('plainText keeps markdown links and codicons literal in notifications and CodeLenses', () => {
  const s = plainText('bad file [click](command:workbench.action.quit) $(alert)');
  assert.ok(!/\]\(/.test(s) && !/\$\(/.test(s), s);
  assert.equal(s.replace(/\u200B/g, ''), 'bad file [click](command:workbench.action.quit) $(alert)');
});

test('CLI text output shows the override and escape characters as markers; --json stays exact', () => {
  const cli = path.join(ROOT, 'dist', 'cli.js');
  const text = spawnSync(process.execPath, [cli, 'analyze', HOSTILE, '--top', '10'], { encoding: 'utf8' });
  assert.equal(text.status, 0, text.stderr);
  assert.match(text.stdout, /⟨U\+202E⟩evil_rtl_fdp\.exe/);
  assert.ok(!text.stdout.includes('\u202E'));
  const json = JSON.parse(
    spawnSync(process.execPath, [cli, 'analyze', HOSTILE, '--json'], { encoding: 'utf8' }).stdout,
  );
  assert.ok(json.functions.some((f: { name: string }) => f.name === '\u202Eevil_rtl_fdp.exe'));
});

test('the HTML report embeds names as JSON data: no name can close the data element or add markup', async () => {
  const profile = await readProfile(HOSTILE);
  const html = buildHtmlReport(
    [{ title: '<b>hostile</b>.folded', profile } as { title: string }],
    { js: '/* bundle */', css: '' },
    'bm9uY2U=',
  );
  const dataStart = html.indexOf('<script type="application/json" id="flamelens-data">');
  const dataEnd = html.indexOf('</script>', dataStart);
  const data = html.slice(dataStart, dataEnd);
  assert.ok(!/<img|<\/script|<svg/i.test(data.slice(data.indexOf('>') + 1)), 'no markup inside the data element');
  assert.ok(html.includes('<title>flamelens: &lt;b&gt;hostile&lt;/b&gt;.folded</title>'));
  assert.match(html, /script-src 'nonce-[^']+'/);
  assert.ok(!/script-src[^;]*unsafe-inline/.test(html));
});

test("CLI record and bench: names from the workspace print as markers, the program's own output passes through unchanged", () => {
  const cli = path.join(ROOT, 'dist', 'cli.js');
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

test('notification and CodeLens text shows overrides as markers; the GPU tooltip escapes a hostile process name', () => {
  assert.equal(plainText('run evil\u202Efdp failed'), 'run evil⟨U+202E⟩fdp failed');
  const tip = readoutTooltip(
    [{ index: 0, name: 'GPU [x](command:workbench.action.quit)' }],
    [
      {
        pid: 7,
        name: 'train\u202E <img src=x onerror=alert(1)> [go](command:evil) $(alert)',
        gpuIndex: 0,
        usedMemoryMiB: 10,
      },
    ],
    new Set(),
  );
  assert.ok(!/[^\\]\[(x|go)\]\(command:/.test(tip), tip);
  assert.ok(
    !/[^\\][<>]/.test(
      tip
        .split('\n')
        .filter((l) => l.includes('pid 7'))
        .join(''),
    ),
    'markup escaped',
  );
  assert.ok(tip.includes('⟨U\\+202E⟩') && !tip.includes('\u202E'));
});
