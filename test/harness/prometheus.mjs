// A real Prometheus server (Debian's `prometheus`) on loopback for tests: a scrape every second of
// the given targets (host:port), its data in a temporary folder, stopped by stop().
import { existsSync, mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as net from 'node:net';
import * as http from 'node:http';
import { readFileSync } from 'node:fs';
import { spawn } from 'node:child_process';

export function prometheusBinary() {
  return ['/usr/bin/prometheus', '/usr/local/bin/prometheus'].find((p) => existsSync(p));
}

export async function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = s.address().port;
      s.close(() => resolve(p));
    });
  });
}

/** jobs: { name: ['127.0.0.1:port', …] } */
export async function startPrometheus(jobs) {
  const binary = prometheusBinary();
  if (!binary) throw new Error('Prometheus is not installed (Debian package prometheus; npm test installs it)');
  const dir = mkdtempSync(path.join(tmpdir(), 'fl-prom-'));
  const port = await freePort();
  writeFileSync(
    path.join(dir, 'prometheus.yml'),
    [
      'global:',
      '  scrape_interval: 1s',
      '  evaluation_interval: 1s',
      'scrape_configs:',
      ...Object.entries(jobs).flatMap(([name, targets]) => [
        `  - job_name: ${name}`,
        `    static_configs: [{ targets: [${targets.map((t) => `"${t}"`).join(', ')}] }]`,
      ]),
      '',
    ].join('\n'),
  );
  const child = spawn(
    binary,
    [
      `--config.file=${path.join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${path.join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  child.stderr.on('data', (d) => (log = (log + d.toString()).slice(-4000)));
  return {
    base: `http://127.0.0.1:${port}`,
    log: () => log,
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Serves a recorded exposition (e.g. a dcgm-exporter answer) on 127.0.0.1 as a scrape target. */
export async function serveExposition(file) {
  const text = readFileSync(file, 'utf8');
  const server = http.createServer((_q, res) =>
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(text),
  );
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { target: `127.0.0.1:${server.address().port}`, close: () => server.close() };
}
