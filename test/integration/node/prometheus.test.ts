// The Prometheus exporter scraped by a real Prometheus server (Debian's `prometheus`, started on
// loopback by the test), and the cluster view's queries against that server: flamelens' own
// series (from the stand-in nvidia-smi replaying a real capture) and DCGM exporter names: a real
// dcgm-exporter answer (NVIDIA L4, driver 580.105.08) and a hand-made two-GPU node under load.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as net from 'node:net';
import { hostname } from 'node:os';
import { GpuTelemetry } from '../../../src/core/runners/gpu/gpuTelemetry';
import { startPrometheusExporter } from '../../../src/core/report/prometheusExporter';
import { queryClusterGpus, queryClusterRange } from '../../../src/core/runners/gpu/prometheusClient';
import { ROOT } from '../../helpers';
import { startPrometheus, serveExposition } from '../../harness/prometheus.mjs';

const BIN = path.join(ROOT, 'test', 'fixtures', 'bin');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test(
  'exporter: exposition format on 127.0.0.1, scraped by a real Prometheus; the cluster view reads flamelens and DCGM names back',
  { timeout: 90_000 },
  async () => {
    const hub = new GpuTelemetry({
      intervalMs: 200,
      historyPoints: 100,
      hostEveryMs: 0,
      env: { ...process.env, PATH: `${BIN}${path.delimiter}${process.env.PATH}` },
    });
    const release = hub.acquire();
    const exporter = await startPrometheusExporter(
      {
        get latest() {
          return hub.latest;
        },
        get processes() {
          return hub.processes;
        },
        up: () => hub.state.kind === 'running',
      },
      { host: '127.0.0.1', port: 0, staleMs: 5000 },
    );
    const dcgm = await serveExposition(
      path.join(ROOT, 'test', 'fixtures', 'handmade', 'handmade-dcgm-exporter-two-gpus-under-load.metrics.txt'),
    );
    const dcgmReal = await serveExposition(
      path.join(ROOT, 'test', 'fixtures', 'real', 'dcgm', 'dcgm-exporter_nvidia-l4_driver-580.105.08.metrics.txt'),
    );
    const prom = await startPrometheus({
      flamelens: [new URL(exporter.url).host],
      dcgm: [dcgm.target],
      dcgm_l4: [dcgmReal.target],
    });
    const base = prom.base;
    try {
      assert.match(exporter.url, /^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
      // The exposition itself.
      let text = '';
      for (let i = 0; i < 50 && !/flamelens_gpu_utilization_percent\{/.test(text); i++) {
        await sleep(100);
        text = await (await fetch(exporter.url)).text();
      }
      assert.match(text, /# TYPE flamelens_gpu_utilization_percent gauge/);
      assert.match(
        text,
        new RegExp(
          `flamelens_gpu_memory_total_bytes\\{hostname="${hostname()}",gpu="0",uuid="",name="Tesla V100S-PCIE-32GB"\\} ${32768 * 1048576}`,
        ),
      );
      assert.match(text, /flamelens_gpu_up\{hostname="[^"]+"\} 1/);
      assert.doesNotMatch(text, /flamelens_gpu_power_draw_watts\{/, '[N/A] power is not exported as a number');

      let gpus: Awaited<ReturnType<typeof queryClusterGpus>> = [];
      const end = Date.now() + 60_000;
      while (Date.now() < end) {
        try {
          gpus = await queryClusterGpus(base);
          if (
            gpus.some((g) => g.exporter === 'flamelens') &&
            gpus.some((g) => g.node === 'dcgm-node-1') &&
            gpus.some((g) => g.node === 'i-030791dc5a37cd257')
          )
            break;
        } catch {
          // Prometheus is still starting.
        }
        await sleep(500);
      }
      const ours = gpus.find((g) => g.exporter === 'flamelens');
      assert.ok(ours, `flamelens series scraped (Prometheus log: ${prom.log().slice(-500)})`);
      assert.equal(ours.node, hostname());
      assert.equal(ours.memoryTotalMiB, 32768);
      assert.equal(ours.name, 'Tesla V100S-PCIE-32GB');
      // The real dcgm-exporter answer: an idle L4; total memory = used + free + driver-reserved.
      const l4 = gpus.filter((g) => g.node === 'i-030791dc5a37cd257');
      assert.deepEqual(
        l4.map((g) => [
          g.index,
          g.name,
          g.uuid,
          g.exporter,
          g.utilizationGpu,
          g.memoryUsedMiB,
          g.memoryTotalMiB,
          g.temperatureC,
          g.powerDrawW,
        ]),
        [[0, 'NVIDIA L4', 'GPU-c2f76b33-7953-256e-8f33-1343419b1a1c', 'dcgm', 0, 0, 22563 + 470, 31, 16.365]],
      );
      const d = gpus.filter((g) => g.node === 'dcgm-node-1');
      assert.deepEqual(
        d.map((g) => [g.index, g.utilizationGpu, g.memoryUsedMiB, g.memoryTotalMiB, g.temperatureC, g.powerDrawW]),
        [
          [0, 73, 20000, 22563, 64, 61.5],
          [1, 5, 0, 22563, 31, 16.365],
        ],
      );
      const range = await queryClusterRange(base, 'temperatureC', 'dcgm-node-1', Date.now() - 60_000, Date.now(), 1);
      assert.ok((range.get(0) ?? []).length >= 1 && range.get(0)!.every(([, v]) => v === 64));
      await assert.rejects(
        queryClusterGpus('http://127.0.0.1:1'),
        /cannot reach Prometheus at http:\/\/127\.0\.0\.1:1/,
      );
    } finally {
      await prom.stop();
      await exporter.close();
      dcgm.close();
      dcgmReal.close();
      release();
      await hub.monitor.stop();
    }
  },
);

test('exporter: a port in use is a clear error', async () => {
  const blocker = net.createServer();
  await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
  const port = (blocker.address() as net.AddressInfo).port;
  await assert.rejects(
    startPrometheusExporter({ processes: [], up: () => false }, { host: '127.0.0.1', port, staleMs: 1000 }),
    new RegExp(`port ${port} on 127\\.0\\.0\\.1 is in use`),
  );
  blocker.close();
});
