/**
 * Compare Two Profiles…: two CPU profiles (runs or files) as a differential flame graph and a
 * table of functions by change in self time, and the functions whose self time grew most marked
 * in the code (their lenses are benchLenses').
 */
import { withCancel } from '../shared/withCancel';
import { sizeSuffix } from '../shared/fileSize';
import { vscode } from '../vscodeApi';
import * as path from 'node:path';
import { diffProfiles, diffViewData, grownFunctions, type FunctionDiff } from '../../core/analysis/cpu/profileDiff';
import { openProfileInWorker } from '../shared/openInWorker';
import { listRuns, runOutputPath } from '../../core/store/runStore';
import { VIEW, type ToHost, type ToWebview } from '../../shared/protocol/profileDiff';
import { plainText } from '../shared/plainText';
import { saveCsvExport } from '../shared/saveExport';
import type { SourceLocator } from '../shared/sourceLocator';
import { DataPanel } from '../shared/webview/dataPanel';

/** The grown functions of the latest diff, and where their files are in the workspace. */
export interface DiffLensState {
  grown: FunctionDiff[];
  resolved: Map<string, string | undefined>;
}

export class ProfileDiffView implements vscode.Disposable {
  private readonly panel: DataPanel<ToHost, ToWebview>;
  private readonly changed = new vscode.EventEmitter<void>();
  /** The latest diff's grown functions (for the lenses); undefined before the first diff. */
  lensState: DiffLensState | undefined;
  readonly onDidChange = this.changed.event;

  constructor(
    extensionUri: vscode.Uri,
    private readonly log: vscode.LogOutputChannel,
    private readonly locator: SourceLocator,
  ) {
    this.panel = new DataPanel('flamelens.profileDiff', VIEW, extensionUri, log);
  }

  get title(): string | undefined {
    return this.panel.title;
  }

  commands(): vscode.Disposable[] {
    return [
      vscode.commands.registerCommand('flamelens.bench.compareProfiles', (args: { base?: string; new?: string } = {}) =>
        this.compare(args),
      ),
      vscode.commands.registerCommand('flamelens.bench.showProfileDiff', () => this.panel.reveal()),
    ];
  }

  private async pickProfile(title: string, exclude?: string): Promise<string | undefined> {
    const root = this.locator.defaultFolder();
    const runs = root
      ? (await listRuns(root)).filter(
          (r) => ['collapsed', 'speedscope'].includes(r.meta.format) && r.meta.status !== 'failed',
        )
      : [];
    const items: (vscode.QuickPickItem & { file: string })[] = runs
      .map((r) => ({
        label: r.meta.name,
        description: `${r.meta.createdAt.slice(0, 19).replace('T', ' ')} · ${r.meta.samples ?? '?'} samples`,
        file: runOutputPath(r),
      }))
      .filter((i) => i.file !== exclude);
    items.push({ label: '$(file) Choose a profile file…', file: '' });
    const pick = await vscode.window.showQuickPick(items, { placeHolder: title });
    if (!pick) return undefined;
    if (pick.file) return pick.file;
    const f = await vscode.window.showOpenDialog({ canSelectMany: false, title });
    return f?.[0]?.fsPath;
  }

  private async compare(args: { base?: string; new?: string }) {
    const baseFile = args.base ?? (await this.pickProfile('Baseline profile (before)'));
    if (!baseFile) return undefined;
    const newFile = args.new ?? (await this.pickProfile('New profile (after)', baseFile));
    if (!newFile) return undefined;
    try {
      const what = 'Compare Two Profiles compares CPU profiles';
      const names = `${path.basename(baseFile)}${await sizeSuffix(baseFile)} and ${path.basename(newFile)}${await sizeSuffix(newFile)}`;
      const both = await withCancel(`flamelens: reading ${names}`, (signal) =>
        Promise.all([openProfileInWorker(baseFile, what, { signal }), openProfileInWorker(newFile, what, { signal })]),
      );
      if (!both) {
        this.log.info(`Compare Two Profiles: the read of ${names} was cancelled; its readers were stopped`);
        return undefined;
      }
      const [base, cur] = both;
      const d = diffProfiles(base, cur);
      const label = (f: string) => `${path.basename(path.dirname(f))}/${path.basename(f)}`;
      const data = diffViewData(d, label(baseFile), label(newFile));
      const grown = grownFunctions(d.functions);
      const resolved = new Map<string, string | undefined>();
      this.locator.reset(); // files may have been added since the workspace was last listed
      for (const f of grown)
        if (f.file && !resolved.has(f.file)) resolved.set(f.file, await this.locator.resolve(f.file));
      this.lensState = { grown, resolved };
      this.changed.fire();
      this.panel.show(
        `Profile diff: ${path.basename(newFile)} vs ${path.basename(baseFile)}`,
        { type: 'diffInit', data },
        {
          openSource: (m) => this.locator.open(m.file, m.line),
          exportCsv: (m) => saveCsvExport(this.locator.defaultFolder() ?? '', m.name, m.csv),
        },
      );
      return { functions: d.functions.slice(0, 50), grown };
    } catch (e) {
      void vscode.window.showErrorMessage(plainText(`flamelens: ${(e as Error).message}`));
      return undefined;
    }
  }

  dispose(): void {
    this.panel.dispose();
    this.changed.dispose();
  }
}
