/**
 * The GPU feature: status-bar readout, dashboard, threshold alerts, memory-growth watch of
 * profiling runs, the opt-in Prometheus exporter and the cluster view. One telemetry hub
 * (core/runners/gpuTelemetry) samples only while the status bar, a dashboard or the exporter
 * needs it.
 */
import * as vscode from 'vscode';
import { saveExport } from '../saveExport';
import { GpuTelemetry } from '../../core/runners/gpu/gpuTelemetry';
import { processTreeRssMiB, linuxDescendants } from '../../core/runners/processTree';
import {
  AlertEvaluator,
  DEFAULT_ALERT_RULES,
  validateAlertRules,
  type AlertEvent,
} from '../../core/analysis/gpu/alertRules';
import { GrowthWindow, describeGrowth } from '../../core/analysis/gpu/growthTrend';
import {
  DEFAULT_THRESHOLDS,
  pickGpu,
  readoutLevel,
  readoutText,
  readoutTooltip,
  telemetryToCsv,
  type ReadoutThresholds,
} from '../../core/analysis/gpu/gpuReadout';
import { startPrometheusExporter, type RunningExporter } from '../../core/report/prometheusExporter';
import { queryClusterGpus, queryClusterRange } from '../../core/runners/gpu/prometheusClient';
import type { ClusterField, GpuSnapshot, ToHost, ToWebview } from '../../shared/protocol';
import type { GpuSample } from '../../core/model/telemetry';
import { flameGraphHtml, webviewOptions } from '../profiling/flameGraphWebview';
import type { ActiveRuns } from '../activeRuns';
import { plainText } from '../plainText';

export interface GpuApi {
  hub(): GpuTelemetry | undefined;
  statusBarText(): string | undefined;
  statusBarTooltip(): string | undefined;
  alertsShown(): string[];
  dashboardOpen(): boolean;
  exporterUrl(): string | undefined;
  notes(): string[];
  /** What the dashboard is sent: state, source, processes and the pids flamelens started. */
  snapshot(): GpuSnapshot;
}

interface GpuConfig {
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

function readConfig(): GpuConfig {
  const c = vscode.workspace.getConfiguration('flamelens.gpu');
  const which = c.get<string | number>('statusBar.gpu', 'busiest');
  // A program path: machine-scoped (no workspace value) and listed in restrictedConfigurations,
  // so an untrusted workspace cannot name the program flamelens starts.
  const smi = c.get<string>('nvidiaSmiPath', '');
  return {
    statusBar: c.get<boolean>('statusBar.enabled', true),
    which: typeof which === 'number' ? which : /^\d+$/.test(String(which)) ? Number(which) : 'busiest',
    intervalMs: Math.max(100, c.get<number>('intervalMs', 1000)),
    historyPoints: Math.min(
      86_400,
      Math.max(
        60,
        Math.round(
          (Math.min(1440, c.get<number>('historyMinutes', 60)) * 60_000) /
            Math.max(100, c.get<number>('intervalMs', 1000)),
        ),
      ),
    ),
    nvidiaSmiPath: smi || undefined,
    thresholds: { ...DEFAULT_THRESHOLDS, ...c.get<Partial<ReadoutThresholds>>('statusBar.thresholds', {}) },
    alertsEnabled: c.get<boolean>('alerts.enabled', true),
    prometheus: {
      enabled: c.get<boolean>('prometheus.enabled', false),
      host: c.get<string>('prometheus.host', '127.0.0.1'),
      port: c.get<number>('prometheus.port', 9839),
    },
    clusterUrl: c.get<string>('cluster.prometheusUrl', ''),
    leak: {
      windowS: Math.max(10, c.get<number>('leak.windowSeconds', 300)),
      minMiBPerMin: c.get<number>('leak.minMiBPerMinute', 20),
      everyS: Math.max(1, c.get<number>('leak.sampleSeconds', 5)),
    },
  };
}

export function register(
  context: vscode.ExtensionContext,
  log: vscode.LogOutputChannel,
  activeRuns: ActiveRuns,
): GpuApi {
  let cfg = readConfig();
  let hub: GpuTelemetry | undefined;
  let hubKey = '';
  const releases = new Map<string, () => void>();
  const item = vscode.window.createStatusBarItem('flamelens.gpu', vscode.StatusBarAlignment.Right, 90);
  item.name = 'flamelens GPU';
  item.command = 'flamelens.gpu.showDashboard';
  const shownAlerts: string[] = [];
  const evaluator = new AlertEvaluator(DEFAULT_ALERT_RULES);
  let exporter: RunningExporter | undefined;
  let dashboard: vscode.WebviewPanel | undefined;
  let cluster: vscode.WebviewPanel | undefined;
  const notes = new Map<string, string>();
  context.subscriptions.push(item);

  const ownPids = (): Set<number> => {
    const s = new Set<number>();
    for (const r of activeRuns.list) if (r.pid !== undefined) s.add(r.pid);
    for (const pids of watchedPids.values()) for (const p of pids) s.add(p);
    return s;
  };
  /** The process tree of each watched run (its programs below the sampler or launcher). */
  const watchedPids = new Map<string, Set<number>>();
  const snapshot = (): GpuSnapshot => ({
    state: hub
      ? { kind: hub.state.kind, message: 'message' in hub.state ? hub.state.message : undefined }
      : { kind: 'stopped' },
    source: hub?.source ?? 'none',
    processes: hub?.processes ?? [],
    ownPids: [...ownPids()],
    notes: [...notes.values()],
  });

  function ensureHub(): GpuTelemetry {
    const key = JSON.stringify([cfg.intervalMs, cfg.historyPoints, cfg.nvidiaSmiPath]);
    if (hub && hubKey === key) return hub;
    const users = [...releases.keys()];
    for (const r of releases.values()) r();
    releases.clear();
    if (hub) void hub.monitor.stop();
    hub = new GpuTelemetry({
      intervalMs: cfg.intervalMs,
      historyPoints: cfg.historyPoints,
      nvidiaSmiPath: cfg.nvidiaSmiPath,
    });
    hubKey = key;
    hub.on('reading', (r) => onReading(r.time, r.gpus));
    hub.on('state', () => {
      updateItem();
      const s = hub?.state;
      if (s && (s.kind === 'absent' || s.kind === 'failed' || s.kind === 'restarting'))
        log.info(`GPU telemetry: ${s.kind}: ${s.message}`);
      post({ type: 'gpuUpdate', gpus: [], snapshot: snapshot() });
    });
    hub.on('host', (h) => post({ type: 'gpuUpdate', gpus: [], host: h, snapshot: snapshot() }));
    for (const u of users) use(u, true);
    return hub;
  }

  function use(user: string, on: boolean): void {
    if (on && !releases.has(user)) releases.set(user, ensureHub().acquire());
    if (!on) {
      releases.get(user)?.();
      releases.delete(user);
    }
  }

  function post(m: ToWebview): void {
    void dashboard?.webview.postMessage(m);
  }

  function updateItem(): void {
    if (!cfg.statusBar) {
      item.hide();
      return;
    }
    const h = hub;
    const state = h?.state;
    const latest = h?.latest;
    if (latest && latest.gpus.length > 0 && (state?.kind === 'running' || h?.source === 'systeminformation')) {
      const g = pickGpu(latest.gpus, cfg.which) as NonNullable<ReturnType<typeof pickGpu>>;
      item.text = `$(pulse) ${readoutText(g)}${latest.gpus.length > 1 ? ` (+${latest.gpus.length - 1})` : ''}`;
      const tip = new vscode.MarkdownString(readoutTooltip(latest.gpus, h.processes, ownPids()));
      tip.isTrusted = false;
      tip.supportHtml = false;
      tip.appendMarkdown(`\n\n*${h.source}, every ${cfg.intervalMs} ms · click for the dashboard*`);
      item.tooltip = tip;
      const level = readoutLevel(latest.gpus, cfg.thresholds);
      item.backgroundColor =
        level === 'critical'
          ? new vscode.ThemeColor('statusBarItem.errorBackground')
          : level === 'warning'
            ? new vscode.ThemeColor('statusBarItem.warningBackground')
            : undefined;
    } else {
      const kind = state?.kind ?? 'stopped';
      item.text =
        kind === 'absent'
          ? '$(pulse) no GPU'
          : kind === 'failed'
            ? '$(warning) GPU driver'
            : kind === 'restarting'
              ? '$(sync~spin) GPU'
              : '$(pulse) GPU …';
      item.tooltip = state && 'message' in state ? `flamelens: ${state.message}` : 'flamelens: starting nvidia-smi';
      item.backgroundColor = undefined;
    }
    item.show();
  }

  function onReading(time: number, gpus: GpuSample[]): void {
    updateItem();
    post({ type: 'gpuUpdate', gpus, snapshot: snapshot() });
    if (cfg.alertsEnabled)
      for (const e of evaluator.observe(time, gpus, { profiling: activeRuns.list.length > 0 })) showAlert(e);
  }

  function showAlert(e: AlertEvent): void {
    const text = `flamelens GPU alert (${e.severity}): ${e.message}`;
    shownAlerts.push(text);
    if (shownAlerts.length > 200) shownAlerts.splice(0, shownAlerts.length - 200); // days of alerts: keep the latest
    log.warn(text);
    const actions = ['Open Dashboard', ...(activeRuns.list.length > 0 ? ['Stop Run'] : [])];
    const show =
      e.severity === 'critical'
        ? vscode.window.showErrorMessage
        : e.severity === 'warning'
          ? vscode.window.showWarningMessage
          : vscode.window.showInformationMessage;
    void show(text, ...actions).then((choice) => {
      if (choice === 'Open Dashboard') void vscode.commands.executeCommand('flamelens.gpu.showDashboard');
      if (choice === 'Stop Run') for (const r of activeRuns.list) r.stop();
    });
  }

  function applyRules(): void {
    const { rules, problems } = validateAlertRules(
      vscode.workspace.getConfiguration('flamelens.gpu').get('alerts.rules'),
    );
    for (const p of problems) log.warn(p);
    if (problems.length > 0)
      void vscode.window.showWarningMessage(
        plainText(`flamelens: ${problems[0]}${problems.length > 1 ? ` (and ${problems.length - 1} more)` : ''}`),
      );
    evaluator.setRules([
      ...(vscode.workspace.getConfiguration('flamelens.gpu').get<boolean>('alerts.defaults', true)
        ? DEFAULT_ALERT_RULES
        : []),
      ...rules,
    ]);
  }

  async function applyExporter(): Promise<void> {
    if (exporter) {
      await exporter.close();
      exporter = undefined;
      use('exporter', false);
    }
    if (!cfg.prometheus.enabled) return;
    const h = ensureHub();
    use('exporter', true);
    try {
      exporter = await startPrometheusExporter(
        {
          get latest() {
            return h.latest;
          },
          get processes() {
            return h.processes;
          },
          up: () => h.state.kind === 'running',
        },
        { host: cfg.prometheus.host, port: cfg.prometheus.port, staleMs: Math.max(5000, cfg.intervalMs * 5) },
      );
      log.info(`Prometheus metrics at ${exporter.url}`);
    } catch (e) {
      use('exporter', false);
      void vscode.window.showErrorMessage(
        plainText(`flamelens: the Prometheus exporter did not start: ${e instanceof Error ? e.message : String(e)}`),
      );
    }
  }

  // Memory growth of each run's processes (host RSS from /proc, GPU memory from compute-apps).
  const watches = new Map<string, NodeJS.Timeout>();
  function watchRuns(): void {
    for (const r of activeRuns.list) {
      if (watches.has(r.id) || r.pid === undefined) continue;
      const pid = r.pid;
      use(`run:${r.id}`, true);
      const growthOptions = { minSpanSec: cfg.leak.windowS / 2, minSlopePerMin: cfg.leak.minMiBPerMin, minPoints: 6 };
      const host = new GrowthWindow(cfg.leak.windowS * 1000, growthOptions);
      const gpu = new GrowthWindow(cfg.leak.windowS * 1000, growthOptions);
      const raised = new Set<string>();
      const check = (what: string, w: GrowthWindow, v: number) => {
        const t = w.add({ t: Date.now(), v });
        if (!t?.growing || raised.has(what)) return;
        raised.add(what);
        const text = `${describeGrowth(what, t)} in run ${r.name}`;
        notes.set(`${r.id}:${what}`, text);
        log.warn(text);
        void vscode.window
          .showWarningMessage(plainText(`flamelens: ${text}`), 'Open Dashboard', 'Stop Run')
          .then((c) => {
            if (c === 'Open Dashboard') void vscode.commands.executeCommand('flamelens.gpu.showDashboard');
            if (c === 'Stop Run') r.stop();
          });
      };
      const tick = async () => {
        const tree = new Set([pid, ...(await linuxDescendants(pid))]);
        if (watches.has(r.id)) watchedPids.set(r.id, tree);
        const rss = await processTreeRssMiB(pid);
        if (rss !== undefined) check('host memory', host, rss);
        const onGpu = (hub?.processes ?? []).filter((p) => tree.has(p.pid) && p.usedMemoryMiB !== undefined);
        if (onGpu.length > 0)
          check(
            'GPU memory',
            gpu,
            onGpu.reduce((a, p) => a + (p.usedMemoryMiB ?? 0), 0),
          );
      };
      void tick();
      watches.set(
        r.id,
        setInterval(() => void tick(), cfg.leak.everyS * 1000),
      );
    }
    for (const [id, timer] of watches) {
      if (activeRuns.list.some((r) => r.id === id)) continue;
      clearInterval(timer);
      watches.delete(id);
      watchedPids.delete(id);
      use(`run:${id}`, false);
    }
  }

  function openDashboard(): void {
    if (dashboard) {
      dashboard.reveal();
      return;
    }
    const h = ensureHub();
    const panel = vscode.window.createWebviewPanel(
      'flamelens.gpuDashboard',
      'flamelens: GPU',
      vscode.ViewColumn.Active,
      { ...webviewOptions(context.extensionUri), retainContextWhenHidden: true },
    );
    dashboard = panel;
    panel.webview.html = flameGraphHtml(panel.webview, context.extensionUri, 'flamelens: GPU', 'gpu');
    use('dashboard', true);
    panel.webview.onDidReceiveMessage(
      async (m: ToHost) => {
        if (m.type === 'ready') {
          void panel.webview.postMessage({
            type: 'gpuInit',
            intervalMs: cfg.intervalMs,
            history: h.gpuIndexes().map((index) => ({ index, samples: h.history(index) })),
            host: h.host.toArray(),
            snapshot: snapshot(),
          } satisfies ToWebview);
        } else if (m.type === 'gpuExport') {
          const uri = await vscode.window.showSaveDialog({
            title: 'flamelens: export GPU telemetry',
            filters: m.format === 'csv' ? { CSV: ['csv'] } : { JSON: ['json'] },
            defaultUri: vscode.Uri.file(`gpu-telemetry.${m.format}`),
          });
          if (!uri) return;
          const perGpu = h.gpuIndexes().map((i) => h.history(i));
          const text =
            m.format === 'csv'
              ? telemetryToCsv(perGpu, h.host.toArray())
              : JSON.stringify(
                  {
                    kind: 'gpu-telemetry-history',
                    source: h.source,
                    gpus: h.gpuIndexes().map((index, k) => ({ index, samples: perGpu[k] })),
                    host: h.host.toArray(),
                    processes: h.processes,
                  },
                  null,
                  1,
                );
          await saveExport(uri, text);
          void vscode.window.showInformationMessage(plainText(`flamelens: GPU telemetry written to ${uri.fsPath}`));
        }
      },
      undefined,
      context.subscriptions,
    );
    panel.onDidDispose(() => {
      dashboard = undefined;
      use('dashboard', false);
    });
  }

  function openCluster(): void {
    const base = cfg.clusterUrl;
    if (!base) {
      void vscode.window
        .showInformationMessage(
          'flamelens: set flamelens.gpu.cluster.prometheusUrl to the Prometheus server that scrapes your GPU nodes (DCGM exporter or flamelens).',
          'Open Settings',
        )
        .then((c) => {
          if (c) void vscode.commands.executeCommand('workbench.action.openSettings', 'flamelens.gpu.cluster');
        });
      return;
    }
    if (cluster) {
      cluster.reveal();
      return;
    }
    const panel = vscode.window.createWebviewPanel(
      'flamelens.gpuCluster',
      'flamelens: GPU cluster',
      vscode.ViewColumn.Active,
      { ...webviewOptions(context.extensionUri), retainContextWhenHidden: true },
    );
    cluster = panel;
    panel.webview.html = flameGraphHtml(panel.webview, context.extensionUri, 'flamelens: GPU cluster', 'gpu');
    const refresh = async (node: string | undefined, minutes: number) => {
      try {
        const gpus = await queryClusterGpus(base);
        const pick = node ?? gpus[0]?.node;
        let history: Partial<Record<ClusterField, [number, [number, number][]][]>> | undefined;
        if (pick) {
          const end = Date.now();
          const fields: ClusterField[] = ['utilizationGpu', 'memoryUsedMiB', 'temperatureC', 'powerDrawW'];
          const step = Math.max(1, Math.round((minutes * 60) / 300));
          const got = await Promise.all(
            fields.map((f) => queryClusterRange(base, f, pick, end - minutes * 60_000, end, step)),
          );
          history = Object.fromEntries(fields.map((f, i) => [f, [...got[i].entries()]]));
        }
        void panel.webview.postMessage({ type: 'clusterData', base, gpus, node: pick, history } satisfies ToWebview);
      } catch (e) {
        void panel.webview.postMessage({
          type: 'clusterData',
          base,
          gpus: [],
          error: e instanceof Error ? e.message : String(e),
        } satisfies ToWebview);
      }
    };
    panel.webview.onDidReceiveMessage(
      (m: ToHost) => {
        if (m.type === 'ready') void refresh(undefined, 15);
        else if (m.type === 'clusterRefresh') void refresh(m.node, m.minutes);
      },
      undefined,
      context.subscriptions,
    );
    panel.onDidDispose(() => (cluster = undefined));
  }

  function applyConfig(): void {
    cfg = readConfig();
    ensureHub();
    use('statusBar', cfg.statusBar);
    updateItem();
    applyRules();
    void applyExporter();
  }

  context.subscriptions.push(
    vscode.commands.registerCommand('flamelens.gpu.showDashboard', openDashboard),
    vscode.commands.registerCommand('flamelens.gpu.showCluster', openCluster),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('flamelens.gpu')) applyConfig();
    }),
    activeRuns.onDidChange(() => {
      watchRuns();
      updateItem();
    }),
    {
      dispose: () => {
        for (const t of watches.values()) clearInterval(t);
        for (const r of releases.values()) r();
        void exporter?.close();
        void hub?.monitor.stop();
      },
    },
  );
  applyConfig();

  return {
    hub: () => hub,
    statusBarText: () => (cfg.statusBar ? item.text : undefined),
    statusBarTooltip: () => (typeof item.tooltip === 'string' ? item.tooltip : item.tooltip?.value),
    alertsShown: () => [...shownAlerts],
    dashboardOpen: () => dashboard !== undefined,
    exporterUrl: () => exporter?.url,
    notes: () => [...notes.values()],
    snapshot,
  };
}
