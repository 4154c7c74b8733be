// The Nsight Compute page: what to fix first (rule findings by estimated speedup), one row per
// launch, the roofline (log-log chart.js scatter with the device's ceilings when the report has
// them), per-kernel totals, and a before/after comparison with a second report.
import { Chart } from 'chart.js';
import type { LaunchRow, NcuComparisonData, NcuViewData } from '../../src/core/analysis/nsight/nsightView';
import '@vscode-elements/elements/dist/vscode-collapsible/index.js';
import { button } from '../shared/controls';
import { el } from '../shared/dom';
import { table, type Column } from '../shared/table';
import { foreground, logTick, seriesColor } from '../shared/chartKit';
import { bytesText, header, num, opt, usOf } from './kit';

function renderRoofline(section: HTMLElement, d: NcuViewData): void {
  const points = d.launches.filter((l) => l.arithmeticIntensity !== undefined && l.flopsPerS !== undefined);
  if (points.length === 0) {
    section.append(
      el(
        'p',
        { class: 'hint', id: 'roofline-missing' },
        'No roofline position: the report has no FLOP counters with DRAM bytes. Profile with the "detailed" or "full" set (or --section SpeedOfLight_RooflineChart).',
      ),
    );
    return;
  }
  const box = el('div', { class: 'chart' });
  const canvas = el('canvas', {
    id: 'roofline',
    'aria-label': 'Roofline: achieved GFLOP/s against arithmetic intensity per launch',
  });
  box.append(canvas);
  section.append(box);
  const peakF = d.roofline?.peakFlopsPerS;
  const peakB = d.roofline?.peakDramBytesPerS;
  const xs = points.map((p) => p.arithmeticIntensity!);
  const xMin = Math.min(...xs, peakF && peakB ? peakF / peakB : Infinity) / 10;
  const xMax = Math.max(...xs, peakF && peakB ? peakF / peakB : 0) * 10;
  const ys = points.map((p) => p.flopsPerS! / 1e9);
  const yMax = Math.max(...ys, peakF ? peakF / 1e9 : 0) * 4;
  const yMin = Math.min(...ys, peakF && peakB ? (xMin * peakB) / 1e9 : Infinity) / 4;
  const datasets: object[] = points.map((p, i) => ({
    type: 'scatter',
    label: `#${p.id} ${p.name.length > 50 ? `${p.name.slice(0, 47)}…` : p.name}`,
    data: [{ x: p.arithmeticIntensity!, y: p.flopsPerS! / 1e9 }],
    pointRadius: 6,
    backgroundColor: seriesColor(i),
    borderColor: seriesColor(i),
  }));
  if (peakF && peakB) {
    const ridge = peakF / peakB;
    datasets.push({
      type: 'line',
      label: `FP32 roof ${num(peakF / 1e12, 1)} TFLOP/s · DRAM ${num(peakB / 1e12, 2)} TB/s`,
      data: [
        { x: xMin, y: (xMin * peakB) / 1e9 },
        { x: ridge, y: peakF / 1e9 },
        { x: xMax, y: peakF / 1e9 },
      ],
      // Scriptable: it follows a theme change.
      borderColor: () => foreground(),
      borderWidth: 1.5,
      pointRadius: 0,
      fill: false,
    });
  } else {
    section.append(
      el(
        'p',
        { class: 'hint', id: 'roofline-no-ceilings' },
        "No device ceilings in this report (the roofline section's peak metrics): launches are placed without the roof.",
      ),
    );
  }
  new Chart(canvas, {
    type: 'scatter',
    data: { datasets: datasets as never },
    options: {
      animation: false,
      maintainAspectRatio: false,
      scales: {
        x: {
          type: 'logarithmic',
          min: xMin,
          max: xMax,
          title: { display: true, text: 'arithmetic intensity (FLOP per DRAM byte)' },
          ticks: { callback: logTick },
        },
        y: {
          type: 'logarithmic',
          // Room above the roof, so it is a line across the plot, not its top edge.
          min: yMin,
          max: yMax,
          title: { display: true, text: 'GFLOP/s' },
          ticks: { callback: logTick },
        },
      },
      plugins: { legend: { labels: {} } },
    },
  });
}

export function renderNcu(
  root: HTMLElement,
  d: NcuViewData,
  exportCsv: (name: string, csv: string) => void,
  compare?: () => void,
  comparison?: NcuComparisonData,
): void {
  root.replaceChildren();
  root.classList.add('flamelens', 'trace', 'nsight');
  const h = header(
    root,
    d.title,
    `Nsight Compute ${d.page} page · ${d.launches.length} launch${d.launches.length === 1 ? '' : 'es'} · ${d.kernels.length} kernel${d.kernels.length === 1 ? '' : 's'}`,
  );
  if (compare) {
    const b = button('Compare with another report…', { id: 'compare' });
    b.addEventListener('click', compare);
    h.append(b);
  }
  if (d.launches.length === 0) {
    const s = el('section', { id: 'no-kernels' });
    s.append(
      el('h2', {}, 'No kernels matched'),
      el(
        'p',
        {},
        'Nothing was profiled: no kernel launch matched the kernel name filter within the launch count. Check the filter (a regular expression on the function name, e.g. gemm|conv) and that the program launches CUDA kernels.',
      ),
    );
    if (d.messages.length) {
      const ul = el('ul', { class: 'messages' });
      for (const m of d.messages) ul.append(el('li', {}, m));
      s.append(ul);
    }
    root.append(s);
    document.body.dataset.flamelensReady = '1';
    return;
  }

  const fixes = el('section', { id: 'findings' });
  fixes.append(el('h2', {}, 'What to fix first'));
  if (d.findings.length === 0)
    fixes.append(
      el(
        'p',
        { class: 'hint' },
        'No rule findings in this report (the details page of a section run has them; a --metrics run does not).',
      ),
    );
  else {
    // One collapsible per finding (the kit's): the estimate, rule and kernel as its heading, the
    // rule's advice inside; the three largest open.
    const list = el('div', { class: 'findings' });
    d.findings.slice(0, 50).forEach((f, i) => {
      const c = el('vscode-collapsible', {
        heading: `${f.speedupPct !== undefined ? `${num(f.speedupPct)}% faster` : 'no estimate'} · ${f.rule}${f.type ? ` (${f.type})` : ''} · launch ${f.launchId}`,
        description: f.kernel,
        ...(i < 3 ? { open: '' } : {}),
      });
      c.append(el('p', {}, f.description));
      list.append(c);
    });
    fixes.append(list);
  }
  root.append(fixes);

  const launchColumns: Column<LaunchRow>[] = [
    { title: 'ID', value: (r) => r.id, numeric: true },
    { title: 'Kernel', value: (r) => r.name },
    {
      title: 'Duration (µs)',
      value: (r) => r.durationNs,
      format: (r) => opt(r.durationNs, (v) => usOf(v)),
      numeric: true,
    },
    {
      title: 'SM throughput %',
      value: (r) => r.smThroughputPct,
      format: (r) => opt(r.smThroughputPct, (v) => num(v)),
      numeric: true,
    },
    {
      title: 'Memory throughput %',
      value: (r) => r.memThroughputPct,
      format: (r) => opt(r.memThroughputPct, (v) => num(v)),
      numeric: true,
    },
    {
      title: 'Achieved occupancy %',
      value: (r) => r.achievedOccupancyPct,
      format: (r) => opt(r.achievedOccupancyPct, (v) => num(v)),
      numeric: true,
    },
    {
      title: 'Registers/thread',
      value: (r) => r.registersPerThread,
      format: (r) => opt(r.registersPerThread, (v) => String(v)),
      numeric: true,
    },
    { title: 'Block', value: (r) => r.block },
    { title: 'Grid', value: (r) => r.grid },
    { title: 'DRAM', value: (r) => r.dramBytes, format: (r) => bytesText(r.dramBytes), numeric: true },
    {
      title: 'FLOP/byte',
      value: (r) => r.arithmeticIntensity,
      format: (r) => opt(r.arithmeticIntensity, (v) => num(v, 2)),
      numeric: true,
    },
    {
      title: 'GFLOP/s',
      value: (r) => r.flopsPerS,
      format: (r) => opt(r.flopsPerS, (v) => num(v / 1e9, 1)),
      numeric: true,
    },
    { title: 'Findings', value: (r) => r.findings, numeric: true },
  ];
  root.append(table('launches-table', 'Launches', d.launches, launchColumns, (c) => exportCsv('launches.csv', c), 2));

  const roof = el('section', { id: 'roofline-section' });
  roof.append(el('h2', {}, 'Roofline'));
  root.append(roof);
  renderRoofline(roof, d);

  root.append(
    table(
      'ncu-kernels-table',
      'Kernels (all launches)',
      d.kernels,
      [
        { title: 'Kernel', value: (r) => r.name },
        { title: 'Launches', value: (r) => r.calls, numeric: true },
        { title: 'Total (µs)', value: (r) => r.totalNs, format: (r) => usOf(r.totalNs), numeric: true },
        {
          title: 'Avg (µs)',
          value: (r) => r.totalNs / r.calls,
          format: (r) => usOf(r.totalNs / r.calls),
          numeric: true,
        },
      ],
      (c) => exportCsv('kernels.csv', c),
      2,
    ),
  );

  if (comparison) {
    const change = (r: NcuComparisonData['rows'][number]) =>
      r.ratio !== undefined
        ? `${r.ratio < 1 ? '−' : '+'}${num(Math.abs(r.ratio - 1) * 100)}%`
        : r.before
          ? 'gone'
          : 'new';
    const avg = (k?: { calls: number; totalNs: number }) => (k && k.calls ? k.totalNs / k.calls : undefined);
    root.append(
      table(
        'compare-table',
        `Before (${comparison.beforeTitle}) → after (${comparison.afterTitle})`,
        comparison.rows,
        [
          { title: 'Kernel', value: (r) => r.name },
          { title: 'Before launches', value: (r) => r.before?.calls, numeric: true },
          {
            title: 'Before avg (µs)',
            value: (r) => avg(r.before),
            format: (r) => opt(avg(r.before), usOf),
            numeric: true,
          },
          { title: 'After launches', value: (r) => r.after?.calls, numeric: true },
          {
            title: 'After avg (µs)',
            value: (r) => avg(r.after),
            format: (r) => opt(avg(r.after), usOf),
            numeric: true,
          },
          { title: 'Change', value: (r) => r.ratio ?? (r.before ? -1 : Infinity), format: change, numeric: true },
        ],
        (c) => exportCsv('kernel-comparison.csv', c),
        5,
      ),
    );
    root.querySelector('#compare-table')?.scrollIntoView();
  }
  document.body.dataset.flamelensReady = '1';
}
