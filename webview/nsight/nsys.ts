// The Nsight Systems page: per-device GPU busy timeline (chart.js), then kernel, CUDA API, memory
// transfer, NVTX and OS runtime tables in tabs. Every string from a report is inserted as text.
import { Chart } from 'chart.js';
import type { NsysViewData, TransferRow } from '../../src/core/analysis/nsight/nsightView';
import type { DurationStat } from '../../src/core/model/kernels';
import { el } from '../shared/dom';
import { button } from '../shared/controls';
import { table, type Column } from '../shared/table';
import { dashFor, msTick, seriesColor, seriesFill } from '../shared/chartKit';
import { bytesText, durationColumns, empty, header, msOf, num, tabs, usOf } from './kit';

export function renderNsys(
  root: HTMLElement,
  d: NsysViewData,
  exportCsv: (name: string, csv: string) => void,
  openTimeline?: () => void,
): void {
  root.replaceChildren();
  root.classList.add('flamelens', 'trace', 'nsight');
  const gpus = d.devices.length;
  const h = header(
    root,
    d.title,
    `Nsight Systems${d.version ? ` ${d.version}` : ''} · ${d.source === 'nsys-sqlite' ? 'SQLite export' : 'stats CSV'} · ${d.kernels.length} kernels · ${d.launches.toLocaleString('en-US')} launches${gpus ? ` on ${gpus} GPU${gpus > 1 ? 's' : ''}` : ''}`,
  );
  // Every launch, call and range in time: the trace timeline (SQLite exports have the rows).
  if (openTimeline && d.source === 'nsys-sqlite') {
    const b = button('Open on the timeline', { id: 'open-timeline' });
    b.addEventListener('click', openTimeline);
    h.append(b);
  }

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
    type Device = NsysViewData['devices'][number];
    const spanOf = (g: Device) => g.endNs - g.startNs;
    const ms = (title: string, v: (g: Device) => number): Column<Device> => ({
      title,
      value: v,
      format: (g) => msOf(v(g)),
      numeric: true,
    });
    const t = table<Device>(
      'device-table',
      'Devices',
      d.devices,
      [
        { title: 'Device', value: (g) => `GPU ${g.deviceId}${g.name ? ` ${g.name}` : ''}` },
        ms('Busy (ms)', (g) => g.busyNs),
        ms('Span (ms)', spanOf),
        {
          title: 'Busy (%)',
          value: (g) => (spanOf(g) > 0 ? (100 * g.busyNs) / spanOf(g) : 0),
          format: (g) => num(spanOf(g) > 0 ? (100 * g.busyNs) / spanOf(g) : 0),
          numeric: true,
        },
        ms('Idle (ms)', (g) => spanOf(g) - g.busyNs),
      ],
      (c) => exportCsv('nsys-devices.csv', c),
      1,
    );
    const box = el('div', { class: 'chart' });
    const canvas = el('canvas', { id: 'device-timeline', 'aria-label': 'GPU busy percentage over time, per device' });
    box.append(canvas);
    timeline.append(t, box);
    const start = Math.min(...d.devices.map((g) => g.startNs));
    new Chart(canvas, {
      type: 'line',
      data: {
        datasets: d.devices.map((g, i) => {
          const bucket = (g.endNs - g.startNs) / Math.max(1, g.buckets.length);
          return {
            label: `GPU ${g.deviceId} busy %`,
            data: g.buckets.map((b, k) => ({ x: (g.startNs - start + (k + 0.5) * bucket) / 1e6, y: 100 * b })),
            borderColor: seriesColor(g.deviceId),
            backgroundColor: seriesFill(g.deviceId),
            borderDash: dashFor(i),
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
            title: { display: true, text: 'time since the first GPU activity (ms)' },
            ticks: { callback: (v, _i, ticks) => msTick(v, ticks.length > 1 ? ticks[1].value - ticks[0].value : 1) },
          },
          y: { min: 0, max: 100, title: { display: true, text: 'busy %' }, ticks: {} },
        },
        plugins: { legend: { labels: {} } },
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
