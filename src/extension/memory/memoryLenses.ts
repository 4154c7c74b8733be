/**
 * "▣ 4.2 GB live at peak" above the lines that held the most GPU memory at the peak of the open
 * CUDA allocator snapshot's history (or, without a history, at the snapshot), with how many
 * allocations and the device in the tooltip.
 */
import { vscode } from '../vscodeApi';
import { plainText } from '../shared/plainText';
import { normalisePath } from '../../core/analysis/source/pathMapping';
import { gib, type LineBytes } from '../../core/analysis/memory/torchMemory';
import type { SourceLocator } from '../shared/sourceLocator';
import { LensChanges } from '../shared/lensChanges';

const key = (p: string) => (process.platform === 'win32' ? normalisePath(p).toLowerCase() : normalisePath(p));

export function memoryLensTitle(l: LineBytes, when: 'peak' | 'snapshot'): string {
  return `▣ ${gib(l.bytes)} live at ${when === 'peak' ? 'peak' : 'the snapshot'}`;
}

export class MemoryLenses implements vscode.CodeLensProvider, vscode.Disposable {
  private readonly byFile = new Map<string, { line: LineBytes; when: 'peak' | 'snapshot'; title: string }[]>();
  private readonly changed = new LensChanges();
  readonly onDidChangeCodeLenses = this.changed.event;

  constructor(private readonly locator: SourceLocator) {}

  /** The open snapshot's lines (at most `top` of them, 1% of the total or more). */
  async setActive(title: string, lines: LineBytes[], when: 'peak' | 'snapshot', top = 20): Promise<void> {
    this.byFile.clear();
    const total = lines.reduce((a, l) => a + l.bytes, 0);
    for (const line of lines.filter((l) => l.file && l.bytes >= 0.01 * total).slice(0, top)) {
      const target = await this.locator.resolve(line.file);
      if (!target) continue;
      const k = key(target);
      this.byFile.set(k, [...(this.byFile.get(k) ?? []), { line, when, title }]);
    }
    this.changed.fire();
  }

  provideCodeLenses(doc: vscode.TextDocument): vscode.CodeLens[] {
    if (!vscode.workspace.getConfiguration('flamelens', doc.uri).get<boolean>('hotPaths.enabled', true)) return [];
    return (this.byFile.get(key(doc.uri.fsPath)) ?? [])
      .filter((e) => e.line.line >= 1 && e.line.line <= doc.lineCount)
      .map(
        (e) =>
          new vscode.CodeLens(new vscode.Range(e.line.line - 1, 0, e.line.line - 1, 0), {
            title: memoryLensTitle(e.line, e.when),
            tooltip: plainText(
              `flamelens: ${e.line.count} allocation${e.line.count === 1 ? '' : 's'} made on this line in ${e.line.name}() ` +
                `held ${gib(e.line.bytes)} of GPU memory at ${e.when === 'peak' ? 'the peak of the recorded history' : 'the snapshot'} (${e.title})`,
            ),
            command: '',
          }),
      );
  }

  dispose(): void {
    this.changed.dispose();
  }
}
