// Python heap profiles (issue 22, point 4): the tracer's real output on the known-allocation
// program read and analysed (lines, functions, the leak candidate and its fit), the least-squares
// fit on values worked out by hand, and bad files named at the field.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { readFileSync } from 'node:fs';
import { parsePythonMemory } from '../../src/core/formats/memory/pythonMemory';
import {
  analyzePythonMemory,
  fitLine,
  peakBytesByLine,
  peakBytesProfile,
} from '../../src/core/analysis/memory/pythonMemory';
import { analyzeHotPaths } from '../../src/core/analysis/cpu/hotPaths';
import { FormatError } from '../../src/core/formats/formatError';
import { REAL } from '../helpers';

const FILE = path.join(REAL, 'flamelens-memory-tracer_py3.11.7_known_allocations.json');

test('least squares: slope and R² as worked out by hand', () => {
  assert.deepEqual(fitLine([0, 1, 2, 3], [1, 3, 5, 7]), { slope: 2, r2: 1 });
  const f = fitLine([0, 1, 2], [0, 2, 1]); // slope 0.5; r² = 0.25
  assert.ok(Math.abs(f.slope - 0.5) < 1e-12 && Math.abs(f.r2 - 0.25) < 1e-12);
  assert.deepEqual(fitLine([0, 1], [0, 5]), { slope: 0, r2: 0 }, 'two points fit anything: no claim');
});

test("the tracer's real output: lines by bytes, functions, the growing line a leak candidate", () => {
  const a = analyzePythonMemory(parsePythonMemory(readFileSync(FILE, 'utf8'), FILE));
  const mine = a.lines.filter((l) => l.file.endsWith('handmade-memory_known_allocations.py'));
  assert.deepEqual(
    mine.slice(0, 3).map((l) => l.function),
    ['transient', 'grow', 'hold'],
    'by the most each held at the peak or the end',
  );
  const fn = (name: string) => a.functions.find((f) => f.function === name)!;
  assert.ok(fn('hold').netBytes >= 20e6 && fn('hold').netBytes < 20.1e6);
  assert.equal(fn('transient').netBytes, 0);
  assert.deepEqual(
    a.leaks.map((l) => l.function),
    ['grow'],
  );
  assert.ok(a.leaks[0].r2 >= 0.8 && a.leaks[0].bytesPerSecond > 5e6);
  const p = peakBytesProfile(parsePythonMemory(readFileSync(FILE, 'utf8'), FILE));
  assert.equal(p.unit, 'bytes');
  const total = p.threads[0].weights.reduce((x, y) => x + y, 0);
  assert.equal(
    total,
    a.lines.reduce((s, l) => s + l.peakBytes, 0),
    'every byte at the peak, once',
  );
});

test('bytes at the peak as the editor reads a CPU profile: a function is the sum of its lines', () => {
  const profile = parsePythonMemory(readFileSync(FILE, 'utf8'), FILE);
  const hot = analyzeHotPaths(peakBytesByLine(profile));
  const mine = (l: { file?: string }) => l.file?.endsWith('handmade-memory_known_allocations.py');
  for (const l of profile.lines.filter((x) => mine(x) && x.peakBytes > 0)) {
    const heat = hot.lines.find((h) => h.file === l.file && h.line === l.line);
    assert.equal(heat?.total, l.peakBytes, `line ${l.line}`);
  }
  for (const name of ['hold', 'transient']) {
    const f = hot.functions.find((x) => mine(x) && x.name === name);
    const want = profile.lines.filter((l) => mine(l) && l.function === name).reduce((s, l) => s + l.peakBytes, 0);
    assert.ok(want > 0);
    assert.equal(f?.total, want, name);
    assert.equal(f?.self, want, `${name}: its own lines, no callee`);
  }
});

test('bad profiles: the field is named', () => {
  const base = JSON.parse(readFileSync(FILE, 'utf8'));
  const bad = (patch: (d: Record<string, unknown>) => void) => {
    const d = structuredClone(base);
    patch(d);
    return () => parsePythonMemory(JSON.stringify(d), 'p.json');
  };
  assert.throws(
    bad((d) => (d.kind = 'other')),
    /p\.json: expected a flamelens Python memory profile/,
  );
  assert.throws(
    bad((d) => ((d.lines as Record<string, unknown>[])[2].peakBytes = 'x')),
    (e: unknown) => e instanceof FormatError && e.place === 'lines[2].peakBytes',
  );
  assert.throws(
    bad((d) => (d.series as { lines: { bytes: number[] }[] }).lines[0].bytes.pop()),
    /series\.lines\[0\]\.bytes: expected \d+ values \(one per time\)/,
  );
});
