import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { parseCollapsedStacks } from '../../src/core/formats/cpu/collapsedStacks';
import { parseSpeedscope } from '../../src/core/formats/cpu/speedscope';
import { parseAustin } from '../../src/core/formats/cpu/austin';
import { detectFormat, parseProfile } from '../../src/core/formats/cpu/parseProfile';
import { FormatError } from '../../src/core/formats/formatError';
import { parsePySpyFrame } from '../../src/core/formats/cpu/frameSyntax';
import { readProfile } from '../../src/core/formats/cpu/readProfile';
import { totalWeight, weightedStacks } from '../../src/core/model/profile';
import { BUILTIN_FOLDED, HANDMADE, PYSPY_SPEEDSCOPE, read } from '../helpers';

test('py-spy frame syntax: file and line, no line, native, bare, Windows paths with spaces', () => {
  assert.deepEqual(parsePySpyFrame('forward (torch/nn/modules/module.py:1501)'), {
    name: 'forward',
    file: 'torch/nn/modules/module.py',
    line: 1501,
    kind: 'python',
  });
  assert.deepEqual(parsePySpyFrame('main (C:\\Users\\Ann Lee\\proj\\run.py)'), {
    name: 'main',
    file: 'C:\\Users\\Ann Lee\\proj\\run.py',
    kind: 'python',
  });
  assert.deepEqual(parsePySpyFrame('compute (C:\\Users\\Ann Lee\\proj\\lib (v2)\\math.py:3)'), {
    name: 'compute',
    file: 'C:\\Users\\Ann Lee\\proj\\lib (v2)\\math.py',
    line: 3,
    kind: 'python',
  });
  assert.deepEqual(parsePySpyFrame('mkl_blas_sgemm (libmkl_core.so)'), {
    name: 'mkl_blas_sgemm',
    file: 'libmkl_core.so',
    kind: 'native',
  });
  assert.deepEqual(parsePySpyFrame('<module> (<string>:1)'), {
    name: '<module>',
    file: '<string>',
    line: 1,
    kind: 'python',
  });
  assert.deepEqual(parsePySpyFrame('just_a_name'), { name: 'just_a_name', kind: 'other' });
});

test('py-spy raw with --subprocesses --threads --native: process and thread frames become threads', () => {
  const p = parseCollapsedStacks(
    read(path.join(HANDMADE, 'handmade-pyspy-raw-subprocesses-threads-native.folded')),
    'x.folded',
  );
  assert.equal(p.format, 'pyspy-raw');
  assert.equal(totalWeight(p), 120 + 300 + 15 + 60 + 40);
  const names = p.threads.map((t) => t.name).sort();
  assert.deepEqual(names, [
    'process 4242 · MainThread (0x7F3A2B1C0740)',
    'process 4242 · data loader (0x7F3A29FFF700)',
    'process 4243 · thread 0x7F3A11111111',
  ]);
  assert.equal(p.meta['process.4242'], 'python train.py --epochs 1');
  // Thread and process frames are not left in the stacks.
  assert.ok(!p.frames.some((f) => f.name.startsWith('thread (') || f.name.startsWith('process ')));
  const native = p.frames
    .filter((f) => f.kind === 'native')
    .map((f) => f.name)
    .sort();
  assert.deepEqual(native, ['at::native::addmm_out', 'mkl_blas_sgemm']);
});

test('collapsed stacks without line numbers and with Windows paths', () => {
  const p = parseCollapsedStacks(
    read(path.join(HANDMADE, 'handmade-pyspy-raw-nolineno-windows-paths.folded')),
    'w.folded',
  );
  assert.equal(totalWeight(p), 14);
  const compute = p.frames.filter((f) => f.name === 'compute');
  assert.equal(compute.length, 2);
  assert.ok(compute.every((f) => f.file === 'C:\\Users\\Ann Lee\\proj\\lib (v2)\\math.py'));
  assert.deepEqual(compute.map((f) => f.line).sort(), [3, undefined]);
});

test('a corrupt line is reported with the file and line number', () => {
  const file = path.join(HANDMADE, 'handmade-corrupt-line3.folded');
  assert.throws(
    () => parseProfile(read(file), file),
    (e: unknown) => {
      assert.ok(e instanceof FormatError);
      assert.equal(e.file, file);
      assert.equal(e.place, '3');
      assert.match(e.message, /handmade-corrupt-line3\.folded:3: expected a stack .* sample count/);
      return true;
    },
  );
});

test('empty and unknown files are FormatErrors, missing files too', async () => {
  assert.throws(() => parseProfile('', 'empty.folded'), FormatError);
  assert.throws(() => parseProfile('hello world\n', 'x.txt'), /x\.txt:1: unknown profile format/);
  await assert.rejects(readProfile('/no/such/profile.folded'), /\/no\/such\/profile\.folded: no such file/);
});

test('real py-spy 0.4.2 speedscope: four thread profiles, sample counts, root-first stacks', () => {
  const p = parseSpeedscope(read(PYSPY_SPEEDSCOPE), PYSPY_SPEEDSCOPE);
  assert.equal(p.format, 'speedscope');
  assert.equal(p.unit, 'samples', 'uniform sampler weights are read as sample counts');
  assert.equal(p.meta.exporter, 'py-spy@0.4.2');
  assert.equal(p.threads.length, 4);
  const totals = p.threads.map((t) => t.weights.reduce((a, b) => a + b, 0));
  assert.deepEqual(totals, [2, 3186, 3186, 3807]);
  assert.equal(p.threads[3].name, 'Thread 0x1FA08F100 "MainThread"');
  // Root first: every stack of a worker thread starts in threading's _bootstrap.
  const worker = p.threads[1];
  for (const [s] of weightedStacks(worker)) assert.equal(p.frames[s[0]].name, '_bootstrap');
  assert.equal(detectFormat(read(PYSPY_SPEEDSCOPE).slice(0, 4096), 'profile.json'), 'speedscope');
});

test('speedscope evented profile: weights are the time each stack was open', () => {
  const p = parseProfile(read(path.join(HANDMADE, 'handmade-speedscope-evented.speedscope.json')), 'e.json');
  assert.equal(p.unit, 'milliseconds');
  const t = p.threads[0];
  const byStack = new Map([...weightedStacks(t)].map(([s, w]) => [s.map((f) => p.frames[f].name).join(';'), w]));
  assert.deepEqual(Object.fromEntries(byStack), { main: 10 + 30, 'main;load': 10 + 10, 'main;load;parse': 40 });
});

test('speedscope errors name the place', () => {
  const bad = JSON.stringify({
    shared: { frames: [{ name: 'a' }] },
    profiles: [{ type: 'sampled', unit: 'none', samples: [[0, 7]], weights: [1] }],
  });
  assert.throws(
    () => parseSpeedscope(bad, 'b.json'),
    /b\.json:profiles\[0\]\.samples\[0\]\[1\]: expected a frame index between 0 and 0, found 7/,
  );
  assert.throws(
    () => parseSpeedscope('{"shared": ', 'c.json'),
    (e: unknown) => e instanceof FormatError && /c\.json/.test(e.message),
  );
});

test('Austin 1.x: frames followed by L<line> tokens', () => {
  const p = parseProfile(read(path.join(HANDMADE, 'handmade-austin1-line-tokens.austin')), 'a.austin');
  assert.equal(p.format, 'austin');
  assert.equal(p.unit, 'microseconds');
  assert.equal(p.threads.length, 2);
  const busy = p.frames
    .filter((f) => f.name === 'keep_cpu_busy')
    .map((f) => f.line)
    .sort();
  assert.deepEqual(busy, [30, 32, 33]);
  assert.ok(p.frames.every((f) => !/^L\d+$/.test(f.name)));
});

test('Austin 3.x: headers, file:function:line frames, full metrics, drive letters, empty stacks', () => {
  const p = parseAustin(read(path.join(HANDMADE, 'handmade-austin3-headers-fullmetrics.austin')), 'f.austin');
  assert.equal(p.meta.austin, '3.6.0');
  assert.equal(p.meta.mode, 'full');
  assert.equal(totalWeight(p), 21 + 101 + 135 + 50);
  const busy = p.frames.find((f) => f.name === 'busy' && f.line === 5);
  assert.equal(busy?.file, '/home/u/app/work.py');
  const win = p.frames.find((f) => f.name === 'helper');
  assert.deepEqual(win, { name: 'helper', file: 'C:\\app\\win.py', line: 7, kind: 'python' });
});

test('real built-in sampler output: header, threads, hot function', () => {
  const p = parseProfile(read(BUILTIN_FOLDED), BUILTIN_FOLDED);
  assert.equal(p.format, 'flamelens-builtin');
  assert.equal(p.meta.rate, '100');
  assert.equal(Number(p.meta.samples), totalWeight(p));
  assert.ok(p.threads.some((t) => t.name.startsWith('MainThread')));
  assert.ok(p.frames.some((f) => f.name === 'multiply' && f.file?.endsWith('matrix_work.py')));
});

test('detection is by content, not by file name', () => {
  const folded = read(BUILTIN_FOLDED);
  assert.equal(parseProfile(folded, 'renamed.json').format, 'flamelens-builtin');
  assert.equal(
    parseProfile(read(path.join(HANDMADE, 'handmade-austin1-line-tokens.austin')), 'x.folded').format,
    'austin',
  );
  assert.equal(parseProfile(read(PYSPY_SPEEDSCOPE), 'noext').format, 'speedscope');
  assert.equal(parseProfile('\uFEFFa;b 3\n', 'bom.folded').format, 'collapsed');
});

test('detection reads the whole first line, however long (a 900-deep recursion writes ~100 KB)', () => {
  const file = '/home/user/projects/experiment/src/package/module/deep_recursion.py';
  const line = [`<module> (${file}:9)`, ...Array.from({ length: 899 }, () => `recurse (${file}:4)`)].join(';') + ' 3';
  assert.ok(line.length > 65536);
  assert.equal(detectFormat(line + '\n', 'p.txt'), 'collapsed');
  const p = parseProfile(line + '\n', 'p.txt');
  assert.equal(totalWeight(p), 3);
  assert.equal(p.threads[0].frame.length, 901);
});

test('sample counts: negative, NaN, fractional, above 2^53 or adding up past it are errors naming the line', () => {
  const cases: [string, RegExp][] = [
    ['main;g -1\n', /p\.folded:1: expected a sample count of 0 or more after the last space, found "-1"/],
    ['main;f 5\nmain;g NaN\n', /p\.folded:2: expected a sample count of 0 or more .* found "NaN"/],
    ['main;g 1.5\n', /p\.folded:1: expected a whole number of samples, found "1\.5"/],
    ['main;g 9007199254740993\n', /p\.folded:1: the sample count 9007199254740993 is above 2\^53/],
    ['a;b 9007199254740991\na;c 5\n', /p\.folded:2: the sample counts add up to more than 2\^53/],
  ];
  for (const [text, re] of cases) assert.throws(() => parseProfile(text, 'p.folded'), re, text);
  assert.equal(totalWeight(parseProfile('a;b 9007199254740990\na;c 1\n', 'p.folded')), 2 ** 53 - 1);
});

test('text that says what it is gets named: Prometheus metrics and /proc/stat are not profiles', () => {
  const dcgm = read(path.join(HANDMADE, 'handmade-dcgm-exporter-two-gpus-under-load.metrics.txt'));
  assert.throws(() => parseProfile(dcgm, 'm.txt'), /m\.txt: this is Prometheus metrics text/);
  const stat =
    'cpu  4705 356 584 3699176 23060 0 277 0 0 0\ncpu0 1393280 32966 572056 13343292 6130 0 17875 0 0 0\nintr 1 2 3\nctxt 1990473\nbtime 1062191376\n';
  assert.throws(() => parseProfile(stat, 'stat'), /stat: this is a copy of \/proc\/stat/);
  assert.throws(() => parseProfile('cpu0 1 2 3\n', 'x'), /x:1: unknown profile format/);
});
