// The Prometheus exporter scraped by a real Prometheus server (Debian's `prometheus`, started on
// loopback by the test), and the cluster view's queries against that server: flamelens' own
// series (from the stand-in nvidia-smi replaying a real capture) and DCGM exporter names: a real
// dcgm-exporter answer (NVIDIA L4, driver 580.105.08) and a hand-made two-GPU node under load.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { readFileSync } from 'node:fs';
import { ROOT } from '../helpers';

test('the Grafana dashboard in the repository queries only metrics the exporter serves', async () => {
  const { EXPORTED_METRICS } = await import('../../src/core/report/prometheusExporter');
  const dash = JSON.parse(readFileSync(path.join(ROOT, 'grafana', 'flamelens-gpu-dashboard.json'), 'utf8')) as {
    panels: { targets: { expr: string }[] }[];
  };
  const served = new Set([
    ...EXPORTED_METRICS.map((m) => m.name),
    'flamelens_gpu_process_memory_used_bytes',
    'flamelens_gpu_up',
  ]);
  const used = dash.panels.flatMap((p) => p.targets.flatMap((t) => t.expr.match(/flamelens_[a-z_]+/g) ?? []));
  assert.ok(used.length >= 6);
  for (const m of used) assert.ok(served.has(m), `${m} is served`);
});
