/**
 * PyTorch profiler traces in the editor, composed of its parts: the runner (Profile Python File
 * with PyTorch Profiler), the trace panels and custom editor, and the ⚡ GPU-time lenses.
 */
import { vscode } from '../vscodeApi';
import type { ProfilingApi } from '../profiling/register';
import type { RunInEditorDeps } from '../shared/runInEditor';
import { GpuLenses } from './gpuLenses';
import { TraceLensOwner } from './traceLensOwner';
import { TorchRunner } from './torchRunner';
import { TracePanels } from './traceView';
import { pickRankTraces } from './rankPicker';

export { TORCH_TRACE_VIEW_TYPE } from './traceView';

export interface TorchApi {
  gpuLenses: GpuLenses;
  openTrace(file: string): Promise<void>;
  panelTitles(): string[];
}

export function register(context: vscode.ExtensionContext, shared: RunInEditorDeps, profiling: ProfilingApi): TorchApi {
  const gpuLenses = new GpuLenses(profiling.locator);
  const traces = new TracePanels({
    extensionUri: context.extensionUri,
    log: shared.log,
    profiling,
    gpuLenses,
    lensOwner: new TraceLensOwner(),
    state: context.workspaceState,
    cacheDir: context.globalStorageUri.fsPath,
  });
  const runner = new TorchRunner({ ...shared, context, traces });
  context.subscriptions.push(
    gpuLenses,
    traces,
    vscode.languages.registerCodeLensProvider({ language: 'python' }, gpuLenses),
    traces.editor(),
    runner.command(),
    // From the palette (an open dialog), with files (tests), or on two or more traces in the explorer.
    vscode.commands.registerCommand('flamelens.compareTraces', async (arg?: unknown, selection?: unknown) => {
      const list = await pickRankTraces(arg, selection);
      if (!list) return;
      if (list.length < 2) {
        void vscode.window.showInformationMessage('flamelens: pick the traces of at least two ranks.');
        return;
      }
      traces.open(list[0], list.slice(1));
    }),
    vscode.commands.registerCommand('flamelens.openTorchTrace', async (file?: string) => {
      if (typeof file === 'string') traces.open(file);
    }),
    vscode.commands.registerCommand('flamelens.openTraceTimeline', async (arg?: string | vscode.Uri) => {
      let file = typeof arg === 'string' ? arg : arg instanceof vscode.Uri ? arg.fsPath : undefined;
      if (!file) {
        const picked = await vscode.window.showOpenDialog({
          title: 'flamelens: Open Trace Timeline',
          filters: {
            'PyTorch traces and Nsight Systems reports': ['json', 'gz', 'sqlite', 'nsys-rep'],
            'CPU profiles with sample times': ['folded', 'json'],
            'All files': ['*'],
          },
        });
        file = picked?.[0]?.fsPath;
      }
      if (file) traces.open(file, [], 'timeline');
    }),
  );
  return { gpuLenses, openTrace: async (file) => traces.open(file), panelTitles: () => traces.titles() };
}
