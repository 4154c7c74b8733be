/**
 * The opt-in Prometheus exporter (flamelens.gpu.prometheus.*): started and stopped with its
 * setting; while it runs it keeps the telemetry hub sampling. Nothing listens by default.
 */
import { vscode } from '../vscodeApi';
import { startPrometheusExporter, type RunningExporter } from '../../core/report/prometheusExporter';
import { plainText } from '../shared/plainText';
import type { GpuConfig } from './gpuConfig';
import type { SharedTelemetry } from './sharedTelemetry';

export class GpuExporter implements vscode.Disposable {
  private running: RunningExporter | undefined;

  constructor(
    private readonly telemetry: SharedTelemetry,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  get url(): string | undefined {
    return this.running?.url;
  }

  async apply(cfg: GpuConfig): Promise<void> {
    if (this.running) {
      await this.running.close();
      this.running = undefined;
      this.telemetry.use('exporter', false);
    }
    if (!cfg.prometheus.enabled) return;
    const h = this.telemetry.ensure();
    this.telemetry.use('exporter', true);
    try {
      this.running = await startPrometheusExporter(
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
      this.log.info(`Prometheus metrics at ${this.running.url}`);
    } catch (e) {
      this.telemetry.use('exporter', false);
      void vscode.window.showErrorMessage(
        plainText(`flamelens: the Prometheus exporter did not start: ${e instanceof Error ? e.message : String(e)}`),
      );
    }
  }

  dispose(): void {
    void this.running?.close();
  }
}
