/**
 * The memory view: a CUDA allocator snapshot as the host analysed it. The out-of-memory entry
 * explained first; per device reserved, allocated and what is not in use; the active memory
 * over the recorded history (stacked by the lines that held most at the peak, the peak marked)
 * with what was live at the peak by line; the largest live allocations; live bytes by line at
 * the snapshot. Rows with a source open it at the line. Every string from a file is text.
 */
import { Chart, LineController, LineElement, PointElement, LinearScale, Filler, Tooltip, Legend } from 'chart.js';
import type { MemoryViewData, ToHost, ToWebview } from '../../src/shared/protocol/memory';
import type { LineBytes, SourceLine } from '../../src/core/analysis/memory/torchMemory';
import { table, downloadCsv } from '../shared/table';
import { bytesTick, seriesColor, seriesFill } from '../shared/chartKit';
import { button } from '../shared/controls';
import { el } from '../shared/dom';
import { connectHost, type Host } from '../shared/host';
import '../shared/base.css';
import '../shared/table.css';
import './style.css';

Chart.register(LineController, LineElement, PointElement, LinearScale, Filler, Tooltip, Legend);

const gib = (b: number) => {
  const a = Math.abs(b);
  if (a >= 2 ** 30) return `${(b / 2 ** 30).toFixed(2)} GB`;
  if (a >= 2 ** 20) return `${(b / 2 ** 20).toFixed(1)} MB`;
  if (a >= 2 ** 10) return `${(b / 2 ** 10).toFixed(1)} KB`;
  return `${b} B`;
};
const where = (l?: SourceLine) =>
  l ? (l.file ? `${l.name} (${l.file}:${l.line})` : l.name) : '(no Python stack recorded)';

interface Actions {
  exportCsv: (name: string, csv: string) => void;
  openSource?: (file: string, line: number) => void;
  openFlameGraph?: () => void;
}

function sourceLink(l: SourceLine | undefined, act: Actions): HTMLElement {
  if (!l?.file || !act.openSource) return el('span', {}, where(l));
  const a = el('a', { href: '#', class: 'source-link' }, where(l));
  a.addEventListener('click', (e) => {
    e.preventDefault();
    act.openSource!(l.file, l.line);
  });
  return a;
}

function linesTable(id: string, title: string, rows: LineBytes[], act: Actions): HTMLElement {
  return table<LineBytes>(
    id,
    title,
    rows,
    [
      { title: 'Where', value: (l) => where(l) },
      { title: 'Bytes', value: (l) => l.bytes, format: (l) => gib(l.bytes), numeric: true },
      { title: 'Allocations', value: (l) => l.count, numeric: true },
    ],
    (csv) => act.exportCsv(`${id}.csv`, csv),
    1,
    act.openSource ? (l) => l.file && act.openSource!(l.file, l.line) : undefined,
  );
}

export function render(root: HTMLElement, d: MemoryViewData, act: Actions): void {
  root.replaceChildren();
  const header = el('header', { class: 'toolbar' });
  header.append(
    el('span', { class: 'title' }, d.title),
    el('span', { class: 'hint' }, `CUDA allocator snapshot · ${d.layout}`),
  );
  if (act.openFlameGraph)
    header.append(button('Flame graph of live bytes', { id: 'open-flamegraph' }, act.openFlameGraph));
  root.append(header);
  for (const o of d.oom) {
    const box = el('section', { class: 'oom', id: 'oom' });
    box.append(el('h2', {}, `Out of memory on device ${o.device}`), el('p', { class: 'oom-text' }, o.text));
    const links = el('p', { class: 'oom-links' });
    if (o.askedAt?.file) links.append('Asked at ', sourceLink(o.askedAt, act));
    if (o.top?.file) links.append(links.childNodes.length ? ' · ' : '', 'Holding most: ', sourceLink(o.top, act));
    if (links.childNodes.length) box.append(links);
    root.append(box);
  }
  if (d.devices.length === 0)
    root.append(el('p', { class: 'hint' }, 'This snapshot holds no segment: nothing was allocated.'));
  else
    root.append(
      table(
        'devices-table',
        'Per device',
        d.devices,
        [
          { title: 'Device', value: (m) => m.device, numeric: true },
          { title: 'Reserved', value: (m) => m.reservedBytes, format: (m) => gib(m.reservedBytes), numeric: true },
          { title: 'Allocated', value: (m) => m.allocatedBytes, format: (m) => gib(m.allocatedBytes), numeric: true },
          { title: 'Requested', value: (m) => m.requestedBytes, format: (m) => gib(m.requestedBytes), numeric: true },
          {
            title: 'Not in use (%)',
            value: (m) => m.fragmentationPct,
            format: (m) => m.fragmentationPct.toFixed(1),
            numeric: true,
          },
          {
            title: 'Largest free block',
            value: (m) => m.largestFreeBytes,
            format: (m) => gib(m.largestFreeBytes),
            numeric: true,
          },
          { title: 'Segments', value: (m) => m.segments, numeric: true },
          { title: 'Live blocks', value: (m) => m.blocks, numeric: true },
          { title: 'History entries', value: (m) => m.traceEntries, numeric: true },
        ],
        (csv) => act.exportCsv('devices.csv', csv),
        1,
      ),
    );
  for (const t of d.timelines) {
    const sec = el('section', { class: 'timeline', id: `timeline-${t.device}` });
    const unit = t.axis === 'time' ? 'ms' : 'entry';
    sec.append(
      el('h2', {}, `Active memory on device ${t.device} over the recorded history`),
      el(
        'p',
        { class: 'peak' },
        `Peak ${gib(t.peakBytes)} at ${t.axis === 'time' ? `${(t.peakX / 1000).toFixed(1)} ms` : `entry ${t.peakX}`}` +
          (t.baselineBytes > 0 ? `; ${gib(t.baselineBytes)} was live before the history began` : ''),
      ),
    );
    const box = el('div', { class: 'chart' });
    const canvas = el('canvas', { 'aria-label': `Active memory on device ${t.device}` });
    box.append(canvas);
    sec.append(box);
    const xs = t.x.map((x) => (t.axis === 'time' ? x / 1000 : x));
    const max = Math.max(...t.bytes, 1);
    new Chart(canvas, {
      type: 'line',
      data: {
        datasets: [
          ...t.stacked.map((s, k) => ({
            label: s.label,
            data: s.bytes.map((y, j) => ({ x: xs[j], y })),
            borderColor: seriesColor(k),
            backgroundColor: seriesFill(k),
            fill: k === 0 ? 'origin' : '-1',
            pointRadius: 0,
            borderWidth: 1,
            stack: 'lines',
          })),
          {
            label: `peak ${gib(t.peakBytes)}`,
            data: [{ x: t.axis === 'time' ? t.peakX / 1000 : t.peakX, y: t.peakBytes }],
            borderColor: 'transparent',
            backgroundColor: seriesColor(2),
            pointRadius: 5,
            showLine: false,
          },
        ],
      },
      options: {
        animation: false,
        maintainAspectRatio: false,
        scales: {
          x: { type: 'linear', title: { display: true, text: unit === 'ms' ? 'time (ms)' : 'history entry' } },
          y: { type: 'linear', stacked: true, min: 0, ticks: { callback: (v) => bytesTick(v, max) } },
        },
        plugins: { legend: { labels: { boxWidth: 12 } } },
      },
    });
    sec.append(linesTable(`at-peak-${t.device}`, 'Live at the peak, by line', t.atPeak, act));
    root.append(sec);
  }
  type L = MemoryViewData['largest'][number];
  root.append(
    table<L>(
      'largest-table',
      'Largest live allocations',
      d.largest,
      [
        { title: 'Size', value: (l) => l.sizeBytes, format: (l) => gib(l.sizeBytes), numeric: true },
        { title: 'Requested', value: (l) => l.requestedBytes, format: (l) => gib(l.requestedBytes), numeric: true },
        { title: 'Device', value: (l) => l.device, numeric: true },
        { title: 'Where', value: (l) => where(l.pythonFrame) },
        { title: 'Address', value: (l) => `0x${l.address.toString(16)}` },
      ],
      (csv) => act.exportCsv('largest-allocations.csv', csv),
      0,
      act.openSource
        ? (l) => l.pythonFrame?.file && act.openSource!(l.pythonFrame.file, l.pythonFrame.line)
        : undefined,
    ),
  );
  root.append(linesTable('by-line-table', 'Live at the snapshot, by line', d.byLine, act));
}

function boot(): void {
  const app = document.getElementById('app') ?? document.body;
  app.classList.add('flamelens', 'memory');
  const root = el('div', { id: 'memory-view' });
  app.append(root);
  root.append(el('p', { class: 'status' }, 'Reading the snapshot…'));
  const host: Host<ToHost> | undefined = connectHost<ToHost, ToWebview>({
    memoryInit: (m) => {
      const post = m.interactive ? host : undefined;
      render(root, m.data, {
        exportCsv: (name, csv) => (post ? post.post({ type: 'exportCsv', name, csv }) : downloadCsv(name, csv)),
        openSource: post ? (file, line) => post.post({ type: 'openSource', file, line }) : undefined,
        openFlameGraph: post ? () => post.post({ type: 'openFlameGraph' }) : undefined,
      });
      document.body.dataset.flamelensMemory = 'ready';
    },
    error: (m) => root.replaceChildren(el('p', { class: 'status error' }, m.message)),
  });
  host?.post({ type: 'ready' });
}

boot();
