/**
 * Nsight Systems and Nsight Compute in the editor: "Profile with Nsight Systems" and "Profile
 * Kernels with Nsight Compute" (a command line, run in a new run folder, its report opened when
 * done), "Open Nsight Report…" and a custom editor for `.nsys-rep`/`.qdrep`/`.ncu-rep`, and the
 * kernel views. Reading and analysis are the core's (runners/openNsightFile, analysis/nsightView).
 */
import * as vscode from 'vscode';
import { saveExport } from '../saveExport';
import { describeEnd } from '../../core/runners/runChild';
import * as path from 'node:path';
import type { ActiveRuns } from '../activeRuns';
import type { ProfilingApi } from '../profiling/register';
import {
  runNsys,
  runNcu,
  nsightRunName,
  nsightRunStart,
  nsightRunEnd,
  nsightRunOutput,
} from '../../core/runners/nsight/nsight';
import { openNsightFile, type NsightFile } from '../../core/runners/nsight/openNsightFile';
import { confirmFileSize } from '../fileSize';
import { buildNsysView, buildNcuView, buildNcuComparison } from '../../core/analysis/nsight/nsightView';
import { splitCommandLine } from '../../core/util/commandLine';
import { createRunDir, writeRunMetadata } from '../../core/store/runStore';
import type { RunEntry } from '../../core/model/run';
import type { ToHost, ToWebview } from '../../shared/protocol';
import { flameGraphHtml, webviewOptions } from '../profiling/flameGraphWebview';
import { nsightConfig, profilerConfig } from '../config';
import { resolveInterpreter } from '../python/interpreter';
import { plainText } from '../plainText';

export const NSIGHT_REPORT_VIEW_TYPE = 'flamelens.nsightReport';

export interface NsightApi {
  open(file: string): Promise<void>;
  panelTitles(): string[];
}

/** What the commands take from a caller (tests, tasks) instead of asking. */
export interface NsightCommandArgs {
  command?: string[];
  cwd?: string;
  kernelRegex?: string;
  launchCount?: number;
}

export function register(
  context: vscode.ExtensionContext,
  log: vscode.LogOutputChannel,
  profiling: ProfilingApi,
  activeRuns: ActiveRuns,
): NsightApi {
  const panels = new Map<string, vscode.WebviewPanel>();
  const cacheDir = () => context.globalStorageUri.fsPath;
  const openOptions = () => ({
    cacheDir: cacheDir(),
    nsysPath: nsightConfig().nsysPath,
    ncuPath: nsightConfig().ncuPath,
  });

  async function load(file: string): Promise<NsightFile> {
    const t0 = Date.now();
    await confirmFileSize(file);
    const opened = await openNsightFile(file, openOptions());
    if (!opened)
      throw new Error(
        `${file} is not an Nsight Systems file (SQLite export, nsys stats CSV, .nsys-rep) or an Nsight Compute file (CSV, .ncu-rep).`,
      );
    log.info(`Read ${file} (${opened.kind}) in ${Date.now() - t0} ms`);
    return opened;
  }

  /** Wires a webview to a report file: read on the host, the view's data sent once. */
  function connect(webview: vscode.Webview, file: string): vscode.Disposable {
    webview.options = webviewOptions(context.extensionUri);
    const title = path.basename(file);
    webview.html = flameGraphHtml(webview, context.extensionUri, title, 'nsight');
    const post = (m: ToWebview) => void webview.postMessage(m);
    let opened: NsightFile | undefined;
    return webview.onDidReceiveMessage(async (m: ToHost) => {
      try {
        if (m.type === 'ready') {
          opened = await load(file);
          post(
            opened.kind === 'nsys'
              ? { type: 'nsysInit', data: buildNsysView(opened.report, title) }
              : { type: 'ncuInit', data: buildNcuView(opened.report, title) },
          );
        } else if (m.type === 'exportCsv') {
          const target = await vscode.window.showSaveDialog({
            defaultUri: vscode.Uri.file(path.join(path.dirname(file), m.name)),
            filters: { CSV: ['csv'] },
          });
          if (target) await saveExport(target, m.csv);
        } else if (m.type === 'ncuCompare' && opened?.kind === 'ncu') {
          const picked = await vscode.window.showOpenDialog({
            title: `flamelens: compare ${title} with (the "before" report)`,
            canSelectMany: false,
            filters: { 'Nsight Compute': ['ncu-rep', 'csv'] },
          });
          if (!picked?.[0]) return;
          const before = await load(picked[0].fsPath);
          if (before.kind !== 'ncu') throw new Error(`${picked[0].fsPath} is not an Nsight Compute report.`);
          post({
            type: 'ncuInit',
            data: buildNcuView(opened.report, title),
            comparison: buildNcuComparison(before.report, path.basename(picked[0].fsPath), opened.report, title),
          });
        }
      } catch (e) {
        const message = e instanceof Error ? e.message : String(e);
        log.warn(`Nsight view ${file}: ${message}`);
        if (m.type === 'ready') post({ type: 'error', message });
        else void vscode.window.showErrorMessage(plainText(`flamelens: ${message}`));
      }
    });
  }

  async function open(file: string): Promise<void> {
    const existing = panels.get(file);
    if (existing) {
      existing.reveal();
      return;
    }
    const panel = vscode.window.createWebviewPanel(
      'flamelens.nsightView',
      `🟩 ${path.basename(file)}`,
      vscode.ViewColumn.Active,
      { retainContextWhenHidden: true },
    );
    const wiring = connect(panel.webview, file);
    panels.set(file, panel);
    panel.onDidDispose(() => {
      wiring.dispose();
      panels.delete(file);
    });
  }

  /** The command line to profile: given, or asked for with the active Python file filled in. */
  async function commandLine(
    kind: 'nsys' | 'ncu',
    args: NsightCommandArgs | undefined,
  ): Promise<{ command: string[]; cwd: string; folder?: vscode.WorkspaceFolder } | undefined> {
    const active = vscode.window.activeTextEditor?.document.uri;
    const folder = (active && vscode.workspace.getWorkspaceFolder(active)) ?? vscode.workspace.workspaceFolders?.[0];
    const cwd = args?.cwd ?? folder?.uri.fsPath ?? process.cwd();
    if (args?.command?.length) return { command: args.command, cwd, folder };
    const key = `flamelens.${kind}.lastCommand`;
    let suggestion = context.workspaceState.get<string>(key, '');
    if (!suggestion && active?.scheme === 'file' && /\.py$/i.test(active.fsPath)) {
      const python = await resolveInterpreter(active, profilerConfig(active).pythonPath, log);
      const rel = folder ? path.relative(folder.uri.fsPath, active.fsPath) : active.fsPath;
      suggestion = `${python} ${/\s/.test(rel) ? `"${rel}"` : rel}`;
    }
    const line = await vscode.window.showInputBox({
      title:
        kind === 'nsys' ? 'flamelens: Profile with Nsight Systems' : 'flamelens: Profile Kernels with Nsight Compute',
      prompt: `The command to run under ${kind === 'nsys' ? 'nsys profile' : 'ncu'}, in ${cwd}`,
      placeHolder: 'python train.py --epochs 1',
      value: suggestion,
      validateInput: (v) =>
        splitCommandLine(v).length === 0 ? 'Enter the program to profile and its arguments' : undefined,
    });
    if (!line) return undefined;
    await context.workspaceState.update(key, line);
    return { command: splitCommandLine(line), cwd, folder };
  }

  async function profileWith(kind: 'nsys' | 'ncu', args: NsightCommandArgs | undefined): Promise<RunEntry | undefined> {
    if (!vscode.workspace.isTrusted) {
      void vscode.window.showWarningMessage('flamelens starts no programs in an untrusted workspace.');
      return undefined;
    }
    const target = await commandLine(kind, args);
    if (!target) return undefined;
    const cfg = nsightConfig(target.folder?.uri);
    let kernelRegex = args?.kernelRegex;
    if (kind === 'ncu' && args?.command === undefined) {
      kernelRegex = await vscode.window.showInputBox({
        title: 'flamelens: Profile Kernels with Nsight Compute',
        prompt: `Kernels to profile: a regular expression on the kernel's function name; empty for every kernel (at most ${cfg.ncuLaunchCount} launches, flamelens.ncu.launchCount)`,
        placeHolder: 'gemm|conv',
        value: context.workspaceState.get<string>('flamelens.ncu.lastKernelRegex', ''),
        validateInput: (v) => {
          try {
            new RegExp(v);
            return undefined;
          } catch (e) {
            return `Not a regular expression: ${(e as Error).message}`;
          }
        },
      });
      if (kernelRegex === undefined) return undefined;
      await context.workspaceState.update('flamelens.ncu.lastKernelRegex', kernelRegex);
    }
    const root = target.folder?.uri.fsPath ?? target.cwd;
    const name = nsightRunName(target.command);
    const { id, dir } = await createRunDir(root, name);
    const base = nsightRunStart(kind, id, name, target.command, target.cwd);
    await writeRunMetadata(dir, base);
    profiling.runs.refresh();
    const controller = new AbortController();
    const tracked = activeRuns.begin({ id, name, stop: () => controller.abort() });
    const onOutput = (line: string, stream: 'stdout' | 'stderr') =>
      stream === 'stderr' ? log.warn(`[${name}] ${line}`) : log.info(`[${name}] ${line}`);
    try {
      const title = kind === 'nsys' ? `flamelens: Nsight Systems on ${name}` : `flamelens: Nsight Compute on ${name}`;
      const r = await Promise.resolve(
        vscode.window.withProgress(
          { location: vscode.ProgressLocation.Notification, title, cancellable: true },
          (_p, token) => {
            token.onCancellationRequested(() => controller.abort());
            const common = {
              command: target.command,
              outputDir: dir,
              cwd: target.cwd,
              signal: controller.signal,
              onOutput,
              onStart: (info: { pid: number }) => tracked.setPid(info.pid),
            };
            return kind === 'nsys'
              ? runNsys({ ...common, nsysPath: cfg.nsysPath, trace: cfg.nsysTrace, extraArgs: cfg.nsysExtraArgs })
              : runNcu({
                  ...common,
                  ncuPath: cfg.ncuPath,
                  set: cfg.ncuSet,
                  sections: cfg.ncuSections,
                  kernelRegex,
                  launchCount: args?.launchCount ?? cfg.ncuLaunchCount,
                  extraArgs: cfg.ncuExtraArgs,
                });
          },
        ),
      ).finally(() => tracked.end());
      const meta = nsightRunEnd(base, r);
      const output = nsightRunOutput(r);
      await writeRunMetadata(dir, meta);
      profiling.runs.refresh();
      if (!output) {
        void vscode.window.showErrorMessage(plainText(`flamelens: ${meta.message}`));
        return { dir, meta };
      }
      const ended = describeEnd(r, kind);
      if (ended) void vscode.window.showWarningMessage(plainText(`flamelens: ${name}: ${ended}`));
      await open(output);
      return { dir, meta };
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      await writeRunMetadata(dir, { ...base, status: 'failed', finishedAt: new Date().toISOString(), message });
      profiling.runs.refresh();
      log.error(`${kind} run ${id}: ${message}`);
      void vscode.window.showErrorMessage(plainText(`flamelens: ${message}`));
      return undefined;
    }
  }

  context.subscriptions.push(
    vscode.window.registerCustomEditorProvider(
      NSIGHT_REPORT_VIEW_TYPE,
      {
        openCustomDocument: (uri: vscode.Uri) => ({ uri, dispose: () => undefined }),
        resolveCustomEditor: async (doc: vscode.CustomDocument, panel: vscode.WebviewPanel) => {
          const wiring = connect(panel.webview, doc.uri.fsPath);
          panel.onDidDispose(() => wiring.dispose());
        },
      },
      { webviewOptions: { retainContextWhenHidden: true } },
    ),

    vscode.commands.registerCommand('flamelens.profileNsys', (args?: NsightCommandArgs) =>
      profileWith('nsys', args instanceof vscode.Uri ? undefined : args),
    ),
    vscode.commands.registerCommand('flamelens.profileNcu', (args?: NsightCommandArgs) =>
      profileWith('ncu', args instanceof vscode.Uri ? undefined : args),
    ),

    vscode.commands.registerCommand('flamelens.openNsightReport', async (file?: string | vscode.Uri) => {
      let target = typeof file === 'string' ? file : file instanceof vscode.Uri ? file.fsPath : undefined;
      if (!target) {
        const picked = await vscode.window.showOpenDialog({
          title: 'flamelens: Open Nsight Report',
          canSelectMany: false,
          filters: { 'Nsight reports': ['nsys-rep', 'qdrep', 'sqlite', 'ncu-rep', 'csv'], 'All files': ['*'] },
        });
        target = picked?.[0]?.fsPath;
      }
      if (target) await open(target);
    }),
  );
  return { open, panelTitles: () => [...panels.values()].map((p) => p.title) };
}
