/**
 * The example program of the "Get started" walkthrough: examples/matrix_work.py, shipped in the
 * extension (dist/examples), copied into the extension's own storage (never into the user's
 * workspace) and opened, ready for Profile Current Python File. A copy already there is opened as
 * it is: the user may have edited it.
 */
import { vscode } from '../vscodeApi';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';

export const EXAMPLE_FILE = 'matrix_work.py';

export async function openExample(context: vscode.ExtensionContext): Promise<vscode.TextEditor> {
  const dir = path.join(context.globalStorageUri.fsPath, 'example');
  const target = path.join(dir, EXAMPLE_FILE);
  await fs.mkdir(dir, { recursive: true });
  const exists = await fs.stat(target).then(
    () => true,
    () => false,
  );
  if (!exists) await fs.copyFile(path.join(context.extensionPath, 'dist', 'examples', EXAMPLE_FILE), target);
  const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(target));
  return vscode.window.showTextDocument(doc, { preview: false });
}
