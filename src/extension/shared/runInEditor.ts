/**
 * The editor's side of a run, the same for every runner: a progress notification whose Cancel
 * stops the run (what was recorded is kept), the run in the Runs view as soon as its folder
 * exists, and in ActiveRuns while it runs (the GPU feature watches it, alerts can stop it, Stop
 * Profiling stops it). The run itself (folder, run.json, the tool) is the core's.
 */
import { vscode } from '../vscodeApi';
import type { RunHooks } from '../../core/runners/runRecord';
import type { ActiveRuns } from './activeRuns';
import type { RunsTreeProvider } from './runsView';

export interface RunInEditorDeps {
  log: vscode.LogOutputChannel;
  activeRuns: ActiveRuns;
  runs: RunsTreeProvider;
}

/** What the core's run flows take from the editor: their hooks, and a pid for the active run. */
export type EditorHooks = Required<Pick<RunHooks, 'onBegin' | 'onEnd'>> & {
  onStart(info: { pid: number }): void;
  onOutput(line: string, stream: 'stdout' | 'stderr'): void;
  progress: vscode.Progress<{ message?: string }>;
};

/**
 * Runs a core run flow (`start`, given the hooks) with its progress in the status bar, not in a
 * notification that would sit over the views while the program runs. It is stopped with
 * flamelens: Stop (the editor title's button while a run is recording, or the runs view).
 * `name` prefixes the program's output lines in the log.
 */
export function runInEditor<R>(
  deps: RunInEditorDeps,
  title: string,
  name: string,
  start: (hooks: EditorHooks) => Promise<R>,
): Promise<R> {
  return Promise.resolve(
    vscode.window.withProgress(
      { location: vscode.ProgressLocation.Window, title, cancellable: true },
      (progress, token) => {
        let tracked: ReturnType<ActiveRuns['begin']> | undefined;
        let stop: (() => void) | undefined;
        const cancel = token.onCancellationRequested(() => stop?.());
        const hooks: EditorHooks = {
          progress,
          onBegin: (run) => {
            stop = () => run.abort();
            if (token.isCancellationRequested) run.abort();
            const script = run.meta.command.slice(1).find((a) => /\.py$/i.test(a));
            tracked = deps.activeRuns.begin({ id: run.id, name: run.name, script, stop: () => run.abort() });
            deps.runs.refresh();
          },
          onStart: (info) => tracked?.setPid(info.pid),
          onEnd: () => {
            tracked?.end();
            deps.runs.refresh();
          },
          // Each line, and each progress redraw, as a line of the log (empty ones add nothing there).
          onOutput: (line, stream) => {
            if (!line) return;
            if (stream === 'stderr') deps.log.warn(`[${name}] ${line}`);
            else deps.log.info(`[${name}] ${line}`);
          },
        };
        return start(hooks).finally(() => {
          cancel.dispose();
          tracked?.end();
        });
      },
    ),
  );
}
