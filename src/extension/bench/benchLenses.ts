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

/**
 * A CodeLens has no colour of its own: a regressed benchmark's `def` line also gets a bar in the
 * theme's error colour, a mark in the overview ruler and a short note after the line, so the
 * regression stands out from the other lenses.
 */
const regressionMark = (): vscode.TextEditorDecorationType =>
  vscode.window.createTextEditorDecorationType({
    isWholeLine: true,
    borderColor: new vscode.ThemeColor('editorError.foreground'),
    borderStyle: 'solid',
    borderWidth: '0 0 0 2px',
    overviewRulerColor: new vscode.ThemeColor('editorError.foreground'),
    overviewRulerLane: vscode.OverviewRulerLane.Right,
    after: { contentText: '  ▲ regression', color: new vscode.ThemeColor('errorForeground'), fontStyle: 'italic' },
  });

export class BenchLenses implements vscode.CodeLensProvider, vscode.Disposable {
  readonly onDidChangeCodeLenses: vscode.Event<void>;
  /** Per document: the lines (0-based) of regressed benchmarks, as its lenses last found them. */
  private readonly regressed = new Map<string, number[]>();
  private readonly subscriptions: vscode.Disposable[] = [];
  private readonly decoration = regressionMark();

  constructor(
    private readonly results: BenchResults,
    private readonly diff: ProfileDiffView,
  ) {
    this.onDidChangeCodeLenses = results.changes.event;
    this.subscriptions.push(vscode.window.onDidChangeVisibleTextEditors(() => this.mark()));
  }

  dispose(): void {
    for (const d of this.subscriptions) d.dispose();
    this.decoration.dispose();
  }

  async provideCodeLenses(doc: vscode.TextDocument): Promise<vscode.CodeLens[]> {
    let defs: Definitions | undefined;
    const definitions = () => (defs ??= findPythonDefinitions(doc.getText()));
    const regressed: number[] = [];
    const lenses = benchSettings(doc.uri).lenses
      ? await this.regressionLenses(doc.uri.fsPath, definitions, regressed)
      : [];
    this.regressed.set(doc.uri.toString(), regressed);
    this.mark();
    return [...lenses, ...this.diffLenses(doc.uri.fsPath, definitions)];
  }

  regressedLines(uri: string): number[] {
    return [...(this.regressed.get(uri) ?? [])];
  }

  private mark(): void {
    for (const editor of vscode.window.visibleTextEditors) {
      const lines = this.regressed.get(editor.document.uri.toString()) ?? [];
      editor.setDecorations(
        this.decoration,
        lines.map((l) => new vscode.Range(l, 0, l, 0)),
      );
    }
  }

  private async regressionLenses(
    file: string,
    definitions: () => Definitions,
    regressed: number[],
  ): Promise<vscode.CodeLens[]> {
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
        if (c.verdict === 'regression') regressed.push(def.firstLine - 1);
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
