import * as vscode from 'vscode';
import * as assert from 'node:assert/strict';
import * as mocha from 'mocha';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { FlamelensApi } from '../../../../src/extension/extension';
import type { RunEntry } from '../../../../src/core/model/run';
import type { GpuTelemetry } from '../../../../src/core/runners/gpu/gpuTelemetry';
import { until } from './wait';

/** Resolves once the hub has emitted `n` more `event`s: the moments at which something could happen. */
function moreEvents(hub: GpuTelemetry | undefined, event: 'reading' | 'host', n: number): Promise<void> {
  assert.ok(hub, 'a telemetry hub');
  return new Promise((resolve) => {
    let seen = 0;
    const on = () => {
      if (++seen < n) return;
      hub.off(event, on);
      resolve();
    };
    hub.on(event, on);
  });
}

// The extension host has the stand-in nvidia-smi (replaying a real V100S loop log and a real H100
// --query-compute-apps) as flamelens.gpu.nvidiaSmiPath; see integration.test.mjs. The folder in
// FLAMELENS_FAKE_SMI_CONTROL tells it to list one more process, to hang or to fail.

/**
 * TCP sockets of this process (the extension host) from /proc: the inodes of its socket file
 * descriptors matched against /proc/net/tcp and tcp6. Listening ones, and the remote end of the rest.
 */
function tcpSockets(): { listening: boolean; local: string; port: number; loopbackRemote: boolean }[] {
  const inodes = new Set<string>();
  for (const fd of fs.readdirSync('/proc/self/fd')) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(fs.readlinkSync(`/proc/self/fd/${fd}`));
      if (m) inodes.add(m[1]);
    } catch {
      // closed meanwhile
    }
  }
  const addr = (hex: string): string => {
    if (hex.length === 8) return [3, 2, 1, 0].map((i) => parseInt(hex.slice(i * 2, i * 2 + 2), 16)).join('.');
    if (hex === '0000000000000000FFFF00000100007F') return '127.0.0.1';
    return hex === '00000000000000000000000001000000' ? '::1' : hex;
  };
  const out: { listening: boolean; local: string; port: number; loopbackRemote: boolean }[] = [];
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = fs.readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 10 || !inodes.has(f[9])) continue;
      const [lh, lp] = f[1].split(':');
      const [rh] = f[2].split(':');
      const remote = addr(rh);
      out.push({
        listening: f[3] === '0A',
        local: addr(lh),
        port: parseInt(lp, 16),
        loopbackRemote: remote.startsWith('127.') || remote === '::1' || /^0+$/.test(rh),
      });
    }
  }
  return out;
}

export function registerGpuSuite(): void {
  mocha.suite('flamelens: GPU telemetry in the extension host', () => {
    const api = () => vscode.extensions.getExtension<FlamelensApi>('flamelens.flamelens')?.exports as FlamelensApi;

    mocha.test(
      'the status bar shows the readout from the nvidia-smi loop, with every field in the tooltip',
      async () => {
        const text = await until(
          () => (/GPU0 \d+%/.test(api().gpu.statusBarText() ?? '') ? api().gpu.statusBarText() : undefined),
          20_000,
        );
        assert.match(text ?? `(got ${api().gpu.statusBarText()})`, /^\$\(pulse\) GPU0 \d+% · \d+\.\d\/32 GB · \d+°C$/);
        // Markdown with the machine's names escaped.
        const plain = () => api().gpu.statusBarTooltip()?.replace(/\\(.)/g, '$1');
        const tip = await until(() => (plain()?.includes('./gpu_burn') ? plain() : undefined), 15_000);
        assert.ok(tip, `tooltip: ${api().gpu.statusBarTooltip()}`);
        for (const col of ['util', 'mem util', 'memory', 'temp', 'power', 'SM / mem clock', 'fan', 'pstate'])
          assert.ok(tip.includes(col), col);
        assert.ok(tip.includes('Tesla V100S-PCIE-32GB'));
        const hub = api().gpu.hub();
        assert.ok(hub && hub.state.kind === 'running' && hub.history(0).length > 0);
      },
    );

    mocha.test('a user alert rule fires once as a notification; a bad rule is reported by name', async () => {
      const cfg = vscode.workspace.getConfiguration('flamelens.gpu');
      await cfg.update(
        'alerts.rules',
        [
          { metric: 'temperatureC', op: '>', threshold: 1, forSeconds: 1, severity: 'warning', cooldownSeconds: 3600 },
          { metric: 'nope', op: '>', threshold: 1 },
        ],
        vscode.ConfigurationTarget.Global,
      );
      try {
        const shown = await until(
          () =>
            api()
              .gpu.alertsShown()
              .find((a) => a.includes('temperature > 1°C')),
          15_000,
        );
        const h = api().gpu.hub();
        assert.match(
          shown ??
            `(alerts: ${api().gpu.alertsShown().join(' | ')}; state ${h?.state.kind}, latest ${h?.latest ? Date.now() - h.latest.time : '-'} ms ago, ${h?.history(0).length} points, status ${api().gpu.statusBarText()})`,
          /^flamelens GPU alert \(warning\): temperature > 1°C for 1 s: GPU 0 \d+°C$/,
        );
        // Three more readings with the condition still true: each was a chance to fire again.
        await moreEvents(api().gpu.hub(), 'reading', 3);
        assert.equal(
          api()
            .gpu.alertsShown()
            .filter((a) => a.includes('temperature > 1°C')).length,
          1,
          'no repeat while it holds',
        );
      } finally {
        await cfg.update('alerts.rules', undefined, vscode.ConfigurationTarget.Global);
      }
    });

    mocha.test(
      'the dashboard opens from the command, and the exporter listens on 127.0.0.1 only when enabled',
      async () => {
        assert.equal(api().gpu.exporterUrl(), undefined, 'nothing listens by default');
        assert.deepEqual(
          tcpSockets().filter((s) => s.listening),
          [],
          'the extension host has no listening TCP socket (read from /proc)',
        );
        await vscode.commands.executeCommand('flamelens.gpu.showDashboard');
        assert.ok(api().gpu.dashboardOpen());
        const cfg = vscode.workspace.getConfiguration('flamelens.gpu');
        await cfg.update('prometheus.port', 0, vscode.ConfigurationTarget.Global);
        await cfg.update('prometheus.enabled', true, vscode.ConfigurationTarget.Global);
        try {
          const url = await until(() => api().gpu.exporterUrl(), 10_000);
          assert.match(url ?? '', /^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
          const port = Number(/:(\d+)\//.exec(url ?? '')?.[1]);
          assert.deepEqual(
            tcpSockets()
              .filter((s) => s.listening)
              .map((s) => `${s.local}:${s.port}`),
            [`127.0.0.1:${port}`],
            'one listener, on loopback',
          );
          // The first scrape with a reading and the process list in it.
          const text = await until(async () => {
            const t = await (await fetch(url as string)).text();
            return /flamelens_gpu_process_memory_used_bytes/.test(t) ? t : undefined;
          }, 15_000);
          assert.match(text ?? '', /flamelens_gpu_utilization_percent\{hostname="[^"]*",gpu="0"/);
          assert.match(text ?? '', /flamelens_gpu_process_memory_used_bytes\{[^}]*process="\.\/gpu_burn"\} 7847542784/);
        } finally {
          await cfg.update('prometheus.enabled', undefined, vscode.ConfigurationTarget.Global);
          await cfg.update('prometheus.port', undefined, vscode.ConfigurationTarget.Global);
        }
        assert.equal(
          await until(() => (api().gpu.exporterUrl() === undefined ? true : undefined), 5000),
          true,
          'stopped when disabled',
        );
        assert.deepEqual(
          tcpSockets().filter((s) => s.listening),
          [],
          'the listener is gone',
        );
        // No telemetry: whatever the suite did so far, the extension host has no TCP connection to anything but loopback.
        assert.deepEqual(
          tcpSockets().filter((s) => !s.listening && !s.loopbackRemote),
          [],
          'no connection leaves the machine',
        );
      },
    );

    mocha.test(
      "a run's process on the GPU is marked as flamelens' own, and its growing memory is reported with a rate and R²",
      async () => {
        const control = process.env.FLAMELENS_FAKE_SMI_CONTROL as string;
        assert.ok(control, 'the driver passes the control folder');
        const cfg = vscode.workspace.getConfiguration('flamelens.gpu');
        await cfg.update('leak.windowSeconds', 10, vscode.ConfigurationTarget.Global);
        await cfg.update('leak.sampleSeconds', 1, vscode.ConfigurationTarget.Global);
        await cfg.update('leak.minMiBPerMinute', 100, vscode.ConfigurationTarget.Global);
        // leak.py keeps 4 MiB more every 0.25 s for 20 s: ~16 MiB/s of real resident memory.
        const pending = vscode.commands.executeCommand<RunEntry>('flamelens.profileCommand', {
          script: 'leak.py',
          args: ['80'],
        });
        try {
          const pid = await until(() => api().gpu.snapshot().ownPids[0], 20_000);
          assert.ok(pid, 'the run has a pid');
          // The driver lists the run's process (the stand-in adds the row with the pid it is told).
          fs.writeFileSync(path.join(control, 'extra-app'), `${pid},python3 leak.py,1234`);
          const plain = () => api().gpu.statusBarTooltip()?.replace(/\\(.)/g, '$1') ?? '';
          const line = await until(
            () =>
              plain()
                .split('\n')
                .find((l) => l.includes(`pid ${pid} `)),
            15_000,
          );
          assert.equal(line, `- GPU 0 · pid ${pid} · python3 leak.py · 1234 MiB ← flamelens run`, plain());
          assert.ok(
            plain()
              .split('\n')
              .filter((l) => l.startsWith('- GPU'))
              .every((l) => l === line || !l.includes('← flamelens run')),
            'only the run is marked',
          );
          assert.ok(
            api()
              .gpu.snapshot()
              .processes.some((p) => p.pid === pid && p.gpuIndex === 0),
          );
          const note = await until(
            () =>
              api()
                .gpu.notes()
                .find((n) => n.startsWith('host memory grows')),
            25_000,
          );
          const m = /^host memory grows (\d+(?:\.\d+)?) (MB|GB)\/min \(R² (0\.\d\d|1\.00)\) in run leak\.py/.exec(
            note ?? '',
          );
          assert.ok(m, `note: ${note} (all: ${api().gpu.notes().join(' | ')})`);
          const mbPerMin = Number(m[1]) * (m[2] === 'GB' ? 1000 : 1);
          assert.ok(mbPerMin > 500 && mbPerMin < 1600, `about 1,000 MB/min (16 MiB/s): ${note}`);
          assert.ok(Number(m[3]) >= 0.9, `a straight line: R² ${m[3]}`);
          assert.ok(
            !api()
              .gpu.notes()
              .some((n) => n.startsWith('GPU memory grows')),
            'the GPU row does not grow',
          );
          const run = await pending;
          assert.equal(run?.meta.status, 'completed', run?.meta.message);
          assert.equal(
            await until(() => (api().gpu.snapshot().ownPids.length === 0 ? true : undefined), 5000),
            true,
            'not marked after the run',
          );
        } finally {
          fs.rmSync(path.join(control, 'extra-app'), { force: true });
          for (const k of ['leak.windowSeconds', 'leak.sampleSeconds', 'leak.minMiBPerMinute'])
            await cfg.update(k, undefined, vscode.ConfigurationTarget.Global);
          await pending;
        }
      },
    );

    mocha.test(
      'a hung nvidia-smi is killed and restarted, a failed driver is one clear state, and the readout comes back',
      async () => {
        const control = process.env.FLAMELENS_FAKE_SMI_CONTROL as string;
        const cfg = vscode.workspace.getConfiguration('flamelens.gpu');
        const log = path.join(control, 'calls.log');
        const modeFile = path.join(control, 'mode');
        try {
          // Hang: the loop stops writing; after 5 intervals + 5 s it is killed and started again with backoff.
          await cfg.update('intervalMs', 500, vscode.ConfigurationTarget.Global);
          await until(() => (api().gpu.hub()?.state.kind === 'running' ? true : undefined), 10_000);
          fs.writeFileSync(modeFile, 'hang');
          const restarting = await until(
            () => (api().gpu.statusBarText() === '$(sync~spin) GPU' ? api().gpu.statusBarTooltip() : undefined),
            20_000,
          );
          assert.equal(
            restarting,
            'flamelens: nvidia-smi stopped answering for 8 s',
            `${api().gpu.statusBarText()} ${api().gpu.statusBarTooltip()}`,
          );
          // It heals by itself when nvidia-smi answers again.
          fs.rmSync(modeFile);
          const back = await until(
            () =>
              /^\$\(pulse\) GPU0 \d+%/.test(api().gpu.statusBarText() ?? '') ? api().gpu.statusBarText() : undefined,
            20_000,
          );
          assert.ok(back, `readout again: ${api().gpu.statusBarText()}`);

          // Driver failure mid-loop: one state with the driver's words, no restart storm.
          fs.writeFileSync(modeFile, 'driver-failed');
          const failed = await until(
            () => (api().gpu.statusBarText() === '$(warning) GPU driver' ? api().gpu.statusBarTooltip() : undefined),
            10_000,
          );
          assert.equal(
            failed,
            "flamelens: NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver. Make sure that the latest NVIDIA driver is installed and running.",
          );
          assert.equal(api().gpu.hub()?.state.kind, 'failed');
          fs.writeFileSync(log, '');
          // A restart would be scheduled at the failure, a second later (the first backoff): three
          // host samples later (each at least a second apart) it would have run.
          const restarts = api().gpu.hub()?.monitor.restarts;
          await moreEvents(api().gpu.hub(), 'host', 3);
          assert.equal(fs.readFileSync(log, 'utf8'), '', 'nvidia-smi is not started again while the driver is broken');
          assert.equal(api().gpu.hub()?.monitor.restarts, restarts, 'no restart was scheduled');
          // The rest of the extension keeps working: the dashboard opens and shows the state.
          await vscode.commands.executeCommand('flamelens.gpu.showDashboard');
          assert.ok(api().gpu.dashboardOpen());
          assert.equal(api().gpu.snapshot().state.kind, 'failed');
        } finally {
          fs.rmSync(modeFile, { force: true });
          await cfg.update('intervalMs', undefined, vscode.ConfigurationTarget.Global);
        }
        // A settings change starts a new loop: the readout returns.
        assert.ok(
          await until(
            () => (/^\$\(pulse\) GPU0 \d+%/.test(api().gpu.statusBarText() ?? '') ? true : undefined),
            15_000,
          ),
          `readout after the fix: ${api().gpu.statusBarText()}`,
        );
      },
    );
  });
}
