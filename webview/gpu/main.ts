// The GPU dashboard (this machine: charts per field with one line per GPU, CPU and memory, the
// processes on each GPU with flamelens' own highlighted, a time window, CSV/JSON export) and the
// cluster view (nodes and GPUs from a Prometheus server, with the same charts for one node).
// Every string from the host is inserted as text.
import { Chart, LineController, LineElement, PointElement, LinearScale, Tooltip, Legend } from 'chart.js';
import type { ClusterField, GpuSnapshot, ToWebview } from '../../src/shared/protocol';
import { el, vscodeApi, type VsCodeApi } from '../shared/dom';
import type { GpuSample, HostSample } from '../../src/core/model/telemetry';
import type { ClusterGpu } from '../../src/core/model/telemetry';

Chart.register(LineController, LineElement, PointElement, LinearScale, Tooltip, Legend);

const palette = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7'];
const fg = () => getComputedStyle(document.body).getPropertyValue('--vscode-foreground') || '#ccc';

interface ChartSpec {
  title: string;
  unit: string;
  max?: number;
  value: (s: GpuSample) => number | undefined;
}

const GPU_CHARTS: ChartSpec[] = [
  { title: 'Utilisation', unit: '%', max: 100, value: (s) => s.utilizationGpu },
  {
    title: 'Memory used',
    unit: 'GiB',
    value: (s) => (s.memoryUsedMiB === undefined ? undefined : s.memoryUsedMiB / 1024),
  },
  { title: 'Temperature', unit: '°C', value: (s) => s.temperatureC },
  { title: 'Power draw', unit: 'W', value: (s) => s.powerDrawW },
  { title: 'SM clock', unit: 'MHz', value: (s) => s.smClockMHz },
  { title: 'Memory bandwidth utilisation', unit: '%', max: 100, value: (s) => s.utilizationMemory },
];

const HOST_CHARTS: { title: string; unit: string; max?: number; value: (h: HostSample) => number | undefined }[] = [
  { title: 'CPU', unit: '%', max: 100, value: (h) => h.cpuPct },
  {
    title: 'Host memory used',
    unit: 'GiB',
    value: (h) => (h.memUsedMiB === undefined ? undefined : h.memUsedMiB / 1024),
  },
];

function lineChart(
  parent: HTMLElement,
  title: string,
  unit: string,
  max: number | undefined,
): Chart<'line', { x: number; y: number }[]> {
  const box = el('div', { class: 'gpu-chart' });
  box.append(el('h3', {}, `${title} (${unit})`));
  const wrap = el('div', { class: 'chart-wrap' });
  const canvas = el('canvas', { 'aria-label': `${title} over time` });
  wrap.append(canvas);
  box.append(wrap);
  parent.append(box);
  const c = fg();
  return new Chart(canvas, {
    type: 'line',
    data: { datasets: [] },
    options: {
      animation: false,
      maintainAspectRatio: false,
      parsing: false,
      normalized: true,
      scales: {
        x: {
          type: 'linear',
          ticks: { color: c, maxTicksLimit: 6, callback: (v) => new Date(Number(v)).toLocaleTimeString() },
        },
        y: { min: 0, max, ticks: { color: c } },
      },
      plugins: {
        legend: { labels: { color: c } },
        tooltip: { callbacks: { title: (items) => new Date(items[0]?.parsed.x ?? 0).toLocaleTimeString() } },
      },
    },
  });
}

/**
 * Same time axis on every chart, and a word instead of a blank plot when no GPU reports the field;
 * `waiting` marks a note that will go once the next reading arrives (rates need two readings).
 */
function frame(
  chart: Chart<'line', { x: number; y: number }[]>,
  from: number,
  to: number,
  hasData: boolean,
  why: string,
  waiting = false,
): void {
  const x = chart.options.scales?.x;
  if (x && to > 0) {
    x.min = from;
    x.max = to;
  }
  const wrap = chart.canvas.parentElement;
  let note = wrap?.querySelector<HTMLElement>('.chart-empty');
  if (!hasData && wrap && !note) {
    note = el('p', { class: 'chart-empty' });
    wrap.append(note);
  }
  if (note) {
    note.textContent = hasData ? '' : why;
    note.hidden = hasData;
    note.classList.toggle('waiting', !hasData && waiting);
  }
}

function dataset(label: string, i: number, data: { x: number; y: number }[]) {
  return {
    label,
    data,
    borderColor: palette[i % palette.length],
    backgroundColor: palette[i % palette.length],
    pointRadius: 0,
    borderWidth: 1.5,
  };
}

/** This machine's dashboard. */
function local(root: HTMLElement, api: VsCodeApi | undefined, init: Extract<ToWebview, { type: 'gpuInit' }>) {
  const history = new Map<number, GpuSample[]>(init.history.map((h) => [h.index, h.samples]));
  const host: HostSample[] = [...init.host];
  let snapshot: GpuSnapshot = init.snapshot;
  let windowMin = 15;
  const cap = 200_000;

  root.replaceChildren();
  const head = el('div', { class: 'gpu-head' });
  head.append(el('h1', {}, 'GPU telemetry'));
  const state = el('span', { class: 'gpu-state', id: 'gpu-state' });
  head.append(state);
  const win = el('select', { 'aria-label': 'Time window', id: 'gpu-window' });
  for (const [label, m] of [
    ['1 min', 1],
    ['5 min', 5],
    ['15 min', 15],
    ['1 h', 60],
    ['6 h', 360],
    ['all', 0],
  ] as const) {
    const o = el('option', { value: String(m) }, label);
    if (m === windowMin) o.selected = true;
    win.append(o);
  }
  win.addEventListener('change', () => {
    windowMin = Number(win.value);
    redraw();
  });
  head.append(win);
  if (api) {
    const csv = el('button', { type: 'button' }, 'Export CSV');
    csv.addEventListener('click', () => api.postMessage({ type: 'gpuExport', format: 'csv' }));
    const json = el('button', { type: 'button' }, 'Export JSON');
    json.addEventListener('click', () => api.postMessage({ type: 'gpuExport', format: 'json' }));
    head.append(csv, json);
  }
  root.append(head);
  const notes = el('ul', { class: 'gpu-notes', id: 'gpu-notes' });
  root.append(notes);
  const grid = el('div', { class: 'gpu-grid' });
  root.append(grid);
  const gpuCharts = GPU_CHARTS.map((s) => ({ spec: s, chart: lineChart(grid, s.title, s.unit, s.max) }));
  const hostCharts = HOST_CHARTS.map((s) => ({ spec: s, chart: lineChart(grid, s.title, s.unit, s.max) }));
  const procs = el('section', { class: 'gpu-processes' });
  procs.append(el('h2', {}, 'Processes on the GPUs'));
  const table = el('table', { id: 'gpu-processes' });
  procs.append(table);
  root.append(procs);

  function redraw(): void {
    const latest = Math.max(
      0,
      ...[...history.values()].map((s) => s[s.length - 1]?.time ?? 0),
      host[host.length - 1]?.time ?? 0,
    );
    const from = windowMin > 0 ? latest - windowMin * 60_000 : 0;
    const indexes = [...history.keys()].sort((a, b) => a - b);
    const earliest = Math.min(...[...history.values()].map((s) => s[0]?.time ?? Infinity), host[0]?.time ?? Infinity);
    const start = Math.max(from, Number.isFinite(earliest) ? earliest : 0);
    const sampled = indexes.some((idx) => (history.get(idx) ?? []).length > 0);
    for (const { spec, chart } of gpuCharts) {
      chart.data.datasets = indexes.map((idx, i) =>
        dataset(
          `GPU ${idx}`,
          i,
          (history.get(idx) ?? []).flatMap((s) => {
            const v = spec.value(s);
            return v === undefined || (s.time ?? 0) < from ? [] : [{ x: s.time ?? 0, y: v }];
          }),
        ),
      );
      const some = chart.data.datasets.some((d) => d.data.length > 0);
      const mig = indexes.some((idx) => history.get(idx)?.some((s) => s.mig)) && spec.title === 'Utilisation';
      frame(
        chart,
        start,
        latest,
        some || !sampled,
        mig
          ? 'Not reported while MIG is enabled (per-instance utilisation needs DCGM).'
          : 'Not reported by nvidia-smi for this GPU ([N/A] or [Not Supported]).',
      );
      chart.update('none');
    }
    for (const { spec, chart } of hostCharts) {
      chart.data.datasets = [
        dataset(
          'host',
          0,
          host.flatMap((h) => {
            const v = spec.value(h);
            return v === undefined || h.time < from ? [] : [{ x: h.time, y: v }];
          }),
        ),
      ];
      // CPU use (like the disk and network rates) is measured between two readings: until the
      // second one arrives the field is empty everywhere, which is not the same as unavailable.
      const waiting = host.length < 2;
      frame(
        chart,
        start,
        latest,
        chart.data.datasets[0].data.length > 0 || host.length === 0,
        waiting ? 'Waiting for the next reading (measured between two).' : 'Not available on this platform.',
        waiting,
      );
      chart.update('none');
    }
  }

  function renderSnapshot(): void {
    const s = snapshot.state;
    state.textContent =
      s.kind === 'running' ? `live · ${snapshot.source}` : `${s.kind}${s.message ? `: ${s.message}` : ''}`;
    state.className = `gpu-state ${s.kind}`;
    notes.replaceChildren(...snapshot.notes.map((n) => el('li', {}, n)));
    const own = new Set(snapshot.ownPids);
    table.replaceChildren();
    const hr = el('tr');
    for (const h of ['GPU', 'pid', 'process', 'memory (MiB)']) hr.append(el('th', {}, h));
    table.append(hr);
    if (snapshot.processes.length === 0) {
      const tr = el('tr');
      tr.append(el('td', { colspan: '4' }, 'No process is using a GPU.'));
      table.append(tr);
    }
    for (const p of snapshot.processes) {
      const tr = el('tr', own.has(p.pid) ? { class: 'own', title: 'started by flamelens' } : {});
      tr.append(
        el('td', {}, p.gpuIndex === undefined ? '?' : String(p.gpuIndex)),
        el('td', {}, String(p.pid)),
        el('td', {}, `${p.name}${own.has(p.pid) ? '  ← flamelens run' : ''}`),
        el('td', { class: 'num' }, p.usedMemoryMiB === undefined ? '—' : String(p.usedMemoryMiB)),
      );
      table.append(tr);
    }
  }

  let pending = false;
  const schedule = () => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      redraw();
    });
  };
  renderSnapshot();
  redraw();
  document.body.dataset.flamelensReady = '1';
  return (m: Extract<ToWebview, { type: 'gpuUpdate' }>) => {
    for (const g of m.gpus) {
      let list = history.get(g.index);
      if (!list) {
        list = [];
        history.set(g.index, list);
      }
      list.push(g);
      if (list.length > cap) list.splice(0, list.length - cap);
    }
    if (m.host) {
      host.push(m.host);
      if (host.length > cap) host.splice(0, host.length - cap);
    }
    snapshot = m.snapshot;
    renderSnapshot();
    schedule();
  };
}

const CLUSTER_CHARTS: { field: ClusterField; title: string; unit: string; max?: number }[] = [
  { field: 'utilizationGpu', title: 'Utilisation', unit: '%', max: 100 },
  { field: 'memoryUsedMiB', title: 'Memory used', unit: 'MiB' },
  { field: 'temperatureC', title: 'Temperature', unit: '°C' },
  { field: 'powerDrawW', title: 'Power draw', unit: 'W' },
];

function clusterView(
  root: HTMLElement,
  api: VsCodeApi,
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
    api.postMessage({ type: 'clusterRefresh', node: m.node, minutes: state.minutes });
  });
  const refresh = el('button', { type: 'button' }, 'Refresh');
  refresh.addEventListener('click', () =>
    api.postMessage({ type: 'clusterRefresh', node: m.node, minutes: state.minutes }),
  );
  head.append(win, refresh);
  root.append(head);
  if (m.error) {
    root.append(el('p', { class: 'status error' }, m.error));
    return;
  }
  const table = el('table', { id: 'cluster-gpus' });
  const hr = el('tr');
  for (const h of ['node', 'GPU', 'name', 'util %', 'memory (MiB)', 'temp °C', 'power W', 'exporter'])
    hr.append(el('th', {}, h));
  table.append(hr);
  const f = (v: number | undefined, d = 0) => (v === undefined ? '—' : v.toFixed(d));
  for (const g of m.gpus as ClusterGpu[]) {
    const tr = el('tr', g.node === m.node ? { class: 'own' } : {});
    tr.append(
      el('td', {}, g.node),
      el('td', {}, String(g.index)),
      el('td', {}, g.name ?? ''),
      el('td', { class: 'num' }, f(g.utilizationGpu)),
      el(
        'td',
        { class: 'num' },
        `${f(g.memoryUsedMiB)}${g.memoryTotalMiB !== undefined ? ` / ${f(g.memoryTotalMiB)}` : ''}`,
      ),
      el('td', { class: 'num' }, f(g.temperatureC)),
      el('td', { class: 'num' }, f(g.powerDrawW, 1)),
      el('td', {}, g.exporter),
    );
    tr.addEventListener('click', () =>
      api.postMessage({ type: 'clusterRefresh', node: g.node, minutes: state.minutes }),
    );
    table.append(tr);
  }
  if (m.gpus.length === 0)
    root.append(el('p', { class: 'status' }, 'The server has no GPU metrics (DCGM_FI_DEV_* or flamelens_gpu_*).'));
  root.append(table);
  if (m.node && m.history) {
    root.append(el('h2', {}, `Node ${m.node}`));
    const grid = el('div', { class: 'gpu-grid' });
    root.append(grid);
    for (const spec of CLUSTER_CHARTS) {
      const chart = lineChart(grid, spec.title, spec.unit, spec.max);
      chart.data.datasets = (m.history[spec.field] ?? []).map(([idx, pts], i) =>
        dataset(
          `GPU ${idx}`,
          i,
          pts.map(([x, y]) => ({ x, y })),
        ),
      );
      chart.update('none');
    }
  }
  document.body.dataset.flamelensReady = '1';
}

function boot(): void {
  const root = document.getElementById('app') ?? document.body;
  root.append(el('p', { class: 'status' }, 'Waiting for GPU data…'));
  const api = vscodeApi();
  if (!api) return;
  let update: ((m: Extract<ToWebview, { type: 'gpuUpdate' }>) => void) | undefined;
  const clusterState = { minutes: 15 };
  window.addEventListener('message', (e: MessageEvent<ToWebview>) => {
    const m = e.data;
    if (m.type === 'gpuInit') update = local(root, api, m);
    else if (m.type === 'gpuUpdate') update?.(m);
    else if (m.type === 'clusterData') clusterView(root, api, m, clusterState);
    else if (m.type === 'error') root.replaceChildren(el('p', { class: 'status error' }, m.message));
  });
  api.postMessage({ type: 'ready' });
}

boot();
