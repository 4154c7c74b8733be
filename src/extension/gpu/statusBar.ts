/**
 * The status-bar GPU readout: `GPU0 87% · 61.2/80 GB · 71°C` for the busiest (or chosen) GPU, the
 * warning or error colour past the thresholds, every field of every GPU in the tooltip; `no GPU`,
 * `GPU driver` or a spinner when nvidia-smi is absent, failing or restarting.
 */
import { vscode } from '../vscodeApi';
import { pickGpu, readoutLevel, readoutText, readoutTooltip } from '../../core/analysis/gpu/gpuReadout';
import type { GpuTelemetry } from '../../core/runners/gpu/gpuTelemetry';
import type { GpuConfig } from './gpuConfig';

export class GpuStatusBar implements vscode.Disposable {
  readonly item = vscode.window.createStatusBarItem('flamelens.gpu', vscode.StatusBarAlignment.Right, 90);

  constructor() {
    this.item.name = 'flamelens GPU';
    this.item.command = 'flamelens.gpu.showDashboard';
  }

  update(hub: GpuTelemetry | undefined, cfg: GpuConfig, ownPids: Set<number>): void {
    const item = this.item;
    if (!cfg.statusBar) {
      item.hide();
      return;
    }
    const state = hub?.state;
    const latest = hub?.latest;
    if (hub && latest && latest.gpus.length > 0 && (state?.kind === 'running' || hub.source === 'systeminformation')) {
      const g = pickGpu(latest.gpus, cfg.which) as NonNullable<ReturnType<typeof pickGpu>>;
      item.text = `$(pulse) ${readoutText(g)}${latest.gpus.length > 1 ? ` (+${latest.gpus.length - 1})` : ''}`;
      const tip = new vscode.MarkdownString(readoutTooltip(latest.gpus, hub.processes, ownPids));
      tip.isTrusted = false;
      tip.supportHtml = false;
      tip.appendMarkdown(`\n\n*${hub.source}, every ${cfg.intervalMs} ms · click for the dashboard*`);
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

  text(cfg: GpuConfig): string | undefined {
    return cfg.statusBar ? this.item.text : undefined;
  }

  tooltip(): string | undefined {
    const t = this.item.tooltip;
    return typeof t === 'string' ? t : t?.value;
  }

  dispose(): void {
    this.item.dispose();
  }
}
