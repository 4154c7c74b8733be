// The GPU dashboard (this machine: charts per field with one line per GPU, CPU and memory, the
// processes on each GPU with flamelens' own highlighted, a time window, CSV/JSON export). Every
// string from the host is inserted as text.
import type { GpuProcess, GpuSample, HostSample } from '../../src/core/model/telemetry';
import type { GpuSnapshot, ToHost, ToWebview } from '../../src/shared/protocol/gpuDashboard';
import { button } from '../shared/controls';
import { el } from '../shared/dom';
import { connectHost, type Host } from '../shared/host';
import { createTable } from '../shared/table';
import { dataset, frame, lineChart } from '../shared/timeChart';
import '../shared/base.css';
import './style.css';

interface ChartSpec {
  title: string;
  unit: string;
  max?: number;
  value: (s: GpuSample) => number | undefined;
  /** The axis's top from the latest reading of each GPU (their largest). */
  total?: (s: GpuSample) => number | undefined;
}

const GPU_CHARTS: ChartSpec[] = [
  { title: 'Utilisation', unit: '%', max: 100, value: (s) => s.utilizationGpu },
  {
    title: 'Memory used',
    unit: 'GiB',
    value: (s) => (s.memoryUsedMiB === undefined ? undefined : s.memoryUsedMiB / 1024),
    // The axis runs to the GPU's memory: 20 MiB used of 80 GiB reads as nearly empty, not full.
    total: (s) => (s.memoryTotalMiB === undefined ? undefined : s.memoryTotalMiB / 1024),
  },
  { title: 'Temperature', unit: '°C', value: (s) => s.temperatureC },
  { title: 'Power draw', unit: 'W', value: (s) => s.powerDrawW },
  { title: 'SM clock', unit: 'MHz', value: (s) => s.smClockMHz },
  { title: 'Memory bandwidth utilisation', unit: '%', max: 100, value: (s) => s.utilizationMemory },
];

const HOST_CHARTS: {
  title: string;
  unit: string;
  max?: number;
  value: (h: HostSample) => number | undefined;
  total?: (h: HostSample) => number | undefined;
}[] = [
  { title: 'CPU', unit: '%', max: 100, value: (h) => h.cpuPct },
  {
    title: 'Host memory used',
    unit: 'GiB',
    value: (h) => (h.memUsedMiB === undefined ? undefined : h.memUsedMiB / 1024),
    total: (h) => (h.memTotalMiB === undefined ? undefined : h.memTotalMiB / 1024),
  },
];

const num = (v: number | undefined, unit = '') => (v === undefined ? '—' : `${v.toLocaleString('en-US')}${unit}`);

/** Each GPU's last reading in a log. */
function lastReadings(readings: GpuSample[], api: Host<ToHost> | undefined) {
  return createTable<GpuSample>(
    'gpu-readings',
    'Last reading',
    readings,
    [
      { title: 'GPU', value: (g) => g.index, numeric: true },
      { title: 'Name', value: (g) => g.name ?? '' },
      {
        title: 'Utilisation',
        value: (g) => g.utilizationGpu,
        format: (g) => num(g.utilizationGpu, '%'),
        numeric: true,
      },
      {
        title: 'Memory (MiB)',
        value: (g) => g.memoryUsedMiB,
        format: (g) => `${num(g.memoryUsedMiB)} / ${num(g.memoryTotalMiB)}`,
        numeric: true,
      },
      { title: 'Temperature', value: (g) => g.temperatureC, format: (g) => num(g.temperatureC, ' °C'), numeric: true },
      {
        title: 'Power (W)',
        value: (g) => g.powerDrawW,
        format: (g) => `${num(g.powerDrawW)} / ${num(g.powerLimitW)}`,
        numeric: true,
      },
      { title: 'Fan', value: (g) => g.fanPct, format: (g) => num(g.fanPct, '%'), numeric: true },
      { title: 'P-state', value: (g) => g.pstate ?? '' },
    ],
    { onExport: (csv) => api?.post({ type: 'exportCsv', name: 'gpu-readings', csv }), initialSort: 0, ascending: true },
  );
}

/** This machine's dashboard. */
function local(root: HTMLElement, api: Host<ToHost> | undefined, init: Extract<ToWebview, { type: 'gpuInit' }>) {
  const history = new Map<number, GpuSample[]>(init.history.map((h) => [h.index, h.samples]));
  const host: HostSample[] = [...init.host];
  let snapshot: GpuSnapshot = init.snapshot;
  // A saved log (flamelens.gpu.openLog) starts on its whole span; it has no host readings and
  // nothing to export that the file does not already hold.
  const log = init.log;
  let windowMin = log ? 0 : 15;
  const cap = 200_000;

  root.replaceChildren();
  const head = el('div', { class: 'gpu-head' });
  head.append(el('h1', {}, log ? 'GPU log' : 'GPU telemetry'));
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
  if (api && !log) {
    const csv = button('Export CSV');
    csv.addEventListener('click', () => api.post({ type: 'gpuExport', format: 'csv' }));
    const json = button('Export JSON');
    json.addEventListener('click', () => api.post({ type: 'gpuExport', format: 'json' }));
    head.append(csv, json);
  }
  root.append(head);
  const notes = el('ul', { class: 'gpu-notes', id: 'gpu-notes' });
  root.append(notes);
  // A log: each GPU's last reading as a table (a single reading, such as one saved `nvidia-smi`,
  // is shown by it alone: a chart of one point says nothing).
  if (log)
    root.append(
      lastReadings(
        [...history.values()].flatMap((s) => s.slice(-1)),
        api,
      ).element,
    );
  const grid = el('div', { class: 'gpu-grid' });
  if (!log || [...history.values()].some((s) => s.length > 1)) root.append(grid);
  const gpuCharts = GPU_CHARTS.map((s) => ({ spec: s, chart: lineChart(grid, s.title, s.unit, s.max) }));
  const hostCharts = log ? [] : HOST_CHARTS.map((s) => ({ spec: s, chart: lineChart(grid, s.title, s.unit, s.max) }));
  const procs = el('section', { class: 'gpu-processes' });
  let ownPids = new Set<number>();
  const processes = createTable<GpuProcess>(
    'gpu-processes',
    log ? 'Processes in the log' : 'Processes on the GPUs',
    [],
    [
      {
        title: 'GPU',
        value: (p) => p.gpuIndex ?? -1,
        format: (p) => (p.gpuIndex === undefined ? '?' : String(p.gpuIndex)),
        numeric: true,
      },
      { title: 'pid', value: (p) => p.pid, numeric: true },
      {
        title: 'Process',
        value: (p) => p.name,
        format: (p) => `${p.name}${ownPids.has(p.pid) ? '  ← flamelens run' : ''}`,
      },
      {
        title: 'Memory (MiB)',
        value: (p) => p.usedMemoryMiB,
        format: (p) => (p.usedMemoryMiB === undefined ? '—' : p.usedMemoryMiB.toLocaleString('en-US')),
        numeric: true,
      },
    ],
    {
      onExport: (csv) => api?.post({ type: 'exportCsv', name: 'gpu-processes', csv }),
      initialSort: 3,
      empty: 'No process is using a GPU.',
      rowClass: (p) => (ownPids.has(p.pid) ? 'own' : undefined),
    },
  );
  procs.append(processes.element);
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
      const totals = indexes.flatMap((idx) => {
        const last = history.get(idx)?.at(-1);
        const t = last && spec.total?.(last);
        return t ? [t] : [];
      });
      const y = chart.options.scales?.y;
      if (y && totals.length) y.max = Math.max(...totals);
      chart.data.datasets = indexes.map((idx, i) =>
        dataset(
          `GPU ${idx}`,
          idx,
          (history.get(idx) ?? []).flatMap((s) => {
            const v = spec.value(s);
            return v === undefined || (s.time ?? 0) < from ? [] : [{ x: s.time ?? 0, y: v }];
          }),
          i,
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
          : log
            ? 'Not in this log (or [N/A] in it).'
            : 'Not reported by nvidia-smi for this GPU ([N/A] or [Not Supported]).',
      );
      chart.update('none');
    }
    for (const { spec, chart } of hostCharts) {
      const last = host.at(-1);
      const total = last && spec.total?.(last);
      const y = chart.options.scales?.y;
      if (y && total) y.max = total;
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
      s.kind === 'running'
        ? `live · ${snapshot.source}`
        : s.kind === 'log'
          ? `log · ${s.message ?? snapshot.source}`
          : `${s.kind}${s.message ? `: ${s.message}` : ''}`;
    state.className = `gpu-state ${s.kind}`;
    notes.replaceChildren(...snapshot.notes.map((n) => el('li', {}, n)));
    ownPids = new Set(snapshot.ownPids);
    processes.setRows(snapshot.processes);
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

function boot(): void {
  const root = document.getElementById('app') ?? document.body;
  // The kit's rules (base.css, table.css) apply inside .flamelens.
  root.classList.add('flamelens');
  root.append(el('p', { class: 'status' }, 'Waiting for GPU data…'));
  let update: ((m: Extract<ToWebview, { type: 'gpuUpdate' }>) => void) | undefined;
  const host: Host<ToHost> | undefined = connectHost<ToHost, ToWebview>({
    gpuInit: (m) => (update = local(root, host, m)),
    gpuUpdate: (m) => update?.(m),
    error: (m) => root.replaceChildren(el('p', { class: 'status error' }, m.message)),
  });
  host?.post({ type: 'ready' });
}

boot();
