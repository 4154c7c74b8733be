import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { parseNvidiaSmiCsv } from '../../src/core/formats/gpu/nvidiaSmi';
import { parseNvidiaSmiXml } from '../../src/core/formats/gpu/nvidiaSmiXml';
import {
  AlertEvaluator,
  DEFAULT_ALERT_RULES,
  validateAlertRules,
  type AlertRule,
} from '../../src/core/analysis/gpu/alertRules';
import { detectGrowth, describeGrowth, type GrowthPoint } from '../../src/core/analysis/gpu/growthTrend';
import type { GpuSample } from '../../src/core/model/telemetry';
import { REAL, read } from '../helpers';

const SMI = path.join(REAL, 'nvidia_smi');

test('alert rules on a real one-second log: fire once when the condition has held for the duration, again only after it clears and the cooldown passed', () => {
  const file = path.join(SMI, 'query_gpu_v100s_miris_gpu_log.csv');
  const samples = parseNvidiaSmiCsv(read(file), file).samples;
  const rule: AlertRule = {
    metric: 'utilizationGpu',
    op: '>=',
    threshold: 5,
    forSeconds: 3,
    severity: 'warning',
    cooldownSeconds: 0,
  };
  const ev = new AlertEvaluator([rule]);
  const fired: number[] = [];
  for (const s of samples) for (const e of ev.observe(s.time as number, [s], { profiling: false })) fired.push(e.time);
  // Oracle: walk the log, an episode starts when utilisation reaches 5% and fires 3 s later if unbroken.
  const expected: number[] = [];
  let since: number | undefined;
  let done = false;
  for (const s of samples) {
    if ((s.utilizationGpu ?? -1) >= 5) {
      since ??= s.time as number;
      if (!done && (s.time as number) - since >= 3000) {
        expected.push(s.time as number);
        done = true;
      }
    } else {
      since = undefined;
      done = false;
    }
  }
  assert.ok(expected.length > 0, 'the log has busy stretches');
  assert.deepEqual(fired, expected);
  // With a long cooldown, only the first episode is reported.
  const quiet = new AlertEvaluator([{ ...rule, cooldownSeconds: 3600 }]);
  let n = 0;
  for (const s of samples) n += quiet.observe(s.time as number, [s], { profiling: false }).length;
  assert.equal(n, 1);
});

test('alert rules: GPUs grouped per rule, missing values (MIG utilisation) never fire, whileProfiling rules only count during a run', () => {
  const mig = parseNvidiaSmiXml(read(path.join(SMI, 'a100-sxm4-v12.xml')), 'a100').samples[0];
  const dual = parseNvidiaSmiXml(read(path.join(SMI, 'dual_2080-v13.xml')), 'dual').samples;
  assert.equal(dual.length, 2);
  const ev = new AlertEvaluator([
    { metric: 'temperatureC', op: '>', threshold: 0, forSeconds: 0, severity: 'critical' },
  ]);
  const [e] = ev.observe(1000, dual, { profiling: false });
  assert.deepEqual(
    e.gpus.map((g) => g.index),
    dual.map((g) => g.index),
    'one alert naming both GPUs',
  );
  assert.match(e.message, /^temperature > 0°C: GPU \d+ \d+°C, GPU \d+ \d+°C$/);
  assert.deepEqual(ev.observe(2000, dual, { profiling: false }), [], 'no repeat while it keeps holding');

  const starving = new AlertEvaluator(DEFAULT_ALERT_RULES.filter((r) => r.whileProfiling));
  const idle: GpuSample = { index: 0, utilizationGpu: 2 };
  for (let t = 0; t <= 600_000; t += 10_000) assert.deepEqual(starving.observe(t, [idle], { profiling: false }), []);
  let got = 0;
  for (let t = 0; t <= 200_000; t += 10_000) got += starving.observe(700_000 + t, [idle], { profiling: true }).length;
  assert.equal(got, 1, 'utilisation under 10% for 2 min during a run');
  const migEv = new AlertEvaluator([
    { metric: 'utilizationGpu', op: '<', threshold: 100, forSeconds: 0, severity: 'info' },
  ]);
  assert.equal(mig.utilizationGpu, undefined, 'MIG: no whole-GPU utilisation');
  assert.deepEqual(migEv.observe(0, [mig], { profiling: true }), []);
});

test('alert rules from settings are validated with a message per bad rule', () => {
  const { rules, problems } = validateAlertRules([
    { metric: 'temperatureC', op: '>', threshold: 80, forSeconds: 60, severity: 'critical' },
    { metric: 'temperature', op: '>', threshold: 80 },
    { metric: 'powerPct', op: '=>', threshold: 80 },
    { metric: 'powerPct', op: '>', threshold: '80' },
  ]);
  assert.equal(rules.length, 1);
  assert.deepEqual(
    problems.map((p) => p.split(':')[0]),
    ['flamelens.gpu.alerts.rules[1]', 'flamelens.gpu.alerts.rules[2]', 'flamelens.gpu.alerts.rules[3]'],
  );
});

function series(minutes: number, everySec: number, f: (min: number, i: number) => number): GrowthPoint[] {
  const out: GrowthPoint[] = [];
  let i = 0;
  for (let s = 0; s <= minutes * 60; s += everySec, i++) out.push({ t: 1_700_000_000_000 + s * 1000, v: f(s / 60, i) });
  return out;
}

test('growth: a steady leak is reported with its rate and R²; a sawtooth back to its baseline is not', () => {
  // Deterministic noise.
  let seed = 7;
  const noise = () => ((seed = (seed * 16807) % 2147483647) / 2147483647 - 0.5) * 40;
  const leakMiB = 120 / 1.048576; // 120 MB/min in MiB/min
  const leak = detectGrowth(series(10, 5, (m) => 2000 + leakMiB * m + noise()));
  assert.ok(leak?.growing, 'steady leak');
  assert.ok(Math.abs(leak.slopePerMin - leakMiB) < 5);
  assert.ok(leak.r2 > 0.95);
  assert.match(describeGrowth('GPU memory', leak), /^GPU memory grows 1(19|20|21) MB\/min \(R² (0\.9\d|1\.00)\)$/);

  // Per-step buffers: climb 1.5 GB over 2 min, drop to the baseline, again.
  const saw = (m: number) => 3000 + 1500 * ((m % 2) / 2);
  // (A window shorter than one tooth cannot tell a tooth from a leak: the window must cover a cycle.)
  for (const minutes of [10, 7, 3, 2.5]) {
    const t = detectGrowth(series(minutes, 2, saw), { minSpanSec: 60 });
    assert.ok(
      t && !t.growing,
      `sawtooth over ${minutes} min is not a leak (R² ${t?.r2.toFixed(2)}, floor rise ${t?.floorRise.toFixed(0)})`,
    );
  }
  // The same sawtooth on a rising floor is one.
  const risingSaw = detectGrowth(
    series(10, 2, (m) => saw(m) + 200 * m),
    { minR2: 0.3 },
  );
  assert.ok(risingSaw?.growing && risingSaw.floorRise > 1000);
  // Flat with noise, and too short a window: nothing.
  assert.equal(detectGrowth(series(10, 5, () => 5000 + noise()))?.growing, false);
  assert.equal(detectGrowth(series(0.5, 1, (m) => 100 * m)), undefined);
});
