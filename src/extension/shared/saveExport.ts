/**
 * Writes a file the user chose in a save dialog (CSV, JSON, profile exports). A local file goes
 * through a temporary file and a rename like flamelens' own results, so an export that fails or
 * is interrupted never leaves half a file over what was there.
 */
import { vscode } from '../vscodeApi';
import { writeFileAtomic } from '../../core/store/atomicWrite';

export async function saveExport(target: vscode.Uri, text: string): Promise<void> {
  if (target.scheme === 'file') await writeFileAtomic(target.fsPath, text);
  else await vscode.workspace.fs.writeFile(target, Buffer.from(text, 'utf8'));
}
