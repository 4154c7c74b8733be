/**
 * Profile Python File with PyTorch Profiler: the open file, unchanged, under the launcher, as a
 * core torch run (torch/torchRun) shown in the editor; the first trace opens when it is done.
 */
import { vscode } from '../vscodeApi';
import { runTorchProfile } from '../../core/runners/torch/torchRun';
import type { RunEntry } from '../../core/model/run';
import { torchConfig } from '../shared/config';
import { pythonRunTarget } from '../shared/interpreter';
import { plainText } from '../shared/plainText';
import { runInEditor, type RunInEditorDeps } from '../shared/runInEditor';
import type { TracePanels } from './traceView';

export class TorchRunner {
  private readonly launcher: string;

  constructor(private readonly deps: RunInEditorDeps & { context: vscode.ExtensionContext; traces: TracePanels }) {
    this.launcher = vscode.Uri.joinPath(deps.context.extensionUri, 'media', 'flamelens_torch_launcher.py').fsPath;
  }

  command(): vscode.Disposable {
    return vscode.commands.registerCommand('flamelens.profileTorch', (uri?: vscode.Uri) => this.profile(uri));
  }

  private async profile(uri?: vscode.Uri): Promise<RunEntry | undefined> {
    const run = await pythonRunTarget(uri, 'profile it with the PyTorch profiler', this.deps.log);
    if (!run) return undefined;
    const { target, root, name, python } = run;
    const cfg = torchConfig(target);
    try {
      const { entry, record, ended } = await runInEditor(
        this.deps,
        `flamelens: PyTorch profiler on ${name}`,
        name,
        (hooks) =>
          runTorchProfile({
            ...hooks,
            workspaceRoot: root,
            python,
            script: target.fsPath,
            args: [],
            cwd: root,
            launcherScript: this.launcher,
            wait: cfg.wait,
            warmup: cfg.warmup,
            active: cfg.active,
            repeat: cfg.repeat,
            shapes: cfg.recordShapes,
            stack: cfg.withStack,
            memory: cfg.profileMemory,
          }),
      );
      for (const note of record.info.notes) this.deps.log.info(`[${name}] ${note}`);
      if (record.traces.length === 0) {
        void vscode.window.showWarningMessage(
          plainText(`flamelens: no trace was recorded. ${record.info.notes.join(' ')}`),
        );
        return entry;
      }
      if (ended) void vscode.window.showWarningMessage(plainText(`flamelens: ${name}: ${ended}`));
      this.deps.traces.open(record.traces[0]);
      return entry;
    } catch (e) {
      void vscode.window.showErrorMessage(plainText(`flamelens: ${e instanceof Error ? e.message : String(e)}`));
      return undefined;
    }
  }
}
