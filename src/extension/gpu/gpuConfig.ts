/** The GPU feature's settings (flamelens.gpu.*), typed and within the core's limits. */
import { vscode } from '../vscodeApi';
import { DEFAULT_THRESHOLDS, type ReadoutThresholds } from '../../core/analysis/gpu/gpuReadout';
import { OPTIONS, optionValue } from '../../core/model/options';

export interface GpuConfig {
  statusBar: boolean;
  which: 'busiest' | number;
  intervalMs: number;
  historyPoints: number;
  nvidiaSmiPath?: string;
  thresholds: ReadoutThresholds;
  alertsEnabled: boolean;
  prometheus: { enabled: boolean; host: string; port: number };
  clusterUrl: string;
  leak: { windowS: number; minMiBPerMin: number; everyS: number };
}

/** At most this many points per GPU, whatever the interval (24 hours at 1 Hz). */
const MAX_HISTORY_POINTS = 86_400;

export function readGpuConfig(): GpuConfig {
  const c = vscode.workspace.getConfiguration('flamelens.gpu');
  const which = c.get<string | number>('statusBar.gpu', 'busiest');
  // A program path: machine-scoped (no workspace value) and listed in restrictedConfigurations,
  // so an untrusted workspace cannot name the program flamelens starts.
  const smi = c.get<string>('nvidiaSmiPath', '');
  const intervalMs = optionValue(OPTIONS.gpuIntervalMs, c.get('intervalMs'));
  const minutes = optionValue(OPTIONS.gpuHistoryMinutes, c.get('historyMinutes'));
  return {
    statusBar: c.get<boolean>('statusBar.enabled', true),
    which: typeof which === 'number' ? which : /^\d+$/.test(String(which)) ? Number(which) : 'busiest',
    intervalMs,
    historyPoints: Math.min(MAX_HISTORY_POINTS, Math.max(60, Math.round((minutes * 60_000) / intervalMs))),
    nvidiaSmiPath: smi || undefined,
    thresholds: { ...DEFAULT_THRESHOLDS, ...c.get<Partial<ReadoutThresholds>>('statusBar.thresholds', {}) },
    alertsEnabled: c.get<boolean>('alerts.enabled', true),
    prometheus: {
      enabled: c.get<boolean>('prometheus.enabled', false),
      host: c.get<string>('prometheus.host', '127.0.0.1'),
      port: optionValue(OPTIONS.prometheusPort, c.get('prometheus.port')),
    },
    clusterUrl: c.get<string>('cluster.prometheusUrl', ''),
    leak: {
      windowS: optionValue(OPTIONS.leakWindowSeconds, c.get('leak.windowSeconds')),
      minMiBPerMin: optionValue(OPTIONS.leakMinMiBPerMinute, c.get('leak.minMiBPerMinute')),
      everyS: optionValue(OPTIONS.leakSampleSeconds, c.get('leak.sampleSeconds')),
    },
  };
}
