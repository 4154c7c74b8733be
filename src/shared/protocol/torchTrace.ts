/**
 * The PyTorch trace view (webview/torch): the trace's tables and charts once (and, for the
 * ranks of a distributed run, their comparison); the view asks the host to open sources, the CPU
 * flame graph, and to save tables.
 */
import type { RankRow, TraceViewData } from '../../core/analysis/torch/torchView';
import type { ErrorMessage, ExportCsv, OpenSource, Ready } from './common';

export const VIEW = 'torch';

export type ToHost = Ready | OpenSource | ExportCsv | { type: 'openFlameGraph' };

export type ToWebview =
  { type: 'traceInit'; data: TraceViewData; interactive: boolean; ranks?: RankRow[] } | ErrorMessage;
