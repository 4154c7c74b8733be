// End to end, the GPU cluster view: a real Prometheus server (Debian's package, on loopback)
// scrapes the flamelens exporter of the code-server under test (the stand-in nvidia-smi replaying a
// real V100S log) and two DCGM exporter answers: a real one (NVIDIA L4, driver 580.105.08) and a
// hand-made two-GPU node under load. In the real VS Code, Show GPU Cluster lists both nodes,
// and a click on a node draws its charts from Prometheus' range queries.
import { checkThemes } from '../harness/themes.mjs';
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir, hostname } from 'node:os';
import * as path from 'node:path';
import {
  ROOT,
  findWebviewFrame,
  waitForDrawn,
  runCommand,
  withWorkbench,
  ARTIFACTS,
  REAL,
  HANDMADE,
} from '../harness/codeServer.mjs';
import { layoutProblems } from '../harness/layout.mjs';
import { startPrometheus, freePort, serveExposition } from '../harness/prometheus.mjs';

test(
  'Show GPU Cluster lists the nodes a real Prometheus scrapes and charts the one clicked',
  { timeout: 300_000 },
  async () => {
    const ws = mkdtempSync(path.join(tmpdir(), 'flamelens-e2e-cluster-'));
    const dcgm = await serveExposition(path.join(HANDMADE, 'handmade-dcgm-exporter-two-gpus-under-load.metrics.txt'));
    const dcgmReal = await serveExposition(
      path.join(REAL, 'dcgm', 'dcgm-exporter_nvidia-l4_driver-580.105.08.metrics.txt'),
    );
    const exporterPort = await freePort();
    const prom = await startPrometheus({
      flamelens: [`127.0.0.1:${exporterPort}`],
      dcgm: [dcgm.target, dcgmReal.target],
    });
    try {
      await withWorkbench(
        'gpu-cluster',
        ws,
        {
          settings: {
            'flamelens.gpu.nvidiaSmiPath': path.join(ROOT, 'test', 'fixtures', 'bin', 'nvidia-smi'),
            'flamelens.gpu.prometheus.enabled': true,
            'flamelens.gpu.prometheus.port': exporterPort,
            'flamelens.gpu.cluster.prometheusUrl': prom.base,
          },
        },
        async ({ page }) => {
          await page
            .locator('.statusbar-item', { hasText: /GPU0 \d+%/ })
            .first()
            .waitFor({ timeout: 60_000 });
          await runCommand(page, 'Show GPU Cluster (Prometheus)');
          const frame = await findWebviewFrame(page, '.gpu-head', 60_000);
          // Prometheus scrapes every second; a user presses Refresh until this machine shows up.
          const rows = () =>
            frame.$$eval('#cluster-gpus tr', (trs) =>
              trs.slice(1).map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')),
            );
          let table = [];
          for (let i = 0; i < 60; i++) {
            table = await rows().catch(() => []);
            if (
              table.some((r) => r[7] === 'flamelens') &&
              table.some((r) => r[0] === 'dcgm-node-1') &&
              table.some((r) => r[0] === 'i-030791dc5a37cd257')
            )
              break;
            await frame.click('vscode-button:has-text("Refresh")').catch(() => undefined);
            await page.waitForTimeout(1000);
          }
          assert.deepEqual(await layoutProblems(frame), [], 'the cluster view');
          const mine = table.find((r) => r[7] === 'flamelens');
          assert.ok(
            mine,
            `this machine's exporter is listed: ${JSON.stringify(table)} (Prometheus log: ${prom.log().slice(-300)})`,
          );
          assert.equal(mine[0], hostname());
          assert.equal(mine[2], 'Tesla V100S-PCIE-32GB');
          assert.match(mine[4], /^\d+ \/ 32768$/);
          const dcgmRows = table.filter((r) => r[0] === 'dcgm-node-1');
          assert.deepEqual(
            dcgmRows.map((r) => [r[1], r[3], r[4], r[5], r[6]]),
            [
              ['0', '73', '20000 / 22563', '64', '61.5'],
              ['1', '5', '0 / 22563', '31', '16.4'],
            ],
          );
          assert.deepEqual(
            table.filter((r) => r[0] === 'i-030791dc5a37cd257').map((r) => r.slice(1)),
            [['0', 'NVIDIA L4', '0', '0 / 23033', '31', '16.4', 'dcgm']],
          );
          // A click on a node: its charts from range queries.
          await frame.click('#cluster-gpus tr:has-text("dcgm-node-1")');
          await frame.waitForFunction(
            () => [...document.querySelectorAll('h2')].some((h) => h.textContent === 'Node dcgm-node-1'),
            undefined,
            { timeout: 20_000 },
          );
          const drawn = await waitForDrawn(frame, (px) => px.length >= 4 && px.every((n) => n > 0));
          assert.equal(drawn.length, 4, 'utilisation, memory, temperature and power');
          assert.ok(
            drawn.every((n) => n > 0),
            'every chart is drawn',
          );
          await page.screenshot({ path: path.join(ARTIFACTS, 'gpu-cluster.png') });
          // In Light, Dark and High Contrast, 700 px wide and the whole window: no sideways scroll,
          // no broken word in a cell, numbers right-aligned.
          assert.deepEqual(await checkThemes(page, frame, 'cluster'), []);
        },
      );
    } finally {
      await prom.stop();
      dcgm.close();
      dcgmReal.close();
    }
  },
);
