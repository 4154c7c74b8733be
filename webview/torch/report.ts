// The trace view in the standalone HTML report: the traces embedded in #flamelens-data, one
// shown at a time (a select when there are several), and for a trace whose timeline columns
// came with it, the Timeline tab answered in the page itself (no host: the index is unpacked
// here and asked as the extension host would be).
import type { TraceViewData } from '../../src/core/analysis/torch/torchView';
import { compareRanks } from '../../src/core/analysis/torch/torchView';
import { unpackTimeline, reportDetails, type PackedTimeline } from '../../src/core/analysis/timeline/timelinePack';
import { aggregate } from '../../src/core/analysis/timeline/timelineQuery';
import { firstWindow, matchesOf, outlineOf, windowWithNames } from '../../src/core/analysis/timeline/timelineAnswers';
import { MAX_MATCHES, type ToHost } from '../../src/shared/protocol/torchTrace';
import type { render as renderView } from './main';
import { downloadCsv } from '../shared/table';
import { el } from '../shared/dom';
import { Tabs } from './tabs';
import { TimelineTab } from './timelineTab';

export function bootReport(app: HTMLElement, root: HTMLElement, render: typeof renderView): void {
  const dataEl = document.getElementById('flamelens-data');
  const traces = dataEl ? (JSON.parse(dataEl.textContent ?? '[]') as TraceViewData[]) : [];
  if (traces.length === 0) {
    root.textContent = 'No trace data in this report.';
    return;
  }
  const ranks = traces.length > 1 ? compareRanks(traces) : undefined;
  let tabs: Tabs | undefined;
  const show = (i: number) => {
    const cols = traces[i].timelineColumns;
    tabs?.remove();
    tabs = undefined;
    if (cols && 'columns' in cols) {
      let tab: TimelineTab | undefined = undefined;
      tab = new TimelineTab(
        localHost(cols, () => tab!),
        undefined,
        downloadCsv,
      );
      tabs = new Tabs(app, root, tab);
    }
    render(
      root,
      traces[i],
      downloadCsv,
      ranks,
      undefined,
      undefined,
      tabs ? (name) => tabs!.showOnTimeline(name) : undefined,
    );
    if (cols && 'leftOut' in cols)
      root.querySelector('header')?.after(el('p', { class: 'hint', id: 'timeline-left-out' }, cols.leftOut));
    else if (cols?.trimmed)
      root.querySelector('header')?.after(el('p', { class: 'hint', id: 'timeline-trimmed' }, cols.trimmed));
    if (traces.length > 1) {
      const sel = el('select', { id: 'trace-select', 'aria-label': 'Trace' });
      traces.forEach((t, k) => {
        const o = el('option', { value: String(k) }, t.title);
        if (k === i) o.selected = true;
        sel.append(o);
      });
      sel.addEventListener('change', () => show(Number(sel.value)));
      root.querySelector('header')?.append(sel);
    }
  };
  show(0);
}

/** The host's answers, computed in the page from the report's columns. */
function localHost(packed: PackedTimeline, tab: () => TimelineTab): (m: ToHost) => void {
  let t: ReturnType<typeof unpackTimeline> | undefined;
  const sent = new Set<number>();
  const answer = (m: ToHost) => {
    t ??= unpackTimeline(packed);
    const ix = t.index;
    switch (m.type) {
      case 'timelineOpen': {
        const meta = outlineOf(ix, t.busy, packed.steps);
        const first = m.px ? firstWindow(ix, t.busy, meta, undefined, m.px, sent) : undefined;
        return tab().init({ type: 'timelineInit', meta, first });
      }
      case 'timelineQuery':
        return tab().window({ type: 'timelineWindow', seq: m.seq, ...windowWithNames(ix, t.busy, m, sent) });
      case 'timelineSelect':
        return tab().detailsOf({ type: 'timelineDetails', details: reportDetails(ix, m.flat), hover: m.hover });
      case 'timelineAggregate':
        return tab().aggregate({
          type: 'timelineAggregate',
          t0: m.t0,
          t1: m.t1,
          rows: aggregate(ix, m.t0, m.t1, m.rows).slice(0, 1000),
        });
      case 'timelineSearch':
        return tab().found({
          type: 'timelineMatches',
          seq: m.seq,
          text: m.text,
          ...matchesOf(ix, m.text, m.exact ?? false, MAX_MATCHES),
        });
      default:
        return undefined;
    }
  };
  // As a host would: answered after the page's own turn.
  return (m) => void setTimeout(() => answer(m), 0);
}
