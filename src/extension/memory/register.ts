/**
 * CUDA allocator snapshots in the editor: the memory view (custom editor of `*.pickle`, and Open
 * CUDA Memory Snapshot…) and the ▣ lenses on the lines that hold the most memory.
 */
import { vscode } from '../vscodeApi';
import * as path from 'node:path';
import { promises as fs } from 'node:fs';
import type { ProfilingApi } from '../profiling/register';
import { MemoryLenses } from './memoryLenses';
import { MemoryPanels } from './memoryView';
import { MemoryRunner } from './memoryRunner';
import { openFileInWorker } from '../shared/openInWorker';
import type { RunInEditorDeps } from '../shared/runInEditor';

export { MEMORY_VIEW_TYPE } from './memoryView';

export interface MemoryApi {
  lenses: MemoryLenses;
  panelTitles(): string[];
}

export function register(
  context: vscode.ExtensionContext,
  shared: RunInEditorDeps,
  profiling: ProfilingApi,
): MemoryApi {
  const { log } = shared;
  const lenses = new MemoryLenses(profiling.locator);
  const panels = new MemoryPanels({ extensionUri: context.extensionUri, log, profiling, lenses });
  const runner = new MemoryRunner({ ...shared, context, profiling, lenses });
  context.subscriptions.push(
    lenses,
    panels,
    runner.command(),
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
    // A Python heap profile (a memory run's output, or a file): its flame graph and lenses.
    vscode.commands.registerCommand('flamelens.openMemoryProfile', async (file?: string) => {
      if (typeof file !== 'string') return;
      const opened = await openFileInWorker(file, {
        cacheDir: '',
        expect: { kinds: ['python-memory'], what: 'this opens Python memory profiles (flamelens memory)' },
      });
      if (opened.kind === 'python-memory') await runner.show(file, opened.profile, path.basename(path.dirname(file)));
    }),
    // On a run in the Runs view: the allocator snapshot the PyTorch launcher left (--memory).
    vscode.commands.registerCommand('flamelens.openRunMemory', async (item?: { run?: { dir: string } }) => {
      const dir = item?.run?.dir;
      if (!dir) return;
      const file = await runSnapshot(dir);
      if (file) panels.open(file);
      else
        void vscode.window.showInformationMessage(
          'flamelens: this run has no CUDA allocator snapshot. Profile with PyTorch with flamelens.torch.profileMemory on, on a CUDA device, to get one.',
        );
    }),
  );
  return { lenses, panelTitles: () => panels.titles() };
}

/** A run folder's snapshot: the one at an out-of-memory error first, then the one at the end. */
export async function runSnapshot(dir: string): Promise<string | undefined> {
  const names = await fs.readdir(dir).catch(() => [] as string[]);
  const order = ['oom_snapshot.pickle', 'memory_snapshot.pickle'];
  const found = names
    .filter((n) => n.endsWith('.pickle'))
    .sort((a, b) => (order.indexOf(a) + 1 || 9) - (order.indexOf(b) + 1 || 9));
  return found.length ? path.join(dir, found[0]) : undefined;
}
