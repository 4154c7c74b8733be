/**
 * Benchmarks in the editor, composed of its parts: the workspace's results (and when they
 * change), Run Benchmarks and Save Results as Baseline…, the comparison view (Compare with
 * Baseline…), the profile diff (Compare Two Profiles…), and the regression and profile-diff
 * lenses. The statistics and the store are the core's.
 */
import { vscode } from '../vscodeApi';
import type { BenchmarkComparison } from '../../core/analysis/bench/benchCompare';
import type { ProfilingApi } from '../profiling/register';
import { BenchCommands } from './benchCommands';
import { BenchLenses } from './benchLenses';
import { BenchResults } from './benchResults';
import { ComparisonView } from './comparisonView';
import { ProfileDiffView } from './profileDiffView';

export interface BenchApi {
  /** The regression lenses' comparisons per workspace root (for tests). */
  lensComparisons(root: string): Promise<BenchmarkComparison[]>;
  panelTitles(): string[];
  /** The lines (0-based) of a document marked in the error colour as regressed (for tests). */
  regressedLines(uri: string): number[];
}

export function register(context: vscode.ExtensionContext, log: vscode.LogOutputChannel, cpu: ProfilingApi): BenchApi {
  const results = new BenchResults(log);
  const comparison = new ComparisonView(context.extensionUri, log, results, cpu.locator);
  const diff = new ProfileDiffView(context.extensionUri, log, cpu.locator);
  const commands = new BenchCommands(context, log, results);
  const lenses = new BenchLenses(results, diff);
  context.subscriptions.push(
    results,
    comparison,
    diff,
    diff.onDidChange(() => results.changes.fire()),
    lenses,
    vscode.languages.registerCodeLensProvider({ language: 'python' }, lenses),
    comparison.command(),
    ...diff.commands(),
    ...commands.commands(),
  );
  return {
    lensComparisons: async (root) => {
      const s = await results.stateOf(root);
      return s ? [...s.byFile.values()].flat().map((e) => e.comparison) : [];
    },
    panelTitles: () => [comparison.title, diff.title].filter((t): t is string => !!t),
    regressedLines: (uri) => lenses.regressedLines(uri),
  };
}
