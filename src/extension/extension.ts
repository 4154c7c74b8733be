/**
 * Entry point: wires the features together. Activation is lazy (commands, the custom editor,
 * the runs view, or a workspace that already has runs) and cheap: nothing is parsed or spawned
 * until a feature needs it.
 */
import * as vscode from 'vscode';
import * as profiling from './profiling/register';
import * as torch from './torch/register';

export interface FlamelensApi {
  profiling: profiling.ProfilingApi;
  torch: torch.TorchApi;
}

export function activate(context: vscode.ExtensionContext): FlamelensApi {
  const log = vscode.window.createOutputChannel('flamelens', { log: true });
  const cpu = profiling.register(context, log);
  const api: FlamelensApi = { profiling: cpu, torch: torch.register(context, log, cpu) };
  log.info(`flamelens ${context.extension.packageJSON.version as string} activated`);
  return api;
}

export function deactivate(): void {
  // Every registration is disposed through context.subscriptions.
}
