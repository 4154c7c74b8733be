/**
 * Writes a file the user chose in a save dialog (CSV, JSON, profile exports). A local file goes
 * through a temporary file and a rename like flamelens' own results, so an export that fails or
 * is interrupted never leaves half a file over what was there.
 */
import * as path from 'node:path';
import { vscode } from '../vscodeApi';
import { writeFileAtomic } from '../../core/store/atomicWrite';

export async function saveExport(target: vscode.Uri, text: string): Promise<void> {
  if (target.scheme === 'file') await writeFileAtomic(target.fsPath, text);
  else await vscode.workspace.fs.writeFile(target, Buffer.from(text, 'utf8'));
}

/** A view's "Export CSV": asks where (in `folder`, named `name`), then saves. */
export async function saveCsvExport(folder: string, name: string, csv: string): Promise<void> {
  const file = name.endsWith('.csv') ? name : `${name}.csv`;
  const target = await vscode.window.showSaveDialog({
    defaultUri: vscode.Uri.file(path.join(folder, file)),
    filters: { CSV: ['csv'] },
  });
  if (target) await saveExport(target, csv);
}
