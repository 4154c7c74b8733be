// How the flame graph answers the pointer and the keyboard: the tooltip (it follows the pointer
// and leaves with it, also when a redraw removed the frame under it), and keyboard navigation
// (arrows move between frames, Enter zooms into the selected one, Esc resets the zoom).
import type { FlameNode } from '../../src/core/analysis/cpu/flameView';
import type { CanvasFlame, DrawnFrame } from '../shared/canvasFlame';
import { el } from '../shared/dom';
import { fmtNum, pct, where } from './format';

type Frame = DrawnFrame<FlameNode>;

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
    private readonly graph: HTMLElement,
  ) {
    tip.hidden = true;
    graph.addEventListener('mouseleave', () => this.hide());
    // A pointer that left the graph without a mouseleave (a redraw, a scroll) hides it too.
    document.addEventListener('mousemove', (e) => {
      if (!this.tip.hidden && !this.pinned && !this.graph.contains(e.target as Node | null)) this.hide();
    });
  }

  /** Shown for the keyboard's selection: stays until the pointer or another key moves it. */
  private pinned = false;

  show(lines: string[], at?: DOMRect): void {
    this.tip.replaceChildren(...lines.map((l, i) => el(i === 0 ? 'strong' : 'div', {}, l)));
    this.tip.hidden = false;
    this.pinned = !!at;
    if (at) this.place(at.left + Math.min(at.width / 2, 40), at.bottom - 4);
  }

  /** Under the pointer: shown beside it, and moved with it. */
  follow(lines: string[], x: number, y: number): void {
    this.show(lines);
    this.place(x, y);
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
  zoom(f: Frame): void;
  reset(): void;
  inverted(): boolean;
  describe(f: Frame): string[];
}

/**
 * Arrow keys over the drawn frames: Up and Down move to a callee or the caller as drawn (the
 * heaviest callee first; reversed in the icicle), Left and Right to the neighbouring frame on the
 * same level; Enter zooms; Esc resets. The selection is outlined and announced.
 */
export class FrameKeyboard {
  constructor(
    graph: HTMLElement,
    private readonly chart: () => CanvasFlame<FlameNode> | undefined,
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

  private onKey(e: KeyboardEvent): void {
    const chart = this.chart();
    const cur = chart?.selection ?? chart?.root();
    if (!chart || !cur) return;
    const siblings = cur.parent ? cur.parent.children : [cur];
    const at = siblings.indexOf(cur);
    const up = this.act.inverted() ? 'ArrowDown' : 'ArrowUp';
    let next: Frame | undefined;
    switch (e.key) {
      case up:
        next = [...cur.children].sort((a, b) => b.node.value - a.node.value)[0];
        break;
      case 'ArrowUp':
      case 'ArrowDown':
        next = cur.parent;
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
    const f = next ?? cur;
    chart.select(f);
    const lines = this.act.describe(f);
    this.live.textContent = lines.join(', ');
    this.tooltip.show(lines, chart.clientRect(f));
  }
}
