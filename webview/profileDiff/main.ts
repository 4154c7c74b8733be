/**
 * The profile diff view: a differential flame graph (d3-flame-graph; red frames grew, blue
 * shrank, by share of each profile) and the functions by change in self time. Every string from
 * a profile is inserted as text.
 */
import { select } from 'd3-selection';
import { flamegraph } from 'd3-flame-graph';
import type { DiffNode, DiffViewData, FunctionDiff } from '../../src/core/analysis/cpu/profileDiff';
import type { ToHost, ToWebview } from '../../src/shared/protocol/profileDiff';
import { el } from '../shared/dom';
import { connectHost } from '../shared/host';
import { visibleText } from '../../src/core/util/visibleText';
import { table, type Column } from '../shared/table';
import type { D3Node as SharedD3Node, FlameChart as SharedFlameChart } from '../shared/flameChart';
import 'd3-flame-graph/dist/d3-flamegraph.css';
import '../shared/base.css';
import '../shared/table.css';
import '../shared/flameChart.css';

const app = document.getElementById('app') ?? document.body;
app.classList.add('flamelens', 'trace', 'bench');

function exportCsv(name: string, csv: string): void {
  host?.post({ type: 'exportCsv', name, csv });
}

type D3Node = SharedD3Node<DiffNode>;
type FlameChart = SharedFlameChart<DiffNode>;

/**
 * Red for frames whose share grew, blue for shrank; saturation by the size of the change. The
 * darkest blue, rgb(120,120,255), still gives the dark label a contrast of 5.3 (WCAG AA: 4.5).
 */
function diffColor(delta: number): string {
  const t = Math.min(1, Math.abs(delta) / 10);
  if (Math.abs(delta) < 0.05) return 'rgb(200,200,200)';
  const light = Math.round(225 - 105 * t);
  return delta > 0 ? `rgb(255,${light},${light})` : `rgb(${light},${light},255)`;
}

function renderDiff(d: DiffViewData): void {
  const head = el('header', { class: 'toolbar' });
  head.append(
    el('span', { class: 'title' }, `${d.baseTitle} → ${d.newTitle}`),
    el(
      'span',
      { class: 'hint' },
      `${d.baseTotal.toLocaleString('en-US')} → ${d.newTotal.toLocaleString('en-US')} ${d.unit}; red: a larger share than in the baseline run, blue: smaller`,
    ),
  );
  const shapeBtn = el('button', { type: 'button', id: 'diff-shape' }, "Show the baseline run's shape");
  head.append(shapeBtn);
  app.replaceChildren(head);
  const graph = el('div', { id: 'diff-graph', class: 'graph' });
  const tip = el('div', { class: 'tooltip', role: 'tooltip' });
  tip.hidden = true;
  app.append(graph, tip);
  let baseShape = false;
  const draw = () => {
    graph.replaceChildren();
    const chartFn = (flamegraph as unknown as () => FlameChart)()
      .width(Math.max(300, graph.clientWidth || window.innerWidth - 32))
      .cellHeight(18)
      .transitionDuration(0)
      .minFrameSize(1)
      .selfValue(false)
      .sort(false)
      .getName((n) => visibleText(n.data.name));
    chartFn.setColorMapper((n) => diffColor(n.data.delta));
    chartFn.tooltip(
      Object.assign(() => undefined, {
        show: (n: D3Node) => {
          const x = n.data;
          const lines = [x.name];
          if (x.file) lines.push(`${x.file}${x.line ? `:${x.line}` : ''}`);
          lines.push(
            `total: ${x.basePct.toFixed(2)}% → ${x.newPct.toFixed(2)}% (${x.delta >= 0 ? '+' : ''}${x.delta.toFixed(2)} pts)`,
          );
          lines.push(`self: ${x.baseSelfPct.toFixed(2)}% → ${x.newSelfPct.toFixed(2)}%`);
          tip.replaceChildren(...lines.map((l, i) => el(i === 0 ? 'strong' : 'div', {}, l)));
          tip.hidden = false;
        },
        hide: () => {
          tip.hidden = true;
        },
      }),
    );
    chartFn.onClick((n) => {
      if (n.data.file && host) host.post({ type: 'openSource', file: n.data.file, line: n.data.line });
    });
    select(graph)
      .datum(baseShape ? d.baseTree : d.tree)
      .call(chartFn as unknown as (s: unknown) => void);
    document.body.dataset.flamelensReady = '1';
  };
  graph.addEventListener('mousemove', (e) => {
    tip.style.left = `${Math.min(e.clientX + 14, window.innerWidth - 320)}px`;
    tip.style.top = `${e.clientY + 14}px`;
  });
  shapeBtn.addEventListener('click', () => {
    baseShape = !baseShape;
    shapeBtn.textContent = baseShape ? "Show the new run's shape" : "Show the baseline run's shape";
    draw();
  });
  const cols: Column<FunctionDiff>[] = [
    {
      title: 'Self Δ (pts)',
      value: (r) => r.selfDeltaPts,
      format: (r) => `${r.selfDeltaPts >= 0 ? '+' : ''}${r.selfDeltaPts.toFixed(2)}`,
      numeric: true,
    },
    {
      title: 'Self before → after',
      value: (r) => r.newSelfPct,
      format: (r) => `${r.baseSelfPct.toFixed(2)}% → ${r.newSelfPct.toFixed(2)}%`,
      numeric: true,
    },
    {
      title: 'Total Δ (pts)',
      value: (r) => r.totalDeltaPts,
      format: (r) => `${r.totalDeltaPts >= 0 ? '+' : ''}${r.totalDeltaPts.toFixed(2)}`,
      numeric: true,
    },
    { title: 'Function', value: (r) => r.name },
    { title: 'Location', value: (r) => (r.file ? `${r.file}:${r.line ?? '?'}` : ''), path: true },
  ];
  app.append(
    table(
      'diff-functions',
      'Functions by change in self time',
      d.functions,
      cols,
      (csv) => exportCsv('profile-diff', csv),
      0,
      (r) => {
        if (r.file && host) host.post({ type: 'openSource', file: r.file, line: r.line });
      },
    ),
  );
  requestAnimationFrame(draw);
}

const host = connectHost<ToHost, ToWebview>({
  diffInit: (m) => renderDiff(m.data),
  error: (m) => app.replaceChildren(el('p', { class: 'error' }, m.message)),
});
host?.post({ type: 'ready' });
