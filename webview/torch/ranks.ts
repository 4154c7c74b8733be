/**
 * The ranks of a distributed run in the trace view: each rank's mean step, GPU busy and
 * communication; then, where the host compared them (rankDiagnosis), the findings across ranks,
 * each step's time per rank with the slowest marked, the waiting in collectives per rank and the
 * operators whose time per step differs most. Every string from a trace is inserted as text.
 */
import type { RankRow } from '../../src/core/analysis/torch/torchView';
import type { RankDiagnosis } from '../../src/core/analysis/torch/rankDiagnosis';
import { table, type Column } from '../shared/table';
import { el } from '../shared/dom';

const ms = (us: number) => (us / 1000).toLocaleString('en-US', { minimumFractionDigits: 3, maximumFractionDigits: 3 });

export function ranksSection(
  rows: RankRow[],
  diag: RankDiagnosis | undefined,
  exportCsv: (name: string, csv: string) => void,
): HTMLElement {
  const section = el('section', { class: 'ranks', id: 'ranks' });
  section.append(
    table(
      'ranks-table',
      'Ranks (traces of one distributed run)',
      rows,
      [
        { title: 'Trace', value: (r) => r.title },
        { title: 'Rank', value: (r) => r.rank, numeric: true },
        { title: 'Steps', value: (r) => r.steps, numeric: true },
        { title: 'Mean step (ms)', value: (r) => r.meanStepMs, format: (r) => r.meanStepMs.toFixed(2), numeric: true },
        {
          title: 'vs fastest',
          value: (r) => r.slowdownPct,
          format: (r) => `+${r.slowdownPct.toFixed(1)}%`,
          numeric: true,
        },
        { title: 'GPU busy (ms)', value: (r) => r.gpuBusyMs, format: (r) => r.gpuBusyMs.toFixed(2), numeric: true },
        {
          title: 'Communication (ms)',
          value: (r) => r.communicationMs,
          format: (r) => r.communicationMs.toFixed(2),
          numeric: true,
        },
      ],
      (csv) => exportCsv('ranks.csv', csv),
      4,
    ),
  );
  if (!diag) return section;
  section.append(el('h2', {}, 'Across ranks'));
  if (diag.findings.length) {
    const list = el('ol', { class: 'findings rank-findings' });
    for (const f of diag.findings) {
      const li = el('li', { class: 'finding', 'data-kind': f.kind });
      const how = el('details', { class: 'finding-how' });
      how.append(el('summary', {}, 'How this was computed'), el('p', {}, f.how));
      li.append(el('p', { class: 'finding-text' }, f.text), how);
      list.append(li);
    }
    section.append(list);
  }
  type S = RankDiagnosis['steps'][number];
  if (diag.steps.length)
    section.append(
      table<S>(
        'rank-steps-table',
        'Step time per rank (ms)',
        diag.steps,
        [
          { title: 'Step', value: (s) => s.step },
          ...diag.labels.map((label, r): Column<S> => ({
            title: label,
            value: (s) => s.us[r],
            format: (s) => ms(s.us[r]),
            numeric: true,
          })),
          { title: 'Slowest', value: (s) => s.slowest },
          {
            title: 'vs fastest',
            value: (s) => s.slowerPct,
            format: (s) => `+${s.slowerPct.toFixed(1)}%`,
            numeric: true,
          },
        ],
        (csv) => exportCsv('rank-steps.csv', csv),
        diag.labels.length + 2,
      ),
    );
  type C = RankDiagnosis['communication'][number];
  section.append(
    table<C>(
      'rank-comm-table',
      'Waiting in collectives',
      diag.communication,
      [
        { title: 'Rank', value: (c) => c.label },
        { title: 'Collectives', value: (c) => c.collectives, numeric: true },
        { title: 'Compared', value: (c) => c.matched, numeric: true },
        {
          title: 'Communication (ms)',
          value: (c) => c.communicationUs,
          format: (c) => ms(c.communicationUs),
          numeric: true,
        },
        { title: 'Waiting (ms)', value: (c) => c.waitUs, format: (c) => ms(c.waitUs), numeric: true },
        { title: 'Waiting (%)', value: (c) => c.waitPct, format: (c) => c.waitPct.toFixed(1), numeric: true },
        { title: 'From', value: (c) => c.source },
      ],
      (csv) => exportCsv('rank-communication.csv', csv),
      4,
    ),
  );
  type O = RankDiagnosis['operators'][number];
  if (diag.operators.length)
    section.append(
      table<O>(
        'rank-ops-table',
        'Operators and kernels that differ most between ranks (ms a step)',
        diag.operators,
        [
          { title: 'Name', value: (o) => o.name },
          { title: 'Kind', value: (o) => o.kind },
          ...diag.labels.map((label, r): Column<O> => ({
            title: label,
            value: (o) => o.perStepUs[r],
            format: (o) => ms(o.perStepUs[r]),
            numeric: true,
          })),
          { title: 'Difference', value: (o) => o.spreadUs, format: (o) => ms(o.spreadUs), numeric: true },
          { title: 'Slowest', value: (o) => o.slowest },
        ],
        (csv) => exportCsv('rank-operators.csv', csv),
        2 + diag.labels.length,
      ),
    );
  return section;
}
