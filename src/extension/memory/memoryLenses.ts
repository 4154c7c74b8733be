/**
 * "▣ 4.2 GB live at peak" above the lines that held the most GPU memory at the peak of the open
 * CUDA allocator snapshot's history (or, without a history, at the snapshot), with how many
 * allocations and the device in the tooltip.
 */
import { LatestCall } from '../shared/latestCall';
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

/** A lens to show: where, how much (to rank), what it says. */
export interface MemoryLensItem {
  file: string;
  line: number;
  bytes: number;
  title: string;
  tooltip: string;
}

export class MemoryLenses implements vscode.CodeLensProvider, vscode.Disposable {
  private byFile = new Map<string, MemoryLensItem[]>();
  private readonly latest = new LatestCall();
  private readonly changed = new LensChanges();
  readonly onDidChangeCodeLenses = this.changed.event;

  constructor(private readonly locator: SourceLocator) {}

  /** The open snapshot's lines (at most `top` of them, 1% of the total or more). */
  async setActive(title: string, lines: LineBytes[], when: 'peak' | 'snapshot', top = 20): Promise<void> {
    await this.setLines(
      title,
      lines.map((l) => ({
        file: l.file,
        line: l.line,
        bytes: l.bytes,
        title: memoryLensTitle(l, when),
        tooltip:
          `${l.count} allocation${l.count === 1 ? '' : 's'} made on this line in ${l.name}() held ${gib(l.bytes)} ` +
          `of GPU memory at ${when === 'peak' ? 'the peak of the recorded history' : 'the snapshot'}`,
      })),
      top,
    );
  }

  /** Lenses on lines (at most `top`, each 1% of the total or more), replacing those shown. */
  async setLines(title: string, items: MemoryLensItem[], top = 20): Promise<void> {
    // Built apart, put in place by the latest call only (see LatestCall).
    const mine = this.latest.next();
    const byFile = new Map<string, MemoryLensItem[]>();
    const total = items.reduce((a, l) => a + l.bytes, 0);
    const ranked = [...items].sort((a, b) => b.bytes - a.bytes);
    for (const item of ranked.filter((l) => l.file && l.bytes > 0 && l.bytes >= 0.01 * total).slice(0, top)) {
      const target = await this.locator.resolve(item.file);
      if (!target) continue;
      const k = key(target);
      byFile.set(k, [...(byFile.get(k) ?? []), { ...item, tooltip: `flamelens: ${item.tooltip} (${title})` }]);
    }
    if (!this.latest.isLatest(mine)) return;
    this.byFile = byFile;
    this.changed.fire();
  }

  provideCodeLenses(doc: vscode.TextDocument): vscode.CodeLens[] {
    if (!vscode.workspace.getConfiguration('flamelens', doc.uri).get<boolean>('hotPaths.enabled', true)) return [];
    return (this.byFile.get(key(doc.uri.fsPath)) ?? [])
      .filter((e) => e.line >= 1 && e.line <= doc.lineCount)
      .map(
        (e) =>
          new vscode.CodeLens(new vscode.Range(e.line - 1, 0, e.line - 1, 0), {
            title: e.title,
            tooltip: plainText(e.tooltip),
            command: '',
          }),
      );
  }

  dispose(): void {
    this.changed.dispose();
  }
}
