/**
 * The opt-in Prometheus endpoint: the latest GPU reading and GPU processes in the exposition
 * format (prom-client), on 127.0.0.1 unless configured otherwise. Values are read at scrape
 * time; a reading older than `staleMs` is not served (Prometheus then marks the series stale
 * instead of repeating an old number). Every series has a `hostname` label so that a cluster
 * view can name the node. Metric names follow Prometheus' base-unit conventions.
 */
import * as http from 'node:http';
import { hostname } from 'node:os';
import type { Registry } from 'prom-client';
import type { GpuProcess, GpuSample } from '../model/telemetry';
import { knob } from '../model/knobs';

export interface ExporterSource {
  latest?: { time: number; gpus: GpuSample[] };
  processes: GpuProcess[];
  /** 1 while nvidia-smi answers. */
  up(): boolean;
}

export const EXPORTED_METRICS: { name: string; help: string; value: (g: GpuSample) => number | undefined }[] = [
  {
    name: 'flamelens_gpu_utilization_percent',
    help: 'GPU utilisation (nvidia-smi utilization.gpu), percent.',
    value: (g) => g.utilizationGpu,
  },
  {
    name: 'flamelens_gpu_memory_utilization_percent',
    help: 'GPU memory bandwidth utilisation (utilization.memory), percent.',
    value: (g) => g.utilizationMemory,
  },
  {
    name: 'flamelens_gpu_memory_used_bytes',
    help: 'GPU memory used, bytes.',
    value: (g) => (g.memoryUsedMiB === undefined ? undefined : g.memoryUsedMiB * 1048576),
  },
  {
    name: 'flamelens_gpu_memory_total_bytes',
    help: 'GPU memory total, bytes.',
    value: (g) => (g.memoryTotalMiB === undefined ? undefined : g.memoryTotalMiB * 1048576),
  },
  {
    name: 'flamelens_gpu_temperature_celsius',
    help: 'GPU temperature, degrees Celsius.',
    value: (g) => g.temperatureC,
  },
  { name: 'flamelens_gpu_power_draw_watts', help: 'GPU power draw, watts.', value: (g) => g.powerDrawW },
  { name: 'flamelens_gpu_power_limit_watts', help: 'GPU power limit, watts.', value: (g) => g.powerLimitW },
  {
    name: 'flamelens_gpu_sm_clock_hertz',
    help: 'GPU SM clock, hertz.',
    value: (g) => (g.smClockMHz === undefined ? undefined : g.smClockMHz * 1e6),
  },
  {
    name: 'flamelens_gpu_memory_clock_hertz',
    help: 'GPU memory clock, hertz.',
    value: (g) => (g.memClockMHz === undefined ? undefined : g.memClockMHz * 1e6),
  },
  { name: 'flamelens_gpu_fan_speed_percent', help: 'GPU fan speed, percent.', value: (g) => g.fanPct },
];

async function buildRegistry(source: ExporterSource, staleMs: number, host = hostname()): Promise<Registry> {
  // Loaded when the exporter is enabled, not when the extension activates.
  const { Gauge, Registry } = await import('prom-client');
  const registry = new Registry();
  const gpuLabels = ['hostname', 'gpu', 'uuid', 'name'] as const;
  const fresh = () => (source.latest && Date.now() - source.latest.time <= staleMs ? source.latest.gpus : []);
  for (const m of EXPORTED_METRICS) {
    new Gauge({
      name: m.name,
      help: m.help,
      labelNames: gpuLabels,
      registers: [registry],
      collect() {
        this.reset();
        for (const g of fresh()) {
          const v = m.value(g);
          if (v !== undefined)
            this.set({ hostname: host, gpu: String(g.index), uuid: g.uuid ?? '', name: g.name ?? '' }, v);
        }
      },
    });
  }
  new Gauge({
    name: 'flamelens_gpu_process_memory_used_bytes',
    help: 'GPU memory used by a process (nvidia-smi --query-compute-apps), bytes.',
    labelNames: ['hostname', 'gpu', 'pid', 'process'],
    registers: [registry],
    collect() {
      this.reset();
      if (fresh().length === 0) return;
      for (const p of source.processes) {
        if (p.usedMemoryMiB !== undefined)
          this.set(
            {
              hostname: host,
              gpu: p.gpuIndex === undefined ? '' : String(p.gpuIndex),
              pid: String(p.pid),
              process: p.name,
            },
            p.usedMemoryMiB * 1048576,
          );
      }
    },
  });
  new Gauge({
    name: 'flamelens_gpu_up',
    help: '1 while nvidia-smi answers, else 0.',
    labelNames: ['hostname'],
    registers: [registry],
    collect() {
      this.set({ hostname: host }, source.up() ? 1 : 0);
    },
  });
  return registry;
}

export interface RunningExporter {
  url: string;
  close(): Promise<void>;
}

/** Serves /metrics; rejects with a clear message when the port is taken. */
export async function startPrometheusExporter(
  source: ExporterSource,
  opts: { host: string; port: number; staleMs: number },
): Promise<RunningExporter> {
  const registry = await buildRegistry(source, opts.staleMs);
  const server = http.createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('flamelens: metrics are at /metrics\n');
      return;
    }
    registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
      (e: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(String(e)),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) =>
      reject(
        new Error(
          e.code === 'EADDRINUSE'
            ? `port ${opts.port} on ${opts.host} is in use: pick ${knob('prometheusPort')}`
            : `cannot listen on ${opts.host}:${opts.port}: ${e.message}`,
        ),
      ),
    );
    server.listen(opts.port, opts.host, () => resolve());
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : opts.port;
  const shownHost = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  return {
    url: `http://${shownHost}:${port}/metrics`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
