// The flame graph view's page: toolbar (threads, search, zoom, icicle, bottom-up, export), the
// graph (drawn on canvas from the host's level-of-detail view), the hot-function table and the
// callers/callees of the selected function. It renders what it is sent and posts back intents.
import type { FlameNode, FlameView } from '../../src/core/analysis/cpu/flameView';
import { unpackFlameView, type PackedFlameView } from '../../src/core/analysis/cpu/flameViewWire';
import { HOT_TOP, type ProfileSummary, type HotFunctionsResult } from '../../src/core/analysis/cpu/profileSession';
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
import { CanvasFlame, MERGED, NATIVE, warmColor, type DrawnFrame } from '../shared/canvasFlame';
import { checkbox, custom, fmtNum, pct } from './format';
import { FrameKeyboard, FrameTooltip, tooltipLines } from './interaction';
import { hotTable, sandwichContent, type TableActions } from './tables';
import type { SharedTable } from '../shared/table';
import type { FunctionStat } from '../../src/core/analysis/cpu/hotPaths';
import type { Transport } from './transport';

type Frame = DrawnFrame<FlameNode>;

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
  private readonly chart: CanvasFlame<FlameNode>;
  private searchTerm = '';
  private readonly root: HTMLElement;
  private readonly graphEl: HTMLElement;
  private readonly tip: FrameTooltip;
  private readonly statusEl: HTMLElement;
  private readonly searchInfoEl: HTMLElement;
  private readonly titleEl: HTMLElement;
  private readonly timeOrderButton: HTMLElement;
  private readonly threadSelect: HTMLElement & { value: string };
  private readonly hot: SharedTable<FunctionStat>;
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
      this.render();
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
    // Speedscope's "time order" beside the merged ("left heavy") graph: the samples in the order
    // they were taken, on the trace view's timeline. Only where the file says when they were.
    this.timeOrderButton = custom(
      'vscode-button',
      { id: 'time-order', secondary: '', title: 'The samples in the order they were taken, on a timeline' },
      'Time order',
    );
    this.timeOrderButton.addEventListener('click', () => this.transport.post({ type: 'timeOrder' }));
    this.timeOrderButton.hidden = true;
    header.append(reset, icicle, bottomUp, byLine, this.timeOrderButton);

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
    this.chart = new CanvasFlame<FlameNode>(this.graphEl, {
      name: (n) => visibleText(n.name),
      color: (n) => (n.merged ? MERGED : n.kind === 'native' ? NATIVE : warmColor(n.name)),
      onClick: (f) => this.onFrameClick(f),
      onHover: (f, e) => (f ? this.tip.follow(this.describe(f.node), e.clientX, e.clientY) : this.tip.hide()),
    });
    // What is drawn, for tests and accessibility tools (the canvas itself has no DOM per frame).
    (window as unknown as { flamelensFrames: () => unknown }).flamelensFrames = () => this.chart.readout();
    new FrameKeyboard(this.graphEl, () => this.chart, this.tip, live, {
      zoom: (d) => this.onFrameClick(d),
      reset: () => {
        this.focus = 0;
        void this.refresh();
      },
      inverted: () => this.inverted,
      describe: (f) => this.describe(f.node),
    });

    const lower = el('div', { class: 'lower' });
    const hotSection = el('section', { class: 'hot' });
    this.hot = hotTable(this.actions(), (csv) =>
      this.transport.post({ type: 'exportCsv', name: 'hot-functions', csv }),
    );
    hotSection.append(this.hot.element);
    this.sandwichEl = el('section', { class: 'sandwich', id: 'sandwich' });
    this.sandwichEl.append(
      el('h2', {}, 'Callers / callees'),
      el('p', { class: 'hint' }, 'Select a frame or a function to see who calls it and what it calls.'),
    );
    lower.append(hotSection, this.sandwichEl);

    host.append(header, this.statusEl, this.graphEl, lower, tooltipEl, live);
    transport.onMessage(this.handlers);
    window.addEventListener('resize', () => {
      this.cachedWidth = 0;
      this.render();
    });
    transport.post({ type: 'ready' });
    // The first view is asked for with `ready`, not after `init`: the host computes it while
    // this page lays itself out, a round trip sooner (used if nothing changed meanwhile).
    const params = this.viewParams();
    this.early = { key: JSON.stringify(params), view: this.request('view', params) };
  }

  private early?: { key: string; view: Promise<FlameView> };

  private viewParams() {
    const { focus, threads, reverse, byLine } = this;
    return { focus, threads, reverse, widthPx: this.width(), byLine };
  }

  private request<M extends RpcMethod>(method: M, params: RpcParams<M>): Promise<RpcResult<M>> {
    const id = this.nextId++;
    return new Promise<RpcResult<M>>((resolve, reject) => {
      const done = resolve as (v: unknown) => void;
      // The view comes packed (columns and a string table): the tree is rebuilt here.
      const unpack =
        method === 'view'
          ? (v: unknown) => {
              performance.mark('flamelens-view-received');
              done(unpackFlameView(v as PackedFlameView));
            }
          : done;
      this.pending.set(id, { resolve: unpack, reject });
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
    this.chart.canvas.hidden = true;
  }

  private onInit(): void {
    const s = this.summary!;
    this.titleEl.textContent = visibleText(s.title);
    this.exportGroup.hidden = !this.options.interactive;
    this.timeOrderButton.hidden = !(this.options.interactive && this.options.timeOrder);
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
      const params = this.viewParams();
      const early = this.early;
      this.early = undefined;
      const view = await (early?.key === JSON.stringify(params) ? early.view : this.request('view', params));
      if (seq !== this.renderSeq) return;
      this.view = view;
      this.render();
      // The hot-function table depends on the thread selection only, not on the zoom.
      const hotKey = this.threads.join('\u0000');
      if (hotKey !== this.hotKey) {
        this.hotKey = hotKey;
        void this.request('hotFunctions', { threads: this.threads, top: HOT_TOP }).then((hot) => this.renderHot(hot));
      }
      if (this.searchTerm) void this.runSearch(this.searchTerm);
      const ms = performance.now() - t0;
      this.statusEl.classList.remove('error');
      this.statusEl.textContent =
        `${s.format} · ${fmtNum(view.total)} ${this.unitLabel()} · ${s.threads.length} thread(s) · ${view.nodeCount} frames shown` +
        (this.focus !== 0 ? ' · zoomed (Reset zoom to go back)' : '');
      this.root.dataset.renderMs = ms.toFixed(1);
      document.body.dataset.flamelensReady = String(seq);
      // When each view arrived and was drawn, on the page's clock (read by `npm run bench`).
      performance.mark('flamelens-drawn');
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

  private render(): void {
    if (!this.view) return;
    // The hovered frame may be gone after a redraw, and with it the pointer's frame.
    this.tip.hide();
    this.chart.canvas.hidden = false;
    this.chart.setData(this.view.root, this.width(), this.inverted);
  }

  private onFrameClick(d: Frame): void {
    const node = d.node;
    let focus = node.id;
    if (node.merged) focus = d.parent ? d.parent.node.id : 0;
    if (focus < 0) focus = 0;
    let drawn: Promise<void> = Promise.resolve();
    if (focus !== this.focus) {
      this.focus = focus;
      drawn = this.refresh();
    }
    if (node.id > 0 && !node.merged) {
      // Asked for once the zoomed view is drawn: on big profiles the callers/callees take the
      // host a moment, and the zoom should not wait behind them.
      void drawn.then(() => requestAnimationFrame(() => void this.showSandwich(node.name, node.file)));
      if (this.options.openSourceOnClick && node.file)
        this.transport.post({ type: 'openSource', file: node.file, line: node.defLine ?? node.line });
    }
  }

  private describe(n: FlameNode): string[] {
    return tooltipLines(n, this.view?.total ?? 0, this.unitLabel(), this.byLine);
  }

  private async runSearch(term: string): Promise<void> {
    this.searchTerm = term.trim();
    if (!this.searchTerm) {
      this.chart.highlight(undefined);
      this.searchInfoEl.textContent = '';
      return;
    }
    const t = this.searchTerm.toLowerCase();
    this.chart.highlight((n) => n.name.toLowerCase().includes(t) || (n.file ?? '').toLowerCase().includes(t));
    const r: SearchResult = await this.request('search', { term: this.searchTerm, threads: this.threads });
    if (r.term !== this.searchTerm) return;
    this.searchInfoEl.textContent =
      r.matchedFrames === 0
        ? 'no match'
        : `${r.pct.toFixed(1)}% matched (${fmtNum(r.matched)} of ${fmtNum(r.total)} ${this.unitLabel()})`;
  }

  /** What the tables' links do; opening sources waits for the host to say it can (init). */
  private actions(): TableActions {
    const options = () => this.options;
    const post = (m: ToHost) => this.transport.post(m);
    return {
      showSandwich: (name, file) => void this.showSandwich(name, file),
      get openSource() {
        return options().interactive
          ? (file: string, line?: number) => post({ type: 'openSource', file, line })
          : undefined;
      },
      exportCsv: (csv) => post({ type: 'exportCsv', name: 'callers-callees', csv }),
    };
  }

  private renderHot(hot: HotFunctionsResult): void {
    this.hot.setRows(hot.functions);
  }

  private async showSandwich(name: string, file?: string): Promise<void> {
    const s: Sandwich = await this.request('sandwich', { name, file, threads: this.threads });
    this.sandwichEl.replaceChildren(...sandwichContent(s, this.unitLabel(), this.actions()));
  }
}
