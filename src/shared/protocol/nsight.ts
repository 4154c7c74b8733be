/**
 * The Nsight view (webview/nsight): an Nsight Systems or Nsight Compute report's data once; the
 * view asks the host to save tables and, for Nsight Compute, to pick a "before" report to compare.
 */
import type { NcuComparisonData, NcuViewData, NsysViewData } from '../../core/analysis/nsight/nsightView';
import type { ErrorMessage, ExportCsv, Ready } from './common';

export const VIEW = 'nsight';

export type ToHost = Ready | ExportCsv | { type: 'ncuCompare' } | { type: 'nsysTimeline' };

export type ToWebview =
  | { type: 'nsysInit'; data: NsysViewData }
  | { type: 'ncuInit'; data: NcuViewData; comparison?: NcuComparisonData }
  | ErrorMessage;
