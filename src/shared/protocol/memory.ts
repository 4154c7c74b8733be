/**
 * The memory view (webview/memory): a CUDA allocator snapshot analysed on the host, sent once;
 * the view asks the host to open sources, to show live bytes as a flame graph, and to save tables.
 */
import type { MemoryAnalysis } from '../../core/analysis/memory/torchMemory';
import type { ErrorMessage, ExportCsv, OpenSource, Ready } from './common';

export const VIEW = 'memory';

export interface MemoryViewData extends MemoryAnalysis {
  title: string;
}

export type ToHost = Ready | OpenSource | ExportCsv | { type: 'openFlameGraph' };

export type ToWebview = { type: 'memoryInit'; data: MemoryViewData; interactive: boolean } | ErrorMessage;
