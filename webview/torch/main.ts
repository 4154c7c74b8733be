/**
 * The PyTorch trace view: GPU breakdown and utilisation chart (chart.js), and the operator and
 * kernel tables (sortable, filterable, exportable to CSV). Renders what the host computed; in
 * the standalone report the data is embedded. Every string from a trace is inserted as text.
 */
import { Chart, LineController, LineElement, PointElement, LinearScale, Filler, Tooltip, Legend } from 'chart.js';
import type { RankRow, TraceViewData } from '../../src/core/analysis/torch/torchView';
import type { OpRow } from '../../src/core/analysis/torch/torchAnalysis';
import { table, downloadCsv, type Column } from '../shared/table';
import type { ToHost, ToWebview } from '../../src/shared/protocol/torchTrace';
import { dashFor, seriesColor, seriesFill } from '../shared/chartKit';
import { button } from '../shared/controls';
import { el } from '../shared/dom';
import { connectHost, type Host } from '../shared/host';
import '../shared/base.css';
import '../shared/table.css';
import './style.css';
import { visibleText } from '../../src/core/util/visibleText';
import { TimelineTab } from './timelineTab';
import { Tabs } from './tabs';
import { bootReport } from './report';
import { diagnosisSection } from './diagnosis';
import { ranksSection } from './ranks';
import { memoryOpsTable } from './memoryOps';

Chart.register(LineController, LineElement, PointElement, LinearScale, Filler, Tooltip, Legend);

/** Milliseconds with a fixed three decimals, so a column's figures line up. */
const ms = (us: number) => (us / 1000).toLocaleString('en-US', { minimumFractionDigits: 3, maximumFractionDigits: 3 });
const pct = (v: number) => `${v.toFixed(1)}%`;

export function render(
  root: HTMLElement,
  d: TraceViewData,
  exportCsv: (name: string, csv: string) => void,
  ranks?: RankRow[],
  openFlameGraph?: () => void,
  openSource?: (file: string, line: number) => void,
  showOnTimeline?: (name: string) => void,
  showRange?: (t0: number, t1: number) => void,
): void {
  root.replaceChildren();
  root.classList.add('flamelens', 'trace');
  const onTimeline = (name: string) => {
    if (!showOnTimeline) return [];
    return [button('Show on timeline', { class: 'show-on-timeline', title: name }, () => showOnTimeline(name))];
  };
  const header = el('header', { class: 'toolbar' });
  header.append(el('span', { class: 'title' }, d.title));
  if (openFlameGraph) {
    const b = button('CPU flame graph', { id: 'open-flamegraph' });
    b.addEventListener('click', openFlameGraph);
    header.append(b);
  }
  header.append(
    el(
      'span',
      { class: 'hint' },
      `${formName(d)} · ${d.events.toLocaleString('en-US')} events · span ${ms(d.spanUs)} ms · ${d.gpuActivities.toLocaleString('en-US')} GPU activities${d.devices.length ? ` · ${d.devices.join(', ')}` : ''}`,
    ),
  );
  root.append(header);
  if (d.skipped.length > 0) {
    const note = el('p', { class: 'hint', id: 'skipped-events' });
    note.textContent = `Left out: ${d.skipped.map((k) => `${k.count.toLocaleString('en-US')} ${k.why}`).join('; ')}.`;
    root.append(note);
  }
  if (d.diagnosis) root.append(diagnosisSection(d.diagnosis, { exportCsv, openSource, showRange }));

  const gpu = el('section', { class: 'gpu', id: 'gpu-breakdown' });
  gpu.append(el('h2', {}, 'GPU time'));
  if (d.gpu.length === 0) {
    gpu.append(el('p', { class: 'hint' }, 'No GPU activity in this trace (a CPU-only run).'));
  } else {
    type Gpu = (typeof d.gpu)[number];
    const col = (title: string, v: (g: Gpu) => number, f = ms): Column<Gpu> => ({
      title,
      value: v,
      format: (g) => f(v(g)),
      numeric: true,
    });
    const t = table<Gpu>(
      'gpu-time-table',
      'Per device',
      d.gpu,
      [
        { title: 'Device', value: (g) => `GPU ${g.device}` },
        col('Busy (ms)', (g) => g.busyUs),
        col('Idle (ms)', (g) => g.idleUs),
        col(
          'Busy (%)',
          (g) => (g.spanUs > 0 ? (100 * g.busyUs) / g.spanUs : 0),
          (v) => v.toFixed(1),
        ),
        col('Compute (ms)', (g) => g.computeUs),
        col('Memcpy (ms)', (g) => g.memcpyUs),
        col('Memset (ms)', (g) => g.memsetUs),
        col('Communication (ms)', (g) => g.communicationUs),
      ],
      (csv) => exportCsv('gpu-time', csv),
      1,
    );
    gpu.append(t);
    const canvasBox = el('div', { class: 'chart' });
    const canvas = el('canvas', { id: 'gpu-timeline', 'aria-label': 'GPU utilisation over time' });
    canvasBox.append(canvas);
    gpu.append(canvasBox);
    new Chart(canvas, {
      type: 'line',
      data: {
        datasets: d.timeline.map((tl, i) => ({
          label: `GPU ${tl.device} utilisation %`,
          data: tl.busyPct.map((y, k) => ({ x: ((k + 0.5) * tl.bucketUs) / 1000, y })),
          borderColor: seriesColor(tl.device),
          backgroundColor: seriesFill(tl.device),
          borderDash: dashFor(i),
          fill: true,
          pointRadius: 0,
          borderWidth: 1.5,
        })),
      },
      options: {
        animation: false,
        maintainAspectRatio: false,
        scales: {
          x: { type: 'linear', title: { display: true, text: 'time (ms)' }, ticks: {} },
          y: { min: 0, max: 100, title: { display: true, text: 'busy %' }, ticks: {} },
        },
        plugins: { legend: { labels: {} } },
      },
    });
  }
  root.append(gpu);

  if (ranks && ranks.length > 1) root.append(ranksSection(ranks, d.rankDiagnosis, exportCsv));

  if (d.memory.length > 0) {
    const mem = el('section', { class: 'memory', id: 'memory' });
    mem.append(el('h2', {}, 'Memory'));
    for (const m of d.memory) {
      mem.append(
        el(
          'p',
          {},
          `${m.device < 0 ? 'CPU' : `GPU ${m.device}`}: peak ${(m.peakAllocated / 2 ** 20).toFixed(1)} MiB allocated at ${ms(m.peakAt)} ms${m.peakOperator ? `, during ${m.peakOperator}` : ''}`,
        ),
      );
    }
    const box = el('div', { class: 'chart' });
    const canvas = el('canvas', { id: 'memory-chart', 'aria-label': 'Memory over time' });
    box.append(canvas);
    mem.append(box);
    new Chart(canvas, {
      type: 'line',
      data: {
        datasets: d.memory.flatMap((m, i) => {
          const name = m.device < 0 ? 'CPU' : `GPU ${m.device}`;
          const sets = [
            {
              label: `${name} allocated (MiB)`,
              data: m.points.map(([t, a]) => ({ x: t / 1000, y: a / 2 ** 20 })),
              borderColor: seriesColor(m.device < 0 ? i : m.device),
              borderDash: dashFor(0),
              pointRadius: 0,
              borderWidth: 1.5,
              fill: false,
              stepped: true as const,
            },
          ];
          if (m.points.some((p) => p[2] !== null))
            sets.push({
              label: `${name} reserved (MiB)`,
              data: m.points.map(([t, , r]) => ({ x: t / 1000, y: (r ?? 0) / 2 ** 20 })),
              borderColor: seriesColor(m.device < 0 ? i : m.device),
              borderDash: dashFor(1),
              pointRadius: 0,
              borderWidth: 1,
              fill: false,
              stepped: true as const,
            });
          return sets;
        }),
      },
      options: {
        animation: false,
        maintainAspectRatio: false,
        scales: {
          x: { type: 'linear', title: { display: true, text: 'time (ms)' }, ticks: {} },
          y: { title: { display: true, text: 'MiB' }, ticks: {} },
        },
        plugins: { legend: { labels: {} } },
      },
    });
    if (d.memoryOps?.length) mem.append(memoryOpsTable(d.memoryOps, exportCsv));
    root.append(mem);
  }

  const hasDevice = d.gpuActivities > 0;
  root.append(
    table(
      'ops-table',
      'Operators',
      d.ops,
      [
        { title: 'Operator', value: (r) => r.name },
        { title: 'Calls', value: (r) => r.calls, numeric: true },
        { title: 'Self CPU (ms)', value: (r) => r.selfCpuUs, format: (r) => ms(r.selfCpuUs), numeric: true },
        { title: 'Total CPU (ms)', value: (r) => r.totalCpuUs, format: (r) => ms(r.totalCpuUs), numeric: true },
        ...(hasDevice
          ? [
              {
                title: 'Self device (ms)',
                value: (r: OpRow) => r.selfDeviceUs,
                format: (r: OpRow) => ms(r.selfDeviceUs),
                numeric: true,
              },
              {
                title: 'Total device (ms)',
                value: (r: OpRow) => r.totalDeviceUs,
                format: (r: OpRow) => ms(r.totalDeviceUs),
                numeric: true,
              },
            ]
          : []),
        { title: 'Input shapes', value: (r) => (r.inputShapes ?? []).join(' ') },
      ],
      (csv) => exportCsv('operators.csv', csv),
      hasDevice ? 5 : 2,
      showOnTimeline
        ? (r) => opAction.replaceChildren(el('span', { class: 'hint' }, r.name), ...onTimeline(r.name))
        : undefined,
    ),
  );
  const opAction = el('p', { class: 'row-action', id: 'operator-action' });
  root.append(opAction);
  if (hasDevice) {
    root.append(
      table(
        'kernels-table',
        'Kernels',
        d.kernels,
        [
          { title: 'Kernel', value: (r) => r.name },
          { title: 'Calls', value: (r) => r.calls, numeric: true },
          { title: 'Total (ms)', value: (r) => r.totalUs, format: (r) => ms(r.totalUs), numeric: true },
          { title: 'Mean (µs)', value: (r) => r.meanUs, format: (r) => r.meanUs.toFixed(2), numeric: true },
          { title: 'Min (µs)', value: (r) => r.minUs, format: (r) => r.minUs.toFixed(2), numeric: true },
          { title: 'Max (µs)', value: (r) => r.maxUs, format: (r) => r.maxUs.toFixed(2), numeric: true },
          { title: 'GPU %', value: (r) => r.gpuPct, format: (r) => pct(r.gpuPct), numeric: true },
          { title: 'Grid', value: (r) => r.grid?.join('×') },
          { title: 'Block', value: (r) => r.block?.join('×') },
          { title: 'Regs/thread', value: (r) => r.registersPerThread, numeric: true },
          { title: 'Shared mem', value: (r) => r.sharedMemory, numeric: true },
          {
            title: 'Occupancy %',
            value: (r) => r.occupancy,
            format: (r) => (r.occupancy === undefined ? '' : r.occupancy.toFixed(0)),
            numeric: true,
          },
          { title: 'Devices/streams', value: (r) => `${r.devices.join(',')}/${r.streams.join(',')}` },
        ],
        (csv) => exportCsv('kernels.csv', csv),
        2,
        (k) => showLaunchers(k.name),
      ),
    );
    const detail = el('section', { class: 'launchers', id: 'kernel-launchers' });
    detail.append(
      el('p', { class: 'hint' }, 'Select a kernel to see the operator and the Python code that launched it.'),
    );
    root.append(detail);
    const showLaunchers = (name: string) => {
      const list = d.launchers[name] ?? [];
      detail.replaceChildren(
        el('h2', {}, 'Launched from'),
        el('p', { class: 'kernel-name' }, name),
        ...onTimeline(name),
      );
      if (list.length === 0)
        detail.append(el('p', { class: 'hint' }, 'No launch site recorded (no runtime call for it in the trace).'));
      for (const l of list) {
        const box = el('div', { class: 'launcher' });
        box.append(el('p', {}, `${l.op ?? '(no operator)'} · ${l.launches} launch${l.launches === 1 ? '' : 'es'}`));
        if (l.stack.length === 0)
          box.append(
            el('p', { class: 'hint' }, 'No Python stack in this trace (record it with with_stack, torch 2.x).'),
          );
        const ol = el('ol', { class: 'stack' });
        for (const f of l.stack) {
          const li = el('li');
          if (openSource) {
            const a = el('a', { href: '#' }, `${f.name} (${f.file}:${f.line})`);
            a.addEventListener('click', (e) => {
              e.preventDefault();
              openSource(f.file, f.line);
            });
            li.append(a);
          } else li.textContent = visibleText(`${f.name} (${f.file}:${f.line})`);
          ol.append(li);
        }
        box.append(ol);
        detail.append(box);
      }
    };
  }
  document.body.dataset.flamelensReady = '1';
}

function boot(): void {
  const app = document.getElementById('app') ?? document.body;
  app.classList.add('flamelens', 'trace');
  const root = el('div', { id: 'trace-summary' });
  app.append(root);
  let tabs: Tabs | undefined;
  let shown = false;
  const host: Host<ToHost> | undefined = connectHost<ToHost, ToWebview>({
    // Until the tables come, the page says what the host is doing (the last status is kept on
    // the body for tests).
    status: (m) => {
      document.body.dataset.flamelensStatus = m.text;
      if (!shown) root.replaceChildren(el('p', { class: 'status', id: 'trace-status' }, m.text));
    },
    traceInit: (m) => {
      shown = true;
      const post = m.interactive ? host : undefined;
      const exportCsv = (name: string, csv: string) =>
        post ? post.post({ type: 'exportCsv', name, csv }) : downloadCsv(name, csv);
      const openSource = post
        ? (file: string, line: number) => post.post({ type: 'openSource', file, line })
        : undefined;
      // Tabs made already (the timeline came first) stay on the tab the user is on.
      const early = tabs !== undefined;
      document.body.dataset.flamelensShown = `${document.body.dataset.flamelensShown ?? ''} tables`.trim();
      if (post && !tabs) tabs = new Tabs(app, root, new TimelineTab((msg) => post.post(msg), openSource, exportCsv));
      render(
        root,
        m.data,
        exportCsv,
        m.ranks,
        post ? () => post.post({ type: 'openFlameGraph' }) : undefined,
        openSource,
        tabs ? (name) => tabs!.showOnTimeline(name) : undefined,
        tabs ? (t0, t1) => tabs!.showRange(t0, t1) : undefined,
      );
      if (m.tab && !early) tabs?.show(m.tab);
    },
    timelineFirst: () => {
      if (tabs || !host) return;
      const timeline = new TimelineTab(
        (msg) => host.post(msg),
        (file, line) => host.post({ type: 'openSource', file, line }),
        (name, csv) => host.post({ type: 'exportCsv', name, csv }),
      );
      tabs = new Tabs(app, root, timeline);
      tabs.show('timeline');
      // What the page showed, in order (for tests): here the timeline before the tables.
      document.body.dataset.flamelensShown = 'timeline';
    },
    showTab: (m) => tabs?.show(m.tab),
    timelineInit: (m) => tabs?.timeline.init(m),
    timelineWindow: (m) => tabs?.timeline.window(m),
    timelineDetails: (m) => tabs?.timeline.detailsOf(m),
    timelineAggregate: (m) => tabs?.timeline.aggregate(m),
    timelineMatches: (m) => tabs?.timeline.found(m),
    error: (m) => root.replaceChildren(el('p', { class: 'status error' }, m.message)),
  });
  if (host) {
    host.post({ type: 'ready' });
    return;
  }
  bootReport(app, root, render);
}

boot();

function formName(d: TraceViewData): string {
  switch (d.form) {
    case 'kineto':
      return 'Kineto trace';
    case 'nsys':
      return 'Nsight Systems export';
    case 'profile':
      // Sampled speedscope files give durations only: their time is the samples' running sum.
      return d.meta.timeOrder === 'cumulative'
        ? 'CPU profile in time order (sample time: idle gaps left out)'
        : 'CPU profile in time order';
    default:
      return 'legacy trace';
  }
}
