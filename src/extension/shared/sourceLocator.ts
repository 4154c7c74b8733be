/**
 * Opens a file recorded in a profile at its line: the file itself when it exists here, else
 * the workspace file it maps to (profiles recorded elsewhere, shortened paths).
 */
import { vscode } from '../vscodeApi';
import * as path from 'node:path';
import { promises as fs } from 'node:fs';
import { WorkspacePathMapper } from '../../core/analysis/source/pathMapping';
import { plainText } from './plainText';

const EXCLUDE = '**/{node_modules,.git,.venv,venv,env,.tox,site-packages,__pycache__,.flamelens}/**';

export class SourceLocator {
  private mapper?: Promise<WorkspacePathMapper>;

  /** Forget the file list (files were created or deleted). */
  reset(): void {
    this.mapper = undefined;
  }

  workspaceMapper(): Promise<WorkspacePathMapper> {
    if (!this.mapper) {
      this.mapper = (async () => {
        const files = await vscode.workspace.findFiles('**/*.{py,pyx,pyi,pyw}', EXCLUDE, 50_000);
        const roots = (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath);
        return new WorkspacePathMapper(
          files.map((u) => u.fsPath),
          roots,
        );
      })();
    }
    return this.mapper;
  }

  defaultFolder(): string | undefined {
    return vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  }

  async resolve(file: string): Promise<string | undefined> {
    const mapped = (await this.workspaceMapper()).map(file);
    if (mapped) return mapped;
    if (path.isAbsolute(file)) {
      try {
        await fs.access(file);
        return file;
      } catch {
        return undefined;
      }
    }
    return undefined;
  }

  async open(file: string, line?: number): Promise<boolean> {
    const resolved = await this.resolve(file);
    if (!resolved) {
      void vscode.window.showInformationMessage(
        plainText(`flamelens: ${file} is not in this workspace or on this machine.`),
      );
      return false;
    }
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(resolved));
    const pos = new vscode.Position(Math.max(0, (line ?? 1) - 1), 0);
    await vscode.window.showTextDocument(doc, {
      selection: new vscode.Range(pos, pos),
      viewColumn: vscode.ViewColumn.One,
      preserveFocus: false,
      preview: true,
    });
    return true;
  }
}
