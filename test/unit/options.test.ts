// The limits and defaults of core/model/options against what package.json declares to the editor
// and what the CLI accepts, in both directions; and the runners refusing bad options before they
// start anything.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { checkOption, optionProblem, optionValue, OptionError, OPTIONS } from '../../src/core/model/options';
import { runCpuProfile } from '../../src/core/runners/cpu/cpuRun';
import { runTorchProfile } from '../../src/core/runners/torch/torchRun';
import { runNsight } from '../../src/core/runners/nsight/nsightRun';
import { helpText } from '../../src/cli/commands';
import { ROOT, read } from '../helpers';

interface Setting {
  type?: string | string[];
  default?: unknown;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
}

const settings = JSON.parse(read(path.join(ROOT, 'package.json'))).contributes.configuration.properties as Record<
  string,
  Setting
>;

test('every numeric setting of package.json has its limits and default in core/model/options, and the reverse', () => {
  const specs = Object.values(OPTIONS);
  const numeric = Object.entries(settings).filter(([, s]) => s.type === 'number' || s.type === 'integer');
  for (const [key, s] of numeric) {
    const spec = specs.find((o) => 'setting' in o && o.setting === key);
    assert.ok(spec, `${key} has an entry in OPTIONS`);
    assert.equal(s.default, spec.default, `${key}: default`);
    for (const limit of ['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum'] as const)
      assert.equal(s[limit], (spec as Record<string, unknown>)[limit], `${key}: ${limit}`);
    assert.equal(s.type === 'integer', 'integer' in spec && spec.integer === true, `${key}: whole numbers only`);
  }
  for (const spec of specs) {
    if (!('setting' in spec)) continue;
    assert.ok(settings[spec.setting], `OPTIONS names ${spec.setting}, which package.json declares`);
  }
});

test('every flag of OPTIONS is one the CLI documents', () => {
  const help = helpText();
  for (const spec of Object.values(OPTIONS)) if ('flag' in spec) assert.ok(help.includes(spec.flag), spec.flag);
});

test('checkOption and optionValue: out of range is an OptionError naming the option; a bad setting falls back', () => {
  assert.equal(checkOption(OPTIONS.sampleRate, 250), 250);
  assert.throws(
    () => checkOption(OPTIONS.sampleRate, 20000),
    (e: unknown) =>
      e instanceof OptionError && e.message === '--rate must be between 1 and 10000 (samples per second), got 20000',
  );
  assert.equal(optionProblem(OPTIONS.torchActive, 1.5), 'must be a whole number at least 1');
  assert.equal(optionProblem(OPTIONS.benchAlpha, 0.5), 'must be over 0 and under 0.5');
  assert.equal(optionProblem(OPTIONS.duration, Number.NaN), 'must be a number at least 0');
  assert.equal(optionValue(OPTIONS.sampleRate, 0), OPTIONS.sampleRate.default);
  assert.equal(optionValue(OPTIONS.sampleRate, 'fast'), OPTIONS.sampleRate.default);
  assert.equal(optionValue(OPTIONS.sampleRate, 1000), 1000);
});

test('runners refuse bad options before they create a run folder or start anything', async () => {
  const root = mkdtempSync(path.join(tmpdir(), 'fl-options-'));
  const never = path.join(root, 'never-started.py');
  await assert.rejects(
    runCpuProfile({
      workspaceRoot: root,
      name: 'x.py',
      target: { kind: 'launch', python: 'python3', script: never, args: [] },
      sampler: 'builtin',
      rateHz: 20000,
      format: 'collapsed',
      cwd: root,
      samplerScript: never,
    }),
    /the sample rate must be between 1 and 10000/,
  );
  await assert.rejects(
    runTorchProfile({
      workspaceRoot: root,
      python: 'python3',
      script: never,
      args: [],
      cwd: root,
      launcherScript: never,
      active: 0,
    }),
    /active must be a whole number at least 1|active must be at least 1/,
  );
  await assert.rejects(
    runNsight({ kind: 'ncu', workspaceRoot: root, command: ['python3', never], cwd: root, kernelRegex: '(' }),
    /the kernel name filter is not a regular expression/,
  );
  assert.equal(existsSync(path.join(root, '.flamelens')), false, 'no run folder was made');
});
