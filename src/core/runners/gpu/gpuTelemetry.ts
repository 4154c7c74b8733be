/**
 * The telemetry hub: one nvidia-smi loop (NvidiaSmiMonitor) for the GPUs, a `--query-compute-apps`
 * poll for the processes on them, CPU, memory, disk and network (from /proc on Linux, see
 * hostStats.ts; systeminformation elsewhere), systeminformation's GPU data only when nvidia-smi is
 * absent and it has some, and bounded history in ring buffers.
 * Views acquire it and release it: sampling runs only while something needs it.
 */
import { EventEmitter } from 'node:events';
import { execa } from 'execa';
import { NvidiaSmiMonitor, type MonitorState, type Reading } from './nvidiaSmiMonitor';
import { findExecutable } from '../findTool';
import { COMPUTE_APP_FIELDS, parseComputeApps } from '../../formats/gpu/nvidiaSmi';
import { RingBuffer } from '../../util/ringBuffer';
import { LinuxHostStats } from './hostStats';
import type { GpuProcess, GpuSample, HostSample } from '../../model/telemetry';

export type { HostSample } from '../../model/telemetry';

export interface GpuTelemetryOptions {
  intervalMs: number;
  /** Points kept per GPU and for the host (e.g. 24 h at 1 Hz = 86,400). */
  historyPoints: number;
  nvidiaSmiPath?: string;
  env?: NodeJS.ProcessEnv;
  /** How often processes are listed (default: every 5 s, at least the interval). */
  processesEveryMs?: number;
  /** Host statistics interval (default: the interval, at least 1 s); 0 turns them off. */
  hostEveryMs?: number;
  /** 'auto' (default): /proc on Linux, systeminformation elsewhere. */
  hostReader?: 'auto' | 'systeminformation';
}

export type TelemetrySource = 'nvidia-smi' | 'systeminformation' | 'none';

/** Loaded when first needed: the extension activates at startup and should not pay for it. */
const systemInformation = () => import('systeminformation');

export class GpuTelemetry extends EventEmitter {
  readonly monitor: NvidiaSmiMonitor;
  private readonly perGpu = new Map<number, RingBuffer<GpuSample>>();
  readonly host: RingBuffer<HostSample>;
  processes: GpuProcess[] = [];
  latest?: Reading;
  source: TelemetrySource = 'none';
  private users = 0;
  private appsTimer?: NodeJS.Timeout;
  private hostTimer?: NodeJS.Timeout;
  private fallbackTimer?: NodeJS.Timeout;
  private appsBusy = false;
  private hostBusy = false;
  /** /proc reader on Linux; null where systeminformation reads the host. */
  private procHost?: LinuxHostStats | null;

  constructor(private readonly options: GpuTelemetryOptions) {
    super();
    this.host = new RingBuffer(options.historyPoints);
    this.monitor = new NvidiaSmiMonitor({
      intervalMs: options.intervalMs,
      nvidiaSmiPath: options.nvidiaSmiPath,
      env: options.env,
    });
    this.monitor.on('reading', (r) => this.record(r, 'nvidia-smi'));
    this.monitor.on('state', (s) => {
      if (s.kind === 'absent') void this.startFallback();
      if (s.kind === 'running' && this.users > 0) void this.pollProcesses(); // the first list without waiting a period
      this.emit('state', s);
    });
  }

  get state(): MonitorState {
    return this.monitor.state;
  }

  get running(): boolean {
    return this.users > 0;
  }

  /** Starts sampling for one more user; the returned function releases it. */
  acquire(): () => void {
    this.users++;
    if (this.users === 1) void this.start();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.users--;
      if (this.users === 0) void this.stop();
    };
  }

  /** History of one GPU, oldest first. */
  history(index: number): GpuSample[] {
    return this.perGpu.get(index)?.toArray() ?? [];
  }

  gpuIndexes(): number[] {
    return [...this.perGpu.keys()].sort((a, b) => a - b);
  }

  /** Keeps one reading in the history and tells the listeners (the monitor's readings, the fallback's, a replay's). */
  record(r: Reading, source: TelemetrySource): void {
    this.source = source;
    for (const g of r.gpus) {
      let buf = this.perGpu.get(g.index);
      if (!buf) {
        buf = new RingBuffer(this.options.historyPoints);
        this.perGpu.set(g.index, buf);
      }
      buf.push({ ...g, time: r.time });
    }
    this.latest = r;
    this.emit('reading', r);
  }

  private async start(): Promise<void> {
    await this.monitor.start();
    const appsEvery = Math.max(this.options.processesEveryMs ?? 5000, this.options.intervalMs);
    const tickApps = () => void this.pollProcesses();
    tickApps();
    this.appsTimer = setInterval(tickApps, appsEvery);
    const hostEvery = this.options.hostEveryMs ?? Math.max(1000, this.options.intervalMs);
    if (hostEvery > 0) {
      void this.pollHost();
      this.hostTimer = setInterval(() => void this.pollHost(), hostEvery);
    }
  }

  private async stop(): Promise<void> {
    clearInterval(this.appsTimer);
    clearInterval(this.hostTimer);
    clearInterval(this.fallbackTimer);
    this.fallbackTimer = undefined;
    await this.monitor.stop();
  }

  private async pollProcesses(): Promise<void> {
    if (this.appsBusy || this.monitor.state.kind !== 'running') return;
    this.appsBusy = true;
    try {
      const exe = await findExecutable('nvidia-smi', this.options.nvidiaSmiPath, this.options.env ?? process.env);
      if (!exe) return;
      const r = await execa(
        exe,
        [`--query-compute-apps=${COMPUTE_APP_FIELDS.join(',')}`, '--format=csv,noheader,nounits'],
        {
          reject: false,
          timeout: 5000,
          env: this.options.env,
          extendEnv: !this.options.env,
          stdin: 'ignore',
        },
      );
      if (r.exitCode !== 0 || typeof r.stdout !== 'string') return;
      const gpus = this.latest?.gpus ?? [];
      const uuidToIndex = new Map(gpus.filter((g) => g.uuid).map((g) => [g.uuid, g.index]));
      // With one GPU every process is on it, whatever UUID the driver printed.
      const only = gpus.length === 1 ? gpus[0].index : undefined;
      this.processes = parseComputeApps(r.stdout, 'nvidia-smi --query-compute-apps', COMPUTE_APP_FIELDS).map((p) => ({
        ...p,
        gpuIndex: uuidToIndex.get(p.gpuUuid) ?? only,
      }));
      this.emit('processes', this.processes);
    } catch {
      // A torn or odd answer: the next poll comes in a few seconds.
    } finally {
      this.appsBusy = false;
    }
  }

  private async pollHost(): Promise<void> {
    if (this.hostBusy) return;
    this.hostBusy = true;
    try {
      if (this.procHost === undefined) {
        this.procHost =
          this.options.hostReader !== 'systeminformation' &&
          process.platform === 'linux' &&
          (await LinuxHostStats.available())
            ? new LinuxHostStats()
            : null;
      }
      const sample = this.procHost ? await this.procHost.read() : await this.siHostSample();
      this.host.push(sample);
      this.emit('host', sample);
    } catch {
      // The counters could not be read on this platform: the GPU side goes on.
    } finally {
      this.hostBusy = false;
    }
  }

  private async siHostSample(): Promise<HostSample> {
    const si = await systemInformation();
    const [load, mem, fs, net] = await Promise.all([
      si.currentLoad(),
      si.mem(),
      si.fsStats().catch(() => undefined),
      si.networkStats().catch(() => []),
    ]);
    const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
    const rx = net.reduce((a, n) => a + (num(n.rx_sec) ?? 0), 0);
    const tx = net.reduce((a, n) => a + (num(n.tx_sec) ?? 0), 0);
    return {
      time: Date.now(),
      cpuPct: num(load.currentLoad),
      memUsedMiB: num(mem.active) !== undefined ? mem.active / 1048576 : undefined,
      memTotalMiB: num(mem.total) !== undefined ? mem.total / 1048576 : undefined,
      diskReadBps: num(fs?.rx_sec),
      diskWriteBps: num(fs?.wx_sec),
      netRxBps: net.some((n) => num(n.rx_sec) !== undefined) ? rx : undefined,
      netTxBps: net.some((n) => num(n.tx_sec) !== undefined) ? tx : undefined,
    };
  }

  /** nvidia-smi is absent: use systeminformation's GPU data when it has some (e.g. a Mac's GPU). */
  private async startFallback(): Promise<void> {
    if (this.fallbackTimer || this.users === 0) return;
    const read = async (): Promise<GpuSample[]> => {
      try {
        const g = await (await systemInformation()).graphics();
        return g.controllers
          .map((c, i): GpuSample => ({
            index: i,
            name: c.model || c.vendor || undefined,
            utilizationGpu: c.utilizationGpu ?? undefined,
            utilizationMemory: c.utilizationMemory ?? undefined,
            memoryUsedMiB: c.memoryUsed ?? undefined,
            memoryTotalMiB: c.memoryTotal ?? c.vram ?? undefined,
            temperatureC: c.temperatureGpu ?? undefined,
            powerDrawW: c.powerDraw ?? undefined,
            powerLimitW: c.powerLimit ?? undefined,
            smClockMHz: c.clockCore ?? undefined,
            memClockMHz: c.clockMemory ?? undefined,
            fanPct: c.fanSpeed ?? undefined,
          }))
          .filter(
            (s) => s.utilizationGpu !== undefined || s.memoryUsedMiB !== undefined || s.temperatureC !== undefined,
          );
      } catch {
        return [];
      }
    };
    const first = await read();
    if (first.length === 0 || this.users === 0 || this.monitor.state.kind !== 'absent') return;
    this.record({ time: Date.now(), gpus: first }, 'systeminformation');
    this.fallbackTimer = setInterval(
      () => {
        void read().then((gpus) => {
          if (gpus.length > 0) this.record({ time: Date.now(), gpus }, 'systeminformation');
        });
      },
      Math.max(2000, this.options.intervalMs),
    );
  }
}
