// The trace view in the standalone HTML report: the traces embedded in #flamelens-data, one
// shown at a time (a select when there are several), and for a trace whose timeline columns
// came with it, the Timeline tab answered in the page itself (no host: the index is unpacked
// here and asked as the extension host would be).
import type { TraceViewData } from '../../src/core/analysis/torch/torchView';
import { compareRanks } from '../../src/core/analysis/torch/torchView';
import { unpackTimeline, reportDetails, type PackedTimeline } from '../../src/core/analysis/timeline/timelinePack';
import {
  aggregate,
  namesMatching,
  queryWindow,
  rowOf,
  spansNamed,
} from '../../src/core/analysis/timeline/timelineQuery';
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
      case 'timelineOpen':
        return tab().init({
          type: 'timelineInit',
          meta: {
            spanUs: ix.spanUs,
            lanes: ix.lanes,
            counters: ix.counters.map((c) => ({
              title: c.title,
              group: c.group,
              unit: c.unit,
              max: c.v.reduce((a, v) => Math.max(a, v), 0),
            })),
            busy: t.busy.map((b) => ({ title: b.title, group: b.group })),
            steps: packed.steps,
            spans: ix.start.length,
          },
        });
      case 'timelineQuery': {
        const a = queryWindow(ix, t.busy, m);
        const names: [number, string][] = [];
        for (const id of a.name)
          if (!sent.has(id)) {
            sent.add(id);
            names.push([id, ix.names[id]]);
          }
        return tab().window({ type: 'timelineWindow', seq: m.seq, answer: a, names });
      }
      case 'timelineSelect':
        return tab().detailsOf({ type: 'timelineDetails', details: reportDetails(ix, m.flat), hover: m.hover });
      case 'timelineAggregate':
        return tab().aggregate({
          type: 'timelineAggregate',
          t0: m.t0,
          t1: m.t1,
          rows: aggregate(ix, m.t0, m.t1, m.rows).slice(0, 1000),
        });
      case 'timelineSearch': {
        const ids = m.exact
          ? new Set(ix.names.flatMap((n, i) => (n === m.text ? [i] : [])))
          : namesMatching(ix, m.text);
        const { spans, total } = ids.size ? spansNamed(ix, ids, MAX_MATCHES) : { spans: new Uint32Array(), total: 0 };
        return tab().found({
          type: 'timelineMatches',
          seq: m.seq,
          text: m.text,
          total,
          nameIds: [...ids],
          flat: [...spans],
          row: Array.from(spans, (f) => rowOf(ix, f)),
          start: Array.from(spans, (f) => ix.start[f]),
          end: Array.from(spans, (f) => ix.end[f]),
        });
      }
      default:
        return undefined;
    }
  };
  // As a host would: answered after the page's own turn.
  return (m) => void setTimeout(() => answer(m), 0);
}
