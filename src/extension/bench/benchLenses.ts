/**
 * The lenses of the benchmark feature: above each benchmarked function or pytest-benchmark test,
 * its latest result against its baseline (the regression lens); above the functions whose self
 * time grew most in the latest profile diff, by how much.
 */
import { vscode } from '../vscodeApi';
import * as path from 'node:path';
import { lensText } from '../../core/analysis/bench/benchCompare';
import { diffLensText } from '../../core/analysis/cpu/profileDiff';
import { findPythonDefinitions, matchDefinition } from '../../core/analysis/source/pythonDefinitions';
import { benchSettings } from '../shared/config';
import { withCodicon } from '../shared/lensIcons';
import { plainText } from '../shared/plainText';
import type { BenchResults } from './benchResults';
import type { ProfileDiffView } from './profileDiffView';

type Definitions = ReturnType<typeof findPythonDefinitions>;

export class BenchLenses implements vscode.CodeLensProvider {
  readonly onDidChangeCodeLenses: vscode.Event<void>;

  constructor(
    private readonly results: BenchResults,
    private readonly diff: ProfileDiffView,
  ) {
    this.onDidChangeCodeLenses = results.changes.event;
  }

  async provideCodeLenses(doc: vscode.TextDocument): Promise<vscode.CodeLens[]> {
    let defs: Definitions | undefined;
    const definitions = () => (defs ??= findPythonDefinitions(doc.getText()));
    const lenses = benchSettings(doc.uri).lenses ? await this.regressionLenses(doc.uri.fsPath, definitions) : [];
    return [...lenses, ...this.diffLenses(doc.uri.fsPath, definitions)];
  }

  private async regressionLenses(file: string, definitions: () => Definitions): Promise<vscode.CodeLens[]> {
    const lenses: vscode.CodeLens[] = [];
    for (const root of await this.results.roots()) {
      if (!file.startsWith(root + path.sep)) continue;
      const state = await this.results.stateOf(root);
      for (const { comparison: c, label, baselineRef, currentRef } of state?.byFile.get(file) ?? []) {
        const loc = c.location!;
        const all = definitions();
        const cls = loc.className ? all.find((d) => d.kind === 'class' && d.name === loc.className) : undefined;
        const def = all.find(
          (d) =>
            d.kind === 'def' && d.name === loc.function && (!cls || (d.line > cls.line && d.endLine <= cls.endLine)),
        );
        if (!def) continue;
        lenses.push(
          new vscode.CodeLens(new vscode.Range(def.firstLine - 1, 0, def.firstLine - 1, 0), {
            title: withCodicon(plainText(lensText(c, label))),
            tooltip: plainText(c.summary),
            command: 'flamelens.bench.compare',
            arguments: [{ root, focus: c.name, baseline: baselineRef, current: currentRef, label }],
          }),
        );
      }
    }
    return lenses;
  }

  private diffLenses(file: string, definitions: () => Definitions): vscode.CodeLens[] {
    const state = this.diff.lensState;
    if (!state) return [];
    const lenses: vscode.CodeLens[] = [];
    for (const f of state.grown) {
      if (state.resolved.get(f.file ?? '') !== file) continue;
      const def = matchDefinition(definitions(), f.name, f.lines);
      if (!def) continue;
      lenses.push(
        new vscode.CodeLens(new vscode.Range(def.firstLine - 1, 0, def.firstLine - 1, 0), {
          title: withCodicon(plainText(diffLensText(f))),
          tooltip: `total ${f.baseTotalPct.toFixed(1)}% → ${f.newTotalPct.toFixed(1)}%`,
          command: 'flamelens.bench.showProfileDiff',
          arguments: [],
        }),
      );
    }
    return lenses;
  }
}
