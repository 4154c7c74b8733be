/**
 * The GPU dashboard (webview/gpu): this machine's history once, then every reading; the view
 * asks the host to export the history.
 */
import type { GpuProcess, GpuSample, HostSample } from '../../core/model/telemetry';
import type { ErrorMessage, ExportCsv, Ready } from './common';

export const VIEW = 'gpu';

export interface GpuState {
  kind: string;
  message?: string;
}

/** Everything the GPU dashboard shows at a time besides the readings. */
export interface GpuSnapshot {
  state: GpuState;
  source: string;
  processes: GpuProcess[];
  /** Processes of flamelens' runs (highlighted). */
  ownPids: number[];
  /** Memory growth findings of the active runs, e.g. "GPU memory grows 120 MB/min (R² 0.97)". */
  notes: string[];
}

export type ToHost = Ready | ExportCsv | { type: 'gpuExport'; format: 'csv' | 'json' };

export type ToWebview =
  | {
      type: 'gpuInit';
      intervalMs: number;
      history: { index: number; samples: GpuSample[] }[];
      host: HostSample[];
      snapshot: GpuSnapshot;
      /**
       * A saved log shown instead of this machine's readings (flamelens.gpu.openLog): its whole
       * time span at first, no host charts, no export, no updates.
       */
      log?: { file: string };
    }
  | { type: 'gpuUpdate'; gpus: GpuSample[]; host?: HostSample; snapshot: GpuSnapshot }
  | ErrorMessage;
