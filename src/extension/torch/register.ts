/**
 * PyTorch profiler traces in the editor: "Profile Python File with PyTorch Profiler" (the
 * script unchanged, under media/flamelens_torch_launcher.py), a custom editor that opens
 * `*.pt.trace.json(.gz)` as operator/kernel tables and GPU time, and trace runs in the Runs view.
 */
import type { ActiveRuns } from '../activeRuns';
import * as vscode from 'vscode';
import { saveExport } from '../saveExport';
import { describeEnd } from '../../core/runners/runChild';
import * as path from 'node:path';
import { readTorchTrace } from '../../core/formats/torch/torchTrace';
import { confirmFileSize } from '../fileSize';
import { buildTraceView, compareRanks, type RankRow } from '../../core/analysis/torch/torchView';
import { analyzeTorchSources, type TorchSources } from '../../core/analysis/torch/torchSources';
import type { ProfilingApi } from '../profiling/register';
import { GpuLenses } from './gpuLenses';
import { recordTorchTrace } from '../../core/runners/torch/recordTorchTrace';
import { createRunDir, writeRunMetadata } from '../../core/store/runStore';
import type { RunEntry, RunMetadata } from '../../core/model/run';
import type { ToHost, ToWebview } from '../../shared/protocol';
import { flameGraphHtml, webviewOptions } from '../profiling/flameGraphWebview';
import { resolveInterpreter } from '../python/interpreter';
import { profilerConfig } from '../config';
import { plainText } from '../plainText';

export const TORCH_TRACE_VIEW_TYPE = 'flamelens.torchTrace';

export interface TorchApi {
  gpuLenses: GpuLenses;
  openTrace(file: string): Promise<void>;
  panelTitles(): string[];
}

interface TraceDeps {
  log: vscode.LogOutputChannel;
  profiling: ProfilingApi;
  gpuLenses: GpuLenses;
}

/**
 * Wires a webview to a trace file: read and analysed on the host, tables sent once. With
 * `rankFiles`, the other traces of the same distributed run are read too and compared.
 */
function connectTrace(
  webview: vscode.Webview,
  extensionUri: vscode.Uri,
  file: string,
  deps: TraceDeps,
  rankFiles: string[] = [],
): vscode.Disposable {
  const { log, profiling, gpuLenses } = deps;
  let sources: TorchSources | undefined;
  webview.options = webviewOptions(extensionUri);
  const title = path.basename(file);
  webview.html = flameGraphHtml(webview, extensionUri, title, 'torch');
  const post = (m: ToWebview) => void webview.postMessage(m);
  return webview.onDidReceiveMessage(async (m: ToHost) => {
    if (m.type === 'ready') {
      try {
        const t0 = Date.now();
        for (const f of [file, ...rankFiles]) await confirmFileSize(f);
        const trace = await readTorchTrace(file);
        sources = analyzeTorchSources(trace);
        const data = buildTraceView(trace, title, sources);
        log.info(`Read ${file} (${trace.eventCount} events) in ${Date.now() - t0} ms`);
        let ranks: RankRow[] | undefined;
        if (rankFiles.length > 0) {
          const views = [data];
          for (const other of rankFiles) views.push(buildTraceView(await readTorchTrace(other), path.basename(other)));
          ranks = compareRanks(views);
        }
        post({ type: 'traceInit', data, interactive: true, ranks });
        // The code: CPU hot paths (when the trace has Python frames) and GPU time per function.
        const folder =
          vscode.workspace.getWorkspaceFolder(vscode.Uri.file(file))?.uri.fsPath ??
          vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
        if (folder && trace.python.length > 0)
          await profiling.hotPaths.setActive({ folder, title, profile: sources.profile });
        await gpuLenses.setActive(title, sources.gpuByFunction);
      } catch (e) {
        const message = e instanceof Error ? e.message : String(e);
        log.warn(`Could not open ${file}: ${message}`);
        post({ type: 'error', message });
      }
    } else if (m.type === 'openSource') {
      await profiling.locator.open(m.file, m.line);
    } else if (m.type === 'openFlameGraph') {
      if (sources) profiling.showFlameGraph(`${file}#cpu`, `${title} (CPU side)`, sources.profile);
    } else if (m.type === 'exportCsv') {
      const target = await vscode.window.showSaveDialog({
        defaultUri: vscode.Uri.file(path.join(path.dirname(file), m.name)),
        filters: { CSV: ['csv'] },
      });
      if (target) await saveExport(target, m.csv);
    }
  });
}

export function register(
  context: vscode.ExtensionContext,
  log: vscode.LogOutputChannel,
  profiling: ProfilingApi,
  activeRuns: ActiveRuns,
): TorchApi {
  const onRun = () => profiling.runs.refresh();
  const gpuLenses = new GpuLenses(profiling.locator);
  const deps: TraceDeps = { log, profiling, gpuLenses };
  context.subscriptions.push(gpuLenses, vscode.languages.registerCodeLensProvider({ language: 'python' }, gpuLenses));
  const panels = new Map<string, vscode.WebviewPanel>();
  const launcher = vscode.Uri.joinPath(context.extensionUri, 'media', 'flamelens_torch_launcher.py').fsPath;

  async function openTrace(file: string, rankFiles: string[] = []): Promise<void> {
    const key = [file, ...rankFiles].join('\u0000');
    const existing = panels.get(key);
    if (existing) {
      existing.reveal();
      return;
    }
    const title = rankFiles.length ? `⚡ ${rankFiles.length + 1} ranks` : `⚡ ${path.basename(file)}`;
    const panel = vscode.window.createWebviewPanel('flamelens.torchTraceView', title, vscode.ViewColumn.Beside, {
      retainContextWhenHidden: true,
    });
    const wiring = connectTrace(panel.webview, context.extensionUri, file, deps, rankFiles);
    panels.set(key, panel);
    panel.onDidDispose(() => {
      wiring.dispose();
      panels.delete(key);
    });
  }

  context.subscriptions.push(
    vscode.window.registerCustomEditorProvider(
      TORCH_TRACE_VIEW_TYPE,
      {
        openCustomDocument: (uri: vscode.Uri) => ({ uri, dispose: () => undefined }),
        resolveCustomEditor: async (doc: vscode.CustomDocument, panel: vscode.WebviewPanel) => {
          const wiring = connectTrace(panel.webview, context.extensionUri, doc.uri.fsPath, deps);
          panel.onDidDispose(() => wiring.dispose());
        },
      },
      { webviewOptions: { retainContextWhenHidden: true } },
    ),

    vscode.commands.registerCommand('flamelens.profileTorch', async (uri?: vscode.Uri) => {
      const target = uri instanceof vscode.Uri ? uri : vscode.window.activeTextEditor?.document.uri;
      if (!target || target.scheme !== 'file' || !/\.py$/i.test(target.fsPath)) {
        void vscode.window.showWarningMessage('flamelens: open a Python file to profile it with the PyTorch profiler.');
        return undefined;
      }
      if (!vscode.workspace.isTrusted) {
        void vscode.window.showWarningMessage('flamelens starts no programs in an untrusted workspace.');
        return undefined;
      }
      const folder = vscode.workspace.getWorkspaceFolder(target);
      const root = folder?.uri.fsPath ?? path.dirname(target.fsPath);
      const cfg = vscode.workspace.getConfiguration('flamelens', target);
      const python = await resolveInterpreter(target, profilerConfig(target).pythonPath, log);
      const name = path.basename(target.fsPath);
      const { id, dir } = await createRunDir(root, name);
      const createdAt = new Date().toISOString();
      const base: RunMetadata = {
        schema: 1,
        id,
        name,
        kind: 'torch',
        createdAt,
        status: 'running',
        command: [python, target.fsPath],
        cwd: root,
        sampler: 'torch-profiler',
        rateHz: 0,
        interpreter: python,
        output: 'trace-1.pt.trace.json',
        format: 'torch-trace',
      };
      await writeRunMetadata(dir, base);
      onRun();
      const controller = new AbortController();
      const tracked = activeRuns.begin({ id, name, stop: () => controller.abort() });
      try {
        const r = await Promise.resolve(
          vscode.window.withProgress(
            {
              location: vscode.ProgressLocation.Notification,
              title: `flamelens: PyTorch profiler on ${name}`,
              cancellable: true,
            },
            (_p, token) => {
              token.onCancellationRequested(() => controller.abort());
              return recordTorchTrace({
                python,
                script: target.fsPath,
                args: [],
                outputDir: dir,
                cwd: root,
                launcherScript: launcher,
                signal: controller.signal,
                wait: cfg.get<number>('torch.wait', 1),
                warmup: cfg.get<number>('torch.warmup', 1),
                active: cfg.get<number>('torch.active', 3),
                repeat: cfg.get<number>('torch.repeat', 1),
                shapes: cfg.get<boolean>('torch.recordShapes', true),
                stack: cfg.get<boolean>('torch.withStack', false),
                memory: cfg.get<boolean>('torch.profileMemory', false),
                onOutput: (line, stream) =>
                  stream === 'stderr' ? log.warn(`[${name}] ${line}`) : log.info(`[${name}] ${line}`),
                onStart: (info) => tracked.setPid(info.pid),
              });
            },
          ),
        ).finally(() => tracked.end());
        const ended = describeEnd(r, 'python');
        const meta: RunMetadata = {
          ...base,
          finishedAt: new Date().toISOString(),
          status: r.cancelled ? 'cancelled' : r.traces.length ? 'completed' : 'failed',
          exitCode: r.exitCode,
          samplerVersion: r.info.torch ? `torch ${r.info.torch}` : undefined,
          output: r.traces[0] ? path.basename(r.traces[0]) : base.output,
          message: [ended, ...r.info.notes].filter(Boolean).join(' ') || undefined,
        };
        await writeRunMetadata(dir, meta);
        onRun();
        for (const note of r.info.notes) log.info(`[${name}] ${note}`);
        if (r.traces.length === 0) {
          void vscode.window.showWarningMessage(
            plainText(`flamelens: no trace was recorded. ${r.info.notes.join(' ')}`),
          );
          return { dir, meta } satisfies RunEntry;
        }
        if (ended) void vscode.window.showWarningMessage(plainText(`flamelens: ${name}: ${ended}`));
        await openTrace(r.traces[0]);
        return { dir, meta } satisfies RunEntry;
      } catch (e) {
        const message = e instanceof Error ? e.message : String(e);
        await writeRunMetadata(dir, { ...base, status: 'failed', finishedAt: new Date().toISOString(), message });
        onRun();
        void vscode.window.showErrorMessage(plainText(`flamelens: ${message}`));
        return undefined;
      }
    }),

    vscode.commands.registerCommand('flamelens.compareTraces', async (files?: string[]) => {
      let list = Array.isArray(files) ? files : undefined;
      if (!list) {
        const picked = await vscode.window.showOpenDialog({
          title: 'flamelens: Compare PyTorch Traces (one per rank)',
          canSelectMany: true,
          filters: { 'PyTorch traces': ['json', 'gz'] },
        });
        list = picked?.map((u) => u.fsPath);
      }
      if (!list || list.length < 2) {
        if (list) void vscode.window.showInformationMessage('flamelens: pick the traces of at least two ranks.');
        return;
      }
      await openTrace(list[0], list.slice(1));
    }),

    vscode.commands.registerCommand('flamelens.openTorchTrace', async (file?: string) => {
      if (typeof file === 'string') await openTrace(file);
    }),
  );
  return { gpuLenses, openTrace, panelTitles: () => [...panels.values()].map((p) => p.title) };
}
