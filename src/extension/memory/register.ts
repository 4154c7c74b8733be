/**
 * CUDA allocator snapshots in the editor: the memory view (custom editor of `*.pickle`, and Open
 * CUDA Memory Snapshot…) and the ▣ lenses on the lines that hold the most memory.
 */
import { vscode } from '../vscodeApi';
import type { ProfilingApi } from '../profiling/register';
import { MemoryLenses } from './memoryLenses';
import { MemoryPanels } from './memoryView';

export { MEMORY_VIEW_TYPE } from './memoryView';

export interface MemoryApi {
  lenses: MemoryLenses;
  panelTitles(): string[];
}

export function register(
  context: vscode.ExtensionContext,
  log: vscode.LogOutputChannel,
  profiling: ProfilingApi,
): MemoryApi {
  const lenses = new MemoryLenses(profiling.locator);
  const panels = new MemoryPanels({ extensionUri: context.extensionUri, log, profiling, lenses });
  context.subscriptions.push(
    lenses,
    panels,
    panels.editor(),
    vscode.languages.registerCodeLensProvider({ language: 'python' }, lenses),
    vscode.commands.registerCommand('flamelens.openMemorySnapshot', async (arg?: string | vscode.Uri) => {
      let file = typeof arg === 'string' ? arg : arg instanceof vscode.Uri ? arg.fsPath : undefined;
      if (!file) {
        const picked = await vscode.window.showOpenDialog({
          title: 'flamelens: Open CUDA Memory Snapshot',
          filters: { 'CUDA allocator snapshots': ['pickle', 'pkl'], 'All files': ['*'] },
        });
        file = picked?.[0]?.fsPath;
      }
      if (file) panels.open(file);
    }),
  );
  return { lenses, panelTitles: () => panels.titles() };
}
