// Counter tracks in window answers: at most two points a pixel, each pixel's highest value (a
// memory peak must survive any zoom), read through block maxima. Checked against a pass over
// every point, on real traces' counters (the 2021 V100 trace's launch queue, 18,484 changes; the
// H200 trace's memory) and on a hand-made counter of 200,000 points (NaN values, repeated times,
// given out of order).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { readTorchTrace } from '../../src/core/formats/torch/torchTrace';
import { torchTimeline } from '../../src/core/analysis/torch/torchTimeline';
import { queryWindow } from '../../src/core/analysis/timeline/timelineQuery';
import { TimelineBuilder, type CounterTrack } from '../../src/core/analysis/timeline/timelineIndex';
import { REAL } from '../helpers';

const H200 = path.join(REAL, 'h200', 'torch2.11.0-cu130_h200_gpu_waits.pt.trace.json.gz');
const V100 = path.join(REAL, 'torchtrace_kineto_tb_plugin__resnet50_nw0_worker0_2021-01.pt.trace.json.gz');

/** Each pixel's highest value by a pass over every point of the window (the point before it included). */
function reference(c: CounterTrack, t0: number, t1: number, px: number): { t: number[]; v: number[] } {
  let from = 0;
  while (from < c.t.length && c.t[from] <= t0) from++;
  from = Math.max(0, from - 1);
  let to = from;
  while (to < c.t.length && c.t[to] <= t1) to++;
  const t: number[] = [];
  const v: number[] = [];
  if (to - from <= 2 * px) {
    for (let i = from; i < to; i++) {
      t.push(c.t[i]);
      v.push(c.v[i]);
    }
    return { t, v };
  }
  const usPerPx = (t1 - t0) / px;
  let i = from;
  for (let p = 0; p < px && i < to; p++) {
    const at = c.t[i];
    let max = -Infinity;
    while (i < to && c.t[i] < t0 + (p + 1) * usPerPx) max = Math.max(max, c.v[i++]);
    if (max > -Infinity) {
      t.push(at);
      v.push(max);
    }
  }
  return { t, v };
}

function checkWindows(
  counters: CounterTrack[],
  query: (t0: number, t1: number, px: number) => ReturnType<typeof queryWindow>,
) {
  let perPixel = 0;
  for (const [k, c] of counters.entries()) {
    const first = c.t[0];
    const last = c.t[c.t.length - 1];
    const span = last - first || 1;
    for (const [a, b] of [
      [first - 1, last + 1],
      [first + span * 0.1, first + span * 0.35],
      [first + span * 0.49, first + span * 0.5],
    ])
      for (const px of [3, 17, 160, 1600]) {
        const got = query(a, b, px).counters[k];
        const want = reference(c, a, b, px);
        assert.deepEqual({ t: got.t, v: got.v }, want, `${c.title}: [${a}, ${b}] at ${px} px`);
        assert.ok(got.t.length <= 2 * px, `${got.t.length} points for ${px} px`);
        if (want.t.length < ((b - a) / span) * c.t.length - 1) perPixel++;
      }
  }
  assert.ok(perPixel > 0, 'some windows were answered per pixel');
}

for (const [label, file, title] of [
  ['V100 2021', V100, 'stream 7 queue'],
  ['H200 torch 2.11', H200, 'allocated'],
])
  test(`a real trace's counters answer each pixel's highest value at every zoom (${label})`, async () => {
    const tt = torchTimeline(await readTorchTrace(file));
    const counters = tt.index.counters;
    assert.ok(
      counters.some((c) => c.title === title && c.t.length > 500),
      `the ${title} counter`,
    );
    checkWindows(counters, (t0, t1, px) => queryWindow(tt.index, [], { t0, t1, px, rows: [] }));
  });

test('a counter of 200,000 points out of order, with NaN values and repeated times, answers as a pass over every point', () => {
  const n = 200_000;
  let seed = 7;
  const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const t = new Float64Array(n);
  const v = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    t[i] = Math.floor(rand() * 1e6) / 4;
    v[i] = i % 9973 === 0 ? NaN : Math.floor(rand() * 1000) - (i % 5 === 0 ? 2000 : 0);
  }
  t[5] = NaN;
  const b = new TimelineBuilder();
  b.counter({ title: 'queue', group: 'GPU 0', unit: 'count', t, v });
  const ix = b.build();
  const c = ix.counters[0];
  assert.equal(c.t.length, n - 1, 'the point without a time is left out');
  for (let i = 1; i < c.t.length; i++) assert.ok(c.t[i - 1] <= c.t[i], 'in time order');
  checkWindows(ix.counters, (t0, t1, px) => queryWindow(ix, [], { t0, t1, px, rows: [] }));
});
