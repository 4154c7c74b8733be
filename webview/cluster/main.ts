// The GPU cluster view: the nodes and GPUs a Prometheus server knows, with the same charts as
// the dashboard for one node over a time window. Every string from the host is inserted as text.
import type { ClusterGpu } from '../../src/core/model/telemetry';
import type { ClusterField, ToHost, ToWebview } from '../../src/shared/protocol/gpuCluster';
import { button } from '../shared/controls';
import { el } from '../shared/dom';
import { connectHost, type Host } from '../shared/host';
import { createTable, type Column } from '../shared/table';
import { dataset, lineChart } from '../shared/timeChart';
import '../shared/base.css';
import '../gpu/style.css';

const CLUSTER_CHARTS: { field: ClusterField; title: string; unit: string; max?: number }[] = [
  { field: 'utilizationGpu', title: 'Utilisation', unit: '%', max: 100 },
  { field: 'memoryUsedMiB', title: 'Memory used', unit: 'MiB' },
  { field: 'temperatureC', title: 'Temperature', unit: '°C' },
  { field: 'powerDrawW', title: 'Power draw', unit: 'W' },
];

function clusterView(
  root: HTMLElement,
  api: Host<ToHost>,
  m: Extract<ToWebview, { type: 'clusterData' }>,
  state: { minutes: number },
) {
  root.replaceChildren();
  const head = el('div', { class: 'gpu-head' });
  head.append(el('h1', {}, 'GPU cluster'), el('span', { class: 'gpu-state' }, `Prometheus ${m.base}`));
  const win = el('select', { 'aria-label': 'Time window' });
  for (const [label, v] of [
    ['5 min', 5],
    ['15 min', 15],
    ['1 h', 60],
    ['6 h', 360],
    ['24 h', 1440],
  ] as const) {
    const o = el('option', { value: String(v) }, label);
    if (v === state.minutes) o.selected = true;
    win.append(o);
  }
  win.addEventListener('change', () => {
    state.minutes = Number(win.value);
    api.post({ type: 'clusterRefresh', node: m.node, minutes: state.minutes });
  });
  const refresh = button('Refresh');
  refresh.addEventListener('click', () => api.post({ type: 'clusterRefresh', node: m.node, minutes: state.minutes }));
  head.append(win, refresh);
  root.append(head);
  if (m.error) {
    root.append(el('p', { class: 'status error' }, m.error));
    return;
  }
  const f = (v: number | undefined, d = 0) => (v === undefined ? '—' : v.toFixed(d));
  const num = (title: string, v: (g: ClusterGpu) => number | undefined, d = 0): Column<ClusterGpu> => ({
    title,
    value: v,
    format: (g) => f(v(g), d),
    numeric: true,
  });
  const table = createTable<ClusterGpu>(
    'cluster-gpus',
    'GPUs',
    m.gpus as ClusterGpu[],
    [
      { title: 'Node', value: (g) => g.node },
      num('GPU', (g) => g.index),
      { title: 'Name', value: (g) => g.name ?? '' },
      num('Util (%)', (g) => g.utilizationGpu),
      {
        title: 'Memory (MiB)',
        value: (g) => g.memoryUsedMiB,
        format: (g) => `${f(g.memoryUsedMiB)}${g.memoryTotalMiB !== undefined ? ` / ${f(g.memoryTotalMiB)}` : ''}`,
        numeric: true,
      },
      num('Temp (°C)', (g) => g.temperatureC),
      num('Power (W)', (g) => g.powerDrawW, 1),
      { title: 'Exporter', value: (g) => g.exporter },
    ],
    {
      onExport: (csv) => api.post({ type: 'exportCsv', name: 'cluster-gpus', csv }),
      initialSort: 0,
      onRowClick: (g) => api.post({ type: 'clusterRefresh', node: g.node, minutes: state.minutes }),
      rowClass: (g) => (g.node === m.node ? 'own' : undefined),
    },
  );
  if (m.gpus.length === 0)
    root.append(el('p', { class: 'status' }, 'The server has no GPU metrics (DCGM_FI_DEV_* or flamelens_gpu_*).'));
  root.append(table.element);
  if (m.node && m.history) {
    root.append(el('h2', {}, `Node ${m.node}`));
    const grid = el('div', { class: 'gpu-grid' });
    root.append(grid);
    for (const spec of CLUSTER_CHARTS) {
      const chart = lineChart(grid, spec.title, spec.unit, spec.max);
      chart.data.datasets = (m.history[spec.field] ?? []).map(([idx, pts], i) =>
        dataset(
          `GPU ${idx}`,
          Number(idx),
          pts.map(([x, y]) => ({ x, y })),
          i,
        ),
      );
      chart.update('none');
    }
  }
  document.body.dataset.flamelensReady = '1';
}

function boot(): void {
  const root = document.getElementById('app') ?? document.body;
  // The kit's rules (base.css, table.css) apply inside .flamelens.
  root.classList.add('flamelens');
  root.append(el('p', { class: 'status' }, 'Waiting for GPU data…'));
  const state = { minutes: 15 };
  const host: Host<ToHost> | undefined = connectHost<ToHost, ToWebview>({
    clusterData: (m) => host && clusterView(root, host, m, state),
    error: (m) => root.replaceChildren(el('p', { class: 'status error' }, m.message)),
  });
  host?.post({ type: 'ready' });
}

boot();
