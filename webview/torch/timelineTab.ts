// The Timeline tab of the trace view: the toolbar (search with previous/next, colour by
// category or name, zoom to selection, whole trace), the timeline canvas, the details of the
// selected span (arguments, input shapes, Python stack with links to the source, the launching
// operator and runtime call, the kernels it launched, each a link on the timeline), and the
// aggregate table of a box selection. It asks the host; it draws what comes back.
import type { AggregateRow } from '../../src/core/analysis/timeline/timelineQuery';
import type { SpanDetails, SpanRef } from '../../src/core/analysis/torch/torchTimeline';
import type { TimelineMeta, TimelineState, ToHost, ToWebview } from '../../src/shared/protocol/torchTrace';
import { button } from '../shared/controls';
import { el } from '../shared/dom';
import { createTable, type SharedTable } from '../shared/table';
import { TimelineView } from '../shared/timeline/timelineView';
import { formatDuration } from '../shared/timeline/timeAxis';

type Msg<K extends ToWebview['type']> = Extract<ToWebview, { type: K }>;

export class TimelineTab {
  readonly element = el('section', { class: 'timeline', id: 'timeline' });
  private readonly view: TimelineView;
  private readonly details = el('section', { class: 'timeline-details', id: 'timeline-details' });
  private readonly aggregateBox = el('section', { class: 'timeline-aggregate', id: 'timeline-aggregate' });
  private readonly search = el('input', {
    type: 'search',
    id: 'timeline-search',
    placeholder: 'Search names (Enter: next)',
    'aria-label': 'Search the timeline',
  });
  private readonly matchInfo = el('span', { class: 'hint', id: 'timeline-matches' });
  private matches?: Msg<'timelineMatches'>;
  private matchAt = -1;
  private searchSeq = 0;
  private opened = false;
  private aggregateTable?: SharedTable<AggregateRow>;

  constructor(
    private readonly post: (m: ToHost) => void,
    private readonly openSource: ((file: string, line: number) => void) | undefined,
    private readonly exportCsv: (name: string, csv: string) => void,
  ) {
    const bar = el('div', { class: 'toolbar timeline-toolbar' });
    const color = el('select', { id: 'timeline-color', 'aria-label': 'Colour by' });
    for (const [v, t] of [
      ['category', 'Colour by category'],
      ['name', 'Colour by name'],
    ])
      color.append(el('option', { value: v }, t));
    color.addEventListener('change', () => {
      this.view.colorBy = color.value as TimelineState['colorBy'];
      this.view.changed();
    });
    bar.append(
      this.search,
      button('Previous', { id: 'timeline-prev', title: 'Previous match (Shift+Enter)' }, () => this.step(-1)),
      button('Next', { id: 'timeline-next', title: 'Next match (Enter)' }, () => this.step(1)),
      this.matchInfo,
      color,
      button('Zoom to selection', { id: 'timeline-zoom-selection', title: 'F' }, () => this.view.zoomToSelection()),
      button('Whole trace', { id: 'timeline-reset' }, () => this.view.setWindow(0, this.meta?.spanUs ?? 1)),
    );
    this.search.addEventListener('keydown', (e) => {
      if (e.key !== 'Enter') return;
      e.preventDefault();
      if (this.matches && this.matches.text === this.search.value) this.step(e.shiftKey ? -1 : 1);
      else this.find(this.search.value, false);
    });
    const help = el(
      'p',
      { class: 'hint' },
      'Ctrl+wheel, pinch or W/S zoom · drag, A/D or Shift+wheel pan · wheel scrolls lanes · Shift+drag or drag on the ruler selects a range · click a span for details · click a label to fold it',
    );
    this.element.append(bar, help);
    this.view = new TimelineView(this.element, {
      query: (seq, t0, t1, px, shown) => post({ type: 'timelineQuery', seq, t0, t1, px, ...shown }),
      select: (flat, hover) => post({ type: 'timelineSelect', flat, hover }),
      aggregate: (t0, t1, rows) => post({ type: 'timelineAggregate', t0, t1, rows }),
      saveState: (state) => post({ type: 'timelineState', state }),
    });
    this.details.append(el('p', { class: 'hint' }, 'Click a span to see its details.'));
    this.element.append(this.details, this.aggregateBox);
    color.value = this.view.colorBy;
    (window as unknown as { flamelensTimeline: unknown }).flamelensTimeline = {
      items: (limit?: number) => this.view.readout(limit),
      stats: () => this.view.stats,
      window: () => this.view.window,
      selected: () => this.view.selected,
      setWindow: (t0: number, t1: number) => this.view.setWindow(t0, t1),
      flows: () => this.view.flows.length,
      details: () => this.shownDetails,
      lanes: () => this.meta?.lanes.map((l) => `${l.group} · ${l.title}`) ?? [],
      canvas: () => this.view.canvas.getBoundingClientRect().toJSON(),
    };
  }

  private meta?: TimelineMeta;
  private shownDetails?: SpanDetails;

  /** The tab became visible: the first time, ask for the index. */
  shown(): void {
    if (!this.opened) {
      this.opened = true;
      this.post({ type: 'timelineOpen', px: this.view.plotWidth });
    } else this.view.changed();
  }

  private pendingRange?: [number, number];

  /** Shows [t0, t1] with a tenth of it either side (once the index is there). */
  showRange(t0: number, t1: number): void {
    const pad = Math.max(1, (t1 - t0) / 10);
    if (this.meta) this.view.setWindow(t0 - pad, t1 + pad);
    else this.pendingRange = [t0 - pad, t1 + pad];
  }

  init(m: Msg<'timelineInit'>): void {
    this.meta = m.meta;
    this.view.init(m.meta, m.state, m.first);
    if (this.pendingRange) this.view.setWindow(...this.pendingRange);
    this.pendingRange = undefined;
    (this.element.querySelector('#timeline-color') as HTMLSelectElement).value = this.view.colorBy;
    document.body.dataset.flamelensTimeline = 'ready';
  }

  window(m: Msg<'timelineWindow'>): void {
    this.view.onWindow(m.seq, m.answer, m.names);
  }

  /** Search by text, or (from a table) every instance of one name. */
  find(text: string, exact: boolean): void {
    this.search.value = text;
    this.matches = undefined;
    this.matchAt = -1;
    this.matchInfo.textContent = text ? 'searching…' : '';
    if (!text) {
      this.view.matchNames = new Set();
      this.view.changed();
      return;
    }
    this.post({ type: 'timelineSearch', seq: ++this.searchSeq, text, exact });
  }

  found(m: Msg<'timelineMatches'>): void {
    if (m.seq !== this.searchSeq) return;
    this.matches = m;
    this.view.matchNames = new Set(m.nameIds);
    const capped = m.total > m.flat.length ? ` (first ${m.flat.length.toLocaleString('en-US')})` : '';
    this.matchInfo.textContent = m.total === 0 ? 'no match' : `${m.total.toLocaleString('en-US')} matches${capped}`;
    if (m.total > 0) this.step(1);
    else this.view.changed();
  }

  private step(dir: 1 | -1): void {
    const m = this.matches;
    if (!m || m.flat.length === 0) return;
    this.matchAt = (this.matchAt + dir + m.flat.length) % m.flat.length;
    const i = this.matchAt;
    this.matchInfo.textContent = `${(i + 1).toLocaleString('en-US')} of ${m.total.toLocaleString('en-US')}`;
    this.view.goTo({ flat: m.flat[i], row: m.row[i], startUs: m.start[i], durUs: m.end[i] - m.start[i] });
  }

  detailsOf(m: Msg<'timelineDetails'>): void {
    const d = m.details;
    if (m.hover) {
      const extra = d.args.filter(([k]) => k === 'input shapes').map(([k, v]) => `${k}: ${v}`);
      if (d.operator) extra.push(`launched by ${d.operator.name}`);
      if (d.stack[0]) extra.push(`${d.stack[0].name} (${d.stack[0].file}:${d.stack[0].line})`);
      this.view.showHoverDetails(d.flat, extra);
      return;
    }
    this.view.setFlows(d.flat, d.flows);
    this.shownDetails = d;
    this.renderDetails(d);
  }

  private link(r: SpanRef, label = r.name): HTMLElement {
    const a = el('a', { href: '#', class: 'span-link' }, label);
    a.addEventListener('click', (e) => {
      e.preventDefault();
      this.view.goTo(r);
    });
    return a;
  }

  private renderDetails(d: SpanDetails): void {
    const box = this.details;
    box.replaceChildren(
      el('h2', {}, 'Selected'),
      el('p', { class: 'span-name' }, d.name),
      el(
        'p',
        { class: 'hint' },
        `${d.category} · ${d.lane} · starts ${formatDuration(d.startUs)} · duration ${formatDuration(d.durUs)} · self ${formatDuration(d.selfUs)}`,
      ),
    );
    if (d.args.length) {
      const dl = el('table', { class: 'args' });
      for (const [k, v] of d.args) {
        const tr = el('tr');
        tr.append(el('th', {}, k), el('td', {}, v));
        dl.append(tr);
      }
      box.append(dl);
    }
    const rel = el('p');
    if (d.launchedBy) rel.append('Launched by ', this.link(d.launchedBy), ' ');
    if (d.operator) rel.append('in operator ', this.link(d.operator));
    if (rel.childNodes.length) box.append(rel);
    if (d.launchCount > 0) {
      box.append(el('h3', {}, `Launched ${d.launchCount} GPU activit${d.launchCount === 1 ? 'y' : 'ies'}`));
      const ol = el('ol', { class: 'launches' });
      for (const l of d.launches) {
        const li = el('li');
        li.append(this.link(l), ` · ${formatDuration(l.durUs)}`);
        ol.append(li);
      }
      box.append(ol);
    }
    if (d.stack.length) {
      box.append(el('h3', {}, 'Python stack'));
      const ol = el('ol', { class: 'stack', id: 'timeline-stack' });
      for (const f of d.stack) {
        const li = el('li');
        const text = `${f.name} (${f.file}:${f.line})`;
        if (this.openSource) {
          const a = el('a', { href: '#', class: 'source-link' }, text);
          a.addEventListener('click', (e) => {
            e.preventDefault();
            this.openSource!(f.file, f.line);
          });
          li.append(a);
        } else li.append(el('span', {}, text));
        ol.append(li);
      }
      box.append(ol);
    }
  }

  aggregate(m: Msg<'timelineAggregate'>): void {
    const title = `Selection: ${formatDuration(m.t0)} – ${formatDuration(m.t1)} (${formatDuration(m.t1 - m.t0)})`;
    const ms = (us: number) => (us / 1000).toFixed(3);
    this.aggregateTable?.element.remove();
    this.aggregateBox.replaceChildren();
    this.aggregateTable = createTable<AggregateRow>(
      'timeline-aggregate-table',
      title,
      m.rows,
      [
        { title: 'Name', value: (r) => r.name },
        { title: 'Category', value: (r) => r.category },
        { title: 'Count', value: (r) => r.count, numeric: true },
        { title: 'Total (ms)', value: (r) => r.totalUs, format: (r) => ms(r.totalUs), numeric: true },
        { title: 'Self (ms)', value: (r) => r.selfUs, format: (r) => ms(r.selfUs), numeric: true },
        { title: 'Self %', value: (r) => r.pct, format: (r) => `${r.pct.toFixed(1)}%`, numeric: true },
      ],
      {
        onExport: (csv) => this.exportCsv('timeline-selection.csv', csv),
        initialSort: 4,
        empty: 'Nothing in the range.',
      },
    );
    this.aggregateBox.append(this.aggregateTable.element);
  }
}
