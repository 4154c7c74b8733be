/**
 * The benchmark comparison view: one row per benchmark (baseline and current medians, change,
 * the confidence interval of the ratio, p-value, verdict) and, for the selected benchmark, its
 * history (chart.js): medians over time with their confidence band, the baseline's median and
 * band, change points marked. Every string from a result is inserted as text.
 */
import {
  Chart,
  type ChartDataset,
  LineController,
  LineElement,
  PointElement,
  LinearScale,
  CategoryScale,
  Filler,
  Tooltip,
  Legend,
} from 'chart.js';
import type { BenchViewData, BenchmarkHistory } from '../../src/core/analysis/bench/benchHistory';
import {
  formatSeconds,
  pValueText,
  shortReason,
  type BenchmarkComparison,
} from '../../src/core/analysis/bench/benchCompare';
import type { ToHost, ToWebview } from '../../src/shared/protocol/benchComparison';
import '../shared/chartKit';
import { button } from '../shared/controls';
import { el } from '../shared/dom';
import { connectHost } from '../shared/host';
import { table, type Column } from '../shared/table';
import '../shared/base.css';
import '../shared/table.css';
import './style.css';

Chart.register(LineController, LineElement, PointElement, LinearScale, CategoryScale, Filler, Tooltip, Legend);

const app = document.getElementById('app') ?? document.body;
app.classList.add('flamelens', 'trace', 'bench');

const seconds = (s: number) => (Number.isFinite(s) ? formatSeconds(s) : '—');
const pValue = (p: number) => (Number.isFinite(p) ? pValueText(p) : '—');

function verdictText(c: BenchmarkComparison): string {
  const change = (c.ratio - 1) * 100;
  if (c.verdict === 'regression') return `▲ ${change.toFixed(1)}% slower`;
  if (c.verdict === 'improvement') return `▼ ${(-change).toFixed(1)}% faster`;
  if (c.verdict === 'inconclusive') return `? inconclusive: ${shortReason(c.reason ?? '')}`;
  return c.significant ? 'within threshold' : 'no difference detected';
}

function exportCsv(name: string, csv: string): void {
  host?.post({ type: 'exportCsv', name, csv });
}

let chart: Chart<'line', number[], string> | undefined;

function renderHistory(
  box: HTMLElement,
  h: BenchmarkHistory | undefined,
  cmp: BenchmarkComparison | undefined,
  baselineLabel: string | undefined,
): void {
  chart?.destroy();
  chart = undefined;
  box.replaceChildren();
  if (!h) {
    box.append(el('p', { class: 'hint' }, 'No history for this benchmark yet.'));
    return;
  }
  const title = el('h2', { id: 'history-title' }, `History: ${h.name}`);
  const hint = el(
    'p',
    { class: 'hint' },
    `${h.points.length} result${h.points.length === 1 ? '' : 's'}; the band is the 95% confidence interval of each median.`,
  );
  box.append(title);
  if (cmp) box.append(el('p', { id: 'history-summary' }, `vs ${baselineLabel ?? 'the baseline'}: ${cmp.summary}`));
  box.append(hint);
  const points = h.points;
  const max = Math.max(...points.map((p) => p.ciHigh), cmp?.baselineMedian ?? 0);
  const [scale, unit] = max >= 1 ? [1, 's'] : max >= 1e-3 ? [1e3, 'ms'] : max >= 1e-6 ? [1e6, 'µs'] : [1e9, 'ns'];
  const labels = points.map(
    (p) =>
      `${p.createdAt.slice(0, 16).replace('T', ' ')}${p.commit ? ` ${p.commit.slice(0, 7)}${p.dirty ? '+' : ''}` : ''}`,
  );
  const changes = new Set(h.changePoints);
  const canvas = el('canvas', { id: 'history-chart', 'aria-label': `History of ${h.name}` });
  const wrap = el('div', { class: 'chart' });
  wrap.append(canvas);
  box.append(wrap);
  const datasets: ChartDataset<'line', number[]>[] = [
    {
      label: 'CI high',
      data: points.map((p) => p.ciHigh * scale),
      borderWidth: 0,
      pointRadius: 0,
      fill: '+1',
      backgroundColor: 'rgba(28,126,214,0.18)',
    },
    { label: 'CI low', data: points.map((p) => p.ciLow * scale), borderWidth: 0, pointRadius: 0, fill: false },
    {
      label: 'median',
      data: points.map((p) => p.median * scale),
      borderColor: '#1c7ed6',
      backgroundColor: '#1c7ed6',
      borderWidth: 2,
      pointRadius: points.map((_, i) => (changes.has(i) ? 7 : 3)),
      pointBackgroundColor: points.map((_, i) => (changes.has(i) ? '#e03131' : '#1c7ed6')),
      pointStyle: points.map((_, i) => (changes.has(i) ? 'triangle' : 'circle')),
    },
  ];
  if (cmp) {
    datasets.push({
      label: `baseline ${baselineLabel ?? ''}`.trim(),
      data: points.map(() => cmp.baselineMedian * scale),
      borderColor: '#868e96',
      borderDash: [6, 4],
      borderWidth: 1.5,
      pointRadius: 0,
      fill: false,
    });
  }
  chart = new Chart<'line', number[], string>(canvas, {
    type: 'line',
    data: { labels, datasets },
    options: {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      scales: {
        y: { title: { display: true, text: `median (${unit})` }, ticks: {} },
        x: { ticks: { maxRotation: 60 } },
      },
      plugins: {
        legend: { labels: { filter: (item) => !item.text.startsWith('CI ') } },
        tooltip: {
          callbacks: {
            afterBody: (items) => {
              const p = points[items[0].dataIndex];
              const lines = [`runs: ${p.runs}`, `95% CI: ${seconds(p.ciLow)} – ${seconds(p.ciHigh)}`];
              if (p.smClockMHz !== undefined) lines.push(`SM clock (median): ${p.smClockMHz} MHz`);
              if (p.temperatureMaxC !== undefined) lines.push(`GPU temperature (max): ${p.temperatureMaxC} °C`);
              if (changes.has(items[0].dataIndex)) lines.push('change point: the level steps here');
              return lines;
            },
          },
        },
      },
    },
  });
  const list = el('ul', { class: 'change-points', id: 'change-points' });
  for (const i of h.changePoints) {
    const before = points[i - 1];
    const after = points[i];
    list.append(
      el(
        'li',
        {},
        `Change point at ${labels[i]}: ${seconds(before.median)} → ${seconds(after.median)} (${after.median >= before.median ? '+' : ''}${((after.median / before.median - 1) * 100).toFixed(1)}%)`,
      ),
    );
  }
  if (h.changePoints.length === 0)
    list.append(
      el('li', { class: 'hint' }, 'No change point: no step in this history beyond the noise and the threshold.'),
    );
  box.append(list);
}

function renderBench(d: BenchViewData): void {
  const head = el('header', { class: 'toolbar' });
  head.append(el('span', { class: 'title' }, d.title));
  const c = d.comparison;
  if (c)
    head.append(
      el(
        'span',
        { class: 'hint' },
        `threshold ${(c.threshold * 100).toFixed(1)}%, alpha ${c.alpha}; regression = significant and the interval reaches the threshold; ${c.design === 'interleaved' ? 'interleaved: both sides in one session, block by block' : 'separate sessions: against the noise between sessions'}`,
      ),
    );
  app.replaceChildren(head);
  document.body.dataset.design = c?.design ?? '';
  for (const p of d.problems) app.append(el('p', { class: 'warning' }, p));
  const drifted = c?.benchmarks.filter((b) => b.drift) ?? [];
  if (drifted.length)
    app.append(
      el(
        'p',
        { class: 'warning', id: 'drift' },
        `The machine differed between the sessions, so these are inconclusive: ${drifted.map((b) => `${b.name}: ${b.drift}`).join('; ')}`,
      ),
    );
  if (c?.environmentDifferences.length)
    app.append(
      el(
        'p',
        { class: 'warning', id: 'env-diff' },
        `The environment changed between the two results: ${c.environmentDifferences.join('; ')}`,
      ),
    );
  const historyBox = el('section', { id: 'history' });
  const byName = new Map(d.histories.map((h) => [h.name, h]));
  const select = (name: string) => {
    historyBox.dataset.name = name;
    renderHistory(
      historyBox,
      byName.get(name),
      c?.benchmarks.find((b) => b.name === name),
      d.baselineLabel,
    );
  };
  if (c) {
    const cols: Column<BenchmarkComparison>[] = [
      { title: 'Benchmark', value: (r) => r.name },
      {
        title: `Baseline (${d.baselineLabel ?? ''})`,
        value: (r) => r.baselineMedian,
        format: (r) => seconds(r.baselineMedian),
        numeric: true,
      },
      { title: 'Current', value: (r) => r.currentMedian, format: (r) => seconds(r.currentMedian), numeric: true },
      {
        title: 'Change',
        value: (r) => r.ratio - 1,
        format: (r) => `${r.ratio >= 1 ? '+' : ''}${((r.ratio - 1) * 100).toFixed(1)}%`,
        numeric: true,
      },
      {
        title: '95% CI of ratio',
        value: (r) => r.ciLow,
        format: (r) => (Number.isFinite(r.ciLow) ? `${r.ciLow.toFixed(3)} – ${r.ciHigh.toFixed(3)}` : '—'),
        numeric: true,
      },
      { title: 'p', value: (r) => r.pValue, format: (r) => pValue(r.pValue), numeric: true },
      {
        title: 'Runs',
        value: (r) => r.currentRuns,
        format: (r) => `${r.baselineRuns} / ${r.currentRuns}`,
        numeric: true,
      },
      { title: 'Verdict', value: (r) => verdictText(r) },
    ];
    app.append(
      table(
        'comparison',
        'Comparison',
        c.benchmarks,
        cols,
        (csv) => exportCsv('comparison', csv),
        3,
        (r) => select(r.name),
      ),
    );
    const extra: string[] = [];
    for (const s of c.skipped) extra.push(`${s.name}: not compared (${s.reason})`);
    for (const b of c.benchmarks) if (b.verdict === 'inconclusive') extra.push(`${b.name}: inconclusive, ${b.reason}`);
    if (c.onlyInBaseline.length) extra.push(`Only in the baseline: ${c.onlyInBaseline.join(', ')}`);
    if (c.onlyInCurrent.length) extra.push(`New, no baseline: ${c.onlyInCurrent.join(', ')}`);
    for (const x of extra) app.append(el('p', { class: 'hint' }, x));
  } else {
    app.append(
      el(
        'p',
        { class: 'hint', id: 'no-baseline' },
        'No baseline to compare with: save one with "flamelens: Save Results as Baseline…". History of each benchmark:',
      ),
    );
    const list = el('div', { class: 'bench-list' });
    for (const h of d.histories) {
      const b = button(h.name);
      b.addEventListener('click', () => select(h.name));
      list.append(b);
    }
    app.append(list);
  }
  if (host) {
    const open = button('Go to benchmark source', { id: 'open-benchmark' });
    open.addEventListener('click', () => {
      const name = historyBox.dataset.name;
      if (name) host.post({ type: 'openBenchmark', name });
    });
    app.append(open);
  }
  app.append(historyBox);
  const first = d.focus ?? c?.benchmarks[0]?.name ?? d.histories[0]?.name;
  if (first) select(first);
  document.body.dataset.flamelensReady = '1';
}

const host = connectHost<ToHost, ToWebview>({
  benchInit: (m) => renderBench(m.data),
  error: (m) => app.replaceChildren(el('p', { class: 'error' }, m.message)),
});
host?.post({ type: 'ready' });
