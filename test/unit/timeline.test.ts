// The timeline's index and its questions, on real traces (the H200 training run of torch 2.11,
// the H100 trace of TraceLens, the 2021 V100 trace) and on hand-made edge cases.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { readTorchTrace, parseTorchTrace } from '../../src/core/formats/torch/torchTrace';
import { torchTimeline, spanDetails } from '../../src/core/analysis/torch/torchTimeline';
import { combineRanks, detailsIn } from '../../src/core/analysis/torch/torchRanksTimeline';
import { gpuBusy } from '../../src/core/analysis/torch/gpuTime';
import { merged, totalLength } from '../../src/core/analysis/torch/gpuIntervals';
import {
  aggregate,
  ancestors,
  children,
  namesMatching,
  queryWindow,
  rowOf,
  spansNamed,
} from '../../src/core/analysis/timeline/timelineQuery';
import { CATEGORIES, TimelineBuilder, type TimelineIndex } from '../../src/core/analysis/timeline/timelineIndex';
import { REAL } from '../helpers';
import { packTimeline } from '../../src/core/report/timelineReport';
import {
  defaultCollapsed,
  firstWindow,
  matchesOf,
  outlineOf,
  shownRows,
} from '../../src/core/analysis/timeline/timelineAnswers';
import { columnBytes, reportDetails, unpackTimeline } from '../../src/core/analysis/timeline/timelinePack';
import { combineIndexes } from '../../src/core/analysis/timeline/timelineCombine';
import { CRITICAL_LANE } from '../../src/core/analysis/torch/timelineIdle';
import { stableOrder } from '../../src/core/analysis/torch/correlationIndex';
import { criticalPath } from '../../src/core/analysis/torch/criticalPath';

const H200 = path.join(REAL, 'h200', 'torch2.11.0-cu130_h200_train.pt.trace.json.gz');
const H100 = path.join(REAL, 'torchtrace_tracelens_h100__gaunernst_bert-small-uncased__1016001.json.gz');
const V100 = path.join(REAL, 'torchtrace_kineto_tb_plugin__resnet50_nw0_worker0_2021-01.pt.trace.json.gz');

const allRows = (ix: TimelineIndex) => Array.from({ length: ix.rows }, (_, i) => i);

/** Rows sorted and disjoint, every span once, depth = spans open at its start on its lane. */
function checkRows(ix: TimelineIndex, spans: number): void {
  assert.equal(ix.start.length, spans, 'every span in the index');
  for (let r = 0; r < ix.rows; r++)
    for (let i = ix.rowStart[r] + 1; i < ix.rowStart[r + 1]; i++) {
      assert.ok(ix.start[i] >= ix.start[i - 1], `row ${r} sorted`);
      assert.ok(ix.start[i] >= ix.end[i - 1] - 1e-3, `row ${r} disjoint at ${i}`);
    }
  const seen = new Uint8Array(spans);
  for (let f = 0; f < spans; f++) {
    assert.equal(ix.flatOf[ix.eventOf[f]], f);
    seen[ix.eventOf[f]]++;
  }
  assert.ok(seen.every((x) => x === 1));
}

for (const [label, file] of [
  ['H200 torch 2.11', H200],
  ['H100', H100],
  ['V100 2021', V100],
] as const) {
  test(`timeline of a real trace (${label}): lanes, rows, and window answers that account for every span`, async () => {
    const trace = await readTorchTrace(file);
    const tt = torchTimeline(trace);
    const ix = tt.index;
    const spans = trace.ops.length + trace.runtime.length + trace.gpu.length + trace.python.length;
    const idleLanes = ix.lanes.filter((l) => l.title.endsWith(' idle'));
    const idleSpans = idleLanes.reduce((n, l) => n + l.spans, 0);
    const critical = ix.lanes.find((l) => l.key === CRITICAL_LANE)!;
    checkRows(ix, spans + idleSpans + critical.spans);
    // The critical path's lane: its stretches add up to each step's path, and say what they are.
    const cp = criticalPath(trace);
    let onLane = 0;
    for (let r = critical.firstRow; r < critical.firstRow + critical.depth; r++)
      for (let f = ix.rowStart[r]; f < ix.rowStart[r + 1]; f++) {
        onLane += ix.end[f] - ix.start[f];
        assert.match(ix.names[ix.name[f]], /^path: /);
      }
    const pathUs = cp.steps.reduce((a, s) => a + s.lengthUs, 0);
    assert.ok(Math.abs(onLane - pathUs) < 1e-6 * pathUs, `${onLane} vs ${pathUs}`);
    const first = spanDetails(tt, trace, ix.rowStart[critical.firstRow])!;
    assert.equal(first.args[0][0], 'critical path');
    assert.ok(ix.lanes.some((l) => l.kind === 'gpu') && ix.lanes.some((l) => l.kind === 'cpu'));
    assert.equal(
      ix.lanes.filter((l) => l.kind === 'gpu').length - idleLanes.length,
      new Set(trace.gpu.map((g) => `${g.device}/${g.stream}`)).size,
    );
    // Each stream's idle lane fills exactly what its activities leave between its first and last.
    for (const lane of idleLanes) {
      const [, device, stream] = /^gpu 0*(\d+) 0*(\d+) idle$/.exec(lane.key)!.map(Number);
      const acts = trace.gpu.filter((g) => g.device + 1e6 === device && g.stream + 1e6 === stream);
      const busy = totalLength(merged(acts));
      const extent = Math.max(...acts.map((g) => g.ts + g.dur)) - Math.min(...acts.map((g) => g.ts));
      let idle = 0;
      for (let r = lane.firstRow; r < lane.firstRow + lane.depth; r++)
        for (let f = ix.rowStart[r]; f < ix.rowStart[r + 1]; f++) {
          assert.equal(CATEGORIES[ix.cat[f]], 'idle');
          idle += ix.end[f] - ix.start[f];
        }
      assert.ok(Math.abs(busy + idle - extent) < 1e-6 * extent + 1e-6, `${lane.key}: ${busy} + ${idle} vs ${extent}`);
    }
    // A window of the whole trace and one of a fifth, at 1600 px: each item's spans add up to
    // the spans that overlap the window, and no row gives more than four items a pixel.
    for (const [t0, t1] of [
      [0, ix.spanUs],
      [ix.spanUs * 0.4, ix.spanUs * 0.6],
    ]) {
      const a = queryWindow(ix, tt.busy, { t0, t1, px: 1600, rows: allRows(ix) });
      let expected = 0;
      for (let f = 0; f < ix.start.length; f++) if (ix.end[f] >= t0 && ix.start[f] <= t1) expected++;
      // Items that cross an edge of the window may hold spans outside it; no others do.
      const total = a.count.reduce((x, y) => x + y, 0);
      const edge = a.count.reduce((x, c, k) => x + (a.start[k] < t0 || a.end[k] > t1 ? c : 0), 0);
      assert.ok(total >= expected && total - expected <= edge, `${total} vs ${expected} (+${edge} at the edges)`);
      const perRow = new Map<number, number>();
      for (const r of a.row) perRow.set(r, (perRow.get(r) ?? 0) + 1);
      for (const [r, c] of perRow) assert.ok(c <= 4 * 1600 + 4, `row ${r}: ${c} items`);
      // Each item shown is a span of its row within the item's extent.
      a.flat.forEach((f, k) => {
        assert.equal(rowOf(ix, f), a.row[k]);
        assert.ok(ix.start[f] >= a.start[k] - 1e-6 && ix.end[f] <= a.end[k] + 1e-6);
      });
    }
    // GPU busy share over the whole trace integrates to the busy time of the GPU time table.
    const whole = queryWindow(ix, tt.busy, { t0: 0, t1: ix.spanUs, px: 1000, rows: [] });
    const busy = gpuBusy(trace);
    whole.busy.forEach((b, k) => {
      const us = b.pct.reduce((x, y) => x + y, 0) * (ix.spanUs / 1000 / 100);
      assert.ok(Math.abs(us - busy[k].busyUs) <= 1e-6 * ix.spanUs + 1e-3, `GPU busy ${us} vs ${busy[k].busyUs}`);
    });
  });
}

test('a kernel selected on the H200 trace: its launch, operator, Python stack at file:line, and the flow', async () => {
  const trace = await readTorchTrace(H200);
  const tt = torchTimeline(trace);
  const ix = tt.index;
  const mm = [...spansNamed(ix, namesMatching(ix, 'xmma_gemm')).spans];
  assert.ok(mm.length > 0, 'GEMM kernels on the timeline');
  const d = spanDetails(tt, trace, mm[0])!;
  assert.equal(d.category, 'kernel');
  assert.match(d.lane, /^GPU 0 · stream \d+$/);
  assert.match(d.launchedBy?.name ?? '', /^cu(da)?LaunchKernel/);
  assert.deepEqual(
    d.flows.map((f) => [f.from, f.to, f.fromRow, f.toRow]),
    [[d.launchedBy!.flat, mm[0], d.launchedBy!.row, rowOf(ix, mm[0])]],
  );
  assert.ok(d.flows[0].toUs >= d.flows[0].fromUs - 1, 'the kernel starts after its launch ends');
  assert.equal(ix.cat[d.launchedBy!.flat], CATEGORIES.indexOf('runtime'));
  assert.match(d.operator?.name ?? '', /^aten::(mm|addmm)$/);
  assert.ok(d.stack.length > 0, 'with_stack frames above the launch');
  assert.ok(
    d.stack.some((f) => /train_capture\.py$/.test(f.file) && f.line > 0),
    JSON.stringify(d.stack),
  );
  assert.ok(d.args.some(([k]) => k === 'grid') && d.args.some(([k]) => k === 'correlation'));
  // The operator knows its kernels, with a flow each from its runtime call.
  const op = spanDetails(tt, trace, d.operator!.flat)!;
  assert.ok(op.launches.some((l) => l.flat === mm[0]));
  assert.equal(op.flows.length, op.launches.length);
  assert.ok(
    op.args.some(([k]) => k === 'input shapes'),
    'record_shapes: the shapes of the operator',
  );
  // Ancestors and children are consistent with each other.
  for (const a of ancestors(ix, d.operator!.flat).slice(0, 1)) assert.ok(children(ix, a).includes(d.operator!.flat));
});

test('a box selection aggregates per name: counts, time inside the range, self time and shares', async () => {
  const trace = await readTorchTrace(H200);
  const ix = torchTimeline(trace).index;
  const rows = aggregate(ix, 0, ix.spanUs * 2);
  const mm = rows.find((r) => r.name === 'aten::mm')!;
  assert.equal(mm.count, trace.ops.filter((o) => o.name === 'aten::mm').length);
  assert.ok(
    Math.abs(mm.totalUs - trace.ops.filter((o) => o.name === 'aten::mm').reduce((a, o) => a + o.dur, 0)) < 1e-6,
  );
  assert.ok(Math.abs(rows.reduce((a, r) => a + r.pct, 0) - 100) < 1e-6);
  const half = aggregate(ix, 0, ix.spanUs / 2);
  assert.ok(half.reduce((a, r) => a + r.totalUs, 0) < rows.reduce((a, r) => a + r.totalUs, 0));
});

test('hand-made edge cases: partial overlaps go a row deeper, zero-length spans, an empty trace', () => {
  const b = new TimelineBuilder();
  const lane = b.laneOf({ key: 'l', group: 'g', title: 't', kind: 'cpu', order: 0 });
  b.add(lane, 0, 100, 'A', 'op');
  b.add(lane, 90, 30, 'B-partial', 'op'); // starts inside A, ends after it
  b.add(lane, 105, 5, 'C', 'op'); // inside B only
  b.add(lane, 130, 0, 'Z', 'op');
  b.add(lane, 10, 20, 'child', 'op');
  const ix = b.build();
  checkRows(ix, 5);
  const depth = (n: string) => ix.rowDepth[rowOf(ix, ix.flatOf[ix.names.indexOf(n)])];
  assert.deepEqual(['A', 'child', 'B-partial', 'C', 'Z'].map(depth), [0, 1, 1, 2, 0]);
  const selfA = ix.self[ix.flatOf[0]];
  assert.equal(selfA, 100 - 20 - 30, "A's self time less its children, the partial one too");
  const empty = new TimelineBuilder().build();
  assert.equal(empty.rows, 0);
  assert.deepEqual(queryWindow(empty, [], { t0: 0, t1: 1, px: 100, rows: [0] }).row, []);
  // A trace of one CPU event only.
  const one = torchTimeline(
    parseTorchTrace(
      '{"traceEvents":[{"ph":"X","cat":"cpu_op","name":"aten::add","ts":5,"dur":2,"pid":1,"tid":1}]}',
      'x.json',
    ),
  );
  assert.equal(one.index.lanes.length, 1);
  assert.equal(one.busy.length, 0);
});

test('spans added in sorted runs (operators, then runtime calls, then frames) index as spans added in order', () => {
  // Spans on a grid of starts (equal starts, partial overlaps), cut into runs of each
  // kind, as a trace's lanes are fed; the same spans fed shuffled, and in 40 runs (a sort).
  let seed = 7;
  const rnd = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
  // Each (start, duration) once: ties of both keep the order of adding, which differs here.
  const seen = new Set<string>();
  const spans = Array.from({ length: 3000 }, (_, i) => ({ ts: rnd(500) * 4, dur: 1 + rnd(3) * 4, name: `s${i}` }))
    .filter((x) => !seen.has(`${x.ts} ${x.dur}`) && seen.add(`${x.ts} ${x.dur}`))
    .map((x, i) => ({ ...x, name: `s${i}` }));
  const columns = (order: number[][]) => {
    const b = new TimelineBuilder();
    const lane = b.laneOf({ key: 'l', group: 'g', title: 't', kind: 'cpu', order: 0 });
    for (const run of order) for (const i of run) b.add(lane, spans[i].ts, spans[i].dur, spans[i].name, 'op');
    const ix = b.build();
    checkRows(ix, spans.length);
    // Ids differ with the order of adding: compare the spans by name, row and place.
    return Array.from(ix.start, (s, f) => `${ix.names[ix.name[f]]}@${s}+${ix.end[f] - s}:${ix.self[f]}`).join();
  };
  const byStart = (ids: number[]) =>
    [...ids].sort((a, b) => spans[a].ts - spans[b].ts || spans[b].dur - spans[a].dur || a - b);
  const all = spans.map((_, i) => i);
  const expected = columns([byStart(all)]);
  const runsOf = (k: number) => Array.from({ length: k }, (_, r) => byStart(all.filter((i) => i % k === r)));
  for (const k of [2, 3, 5, 40]) assert.equal(columns(runsOf(k)), expected, `${k} sorted runs`);
});

test('correlation ids in order: packed integer keys sort as a stable comparator sort does', () => {
  let seed = 11;
  const rnd = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
  const cases = [
    Float64Array.from({ length: 5000 }, () => rnd(300) - 100), // ties, negative ids (memcpy)
    Float64Array.from({ length: 5000 }, () => rnd(2 ** 30) * (rnd(2) ? 1 : -1)),
    Float64Array.from({ length: 5000 }, () => rnd(1000) / 7), // not integers: the comparator
    Float64Array.from([2 ** 51, -(2 ** 51), 3, 3, -0, 0]), // past the packable range
  ];
  for (const keys of cases) {
    const expected = Array.from(keys, (_, i) => i).sort((a, b) => keys[a] - keys[b] || a - b);
    assert.deepEqual(Array.from(stableOrder(keys)), expected);
  }
});

test('a million tiny kernels: the whole window is answered from the pyramid in a few items a pixel', () => {
  const b = new TimelineBuilder();
  const lane = b.laneOf({ key: 'gpu', group: 'GPU 0', title: 'stream 7', kind: 'gpu', order: 1 });
  for (let i = 0; i < 1_000_000; i++) b.add(lane, i * 3, 2, i % 97 === 0 ? 'long' : 'tiny', 'kernel');
  const ix = b.build();
  const a = queryWindow(ix, [], { t0: 0, t1: 3_000_000, px: 1600, rows: [0] });
  assert.ok(a.row.length <= 4 * 1600, `${a.row.length} items`);
  assert.equal(
    a.count.reduce((x, y) => x + y, 0),
    1_000_000,
  );
  const zoom = queryWindow(ix, [], { t0: 300, t1: 330, px: 1600, rows: [0] });
  assert.deepEqual(zoom.count.slice(0, 3), [1, 1, 1], 'zoomed in: the kernels themselves');
  assert.equal(zoom.row.length, 11);
});

test('two real ranks (gloo DDP on the H200) side by side: aligned by step, labelled with their mean step, details per rank', async () => {
  const files = [0, 1].map((r) => path.join(REAL, 'h200', `torch2.11.0-cu130_h200_gloo2_rank${r}.pt.trace.json.gz`));
  const traces = await Promise.all(files.map((f) => readTorchTrace(f)));
  const tts = traces.map((t) => torchTimeline(t));
  const tt = combineRanks(tts, ['rank 0', 'rank 1']);
  const ix = tt.index;
  checkRows(ix, tts[0].index.start.length + tts[1].index.start.length);
  assert.equal(ix.lanes.length, tts[0].index.lanes.length + tts[1].index.lanes.length);
  const groups = [...new Set(ix.lanes.map((l) => l.group.split(' · ')[0]))];
  assert.equal(groups.length, 2);
  assert.match(groups[0], /^rank 0 \(mean step \d+\.\d\d ms(, \+\d+%)?\)$/);
  assert.match(groups[1], /^rank 1 \(mean step \d+\.\d\d ms(, \+\d+%)?\)$/);
  assert.equal(groups.filter((g) => g.includes('+')).length, 1, 'the slower rank says by how much');
  // The first step both recorded starts at the same time in both.
  const first = tts[0].steps[0].name;
  const starts = [0, 1].map((r) => {
    const lanes = ix.lanes.filter((l) => l.group.startsWith(`rank ${r} `));
    for (let f = 0; f < ix.start.length; f++)
      if (
        ix.names[ix.name[f]] === first &&
        lanes.some((l) => rowOf(ix, f) >= l.firstRow && rowOf(ix, f) < l.firstRow + l.depth)
      )
        return ix.start[f];
    return NaN;
  });
  assert.ok(Math.abs(starts[0] - starts[1]) < 1e-6, `${first} at ${starts[0]} and ${starts[1]}`);
  // Window answers over both account for every span, from the combined pyramid too.
  const a = queryWindow(ix, tt.busy, { t0: 0, t1: ix.spanUs, px: 800, rows: allRows(ix) });
  assert.ok(a.count.reduce((x, y) => x + y, 0) >= ix.start.length);
  assert.equal(a.busy.length, 2, 'each rank its GPU busy share');
  // A kernel of rank 1: its launch and operator are rank 1's, found in rank 1's trace.
  const rank1 = ix.lanes.find((l) => l.group.startsWith('rank 1 ') && l.kind === 'gpu')!;
  const k = ix.rowStart[rank1.firstRow];
  const d = detailsIn(tt, traces, k)!;
  assert.match(d.lane, /^rank 1 /);
  assert.ok(['kernel', 'memcpy', 'memset'].includes(d.category), d.category);
  assert.ok(d.launchedBy, 'its runtime call');
  assert.ok(ix.lanes[ix.rowLane[d.launchedBy.row]].group.startsWith('rank 1 '));
  assert.equal(d.flows.length, 1);
});

test('the HTML report carries the index as columns: unpacked in the page it answers as the original; too big, a reason', async () => {
  const trace = await readTorchTrace(H200);
  const tt = torchTimeline(trace);
  const packed = packTimeline(tt);
  assert.ok('columns' in packed);
  const json = JSON.parse(JSON.stringify(packed));
  const back = unpackTimeline(json);
  const ix = tt.index;
  for (const [t0, t1, px] of [
    [0, ix.spanUs, 1600],
    [ix.spanUs * 0.3, ix.spanUs * 0.31, 900],
  ]) {
    const q = { t0, t1, px, rows: allRows(ix) };
    const a = queryWindow(ix, tt.busy, q);
    const b = queryWindow(back.index, back.busy, q);
    assert.deepEqual([b.row, b.start, b.end, b.name, b.count], [a.row, a.start, a.end, a.name, a.count]);
    assert.deepEqual(b.busy, a.busy);
    assert.deepEqual(b.counters, a.counters);
  }
  const op = ix.names.indexOf('aten::mm');
  const f = [...spansNamed(ix, new Set([op])).spans][0];
  const d = reportDetails(back.index, f);
  assert.equal(d.name, 'aten::mm');
  assert.deepEqual(d.stack, spanDetails(tt, trace, f)!.stack.slice(0, d.stack.length), 'the Python frames around it');
  const small = packTimeline(tt, 1000);
  assert.ok(
    'leftOut' in small && /spans need \d+ MiB, over the report's 0 MiB/.test(small.leftOut),
    JSON.stringify(small),
  );
  // Too big with the analyses' lanes, not without: those are left out, and the report says so.
  const optional = ix.lanes.filter((l) => l.optional);
  assert.ok(optional.some((l) => l.title.endsWith('idle')) && optional.some((l) => l.derived), 'idle and path lanes');
  const kept = ix.lanes.filter((l) => !l.optional);
  const keptSpans = kept.reduce((a, l) => a + l.spans, 0);
  const keptCounters = ix.counters.filter((c) => !c.optional);
  const limit = columnBytes(
    keptSpans,
    kept.reduce((a, l) => a + l.depth, 0),
    keptCounters,
  );
  assert.ok(limit < columnBytes(ix.start.length, ix.rows, ix.counters));
  const trimmed = packTimeline(tt, limit);
  assert.ok(
    'columns' in trimmed && /leaves out the idle lanes, launch queues and critical path/.test(trimmed.trimmed!),
  );
  const part = unpackTimeline(JSON.parse(JSON.stringify(trimmed))).index;
  assert.deepEqual(
    part.lanes.map((l) => l.key),
    kept.map((l) => l.key),
  );
  assert.equal(part.start.length, keptSpans);
  assert.deepEqual(
    part.counters.map((c) => c.title),
    keptCounters.map((c) => c.title),
  );
  // Each kept lane answers as in the whole index: the same spans, row by row.
  for (const l of part.lanes) {
    const o = kept.find((k) => k.key === l.key)!;
    const q = { t0: 0, t1: ix.spanUs, px: 1600 };
    for (let d = 0; d < l.depth; d++) {
      const a = queryWindow(ix, [], { ...q, rows: [o.firstRow + d] });
      const b = queryWindow(part, [], { ...q, rows: [l.firstRow + d] });
      assert.deepEqual([b.start, b.end, b.name, b.count, b.self], [a.start, a.end, a.name, a.count, a.self], l.key);
    }
  }
  assert.ok('leftOut' in packTimeline(tt, limit - 1), 'one byte less: the timeline is left out');
});

test('the first window comes with the outline: the kept window or the whole trace, for the lanes the view shows', () => {
  const b = new TimelineBuilder();
  for (let t = 0; t < 6; t++) {
    const lane = b.laneOf({ key: `cpu ${t}`, group: 'process 1', title: `thread ${t}`, kind: 'cpu', order: 0 });
    for (let i = 0; i <= t; i++) {
      b.add(lane, i * 10, 8, `outer${t}`, 'op');
      b.add(lane, i * 10 + 1, 2, `inner${t}`, 'op');
    }
  }
  const ix = b.build();
  const outline = outlineOf(ix, [], []);
  const folded = defaultCollapsed(outline);
  assert.deepEqual(
    folded,
    ['lane:process 1\u0000thread 1', 'lane:process 1\u0000thread 0'],
    'all but the four busiest',
  );
  const rows = shownRows(outline, folded);
  assert.equal(rows.length, 4 * 2 + 2 * 1, 'open lanes all their rows, folded ones their top row');
  const sent = new Set<number>();
  const first = firstWindow(ix, [], outline, undefined, 500, sent);
  const direct = queryWindow(ix, [], { t0: 0, t1: ix.spanUs, px: 500, rows });
  assert.deepEqual(first.answer, direct);
  assert.equal(first.names.length, new Set(direct.name).size, 'each name once');
  const kept = firstWindow(ix, [], outline, { t0: 10, t1: 20, collapsed: [] }, 500, new Set());
  assert.deepEqual([kept.answer.t0, kept.answer.t1], [10, 20]);
  assert.equal(new Set(kept.answer.row).size, shownRows(outline, []).filter((r) => kept.answer.row.includes(r)).length);
  assert.equal(shownRows(outline, ['group:process 1']).length, 0, 'a folded group shows no row');
});

test("a search steps through the trace's own spans, not the critical path's stretches named after them", async () => {
  const trace = await readTorchTrace(H200);
  const ix = torchTimeline(trace).index;
  const critical = ix.lanes.find((l) => l.key === CRITICAL_LANE)!;
  assert.ok(critical.derived);
  const onPath = [...spansNamed(ix, namesMatching(ix, 'aten::mm')).spans].filter(
    (f) => ix.lanes[ix.rowLane[rowOf(ix, f)]] === critical,
  );
  assert.ok(onPath.length > 0, 'aten::mm is on the path: "path: aten::mm" stretches exist');
  const m = matchesOf(ix, 'aten::mm', false, 1000);
  assert.equal(m.total, trace.ops.filter((o) => o.name.includes('aten::mm')).length);
  assert.ok(m.flat.every((f) => ix.lanes[ix.rowLane[rowOf(ix, f)]] !== critical));
});

test('levels where nothing merged carry no counts of their own; answered from them and combined, they are the spans', () => {
  // Kernels of 10 µs, 5 µs apart: nothing merges below a 16 µs bucket (no real trace is this regular).
  const make = (n: number, dur: number) => {
    const b = new TimelineBuilder();
    const lane = b.laneOf({ key: 'gpu', group: 'GPU 0', title: 'stream 7', kind: 'gpu', order: 1 });
    for (let i = 0; i < n; i++) b.add(lane, i * (dur + 5), dur, `k${i % 5}`, 'kernel');
    return b.build();
  };
  const ix = make(20_000, 10);
  const spansOnly = ix.levels.filter((l) => l.start.length === ix.start.length);
  assert.ok(spansOnly.length >= 4, `${spansOnly.length} levels are the spans`);
  for (const l of spansOnly) assert.ok(!l.count && !l.rep && !l.busy, `bucket ${l.bucket}: no columns of its own`);
  const merged = ix.levels.find((l) => l.start.length < ix.start.length)!;
  assert.equal(
    merged.count!.reduce((a, c) => a + c, 0),
    ix.start.length,
  );
  // A window at 1 µs a pixel reads a spans-only level: each item is its span, with its own self time.
  const fine = queryWindow(ix, [], { t0: 1000, t1: 2600, px: 1600, rows: [0] });
  assert.ok(fine.bucket > 0 && fine.bucket <= 1, `bucket ${fine.bucket}`);
  fine.flat.forEach((f, k) => {
    assert.equal(fine.count[k], 1);
    assert.equal(fine.start[k], ix.start[f]);
    assert.equal(fine.self[k], ix.self[f]);
    assert.equal(fine.name[k], ix.name[f]);
  });
  // Side by side with a part whose kernels are short (merged at every level): each part's items
  // still point at its own spans, and the counts add up to both parts' spans.
  const other = make(30_000, 0.2);
  const both = combineIndexes([
    { index: other, label: 'b', offset: 0 },
    { index: ix, label: 'a', offset: 0 },
  ]);
  for (const l of both.levels) {
    const counts = l.count ? l.count.reduce((a, c) => a + c, 0) : l.start.length;
    assert.equal(counts, 50_000, `bucket ${l.bucket}`);
  }
  // At 8 µs a pixel: the short kernels' level merged, the long ones' still the spans.
  const whole = queryWindow(both, [], { t0: 0, t1: 12_800, px: 1600, rows: [0, 1] });
  assert.equal(whole.bucket, 8);
  assert.ok(whole.count.some((c) => c > 1));
  whole.flat.forEach((f, k) => {
    assert.equal(rowOf(both, f), whole.row[k]);
    assert.ok(both.start[f] >= whole.start[k] - 1e-9 && both.end[f] <= whole.end[k] + 1e-9, `item ${k}`);
  });
  assert.ok(new Set(whole.row).size === 2, 'both parts answered');
});
