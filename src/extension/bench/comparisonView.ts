/**
 * Compare with Baseline…: the latest results against a baseline (picked, or given by a lens), in
 * the comparison view with each benchmark's history; the view opens a benchmarked function.
 */
import { vscode } from '../vscodeApi';
import * as path from 'node:path';
import type { Comparison } from '../../core/analysis/bench/benchCompare';
import { compareInterleaved, compareWithHistory } from '../../core/analysis/bench/sessionCompare';
import { INTERLEAVED_REF } from '../../core/analysis/bench/benchBaselines';
import { buildHistories, type BenchViewData } from '../../core/analysis/bench/benchHistory';
import { findPythonDefinitions } from '../../core/analysis/source/pythonDefinitions';
import type { BenchmarkResultSet } from '../../core/model/bench';
import { listBaselines, listHistory, listResults, resolveResults } from '../../core/store/benchStore';
import { VIEW, type ToHost, type ToWebview } from '../../shared/protocol/benchComparison';
import { benchSettings } from '../shared/config';
import { plainText } from '../shared/plainText';
import { saveCsvExport } from '../shared/saveExport';
import type { SourceLocator } from '../shared/sourceLocator';
import { DataPanel } from '../shared/webview/dataPanel';
import { CONFIG_NAME, type BenchResults } from './benchResults';
import { execFile } from 'node:child_process';

const RUN_INTERLEAVED = '\u0000run-interleaved';

function isGitRepository(root: string): Promise<boolean> {
  return new Promise((resolve) =>
    execFile('git', ['rev-parse', '--is-inside-work-tree'], { cwd: root }, (e, out) =>
      resolve(!e && out.trim() === 'true'),
    ),
  );
}

export interface CompareArgs {
  root?: string;
  baseline?: string;
  current?: string;
  focus?: string;
  label?: string;
}

export class ComparisonView implements vscode.Disposable {
  private readonly panel: DataPanel<ToHost, ToWebview>;

  constructor(
    extensionUri: vscode.Uri,
    log: vscode.LogOutputChannel,
    private readonly results: BenchResults,
    private readonly locator: SourceLocator,
  ) {
    this.panel = new DataPanel('flamelens.bench', VIEW, extensionUri, log);
  }

  get title(): string | undefined {
    return this.panel.title;
  }

  command(): vscode.Disposable {
    return vscode.commands.registerCommand('flamelens.bench.compare', (args: CompareArgs = {}) => this.open(args));
  }

  /** The baseline to compare with: given, or picked from the saved baselines or a file. */
  private async pickBaseline(root: string): Promise<string | undefined> {
    const baselines = (await listBaselines(root)).items;
    const picks: (vscode.QuickPickItem & { ref: string })[] = baselines.map((b) => ({
      label: b.baseline ?? b.id,
      description: `${b.createdAt.slice(0, 16).replace('T', ' ')}${b.environment.git ? ` · ${b.environment.git.commit.slice(0, 8)}` : ''}`,
      ref: b.baseline ?? b.id,
    }));
    const latest = (await listResults(root)).items.pop();
    if (latest?.interleaved)
      picks.unshift({
        label: `$(git-compare) ${latest.interleaved.against} (interleaved in the latest session)`,
        description: `${latest.createdAt.slice(0, 16).replace('T', ' ')} · ${latest.interleaved.blocks} blocks`,
        ref: `${latest.id}${INTERLEAVED_REF}`,
      });
    if (await isGitRepository(root))
      picks.push({
        label: '$(git-compare) Run interleaved against a git ref…',
        description: 'baseline and current alternate in one session, so drift hits both',
        ref: RUN_INTERLEAVED,
      });
    picks.push({
      label: '$(file) Choose a results file…',
      description: 'flamelens results or pytest-benchmark JSON',
      ref: '',
    });
    const pick = await vscode.window.showQuickPick(picks, { placeHolder: 'Compare the latest results with…' });
    if (!pick) return undefined;
    if (pick.ref === RUN_INTERLEAVED) return this.runInterleaved(root);
    if (pick.ref) return pick.ref;
    const files = await vscode.window.showOpenDialog({
      canSelectMany: false,
      defaultUri: vscode.Uri.file(root),
      filters: { JSON: ['json'] },
    });
    return files?.[0]?.fsPath;
  }

  /** Runs the benchmarks interleaved against a git ref; the reference to its comparison. */
  private async runInterleaved(root: string): Promise<string | undefined> {
    const ref = await vscode.window.showInputBox({
      prompt: 'Git ref (branch, tag or commit) to run the benchmarks against, interleaved with the working tree',
      value: 'HEAD',
      // A webview or a notification taking focus must not drop what was typed.
      ignoreFocusOut: true,
    });
    if (!ref) return undefined;
    const run = await vscode.commands.executeCommand<{ id: string } | undefined>('flamelens.bench.run', {
      config: path.join(root, CONFIG_NAME),
      against: ref,
    });
    return run ? `${run.id}${INTERLEAVED_REF}` : undefined;
  }

  private async open(args: CompareArgs): Promise<Comparison | undefined> {
    const root = await this.results.pickRoot(args.root);
    if (!root) {
      void vscode.window.showInformationMessage('flamelens: open a folder with benchmark results first.');
      return undefined;
    }
    const { items: history, problems } = await listHistory(root);
    const baselineRef = args.baseline ?? (await this.pickBaseline(root));
    if (!baselineRef) return undefined;
    try {
      const settings = benchSettings(vscode.Uri.file(root));
      const config = await this.results.configOf(root);
      const options = { threshold: config?.threshold ?? settings.threshold, alpha: config?.alpha ?? settings.alpha };
      let cur: BenchmarkResultSet | undefined;
      let comparison: Comparison;
      let label: string;
      if (baselineRef.endsWith(INTERLEAVED_REF)) {
        cur = await resolveResults(root, baselineRef.slice(0, -INTERLEAVED_REF.length));
        if (!cur.interleaved) throw new Error(`${cur.id} was not measured interleaved (bench --against)`);
        comparison = compareInterleaved(cur, options);
        label = args.label ?? `${cur.interleaved.against} (interleaved)`;
      } else {
        const base = await resolveResults(root, baselineRef);
        cur = args.current ? await resolveResults(root, args.current) : history[history.length - 1];
        if (!cur) throw new Error('there are no results to compare yet: run the benchmarks first');
        comparison = compareWithHistory(base, cur, history, options);
        label = args.label ?? baselineLabel(base, baselineRef);
      }
      const data: BenchViewData = {
        title: `Benchmarks: latest vs ${label}`,
        baselineLabel: label,
        currentLabel: cur.baseline ?? cur.id,
        comparison,
        histories: buildHistories(
          history.some((h) => h.id === cur.id) ? history : [...history, cur],
          comparison.threshold,
        ),
        focus: args.focus,
        problems,
      };
      this.panel.show(
        data.title,
        { type: 'benchInit', data },
        {
          openBenchmark: (m) => this.openBenchmark(root, comparison, m.name),
          exportCsv: (m) => saveCsvExport(this.locator.defaultFolder() ?? '', m.name, m.csv),
        },
      );
      return comparison;
    } catch (e) {
      void vscode.window.showErrorMessage(plainText(`flamelens: ${(e as Error).message}`));
      return undefined;
    }
  }

  /** Opens the benchmarked function (or test) at its `def`. */
  private async openBenchmark(root: string, comparison: Comparison, name: string): Promise<void> {
    const c = comparison.benchmarks.find((b) => b.name === name);
    const location = c?.location;
    if (!location) {
      void vscode.window.showInformationMessage(plainText(`flamelens: no source location is recorded for ${name}.`));
      return;
    }
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(path.resolve(root, location.file)));
    const def = findPythonDefinitions(doc.getText()).find((d) => d.kind === 'def' && d.name === location.function);
    const pos = new vscode.Position((def?.line ?? 1) - 1, 0);
    await vscode.window.showTextDocument(doc, {
      selection: new vscode.Range(pos, pos),
      viewColumn: vscode.ViewColumn.One,
    });
  }

  dispose(): void {
    this.panel.dispose();
  }
}

/** A baseline's name in the view: its baseline name, else its commit, else its file. */
function baselineLabel(base: BenchmarkResultSet, ref: string): string {
  if (base.baseline) return base.baseline;
  const git = base.environment.git;
  if (!git) return path.basename(ref);
  return `${base.source === 'pytest-benchmark' ? 'pytest run ' : ''}${git.commit.slice(0, 7)}${git.dirty ? '+' : ''}`;
}
