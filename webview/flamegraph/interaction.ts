// How the flame graph answers the pointer and the keyboard: the tooltip (it follows the pointer
// and leaves with it, also when a redraw removed the frame under it), and keyboard navigation
// (arrows move between frames, Enter zooms into the selected one, Esc resets the zoom).
import { select } from 'd3-selection';
import type { FlameNode } from '../../src/core/analysis/cpu/flameView';
import { el } from '../shared/dom';
import type { D3Node as SharedD3Node } from '../shared/flameChart';
import { fmtNum, pct, where } from './format';

type D3Node = SharedD3Node<FlameNode> & { children?: D3Node[] };

/** The location a frame shows: its function's `def` line, with the line most of its time was at. */
export function frameLocation(n: FlameNode, byLine: boolean): string {
  if (!n.file) return '';
  if (byLine || n.defLine === undefined)
    return where(n.file, n.line) + (byLine || n.line === undefined ? '' : ' (hottest line)');
  return n.line !== undefined && n.line !== n.defLine
    ? `${where(n.file, n.defLine)} · hottest line ${n.line}`
    : where(n.file, n.defLine);
}

export function tooltipLines(n: FlameNode, total: number, unit: string, byLine: boolean): string[] {
  const lines = [n.name];
  const loc = frameLocation(n, byLine);
  if (loc) lines.push(loc);
  if (n.merged) lines.push(`${n.merged} frames narrower than a pixel, merged`);
  lines.push(`Total: ${fmtNum(n.value)} ${unit} (${pct(n.value, total)})`);
  if (!n.ancestor) lines.push(`Self: ${fmtNum(n.self)} ${unit} (${pct(n.self, total)})`);
  if (n.truncated) lines.push('Click to see the frames below');
  return lines;
}

export class FrameTooltip {
  constructor(
    private readonly tip: HTMLElement,
    graph: HTMLElement,
  ) {
    tip.hidden = true;
    graph.addEventListener('mouseleave', () => this.hide());
    document.addEventListener('mousemove', (e) => {
      if (this.tip.hidden || this.pinned) return;
      // Over no frame any more (a redraw can take the frame away without a mouseout).
      if (!(e.target as Element | null)?.closest?.('g.frame')) this.hide();
      else this.place(e.clientX, e.clientY);
    });
  }

  /** Shown for the keyboard's selection: stays until the pointer or another key moves it. */
  private pinned = false;

  show(lines: string[], at?: DOMRect): void {
    this.tip.replaceChildren(...lines.map((l, i) => el(i === 0 ? 'strong' : 'div', {}, l)));
    this.tip.hidden = false;
    this.pinned = !!at;
    if (at) this.place(at.left + Math.min(at.width / 2, 40), at.bottom - 14);
  }

  hide(): void {
    this.tip.hidden = true;
    this.pinned = false;
  }

  private place(x: number, y: number): void {
    const r = this.tip.getBoundingClientRect();
    const left = Math.min(x + 14, window.innerWidth - r.width - 4);
    const top = y + 18 + r.height > window.innerHeight ? y - r.height - 10 : y + 18;
    this.tip.style.left = `${Math.max(0, left)}px`;
    this.tip.style.top = `${Math.max(0, top)}px`;
  }
}

export interface KeyboardActions {
  zoom(d: D3Node): void;
  reset(): void;
  inverted(): boolean;
  describe(d: D3Node): string[];
}

/**
 * Arrow keys over the drawn frames: Up and Down move to a callee or the caller as drawn (the
 * heaviest callee first; reversed in the icicle), Left and Right to the neighbouring frame on the
 * same level; Enter zooms; Esc resets. The selection is outlined and announced.
 */
export class FrameKeyboard {
  private selected?: D3Node;

  constructor(
    private readonly graph: HTMLElement,
    private readonly tooltip: FrameTooltip,
    private readonly live: HTMLElement,
    private readonly act: KeyboardActions,
  ) {
    graph.tabIndex = 0;
    graph.setAttribute('role', 'application');
    graph.setAttribute('aria-label', 'Flame graph: arrow keys move between frames, Enter zooms, Escape resets');
    graph.addEventListener('keydown', (e) => this.onKey(e));
    graph.addEventListener('blur', () => this.tooltip.hide());
  }

  /** After a redraw the old nodes are gone: start again from the root. */
  reset(): void {
    this.selected = undefined;
  }

  private frames(): Map<D3Node, SVGGElement> {
    const out = new Map<D3Node, SVGGElement>();
    for (const g of this.graph.querySelectorAll<SVGGElement>('g.frame')) {
      const d = select(g).datum() as D3Node | undefined;
      if (d) out.set(d, g);
    }
    return out;
  }

  private onKey(e: KeyboardEvent): void {
    const frames = this.frames();
    if (frames.size === 0) return;
    let cur = this.selected && frames.has(this.selected) ? this.selected : undefined;
    if (!cur) {
      cur = [...frames.keys()].find((d) => !d.parent);
      if (!cur) return;
    }
    const drawn = (ds: D3Node[] | undefined) => (ds ?? []).filter((d) => frames.has(d));
    const siblings = cur.parent ? drawn((cur.parent as D3Node).children) : [cur];
    const at = siblings.indexOf(cur);
    const up = this.act.inverted() ? 'ArrowDown' : 'ArrowUp';
    let next: D3Node | undefined;
    switch (e.key) {
      case up:
        next = drawn(cur.children).sort((a, b) => b.data.value - a.data.value)[0];
        break;
      case 'ArrowUp':
      case 'ArrowDown':
        next = (cur.parent as D3Node | null) ?? undefined;
        break;
      case 'ArrowLeft':
        next = siblings[at - 1];
        break;
      case 'ArrowRight':
        next = siblings[at + 1];
        break;
      case 'Enter':
        e.preventDefault();
        this.act.zoom(cur);
        return;
      case 'Escape':
        e.preventDefault();
        this.tooltip.hide();
        this.act.reset();
        return;
      default:
        return;
    }
    e.preventDefault();
    this.select(next ?? cur, frames);
  }

  private select(d: D3Node, frames: Map<D3Node, SVGGElement>): void {
    for (const g of this.graph.querySelectorAll('g.frame.kbd-selected')) g.classList.remove('kbd-selected');
    const g = frames.get(d);
    this.selected = d;
    if (!g) return;
    g.classList.add('kbd-selected');
    const lines = this.act.describe(d);
    this.live.textContent = lines.join(', ');
    this.tooltip.show(lines, g.getBoundingClientRect());
  }
}
