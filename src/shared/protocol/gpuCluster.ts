/**
 * The GPU cluster view (webview/cluster): the nodes and GPUs a Prometheus server knows, and the
 * history of one node; the view asks for another node or time window.
 */
import type { ClusterGpu } from '../../core/model/telemetry';
import type { ErrorMessage, ExportCsv, Ready } from './common';

export const VIEW = 'cluster';

export type ClusterField = 'utilizationGpu' | 'memoryUsedMiB' | 'temperatureC' | 'powerDrawW';

export type ToHost = Ready | ExportCsv | { type: 'clusterRefresh'; node?: string; minutes: number };

export type ToWebview =
  | {
      type: 'clusterData';
      base: string;
      gpus: ClusterGpu[];
      error?: string;
      node?: string;
      history?: Partial<Record<ClusterField, [number, [number, number][]][]>>;
    }
  | ErrorMessage;
