/**
 * Which Python runs the profiled program: the Python extension's active environment for the
 * file when that extension is installed, else flamelens.python.path, else python3 (python on
 * Windows).
 */
import { vscode } from '../vscodeApi';
import { PythonExtension } from '@vscode/python-extension';
import * as path from 'node:path';
import { profilerConfig } from './config';

export async function resolveInterpreter(
  resource: vscode.Uri | undefined,
  configured: string,
  log: vscode.LogOutputChannel,
): Promise<string> {
  if (vscode.extensions.getExtension('ms-python.python')) {
    try {
      const api = await PythonExtension.api();
      const envPath = api.environments.getActiveEnvironmentPath(resource);
      const env = await api.environments.resolveEnvironment(envPath);
      const exe = env?.executable.uri?.fsPath;
      if (exe) return exe;
    } catch (e) {
      log.warn(`Python extension did not give an interpreter: ${String(e)}`);
    }
  }
  if (configured.trim()) return configured.trim();
  return process.platform === 'win32' ? 'python' : 'python3';
}

/**
 * The Python file a run command runs (the one given, else the active editor's) with its folder,
 * name and interpreter; undefined, after saying why, when there is none or the workspace is
 * untrusted. `what` ends "open a Python file to …".
 */
export async function pythonRunTarget(
  uri: unknown,
  what: string,
  log: vscode.LogOutputChannel,
): Promise<{ target: vscode.Uri; root: string; name: string; python: string } | undefined> {
  const target = uri instanceof vscode.Uri ? uri : vscode.window.activeTextEditor?.document.uri;
  if (!target || target.scheme !== 'file' || !/\.py$/i.test(target.fsPath)) {
    void vscode.window.showWarningMessage(`flamelens: open a Python file to ${what}.`);
    return undefined;
  }
  if (!vscode.workspace.isTrusted) {
    void vscode.window.showWarningMessage('flamelens starts no programs in an untrusted workspace.');
    return undefined;
  }
  const root = vscode.workspace.getWorkspaceFolder(target)?.uri.fsPath ?? path.dirname(target.fsPath);
  const python = await resolveInterpreter(target, profilerConfig(target).pythonPath, log);
  return { target, root, name: path.basename(target.fsPath), python };
}
