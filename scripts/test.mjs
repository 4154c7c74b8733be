// `npm test`: every test, on a fresh machine too. Installs what it needs (npm packages, system
// packages, the test VS Code), type-checks and lints, builds and packages the extension, then
// runs the unit tests (plain Node), the integration suites (extension host of a real VS Code)
// and the end-to-end tests (a real VS Code in a real browser). Exits non-zero on any failure.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
process.chdir(ROOT);
const started = Date.now();
const results = [];
// Every step's temporary files (the tests' folders, VS Code's and Chromium's profiles) go into
// one folder of this run, removed at the end: runs leave nothing behind in the system's.
const tmp = mkdtempSync(path.join(tmpdir(), 'flamelens-test-'));
process.env.TMPDIR = tmp;

function step(name, cmd, args, opts = {}) {
  const t0 = Date.now();
  console.log(`\n=== ${name}: ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { stdio: 'inherit', ...opts });
  const ok = r.status === 0;
  results.push({ name, ok, s: ((Date.now() - t0) / 1000).toFixed(1) });
  if (!ok && opts.fatal !== false) finish();
  return ok;
}

function finish() {
  console.log('\n=== summary');
  for (const r of results) console.log(`${r.ok ? 'ok  ' : 'FAIL'} ${r.name} (${r.s} s)`);
  const failed = results.filter((r) => !r.ok).length;
  console.log(`total ${((Date.now() - started) / 1000).toFixed(0)} s`);
  console.log(`${results.length - failed} passed, ${failed} failed`);
  rmSync(tmp, { recursive: true, force: true });
  process.exit(failed === 0 ? 0 : 1);
}

const lock = path.join(ROOT, 'package-lock.json');
const marker = path.join(ROOT, 'node_modules', '.package-lock.json');
if (!existsSync(marker) || statSync(lock).mtimeMs > statSync(marker).mtimeMs) {
  step('install npm packages', 'npm', ['ci', '--no-audit', '--no-fund']);
}
step('system packages', process.execPath, ['scripts/ensure-system.mjs']);
step('types and lint', 'npm', ['run', 'check']);
step('build and package', 'npm', ['run', 'package']);
step('bundle tests', process.execPath, ['scripts/build-tests.mjs']);
step('unit tests (the core in plain Node)', process.execPath, ['--test', '--test-concurrency=2', 'out/unit/'], {
  fatal: false,
});
step(
  'integration tests (processes, the built CLI, loopback servers)',
  process.execPath,
  ['--test', '--test-concurrency=2', 'out/integration/node/'],
  { fatal: false },
);
step('test VS Code (code-server 4.100.3)', process.execPath, ['scripts/setup-code-server.mjs']);
step(
  'integration tests (extension host)',
  process.execPath,
  ['--test', '--test-concurrency=1', 'test/integration/host/'],
  {
    fatal: false,
  },
);
step('end-to-end tests (VS Code in Chromium)', process.execPath, ['--test', '--test-concurrency=1', 'test/e2e/'], {
  fatal: false,
});
finish();
