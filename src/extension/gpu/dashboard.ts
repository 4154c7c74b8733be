/**
 * The GPU dashboard panel: this machine's history once, every reading after, and the export of
 * the history as CSV or JSON. It keeps the telemetry hub sampling while it is open.
 */
import { vscode } from '../vscodeApi';
import { telemetryToCsv } from '../../core/analysis/gpu/gpuReadout';
import type { GpuTelemetry } from '../../core/runners/gpu/gpuTelemetry';
import { VIEW, type GpuSnapshot, type ToHost, type ToWebview } from '../../shared/protocol/gpuDashboard';
import { plainText } from '../shared/plainText';
import { saveCsvExport, saveExport } from '../shared/saveExport';
import { connectView, type ViewConnection } from '../shared/webview/panel';
import type { GpuConfig } from './gpuConfig';
import type { SharedTelemetry } from './sharedTelemetry';

const TITLE = 'flamelens: GPU';

export class GpuDashboard {
  private panel: vscode.WebviewPanel | undefined;
  private view: ViewConnection<ToWebview> | undefined;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly log: vscode.LogOutputChannel,
    private readonly telemetry: SharedTelemetry,
    private readonly config: () => GpuConfig,
    private readonly snapshot: () => GpuSnapshot,
  ) {}

  get isOpen(): boolean {
    return this.panel !== undefined;
  }

  post(m: ToWebview): void {
    this.view?.post(m);
  }

  open(): void {
    if (this.panel) {
      this.panel.reveal();
      return;
    }
    const hub = this.telemetry.ensure();
    const panel = vscode.window.createWebviewPanel('flamelens.gpuDashboard', TITLE, vscode.ViewColumn.Active, {
      retainContextWhenHidden: true,
    });
    this.panel = panel;
    this.telemetry.use('dashboard', true);
    const view: ViewConnection<ToWebview> = connectView<ToHost, ToWebview>(panel.webview, this.context.extensionUri, {
      view: VIEW,
      title: TITLE,
      log: this.log,
      handlers: {
        ready: () =>
          view.post({
            type: 'gpuInit',
            intervalMs: this.config().intervalMs,
            history: hub.gpuIndexes().map((index) => ({ index, samples: hub.history(index) })),
            host: hub.host.toArray(),
            snapshot: this.snapshot(),
          }),
        gpuExport: (m) => this.export(hub, m.format),
        exportCsv: (m) => saveCsvExport(vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? '', m.name, m.csv),
      },
    });
    this.view = view;
    panel.onDidDispose(() => {
      view.dispose();
      this.panel = undefined;
      this.view = undefined;
      this.telemetry.use('dashboard', false);
    });
  }

  private async export(hub: GpuTelemetry, format: 'csv' | 'json'): Promise<void> {
    const uri = await vscode.window.showSaveDialog({
      title: 'flamelens: export GPU telemetry',
      filters: format === 'csv' ? { CSV: ['csv'] } : { JSON: ['json'] },
      defaultUri: vscode.Uri.file(`gpu-telemetry.${format}`),
    });
    if (!uri) return;
    const perGpu = hub.gpuIndexes().map((i) => hub.history(i));
    const text =
      format === 'csv'
        ? telemetryToCsv(perGpu, hub.host.toArray())
        : JSON.stringify(
            {
              kind: 'gpu-telemetry-history',
              source: hub.source,
              gpus: hub.gpuIndexes().map((index, k) => ({ index, samples: perGpu[k] })),
              host: hub.host.toArray(),
              processes: hub.processes,
            },
            null,
            1,
          );
    await saveExport(uri, text);
    void vscode.window.showInformationMessage(plainText(`flamelens: GPU telemetry written to ${uri.fsPath}`));
  }
}
