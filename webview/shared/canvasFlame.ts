// A flame graph drawn on one canvas, shared by the flame graph and the differential flame graph.
// It replaced d3-flame-graph's SVG (one DOM group per frame): redrawing 1,600 SVG frames after a
// zoom took 100-230 ms on a 2-core machine, the canvas draws them in a few milliseconds. The
// caller hands it a tree already cut to what can be seen (the host's level-of-detail view); it
// lays the frames out by value, draws them, and answers the pointer by hit-testing its rows.
import { HIGHLIGHT, LABEL_COLOR } from './flamePalette';

export { diffColor, HIGHLIGHT, LABEL_COLOR, MERGED, NATIVE, warmColor } from './flamePalette';

export interface FlameDatum {
  name: string;
  value: number;
  children?: FlameDatum[];
}

/** A frame as drawn: x and width in CSS pixels, depth 0 for the root. */
export interface DrawnFrame<T> {
  node: T;
  parent?: DrawnFrame<T>;
  children: DrawnFrame<T>[];
  x: number;
  w: number;
  depth: number;
  fill: string;
  /** The shown name, and the label that fits the frame ('' for none): set when laid out. */
  name: string;
  label: string;
}

/** What a test or an accessibility tool reads of the drawing: one entry per drawn frame. */
export interface FrameReadout {
  name: string;
  label: string;
  x: number;
  y: number;
  w: number;
  h: number;
  fill: string;
  labelColor: string;
  highlighted: boolean;
  selected: boolean;
}

export interface CanvasFlameOptions<T> {
  name(d: T): string;
  color(d: T): string;
  cellHeight?: number;
  /** Frames narrower than this (CSS pixels) are not drawn, nor anything under them. */
  minFrameSize?: number;
  onClick?(f: DrawnFrame<T>, e: MouseEvent): void;
  /** The frame under the pointer, or undefined when it left every frame. */
  onHover?(f: DrawnFrame<T> | undefined, e: MouseEvent): void;
}

export class CanvasFlame<T extends FlameDatum> {
  readonly canvas: HTMLCanvasElement;
  private readonly box: HTMLDivElement;
  /** Rows the canvas' backing store holds (a multiple of ROW_STEP, at least the graph's). */
  private allocRows = 0;
  private readonly ctx: CanvasRenderingContext2D;
  private readonly cell: number;
  private readonly minSize: number;
  private rows: DrawnFrame<T>[][] = [];
  private width = 300;
  private inverted = false;
  private match?: (d: T) => boolean;
  private selected?: DrawnFrame<T>;
  private hovered?: DrawnFrame<T>;
  private font = '12px sans-serif';
  private readonly labelCache = new Map<string, string>();

  constructor(
    private readonly host: HTMLElement,
    private readonly opts: CanvasFlameOptions<T>,
  ) {
    this.cell = opts.cellHeight ?? 18;
    this.minSize = opts.minFrameSize ?? 1;
    this.canvas = document.createElement('canvas');
    this.canvas.className = 'flame-canvas';
    const ctx = this.canvas.getContext('2d');
    if (!ctx) throw new Error('this webview cannot draw on a canvas');
    this.ctx = ctx;
    // The box is as tall as the graph; the canvas inside may be taller (see draw).
    this.box = document.createElement('div');
    this.box.className = 'flame-canvas-box';
    this.box.style.overflow = 'hidden';
    this.box.append(this.canvas);
    host.replaceChildren(this.box);
    this.canvas.addEventListener('mousemove', (e) => this.pointer(e));
    this.canvas.addEventListener('mouseleave', (e) => this.setHover(undefined, e));
    this.canvas.addEventListener('click', (e) => {
      const f = this.frameAtEvent(e);
      if (f) opts.onClick?.(f, e);
    });
  }

  /** Lays out and draws `root` at `width` CSS pixels; the icicle has the root on top. */
  setData(root: T, width: number, inverted: boolean): void {
    this.width = Math.max(100, Math.floor(width));
    this.inverted = inverted;
    this.selected = undefined;
    this.hovered = undefined;
    this.rows = layoutFrames(root, this.width, this.minSize, (d) => this.opts.color(d));
    const style = getComputedStyle(this.host);
    this.font = `12px ${style.fontFamily || 'sans-serif'}`;
    this.ctx.font = this.font;
    for (const row of this.rows)
      for (const f of row) {
        f.name = this.opts.name(f.node);
        f.label = this.label(f.name, f.w);
      }
    this.draw();
  }

  /** Frames matching `pred` are drawn highlighted (the search); undefined clears it. */
  highlight(pred: ((d: T) => boolean) | undefined): void {
    this.match = pred;
    this.draw();
  }

  select(f: DrawnFrame<T> | undefined): void {
    const was = this.selected;
    this.selected = f;
    this.redraw([was, f, this.hovered]);
  }

  get selection(): DrawnFrame<T> | undefined {
    return this.selected;
  }

  /** The drawn frames, root first, level by level. */
  frames(): DrawnFrame<T>[] {
    return this.rows.flat();
  }

  root(): DrawnFrame<T> | undefined {
    return this.rows[0]?.[0];
  }

  /** A frame's box in the page's (client) coordinates. */
  clientRect(f: DrawnFrame<T>): DOMRect {
    const r = this.canvas.getBoundingClientRect();
    return new DOMRect(r.left + f.x, r.top + this.rowY(f.depth), f.w, this.cell);
  }

  readout(): FrameReadout[] {
    return this.frames().map((f) => ({
      name: f.name,
      label: f.label,
      x: f.x,
      y: this.rowY(f.depth),
      w: f.w,
      h: this.cell,
      fill: this.fillOf(f),
      labelColor: LABEL_COLOR,
      highlighted: !!this.match?.(f.node),
      selected: f === this.selected,
    }));
  }

  private rowY(depth: number): number {
    return this.inverted ? depth * this.cell : (this.rows.length - 1 - depth) * this.cell;
  }

  private fillOf(f: DrawnFrame<T>): string {
    return this.match?.(f.node) ? HIGHLIGHT : f.fill;
  }

  private draw(): void {
    const dpr = window.devicePixelRatio || 1;
    const rows = Math.max(1, this.rows.length);
    const h = rows * this.cell;
    this.box.style.height = `${h}px`;
    // A new backing store only when the graph outgrows it, the width changes, or it is far too
    // tall: reallocating on every zoom (the depth changes) cost 10-25 ms of a 50 ms redraw.
    const want = Math.ceil(rows / ROW_STEP) * ROW_STEP;
    const pw = Math.round(this.width * dpr);
    if (rows > this.allocRows || this.allocRows > 4 * want || this.canvas.width !== pw) {
      this.allocRows = want;
      this.canvas.style.width = `${this.width}px`;
      this.canvas.style.height = `${want * this.cell}px`;
      this.canvas.width = pw;
      this.canvas.height = Math.round(want * this.cell * dpr);
    }
    const ctx = this.ctx;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, this.width, h);
    // All frames of one colour, then all labels: few state changes for a few thousand frames.
    const byFill = new Map<string, DrawnFrame<T>[]>();
    for (const row of this.rows)
      for (const f of row) {
        const fill = this.fillOf(f);
        const list = byFill.get(fill);
        if (list) list.push(f);
        else byFill.set(fill, [f]);
      }
    for (const [fill, list] of byFill) {
      ctx.fillStyle = fill;
      for (const f of list) ctx.fillRect(f.x, this.rowY(f.depth), Math.max(0.5, f.w - 0.5), this.cell - 1);
    }
    ctx.font = this.font;
    ctx.textBaseline = 'middle';
    ctx.fillStyle = LABEL_COLOR;
    for (const row of this.rows)
      for (const f of row) if (f.label) ctx.fillText(f.label, f.x + 3, this.rowY(f.depth) + this.cell / 2);
    this.outlines();
  }

  /** Redraws a few frames (the pointer moved between them), then the outlines. */
  private redraw(frames: (DrawnFrame<T> | undefined)[]): void {
    const ctx = this.ctx;
    ctx.font = this.font;
    ctx.textBaseline = 'middle';
    for (const f of frames) {
      if (!f) continue;
      const y = this.rowY(f.depth);
      // The fill covers the frame's old outline (drawn inside it).
      ctx.fillStyle = this.fillOf(f);
      ctx.fillRect(f.x, y, Math.max(0.5, f.w - 0.5), this.cell - 1);
      if (f.label) {
        ctx.fillStyle = LABEL_COLOR;
        ctx.fillText(f.label, f.x + 3, y + this.cell / 2);
      }
    }
    this.outlines();
  }

  /** The hovered frame's outline (the theme's text colour) and the selection's (its focus colour). */
  private outlines(): void {
    const ctx = this.ctx;
    const style = getComputedStyle(this.host);
    for (const f of [this.hovered, this.selected]) {
      if (!f) continue;
      ctx.lineWidth = f === this.selected ? 2 : 1;
      ctx.strokeStyle =
        f === this.selected
          ? style.getPropertyValue('--vscode-focusBorder').trim() || '#0078d4'
          : style.getPropertyValue('--vscode-foreground').trim() || '#333';
      ctx.strokeRect(f.x + 1, this.rowY(f.depth) + 1, Math.max(1, f.w - 2), this.cell - 3);
    }
  }

  /** Each name's full width in the current font (names repeat across frames and redraws). */
  private readonly widths = new Map<string, number>();
  private widthFont = '';

  private textWidth(text: string): number {
    if (this.widthFont !== this.font) {
      this.widths.clear();
      this.labelCache.clear();
      this.widthFont = this.font;
    }
    let w = this.widths.get(text);
    if (w === undefined) {
      w = this.ctx.measureText(text).width;
      if (this.widths.size > 50_000) this.widths.clear();
      this.widths.set(text, w);
    }
    return w;
  }

  /**
   * The name cut to fit the frame, with an ellipsis; '' when not even a few letters fit. The cut
   * is estimated from the name's cached width and checked with one or two measurements: a
   * binary search per label cost 20 ms on a zoom of 1,600 frames.
   */
  private label(name: string, w: number): string {
    const room = w - 6;
    if (room < 14) return '';
    this.ctx.font = this.font;
    const full = this.textWidth(name);
    if (full <= room) return name;
    const key = `${Math.floor(room)}\u0000${name}`;
    const hit = this.labelCache.get(key);
    if (hit !== undefined) return hit;
    const ellipsis = this.textWidth('…');
    let keep = Math.floor((name.length * (room - ellipsis)) / full);
    while (keep > 0 && this.ctx.measureText(`${name.slice(0, keep)}…`).width > room) keep--;
    const out = keep < 2 ? '' : `${name.slice(0, keep)}…`;
    if (this.labelCache.size > 20_000) this.labelCache.clear();
    this.labelCache.set(key, out);
    return out;
  }

  private frameAtEvent(e: MouseEvent): DrawnFrame<T> | undefined {
    const r = this.canvas.getBoundingClientRect();
    return this.frameAt(e.clientX - r.left, e.clientY - r.top);
  }

  /** Hit test in canvas coordinates: the row from y, then a binary search on x. */
  frameAt(x: number, y: number): DrawnFrame<T> | undefined {
    const level = Math.floor(y / this.cell);
    const depth = this.inverted ? level : this.rows.length - 1 - level;
    const row = this.rows[depth];
    if (!row) return undefined;
    let lo = 0;
    let hi = row.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const f = row[mid];
      if (x < f.x) hi = mid - 1;
      else if (x >= f.x + f.w) lo = mid + 1;
      else return f;
    }
    return undefined;
  }

  private pointer(e: MouseEvent): void {
    this.setHover(this.frameAtEvent(e), e);
  }

  private setHover(f: DrawnFrame<T> | undefined, e: MouseEvent): void {
    this.canvas.style.cursor = f ? 'pointer' : 'default';
    if (f !== this.hovered) {
      const was = this.hovered;
      this.hovered = f;
      this.redraw([was, f, this.selected]);
    }
    this.opts.onHover?.(f, e);
  }
}

/** The canvas grows by this many rows at a time. */
const ROW_STEP = 16;

/**
 * Frames by level: each child starts where its previous sibling ended, its width its share of
 * the root's value. A frame under `minSize` pixels is left out with everything below it.
 */
export function layoutFrames<T extends FlameDatum>(
  root: T,
  width: number,
  minSize: number,
  color: (d: T) => string,
): DrawnFrame<T>[][] {
  const rows: DrawnFrame<T>[][] = [];
  if (!(root.value > 0)) return rows;
  const scale = width / root.value;
  const top: DrawnFrame<T> = {
    node: root,
    children: [],
    x: 0,
    w: width,
    depth: 0,
    fill: color(root),
    name: root.name,
    label: '',
  };
  rows.push([top]);
  // Level by level (breadth first), so each row is in x order for the hit test.
  for (let level = [top]; level.length > 0;) {
    const next: DrawnFrame<T>[] = [];
    for (const f of level) {
      let x = f.x;
      for (const c of (f.node.children ?? []) as T[]) {
        const w = c.value * scale;
        if (w >= minSize) {
          const d: DrawnFrame<T> = {
            node: c,
            parent: f,
            children: [],
            x,
            w,
            depth: f.depth + 1,
            fill: color(c),
            name: c.name,
            label: '',
          };
          f.children.push(d);
          next.push(d);
        }
        x += w;
      }
    }
    if (next.length > 0) rows.push(next);
    level = next;
  }
  return rows;
}
