/**
 * CPU profiling in the editor: the commands, the run flow (progress with cancel, run folders),
 * the flame graph panels, the profile custom editor, the runs view and the hot paths in code.
 * The only place that knows this feature's wiring.
 */
import type { ActiveRuns } from '../activeRuns';
import * as vscode from 'vscode';
import { confirmFileSize, overSizeLimit } from '../fileSize';
import { describeEnd } from '../../core/runners/runChild';
import * as os from 'node:os';
import * as path from 'node:path';
import { readProfile } from '../../core/formats/cpu/readProfile';
import { NSIGHT_KINDS } from '../../core/runners/nsight/openNsightFile';
import { detectFileKind } from '../../core/formats/detectFile';
import { recordProfile, type RecordTarget, type RecordResult } from '../../core/runners/cpu/recordProfile';
import { ToolError } from '../../core/runners/findTool';
import { listPythonProcesses } from '../../core/runners/cpu/pythonProcesses';
import { createRunDir, listRuns, runOutputPath, writeRunMetadata } from '../../core/store/runStore';
import type { RunEntry, RunMetadata } from '../../core/model/run';
import { analyzeHotPaths } from '../../core/analysis/cpu/hotPaths';
import type { Profile } from '../../core/model/profile';
import { profilerConfig, VIEW_SETTINGS } from '../config';
import { resolveInterpreter } from '../python/interpreter';
import { connectFlameGraph } from './flameGraphWebview';
import { HotPathsInEditor } from './hotPathsInEditor';
import { ProfileEditorProvider, PROFILE_EDITOR_VIEW_TYPE } from './profileEditor';
import { RunItem, RunsTreeProvider } from './runsView';
import { SourceLocator } from './sourceLocator';
import { splitCommandLine } from '../../core/util/commandLine';
import { plainText } from '../plainText';

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

interface LaunchArgs {
  script?: string;
  args?: string[];
  module?: boolean;
  python?: string;
  cwd?: string;
}

export function register(
  context: vscode.ExtensionContext,
  log: vscode.LogOutputChannel,
  activeRuns: ActiveRuns,
): ProfilingApi {
  const locator = new SourceLocator();
  const hotPaths = new HotPathsInEditor(locator, context.workspaceState);
  const runs = new RunsTreeProvider();
  const active = new Set<AbortController>();
  const panels = new Map<string, vscode.WebviewPanel>();
  const samplerScript = vscode.Uri.joinPath(context.extensionUri, 'media', 'flamelens_sampler.py').fsPath;
  let lastRun: RunEntry | undefined;

  const setRecording = () => void vscode.commands.executeCommand('setContext', 'flamelens.recording', active.size > 0);

  const folderRoot = (folder: vscode.WorkspaceFolder | undefined): string =>
    folder?.uri.fsPath ?? path.join(context.globalStorageUri.fsPath || os.tmpdir(), 'no-workspace');

  function showFlameGraph(key: string, title: string, profile: Profile): void {
    const existing = panels.get(key);
    if (existing) {
      existing.reveal(vscode.ViewColumn.Beside, false);
      return;
    }
    const panel = vscode.window.createWebviewPanel(
      'flamelens.flameGraph',
      `🔥 ${title}`,
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus: false },
      { retainContextWhenHidden: true },
    );
    const wiring = connectFlameGraph(panel.webview, context.extensionUri, { profile, title }, locator, log);
    panels.set(key, panel);
    panel.onDidDispose(() => {
      wiring.dispose();
      panels.delete(key);
    });
  }

  /** Reads a run's profile and makes it the folder's active one. `restoring`: at start-up, where nobody asked, a run over the size limit is skipped rather than asked about. */
  async function activateRun(
    run: RunEntry,
    folder: string,
    openPanel: boolean,
    restoring = false,
  ): Promise<Profile | undefined> {
    try {
      const file = runOutputPath(run);
      if (restoring) {
        const over = await overSizeLimit(file);
        if (over) {
          log.info(
            `Not restoring the lenses of run ${run.meta.id}: its profile is ${(over.size / 2 ** 20).toFixed(0)} MiB, over flamelens.files.sizeLimitMB; open the run to read it.`,
          );
          return undefined;
        }
      } else await confirmFileSize(file);
      const profile = await readProfile(file);
      await hotPaths.setActive({ folder, runDir: run.dir, title: run.meta.name, profile });
      if (openPanel) showFlameGraph(run.dir, `${run.meta.name} (${run.meta.id.slice(0, 15)})`, profile);
      return profile;
    } catch (e) {
      void vscode.window.showErrorMessage(
        plainText(`flamelens: cannot open run ${run.meta.id}: ${e instanceof Error ? e.message : String(e)}`),
      );
      return undefined;
    }
  }

  async function profile(
    target: RecordTarget,
    folder: vscode.WorkspaceFolder | undefined,
    name: string,
    cwd: string,
    resource?: vscode.Uri,
  ): Promise<RunEntry | undefined> {
    if (!vscode.workspace.isTrusted) {
      void vscode.window.showWarningMessage(
        'flamelens starts no programs in an untrusted workspace. Trust the workspace to profile; profiles can still be opened.',
      );
      return undefined;
    }
    const cfg = profilerConfig(resource ?? folder?.uri);
    const root = folderRoot(folder);
    const { id, dir } = await createRunDir(root, name);
    const createdAt = new Date().toISOString();
    const baseMeta: RunMetadata = {
      schema: 1,
      id,
      name,
      kind: 'cpu',
      createdAt,
      status: 'running',
      command:
        target.kind === 'launch'
          ? [target.python, ...(target.module ? ['-m'] : []), target.script, ...target.args]
          : [],
      cwd,
      sampler: cfg.sampler === 'builtin' ? 'builtin' : 'py-spy',
      rateHz: cfg.rateHz,
      durationS: cfg.durationS || undefined,
      pid: target.kind === 'attach' ? target.pid : undefined,
      interpreter: target.kind === 'launch' ? target.python : undefined,
      output: 'profile.folded',
      format: 'collapsed',
    };
    await writeRunMetadata(dir, baseMeta);
    runs.refresh();
    const controller = new AbortController();
    active.add(controller);
    const tracked = activeRuns.begin({ id, name, stop: () => controller.abort() });
    setRecording();
    log.info(`Run ${id}: ${target.kind === 'launch' ? baseMeta.command.join(' ') : `attach to pid ${target.pid}`}`);
    let result: RecordResult | undefined;
    try {
      result = await vscode.window.withProgress(
        {
          location: vscode.ProgressLocation.Notification,
          title: `flamelens: profiling ${name}`,
          cancellable: true,
        },
        async (progress, token) => {
          token.onCancellationRequested(() => controller.abort());
          const started = Date.now();
          const timer = setInterval(
            () =>
              progress.report({
                message: `${Math.round((Date.now() - started) / 1000)} s — Cancel keeps what was sampled`,
              }),
            1000,
          );
          try {
            return await recordProfile({
              target,
              sampler: cfg.sampler,
              pyspyPath: cfg.pyspyPath,
              rateHz: cfg.rateHz,
              durationS: cfg.durationS || undefined,
              format: cfg.format,
              subprocesses: cfg.subprocesses,
              native: cfg.native,
              idle: cfg.idle,
              gil: cfg.gil,
              threads: cfg.threads,
              outputDir: dir,
              cwd,
              samplerScript,
              signal: controller.signal,
              onOutput: (line, stream) =>
                stream === 'stderr' ? log.warn(`[${name}] ${line}`) : log.info(`[${name}] ${line}`),
              onStart: (info) => {
                tracked.setPid(info.pid);
                log.info(`Run ${id}: ${info.sampler} started (pid ${info.pid}): ${info.command.join(' ')}`);
                progress.report({ message: `recording with ${info.sampler}` });
              },
            });
          } finally {
            clearInterval(timer);
          }
        },
      );
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      await writeRunMetadata(dir, { ...baseMeta, status: 'failed', finishedAt: new Date().toISOString(), message });
      runs.refresh();
      log.error(`Run ${id} failed: ${message}`);
      const actions =
        e instanceof ToolError && e.tool === 'py-spy' ? ['Use Built-in Sampler', 'Open Settings'] : ['Open Settings'];
      void vscode.window.showErrorMessage(plainText(`flamelens: ${message}`), ...actions).then(async (choice) => {
        if (choice === 'Open Settings')
          await vscode.commands.executeCommand('workbench.action.openSettings', 'flamelens');
        if (choice === 'Use Built-in Sampler')
          await vscode.workspace
            .getConfiguration('flamelens')
            .update('profiler.sampler', 'builtin', vscode.ConfigurationTarget.Global);
      });
      return undefined;
    } finally {
      active.delete(controller);
      tracked.end();
      setRecording();
    }

    if (result.fallbackReason) {
      log.warn(result.fallbackReason);
      if (!context.globalState.get<boolean>('flamelens.fallbackNoticeShown')) {
        await context.globalState.update('flamelens.fallbackNoticeShown', true);
        void vscode.window.showWarningMessage(plainText(`flamelens: ${result.fallbackReason}`));
      }
    }
    let parsed: Profile;
    try {
      parsed = await readProfile(result.outputPath);
    } catch (e) {
      const message = `${result.cancelled ? 'Cancelled before any sample was written' : 'No profile was written'}: ${e instanceof Error ? e.message : String(e)}`;
      await writeRunMetadata(dir, {
        ...baseMeta,
        sampler: result.sampler,
        status: 'failed',
        finishedAt: new Date().toISOString(),
        message,
        exitCode: result.exitCode,
      });
      runs.refresh();
      void vscode.window.showErrorMessage(
        plainText(
          `flamelens: ${message}${result.stderrTail ? ` — ${result.stderrTail.trim().split('\n').pop()}` : ''}`,
        ),
      );
      return undefined;
    }
    const hot = analyzeHotPaths(parsed);
    const meta: RunMetadata = {
      ...baseMeta,
      status: result.cancelled ? 'cancelled' : 'completed',
      finishedAt: new Date().toISOString(),
      exitCode: result.exitCode,
      sampler: result.sampler,
      samplerVersion: result.samplerVersion,
      pythonVersion: parsed.meta.python,
      output: path.basename(result.outputPath),
      format: result.format,
      samples: hot.total,
      fallbackReason: result.fallbackReason,
      message: describeEnd(result, result.sampler),
    };
    await writeRunMetadata(dir, meta);
    const run: RunEntry = { dir, meta };
    lastRun = run;
    runs.refresh();
    if (meta.message) void vscode.window.showWarningMessage(plainText(`flamelens: ${meta.message}`));
    if (hot.total === 0)
      void vscode.window.showWarningMessage(
        'flamelens: the run produced no samples (it may have ended before the first sample).',
      );
    locator.reset();
    await hotPaths.setActive({ folder: root, runDir: dir, title: name, profile: parsed });
    showFlameGraph(dir, `${name}`, parsed);
    return run;
  }

  async function interpreterFor(resource: vscode.Uri | undefined, explicit?: string): Promise<string> {
    if (explicit) return explicit;
    return resolveInterpreter(resource, profilerConfig(resource).pythonPath, log);
  }

  context.subscriptions.push(
    log,
    hotPaths,
    runs,
    vscode.languages.registerCodeLensProvider({ language: 'python' }, hotPaths),
    vscode.languages.registerHoverProvider({ language: 'python' }, hotPaths),
    vscode.window.registerTreeDataProvider('flamelens.runs', runs),
    vscode.window.registerCustomEditorProvider(
      PROFILE_EDITOR_VIEW_TYPE,
      new ProfileEditorProvider(context.extensionUri, locator, log),
      {
        webviewOptions: { retainContextWhenHidden: true },
        supportsMultipleEditorsPerDocument: true,
      },
    ),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (VIEW_SETTINGS.some((s) => e.affectsConfiguration(s))) hotPaths.refresh();
    }),
    vscode.workspace.onDidCreateFiles(() => locator.reset()),
    vscode.workspace.onDidDeleteFiles(() => locator.reset()),
    vscode.workspace.onDidRenameFiles(() => locator.reset()),

    vscode.commands.registerCommand('flamelens.profileCurrentFile', async (uri?: vscode.Uri) => {
      const target = uri instanceof vscode.Uri ? uri : vscode.window.activeTextEditor?.document.uri;
      if (!target || target.scheme !== 'file' || !/\.pyw?$/i.test(target.fsPath)) {
        void vscode.window.showWarningMessage('flamelens: open a Python file to profile it.');
        return undefined;
      }
      const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === target.toString());
      if (doc?.isDirty) await doc.save();
      const folder = vscode.workspace.getWorkspaceFolder(target);
      const python = await interpreterFor(target);
      return profile(
        { kind: 'launch', python, script: target.fsPath, args: [] },
        folder,
        path.basename(target.fsPath),
        folder?.uri.fsPath ?? path.dirname(target.fsPath),
        target,
      );
    }),

    vscode.commands.registerCommand('flamelens.profileCommand', async (args?: LaunchArgs) => {
      const folder = vscode.workspace.workspaceFolders?.[0];
      let script = args?.script;
      let rest = args?.args ?? [];
      let module = args?.module ?? false;
      if (!script) {
        const line = await vscode.window.showInputBox({
          title: 'flamelens: Profile Python Command',
          prompt: 'Script and arguments (or -m module and arguments), run with the selected interpreter',
          placeHolder: 'train.py --epochs 1    or    -m mypkg.bench --quick',
          value: context.workspaceState.get<string>('flamelens.lastCommand', ''),
          validateInput: (v) => (splitCommandLine(v).length === 0 ? 'Enter a script or -m module' : undefined),
        });
        if (!line) return undefined;
        await context.workspaceState.update('flamelens.lastCommand', line);
        const words = splitCommandLine(line);
        module = words[0] === '-m';
        if (module) words.shift();
        [script, ...rest] = words;
        if (!script) return undefined;
      }
      const cwd = args?.cwd ?? folder?.uri.fsPath ?? process.cwd();
      const scriptPath = module || path.isAbsolute(script) ? script : path.join(cwd, script);
      const python = await interpreterFor(folder?.uri, args?.python);
      return profile(
        { kind: 'launch', python, script: scriptPath, args: rest, module },
        folder,
        module ? script : path.basename(script),
        cwd,
        folder?.uri,
      );
    }),

    vscode.commands.registerCommand('flamelens.attach', async (pidArg?: number) => {
      let pid = typeof pidArg === 'number' ? pidArg : undefined;
      if (pid === undefined) {
        const procs = await listPythonProcesses();
        if (procs.length === 0) {
          void vscode.window.showInformationMessage('flamelens: no running Python processes were found.');
          return undefined;
        }
        const pick = await vscode.window.showQuickPick(
          procs.map((p) => ({ label: String(p.pid), description: p.command, pid: p.pid })),
          {
            title: 'flamelens: Attach to Python Process',
            placeHolder: 'Pick a running Python process to sample with py-spy',
            matchOnDescription: true,
          },
        );
        if (!pick) return undefined;
        pid = pick.pid;
      }
      const folder = vscode.workspace.workspaceFolders?.[0];
      return profile({ kind: 'attach', pid }, folder, `pid${pid}`, folder?.uri.fsPath ?? process.cwd(), folder?.uri);
    }),

    vscode.commands.registerCommand('flamelens.stop', () => {
      if (active.size === 0) {
        void vscode.window.showInformationMessage('flamelens: nothing is being profiled.');
        return;
      }
      for (const c of active) c.abort();
    }),

    vscode.commands.registerCommand('flamelens.openProfile', async (uri?: vscode.Uri) => {
      let target = uri instanceof vscode.Uri ? uri : undefined;
      if (!target) {
        const picked = await vscode.window.showOpenDialog({
          title: 'flamelens: Open Profile',
          canSelectMany: false,
          filters: { Profiles: ['folded', 'collapsed', 'austin', 'json', 'txt'], 'All files': ['*'] },
        });
        target = picked?.[0];
      }
      if (!target) return;
      // PyTorch traces and Nsight files open in their own views; everything else as a flame graph.
      const kind = await detectFileKind(target.fsPath);
      if (NSIGHT_KINDS.includes(kind)) {
        await vscode.commands.executeCommand('flamelens.openNsightReport', target.fsPath);
        return;
      }
      await vscode.commands.executeCommand(
        'vscode.openWith',
        target,
        kind === 'torch-trace' ? 'flamelens.torchTrace' : PROFILE_EDITOR_VIEW_TYPE,
      );
    }),

    vscode.commands.registerCommand('flamelens.toggleHotPaths', async () => {
      const on = await hotPaths.toggle();
      void vscode.window.setStatusBarMessage(`flamelens: hot paths ${on ? 'shown' : 'hidden'}`, 3000);
    }),

    vscode.commands.registerCommand('flamelens.openRun', async (item?: RunItem | string) => {
      let run: RunEntry | undefined;
      let folder: string | undefined;
      if (item instanceof RunItem) {
        run = item.run;
        folder = item.folder?.uri.fsPath;
      } else if (typeof item === 'string') {
        for (const f of vscode.workspace.workspaceFolders ?? []) {
          run = (await listRuns(f.uri.fsPath)).find((r) => r.dir === item || r.meta.id === item);
          if (run) {
            folder = f.uri.fsPath;
            break;
          }
        }
      }
      if (!run) return;
      await activateRun(run, folder ?? path.dirname(path.dirname(path.dirname(run.dir))), true);
    }),

    vscode.commands.registerCommand('flamelens.revealRunFolder', async (item?: RunItem) => {
      if (item) await vscode.commands.executeCommand('revealFileInOS', vscode.Uri.file(item.run.dir));
    }),

    vscode.commands.registerCommand('flamelens.refreshRuns', () => runs.refresh()),

    vscode.commands.registerCommand('flamelens.showActiveFlameGraph', async (folder?: string) => {
      const act = folder ? hotPaths.activeFor(folder) : undefined;
      if (!act) return;
      showFlameGraph(act.runDir ?? act.title, act.title, act.profile);
    }),
  );

  // Lenses survive a reload: the newest completed run of each folder becomes active again.
  void (async () => {
    for (const f of vscode.workspace.workspaceFolders ?? []) {
      const latest = (await listRuns(f.uri.fsPath)).find(
        (r) => r.meta.kind === 'cpu' && (r.meta.status === 'completed' || r.meta.status === 'cancelled'),
      );
      if (latest && !hotPaths.activeFor(f.uri.fsPath)) await activateRun(latest, f.uri.fsPath, false, true);
    }
  })();

  return {
    hotPaths,
    runs,
    locator,
    showFlameGraph: (key, title, profile) => showFlameGraph(key, title, profile),
    lastRun: () => lastRun,
    panelTitles: () => [...panels.values()].map((p) => p.title),
  };
}
