/**
 * CPU profiling from the editor: Profile Current Python File, Profile Python Command…, Attach to
 * Python Process…. Each is a core CPU run (cpu/cpuRun) shown in the editor: progress with Cancel,
 * the Runs view, then the flame graph beside the code and its hot paths in it.
 */
import { vscode } from '../vscodeApi';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCpuProfile, type CpuRunResult } from '../../core/runners/cpu/cpuRun';
import type { RecordTarget } from '../../core/runners/cpu/recordProfile';
import { listPythonProcesses } from '../../core/runners/cpu/pythonProcesses';
import { ToolError } from '../../core/runners/findTool';
import { splitCommandLine } from '../../core/util/commandLine';
import type { RunEntry } from '../../core/model/run';
import { runOutputPath } from '../../core/store/runStore';
import { profilerConfig } from '../shared/config';
import { resolveInterpreter } from '../shared/interpreter';
import { plainText } from '../shared/plainText';
import { runInEditor, type RunInEditorDeps } from '../shared/runInEditor';
import type { SourceLocator } from '../shared/sourceLocator';
import type { FlameGraphPanels } from './flameGraphView';
import type { HotPathsInEditor } from './hotPathsInEditor';

/** What the commands take from a caller (tests, tasks) instead of asking. */
interface LaunchArgs {
  script?: string;
  args?: string[];
  module?: boolean;
  python?: string;
  cwd?: string;
}

export interface CpuRunnerDeps extends RunInEditorDeps {
  context: vscode.ExtensionContext;
  locator: SourceLocator;
  hotPaths: HotPathsInEditor;
  flameGraphs: FlameGraphPanels;
}

export class CpuRunner {
  private readonly samplerScript: string;
  /** The newest run made here (for the tests and the runs view). */
  lastRun: RunEntry | undefined;

  constructor(private readonly deps: CpuRunnerDeps) {
    this.samplerScript = vscode.Uri.joinPath(deps.context.extensionUri, 'media', 'flamelens_sampler.py').fsPath;
  }

  commands(): vscode.Disposable[] {
    return [
      vscode.commands.registerCommand('flamelens.profileCurrentFile', (uri?: vscode.Uri) => this.profileFile(uri)),
      vscode.commands.registerCommand('flamelens.profileCommand', (args?: LaunchArgs) => this.profileCommand(args)),
      vscode.commands.registerCommand('flamelens.attach', (pid?: number) => this.attach(pid)),
    ];
  }

  private async profileFile(uri?: vscode.Uri): Promise<RunEntry | undefined> {
    const target = uri instanceof vscode.Uri ? uri : vscode.window.activeTextEditor?.document.uri;
    if (!target || target.scheme !== 'file' || !/\.pyw?$/i.test(target.fsPath)) {
      void vscode.window.showWarningMessage('flamelens: open a Python file to profile it.');
      return undefined;
    }
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === target.toString());
    if (doc?.isDirty) await doc.save();
    const folder = vscode.workspace.getWorkspaceFolder(target);
    const python = await this.interpreterFor(target);
    const launch = { kind: 'launch' as const, python, script: target.fsPath, args: [] };
    return this.profile(
      launch,
      folder,
      path.basename(target.fsPath),
      folder?.uri.fsPath ?? path.dirname(target.fsPath),
      target,
    );
  }

  private async profileCommand(args?: LaunchArgs): Promise<RunEntry | undefined> {
    const folder = vscode.workspace.workspaceFolders?.[0];
    let script = args?.script;
    let rest = args?.args ?? [];
    let module = args?.module ?? false;
    if (!script) {
      const state = this.deps.context.workspaceState;
      const line = await vscode.window.showInputBox({
        title: 'flamelens: Profile Python Command',
        prompt: 'Script and arguments (or -m module and arguments), run with the selected interpreter',
        placeHolder: 'train.py --epochs 1    or    -m mypkg.bench --quick',
        value: state.get<string>('flamelens.lastCommand', ''),
        validateInput: (v) => (splitCommandLine(v).length === 0 ? 'Enter a script or -m module' : undefined),
      });
      if (!line) return undefined;
      await state.update('flamelens.lastCommand', line);
      const words = splitCommandLine(line);
      module = words[0] === '-m';
      if (module) words.shift();
      [script, ...rest] = words;
      if (!script) return undefined;
    }
    const cwd = args?.cwd ?? folder?.uri.fsPath ?? process.cwd();
    const scriptPath = module || path.isAbsolute(script) ? script : path.join(cwd, script);
    const python = await this.interpreterFor(folder?.uri, args?.python);
    const target = { kind: 'launch' as const, python, script: scriptPath, args: rest, module };
    return this.profile(target, folder, module ? script : path.basename(script), cwd, folder?.uri);
  }

  private async attach(pidArg?: number): Promise<RunEntry | undefined> {
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
    return this.profile({ kind: 'attach', pid }, folder, `pid${pid}`, folder?.uri.fsPath ?? process.cwd(), folder?.uri);
  }

  private async interpreterFor(resource: vscode.Uri | undefined, explicit?: string): Promise<string> {
    if (explicit) return explicit;
    return resolveInterpreter(resource, profilerConfig(resource).pythonPath, this.deps.log);
  }

  private folderRoot(folder: vscode.WorkspaceFolder | undefined): string {
    return folder?.uri.fsPath ?? path.join(this.deps.context.globalStorageUri.fsPath || os.tmpdir(), 'no-workspace');
  }

  private async profile(
    target: RecordTarget,
    folder: vscode.WorkspaceFolder | undefined,
    name: string,
    cwd: string,
    resource?: vscode.Uri,
  ): Promise<RunEntry | undefined> {
    const { log } = this.deps;
    if (!vscode.workspace.isTrusted) {
      void vscode.window.showWarningMessage(
        'flamelens starts no programs in an untrusted workspace. Trust the workspace to profile; profiles can still be opened.',
      );
      return undefined;
    }
    const cfg = profilerConfig(resource ?? folder?.uri);
    const root = this.folderRoot(folder);
    log.info(
      `Run ${name}: ${target.kind === 'launch' ? [target.python, target.script, ...target.args].join(' ') : `attach to pid ${target.pid}`}`,
    );
    let r: CpuRunResult;
    try {
      r = await runInEditor(this.deps, `flamelens: profiling ${name}`, name, (hooks) => {
        const started = Date.now();
        const timer = setInterval(
          () =>
            hooks.progress.report({
              message: `${Math.round((Date.now() - started) / 1000)} s — Cancel keeps what was sampled`,
            }),
          1000,
        );
        return runCpuProfile({
          ...hooks,
          workspaceRoot: root,
          name,
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
          cwd,
          samplerScript: this.samplerScript,
          onStart: (info) => {
            hooks.onStart(info);
            log.info(`Run ${name}: ${info.sampler} started (pid ${info.pid}): ${info.command.join(' ')}`);
            hooks.progress.report({ message: `recording with ${info.sampler}` });
          },
        }).finally(() => clearInterval(timer));
      });
    } catch (e) {
      this.failed(e);
      return undefined;
    }
    await this.fallbackNotice(r.record.fallbackReason);
    if (!r.ok) {
      const last = r.record.stderrTail ? ` — ${r.record.stderrTail.trim().split('\n').pop()}` : '';
      void vscode.window.showErrorMessage(plainText(`flamelens: ${r.message}${last}`));
      return undefined;
    }
    this.lastRun = r.entry;
    const { meta } = r.entry;
    if (meta.message) void vscode.window.showWarningMessage(plainText(`flamelens: ${meta.message}`));
    if (r.hot.total === 0)
      void vscode.window.showWarningMessage(
        'flamelens: the run produced no samples (it may have ended before the first sample).',
      );
    this.deps.locator.reset();
    await this.deps.hotPaths.setActive({ folder: root, runDir: r.entry.dir, title: name, profile: r.profile });
    this.deps.flameGraphs.show(r.entry.dir, name, r.profile, runOutputPath(r.entry));
    return r.entry;
  }

  /** A run that could not start (a missing tool, a bad option): say so, with the way out. */
  private failed(e: unknown): void {
    const message = e instanceof Error ? e.message : String(e);
    this.deps.log.error(`Run failed: ${message}`);
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
  }

  /** Why py-spy was not used, once per installation (and always in the log). */
  private async fallbackNotice(reason: string | undefined): Promise<void> {
    if (!reason) return;
    this.deps.log.warn(reason);
    const state = this.deps.context.globalState;
    if (state.get<boolean>('flamelens.fallbackNoticeShown')) return;
    await state.update('flamelens.fallbackNoticeShown', true);
    void vscode.window.showWarningMessage(plainText(`flamelens: ${reason}`));
  }
}
