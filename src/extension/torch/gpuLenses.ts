/**
 * "⚡ 41.0% of GPU time · 3 kernels · 12.8 ms" above each line of the workspace that (directly or
 * through what it calls) launched GPU work in the active PyTorch trace, when the trace records
 * call sites, and above each such Python function otherwise.
 */
import { vscode } from '../vscodeApi';
import { plainText } from '../shared/plainText';
import { findPythonDefinitions, matchDefinition } from '../../core/analysis/source/pythonDefinitions';
import { normalisePath } from '../../core/analysis/source/pathMapping';
import type { GpuByFunction } from '../../core/analysis/torch/torchSources';
import type { SourceLocator } from '../shared/sourceLocator';
import { LensChanges } from '../shared/lensChanges';

const key = (p: string) => (process.platform === 'win32' ? normalisePath(p).toLowerCase() : normalisePath(p));

export function gpuLensTitle(g: GpuByFunction): string {
  const ms = g.gpuUs / 1000;
  return `⚡ ${g.pct.toFixed(1)}% of GPU time · ${g.kernels} kernel${g.kernels === 1 ? '' : 's'} · ${ms >= 100 ? ms.toFixed(0) : ms.toFixed(1)} ms`;
}

export class GpuLenses implements vscode.CodeLensProvider, vscode.Disposable {
  private readonly byFile = new Map<string, { title: string; entries: GpuByFunction[] }>();
  private readonly changed = new LensChanges();
  readonly onDidChangeCodeLenses = this.changed.event;

  constructor(private readonly locator: SourceLocator) {}

  async setActive(title: string, entries: GpuByFunction[]): Promise<void> {
    this.byFile.clear();
    for (const e of entries) {
      const target = await this.locator.resolve(e.file);
      if (!target) continue;
      const k = key(target);
      const cur = this.byFile.get(k) ?? { title, entries: [] };
      cur.entries.push(e);
      this.byFile.set(k, cur);
    }
    this.changed.fire();
  }

  provideCodeLenses(doc: vscode.TextDocument): vscode.CodeLens[] {
    if (!vscode.workspace.getConfiguration('flamelens', doc.uri).get<boolean>('hotPaths.enabled', true)) return [];
    const found = this.byFile.get(key(doc.uri.fsPath));
    if (!found) return [];
    const defs = findPythonDefinitions(doc.getText());
    const lenses: vscode.CodeLens[] = [];
    const used = new Set<number>();
    for (const g of found.entries) {
      if (g.pct < 0.1) continue;
      let line: number;
      if (g.site === 'call') {
        if (g.line < 1 || g.line > doc.lineCount) continue;
        line = g.line;
      } else {
        if (g.name === '<module>') continue;
        const def = matchDefinition(defs, g.name, [g.line]);
        if (!def) continue;
        line = def.firstLine;
      }
      if (used.has(line)) continue;
      used.add(line);
      lenses.push(
        new vscode.CodeLens(new vscode.Range(line - 1, 0, line - 1, 0), {
          title: gpuLensTitle(g),
          tooltip: plainText(
            g.site === 'call'
              ? `flamelens: GPU work launched from this line (in ${g.name}) in ${found.title} (${g.launches} launches)`
              : `flamelens: GPU work launched under ${g.name} in ${found.title} (${g.launches} launches)`,
          ),
          command: '',
        }),
      );
    }
    return lenses;
  }

  dispose(): void {
    this.changed.dispose();
  }
}
