// A flame graph drawn on one canvas, shared by the flame graph and the differential flame graph.
// It replaced d3-flame-graph's SVG (one DOM group per frame): redrawing 1,600 SVG frames after a
// zoom took 100-230 ms on a 2-core machine, the canvas draws them in a few milliseconds. The
// caller hands it a tree already cut to what can be seen (the host's level-of-detail view); it
// lays the frames out by value, draws them, and answers the pointer by hit-testing its rows.
import { contrastRatio, parseRgb } from './contrast';

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

/** Text on every frame; the palettes below keep at least WCAG AA contrast (4.5) against it. */
export const LABEL_COLOR = '#111111';

/** A value in [0, 1) from a name, so one function keeps its colour across views and runs. */
export function nameHash(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
  return (h >>> 0) / 2 ** 32;
}

/** The classic warm flame graph palette (red to yellow), kept light enough for dark labels. */
export function warmColor(name: string): string {
  const v = nameHash(name);
  const r = 215 + Math.round(40 * v);
  const g = 90 + Math.round(130 * v);
  const b = 30 + Math.round(40 * v);
  return `rgb(${r},${g},${b})`;
}

export class CanvasFlame<T extends FlameDatum> {
  readonly canvas: HTMLCanvasElement;
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
    host.replaceChildren(this.canvas);
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
    this.draw();
  }

  /** Frames matching `pred` are drawn highlighted (the search); undefined clears it. */
  highlight(pred: ((d: T) => boolean) | undefined): void {
    this.match = pred;
    this.draw();
  }

  select(f: DrawnFrame<T> | undefined): void {
    this.selected = f;
    this.draw();
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
      name: this.opts.name(f.node),
      label: this.label(this.opts.name(f.node), f.w),
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
    const h = Math.max(1, this.rows.length) * this.cell;
    this.canvas.style.width = `${this.width}px`;
    this.canvas.style.height = `${h}px`;
    this.canvas.width = Math.round(this.width * dpr);
    this.canvas.height = Math.round(h * dpr);
    const ctx = this.ctx;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, this.width, h);
    ctx.font = this.font;
    ctx.textBaseline = 'middle';
    const gap = getComputedStyle(this.host).getPropertyValue('--vscode-editor-background').trim() || '#ffffff';
    for (const row of this.rows) {
      for (const f of row) {
        const y = this.rowY(f.depth);
        ctx.fillStyle = this.fillOf(f);
        ctx.fillRect(f.x, y, Math.max(0.5, f.w - 0.5), this.cell - 1);
        const text = this.label(this.opts.name(f.node), f.w);
        if (text) {
          ctx.fillStyle = LABEL_COLOR;
          ctx.fillText(text, f.x + 3, y + this.cell / 2);
        }
      }
    }
    for (const f of [this.hovered, this.selected]) {
      if (!f) continue;
      ctx.lineWidth = f === this.selected ? 2 : 1;
      ctx.strokeStyle =
        f === this.selected
          ? getComputedStyle(this.host).getPropertyValue('--vscode-focusBorder').trim() || '#0078d4'
          : gap === '#ffffff'
            ? '#333'
            : '#fff';
      ctx.strokeRect(f.x + 1, this.rowY(f.depth) + 1, Math.max(1, f.w - 2), this.cell - 3);
    }
  }

  /** The name cut to fit the frame, with an ellipsis; '' when not even a few letters fit. */
  private label(name: string, w: number): string {
    const room = w - 6;
    if (room < 14) return '';
    const key = `${Math.floor(room)}\u0000${name}`;
    const hit = this.labelCache.get(key);
    if (hit !== undefined) return hit;
    const ctx = this.ctx;
    ctx.font = this.font;
    let out = name;
    if (ctx.measureText(name).width > room) {
      // Binary search on the kept length: measureText is the cost, so as few calls as possible.
      let lo = 0;
      let hi = name.length;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (ctx.measureText(`${name.slice(0, mid)}…`).width <= room) lo = mid;
        else hi = mid - 1;
      }
      out = lo < 2 ? '' : `${name.slice(0, lo)}…`;
    }
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
      this.hovered = f;
      this.draw();
    }
    this.opts.onHover?.(f, e);
  }
}

/** Search matches (violet: contrast 8 with the label, and no function's own colour). */
export const HIGHLIGHT = 'rgb(238,130,238)';
/** Native (C/C++) frames and the merged "narrower than a pixel" frames. */
export const NATIVE = 'rgb(127,167,216)';
export const MERGED = 'rgb(158,158,158)';

/**
 * The differential graph: red for frames whose share grew, blue for shrank, saturation by the
 * size of the change (full at 10 points). The darkest blue, rgb(120,120,255), still gives the
 * dark label a contrast of 5.3.
 */
export function diffColor(delta: number): string {
  const t = Math.min(1, Math.abs(delta) / 10);
  if (Math.abs(delta) < 0.05) return 'rgb(200,200,200)';
  const light = Math.round(225 - 105 * t);
  return delta > 0 ? `rgb(255,${light},${light})` : `rgb(${light},${light},255)`;
}

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
  const top: DrawnFrame<T> = { node: root, children: [], x: 0, w: width, depth: 0, fill: color(root) };
  rows.push([top]);
  // Level by level (breadth first), so each row is in x order for the hit test.
  for (let level = [top]; level.length > 0;) {
    const next: DrawnFrame<T>[] = [];
    for (const f of level) {
      let x = f.x;
      for (const c of (f.node.children ?? []) as T[]) {
        const w = c.value * scale;
        if (w >= minSize) {
          const d: DrawnFrame<T> = { node: c, parent: f, children: [], x, w, depth: f.depth + 1, fill: color(c) };
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

/** Whether a fill keeps the dark label readable (WCAG AA for normal text). */
export function labelReadable(fill: string): boolean {
  return contrastRatio(parseRgb(fill), parseRgb(LABEL_COLOR)) >= 4.5;
}
