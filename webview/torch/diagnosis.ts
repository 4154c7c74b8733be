/**
 * The trace view's Diagnosis: findings first, ranked by the GPU time each could give back, each
 * with how it was computed, a button to its time range on the timeline and a link to its source
 * line; then the figures they come from (per device, per stream, the waits for the GPU). Every
 * string from a trace is inserted as text.
 */
import type { ViewDiagnosis } from '../../src/core/analysis/torch/torchView';
import { table, type Column } from '../shared/table';
import { button } from '../shared/controls';
import { el } from '../shared/dom';

const ms = (us: number) => (us / 1000).toLocaleString('en-US', { minimumFractionDigits: 3, maximumFractionDigits: 3 });
const pctOf = (x: number, of: number) => (of > 0 ? ((100 * x) / of).toFixed(1) : '0.0');

export interface DiagnosisActions {
  exportCsv: (name: string, csv: string) => void;
  openSource?: (file: string, line: number) => void;
  showRange?: (t0: number, t1: number) => void;
}

export function diagnosisSection(d: ViewDiagnosis, act: DiagnosisActions): HTMLElement {
  const section = el('section', { class: 'diagnosis', id: 'diagnosis' });
  section.append(el('h2', {}, 'Diagnosis'));
  if (d.findings.length === 0)
    section.append(
      el('p', { class: 'hint' }, 'No finding: the GPU is busy, or this trace holds too little to say why it is not.'),
    );
  const list = el('ol', { class: 'findings' });
  for (const f of d.findings) {
    const li = el('li', { class: 'finding', 'data-kind': f.kind });
    li.append(el('p', { class: 'finding-text' }, f.text));
    const how = el('details', { class: 'finding-how' });
    how.append(el('summary', {}, 'How this was computed'), el('p', {}, f.how));
    li.append(how);
    const actions = el('p', { class: 'finding-actions' });
    const range = f.range;
    if (range) Object.assign(li.dataset, { t0: String(range[0]), t1: String(range[1]) });
    if (range && act.showRange)
      actions.append(button('Show on timeline', { class: 'finding-range' }, () => act.showRange!(range[0], range[1])));
    const src = f.source;
    if (src && act.openSource) {
      const a = el('a', { href: '#', class: 'finding-source' }, `${src.name} (${src.file}:${src.line})`);
      a.addEventListener('click', (e) => {
        e.preventDefault();
        act.openSource!(src.file, src.line);
      });
      actions.append(a);
    }
    if (actions.childNodes.length) li.append(actions);
    list.append(li);
  }
  section.append(list);
  if (d.temporal.length === 0) return section;
  type T = ViewDiagnosis['temporal'][number];
  const share = (title: string, v: (t: T) => number): Column<T> => ({
    title,
    value: (t) => (t.spanUs > 0 ? v(t) / t.spanUs : 0),
    format: (t) => pctOf(v(t), t.spanUs),
    numeric: true,
  });
  section.append(
    table<T>(
      'temporal-table',
      'Temporal breakdown (from the first to the last GPU activity)',
      d.temporal,
      [
        { title: 'Device', value: (t) => `GPU ${t.device}` },
        { title: 'Span (ms)', value: (t) => t.spanUs, format: (t) => ms(t.spanUs), numeric: true },
        share('Idle (%)', (t) => t.idleUs),
        share('Compute (%)', (t) => t.computeUs),
        share('Non-compute (%)', (t) => t.nonComputeUs),
      ],
      (csv) => act.exportCsv('temporal-breakdown.csv', csv),
      2,
    ),
  );
  type S = ViewDiagnosis['idle'][number];
  const time = (title: string, v: (s: S) => number): Column<S> => ({
    title,
    value: v,
    format: (s) => ms(v(s)),
    numeric: true,
  });
  section.append(
    table<S>(
      'idle-table',
      'Idle time per stream',
      d.idle,
      [
        { title: 'Device', value: (s) => `GPU ${s.device}` },
        { title: 'Stream', value: (s) => s.stream, numeric: true },
        time('Host wait (ms)', (s) => s.hostWaitUs),
        time('Kernel wait (ms)', (s) => s.kernelWaitUs),
        time('Other (ms)', (s) => s.otherUs),
      ],
      (csv) => act.exportCsv('idle-per-stream.csv', csv),
      2,
    ),
  );
  section.append(criticalPathTable(d.criticalPath, act));
  if (d.syncs.length)
    section.append(
      table(
        'syncs-table',
        'Waits for the GPU',
        d.syncs,
        [
          { title: 'Where', value: (s) => (s.file ? `${s.name} (${s.file}:${s.line})` : s.name) },
          { title: 'Operator', value: (s) => s.op ?? '' },
          { title: 'Calls', value: (s) => s.calls.join(', ') },
          { title: 'Count', value: (s) => s.count, numeric: true },
          { title: 'CPU wait (ms)', value: (s) => s.cpuWaitUs, format: (s) => ms(s.cpuWaitUs), numeric: true },
          {
            title: 'GPU idle after (ms)',
            value: (s) => s.gpuIdleAfterUs,
            format: (s) => ms(s.gpuIdleAfterUs),
            numeric: true,
          },
        ],
        (csv) => act.exportCsv('gpu-waits.csv', csv),
        5,
        act.openSource ? (s) => s.file && s.line !== undefined && act.openSource!(s.file, s.line) : undefined,
      ),
    );
  return section;
}

/** Each step's critical path: its length, what bounds it, and a click to see the step on the timeline. */
function criticalPathTable(steps: ViewDiagnosis['criticalPath'], act: DiagnosisActions): HTMLElement {
  type P = ViewDiagnosis['criticalPath'][number];
  const part = (title: string, v: (p: P) => number): Column<P> => ({
    title,
    value: (p) => (p.lengthUs > 0 ? v(p) / p.lengthUs : 0),
    format: (p) => pctOf(v(p), p.lengthUs),
    numeric: true,
  });
  return table<P>(
    'critical-path-table',
    'Critical path per step',
    steps,
    [
      { title: 'Step', value: (p) => p.step },
      { title: 'Step (ms)', value: (p) => p.endUs - p.startUs, format: (p) => ms(p.endUs - p.startUs), numeric: true },
      { title: 'Path (ms)', value: (p) => p.lengthUs, format: (p) => ms(p.lengthUs), numeric: true },
      part('CPU (%)', (p) => p.cpuUs),
      part('GPU (%)', (p) => p.gpuUs),
      part('Waiting (%)', (p) => p.waitingUs),
      { title: 'Bound', value: (p) => p.bound },
      { title: 'Most on it', value: (p) => p.top.map((t) => `${t.name} ${ms(t.us)}`).join(' · ') },
    ],
    (csv) => act.exportCsv('critical-path.csv', csv),
    2,
    act.showRange ? (p) => act.showRange!(p.startUs, p.endUs) : undefined,
  );
}
