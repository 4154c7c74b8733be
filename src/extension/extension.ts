/**
 * Entry point: wires the features together. Activation waits for the editor to finish starting
 * (onStartupFinished: the GPU readout belongs in the status bar from the start) and is cheap:
 * nothing is parsed until a feature needs it; the one process started is the nvidia-smi loop of
 * the status bar, which users can turn off (flamelens.gpu.statusBar.enabled). What no feature
 * owns (the runs view, the source locator, the runs in progress) is made here and handed to each.
 */
import { vscode } from './vscodeApi';
import * as profiling from './profiling/register';
import * as torch from './torch/register';
import * as gpu from './gpu/register';
import * as nsight from './nsight/register';
import * as bench from './bench/register';
import * as memory from './memory/register';
import { ActiveRuns } from './shared/activeRuns';
import { RunsTreeProvider } from './shared/runsView';
import { SourceLocator } from './shared/sourceLocator';
import { setOpenFileWorker } from './shared/openInWorker';
import * as path from 'node:path';

export interface FlamelensApi {
  profiling: profiling.ProfilingApi;
  torch: torch.TorchApi;
  gpu: gpu.GpuApi;
  nsight: nsight.NsightApi;
  bench: bench.BenchApi;
  memory: memory.MemoryApi;
}

export function activate(context: vscode.ExtensionContext): FlamelensApi {
  const log = vscode.window.createOutputChannel('flamelens', { log: true });
  const activeRuns = new ActiveRuns();
  const runs = new RunsTreeProvider();
  const locator = new SourceLocator();
  const setRecording = () =>
    void vscode.commands.executeCommand('setContext', 'flamelens.recording', activeRuns.list.length > 0);
  context.subscriptions.push(
    log,
    activeRuns,
    runs,
    vscode.window.registerTreeDataProvider('flamelens.runs', runs),
    vscode.commands.registerCommand('flamelens.refreshRuns', () => runs.refresh()),
    activeRuns.onDidChange(setRecording),
    vscode.commands.registerCommand('flamelens.stop', () => {
      if (activeRuns.list.length === 0) {
        void vscode.window.showInformationMessage('flamelens: nothing is being profiled.');
        return;
      }
      for (const r of activeRuns.list) r.stop();
    }),
    vscode.workspace.onDidCreateFiles(() => locator.reset()),
    vscode.workspace.onDidDeleteFiles(() => locator.reset()),
    vscode.workspace.onDidRenameFiles(() => locator.reset()),
  );
  setOpenFileWorker(context.asAbsolutePath(path.join('dist', 'openFileWorker.js')));
  const shared = { log, activeRuns, runs, locator };
  const cpu = profiling.register(context, shared);
  const api: FlamelensApi = {
    profiling: cpu,
    torch: torch.register(context, shared, cpu),
    gpu: gpu.register(context, log, activeRuns),
    nsight: nsight.register(context, shared),
    bench: bench.register(context, log, cpu),
    memory: memory.register(context, shared, cpu),
  };
  // Said in the log, so a user (and a test) can see when a settings change has reached flamelens.
  context.subscriptions.push(
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('flamelens')) log.info('Settings changed');
    }),
  );
  log.info(`flamelens ${context.extension.packageJSON.version as string} activated`);
  return api;
}

export function deactivate(): void {
  // Every registration is disposed through context.subscriptions.
}
