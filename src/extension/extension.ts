/**
 * Entry point: wires the features together. Activation is lazy (commands, the custom editor,
 * the runs view, or a workspace that already has runs) and cheap: nothing is parsed or spawned
 * until a feature needs it.
 */
import * as vscode from 'vscode';
import * as profiling from './profiling/register';

export interface FlamelensApi {
  profiling: profiling.ProfilingApi;
}

export function activate(context: vscode.ExtensionContext): FlamelensApi {
  const log = vscode.window.createOutputChannel('flamelens', { log: true });
  const api: FlamelensApi = { profiling: profiling.register(context, log) };
  log.info(`flamelens ${context.extension.packageJSON.version as string} activated`);
  return api;
}

export function deactivate(): void {
  // Every registration is disposed through context.subscriptions.
}
