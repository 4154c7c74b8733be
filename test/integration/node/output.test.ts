// A profiled program's output reaches the user as it is printed: progress bars (`\r`) while the
// program runs, and output without any line end in bounded pieces rather than all at the end.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { runChild } from '../../../src/core/runners/runChild';
import type { LineEnd } from '../../../src/core/util/lineSplitter';

test('progress redraws arrive while the program runs (it waits for the third before it ends)', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'fl-progress-'));
  const seen = path.join(dir, 'seen');
  const script = path.join(dir, 'progress.py');
  writeFileSync(
    script,
    [
      'import os, sys, time',
      'for i in range(3):',
      '    sys.stdout.write("step %d\\r" % i); sys.stdout.flush()',
      'end = time.time() + 60',
      `while not os.path.exists(${JSON.stringify(seen)}) and time.time() < end: time.sleep(0.05)`,
      `sys.exit(0 if os.path.exists(${JSON.stringify(seen)}) else 3)`,
    ].join('\n'),
  );
  const lines: [string, LineEnd][] = [];
  const r = await runChild(
    'python3',
    [script],
    {
      cwd: dir,
      onOutput: (line, _stream, end) => {
        lines.push([line, end]);
        if (lines.length === 3) writeFileSync(seen, '');
      },
    },
    'builtin',
  );
  assert.equal(r.exitCode, 0, 'the program saw the third progress line arrive before it ended');
  assert.deepEqual(lines, [
    ['step 0', '\r'],
    ['step 1', '\r'],
    ['step 2', '\r'],
  ]);
  assert.ok(existsSync(seen));
});

test('20 MB without a line end comes in pieces of at most 64 KiB', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'fl-noeol-'));
  const pieces: number[] = [];
  const r = await runChild(
    'python3',
    ['-c', 'import sys\nfor _ in range(320): sys.stdout.write("#" * 65536)\n'],
    { cwd: dir, onOutput: (line) => pieces.push(line.length) },
    'builtin',
  );
  assert.equal(r.exitCode, 0);
  assert.equal(
    pieces.reduce((a, b) => a + b, 0),
    320 * 65536,
  );
  assert.ok(
    pieces.every((n) => n <= 65536),
    `largest piece ${Math.max(...pieces)}`,
  );
  assert.ok(pieces.length >= 320);
});
