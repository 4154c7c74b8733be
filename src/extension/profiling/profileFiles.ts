/**
 * Opening what is already on disk: a run from the Runs view (its flame graph and hot paths), any
 * profile file through Open Profile… (routed by the core's one way in for files: traces and
 * Nsight files to their own views), and, at start-up, the lenses of each folder's newest run.
 */
import { vscode } from '../vscodeApi';
import * as path from 'node:path';
import { detectFileKind, openedKindOf } from '../../core/open/openFile';
import { openProfileInWorker } from '../shared/openInWorker';
import { listRuns, runOutputPath } from '../../core/store/runStore';
import type { Profile } from '../../core/model/profile';
import type { RunEntry } from '../../core/model/run';
import { confirmFileSize, overSizeLimit, sizeSuffix } from '../shared/fileSize';
import { withCancel } from '../shared/withCancel';
import { plainText } from '../shared/plainText';
import { RunItem } from '../shared/runsView';
import type { FlameGraphPanels } from './flameGraphView';
import type { HotPathsInEditor } from './hotPathsInEditor';
import { PROFILE_EDITOR_VIEW_TYPE } from './profileEditor';

export interface ProfileFilesDeps {
  log: vscode.LogOutputChannel;
  hotPaths: HotPathsInEditor;
  flameGraphs: FlameGraphPanels;
}

export class ProfileFiles {
  constructor(private readonly deps: ProfileFilesDeps) {}

  commands(): vscode.Disposable[] {
    return [
      vscode.commands.registerCommand('flamelens.openProfile', (uri?: vscode.Uri) => this.openProfile(uri)),
      vscode.commands.registerCommand('flamelens.openRun', (item?: RunItem | string) => this.openRun(item)),
      vscode.commands.registerCommand('flamelens.revealRunFolder', async (item?: RunItem) => {
        if (item) await vscode.commands.executeCommand('revealFileInOS', vscode.Uri.file(item.run.dir));
      }),
      vscode.commands.registerCommand('flamelens.showActiveFlameGraph', (folder?: string) => {
        const act = folder ? this.deps.hotPaths.activeFor(folder) : undefined;
        if (act) this.deps.flameGraphs.show(act.runDir ?? act.title, act.title, act.profile);
      }),
    ];
  }

  /** Lenses survive a reload: the newest completed run of each folder becomes active again. */
  async restore(): Promise<void> {
    for (const f of vscode.workspace.workspaceFolders ?? []) {
      const latest = (await listRuns(f.uri.fsPath)).find(
        (r) => r.meta.kind === 'cpu' && (r.meta.status === 'completed' || r.meta.status === 'cancelled'),
      );
      if (latest && !this.deps.hotPaths.activeFor(f.uri.fsPath))
        await this.activateRun(latest, f.uri.fsPath, false, true);
    }
  }

  /**
   * Reads a run's profile and makes it the folder's active one. `restoring`: at start-up, where
   * nobody asked, a run over the size limit is skipped rather than asked about.
   */
  private async activateRun(
    run: RunEntry,
    folder: string,
    openPanel: boolean,
    restoring = false,
  ): Promise<Profile | undefined> {
    try {
      const file = runOutputPath(run);
      if (restoring) {
        const over = await overSizeLimit(file);
        if (over) {
          const mib = (over.size / 2 ** 20).toFixed(0);
          this.deps.log.info(
            `Not restoring the lenses of run ${run.meta.id}: its profile is ${mib} MiB, over flamelens.files.sizeLimitMB; open the run to read it.`,
          );
          return undefined;
        }
      } else await confirmFileSize(file);
      const read = (signal?: AbortSignal) =>
        openProfileInWorker(file, "a CPU run's output is a CPU profile", {
          firstTree: openPanel,
          log: this.deps.log,
          signal,
        });
      // Opened by the user: a notification says what is read (a 68 MB profile takes seconds,
      // with no view to show it in yet), and its Cancel stops the reader.
      const profile = restoring
        ? await read()
        : await withCancel(`flamelens: reading run ${run.meta.name}${await sizeSuffix(file)}`, read);
      if (!profile) {
        this.deps.log.info(`${file}: its read was cancelled; its reader was stopped`);
        return undefined;
      }
      await this.deps.hotPaths.setActive({ folder, runDir: run.dir, title: run.meta.name, profile });
      if (openPanel)
        this.deps.flameGraphs.show(run.dir, `${run.meta.name} (${run.meta.id.slice(0, 15)})`, profile, file);
      return profile;
    } catch (e) {
      void vscode.window.showErrorMessage(
        plainText(`flamelens: cannot open run ${run.meta.id}: ${e instanceof Error ? e.message : String(e)}`),
      );
      return undefined;
    }
  }

  private async openRun(item?: RunItem | string): Promise<void> {
    let run: RunEntry | undefined;
    let folder: string | undefined;
    if (item instanceof RunItem) {
      run = item.run;
      folder = item.folder?.uri.fsPath;
    } else if (typeof item === 'string') {
      for (const f of vscode.workspace.workspaceFolders ?? []) {
        run = (await listRuns(f.uri.fsPath)).find((r) => r.dir === item || r.meta.id === item);
        if (run) {
          folder = f.uri.fsPath;
          break;
        }
      }
    }
    if (!run) return;
    await this.activateRun(run, folder ?? path.dirname(path.dirname(path.dirname(run.dir))), true);
  }

  /** Any file flamelens reads, in the view for what it holds. */
  private async openProfile(uri?: vscode.Uri): Promise<void> {
    let target = uri instanceof vscode.Uri ? uri : undefined;
    if (!target) {
      const picked = await vscode.window.showOpenDialog({
        title: 'flamelens: Open Profile',
        canSelectMany: false,
        // Every kind flamelens opens (its content decides, so "All files" works too).
        filters: {
          'Profiles, traces, reports and logs': [
            'folded',
            'collapsed',
            'austin',
            'json',
            'gz',
            'txt',
            'log',
            'csv',
            'sqlite',
            'nsys-rep',
            'qdrep',
            'ncu-rep',
            'pickle',
          ],
          'All files': ['*'],
        },
      });
      target = picked?.[0];
    }
    if (!target) return;
    const kind = await detectFileKind(target.fsPath);
    switch (openedKindOf(kind)) {
      case 'nsys':
      case 'ncu':
        await vscode.commands.executeCommand('flamelens.openNsightReport', target.fsPath);
        return;
      case 'torch-trace':
        await vscode.commands.executeCommand('vscode.openWith', target, 'flamelens.torchTrace');
        return;
      case 'torch-memory':
        await vscode.commands.executeCommand('vscode.openWith', target, 'flamelens.memorySnapshot');
        return;
      case 'python-memory':
        await vscode.commands.executeCommand('flamelens.openMemoryProfile', target.fsPath);
        return;
      case 'gpu-telemetry':
        await vscode.commands.executeCommand('flamelens.gpu.openLog', target.fsPath);
        return;
      case 'cpu-profile':
        await vscode.commands.executeCommand('vscode.openWith', target, PROFILE_EDITOR_VIEW_TYPE);
        return;
    }
  }
}
