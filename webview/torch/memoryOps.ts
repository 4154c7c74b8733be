/**
 * The trace view's memory by operator (a trace recorded with profile_memory): allocations,
 * frees and size increase per operator and device, self and total, as the TensorBoard profiler
 * plugin's memory view tabled them. Names from the trace are text.
 */
import type { OpMemoryRow } from '../../src/core/analysis/torch/opMemory';
import { table, type Column } from '../shared/table';

const mib = (b: number) =>
  (b / 2 ** 20).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });

export function memoryOpsTable(rows: OpMemoryRow[], exportCsv: (name: string, csv: string) => void): HTMLElement {
  const bytes = (title: string, v: (r: OpMemoryRow) => number): Column<OpMemoryRow> => ({
    title,
    value: v,
    format: (r) => mib(v(r)),
    numeric: true,
  });
  return table<OpMemoryRow>(
    'memory-ops-table',
    'Memory by operator',
    rows,
    [
      { title: 'Operator', value: (r) => r.name },
      { title: 'Device', value: (r) => (r.device < 0 ? 'CPU' : `GPU ${r.device}`) },
      { title: 'Allocations', value: (r) => r.allocations, numeric: true },
      { title: 'Frees', value: (r) => r.frees, numeric: true },
      bytes('Allocated (MiB)', (r) => r.allocatedBytes),
      bytes('Freed (MiB)', (r) => r.freedBytes),
      bytes('Self increase (MiB)', (r) => r.selfIncreaseBytes),
      bytes('Total increase (MiB)', (r) => r.totalIncreaseBytes),
    ],
    (csv) => exportCsv('memory-by-operator.csv', csv),
    7,
  );
}
