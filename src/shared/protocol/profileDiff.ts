/**
 * The profile diff view (webview/profileDiff): a differential flame graph and table of two
 * profiles once; the view asks the host to open sources and to save the table.
 */
import type { DiffViewData } from '../../core/analysis/cpu/profileDiff';
import type { ErrorMessage, ExportCsv, OpenSource, Ready } from './common';

export const VIEW = 'profileDiff';

export type ToHost = Ready | ExportCsv | OpenSource;

export type ToWebview = { type: 'diffInit'; data: DiffViewData } | ErrorMessage;
