/**
 * Profile with Nsight Systems / Profile Kernels with Nsight Compute: a command line (asked for,
 * with the open Python file filled in) run as a core Nsight run (nsight/nsightRun) shown in the
 * editor; the report opens when it is done.
 */
import { vscode } from '../vscodeApi';
import * as path from 'node:path';
import { nsightRunName, runNsight, type NsightRunResult } from '../../core/runners/nsight/nsightRun';
import { describeEnd } from '../../core/runners/runChild';
import { splitCommandLine } from '../../core/util/commandLine';
import type { RunEntry } from '../../core/model/run';
import { nsightConfig, profilerConfig } from '../shared/config';
import { resolveInterpreter } from '../shared/interpreter';
import { plainText } from '../shared/plainText';
import { runInEditor, type RunInEditorDeps } from '../shared/runInEditor';
import type { NsightPanels } from './nsightView';

/** What the commands take from a caller (tests, tasks) instead of asking. */
export interface NsightCommandArgs {
  command?: string[];
  cwd?: string;
  kernelRegex?: string;
  launchCount?: number;
}

type Kind = 'nsys' | 'ncu';

export class NsightRunner {
  constructor(private readonly deps: RunInEditorDeps & { context: vscode.ExtensionContext; panels: NsightPanels }) {}

  commands(): vscode.Disposable[] {
    const args = (a?: NsightCommandArgs) => (a instanceof vscode.Uri ? undefined : a);
    return [
      vscode.commands.registerCommand('flamelens.profileNsys', (a?: NsightCommandArgs) =>
        this.profile('nsys', args(a)),
      ),
      vscode.commands.registerCommand('flamelens.profileNcu', (a?: NsightCommandArgs) => this.profile('ncu', args(a))),
    ];
  }

  /** The command line to profile: given, or asked for with the active Python file filled in. */
  private async commandLine(
    kind: Kind,
    args: NsightCommandArgs | undefined,
  ): Promise<{ command: string[]; cwd: string; folder?: vscode.WorkspaceFolder } | undefined> {
    const active = vscode.window.activeTextEditor?.document.uri;
    const folder = (active && vscode.workspace.getWorkspaceFolder(active)) ?? vscode.workspace.workspaceFolders?.[0];
    const cwd = args?.cwd ?? folder?.uri.fsPath ?? process.cwd();
    if (args?.command?.length) return { command: args.command, cwd, folder };
    const state = this.deps.context.workspaceState;
    const key = `flamelens.${kind}.lastCommand`;
    let suggestion = state.get<string>(key, '');
    if (!suggestion && active?.scheme === 'file' && /\.py$/i.test(active.fsPath)) {
      const python = await resolveInterpreter(active, profilerConfig(active).pythonPath, this.deps.log);
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
    await state.update(key, line);
    return { command: splitCommandLine(line), cwd, folder };
  }

  /** The kernel filter of an ncu run, asked for (undefined: the user cancelled). */
  private async kernelFilter(launchCount: number): Promise<string | undefined> {
    const state = this.deps.context.workspaceState;
    const regex = await vscode.window.showInputBox({
      title: 'flamelens: Profile Kernels with Nsight Compute',
      prompt: `Kernels to profile: a regular expression on the kernel's function name; empty for every kernel (at most ${launchCount} launches, flamelens.ncu.launchCount)`,
      placeHolder: 'gemm|conv',
      value: state.get<string>('flamelens.ncu.lastKernelRegex', ''),
      validateInput: (v) => {
        try {
          new RegExp(v);
          return undefined;
        } catch (e) {
          return `Not a regular expression: ${(e as Error).message}`;
        }
      },
    });
    if (regex !== undefined) await state.update('flamelens.ncu.lastKernelRegex', regex);
    return regex;
  }

  private async profile(kind: Kind, args: NsightCommandArgs | undefined): Promise<RunEntry | undefined> {
    if (!vscode.workspace.isTrusted) {
      void vscode.window.showWarningMessage('flamelens starts no programs in an untrusted workspace.');
      return undefined;
    }
    const target = await this.commandLine(kind, args);
    if (!target) return undefined;
    const cfg = nsightConfig(target.folder?.uri);
    let kernelRegex = args?.kernelRegex;
    if (kind === 'ncu' && args?.command === undefined) {
      kernelRegex = await this.kernelFilter(cfg.ncuLaunchCount);
      if (kernelRegex === undefined) return undefined;
    }
    const name = nsightRunName(target.command);
    const title = kind === 'nsys' ? `flamelens: Nsight Systems on ${name}` : `flamelens: Nsight Compute on ${name}`;
    const common = { workspaceRoot: target.folder?.uri.fsPath ?? target.cwd, command: target.command, cwd: target.cwd };
    let r: NsightRunResult;
    try {
      r = await runInEditor(this.deps, title, name, (hooks) =>
        kind === 'nsys'
          ? runNsight({
              ...hooks,
              ...common,
              kind,
              nsysPath: cfg.nsysPath,
              trace: cfg.nsysTrace,
              extraArgs: cfg.nsysExtraArgs,
            })
          : runNsight({
              ...hooks,
              ...common,
              kind,
              ncuPath: cfg.ncuPath,
              set: cfg.ncuSet,
              sections: cfg.ncuSections,
              kernelRegex,
              launchCount: args?.launchCount ?? cfg.ncuLaunchCount,
              extraArgs: cfg.ncuExtraArgs,
            }),
      );
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      this.deps.log.error(`${kind} run ${name}: ${message}`);
      void vscode.window.showErrorMessage(plainText(`flamelens: ${message}`));
      return undefined;
    }
    if (!r.output) {
      void vscode.window.showErrorMessage(plainText(`flamelens: ${r.entry.meta.message}`));
      return r.entry;
    }
    const ended = describeEnd(r.result, kind);
    if (ended) void vscode.window.showWarningMessage(plainText(`flamelens: ${name}: ${ended}`));
    this.deps.panels.open(r.output);
    return r.entry;
  }
}
