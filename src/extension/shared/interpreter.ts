/**
 * Which Python runs the profiled program: the Python extension's active environment for the
 * file when that extension is installed, else flamelens.python.path, else python3 (python on
 * Windows).
 */
import { vscode } from '../vscodeApi';
import { PythonExtension } from '@vscode/python-extension';

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
