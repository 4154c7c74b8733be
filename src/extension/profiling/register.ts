/**
 * CPU profiling in the editor, composed of its parts: the runner (profile a file, a command, a
 * process), the flame graph panels and the profile editor, the files and runs it opens, and the
 * hot paths in the code. The only place that knows this feature's wiring.
 */
import { vscode } from '../vscodeApi';
import type { Profile } from '../../core/model/profile';
import type { RunEntry } from '../../core/model/run';
import { VIEW_SETTINGS } from '../shared/config';
import type { RunInEditorDeps } from '../shared/runInEditor';
import type { RunsTreeProvider } from '../shared/runsView';
import type { SourceLocator } from '../shared/sourceLocator';
import { CpuRunner } from './cpuRunner';
import { FlameGraphPanels } from './flameGraphView';
import { HotPathsInEditor } from './hotPathsInEditor';
import { ProfileFiles } from './profileFiles';
import { registerProfileEditor } from './profileEditor';
import { openExample } from './example';

/** What the profiling feature exposes to the rest of the extension and to its tests. */
export interface ProfilingApi {
  hotPaths: HotPathsInEditor;
  runs: RunsTreeProvider;
  locator: SourceLocator;
  /** Opens (or reveals) a flame graph panel for any profile, e.g. the CPU side of a trace. */
  showFlameGraph(key: string, title: string, profile: Profile): void;
  lastRun(): RunEntry | undefined;
  panelTitles(): string[];
}

export function register(
  context: vscode.ExtensionContext,
  shared: RunInEditorDeps & { locator: SourceLocator },
): ProfilingApi {
  const { log, locator } = shared;
  const hotPaths = new HotPathsInEditor(locator, context.workspaceState);
  const flameGraphs = new FlameGraphPanels({ extensionUri: context.extensionUri, locator, log });
  const runner = new CpuRunner({ ...shared, context, hotPaths, flameGraphs });
  const files = new ProfileFiles({ log, hotPaths, flameGraphs });

  context.subscriptions.push(
    hotPaths,
    flameGraphs,
    vscode.languages.registerCodeLensProvider({ language: 'python' }, hotPaths),
    vscode.languages.registerHoverProvider({ language: 'python' }, hotPaths),
    registerProfileEditor({ extensionUri: context.extensionUri, locator, log }),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (VIEW_SETTINGS.some((s) => e.affectsConfiguration(s))) hotPaths.refresh();
    }),
    ...runner.commands(),
    ...files.commands(),
    vscode.commands.registerCommand('flamelens.openExample', () => openExample(context)),
    vscode.commands.registerCommand('flamelens.toggleHotPaths', async () => {
      const on = await hotPaths.toggle();
      void vscode.window.setStatusBarMessage(`flamelens: hot paths ${on ? 'shown' : 'hidden'}`, 3000);
    }),
  );
  void files.restore();

  return {
    hotPaths,
    runs: shared.runs,
    locator,
    showFlameGraph: (key, title, profile) => flameGraphs.show(key, title, profile),
    lastRun: () => runner.lastRun,
    panelTitles: () => flameGraphs.titles(),
  };
}
