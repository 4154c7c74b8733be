// CPU profiles in time order (speedscope's "time order"): the samples of a file that says when
// each was taken, as nested spans per thread on the timeline. Checked on py-spy 0.4.2's real
// speedscope output against a count made here from its raw JSON, on the schema's evented form,
// and on hand-written sampler ticks for the errors no real file shows.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseSpeedscope } from '../../src/core/formats/cpu/speedscope';
import { parseCollapsedStacks } from '../../src/core/formats/cpu/collapsedStacks';
import { hasTimeOrder, profileInTime } from '../../src/core/analysis/cpu/timeOrder';
import { torchTimeline, spanDetails } from '../../src/core/analysis/torch/torchTimeline';
import { openFile } from '../../src/core/open/openFile';
import { FormatError } from '../../src/core/formats/formatError';
import type { PyFrame } from '../../src/core/model/torchTrace';
import { HANDMADE, REAL } from '../helpers';

const PYSPY = path.join(REAL, 'yuntongf_cs336-a1__pyspy042_macos_4threads.speedscope.json');
const EVENTED = path.join(HANDMADE, 'handmade-speedscope-evented.speedscope.json');

test('an evented speedscope file in time order: each frame one span, from its open to its close', () => {
  const p = parseSpeedscope(readFileSync(EVENTED, 'utf8'), EVENTED);
  assert.equal(p.threads[0].order?.clock, 'wall');
  const t = profileInTime(p, EVENTED);
  assert.equal(t.form, 'profile');
  // The file's unit is milliseconds: main 0–100, load 10–70, parse 20–60.
  const span = (name: string) => t.python.filter((f) => f.name === name).map((f) => [f.ts, f.dur]);
  assert.deepEqual(span('main'), [[0, 100_000]]);
  assert.deepEqual(span('load'), [[10_000, 60_000]]);
  assert.deepEqual(span('parse'), [[20_000, 40_000]]);
  // On the timeline: one lane, three rows, self time of load what parse leaves of it.
  const tl = torchTimeline(t);
  assert.equal(tl.index.lanes.length, 1);
  assert.equal(tl.index.lanes[0].depth, 3);
  const load = [...tl.index.start.keys()].find((f) => tl.index.names[tl.index.name[f]].startsWith('load'))!;
  assert.equal(tl.index.self[load], 20_000);
  const d = spanDetails(tl, t, load)!;
  assert.deepEqual(
    d.stack.map((s) => `${s.name} ${s.file}:${s.line}`),
    ['load app.py:10', 'main app.py:1'],
  );
});

test("py-spy's real speedscope file in time order: the outermost frames' runs, as counted from its raw samples", () => {
  const text = readFileSync(PYSPY, 'utf8');
  const raw = JSON.parse(text) as {
    shared: { frames: { name: string }[] };
    profiles: { name: string; samples: number[][]; weights: number[] }[];
  };
  const p = parseSpeedscope(text, PYSPY);
  assert.ok(hasTimeOrder(p));
  const t = profileInTime(p, PYSPY);
  assert.equal(t.meta.timeOrder, 'cumulative');
  const tl = torchTimeline(t);
  const ix = tl.index;
  assert.equal(ix.lanes.length, raw.profiles.length, 'a lane per thread');
  for (const rp of raw.profiles) {
    const lane = ix.lanes.find((l) => l.title === `thread ${rp.name}`);
    assert.ok(lane, rp.name);
    // The lane's outermost row: back-to-back samples with the same outermost frame are one
    // span, a change of it starts another.
    const outer: { name: string; start: number; end: number }[] = [];
    for (let f = ix.rowStart[lane.firstRow]; f < ix.rowStart[lane.firstRow + 1]; f++)
      outer.push({ name: ix.names[ix.name[f]], start: ix.start[f], end: ix.end[f] });
    assert.deepEqual(
      outer.map((o) => o.name.replace(/ \(.*$/, '')),
      runNames(rp.samples, raw.shared.frames),
      rp.name,
    );
    // Time is the running sum of the weights (seconds here): the samples fill it end to end.
    const total = rp.weights.reduce((a, w) => a + w, 0) * 1e6;
    const covered = outer.reduce((a, o) => a + o.end - o.start, 0);
    assert.ok(Math.abs(covered - total) < 1, `${rp.name}: spans cover ${covered} µs, the weights add up to ${total}`);
  }
});
test('sampler ticks: samples with their times, a gap closes the open frames, bad ticks name their line', () => {
  const head = '# flamelens-sampler: 1\n# rate: 100\n# samples: 4\n';
  // Hand-written (edge cases): ticks 0 and 10 ms back to back, then a 50 ms gap (idle).
  const stacks = 'thread (0x1): MainThread;main (a.py:1);work (a.py:5) 3\nthread (0x1): MainThread;main (a.py:2) 1\n';
  const ticks = '#@ 0 10000 0\n#@ 10000 10000 0\n#@ 20000 10000 1\n#@ 80000 10000 0\n';
  const p = parseCollapsedStacks(head + stacks + ticks, 'handmade-sampler-ticks.folded');
  assert.equal(p.format, 'flamelens-builtin');
  assert.deepEqual([...p.threads[0].order!.start], [0, 10_000, 20_000, 80_000]);
  const t = profileInTime(p, 'handmade-sampler-ticks.folded');
  const shown = (f: PyFrame) => `${f.name}:${f.line} ${f.ts}+${f.dur}`;
  assert.deepEqual(t.python.map(shown), [
    'main:1 0+20000',
    'work:5 0+20000',
    'main:2 20000+10000',
    'main:1 80000+10000',
    'work:5 80000+10000',
  ]);
  const bad = (tick: string) => () => parseCollapsedStacks(head + stacks + tick, 'ticks.folded');
  const at = (line: number, what: RegExp) => (e: unknown) =>
    e instanceof FormatError && e.message.includes(`ticks.folded:${line}`) && what.test(e.message);
  assert.throws(bad('#@ 0 x 0\n'), at(6, /expected a sampler tick "#@ START DURATION STACK…"/));
  assert.throws(bad('#@ 0 10 2\n'), at(6, /stack numbers between 0 and 1.*found "2"/));
  assert.throws(bad('#@ 50 10 0\n#@ 40 10 0\n'), at(7, /in time order/));
  // Other collapsed files ignore such lines (they are comments), and have no time order.
  const plain = parseCollapsedStacks('main;work 3\n#@ 0 10 0\n', 'plain.folded');
  assert.equal(hasTimeOrder(plain), false);
  assert.throws(
    () => profileInTime(plain, 'plain.folded'),
    (e: unknown) => e instanceof FormatError && /does not say when its samples were taken/.test(e.message),
  );
});

test('the timeline opens a speedscope file in time order; a collapsed file without times says why not', async () => {
  const opened = await openFile(PYSPY, { cacheDir: '', inTime: true });
  assert.equal(opened.kind, 'torch-trace');
  assert.equal(opened.kind === 'torch-trace' && opened.trace.form, 'profile');
  const folded = path.join(REAL, 'flamelens-builtin-sampler1_py3.11.7_matrix_work.folded');
  await assert.rejects(
    openFile(folded, { cacheDir: '', inTime: true }),
    (e: unknown) =>
      e instanceof FormatError &&
      e.message.startsWith(folded) &&
      /built-in sampler, or open a speedscope/.test(e.message),
  );
});

function runNames(samples: number[][], frames: { name: string }[]): string[] {
  const out: string[] = [];
  let last: number | undefined;
  for (const s of samples) {
    if (s[0] !== last && s[0] !== undefined) out.push(frames[s[0]].name);
    last = s[0];
  }
  return out;
}
