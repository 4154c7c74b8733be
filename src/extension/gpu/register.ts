/**
 * The GPU feature, composed of its parts: the shared telemetry hub (sampling only while the
 * status bar, a dashboard, a run watch or the exporter needs it), the status-bar readout, the
 * dashboard, threshold alerts, the memory-growth watch of profiling runs, the opt-in Prometheus
 * exporter and the cluster view.
 */
import { vscode } from '../vscodeApi';
import type { GpuTelemetry } from '../../core/runners/gpu/gpuTelemetry';
import type { GpuSnapshot } from '../../shared/protocol/gpuDashboard';
import type { ActiveRuns } from '../shared/activeRuns';
import { GpuAlerts } from './alerts';
import { GpuCluster } from './cluster';
import { GpuDashboard } from './dashboard';
import { GpuLogs } from './gpuLog';
import { GpuExporter } from './exporter';
import { readGpuConfig } from './gpuConfig';
import { RunMemoryWatch } from './runWatch';
import { SharedTelemetry } from './sharedTelemetry';
import { GpuStatusBar } from './statusBar';

export interface GpuApi {
  hub(): GpuTelemetry | undefined;
  statusBarText(): string | undefined;
  statusBarTooltip(): string | undefined;
  alertsShown(): string[];
  dashboardOpen(): boolean;
  /** Titles of the open GPU log panels. */
  logPanels(): string[];
  exporterUrl(): string | undefined;
  notes(): string[];
  /** What the dashboard is sent: state, source, processes and the pids flamelens started. */
  snapshot(): GpuSnapshot;
}

export function register(
  context: vscode.ExtensionContext,
  log: vscode.LogOutputChannel,
  activeRuns: ActiveRuns,
): GpuApi {
  let cfg = readGpuConfig();
  const config = () => cfg;
  const telemetry = new SharedTelemetry(config);
  const statusBar = new GpuStatusBar();
  const alerts = new GpuAlerts(log, activeRuns);
  const watch = new RunMemoryWatch(activeRuns, telemetry, config, log);
  const exporter = new GpuExporter(telemetry, log);
  const cluster = new GpuCluster(context, log);
  const snapshot = (): GpuSnapshot => {
    const hub = telemetry.hub;
    return {
      state: hub
        ? { kind: hub.state.kind, message: 'message' in hub.state ? hub.state.message : undefined }
        : { kind: 'stopped' },
      source: hub?.source ?? 'none',
      processes: hub?.processes ?? [],
      ownPids: [...watch.pids()],
      notes: watch.notes(),
    };
  };
  const dashboard = new GpuDashboard(context, log, telemetry, config, snapshot);
  const logs = new GpuLogs(context, log);
  const updateStatusBar = () => statusBar.update(telemetry.hub, cfg, watch.pids());

  const applyConfig = () => {
    cfg = readGpuConfig();
    telemetry.ensure();
    telemetry.use('statusBar', cfg.statusBar);
    updateStatusBar();
    alerts.applyRules();
    void exporter.apply(cfg);
  };

  context.subscriptions.push(
    statusBar,
    watch,
    exporter,
    telemetry,
    telemetry.onReading(({ time, gpus }) => {
      updateStatusBar();
      dashboard.post({ type: 'gpuUpdate', gpus, snapshot: snapshot() });
      if (cfg.alertsEnabled) alerts.observe(time, gpus);
    }),
    telemetry.onState(() => {
      updateStatusBar();
      const s = telemetry.hub?.state;
      if (s && (s.kind === 'absent' || s.kind === 'failed' || s.kind === 'restarting'))
        log.info(`GPU telemetry: ${s.kind}: ${s.message}`);
      dashboard.post({ type: 'gpuUpdate', gpus: [], snapshot: snapshot() });
    }),
    telemetry.onHost((h) => dashboard.post({ type: 'gpuUpdate', gpus: [], host: h, snapshot: snapshot() })),
    vscode.commands.registerCommand('flamelens.gpu.showDashboard', () => dashboard.open()),
    vscode.commands.registerCommand('flamelens.gpu.showCluster', () => cluster.open(cfg.clusterUrl)),
    logs,
    vscode.commands.registerCommand('flamelens.gpu.openLog', (file: string) => logs.open(file)),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('flamelens.gpu')) applyConfig();
    }),
    activeRuns.onDidChange(() => {
      watch.sync();
      updateStatusBar();
    }),
  );
  applyConfig();

  return {
    hub: () => telemetry.hub,
    statusBarText: () => statusBar.text(cfg),
    statusBarTooltip: () => statusBar.tooltip(),
    alertsShown: () => alerts.texts(),
    dashboardOpen: () => dashboard.isOpen,
    logPanels: () => logs.titles(),
    exporterUrl: () => exporter.url,
    notes: () => watch.notes(),
    snapshot,
  };
}
