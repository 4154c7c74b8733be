import * as vscode from 'vscode';
import * as assert from 'node:assert/strict';
import * as mocha from 'mocha';
import type { FlamelensApi } from '../../../src/extension/extension';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until<T>(f: () => T | undefined, ms: number): Promise<T | undefined> {
  const end = Date.now() + ms;
  for (;;) {
    const v = f();
    if (v || Date.now() > end) return v;
    await sleep(100);
  }
}

// The extension host has the stand-in nvidia-smi (replaying a real V100S loop log and a real H100
// --query-compute-apps) first on PATH; see integration.test.mjs.
export function registerGpuSuite(): void {
  mocha.suite('flamelens: GPU telemetry in the extension host', () => {
    const api = () => vscode.extensions.getExtension<FlamelensApi>('flamelens.flamelens')?.exports as FlamelensApi;

    mocha.test('the status bar shows the readout from the nvidia-smi loop, with every field in the tooltip', async () => {
      const text = await until(() => (/GPU0 \d+%/.test(api().gpu.statusBarText() ?? '') ? api().gpu.statusBarText() : undefined), 20_000);
      assert.match(text ?? `(got ${api().gpu.statusBarText()})`, /^\$\(pulse\) GPU0 \d+% · \d+\.\d\/32 GB · \d+°C$/);
      // Markdown with the machine's names escaped.
      const plain = () => api().gpu.statusBarTooltip()?.replace(/\\(.)/g, '$1');
      const tip = await until(() => (plain()?.includes('./gpu_burn') ? plain() : undefined), 15_000);
      assert.ok(tip, `tooltip: ${api().gpu.statusBarTooltip()}`);
      for (const col of ['util', 'mem util', 'memory', 'temp', 'power', 'SM / mem clock', 'fan', 'pstate']) assert.ok(tip.includes(col), col);
      assert.ok(tip.includes('Tesla V100S-PCIE-32GB'));
      const hub = api().gpu.hub();
      assert.ok(hub && hub.state.kind === 'running' && hub.history(0).length > 0);
    });

    mocha.test('a user alert rule fires once as a notification; a bad rule is reported by name', async () => {
      const cfg = vscode.workspace.getConfiguration('flamelens.gpu');
      await cfg.update('alerts.rules', [{ metric: 'temperatureC', op: '>', threshold: 1, forSeconds: 1, severity: 'warning', cooldownSeconds: 3600 }, { metric: 'nope', op: '>', threshold: 1 }], vscode.ConfigurationTarget.Global);
      try {
        const shown = await until(() => api().gpu.alertsShown().find((a) => a.includes('temperature > 1°C')), 15_000);
        const h = api().gpu.hub();
        assert.match(shown ?? `(alerts: ${api().gpu.alertsShown().join(' | ')}; state ${h?.state.kind}, latest ${h?.latest ? Date.now() - h.latest.time : '-'} ms ago, ${h?.history(0).length} points, status ${api().gpu.statusBarText()})`, /^flamelens GPU alert \(warning\): temperature > 1°C for 1 s: GPU 0 \d+°C$/);
        await sleep(2500);
        assert.equal(api().gpu.alertsShown().filter((a) => a.includes('temperature > 1°C')).length, 1, 'no repeat while it holds');
      } finally {
        await cfg.update('alerts.rules', undefined, vscode.ConfigurationTarget.Global);
      }
    });

    mocha.test('the dashboard opens from the command, and the exporter listens on 127.0.0.1 only when enabled', async () => {
      assert.equal(api().gpu.exporterUrl(), undefined, 'nothing listens by default');
      await vscode.commands.executeCommand('flamelens.gpu.showDashboard');
      assert.ok(api().gpu.dashboardOpen());
      const cfg = vscode.workspace.getConfiguration('flamelens.gpu');
      await cfg.update('prometheus.port', 0, vscode.ConfigurationTarget.Global);
      await cfg.update('prometheus.enabled', true, vscode.ConfigurationTarget.Global);
      try {
        const url = await until(() => api().gpu.exporterUrl(), 10_000);
        assert.match(url ?? '', /^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
        await sleep(1000);
        const text = await (await fetch(url as string)).text();
        assert.match(text, /flamelens_gpu_utilization_percent\{hostname="[^"]*",gpu="0"/);
        assert.match(text, /flamelens_gpu_process_memory_used_bytes\{[^}]*process="\.\/gpu_burn"\} 7847542784/);
      } finally {
        await cfg.update('prometheus.enabled', undefined, vscode.ConfigurationTarget.Global);
        await cfg.update('prometheus.port', undefined, vscode.ConfigurationTarget.Global);
      }
      assert.equal(await until(() => (api().gpu.exporterUrl() === undefined ? true : undefined), 5000), true, 'stopped when disabled');
    });
  });
}
