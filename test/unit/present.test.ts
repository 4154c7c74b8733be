// What the CLI prints, from the presentation functions alone (no process, no build): text and
// JSON of one file say the same thing.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { hotPathsOf } from '../../src/core/analysis/cpu/hotPaths';
import { analyzeTorchTrace } from '../../src/core/analysis/torch/torchAnalysis';
import { openFile } from '../../src/core/open/openFile';
import { presentFile } from '../../src/cli/commands/analyze';
import { cpuProfileJson, cpuProfileText, hottestText } from '../../src/cli/present/cpuProfile';
import { diagnose } from '../../src/core/analysis/torch/diagnosis';
import { torchTraceJson, torchTraceText } from '../../src/cli/present/torchTrace';
import { BUILTIN_FOLDED, REAL } from '../helpers';

test('CPU profile: the text table and the JSON list the same functions in the same order', async () => {
  const opened = await openFile(BUILTIN_FOLDED, { cacheDir: '' });
  assert.equal(opened.kind, 'cpu-profile');
  if (opened.kind !== 'cpu-profile') return;
  const hot = hotPathsOf(opened.profile);
  const json = cpuProfileJson(opened.profile, hot, 5);
  const text = cpuProfileText('p.folded', opened.profile, hot, 5);
  const rows = text.split('\n').slice(3).filter(Boolean);
  assert.equal(rows.length, 5);
  rows.forEach((row, i) => assert.ok(row.includes(json.functions[i].name), `${row} / ${json.functions[i].name}`));
  assert.equal(json.samples, hot.total);
  assert.equal(
    json.threads.reduce((a, t) => a + t.samples, 0),
    hot.total,
    'per-thread samples add up to the total',
  );
  assert.match(hottestText(hot), new RegExp(`^${hot.total.toLocaleString('en-US')} samples; hottest:\\n`));
});

test('PyTorch trace: text and JSON agree on the heaviest kernel and the GPU busy time', async () => {
  const file = path.join(REAL, 'torchtrace_hta__event_sync_trace.json.gz');
  const opened = await openFile(file, { cacheDir: '' });
  if (opened.kind !== 'torch-trace') return assert.fail(opened.kind);
  const s = analyzeTorchTrace(opened.trace);
  const d = diagnose(opened.trace);
  const json = torchTraceJson(opened.trace, s, d, 3);
  const text = torchTraceText(file, opened.trace, s, 3, d);
  assert.ok(json.kernels.length > 0);
  assert.ok(text.includes(json.kernels[0].name.slice(0, 100)), 'the heaviest kernel is in the text');
  for (const g of json.gpu) assert.ok(text.includes(`GPU ${g.device}: busy ${(g.busyUs / 1000).toFixed(1)} ms`));
  // analyze takes the same road.
  assert.deepEqual(presentFile(opened, 3).json, json);
});
