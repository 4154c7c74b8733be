import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { visibleText } from '../../src/core/util/visibleText';
import { plainText } from '../../src/extension/shared/plainText';
import { buildHtmlReport } from '../../src/core/report/htmlReport';
import { readProfile } from '../../src/core/formats/cpu/readProfile';
import { readoutTooltip } from '../../src/core/analysis/gpu/gpuReadout';
import { HANDMADE } from '../helpers';

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
