// The timeline's drawing on a canvas that records its calls, fed the index's real answer for the
// 2021 V100 trace (18,000 kernels, a launch queue counter, GPU busy share): items of one colour
// that touch on a row are filled as one rectangle, every item is covered by a rectangle of its
// colour and nothing else is, and each counter and busy track is one filled path.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { parseTorchTrace, readTorchTrace } from '../../src/core/formats/torch/torchTrace';
import { torchTimeline } from '../../src/core/analysis/torch/torchTimeline';
import { queryWindow } from '../../src/core/analysis/timeline/timelineQuery';
import { firstWindow, outlineOf } from '../../src/core/analysis/timeline/timelineAnswers';
import { CATEGORY_COLORS, drawTimeline } from '../../webview/shared/timeline/timelineDraw';
import {
  BUSY_H,
  COUNTER_H,
  HEADER_H,
  ROW_H,
  laneKey,
  layoutTracks,
  shownIn,
  type Track,
} from '../../webview/shared/timeline/timelineLayout';
import type { TimelineMeta } from '../../src/shared/protocol/torchTrace';
import { manyDevicesTorchTrace } from '../fuzz/hostile';
import { REAL } from '../helpers';

const V100 = path.join(REAL, 'torchtrace_kineto_tb_plugin__resnet50_nw0_worker0_2021-01.pt.trace.json.gz');
const GUTTER = 170;
const RULER = 24;
const WIDTH = GUTTER + 1600;

type Call = { op: string; style: string; args: number[] };

/** A 2D context that records what is drawn (fill style at the time of each call). */
function recorder(calls: Call[]): CanvasRenderingContext2D {
  const state: Record<string, unknown> = { fillStyle: '', strokeStyle: '', font: '', lineWidth: 1, globalAlpha: 1 };
  return new Proxy(state, {
    get(target, key: string) {
      if (key in target) return target[key];
      if (key === 'measureText') return () => ({ width: 7 });
      return (...args: number[]) => calls.push({ op: key, style: String(target.fillStyle), args });
    },
    set(target, key: string, value) {
      target[key] = value;
      return true;
    },
  }) as unknown as CanvasRenderingContext2D;
}

test('items of one colour that touch on a row are one rectangle; every item covered by its colour, nothing else (V100)', async () => {
  const tt = torchTimeline(await readTorchTrace(V100));
  const ix = tt.index;
  const meta = outlineOf(ix, tt.busy, tt.steps);
  const layout = layoutTracks(meta, new Set());
  const names = new Map(ix.names.map((n, i) => [i, n]));
  const rows = [...layout.rowY.keys()];
  let merging = 0;
  for (const [t0, t1] of [
    [0, ix.spanUs],
    [ix.spanUs * 0.4, ix.spanUs * 0.45],
    [ix.spanUs * 0.5, ix.spanUs * 0.5 + 2000],
  ]) {
    const answer = queryWindow(ix, tt.busy, { t0, t1, px: WIDTH - GUTTER, rows });
    const calls: Call[] = [];
    const drawn = drawTimeline({
      ctx: recorder(calls),
      width: WIDTH,
      height: RULER + layout.height,
      gutter: GUTTER,
      rulerH: RULER,
      t0,
      t1,
      scrollTop: 0,
      layout,
      meta,
      answer,
      names,
      colorBy: 'category',
      flows: [],
      matchNames: new Set(),
      theme: { background: '#fff', foreground: '#000', muted: '#777', grid: '#888', selection: '#07d', font: '12px x' },
      collapsed: new Set(),
      steps: [],
    });
    const k = (WIDTH - GUTTER) / (t1 - t0);
    const x = (t: number) => GUTTER + (t - t0) * k;
    // Items as drawn: row's y, colour, thin (merged) or not, screen extent (at least a pixel).
    const items = answer.row.map((r, i) => {
      const x0 = Math.max(GUTTER - 1, x(answer.start[i]));
      return {
        y: RULER + layout.rowY.get(r)!,
        style: CATEGORY_COLORS[answer.cat[i]],
        thin: answer.count[i] > 1,
        x0,
        x1: x0 + Math.max(1, Math.min(WIDTH, x(answer.end[i])) - x0),
        onScreen: x(answer.end[i]) >= GUTTER && x(answer.start[i]) <= WIDTH,
      };
    });
    const shown = items.filter((it) => it.onScreen);
    assert.equal(drawn.items, shown.length, 'items counted as drawn');
    const itemStyles = new Set(CATEGORY_COLORS);
    const rects = calls
      .filter((c) => c.op === 'fillRect' && itemStyles.has(c.style) && (c.args[3] === 14 || c.args[3] === 10))
      .map((c) => ({
        style: c.style,
        thin: c.args[3] === 10,
        y: c.args[1] - (c.args[3] === 10 ? 3 : 1),
        x0: c.args[0],
        x1: c.args[0] + c.args[2],
      }));
    assert.equal(rects.length, drawn.rects, 'one fillRect per rectangle');
    const same = (a: { y: number; style: string; thin: boolean }, b: typeof a) =>
      a.y === b.y && a.style === b.style && a.thin === b.thin;
    for (const it of shown)
      assert.ok(
        rects.some((r) => same(r, it) && r.x0 <= it.x0 + 1e-9 && r.x1 >= it.x1 - 1e-9),
        `item at ${it.x0.toFixed(2)} on y ${it.y} covered by its colour`,
      );
    for (const r of rects) {
      // A rectangle is a chain of its items, each less than half a pixel after the last.
      const inside = shown.filter((it) => same(r, it) && it.x0 >= r.x0 - 1e-9 && it.x1 <= r.x1 + 1e-9);
      assert.ok(inside.length > 0 && Math.abs(inside[0].x0 - r.x0) < 1e-9, 'starts at an item');
      let reach = inside[0].x1;
      for (const it of inside.slice(1)) {
        assert.ok(it.x0 <= reach + 0.5 + 1e-9, `no gap of a pixel or more inside a rectangle (${it.x0 - reach})`);
        reach = Math.max(reach, it.x1);
      }
      assert.ok(Math.abs(reach - r.x1) < 1e-9, 'ends at its last item');
    }
    merging = Math.max(merging, shown.length / Math.max(1, rects.length));
    // Each counter and busy track one path, filled once, not a rectangle per point or pixel.
    const tracks = layout.tracks.filter((t) => t.kind === 'counter' || t.kind === 'busy').length;
    assert.ok(tracks >= 2, 'a counter and a busy track shown');
    assert.equal(calls.filter((c) => c.op === 'fill').length, tracks);
  }
  assert.ok(merging >= 2, `the whole trace at 1600 px drawn in fewer rectangles than items (${merging.toFixed(1)}x)`);
});

/** The layout as it was first written (a pass over every track for each group): the oracle. */
function layoutByScan(meta: TimelineMeta, collapsed: Set<string>): Track[] {
  const tracks: Track[] = [];
  let y = 0;
  const groups: string[] = [];
  for (const g of [...meta.busy, ...meta.lanes, ...meta.counters].map((t) => t.group))
    if (!groups.includes(g)) groups.push(g);
  const laneOrder = (g: string) => {
    const i = meta.lanes.findIndex((l) => l.group === g);
    return i < 0 ? Infinity : i;
  };
  groups.sort((a, b) => laneOrder(a) - laneOrder(b));
  for (const group of groups) {
    const gc = collapsed.has(`group:${group}`);
    tracks.push({ kind: 'group', y, h: HEADER_H, group, collapsed: gc });
    y += HEADER_H;
    if (gc) continue;
    meta.busy.forEach((b, track) => {
      if (b.group === group) tracks.push({ kind: 'busy', y: (y += BUSY_H) - BUSY_H, h: BUSY_H, track });
    });
    meta.counters.forEach((c, track) => {
      if (c.group === group) tracks.push({ kind: 'counter', y: (y += COUNTER_H) - COUNTER_H, h: COUNTER_H, track });
    });
    meta.lanes.forEach((l, lane) => {
      if (l.group !== group) return;
      const lc = collapsed.has(laneKey(l));
      const depth = lc ? Math.min(1, l.depth) : l.depth;
      for (let d = 0; d < depth; d++)
        tracks.push({
          kind: 'row',
          y: (y += ROW_H) - ROW_H,
          h: ROW_H,
          row: l.firstRow + d,
          lane,
          depth: d,
          first: d === 0,
          collapsed: lc,
        });
      if (l.depth === 0)
        tracks.push({
          kind: 'row',
          y: (y += ROW_H) - ROW_H,
          h: ROW_H,
          row: -1,
          lane,
          depth: 0,
          first: true,
          collapsed: lc,
        });
    });
  }
  return tracks;
}

test("2,000 GPUs: the layout is the oracle's, and a window answers only the busy and counter tracks on screen", async () => {
  const trace = parseTorchTrace(manyDevicesTorchTrace(2000), 'many-devices.json');
  const tt = torchTimeline(trace);
  const ix = tt.index;
  const meta = outlineOf(ix, tt.busy, tt.steps);
  assert.equal(meta.busy.length, 2000);
  assert.equal(meta.counters.length, 4000, 'allocated and reserved per device');
  const v100 = torchTimeline(await readTorchTrace(V100));
  for (const [m, collapsed] of [
    [meta, new Set<string>()],
    [meta, new Set(['group:GPU 1', 'group:GPU 7'])],
    [outlineOf(v100.index, v100.busy, v100.steps), new Set<string>()],
  ] as const)
    assert.deepEqual(layoutTracks(m, collapsed).tracks, layoutByScan(m, collapsed));
  const layout = layoutTracks(meta, new Set());
  const shown = shownIn(layout, 0, 600);
  assert.ok(shown.busy.length > 0 && shown.busy.length < 20, `${shown.busy.length} busy tracks on screen`);
  assert.ok(shown.counters.length > 0 && shown.counters.length < 40, `${shown.counters.length} counters on screen`);
  const q = { t0: 0, t1: ix.spanUs, px: 1600 };
  const all = queryWindow(ix, tt.busy, { ...q, rows: shown.rows });
  const some = queryWindow(ix, tt.busy, { ...q, ...shown });
  assert.deepEqual(
    some.busy.map((b) => b.track),
    shown.busy,
  );
  assert.deepEqual(
    some.counters.map((c) => c.track),
    shown.counters,
  );
  for (const b of some.busy)
    assert.deepEqual(
      b,
      all.busy.find((x) => x.track === b.track),
    );
  for (const c of some.counters)
    assert.deepEqual(
      c,
      all.counters.find((x) => x.track === c.track),
    );
  assert.deepEqual(some.row, all.row);
  // The first window: the tracks of the groups not folded, at most 64 of each kind.
  const first = firstWindow(ix, tt.busy, meta, { t0: 0, t1: ix.spanUs, collapsed: ['group:GPU 0'] }, 1600, new Set());
  assert.equal(first.answer.busy.length, 64);
  assert.ok(!first.answer.busy.some((b) => meta.busy[b.track].group === 'GPU 0'), 'a folded group answers none');
  assert.equal(first.answer.counters.length, 64);
});
