/**
 * Entry point: wires the features together. Activation waits for the editor to finish starting
 * (onStartupFinished: the GPU readout belongs in the status bar from the start) and is cheap:
 * nothing is parsed until a feature needs it; the one process started is the nvidia-smi loop of
 * the status bar, which users can turn off (flamelens.gpu.statusBar.enabled).
 */
import * as vscode from 'vscode';
import * as profiling from './profiling/register';
import * as torch from './torch/register';
import * as gpu from './gpu/register';
import * as nsight from './nsight/register';
import * as bench from './bench/register';
import { ActiveRuns } from './activeRuns';

export interface FlamelensApi {
  profiling: profiling.ProfilingApi;
  torch: torch.TorchApi;
  gpu: gpu.GpuApi;
  nsight: nsight.NsightApi;
  bench: bench.BenchApi;
}

export function activate(context: vscode.ExtensionContext): FlamelensApi {
  const log = vscode.window.createOutputChannel('flamelens', { log: true });
  const activeRuns = new ActiveRuns();
  context.subscriptions.push(activeRuns);
  const cpu = profiling.register(context, log, activeRuns);
  const api: FlamelensApi = {
    profiling: cpu,
    torch: torch.register(context, log, cpu, activeRuns),
    gpu: gpu.register(context, log, activeRuns),
    nsight: nsight.register(context, log, cpu, activeRuns),
    bench: bench.register(context, log, cpu),
  };
  log.info(`flamelens ${context.extension.packageJSON.version as string} activated`);
  return api;
}

export function deactivate(): void {
  // Every registration is disposed through context.subscriptions.
}
