/**
 * "⚡ 41.0% of GPU time · 3 kernels · 12.8 ms" above each line of the workspace that (directly or
 * through what it calls) launched GPU work in the active PyTorch trace, when the trace records
 * call sites, and above each such Python function otherwise; and "⏸ GPU idle 53% of the span
 * after 12 waits here" where the CPU waited for the GPU (the trace's Diagnosis).
 */
import { LatestCall } from '../shared/latestCall';
import { vscode } from '../vscodeApi';
import { plainText } from '../shared/plainText';
import { findPythonDefinitions, matchDefinition } from '../../core/analysis/source/pythonDefinitions';
import { normalisePath } from '../../core/analysis/source/pathMapping';
import type { GpuByFunction } from '../../core/analysis/torch/torchSources';
import type { SyncPlace } from '../../core/analysis/torch/syncPoints';
import type { SourceLocator } from '../shared/sourceLocator';
import { LensChanges } from '../shared/lensChanges';

const key = (p: string) => (process.platform === 'win32' ? normalisePath(p).toLowerCase() : normalisePath(p));

export function gpuLensTitle(g: GpuByFunction): string {
  const ms = g.gpuUs / 1000;
  return `⚡ ${g.pct.toFixed(1)}% of GPU time · ${g.kernels} kernel${g.kernels === 1 ? '' : 's'} · ${ms >= 100 ? ms.toFixed(0) : ms.toFixed(1)} ms`;
}

export function waitLensTitle(w: SyncPlace, spanUs: number): string {
  const pct = spanUs > 0 ? (100 * w.gpuIdleAfterUs) / spanUs : 0;
  return `⏸ GPU idle ${pct.toFixed(pct >= 10 ? 0 : 1)}% of the span after ${w.count} wait${w.count === 1 ? '' : 's'} here`;
}

type Entry = { kind: 'gpu'; g: GpuByFunction } | { kind: 'wait'; w: SyncPlace & { file: string; line: number } };

export class GpuLenses implements vscode.CodeLensProvider, vscode.Disposable {
  private byFile = new Map<string, { title: string; spanUs: number; entries: Entry[] }>();
  private readonly latest = new LatestCall();
  private readonly changed = new LensChanges();
  readonly onDidChangeCodeLenses = this.changed.event;

  constructor(private readonly locator: SourceLocator) {}

  /** The active trace's GPU time per function, and its waits for the GPU (over `spanUs`). */
  async setActive(title: string, entries: GpuByFunction[], waits: SyncPlace[] = [], spanUs = 0): Promise<void> {
    // Built apart and put in place at the end: two traces opened one after the other used to
    // share one table while their files were found, and the lenses showed both.
    const mine = this.latest.next();
    const byFile = new Map<string, { title: string; spanUs: number; entries: Entry[] }>();
    const all: [string, Entry][] = [
      ...entries.map((g): [string, Entry] => [g.file, { kind: 'gpu', g }]),
      ...waits
        .filter((w) => w.file && w.line !== undefined && w.gpuIdleAfterUs >= 0.01 * spanUs)
        .map((w): [string, Entry] => [w.file!, { kind: 'wait', w: w as SyncPlace & { file: string; line: number } }]),
    ];
    for (const [file, e] of all) {
      const target = await this.locator.resolve(file);
      if (!target) continue;
      const k = key(target);
      const cur = byFile.get(k) ?? { title, spanUs, entries: [] };
      cur.entries.push(e);
      byFile.set(k, cur);
    }
    // A later trace was set while this one's files were found: its lenses stay.
    if (!this.latest.isLatest(mine)) return;
    this.byFile = byFile;
    this.changed.fire();
  }

  provideCodeLenses(doc: vscode.TextDocument): vscode.CodeLens[] {
    if (!vscode.workspace.getConfiguration('flamelens', doc.uri).get<boolean>('hotPaths.enabled', true)) return [];
    const found = this.byFile.get(key(doc.uri.fsPath));
    if (!found) return [];
    const defs = findPythonDefinitions(doc.getText());
    const lenses: vscode.CodeLens[] = [];
    const used = new Set<number>();
    const lineOf = (name: string, line: number, site: 'def' | 'call' | undefined): number | undefined => {
      if (site === 'call') return line >= 1 && line <= doc.lineCount ? line : undefined;
      if (name === '<module>') return undefined;
      return matchDefinition(defs, name, [line])?.firstLine;
    };
    for (const e of found.entries) {
      if (e.kind === 'wait') {
        const w = e.w;
        const line = lineOf(w.name, w.line, w.site);
        if (line === undefined) continue;
        lenses.push(
          new vscode.CodeLens(new vscode.Range(line - 1, 0, line - 1, 0), {
            title: waitLensTitle(w, found.spanUs),
            tooltip: plainText(
              `flamelens: ${w.calls.join(', ')}${w.op ? ` in ${w.op}` : ''} ${w.site === 'call' ? 'on this line' : `in ${w.name}`}: ` +
                `the CPU waited ${(w.cpuWaitUs / 1000).toFixed(2)} ms for the GPU, which then sat idle ` +
                `${(w.gpuIdleAfterUs / 1000).toFixed(2)} ms until new work came (${found.title})`,
            ),
            command: '',
          }),
        );
        continue;
      }
      const g = e.g;
      if (g.pct < 0.1) continue;
      const line = lineOf(g.name, g.line, g.site);
      if (line === undefined || used.has(line)) continue;
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
