// The flame graph view's page: toolbar (threads, search, zoom, icicle, bottom-up, export), the
// graph (d3-flame-graph over the host's level-of-detail view), the hot-function table and the
// callers/callees of the selected function. It renders what it is sent and posts back intents.
import { select } from 'd3-selection';
import { flamegraph } from 'd3-flame-graph';
import type { FlameNode, FlameView } from '../../src/core/analysis/cpu/flameView';
import type { ProfileSummary, HotFunctionsResult } from '../../src/core/analysis/cpu/profileSession';
import type { Sandwich } from '../../src/core/analysis/cpu/sandwich';
import type { SearchResult } from '../../src/core/analysis/cpu/search';
import { visibleText } from '../../src/core/util/visibleText';
import type { Handlers } from '../../src/shared/protocol/common';
import type {
  RpcMethod,
  RpcParams,
  RpcResult,
  ToHost,
  ToWebview,
  ViewerOptions,
} from '../../src/shared/protocol/flameGraph';
import { el } from '../shared/dom';
import type { D3Node as SharedD3Node, FlameChart as SharedFlameChart } from '../shared/flameChart';
import { checkbox, custom, fmtNum, pct } from './format';
import { FrameKeyboard, FrameTooltip, tooltipLines } from './interaction';
import { hotRows, sandwichContent, scrolling, type TableActions } from './tables';
import type { Transport } from './transport';

type D3Node = SharedD3Node<FlameNode>;
type FlameChart = SharedFlameChart<FlameNode>;

export class FlameApp {
  private summary?: ProfileSummary;
  private options: ViewerOptions = { openSourceOnClick: false, interactive: false };
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private threads: string[] = [];
  private reverse = false;
  private inverted = false;
  private byLine = false;
  private focus = 0;
  private view?: FlameView;
  private chart?: FlameChart;
  private searchTerm = '';
  private readonly root: HTMLElement;
  private readonly graphEl: HTMLElement;
  private readonly tip: FrameTooltip;
  private readonly keyboard: FrameKeyboard;
  private readonly statusEl: HTMLElement;
  private readonly searchInfoEl: HTMLElement;
  private readonly titleEl: HTMLElement;
  private readonly threadSelect: HTMLElement & { value: string };
  private readonly hotTable: HTMLTableSectionElement;
  private readonly sandwichEl: HTMLElement;
  private readonly exportGroup: HTMLElement;
  private renderSeq = 0;

  constructor(
    host: HTMLElement,
    private readonly transport: Transport,
    extraToolbar?: HTMLElement,
  ) {
    this.root = host;
    host.replaceChildren();
    host.classList.add('flamelens');

    const header = el('header', { class: 'toolbar' });
    this.titleEl = el('span', { class: 'title' });
    header.append(this.titleEl);
    if (extraToolbar) header.append(extraToolbar);

    this.threadSelect = custom('vscode-single-select', {
      id: 'thread-select',
      'aria-label': 'Thread',
    }) as HTMLElement & { value: string };
    this.threadSelect.addEventListener('change', () => {
      const v = this.threadSelect.value;
      this.threads = v === '*' ? [] : [v];
      this.focus = 0;
      void this.refresh();
    });
    header.append(this.threadSelect);

    const search = custom('vscode-textfield', {
      id: 'search',
      placeholder: 'Search functions and files',
      'aria-label': 'Search',
    }) as HTMLElement & { value: string };
    let searchTimer: number | undefined;
    search.addEventListener('input', () => {
      window.clearTimeout(searchTimer);
      searchTimer = window.setTimeout(() => void this.runSearch(search.value), 150);
    });
    header.append(search);
    this.searchInfoEl = el('span', { class: 'search-info', id: 'search-info' });
    header.append(this.searchInfoEl);

    const reset = custom('vscode-button', { id: 'reset-zoom', secondary: '' }, 'Reset zoom');
    reset.addEventListener('click', () => {
      this.focus = 0;
      void this.refresh();
    });
    const icicle = checkbox('icicle', 'Icicle', (on) => {
      this.inverted = on;
      this.render(true);
    });
    // Bottom-up and By line change the tree: the zoom starts again at the root.
    const rebuild = (set: (on: boolean) => void) => (on: boolean) => {
      set(on);
      this.focus = 0;
      void this.refresh();
    };
    const bottomUp = checkbox(
      'bottom-up',
      'Bottom-up',
      rebuild((on) => (this.reverse = on)),
    );
    const byLine = checkbox(
      'by-line',
      'By line',
      rebuild((on) => (this.byLine = on)),
    );
    header.append(reset, icicle, bottomUp, byLine);

    this.exportGroup = el('span', { class: 'export' });
    for (const format of ['collapsed', 'speedscope'] as const) {
      const b = custom(
        'vscode-button',
        { secondary: '', id: `export-${format}` },
        format === 'collapsed' ? 'Export .folded' : 'Export speedscope',
      );
      b.addEventListener('click', () => this.transport.post({ type: 'export', format }));
      this.exportGroup.append(b);
    }
    header.append(this.exportGroup);

    this.graphEl = el('div', { id: 'flamegraph', class: 'graph' });
    this.statusEl = el('div', { class: 'status', id: 'status' });
    const tooltipEl = el('div', { class: 'tooltip', role: 'tooltip' });
    const live = el('span', { class: 'visually-hidden', 'aria-live': 'polite', id: 'frame-live' });
    this.tip = new FrameTooltip(tooltipEl, this.graphEl);
    this.keyboard = new FrameKeyboard(this.graphEl, this.tip, live, {
      zoom: (d) => this.onFrameClick(d),
      reset: () => {
        this.focus = 0;
        void this.refresh();
      },
      inverted: () => this.inverted,
      describe: (d) => this.describe(d.data),
    });

    const lower = el('div', { class: 'lower' });
    const hotSection = el('section', { class: 'hot' });
    hotSection.append(el('h2', {}, 'Hot functions'));
    const table = el('table', { id: 'hot-table' });
    const thead = el('thead');
    const hr = el('tr');
    for (const h of ['Total', 'Self', 'Function', 'Location'])
      hr.append(el('th', h === 'Total' || h === 'Self' ? { class: 'num' } : {}, h));
    thead.append(hr);
    this.hotTable = el('tbody');
    table.append(thead, this.hotTable);
    hotSection.append(scrolling(table));
    this.sandwichEl = el('section', { class: 'sandwich', id: 'sandwich' });
    this.sandwichEl.append(
      el('h2', {}, 'Callers / callees'),
      el('p', { class: 'hint' }, 'Select a frame or a function to see who calls it and what it calls.'),
    );
    lower.append(hotSection, this.sandwichEl);

    host.append(header, this.statusEl, this.graphEl, lower, tooltipEl, live);
    // Clicks are handled here, in the capture phase, so d3-flame-graph does not first redraw a
    // local zoom that the detail view from the host replaces anyway.
    this.graphEl.addEventListener(
      'click',
      (e) => {
        const g = (e.target as Element | null)?.closest?.('g.frame');
        if (!g) return;
        e.stopPropagation();
        this.onFrameClick(select(g as SVGGElement).datum() as D3Node);
      },
      true,
    );
    transport.onMessage(this.handlers);
    window.addEventListener('resize', () => {
      this.cachedWidth = 0;
      this.render(false);
    });
    transport.post({ type: 'ready' });
  }

  private request<M extends RpcMethod>(method: M, params: RpcParams<M>): Promise<RpcResult<M>> {
    const id = this.nextId++;
    return new Promise<RpcResult<M>>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.transport.post({ type: 'request', id, method, params } as ToHost);
    });
  }

  private readonly handlers: Handlers<ToWebview> = {
    init: (m) => {
      this.summary = m.summary;
      this.options = m.options;
      this.onInit();
    },
    response: (m) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (m.ok) p.resolve(m.result);
      else p.reject(new Error(m.error));
    },
    error: (m) => this.showError(m.message),
    sourcesRead: () => {
      this.hotKey = '\u0001(sources read)';
      void this.refresh();
    },
  };

  private showError(message: string): void {
    this.statusEl.textContent = message;
    this.statusEl.classList.add('error');
    this.graphEl.replaceChildren();
  }

  private onInit(): void {
    const s = this.summary!;
    this.titleEl.textContent = visibleText(s.title);
    this.exportGroup.hidden = !this.options.interactive;
    this.threadSelect.replaceChildren();
    const all = custom('vscode-option', { value: '*' }, `All threads (${s.threads.length})`);
    this.threadSelect.append(all);
    for (const t of s.threads) {
      this.threadSelect.append(custom('vscode-option', { value: t.id }, `${t.name} · ${pct(t.weight, s.total)}`));
    }
    this.threadSelect.value = '*';
    this.threads = [];
    this.focus = 0;
    void this.refresh();
  }

  private unitLabel(): string {
    const u = this.summary?.unit ?? 'samples';
    return u === 'samples' || u === 'none' ? 'samples' : u;
  }

  private hotKey = '\u0001(none yet)';

  private async refresh(): Promise<void> {
    const seq = ++this.renderSeq;
    const s = this.summary;
    if (!s) return;
    const t0 = performance.now();
    try {
      const view = await this.request('view', {
        focus: this.focus,
        threads: this.threads,
        reverse: this.reverse,
        widthPx: this.width(),
        byLine: this.byLine,
      });
      if (seq !== this.renderSeq) return;
      this.view = view;
      this.render(true);
      // The hot-function table depends on the thread selection only, not on the zoom.
      const hotKey = this.threads.join('\u0000');
      if (hotKey !== this.hotKey) {
        this.hotKey = hotKey;
        void this.request('hotFunctions', { threads: this.threads, top: 50 }).then((hot) => this.renderHot(hot));
      }
      if (this.searchTerm) void this.runSearch(this.searchTerm);
      const ms = performance.now() - t0;
      this.statusEl.classList.remove('error');
      this.statusEl.textContent =
        `${s.format} · ${fmtNum(view.total)} ${this.unitLabel()} · ${s.threads.length} thread(s) · ${view.nodeCount} frames shown` +
        (this.focus !== 0 ? ' · zoomed (Reset zoom to go back)' : '');
      this.root.dataset.renderMs = ms.toFixed(1);
      document.body.dataset.flamelensReady = String(seq);
    } catch (e) {
      this.showError(`Could not build the flame graph: ${(e as Error).message}`);
    }
  }

  private cachedWidth = 0;

  /** Width of the drawing, measured on resize only (reading it per render forces a layout). */
  private width(): number {
    if (this.cachedWidth === 0) this.cachedWidth = Math.max(300, this.graphEl.clientWidth || window.innerWidth - 24);
    return this.cachedWidth;
  }

  private chartInverted = false;

  private render(fresh: boolean): void {
    if (!this.view) return;
    // The hovered frame may be gone after a redraw, and with it the mouseout that hides the tip.
    this.tip.hide();
    this.keyboard.reset();
    if (fresh && this.chart && this.chartInverted === this.inverted) {
      // Same chart, new data: d3 reuses the existing elements instead of rebuilding the SVG.
      this.chart.width(this.width());
      this.chart.update(this.view.root);
      return;
    }
    if (fresh || !this.chart) {
      this.chartInverted = this.inverted;
      this.graphEl.replaceChildren();
      const chart = (flamegraph as unknown as () => FlameChart)()
        .width(this.width())
        .cellHeight(18)
        .transitionDuration(0)
        .minFrameSize(1)
        .resetHeightOnZoom(true)
        .inverted(this.inverted)
        .selfValue(false)
        .sort(false)
        .getName((d: D3Node) => visibleText(d.data.name));
      // d3-flame-graph takes a tooltip only as a function object carrying show/hide.
      chart.tooltip(
        Object.assign(() => undefined, {
          show: (d: D3Node) => this.tip.show(this.describe(d.data)),
          hide: () => this.tip.hide(),
        }),
      );
      chart.setSearchMatch((d: D3Node, term: string) => {
        const t = term.toLowerCase();
        return !!t && (d.data.name.toLowerCase().includes(t) || (d.data.file ?? '').toLowerCase().includes(t));
      });
      chart.setColorMapper((d: D3Node, original: string) => {
        if ((d as unknown as { highlight?: boolean }).highlight) return 'var(--fl-highlight, #e600e6)';
        if (d.data.merged) return 'var(--fl-merged, #9e9e9e)';
        if (d.data.kind === 'native') return '#7fa7d8';
        return original;
      });
      this.chart = chart;
      select(this.graphEl)
        .datum(this.view.root)
        .call(chart as unknown as (s: unknown) => void);
    } else {
      this.chart.width(this.width());
      this.chart.update();
    }
  }

  private onFrameClick(d: D3Node): void {
    const node = d.data;
    let focus = node.id;
    if (node.merged) focus = d.parent ? d.parent.data.id : 0;
    if (focus < 0) focus = 0;
    if (focus !== this.focus) {
      this.focus = focus;
      void this.refresh();
    }
    if (node.id > 0 && !node.merged) {
      // After the zoomed view: the callers/callees table can take a moment on big profiles.
      requestAnimationFrame(() => setTimeout(() => void this.showSandwich(node.name, node.file), 0));
      if (this.options.openSourceOnClick && node.file)
        this.transport.post({ type: 'openSource', file: node.file, line: node.defLine ?? node.line });
    }
  }

  private describe(n: FlameNode): string[] {
    return tooltipLines(n, this.view?.total ?? 0, this.unitLabel(), this.byLine);
  }

  private async runSearch(term: string): Promise<void> {
    this.searchTerm = term.trim();
    if (!this.chart) return;
    if (!this.searchTerm) {
      this.chart.clear();
      this.searchInfoEl.textContent = '';
      return;
    }
    this.chart.search(this.searchTerm);
    const r: SearchResult = await this.request('search', { term: this.searchTerm, threads: this.threads });
    if (r.term !== this.searchTerm) return;
    this.searchInfoEl.textContent =
      r.matchedFrames === 0
        ? 'no match'
        : `${r.pct.toFixed(1)}% matched (${fmtNum(r.matched)} of ${fmtNum(r.total)} ${this.unitLabel()})`;
  }

  private actions(): TableActions {
    return {
      showSandwich: (name, file) => void this.showSandwich(name, file),
      openSource: this.options.interactive
        ? (file, line) => this.transport.post({ type: 'openSource', file, line })
        : undefined,
    };
  }

  private renderHot(hot: HotFunctionsResult): void {
    this.hotTable.replaceChildren(...hotRows(hot, this.actions()));
  }

  private async showSandwich(name: string, file?: string): Promise<void> {
    const s: Sandwich = await this.request('sandwich', { name, file, threads: this.threads });
    this.sandwichEl.replaceChildren(...sandwichContent(s, this.unitLabel(), this.actions()));
  }
}
