/**
 * Run Benchmarks (flamelens.bench.json, created from a template when missing) and Save Results as
 * Baseline…. The runner, statistics and store are the core's.
 */
import { vscode } from '../vscodeApi';
import * as path from 'node:path';
import { promises as fs } from 'node:fs';
import type { BenchmarkComparison } from '../../core/analysis/bench/benchCompare';
import type { LatestComparison } from '../../core/analysis/bench/benchBaselines';
import type { BenchConfig } from '../../core/formats/bench/benchConfig';
import type { BenchmarkResultSet } from '../../core/model/bench';
import { runBenchmarks } from '../../core/runners/bench/benchRunner';
import { baselineFile, checkBaselineName, listHistory, saveBaseline, saveResults } from '../../core/store/benchStore';
import { prepareAgainst, type PreparedAgainst } from '../../core/runners/bench/againstSource';
import { benchSettings, profilerConfig } from '../shared/config';
import { resolveInterpreter } from '../shared/interpreter';
import { plainText } from '../shared/plainText';
import { CONFIG_NAME, readBenchConfig, type BenchResults } from './benchResults';

const TEMPLATE = `{
  // Benchmarks of this workspace. "command": a program run once per measurement;
  // "callable": "module:function" timed in-process (CUDA events when it uses CUDA).
  "defaults": { "warmup": 3, "runs": 30 },
  "threshold": "5%",
  "baseline": "main",
  "benchmarks": [
    { "name": "example", "command": "python3 -c \\"sum(range(10**6))\\"" }
  ]
}
`;

/** The notification after a benchmark run: how many ran, failed, and regressed against what. */
export function runSummary(
  results: BenchmarkResultSet,
  cancelled: boolean,
  failed: number,
  own: LatestComparison | undefined,
  regressions: BenchmarkComparison[],
): string {
  const n = results.benchmarks.length;
  const parts = [`flamelens: ${n} benchmark${n === 1 ? '' : 's'} measured`];
  if (cancelled) parts.push(' (cancelled; what was measured is saved)');
  if (failed) parts.push(`, ${failed} failed (see the flamelens log)`);
  if (own) {
    const r = regressions.length;
    parts.push(r ? `; ${r} regression${r > 1 ? 's' : ''} vs ${own.label}` : `; no regression vs ${own.label}`);
  }
  return `${parts.join('')}.`;
}

export interface RunArgs {
  config?: string;
  only?: string[];
  /** Interleaved against this git ref or folder (Compare with Baseline… offers it). */
  against?: string;
}

export class BenchCommands {
  private readonly helperScript: string;

  constructor(
    context: vscode.ExtensionContext,
    private readonly log: vscode.LogOutputChannel,
    private readonly results: BenchResults,
  ) {
    this.helperScript = vscode.Uri.joinPath(context.extensionUri, 'media', 'flamelens_bench.py').fsPath;
  }

  commands(): vscode.Disposable[] {
    return [
      vscode.commands.registerCommand('flamelens.bench.run', (args: RunArgs = {}) => this.run(args)),
      vscode.commands.registerCommand(
        'flamelens.bench.saveBaseline',
        (args: { root?: string; result?: string; name?: string } = {}) => this.saveBaseline(args),
      ),
    ];
  }

  /** The configuration to run: given, or the picked folder's (offering to create one). */
  private async configFile(given?: string): Promise<string | undefined> {
    if (given) return given;
    const root = await this.results.pickRoot();
    if (!root) {
      void vscode.window.showInformationMessage('flamelens: open a folder to run benchmarks in.');
      return undefined;
    }
    const file = path.join(root, CONFIG_NAME);
    if (await fs.stat(file).catch(() => undefined)) return file;
    const create = await vscode.window.showInformationMessage(
      plainText(`flamelens: no ${CONFIG_NAME} in ${root}.`),
      'Create One',
    );
    if (create) {
      await fs.writeFile(file, TEMPLATE, { flag: 'wx' }).catch(() => undefined);
      await vscode.window.showTextDocument(vscode.Uri.file(file));
    }
    return undefined;
  }

  private async run(args: RunArgs) {
    if (!vscode.workspace.isTrusted) {
      void vscode.window.showWarningMessage(
        'flamelens: benchmarks run programs of this workspace; trust the workspace first (Manage Workspace Trust).',
      );
      return undefined;
    }
    const configFile = await this.configFile(args.config);
    if (!configFile) return undefined;
    let config: BenchConfig;
    try {
      config = await readBenchConfig(configFile);
    } catch (e) {
      void vscode.window.showErrorMessage(plainText(`flamelens: ${(e as Error).message}`));
      return undefined;
    }
    const root = path.dirname(configFile);
    const log = this.log;
    const python = await resolveInterpreter(
      vscode.Uri.file(configFile),
      profilerConfig(vscode.Uri.file(root)).pythonPath,
      log,
    );
    const smi = vscode.workspace.getConfiguration('flamelens.gpu').get<string>('nvidiaSmiPath', '') || undefined;
    let against: PreparedAgainst | undefined;
    if (args.against !== undefined) {
      try {
        against = await prepareAgainst(root, args.against);
      } catch (e) {
        void vscode.window.showErrorMessage(plainText(`flamelens: --against ${args.against}: ${(e as Error).message}`));
        return undefined;
      }
    }
    const progressOptions = {
      location: vscode.ProgressLocation.Notification,
      title: 'flamelens: benchmarks',
      cancellable: true,
    };
    return vscode.window.withProgress(progressOptions, async (progress, token) => {
      const controller = new AbortController();
      token.onCancellationRequested(() => controller.abort());
      try {
        const { results, cancelled } = await runBenchmarks({
          root,
          config,
          python,
          helperScript: this.helperScript,
          only: args.only,
          signal: controller.signal,
          nvidiaSmiPath: smi,
          onProgress: (m) => {
            progress.report({ message: m });
            log.info(`bench: ${m}`);
          },
          onOutput: (line) => log.info(`bench: ${line}`),
          against: against?.side,
          blocks: benchSettings(vscode.Uri.file(root)).blocks,
        });
        const file = await saveResults(root, results);
        this.results.invalidate();
        const failed = results.benchmarks.filter((b) => b.error && b.error !== 'cancelled');
        for (const f of failed) log.error(`bench: ${f.name}: ${f.error}`);
        const own = (await this.results.stateOf(root))?.comparisons.find((c) => c.comparison.current.id === results.id);
        const regressions = own?.comparison.benchmarks.filter((c) => c.verdict === 'regression') ?? [];
        const text = runSummary(results, cancelled, failed.length, own, regressions);
        const show =
          failed.length || regressions.length ? vscode.window.showWarningMessage : vscode.window.showInformationMessage;
        void show(text, 'Show Comparison', 'Save as Baseline…').then((choice) => {
          if (choice === 'Show Comparison')
            void vscode.commands.executeCommand(
              'flamelens.bench.compare',
              own ? { root, baseline: own.baselineRef, current: results.id, label: own.label } : { root },
            );
          if (choice === 'Save as Baseline…')
            void vscode.commands.executeCommand('flamelens.bench.saveBaseline', { root, result: results.id });
        });
        return {
          file,
          id: results.id,
          cancelled,
          regressions: regressions.map((r) => r.name),
          benchmarks: results.benchmarks.map((b) => ({
            name: b.name,
            runs: b.samples.length,
            timing: b.timing,
            error: b.error,
          })),
        };
      } catch (e) {
        void vscode.window.showErrorMessage(plainText(`flamelens: ${(e as Error).message}`));
        return undefined;
      } finally {
        await against?.dispose();
      }
    });
  }

  /** Which results become a baseline: given, or picked (newest first). */
  private async pickResults(own: BenchmarkResultSet[]): Promise<BenchmarkResultSet | undefined> {
    if (own.length === 0) {
      void vscode.window.showInformationMessage(
        'flamelens: no benchmark results to save yet: run the benchmarks first.',
      );
      return undefined;
    }
    const describe = (s: BenchmarkResultSet) => {
      const git = s.environment.git
        ? ` · ${s.environment.git.commit.slice(0, 8)}${s.environment.git.dirty ? '+' : ''}`
        : '';
      return `${s.benchmarks.length} benchmarks${git}${s.origin ? ` · ${path.basename(s.origin)}` : ''}`;
    };
    const pick = await vscode.window.showQuickPick(
      [...own].reverse().map((s, i) => ({
        label: `${i === 0 ? 'latest: ' : ''}${s.createdAt.slice(0, 19).replace('T', ' ')}`,
        description: describe(s),
        set: s,
      })),
      { placeHolder: 'Which results become the baseline?' },
    );
    return pick?.set;
  }

  private async saveBaseline(args: { root?: string; result?: string; name?: string }) {
    const root = await this.results.pickRoot(args.root);
    if (!root) return undefined;
    const { items } = await listHistory(root);
    const own = items.filter((i) => i.source === 'flamelens' || i.origin);
    const set = (args.result ? own.find((i) => i.id === args.result) : undefined) ?? (await this.pickResults(own));
    if (!set) return undefined;
    const suggested = (await this.results.configOf(root))?.baseline ?? 'main';
    const name =
      args.name ??
      (await vscode.window.showInputBox({
        prompt: 'Baseline name',
        value: suggested,
        validateInput: (v) => {
          try {
            checkBaselineName(v);
            return undefined;
          } catch (e) {
            return (e as Error).message;
          }
        },
      }));
    if (!name) return undefined;
    checkBaselineName(name);
    if (!args.name && (await fs.stat(baselineFile(root, name)).catch(() => undefined))) {
      const ok = await vscode.window.showWarningMessage(
        plainText(`Replace the baseline "${name}"? (Every result stays in the history.)`),
        { modal: true },
        'Replace',
      );
      if (ok !== 'Replace') return undefined;
    }
    const file = await saveBaseline(root, name, set);
    this.results.invalidate();
    void vscode.window.showInformationMessage(plainText(`flamelens: saved as baseline "${name}".`));
    return file;
  }
}
