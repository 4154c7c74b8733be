/**
 * The profile diff view: a differential flame graph (on canvas; red frames grew, blue
 * shrank, by share of each profile) and the functions by change in self time. Every string from
 * a profile is inserted as text.
 */
import type { DiffNode, DiffViewData, FunctionDiff } from '../../src/core/analysis/cpu/profileDiff';
import type { ToHost, ToWebview } from '../../src/shared/protocol/profileDiff';
import { button } from '../shared/controls';
import { el } from '../shared/dom';
import { connectHost } from '../shared/host';
import { visibleText } from '../../src/core/util/visibleText';
import { table, type Column } from '../shared/table';
import { CanvasFlame, diffColor } from '../shared/canvasFlame';
import '../shared/base.css';
import '../shared/table.css';
import '../shared/flameChart.css';

const app = document.getElementById('app') ?? document.body;
app.classList.add('flamelens', 'trace', 'bench');

function exportCsv(name: string, csv: string): void {
  host?.post({ type: 'exportCsv', name, csv });
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
  const shapeBtn = button("Show the baseline run's shape", { id: 'diff-shape' });
  head.append(shapeBtn);
  app.replaceChildren(head);
  const graph = el('div', { id: 'diff-graph', class: 'graph' });
  const tip = el('div', { class: 'tooltip', role: 'tooltip' });
  tip.hidden = true;
  app.append(graph, tip);
  let baseShape = false;
  const describe = (x: DiffNode): string[] => {
    const lines = [x.name];
    if (x.file) lines.push(`${x.file}${x.line ? `:${x.line}` : ''}`);
    lines.push(
      `total: ${x.basePct.toFixed(2)}% → ${x.newPct.toFixed(2)}% (${x.delta >= 0 ? '+' : ''}${x.delta.toFixed(2)} pts)`,
    );
    lines.push(`self: ${x.baseSelfPct.toFixed(2)}% → ${x.newSelfPct.toFixed(2)}%`);
    return lines;
  };
  const chart = new CanvasFlame<DiffNode>(graph, {
    name: (n) => visibleText(n.name),
    color: (n) => diffColor(n.delta),
    onHover: (f, e) => {
      tip.hidden = !f;
      if (!f) return;
      tip.replaceChildren(...describe(f.node).map((l, i) => el(i === 0 ? 'strong' : 'div', {}, l)));
      tip.style.left = `${Math.max(0, Math.min(e.clientX + 14, window.innerWidth - tip.offsetWidth - 4))}px`;
      tip.style.top = `${e.clientY + 14}px`;
    },
    onClick: (f) => {
      if (f.node.file && host) host.post({ type: 'openSource', file: f.node.file, line: f.node.line });
    },
  });
  (window as unknown as { flamelensFrames: () => unknown }).flamelensFrames = () => chart.readout();
  const draw = () => {
    chart.setData(baseShape ? d.baseTree : d.tree, Math.max(300, graph.clientWidth || window.innerWidth - 32), false);
    document.body.dataset.flamelensReady = '1';
  };
  window.addEventListener('resize', () => draw());
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
