// What the built bundles carry: the extension leaves out the nvidia-smi XML reader (it has no view
// of those logs, and its parser would cost every activation), the CLI reads them; every view
// folder has its script and stylesheet.
import { before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { CLI, ensureBuilt, REAL, ROOT } from '../../helpers';

before(() => ensureBuilt());

test('the XML parser is in the CLI, not in the extension; the CLI reads an XML log', () => {
  // A message of the XML reader: its strings survive minification, its names do not.
  const xmlReader = 'expected at least one <gpu> in the nvidia-smi XML';
  const extension = readFileSync(path.join(ROOT, 'dist', 'extension.js'), 'utf8');
  assert.ok(!extension.includes(xmlReader), 'the extension bundle has no XML reader');
  assert.ok(readFileSync(CLI, 'utf8').includes(xmlReader), 'the CLI bundle has it');
  const r = spawnSync(
    process.execPath,
    [CLI, 'analyze', path.join(REAL, 'nvidia_smi', 'a100-sxm4-v12.xml'), '--json'],
    {
      encoding: 'utf8',
    },
  );
  assert.equal(r.status, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).kind, 'gpu-telemetry');
});

test('every webview/<view>/main.ts is built into dist/webview/<view>.js and .css', () => {
  const views = readdirSync(path.join(ROOT, 'webview')).filter((d) =>
    existsSync(path.join(ROOT, 'webview', d, 'main.ts')),
  );
  assert.ok(views.length >= 7, views.join(', '));
  for (const v of views) {
    assert.ok(existsSync(path.join(ROOT, 'dist', 'webview', `${v}.js`)), `${v}.js`);
    assert.ok(existsSync(path.join(ROOT, 'dist', 'webview', `${v}.css`)), `${v}.css`);
  }
});
