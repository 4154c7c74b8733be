import * as vscode from 'vscode';
import * as assert from 'node:assert/strict';
import * as mocha from 'mocha';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { waitFor } from './wait';
import type { FlamelensApi } from '../../../../src/extension/extension';
import type { BenchmarkResultSet } from '../../../../src/core/model/bench';

// Benchmarks in the extension host: a real flamelens.bench.json run through the real Python
// helper (GPU conditions from the stand-in nvidia-smi that replays a real V100S log), baselines,
// regression CodeLenses above the benchmarked function and above pytest-benchmark tests (real
// autosaves), and the profile diff of two real sampler runs with its CodeLenses.
export function registerBenchSuite(): void {
  mocha.suite('flamelens: benchmarks, baselines, regressions and profile diffs in the extension host', () => {
    const api = () => vscode.extensions.getExtension<FlamelensApi>('flamelens.flamelens')!.exports;
    const ws = () => vscode.workspace.workspaceFolders![0].uri.fsPath;
    const fixtures = () => process.env.FLAMELENS_FIXTURES!;
    const work = (seconds: number) =>
      `import time\n\n\ndef make():\n    return (${seconds},)\n\n\ndef sleepy(seconds):\n    time.sleep(seconds)\n`;
    const lensTitles = async (file: string) => {
      const uri = vscode.Uri.file(file);
      await vscode.workspace.openTextDocument(uri);
      const lenses =
        (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri, 100)) ?? [];
      return lenses
        .filter((l) => l.command?.command.startsWith('flamelens.bench'))
        .map((l) => ({ line: l.range.start.line + 1, title: l.command!.title, args: l.command!.arguments }));
    };

    mocha.suiteSetup(async () => {
      await fs.writeFile(path.join(ws(), 'benchwork.py'), work(0.002));
      await fs.writeFile(
        path.join(ws(), 'flamelens.bench.json'),
        JSON.stringify(
          {
            baseline: 'main',
            benchmarks: [
              { name: 'sleepy', callable: 'benchwork:sleepy', setup: 'benchwork:make', runs: 12, warmup: 1 },
              { name: 'python startup', command: 'python3 -c pass', runs: 3, warmup: 0 },
            ],
          },
          null,
          2,
        ),
      );
    });

    mocha.test(
      'Run Benchmarks measures the workspace benchmarks with the environment and GPU conditions; Save Results as Baseline… stores them',
      async () => {
        const r = await vscode.commands.executeCommand<{
          file: string;
          id: string;
          benchmarks: { name: string; runs: number; error?: string }[];
        }>('flamelens.bench.run');
        assert.ok(r, 'the run finished');
        assert.deepEqual(
          r.benchmarks.map((b) => [b.name, b.runs, b.error]),
          [
            ['sleepy', 12, undefined],
            ['python startup', 3, undefined],
          ],
        );
        const saved = JSON.parse(await fs.readFile(r.file, 'utf8')) as BenchmarkResultSet;
        assert.equal(path.dirname(r.file), path.join(ws(), '.flamelens', 'bench', 'results'));
        assert.equal(saved.environment.gpus?.[0].name, 'Tesla V100S-PCIE-32GB', 'GPU names from nvidia-smi');
        assert.match(saved.environment.python?.version ?? '', /^3\./);
        const gpu = saved.benchmarks[0].gpu?.[0];
        assert.ok(
          gpu && gpu.readings >= 1 && gpu.temperatureC,
          `GPU conditions recorded while it ran: ${JSON.stringify(saved.benchmarks[0].gpu)}`,
        );
        assert.deepEqual(saved.benchmarks[0].location, { file: 'benchwork.py', function: 'sleepy' });
        const file = await vscode.commands.executeCommand<string>('flamelens.bench.saveBaseline', {
          result: r.id,
          name: 'main',
        });
        assert.equal(file, path.join(ws(), '.flamelens', 'bench', 'baselines', 'main.json'));
      },
    );

    mocha.test(
      'a slower function against main, one session each, is an inconclusive lens; interleaved against the fast code it is a regression lens',
      async () => {
        const fast = path.join(ws(), 'fast-copy');
        await fs.mkdir(fast, { recursive: true });
        await fs.copyFile(path.join(ws(), 'benchwork.py'), path.join(fast, 'benchwork.py'));
        await fs.writeFile(path.join(ws(), 'benchwork.py'), work(0.004));
        const r = await vscode.commands.executeCommand<{ regressions: string[] }>('flamelens.bench.run', {
          only: ['sleepy'],
        });
        assert.deepEqual(r.regressions, [], 'two separate sessions, no history: not a regression');
        const lens = async (pattern: RegExp) =>
          waitFor(async () => {
            const l = await lensTitles(path.join(ws(), 'benchwork.py'));
            return l.length === 1 && pattern.test(l[0].title) ? l[0] : undefined;
          }, `a lens matching ${pattern}`);
        const grey = await lens(/^\$\(question\) inconclusive vs main: /);
        assert.equal(grey.line, 8, 'above def sleepy');
        const benchUri = vscode.Uri.file(path.join(ws(), 'benchwork.py')).toString();
        assert.deepEqual(api().bench.regressedLines(benchUri), [], 'an inconclusive lens is not marked');
        const c = (await api().bench.lensComparisons(ws())).find((x) => x.name === 'sleepy')!;
        assert.equal(c.verdict, 'inconclusive');
        assert.match(
          c.reason ?? '',
          /^(one session each; the run-to-run spread understates the noise|.* during current vs )/,
        );
        assert.ok(c.ratio > 1.5 && c.ratio < 2.5, `${c.ratio}`);
        await vscode.commands.executeCommand('flamelens.bench.compare', ...(grey.args ?? []));
        assert.ok(api().bench.panelTitles().includes('Benchmarks: latest vs main'), api().bench.panelTitles().join());

        const il = await vscode.commands.executeCommand<{ regressions: string[] }>('flamelens.bench.run', {
          only: ['sleepy'],
          against: fast,
        });
        assert.deepEqual(il.regressions, ['sleepy'], 'interleaved with the fast code: a regression');
        const red = await lens(
          /^\$\(arrow-up\) \d+\.\d% slower than .*fast-copy \(interleaved\) \(p[<=]0\.\d+, 20 runs\)$/,
        ); // at least one run a block
        // The regression also marks its def line in the error colour (a CodeLens has no colour).
        assert.deepEqual(api().bench.regressedLines(benchUri), [red.line - 1]);
        const ci = (await api().bench.lensComparisons(ws())).find((x) => x.name === 'sleepy')!;
        assert.equal(ci.method, 'interleaved');
        assert.equal(ci.blockPairs, 20, 'the default 20 blocks');
        await vscode.commands.executeCommand('flamelens.bench.compare', ...(red.args ?? []));
        assert.ok(
          api()
            .bench.panelTitles()
            .some((t) => /^Benchmarks: latest vs .*fast-copy \(interleaved\)$/.test(t)),
          api().bench.panelTitles().join(),
        );
      },
    );

    mocha.test(
      'pytest-benchmark autosaves (real) give lenses above the test functions, the newer compared with the one before',
      async () => {
        await fs.cp(path.join(fixtures(), 'real', 'pytest-benchmark', 'autosave'), path.join(ws(), '.benchmarks'), {
          recursive: true,
        });
        await fs.mkdir(path.join(ws(), 'tests'), { recursive: true });
        await fs.copyFile(
          path.join(fixtures(), 'real', 'pytest-benchmark', 'project', 'tests', 'test_tokenize.py'),
          path.join(ws(), 'tests', 'test_tokenize.py'),
        );
        const lenses = await waitFor(async () => {
          const l = await lensTitles(path.join(ws(), 'tests', 'test_tokenize.py'));
          return l.length >= 4 ? l : undefined;
        }, 'four pytest lenses');
        const byLine = new Map(lenses.map((l) => [l.line, l.title]));
        assert.equal(byLine.get(11), '$(question) inconclusive vs previous run: one session each', 'test_tokenize');
        assert.equal(lenses.filter((l) => l.line === 16).length, 2, 'test_sort: one lens per parameter');
        assert.ok(byLine.has(24), 'TestJoin.test_join');
      },
    );

    mocha.test(
      'Compare Two Profiles… diffs two real runs: lenses above the functions whose self time grew',
      async () => {
        await fs.copyFile(path.join(fixtures(), 'generate', 'diff_target.py'), path.join(ws(), 'diff_target.py'));
        const dir = path.join(fixtures(), 'real', 'profile-diff');
        const r = await vscode.commands.executeCommand<{ grown: { name: string; selfDeltaPts: number }[] }>(
          'flamelens.bench.compareProfiles',
          { base: path.join(dir, 'before.folded'), new: path.join(dir, 'after.folded') },
        );
        assert.deepEqual(r.grown.map((g) => g.name).sort(), ['<genexpr>', 'normalize']);
        const lenses = await waitFor(async () => {
          const l = await lensTitles(path.join(ws(), 'diff_target.py'));
          return l.length ? l : undefined;
        }, 'the profile-diff lens');
        const normalize = lenses.find((l) => l.line === 13);
        assert.match(
          normalize?.title ?? '',
          /^\$\(arrow-up\) \+\d+\.\d pts self time vs baseline run \(\d+\.\d% → \d+\.\d%\)$/,
          JSON.stringify(lenses),
        );
        assert.ok(
          api()
            .bench.panelTitles()
            .some((t) => t.startsWith('Profile diff: after.folded vs before.folded')),
        );
      },
    );
  });
}
