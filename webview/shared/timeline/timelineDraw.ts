// Draws the timeline on one 2D canvas from what the host answered for a window: the ruler, the
// lane labels, GPU busy share and counters, every item (spans, and merged runs of spans
// narrower than a pixel, drawn thinner), step markers, the selection, search matches, flow arrows
// from a launch to its kernel, and the box being selected. Items are filled a colour at a time
// (one fillStyle per colour, not per item); labels only where an item is wide enough to read.
import type { WindowAnswer } from '../../../src/core/analysis/timeline/timelineQuery';
import type { Flow, StepMark } from '../../../src/core/analysis/torch/torchTimeline';
import type { TimelineMeta } from '../../../src/shared/protocol/torchTrace';
import { HIGHLIGHT, LABEL_COLOR, nameHash } from '../flamePalette';
import { seriesColor } from '../chartKit';
import type { Layout, Track } from './timelineLayout';
import { formatDuration, tickLabel, tickStep } from './timeAxis';

/** By category, in CATEGORIES' order: light colours that keep the dark label at WCAG AA. */
export const CATEGORY_COLORS = [
  'rgb(122,172,232)', // op
  'rgb(196,176,236)', // annotation
  'rgb(142,204,142)', // python
  'rgb(240,202,112)', // runtime
  'rgb(242,146,124)', // kernel
  'rgb(118,212,212)', // memcpy
  'rgb(176,214,122)', // memset
  'rgb(236,154,214)', // communication
  'rgb(204,204,204)', // step
  'rgb(182,202,232)', // range
  'rgb(236,170,110)', // sample
  'rgb(190,190,190)', // other
  'rgb(226,226,214)', // idle (a GPU stream's gaps, by cause)
];

/** By name: a hue from the name, lightness high enough for the dark label (HSL 60%, 72%). */
export function nameColor(name: string): string {
  const h = nameHash(name) * 6;
  const c = (1 - Math.abs(2 * 0.72 - 1)) * 0.6;
  const x = c * (1 - Math.abs((h % 2) - 1));
  const [r, g, b] =
    h < 1 ? [c, x, 0] : h < 2 ? [x, c, 0] : h < 3 ? [0, c, x] : h < 4 ? [0, x, c] : h < 5 ? [x, 0, c] : [c, 0, x];
  const m = 0.72 - c / 2;
  const to = (v: number) => Math.round((v + m) * 255);
  return `rgb(${to(r)},${to(g)},${to(b)})`;
}

export interface Theme {
  background: string;
  foreground: string;
  muted: string;
  grid: string;
  selection: string;
  font: string;
}

export interface DrawInput {
  ctx: CanvasRenderingContext2D;
  width: number;
  height: number;
  gutter: number;
  rulerH: number;
  t0: number;
  t1: number;
  scrollTop: number;
  layout: Layout;
  meta: TimelineMeta;
  answer?: WindowAnswer;
  names: Map<number, string>;
  colorBy: 'category' | 'name';
  selected?: { row: number; start: number; end: number };
  flows: Flow[];
  matchNames: Set<number>;
  box?: { t0: number; t1: number; y0: number; y1: number };
  theme: Theme;
  collapsed: Set<string>;
  steps: StepMark[];
}

export function drawTimeline(d: DrawInput): { items: number; rects: number } {
  const { ctx, width, height, gutter, rulerH, t0, t1, theme } = d;
  const plotW = Math.max(1, width - gutter);
  const k = plotW / Math.max(1e-9, t1 - t0);
  const x = (t: number) => gutter + (t - t0) * k;
  const yOf = (track: Track) => rulerH + track.y - d.scrollTop;
  ctx.fillStyle = theme.background;
  ctx.fillRect(0, 0, width, height);
  ctx.font = theme.font;
  ctx.textBaseline = 'middle';
  const visible = d.layout.tracks.filter((t) => yOf(t) + t.h > rulerH && yOf(t) < height);
  const rowScreenY = new Map<number, number>();
  for (const t of visible) if (t.kind === 'row') rowScreenY.set(t.row, yOf(t));

  ctx.save();
  ctx.beginPath();
  ctx.rect(gutter, rulerH, plotW, height - rulerH);
  ctx.clip();
  // Busy share and counters: each a step area filled as one path (one draw call, not a
  // rectangle per pixel or point).
  for (const t of visible) {
    const y = yOf(t);
    const base = y + t.h - 2;
    if (t.kind === 'busy') {
      const b = d.answer?.busy.find((a) => a.track === t.track);
      ctx.fillStyle = seriesColor(0);
      if (b) {
        const w = Math.max(1, plotW / b.t.length);
        fillSteps(
          ctx,
          base,
          b.t.length,
          (i) => x(b.t[i]),
          (i) => x(b.t[i]) + w,
          (i) => ((t.h - 4) * b.pct[i]) / 100,
        );
      }
    } else if (t.kind === 'counter') {
      const c = d.answer?.counters.find((a) => a.track === t.track);
      const max = d.meta.counters[t.track].max || 1;
      ctx.fillStyle = seriesColor(t.track + 1);
      if (c) {
        const x1 = (i: number) => (i + 1 < c.t.length ? x(c.t[i + 1]) : x(t1));
        fillSteps(
          ctx,
          base,
          c.t.length,
          (i) => Math.max(gutter, x(c.t[i])),
          (i) => Math.max(x1(i), Math.max(gutter, x(c.t[i])) + 1),
          (i) => (x1(i) > Math.max(gutter, x(c.t[i])) ? ((t.h - 4) * c.v[i]) / max : 0),
        );
      }
    }
  }
  // Items, bucketed by colour; in a row, items of one colour that touch on screen (less than
  // half a pixel apart) are filled as one rectangle. The canvas's cost is per rectangle: a dense
  // row at a coarse level answers an item every few pixels, mostly of one colour.
  let items = 0;
  let rects = 0;
  const a = d.answer;
  const labels: number[] = [];
  if (a) {
    const buckets = new Map<string, number[]>();
    let runKey = '';
    let runRow = -1;
    let runX0 = 0;
    let runX1 = 0;
    let runY = 0;
    const flush = () => {
      if (runRow < 0) return;
      const list = buckets.get(runKey) ?? buckets.set(runKey, []).get(runKey)!;
      list.push(runX0, runY, runX1 - runX0);
      rects++;
    };
    for (let i = 0; i < a.row.length; i++) {
      const y = rowScreenY.get(a.row[i]);
      if (y === undefined) continue;
      const xs = x(a.start[i]);
      const xe = x(a.end[i]);
      if (xe < gutter || xs > width) continue;
      const name = d.names.get(a.name[i]) ?? '';
      let color = d.colorBy === 'name' ? nameColor(name) : (CATEGORY_COLORS[a.cat[i]] ?? CATEGORY_COLORS[11]);
      if (d.matchNames.size > 0 && d.matchNames.has(a.name[i])) color = HIGHLIGHT;
      const key = a.count[i] > 1 ? `${color}|m` : color;
      if (xe - xs >= 28) labels.push(i);
      items++;
      const x0 = Math.max(gutter - 1, xs);
      const x1 = x0 + Math.max(1, Math.min(width, xe) - x0);
      if (a.row[i] === runRow && key === runKey && x0 <= runX1 + 0.5) {
        if (x1 > runX1) runX1 = x1;
        continue;
      }
      flush();
      runRow = a.row[i];
      runKey = key;
      runX0 = x0;
      runX1 = x1;
      runY = y;
    }
    flush();
    for (const [key, list] of buckets) {
      // Merged runs are drawn thinner (not paler: the label keeps its contrast in every theme).
      const merged = key.endsWith('|m');
      ctx.fillStyle = merged ? key.slice(0, -2) : key;
      for (let j = 0; j < list.length; j += 3)
        if (merged) ctx.fillRect(list[j], list[j + 1] + 3, list[j + 2], 10);
        else ctx.fillRect(list[j], list[j + 1] + 1, list[j + 2], 14);
    }
    ctx.fillStyle = LABEL_COLOR;
    const charW = ctx.measureText('m').width * 0.85 || 7;
    for (const i of labels) {
      const y = rowScreenY.get(a.row[i])!;
      const x0 = Math.max(gutter, x(a.start[i]));
      const w = Math.min(width, x(a.end[i])) - x0;
      if (w < 28) continue;
      const name = d.names.get(a.name[i]) ?? '';
      const text = a.count[i] > 1 ? `${a.count[i]} × ${name}` : name;
      const fit = Math.floor((w - 6) / charW);
      if (fit < 2) continue;
      ctx.fillText(text.length > fit ? `${text.slice(0, fit - 1)}…` : text, x0 + 3, y + 8, w - 4);
    }
  }
  // Steps, selection, flows, box.
  ctx.strokeStyle = theme.grid;
  ctx.setLineDash([4, 4]);
  for (const s of d.steps) {
    const sx = x(s.start);
    if (sx < gutter || sx > width) continue;
    ctx.beginPath();
    ctx.moveTo(sx + 0.5, rulerH);
    ctx.lineTo(sx + 0.5, height);
    ctx.stroke();
  }
  ctx.setLineDash([]);
  if (d.selected) {
    const y = rowScreenY.get(d.selected.row);
    if (y !== undefined) {
      ctx.strokeStyle = theme.selection;
      ctx.lineWidth = 2;
      const x0 = x(d.selected.start);
      ctx.strokeRect(x0, y, Math.max(2, x(d.selected.end) - x0), 16);
      ctx.lineWidth = 1;
    }
  }
  for (const f of d.flows)
    drawFlow(ctx, x(f.fromUs), rowScreenY.get(f.fromRow), x(f.toUs), rowScreenY.get(f.toRow), theme);
  if (d.box) {
    ctx.fillStyle = theme.selection;
    ctx.globalAlpha = 0.15;
    const x0 = x(Math.min(d.box.t0, d.box.t1));
    const x1 = x(Math.max(d.box.t0, d.box.t1));
    ctx.fillRect(x0, rulerH, x1 - x0, height - rulerH);
    ctx.globalAlpha = 1;
  }
  ctx.restore();
  drawRuler(d, x, plotW);
  drawGutter(d, visible, yOf);
  return { items, rects };
}

/**
 * Fills the step area of `n` steps (step i from x0(i) to x1(i), h(i) high above `base`) as one
 * path: a polygon per run of touching steps, a gap where a step has no height.
 */
function fillSteps(
  ctx: CanvasRenderingContext2D,
  base: number,
  n: number,
  x0: (i: number) => number,
  x1: (i: number) => number,
  h: (i: number) => number,
): void {
  ctx.beginPath();
  let open = false;
  let end = 0;
  for (let i = 0; i < n; i++) {
    const hi = h(i);
    const a = x0(i);
    if (open && (!(hi > 0) || a > end + 0.5)) {
      ctx.lineTo(end, base);
      open = false;
    }
    if (!(hi > 0)) continue;
    // A step that starts inside the last one (widened to a pixel) starts where it ends.
    const from = open ? Math.max(a, end) : a;
    if (!open) ctx.moveTo(from, base);
    open = true;
    ctx.lineTo(from, base - hi);
    end = Math.max(from + 1, x1(i));
    ctx.lineTo(end, base - hi);
  }
  if (open) ctx.lineTo(end, base);
  ctx.fill();
}

function drawFlow(
  ctx: CanvasRenderingContext2D,
  x0: number,
  y0: number | undefined,
  x1: number,
  y1: number | undefined,
  theme: Theme,
): void {
  if (y0 === undefined || y1 === undefined) return;
  const a = y0 + 8;
  const b = y1 + 8;
  ctx.strokeStyle = theme.foreground;
  ctx.fillStyle = theme.foreground;
  ctx.lineWidth = 1.5;
  ctx.beginPath();
  ctx.moveTo(x0, a);
  const mid = (a + b) / 2;
  ctx.bezierCurveTo(x0, mid, x1, mid, x1, b);
  ctx.stroke();
  const dir = b >= a ? 1 : -1;
  ctx.beginPath();
  ctx.moveTo(x1, b);
  ctx.lineTo(x1 - 4, b - 7 * dir);
  ctx.lineTo(x1 + 4, b - 7 * dir);
  ctx.closePath();
  ctx.fill();
  ctx.lineWidth = 1;
}

function drawRuler(d: DrawInput, x: (t: number) => number, plotW: number): void {
  const { ctx, width, gutter, rulerH, t0, t1, theme } = d;
  ctx.fillStyle = theme.background;
  ctx.fillRect(0, 0, width, rulerH);
  ctx.strokeStyle = theme.grid;
  ctx.beginPath();
  ctx.moveTo(0, rulerH - 0.5);
  ctx.lineTo(width, rulerH - 0.5);
  ctx.stroke();
  const step = tickStep(t1 - t0, plotW);
  ctx.fillStyle = theme.foreground;
  ctx.textBaseline = 'middle';
  for (let t = Math.ceil(t0 / step) * step; t <= t1; t += step) {
    const tx = Math.round(x(t)) + 0.5;
    ctx.beginPath();
    ctx.moveTo(tx, rulerH - 6);
    ctx.lineTo(tx, rulerH);
    ctx.stroke();
    ctx.fillText(tickLabel(t, step, Math.max(Math.abs(t0), Math.abs(t1))), tx + 3, rulerH / 2 - 2);
  }
  ctx.fillStyle = theme.muted;
  ctx.fillText(`window ${formatDuration(t1 - t0)}`, 6, rulerH / 2 - 2, gutter - 10);
}

function drawGutter(d: DrawInput, visible: Track[], yOf: (t: Track) => number): void {
  const { ctx, gutter, rulerH, height, theme, meta } = d;
  ctx.save();
  ctx.beginPath();
  ctx.rect(0, rulerH, gutter, height - rulerH);
  ctx.clip();
  ctx.fillStyle = theme.background;
  ctx.fillRect(0, rulerH, gutter, height - rulerH);
  ctx.strokeStyle = theme.grid;
  ctx.beginPath();
  ctx.moveTo(gutter - 0.5, rulerH);
  ctx.lineTo(gutter - 0.5, height);
  ctx.stroke();
  const labelled = new Set<number>();
  for (const t of visible) {
    const y = yOf(t);
    const mid = y + t.h / 2;
    if (t.kind === 'group') {
      ctx.fillStyle = theme.foreground;
      ctx.fillText(`${t.collapsed ? '▸' : '▾'} ${t.group}`, 4, mid, gutter - 8);
      ctx.strokeStyle = theme.grid;
      ctx.beginPath();
      ctx.moveTo(0, y + 0.5);
      ctx.lineTo(d.width, y + 0.5);
      ctx.stroke();
    } else if (t.kind === 'row' && (t.first || !labelled.has(t.lane))) {
      // The lane's name stays in sight while any of its rows is (scrolled past its first row).
      labelled.add(t.lane);
      const l = meta.lanes[t.lane];
      ctx.fillStyle = theme.foreground;
      const toggle = l.depth > 1 ? (t.collapsed ? '▸ ' : '▾ ') : '  ';
      ctx.fillText(`${toggle}${l.title}`, 14, Math.max(mid, rulerH + t.h / 2), gutter - 18);
    } else if (t.kind === 'counter') {
      const c = meta.counters[t.track];
      ctx.fillStyle = theme.muted;
      ctx.fillText(`${c.title} (max ${c.unit === 'bytes' ? formatBytes(c.max) : String(c.max)})`, 14, mid, gutter - 18);
    } else if (t.kind === 'busy') {
      ctx.fillStyle = theme.muted;
      ctx.fillText('GPU busy %', 14, mid, gutter - 18);
    }
  }
  ctx.restore();
}

/** Bytes in the unit that reads best (binary, as the memory views write them). */
export function formatBytes(b: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = b;
  let u = 0;
  while (Math.abs(v) >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v >= 100 || u === 0 ? v.toFixed(0) : v.toFixed(1)} ${units[u]}`;
}
