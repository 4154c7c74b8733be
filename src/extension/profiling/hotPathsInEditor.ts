/**
 * Writes a profile back into the code: a CodeLens above each Python function that appears in
 * the workspace's active profile ("$(flame) 23.4% total · 8.1% self · 1,204 samples"), a background
 * tint on the hottest lines, and a hover with the line's share.
 */
import { LatestCall } from '../shared/latestCall';
import { vscode } from '../vscodeApi';
import { plainText } from '../shared/plainText';
import { visibleText } from '../../core/util/visibleText';
import { hotPathsOf, type FunctionStat, type LineStat } from '../../core/analysis/cpu/hotPaths';
import { findPythonDefinitions, matchDefinition } from '../../core/analysis/source/pythonDefinitions';
import { normalisePath } from '../../core/analysis/source/pathMapping';
import type { Profile, WeightUnit } from '../../core/model/profile';
import { viewConfig } from '../shared/config';
import { LensChanges } from '../shared/lensChanges';
import type { SourceLocator } from '../shared/sourceLocator';

export interface ActiveProfile {
  folder: string;
  runDir?: string;
  title: string;
  profile: Profile;
}

interface FileHeat {
  functions: FunctionStat[];
  lines: LineStat[];
}

interface ProfileIndex {
  active: ActiveProfile;
  total: number;
  unit: WeightUnit;
  byFile: Map<string, FileHeat>;
}

const HEAT_LEVELS = 5;

function key(fsPath: string): string {
  const n = normalisePath(fsPath);
  return process.platform === 'win32' ? n.toLowerCase() : n;
}

export function formatWeight(value: number, unit: WeightUnit): string {
  switch (unit) {
    case 'samples':
    case 'none':
      return `${Math.round(value).toLocaleString('en-US')} ${Math.round(value) === 1 ? 'sample' : 'samples'}`;
    case 'nanoseconds':
      return `${(value / 1e6).toFixed(1)} ms`;
    case 'microseconds':
      return `${(value / 1e3).toFixed(1)} ms`;
    case 'milliseconds':
      return `${value.toFixed(1)} ms`;
    case 'seconds':
      return `${value.toFixed(2)} s`;
    case 'bytes':
      return `${(value / 2 ** 20).toFixed(1)} MiB`;
  }
}

export function lensTitle(f: FunctionStat, unit: WeightUnit): string {
  return `$(flame) ${f.totalPct.toFixed(1)}% total · ${f.selfPct.toFixed(1)}% self · ${formatWeight(f.total, unit)}`;
}

export class HotPathsInEditor implements vscode.CodeLensProvider, vscode.HoverProvider, vscode.Disposable {
  private readonly indices = new Map<string, ProfileIndex>();
  /** Per folder: only the profile set (or the clear) asked for last is shown. */
  private readonly latest = new LatestCall();
  private readonly changed = new LensChanges();
  readonly onDidChangeCodeLenses = this.changed.event;
  private readonly heat: vscode.TextEditorDecorationType[] = [];
  private visible: boolean;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly locator: SourceLocator,
    private readonly state: vscode.Memento,
  ) {
    this.visible = state.get<boolean>('flamelens.hotPathsVisible', true);
    for (let i = 1; i <= HEAT_LEVELS; i++) {
      const alpha = (0.06 + (0.3 * i) / HEAT_LEVELS).toFixed(2);
      this.heat.push(
        vscode.window.createTextEditorDecorationType({
          isWholeLine: true,
          backgroundColor: `rgba(255, 96, 0, ${alpha})`,
          overviewRulerColor: `rgba(255, 96, 0, ${Math.min(1, Number(alpha) * 2).toFixed(2)})`,
          overviewRulerLane: vscode.OverviewRulerLane.Right,
        }),
      );
    }
    void vscode.commands.executeCommand('setContext', 'flamelens.hotPathsVisible', this.visible);
    this.disposables.push(
      vscode.window.onDidChangeVisibleTextEditors(() => this.decorateAll()),
      vscode.workspace.onDidChangeTextDocument((e) => {
        const ed = vscode.window.visibleTextEditors.find((v) => v.document === e.document);
        if (ed) this.decorate(ed);
      }),
    );
  }

  get isVisible(): boolean {
    return this.visible;
  }

  async toggle(): Promise<boolean> {
    this.visible = !this.visible;
    await this.state.update('flamelens.hotPathsVisible', this.visible);
    await vscode.commands.executeCommand('setContext', 'flamelens.hotPathsVisible', this.visible);
    this.refresh();
    return this.visible;
  }

  activeFor(folder: string): ActiveProfile | undefined {
    return this.indices.get(key(folder))?.active;
  }

  /** Makes `active` the profile whose hot paths show in `active.folder`'s files. */
  async setActive(active: ActiveProfile): Promise<void> {
    // The latest profile set for a folder wins, whichever one's files are found last.
    const folder = key(active.folder);
    const mine = this.latest.next(folder);
    const hot = hotPathsOf(active.profile);
    const byFile = new Map<string, FileHeat>();
    const resolved = new Map<string, string | undefined>();
    const resolve = async (file: string) => {
      if (!resolved.has(file)) resolved.set(file, await this.locator.resolve(file));
      return resolved.get(file);
    };
    const entryFor = async (file: string | undefined): Promise<FileHeat | undefined> => {
      const target = file ? await resolve(file) : undefined;
      if (!target) return undefined;
      const k = key(target);
      let entry = byFile.get(k);
      if (!entry) {
        entry = { functions: [], lines: [] };
        byFile.set(k, entry);
      }
      return entry;
    };
    for (const f of hot.functions) (await entryFor(f.file))?.functions.push(f);
    for (const l of hot.lines) (await entryFor(l.file))?.lines.push(l);
    if (!this.latest.isLatest(mine, folder)) return;
    this.indices.set(folder, { active, total: hot.total, unit: active.profile.unit, byFile });
    this.refresh();
  }

  clear(folder: string): void {
    const k = key(folder);
    // A profile still being set for the folder is not shown after it was cleared.
    this.latest.next(k);
    this.indices.delete(k);
    this.refresh();
  }

  refresh(): void {
    this.changed.fire();
    this.decorateAll();
  }

  private heatFor(doc: vscode.TextDocument): { heat: FileHeat; index: ProfileIndex } | undefined {
    if (!this.visible || !viewConfig(doc.uri).hotPathsEnabled) return undefined;
    const k = key(doc.uri.fsPath);
    const folder = vscode.workspace.getWorkspaceFolder(doc.uri);
    const own = folder ? this.indices.get(key(folder.uri.fsPath)) : undefined;
    const candidates = own ? [own, ...this.indices.values()] : [...this.indices.values()];
    for (const index of candidates) {
      const heat = index.byFile.get(k);
      if (heat) return { heat, index };
    }
    return undefined;
  }

  provideCodeLenses(doc: vscode.TextDocument): vscode.CodeLens[] {
    const found = this.heatFor(doc);
    if (!found) return [];
    const min = viewConfig(doc.uri).minTotalPercent;
    const defs = findPythonDefinitions(doc.getText());
    const lenses: vscode.CodeLens[] = [];
    const used = new Set<number>();
    for (const f of found.heat.functions) {
      if (f.totalPct < min || f.name === '<module>') continue;
      const def = matchDefinition(defs, f.name, f.lines);
      if (!def || used.has(def.firstLine)) continue;
      used.add(def.firstLine);
      const range = new vscode.Range(def.firstLine - 1, 0, def.firstLine - 1, 0);
      lenses.push(
        new vscode.CodeLens(range, {
          title: lensTitle(f, found.index.unit),
          tooltip: plainText(`flamelens: ${f.name} in ${found.index.active.title}. Click to open the flame graph.`),
          command: 'flamelens.showActiveFlameGraph',
          arguments: [found.index.active.folder],
        }),
      );
    }
    return lenses;
  }

  provideHover(doc: vscode.TextDocument, pos: vscode.Position): vscode.Hover | undefined {
    const found = this.heatFor(doc);
    if (!found) return undefined;
    const line = found.heat.lines.find((l) => l.line === pos.line + 1);
    if (!line) return undefined;
    const md = new vscode.MarkdownString();
    md.appendMarkdown('**flamelens** · ');
    md.appendText(
      visibleText(
        `line ${line.line}: ${line.totalPct.toFixed(1)}% total (${formatWeight(line.total, found.index.unit)}), ${line.selfPct.toFixed(1)}% self (${formatWeight(line.self, found.index.unit)}) in ${found.index.active.title}`,
      ),
    );
    return new vscode.Hover(md, doc.lineAt(pos.line).range);
  }

  private decorateAll(): void {
    for (const ed of vscode.window.visibleTextEditors) this.decorate(ed);
  }

  private decorate(editor: vscode.TextEditor): void {
    const buckets: vscode.Range[][] = this.heat.map(() => []);
    const hottest = this.hottestLines(editor.document);
    if (hottest.length > 0) {
      const top = hottest.length > 0 ? hottest[0].totalPct : 0;
      for (const l of hottest) {
        const level = Math.min(HEAT_LEVELS - 1, Math.floor((l.totalPct / Math.max(top, 1e-9)) * HEAT_LEVELS));
        buckets[level].push(editor.document.lineAt(l.line - 1).range);
      }
    }
    this.heat.forEach((d, i) => editor.setDecorations(d, buckets[i]));
  }

  /** The lines to tint in a document, hottest first (at least 0.5% total, up to the setting's count). */
  private hottestLines(doc: vscode.TextDocument): LineStat[] {
    const found = this.heatFor(doc);
    if (!found) return [];
    return found.heat.lines
      .filter((l) => l.totalPct >= 0.5 && l.line - 1 < doc.lineCount)
      .slice(0, viewConfig(doc.uri).lineHeatMaxLines);
  }

  /** Lines with heat in a document (for tests and the status of the view). */
  heatedLines(doc: vscode.TextDocument): number[] {
    return this.hottestLines(doc).map((l) => l.line);
  }

  dispose(): void {
    this.changed.dispose();
    for (const d of this.heat) d.dispose();
    for (const d of this.disposables) d.dispose();
  }
}
