// The timeline's page side: a canvas that draws what the host answers for the visible window,
// and the interaction of Perfetto and speedscope: Ctrl+wheel or pinch and W/S zoom at the
// pointer, drag, A/D and Shift+wheel pan, wheel scrolls the lanes, Shift+drag (or a drag on
// the ruler) selects a range for its aggregate, F zooms to the selection, a click selects a
// span, a double click zooms to it, a click on a label folds its lane or group. At most one
// window query is in flight: a change while one is out is asked when it comes back, and the
// last answer is drawn at the new window meanwhile, so the page never waits to move.
import type { WindowAnswer } from '../../../src/core/analysis/timeline/timelineQuery';
import type { Flow } from '../../../src/core/analysis/torch/torchTimeline';
import type { TimelineMeta, TimelineState } from '../../../src/shared/protocol/torchTrace';
import { visibleText } from '../../../src/core/util/visibleText';
import { el } from '../dom';
import { drawTimeline, type Theme } from './timelineDraw';
import { laneKey, layoutTracks, shownIn, trackAt, type Layout, type Shown } from './timelineLayout';
import { formatDuration } from './timeAxis';
import { defaultCollapsed } from '../../../src/core/analysis/timeline/timelineAnswers';
import { bindTimelineInput } from './timelineInput';

export interface TimelineSource {
  query(seq: number, t0: number, t1: number, px: number, shown: Shown): void;
  select(flat: number, hover: boolean): void;
  aggregate(t0: number, t1: number, rows: number[]): void;
  saveState(s: TimelineState): void;
}

export const GUTTER = 170;
export const RULER = 24;

const cssVar = (name: string, fallback: string) =>
  getComputedStyle(document.body).getPropertyValue(name).trim() || fallback;

export class TimelineView {
  readonly canvas = el('canvas', { id: 'timeline-canvas', tabindex: '0', 'aria-label': 'Trace timeline' });
  readonly tooltip = el('div', { class: 'timeline-tooltip', id: 'timeline-tooltip', role: 'tooltip' });
  meta?: TimelineMeta;
  layout: Layout = { tracks: [], height: 0, rowY: new Map() };
  t0 = 0;
  t1 = 1;
  scrollTop = 0;
  collapsed = new Set<string>();
  colorBy: 'category' | 'name' = 'category';
  answer?: WindowAnswer;
  private readonly names = new Map<number, string>();
  private seq = 0;
  private inFlight = false;
  private dirty = false;
  private sentAt = 0;
  private frame = 0;
  selected?: { flat: number; row: number; start: number; end: number };
  flows: Flow[] = [];
  box?: { t0: number; t1: number; y0: number; y1: number };
  matchNames = new Set<number>();
  private hoverFlat = -1;
  private saveTimer: ReturnType<typeof setTimeout> | undefined;
  /** For tests and the bench: draw and query times (ms), the last draw's items and rectangles. */
  readonly stats = {
    draws: [] as number[],
    queries: [] as number[],
    items: 0,
    rects: 0,
    answers: 0,
    initAt: 0,
    firstDrawAt: 0,
  };

  constructor(
    readonly root: HTMLElement,
    private readonly source: TimelineSource,
    private readonly onRange: (t0: number, t1: number) => void = () => undefined,
  ) {
    const wrap = el('div', { class: 'timeline-canvas-wrap' });
    this.tooltip.hidden = true;
    wrap.append(this.canvas, this.tooltip);
    root.append(wrap);
    new ResizeObserver(() => this.resize()).observe(wrap);
    bindTimelineInput(this);
  }

  init(meta: TimelineMeta, state?: TimelineState, first?: { answer: WindowAnswer; names: [number, string][] }): void {
    this.meta = meta;
    this.stats.initAt = performance.now();
    this.t0 = 0;
    this.t1 = meta.spanUs || 1;
    // Many threads (data loader workers): only the busiest few lanes open at first.
    this.collapsed = new Set(defaultCollapsed(meta));
    if (state) {
      if (state.t1 > state.t0) [this.t0, this.t1] = [state.t0, state.t1];
      this.collapsed = new Set(state.collapsed);
      this.colorBy = state.colorBy;
      this.scrollTop = state.scrollTop;
    }
    // The host sent the first window with the outline (for this window and these folds): drawn
    // at once, while the view asks for exactly what it shows.
    if (first) this.onWindow(0, first.answer, first.names);
    this.relayout();
  }

  /** The plot's width in CSS pixels (the canvas less the labels). */
  get plotWidth(): number {
    return Math.max(1, Math.round((this.canvas.parentElement?.clientWidth ?? 0) - GUTTER));
  }

  get window(): { t0: number; t1: number } {
    return { t0: this.t0, t1: this.t1 };
  }

  relayout(): void {
    if (!this.meta) return;
    this.layout = layoutTracks(this.meta, this.collapsed);
    this.resize();
  }

  private resize(): void {
    const wrap = this.canvas.parentElement!;
    const w = Math.max(200, wrap.clientWidth);
    const h = Math.max(160, Math.min(this.layout.height + RULER + 2, Math.round(window.innerHeight * 0.7)));
    const dpr = window.devicePixelRatio || 1;
    this.canvas.style.width = `${w}px`;
    this.canvas.style.height = `${h}px`;
    this.canvas.width = Math.round(w * dpr);
    this.canvas.height = Math.round(h * dpr);
    this.changed();
  }

  get cssW(): number {
    return this.canvas.width / (window.devicePixelRatio || 1);
  }
  get cssH(): number {
    return this.canvas.height / (window.devicePixelRatio || 1);
  }
  tAt(px: number): number {
    return this.t0 + ((px - GUTTER) / Math.max(1, this.cssW - GUTTER)) * (this.t1 - this.t0);
  }

  /** The window or the lanes changed: draw now, ask for the new window, keep the state. */
  changed(): void {
    this.clampScroll();
    this.requestDraw();
    this.requestQuery();
    clearTimeout(this.saveTimer);
    this.saveTimer = setTimeout(
      () =>
        this.source.saveState({
          t0: this.t0,
          t1: this.t1,
          collapsed: [...this.collapsed],
          colorBy: this.colorBy,
          scrollTop: this.scrollTop,
        }),
      400,
    );
  }

  private clampScroll(): void {
    const max = Math.max(0, this.layout.height - (this.cssH - RULER));
    this.scrollTop = Math.max(0, Math.min(max, this.scrollTop));
  }

  private requestQuery(): void {
    if (!this.meta) return;
    if (this.inFlight) {
      this.dirty = true;
      return;
    }
    this.inFlight = true;
    this.dirty = false;
    this.sentAt = performance.now();
    this.source.query(
      ++this.seq,
      this.t0,
      this.t1,
      Math.max(1, Math.round(this.cssW - GUTTER)),
      shownIn(this.layout, this.scrollTop, this.scrollTop + this.cssH - RULER),
    );
  }

  onWindow(seq: number, answer: WindowAnswer, names: [number, string][]): void {
    for (const [id, n] of names) this.names.set(id, visibleText(n));
    if (seq === this.seq) {
      this.inFlight = false;
      this.stats.queries.push(performance.now() - this.sentAt);
    }
    this.answer = answer;
    this.stats.answers++;
    this.requestDraw();
    if (this.dirty) this.requestQuery();
  }

  requestDraw(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.draw();
    });
  }

  draw(): void {
    if (!this.meta) return;
    const ctx = this.canvas.getContext('2d');
    if (!ctx) return;
    const dpr = window.devicePixelRatio || 1;
    const began = performance.now();
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    const theme: Theme = {
      background: cssVar('--vscode-editor-background', '#ffffff'),
      foreground: cssVar('--vscode-foreground', '#333333'),
      muted: cssVar('--vscode-descriptionForeground', '#717171'),
      grid: cssVar('--vscode-editorRuler-foreground', '#8884'),
      selection: cssVar('--vscode-focusBorder', '#0078d4'),
      font: `12px ${cssVar('--vscode-font-family', 'sans-serif')}`,
    };
    const r = drawTimeline({
      ctx,
      width: this.cssW,
      height: this.cssH,
      gutter: GUTTER,
      rulerH: RULER,
      t0: this.t0,
      t1: this.t1,
      scrollTop: this.scrollTop,
      layout: this.layout,
      meta: this.meta,
      answer: this.answer,
      names: this.names,
      colorBy: this.colorBy,
      selected: this.selected,
      flows: this.flows,
      matchNames: this.matchNames,
      box: this.box,
      theme,
      collapsed: this.collapsed,
      steps: this.meta.steps,
    });
    this.stats.items = r.items;
    this.stats.rects = r.rects;
    const done = performance.now();
    this.stats.draws.push(done - began);
    if (this.answer && !this.stats.firstDrawAt) this.stats.firstDrawAt = done;
    if (this.stats.draws.length > 500) this.stats.draws.splice(0, 250);
  }

  /** Zoom by `factor` (< 1 in) around time `at`. */
  zoom(factor: number, at = (this.t0 + this.t1) / 2): void {
    const span = Math.max(0.001, Math.min((this.meta?.spanUs ?? 1) * 1.1, (this.t1 - this.t0) * factor));
    const f = (at - this.t0) / (this.t1 - this.t0 || 1);
    this.setWindow(at - f * span, at - f * span + span);
  }

  pan(us: number): void {
    this.setWindow(this.t0 + us, this.t1 + us);
  }

  setWindow(t0: number, t1: number): void {
    const span = this.meta?.spanUs ?? 1;
    const w = t1 - t0;
    const lo = -0.05 * span;
    const hi = span * 1.05;
    if (t0 < lo) [t0, t1] = [lo, lo + w];
    if (t1 > hi) [t0, t1] = [Math.max(lo, hi - w), hi];
    this.t0 = t0;
    this.t1 = t1;
    this.onRange(t0, t1);
    this.changed();
  }

  /** Brings a span into view (zoomed to it unless it already reads well), selects it, scrolls to its row. */
  goTo(ref: { flat: number; row: number; startUs: number; durUs: number }, select = true): void {
    const lane = this.meta?.lanes.findIndex((l) => ref.row >= l.firstRow && ref.row < l.firstRow + l.depth) ?? -1;
    if (lane >= 0 && this.meta) {
      const l = this.meta.lanes[lane];
      this.collapsed.delete(`group:${l.group}`);
      if (ref.row > l.firstRow) this.collapsed.delete(laneKey(l));
      this.layout = layoutTracks(this.meta, this.collapsed);
    }
    const y = this.layout.rowY.get(ref.row);
    if (y !== undefined && (y < this.scrollTop || y > this.scrollTop + this.cssH - RULER - 20))
      this.scrollTop = y - (this.cssH - RULER) / 3;
    const width = this.t1 - this.t0;
    const wantW = Math.max(ref.durUs * 4, 10);
    const newW = ref.durUs > width / 3 || ref.durUs < width / 400 ? wantW : width;
    const mid = ref.startUs + ref.durUs / 2;
    if (select) this.select(ref.flat, ref.row, ref.startUs, ref.startUs + ref.durUs);
    this.setWindow(mid - newW / 2, mid + newW / 2);
  }

  select(flat: number, row: number, start: number, end: number): void {
    this.selected = { flat, row, start, end };
    this.flows = [];
    this.source.select(flat, false);
    this.requestDraw();
  }

  setFlows(flat: number, flows: Flow[]): void {
    if (this.selected?.flat === flat) this.flows = flows;
    this.requestDraw();
  }

  showHoverDetails(flat: number, extra: string[]): void {
    if (flat !== this.hoverFlat || this.tooltip.hidden) return;
    for (const line of extra) this.tooltip.append(el('div', { class: 'hint' }, line));
  }

  /** The item under a point of the canvas (the last answer's), or undefined. */
  itemAt(px: number, py: number): number | undefined {
    const a = this.answer;
    if (!a || px < GUTTER || py < RULER) return undefined;
    const track = trackAt(this.layout, py - RULER + this.scrollTop);
    if (!track || track.kind !== 'row') return undefined;
    const t = this.tAt(px);
    const slack = ((this.t1 - this.t0) / Math.max(1, this.cssW - GUTTER)) * 2;
    let best: number | undefined;
    for (let i = 0; i < a.row.length; i++)
      if (a.row[i] === track.row && a.start[i] - slack <= t && a.end[i] + slack >= t)
        if (
          best === undefined ||
          Math.abs((a.start[i] + a.end[i]) / 2 - t) < Math.abs((a.start[best] + a.end[best]) / 2 - t)
        )
          best = i;
    return best;
  }

  /** What the canvas shows, for tests and accessibility tools: items with their screen boxes. */
  readout(limit = 5000): { name: string; flat: number; count: number; x: number; y: number; w: number }[] {
    const a = this.answer;
    if (!a) return [];
    const k = (this.cssW - GUTTER) / (this.t1 - this.t0);
    const out = [];
    for (let i = 0; i < a.row.length && out.length < limit; i++) {
      const y = this.layout.rowY.get(a.row[i]);
      if (y === undefined) continue;
      const x0 = GUTTER + (a.start[i] - this.t0) * k;
      const w = Math.max(1, (a.end[i] - a.start[i]) * k);
      const sy = RULER + y - this.scrollTop;
      if (x0 + w < GUTTER || x0 > this.cssW || sy < RULER || sy > this.cssH) continue;
      out.push({ name: this.names.get(a.name[i]) ?? '', flat: a.flat[i], count: a.count[i], x: x0, y: sy + 8, w });
    }
    return out;
  }

  hover(px: number, py: number, clientX: number, clientY: number): void {
    const i = this.itemAt(px, py);
    const a = this.answer;
    if (i === undefined || !a) {
      this.tooltip.hidden = true;
      this.hoverFlat = -1;
      return;
    }
    const name = this.names.get(a.name[i]) ?? '';
    const lines =
      a.count[i] > 1
        ? [
            `${a.count[i]} spans, busy ${formatDuration(a.self[i])} over ${formatDuration(a.end[i] - a.start[i])}`,
            `longest: ${name}`,
          ]
        : [name, `duration ${formatDuration(a.end[i] - a.start[i])} · self ${formatDuration(a.self[i])}`];
    this.tooltip.replaceChildren(...lines.map((l, k) => el('div', { class: k === 0 ? 'name' : 'hint' }, l)));
    this.tooltip.hidden = false;
    const box = this.canvas.getBoundingClientRect();
    this.tooltip.style.left = `${Math.min(clientX - box.left + 12, box.width - 320)}px`;
    this.tooltip.style.top = `${clientY - box.top + 14}px`;
    if (a.count[i] === 1 && this.hoverFlat !== a.flat[i]) {
      this.hoverFlat = a.flat[i];
      this.source.select(a.flat[i], true);
    }
  }

  zoomToSelection(): void {
    if (this.box) this.setWindow(Math.min(this.box.t0, this.box.t1), Math.max(this.box.t0, this.box.t1));
    else if (this.selected) {
      const pad = (this.selected.end - this.selected.start) * 0.1 || 1;
      this.setWindow(this.selected.start - pad, this.selected.end + pad);
    }
  }

  boxDone(): void {
    const b = this.box!;
    const top = Math.min(b.y0, b.y1) - RULER + this.scrollTop;
    const bottom = Math.max(b.y0, b.y1) - RULER + this.scrollTop;
    const rows = this.layout.tracks
      .filter((t) => t.kind === 'row' && t.row >= 0 && t.y + t.h > top && t.y < bottom)
      .map((t) => (t.kind === 'row' ? t.row : -1));
    this.source.aggregate(Math.min(b.t0, b.t1), Math.max(b.t0, b.t1), rows);
  }

  toggleAt(py: number): void {
    const t = trackAt(this.layout, py - RULER + this.scrollTop);
    if (!t || !this.meta) return;
    const key =
      t.kind === 'group' ? `group:${t.group}` : t.kind === 'row' ? laneKey(this.meta.lanes[t.lane]) : undefined;
    if (!key) return;
    if (this.collapsed.has(key)) this.collapsed.delete(key);
    else this.collapsed.add(key);
    this.relayout();
  }
}
