import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { visibleText } from '../../src/core/report/visibleText';
import { plainText } from '../../src/extension/plainText';
import { buildHtmlReport } from '../../src/core/report/htmlReport';
import { readProfile } from '../../src/core/formats/readProfile';
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
  const json = JSON.parse(spawnSync(process.execPath, [cli, 'analyze', HOSTILE, '--json'], { encoding: 'utf8' }).stdout);
  assert.ok(json.functions.some((f: { name: string }) => f.name === '\u202Eevil_rtl_fdp.exe'));
});

test('the HTML report embeds names as JSON data: no name can close the data element or add markup', async () => {
  const profile = await readProfile(HOSTILE);
  const html = buildHtmlReport([{ title: '<b>hostile</b>.folded', profile } as { title: string }], { js: '/* bundle */', css: '' }, 'bm9uY2U=');
  const dataStart = html.indexOf('<script type="application/json" id="flamelens-data">');
  const dataEnd = html.indexOf('</script>', dataStart);
  const data = html.slice(dataStart, dataEnd);
  assert.ok(!/<img|<\/script|<svg/i.test(data.slice(data.indexOf('>') + 1)), 'no markup inside the data element');
  assert.ok(html.includes('<title>flamelens: &lt;b&gt;hostile&lt;/b&gt;.folded</title>'));
  assert.match(html, /script-src 'nonce-[^']+'/);
  assert.ok(!/script-src[^;]*unsafe-inline/.test(html));
});
