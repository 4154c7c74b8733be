/**
 * The Nsight view: an Nsight Systems report (nsys.ts) or an Nsight Compute report (ncu.ts), as
 * the host computed it. Every string from a report is inserted as text.
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
import type { ToHost, ToWebview } from '../../src/shared/protocol/nsight';
import { el } from '../shared/dom';
import { connectHost, type Host } from '../shared/host';
import { renderNcu } from './ncu';
import { renderNsys } from './nsys';
import '../shared/base.css';
import '../shared/table.css';
import './style.css';

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

function boot(): void {
  const root = document.getElementById('app') ?? document.body;
  const exportCsv = (name: string, csv: string) => host?.post({ type: 'exportCsv', name, csv });
  const host: Host<ToHost> | undefined = connectHost<ToHost, ToWebview>({
    nsysInit: (m) => renderNsys(root, m.data, exportCsv, () => host?.post({ type: 'nsysTimeline' })),
    ncuInit: (m) => renderNcu(root, m.data, exportCsv, () => host?.post({ type: 'ncuCompare' }), m.comparison),
    error: (m) => {
      root.replaceChildren(el('p', { class: 'status error' }, m.message));
      document.body.dataset.flamelensReady = '1';
    },
  });
  if (!host) {
    root.textContent = 'This view needs the flamelens extension.';
    return;
  }
  host.post({ type: 'ready' });
}

boot();
