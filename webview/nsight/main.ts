/**
 * The Nsight views. Nsight Systems: per-device GPU busy timeline (chart.js), then kernel, CUDA API,
 * memory transfer, NVTX and OS runtime tables in tabs. Nsight Compute: what to fix first (rule
 * findings by estimated speedup), one row per launch, the roofline (log-log chart.js scatter with
 * the device's ceilings when the report has them), per-kernel totals, and a before/after
 * comparison with a second report. Renders what the host computed; every string from a report is
 * inserted as text.
 */
import {
  Chart,
  LineController,
  LineElement,
  PointElement,
  LinearScale,
  LogarithmicScale,
  ScatterController,
  Filler,
  Tooltip,
  Legend,
} from 'chart.js';
import type {
  NsysViewData,
  NcuViewData,
  NcuComparisonData,
  TransferRow,
  LaunchRow,
} from '../../src/core/analysis/nsight/nsightView';
import type { DurationStat } from '../../src/core/model/kernels';
import type { ToWebview } from '../../src/shared/protocol';
import { el, vscodeApi } from '../shared/dom';
import { table, type Column } from '../shared/table';

Chart.register(
  LineController,
  LineElement,
  PointElement,
  LinearScale,
  LogarithmicScale,
  ScatterController,
  Filler,
  Tooltip,
  Legend,
);

const PALETTE = ['#e8590c', '#1c7ed6', '#2f9e44', '#ae3ec9', '#f59f00', '#0ca678', '#d6336c', '#5c7cfa'];
const num = (v: number, digits = 1) =>
  v.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const msOf = (ns: number) => num(ns / 1e6, 3);
const usOf = (ns: number) => num(ns / 1e3, 2);
const opt = (v: number | undefined, f: (x: number) => string) => (v === undefined ? '—' : f(v));
const foreground = () => getComputedStyle(document.body).getPropertyValue('--vscode-foreground').trim() || '#333';

function bytesText(b: number | undefined): string {
  if (b === undefined) return '—';
  if (b >= 1e9) return `${num(b / 1e9, 2)} GB`;
  if (b >= 1e6) return `${num(b / 1e6, 1)} MB`;
  if (b >= 1e3) return `${num(b / 1e3, 1)} kB`;
  return `${b} B`;
}

/** Columns of a duration table in nsys' order: time %, total, instances, avg, median, min, max, stddev, name. */
function durationColumns<T extends DurationStat>(nameTitle: string): Column<T>[] {
  return [
    { title: 'Time %', value: (r) => r.timePct, format: (r) => num(r.timePct), numeric: true },
    { title: 'Total (ms)', value: (r) => r.totalNs, format: (r) => msOf(r.totalNs), numeric: true },
    { title: 'Instances', value: (r) => r.calls, format: (r) => r.calls.toLocaleString('en-US'), numeric: true },
    { title: 'Avg (µs)', value: (r) => r.avgNs, format: (r) => usOf(r.avgNs), numeric: true },
    { title: 'Median (µs)', value: (r) => r.medianNs, format: (r) => usOf(r.medianNs), numeric: true },
    { title: 'Min (µs)', value: (r) => r.minNs, format: (r) => usOf(r.minNs), numeric: true },
    { title: 'Max (µs)', value: (r) => r.maxNs, format: (r) => usOf(r.maxNs), numeric: true },
    { title: 'StdDev (µs)', value: (r) => r.stddevNs, format: (r) => usOf(r.stddevNs), numeric: true },
    { title: nameTitle, value: (r) => r.name },
  ];
}

function header(root: HTMLElement, title: string, hint: string): HTMLElement {
  const h = el('header', { class: 'toolbar' });
  h.append(el('span', { class: 'title' }, title), el('span', { class: 'hint' }, hint));
  root.append(h);
  return h;
}

/** Tabs over sections: one visible at a time, all rendered once. */
function tabs(root: HTMLElement, panes: { id: string; label: string; body: HTMLElement }[]): void {
  const bar = el('nav', { class: 'tabs', role: 'tablist' });
  const buttons = panes.map((p, i) => {
    const b = el('button', { type: 'button', role: 'tab', id: `tab-${p.id}`, 'aria-controls': p.id }, p.label);
    b.addEventListener('click', () => select(i));
    bar.append(b);
    return b;
  });
  const select = (k: number) =>
    panes.forEach((p, i) => {
      p.body.hidden = i !== k;
      buttons[i].setAttribute('aria-selected', String(i === k));
    });
  root.append(bar, ...panes.map((p) => p.body));
  select(0);
}

function empty(id: string, title: string, text: string): HTMLElement {
  const s = el('section', { class: 'trace-table', id });
  s.append(el('h2', {}, title), el('p', { class: 'hint' }, text));
  return s;
}

function renderNsys(root: HTMLElement, d: NsysViewData, exportCsv: (name: string, csv: string) => void): void {
  root.replaceChildren();
  root.classList.add('flamelens', 'trace', 'nsight');
  const gpus = d.devices.length;
  header(
    root,
    d.title,
    `Nsight Systems${d.version ? ` ${d.version}` : ''} · ${d.source === 'nsys-sqlite' ? 'SQLite export' : 'stats CSV'} · ${d.kernels.length} kernels · ${d.launches.toLocaleString('en-US')} launches${gpus ? ` on ${gpus} GPU${gpus > 1 ? 's' : ''}` : ''}`,
  );

  const timeline = el('section', { class: 'gpu', id: 'gpu-timeline-section' });
  timeline.append(el('h2', {}, 'GPU busy over time'));
  if (gpus === 0) {
    timeline.append(
      el(
        'p',
        { class: 'hint' },
        'No per-launch rows in this file (nsys stats summaries only): export the report to SQLite, or add the cuda_gpu_trace report, for the timeline.',
      ),
    );
  } else {
    const t = el('table', { id: 'device-table' });
    const h = el('tr');
    for (const c of ['Device', 'Busy', 'Span', 'Busy %', 'Idle']) h.append(el('th', {}, c));
    t.append(el('thead'), el('tbody'));
    t.tHead!.append(h);
    for (const g of d.devices) {
      const span = g.endNs - g.startNs;
      const r = el('tr');
      for (const v of [
        `GPU ${g.deviceId}${g.name ? ` ${g.name}` : ''}`,
        `${msOf(g.busyNs)} ms`,
        `${msOf(span)} ms`,
        `${num(span > 0 ? (100 * g.busyNs) / span : 0)}%`,
        `${msOf(span - g.busyNs)} ms`,
      ])
        r.append(el('td', {}, v));
      t.tBodies[0].append(r);
    }
    const box = el('div', { class: 'chart' });
    const canvas = el('canvas', { id: 'device-timeline', 'aria-label': 'GPU busy percentage over time, per device' });
    box.append(canvas);
    timeline.append(t, box);
    const start = Math.min(...d.devices.map((g) => g.startNs));
    const fg = foreground();
    new Chart(canvas, {
      type: 'line',
      data: {
        datasets: d.devices.map((g, i) => {
          const bucket = (g.endNs - g.startNs) / Math.max(1, g.buckets.length);
          return {
            label: `GPU ${g.deviceId} busy %`,
            data: g.buckets.map((b, k) => ({ x: (g.startNs - start + (k + 0.5) * bucket) / 1e6, y: 100 * b })),
            borderColor: PALETTE[i % PALETTE.length],
            backgroundColor: `${PALETTE[i % PALETTE.length]}33`,
            fill: true,
            pointRadius: 0,
            borderWidth: 1.5,
          };
        }),
      },
      options: {
        animation: false,
        maintainAspectRatio: false,
        scales: {
          x: {
            type: 'linear',
            title: { display: true, text: 'time since the first GPU activity (ms)', color: fg },
            ticks: { color: fg },
          },
          y: { min: 0, max: 100, title: { display: true, text: 'busy %', color: fg }, ticks: { color: fg } },
        },
        plugins: { legend: { labels: { color: fg } } },
      },
    });
  }
  root.append(timeline);

  const skippedFor = (report: RegExp) => d.skipped.find((s) => report.test(s));
  const pane = <T extends DurationStat>(
    id: string,
    label: string,
    rows: T[],
    columns: Column<T>[],
    csv: string,
    missing: string,
    skipRe: RegExp,
  ) => ({
    id,
    label: `${label} (${rows.length})`,
    body: rows.length
      ? table(id, label, rows, columns, (c) => exportCsv(csv, c), 1)
      : empty(id, label, skippedFor(skipRe) ?? missing),
  });
  const transferColumns: Column<TransferRow>[] = [
    { title: 'Direction', value: (r) => r.direction },
    { title: 'Time %', value: (r) => r.timePct, format: (r) => num(r.timePct), numeric: true },
    { title: 'Total (ms)', value: (r) => r.totalNs, format: (r) => msOf(r.totalNs), numeric: true },
    { title: 'Count', value: (r) => r.calls, format: (r) => r.calls.toLocaleString('en-US'), numeric: true },
    { title: 'Avg (µs)', value: (r) => r.avgNs, format: (r) => usOf(r.avgNs), numeric: true },
    { title: 'Bytes', value: (r) => r.totalBytes, format: (r) => bytesText(r.totalBytes), numeric: true },
    {
      title: 'Throughput',
      value: (r) => r.bytesPerS,
      format: (r) => (r.bytesPerS === undefined ? '—' : `${num(r.bytesPerS / 1e9, 2)} GB/s`),
      numeric: true,
    },
    { title: 'Operation', value: (r) => r.name },
  ];
  tabs(root, [
    pane(
      'kernels-table',
      'Kernels',
      d.kernels,
      durationColumns('Kernel'),
      'kernels.csv',
      'No CUDA kernels in this report (was the cuda trace on?).',
      /kern/,
    ),
    pane(
      'api-table',
      'CUDA API',
      d.api,
      durationColumns('API call'),
      'cuda-api.csv',
      'No CUDA API calls in this report.',
      /api/,
    ),
    {
      id: 'transfers-table',
      label: `Memory transfers (${d.transfers.length})`,
      body: d.transfers.length
        ? table(
            'transfers-table',
            'Memory transfers (time and bytes by direction)',
            d.transfers,
            transferColumns,
            (c) => exportCsv('memory-transfers.csv', c),
            2,
          )
        : empty('transfers-table', 'Memory transfers', skippedFor(/mem/) ?? 'No memory copies or sets in this report.'),
    },
    ...(d.nvtxOperators
      ? [
          pane(
            'nvtx-operators-table',
            'NVTX by operator',
            d.nvtxOperators,
            [...durationColumns<(typeof d.nvtx)[number]>('Operator'), { title: 'Style', value: (r) => r.style }],
            'nvtx-operators.csv',
            '',
            /nvtx/,
          ),
        ]
      : []),
    {
      ...pane(
        'nvtx-table',
        d.nvtx.length < d.nvtxCount
          ? `NVTX ranges (longest ${d.nvtx.length} of ${d.nvtxCount.toLocaleString('en-US')})`
          : 'NVTX ranges',
        d.nvtx,
        [...durationColumns<(typeof d.nvtx)[number]>('Range'), { title: 'Style', value: (r) => r.style }],
        'nvtx.csv',
        'No NVTX ranges in this report (annotate with torch.cuda.nvtx.range or nvtx.annotate).',
        /nvtx/,
      ),
      label: `NVTX ranges (${d.nvtxCount.toLocaleString('en-US')})`,
    },
    pane(
      'osrt-table',
      'OS runtime',
      d.osrt,
      durationColumns('Call'),
      'os-runtime.csv',
      'No OS runtime calls in this report (trace osrt).',
      /osrt/,
    ),
  ]);
  if (d.skipped.length)
    root.append(el('p', { class: 'hint', id: 'skipped' }, `Not in this report: ${d.skipped.join('; ')}`));
  document.body.dataset.flamelensReady = '1';
}

/** Log-axis labels at 1, 2 and 5 of each decade only, in plain short numbers (0.01, 2, 500, 10k). */
function logTick(value: number | string): string {
  const v = Number(value);
  const lead = v / 10 ** Math.floor(Math.log10(v) + 1e-9);
  if (![1, 2, 5].some((d) => Math.abs(lead - d) < 1e-6)) return '';
  return v >= 1e3 ? `${v / 1e3 >= 1e3 ? `${v / 1e6}M` : `${v / 1e3}k`}` : String(Number(v.toPrecision(3)));
}

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
  const fg = foreground();
  const datasets: object[] = points.map((p, i) => ({
    type: 'scatter',
    label: `#${p.id} ${p.name.length > 50 ? `${p.name.slice(0, 47)}…` : p.name}`,
    data: [{ x: p.arithmeticIntensity!, y: p.flopsPerS! / 1e9 }],
    pointRadius: 6,
    backgroundColor: PALETTE[i % PALETTE.length],
    borderColor: PALETTE[i % PALETTE.length],
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
      borderColor: fg,
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
          title: { display: true, text: 'arithmetic intensity (FLOP per DRAM byte)', color: fg },
          ticks: { color: fg, callback: logTick },
        },
        y: {
          type: 'logarithmic',
          title: { display: true, text: 'GFLOP/s', color: fg },
          ticks: { color: fg, callback: logTick },
        },
      },
      plugins: { legend: { labels: { color: fg } } },
    },
  });
}

function renderNcu(
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
    const b = el('button', { type: 'button', id: 'compare' }, 'Compare with another report…');
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
    const ol = el('ol', { class: 'findings' });
    for (const f of d.findings.slice(0, 50)) {
      const li = el('li');
      li.append(
        el('strong', {}, f.speedupPct !== undefined ? `${num(f.speedupPct)}% faster` : 'no estimate'),
        document.createTextNode(' · '),
        el('span', { class: 'rule' }, `${f.rule}${f.type ? ` (${f.type})` : ''}`),
        document.createTextNode(` · launch ${f.launchId} `),
        el('span', { class: 'kernel-name' }, f.kernel),
      );
      li.append(el('p', {}, f.description));
      ol.append(li);
    }
    fixes.append(ol);
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

function boot(): void {
  const root = document.getElementById('app') ?? document.body;
  const api = vscodeApi();
  if (!api) {
    root.textContent = 'This view needs the flamelens extension.';
    return;
  }
  const exportCsv = (name: string, csv: string) => api.postMessage({ type: 'exportCsv', name, csv });
  window.addEventListener('message', (e: MessageEvent<ToWebview>) => {
    const m = e.data;
    switch (m.type) {
      case 'nsysInit':
        renderNsys(root, m.data, exportCsv);
        break;
      case 'ncuInit':
        renderNcu(root, m.data, exportCsv, () => api.postMessage({ type: 'ncuCompare' }), m.comparison);
        break;
      case 'error':
        root.replaceChildren(el('p', { class: 'status error' }, m.message));
        document.body.dataset.flamelensReady = '1';
        break;
      default:
        break;
    }
  });
  api.postMessage({ type: 'ready' });
}

boot();
