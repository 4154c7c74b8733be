// What the CLI reads and writes when the paths are not plain files: named pipes, folders, run
// folders, symbolic links, devices, and an output that is also an input. Each is refused (or, for
// a run folder, read) at once, naming the path; nothing the user had is changed.
import { before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync, execFileSync } from 'node:child_process';
import {
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readlinkSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { BUILTIN_FOLDED, CLI, ensureBuilt } from '../../helpers';
import { writeGzipBomb } from '../../fuzz/hostile';

before(() => ensureBuilt());

function cli(args: string[], cwd: string) {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, timedOut: r.error !== undefined };
}

test('a named pipe, a folder and a device are refused before they are opened; a run folder is read', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'fl-special-'));
  const fifo = path.join(dir, 'pipe.folded');
  execFileSync('mkfifo', [fifo]);
  for (const command of [
    ['analyze', fifo],
    ['report', fifo, '-o', path.join(dir, 'r.html')],
    ['diff', fifo, BUILTIN_FOLDED],
  ]) {
    const r = cli(command, dir);
    assert.ok(!r.timedOut, `${command[0]} on a FIFO returns instead of blocking`);
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.stderr.trim(), `flamelens: ${fifo}: this is a named pipe (FIFO), not a regular file`);
  }
  const folder = cli(['analyze', dir], dir);
  assert.equal(folder.code, 1);
  assert.match(
    folder.stderr,
    /this is a folder: give a profile, trace or report file, or a run folder \(with run\.json\)/,
  );
  const device = cli(['analyze', '/dev/null'], dir);
  assert.equal(device.code, 1);
  assert.match(device.stderr, /\/dev\/null: this is a character device, not a regular file/);

  // A run folder: analyze reads the run's profile.
  const run = path.join(dir, '.flamelens', 'runs', '20260101-000000-000-matrix');
  mkdirSync(run, { recursive: true });
  copyFileSync(BUILTIN_FOLDED, path.join(run, 'profile.folded'));
  writeFileSync(
    path.join(run, 'run.json'),
    JSON.stringify({
      schema: 1,
      id: 'x',
      name: 'm',
      kind: 'cpu',
      createdAt: '',
      status: 'completed',
      command: [],
      cwd: dir,
      sampler: 'builtin',
      rateHz: 100,
      output: 'profile.folded',
      format: 'collapsed',
    }),
  );
  const fromRun = cli(['analyze', run, '--json'], dir);
  assert.equal(fromRun.code, 0, fromRun.stderr);
  const direct = cli(['analyze', path.join(run, 'profile.folded'), '--json'], dir);
  assert.deepEqual(JSON.parse(fromRun.stdout), JSON.parse(direct.stdout));
});

test('-o never replaces a link, a pipe, a device or an input; -o - writes to standard output', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'fl-output-'));
  const input = path.join(dir, 'x.folded');
  cpSync(BUILTIN_FOLDED, input);
  const before = readFileSync(input, 'utf8');

  const self = cli(['report', input, '-o', input], dir);
  assert.equal(self.code, 1);
  assert.match(self.stderr, /x\.folded: is also an input of this command/);
  assert.equal(readFileSync(input, 'utf8'), before, 'the input is untouched');
  const exported = cli(['export', input, '--format', 'collapsed', '-o', input], dir);
  assert.equal(exported.code, 1);
  assert.equal(readFileSync(input, 'utf8'), before);

  const kept = path.join(dir, 'kept.html');
  writeFileSync(kept, 'mine');
  const link = path.join(dir, 'link.html');
  symlinkSync(kept, link);
  const viaLink = cli(['report', input, '-o', link], dir);
  assert.equal(viaLink.code, 1);
  assert.match(viaLink.stderr, /link\.html: is a symbolic link/);
  assert.equal(readlinkSync(link), kept, 'the link is still a link');
  assert.equal(readFileSync(kept, 'utf8'), 'mine');

  const fifo = path.join(dir, 'out.fifo');
  execFileSync('mkfifo', [fifo]);
  const toFifo = cli(['report', input, '-o', fifo], dir);
  assert.equal(toFifo.code, 1);
  assert.match(toFifo.stderr, /out\.fifo: is not a regular file/);
  const toDevice = cli(['export', input, '--format', 'collapsed', '-o', '/dev/full'], dir);
  assert.equal(toDevice.code, 1);
  assert.ok(existsSync('/dev/full'));

  const stdout = cli(['export', input, '--format', 'speedscope', '-o', '-'], dir);
  assert.equal(stdout.code, 0, stdout.stderr);
  assert.equal(JSON.parse(stdout.stdout).exporter, 'flamelens');
  const html = cli(['report', input, '-o', '-'], dir);
  assert.equal(html.code, 0, html.stderr);
  assert.match(html.stdout, /^<!DOCTYPE html>/);
  assert.equal(html.stderr, '');
});

test('a gzipped or UTF-16 profile reads like the plain one; a gzip bomb stops at the limit, in bounded memory', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'fl-encodings-'));
  const plain = cli(['analyze', BUILTIN_FOLDED, '--json'], dir);
  assert.equal(plain.code, 0, plain.stderr);
  const want = JSON.parse(plain.stdout).functions;
  writeFileSync(path.join(dir, 'p.folded.gz'), gzipSync(readFileSync(BUILTIN_FOLDED)));
  // What Windows PowerShell's `>` writes: UTF-16LE with a byte order mark.
  writeFileSync(
    path.join(dir, 'p-utf16.folded'),
    Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(readFileSync(BUILTIN_FOLDED, 'utf8'), 'utf16le')]),
  );
  for (const f of ['p.folded.gz', 'p-utf16.folded']) {
    const r = cli(['analyze', f, '--json'], dir);
    assert.equal(r.code, 0, `${f}: ${r.stderr}`);
    assert.deepEqual(JSON.parse(r.stdout).functions, want, f);
  }
  // 1 GiB of "[" in 1 MB of gzip: the trace reader stops at 64 MiB of one unterminated value.
  await writeGzipBomb(path.join(dir, 'bomb.json.gz'), 2 ** 30);
  const rss = path.join(dir, 'rss.cjs');
  writeFileSync(rss, "process.on('exit', () => process.stderr.write(`maxrss ${process.resourceUsage().maxRSS}\\n`));");
  const r = spawnSync(process.execPath, ['--require', rss, CLI, 'analyze', 'bomb.json.gz'], {
    cwd: dir,
    encoding: 'utf8',
  });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /bomb\.json\.gz:uncompressed offset \d+: an event that goes on for more than 64 MiB/);
  const kb = Number(/maxrss (\d+)/.exec(r.stderr)![1]);
  assert.ok(kb < 400 * 1024, `peak resident memory ${(kb / 1024).toFixed(0)} MB for 1 GiB inflated`);
  // A gzipped profile that inflates past what a string holds is refused by name, also early.
  await writeGzipBomb(path.join(dir, 'big.folded.gz'), 600 * 2 ** 20, 'x');
  const big = cli(['analyze', 'big.folded.gz'], dir);
  assert.equal(big.code, 1);
  assert.match(big.stderr, /big\.folded\.gz:uncompressed offset \d+: the file inflates to more than 500 MiB/);
});
