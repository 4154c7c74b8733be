/**
 * The GPU cluster panel: the nodes and GPUs a Prometheus server knows, and one node's history
 * over a time window, asked for again when the view picks another node or window.
 */
import { vscode } from '../vscodeApi';
import { queryClusterGpus, queryClusterRange } from '../../core/runners/gpu/prometheusClient';
import { VIEW, type ClusterField, type ToHost, type ToWebview } from '../../shared/protocol/gpuCluster';
import { saveCsvExport } from '../shared/saveExport';
import { connectView, type ViewConnection } from '../shared/webview/panel';

const TITLE = 'flamelens: GPU cluster';
const FIELDS: ClusterField[] = ['utilizationGpu', 'memoryUsedMiB', 'temperatureC', 'powerDrawW'];

export class GpuCluster {
  private panel: vscode.WebviewPanel | undefined;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  /** Opens the view for the server at `base` (the setting flamelens.gpu.cluster.prometheusUrl). */
  open(base: string): void {
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
    if (this.panel) {
      this.panel.reveal();
      return;
    }
    const panel = vscode.window.createWebviewPanel('flamelens.gpuCluster', TITLE, vscode.ViewColumn.Active, {
      retainContextWhenHidden: true,
    });
    this.panel = panel;
    const view: ViewConnection<ToWebview> = connectView<ToHost, ToWebview>(panel.webview, this.context.extensionUri, {
      view: VIEW,
      title: TITLE,
      log: this.log,
      handlers: {
        ready: () => this.refresh(view, base, undefined, 15),
        clusterRefresh: (m) => this.refresh(view, base, m.node, m.minutes),
        exportCsv: (m) => saveCsvExport(vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? '', m.name, m.csv),
      },
    });
    panel.onDidDispose(() => {
      view.dispose();
      this.panel = undefined;
    });
  }

  private async refresh(view: ViewConnection<ToWebview>, base: string, node: string | undefined, minutes: number) {
    try {
      const gpus = await queryClusterGpus(base);
      const pick = node ?? gpus[0]?.node;
      let history: Partial<Record<ClusterField, [number, [number, number][]][]>> | undefined;
      if (pick) {
        const end = Date.now();
        const step = Math.max(1, Math.round((minutes * 60) / 300));
        const got = await Promise.all(
          FIELDS.map((f) => queryClusterRange(base, f, pick, end - minutes * 60_000, end, step)),
        );
        history = Object.fromEntries(FIELDS.map((f, i) => [f, [...got[i].entries()]]));
      }
      view.post({ type: 'clusterData', base, gpus, node: pick, history });
    } catch (e) {
      view.post({ type: 'clusterData', base, gpus: [], error: e instanceof Error ? e.message : String(e) });
    }
  }
}
