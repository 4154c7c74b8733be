/**
 * The benchmark comparison view (webview/bench): a comparison with its histories once; the view
 * asks the host to open a benchmarked function and to save tables.
 */
import type { BenchViewData } from '../../core/analysis/bench/benchHistory';
import type { ErrorMessage, ExportCsv, Ready } from './common';

export const VIEW = 'bench';

export type ToHost = Ready | ExportCsv | { type: 'openBenchmark'; name: string };

export type ToWebview = { type: 'benchInit'; data: BenchViewData } | ErrorMessage;
