/**
 * The window's one telemetry hub (core/runners/gpu/gpuTelemetry), shared by its users (the status
 * bar, the dashboard, the exporter, the run watches): it samples only while one of them needs it,
 * and is made anew, with the same users, when the interval, history or nvidia-smi path changes.
 */
import { vscode } from '../vscodeApi';
import { GpuTelemetry } from '../../core/runners/gpu/gpuTelemetry';
import type { GpuSample, HostSample } from '../../core/model/telemetry';
import type { GpuConfig } from './gpuConfig';

export class SharedTelemetry implements vscode.Disposable {
  private current: GpuTelemetry | undefined;
  private key = '';
  private readonly releases = new Map<string, () => void>();
  private readonly readings = new vscode.EventEmitter<{ time: number; gpus: GpuSample[] }>();
  private readonly states = new vscode.EventEmitter<void>();
  private readonly hosts = new vscode.EventEmitter<HostSample>();
  readonly onReading = this.readings.event;
  readonly onState = this.states.event;
  readonly onHost = this.hosts.event;

  constructor(private readonly config: () => GpuConfig) {}

  get hub(): GpuTelemetry | undefined {
    return this.current;
  }

  /** The hub for the current settings (made, or made anew with the same users). */
  ensure(): GpuTelemetry {
    const cfg = this.config();
    const key = JSON.stringify([cfg.intervalMs, cfg.historyPoints, cfg.nvidiaSmiPath]);
    if (this.current && this.key === key) return this.current;
    const users = [...this.releases.keys()];
    for (const release of this.releases.values()) release();
    this.releases.clear();
    if (this.current) void this.current.monitor.stop();
    const hub = new GpuTelemetry({
      intervalMs: cfg.intervalMs,
      historyPoints: cfg.historyPoints,
      nvidiaSmiPath: cfg.nvidiaSmiPath,
    });
    this.current = hub;
    this.key = key;
    hub.on('reading', (r) => this.readings.fire({ time: r.time, gpus: r.gpus }));
    hub.on('state', () => this.states.fire());
    hub.on('host', (h) => this.hosts.fire(h));
    for (const u of users) this.use(u, true);
    return hub;
  }

  /** `user` needs sampling (on) or no longer does (off). */
  use(user: string, on: boolean): void {
    if (on && !this.releases.has(user)) this.releases.set(user, this.ensure().acquire());
    if (!on) {
      this.releases.get(user)?.();
      this.releases.delete(user);
    }
  }

  dispose(): void {
    for (const release of this.releases.values()) release();
    void this.current?.monitor.stop();
    this.readings.dispose();
    this.states.dispose();
    this.hosts.dispose();
  }
}
