/**
 * Opens `*.folded`, `*.collapsed`, `*.speedscope.json` and `*.austin` files as flame graphs. A
 * file that does not parse shows the parser's message (file and place) in the view.
 */
import * as vscode from 'vscode';
import * as path from 'node:path';
import { parseProfile } from '../../core/formats/cpu/parseProfile';
import { MAX_PROFILE_BYTES } from '../../core/formats/cpu/readProfile';
import { connectFlameGraph, type ProfileSource } from './flameGraphWebview';
import type { SourceLocator } from './sourceLocator';
import { confirmFileSize } from '../fileSize';

export const PROFILE_EDITOR_VIEW_TYPE = 'flamelens.profile';

export class ProfileEditorProvider implements vscode.CustomReadonlyEditorProvider {
  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly locator: SourceLocator,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  openCustomDocument(uri: vscode.Uri): vscode.CustomDocument {
    return { uri, dispose: () => undefined };
  }

  async resolveCustomEditor(document: vscode.CustomDocument, panel: vscode.WebviewPanel): Promise<void> {
    const title = path.basename(document.uri.fsPath);
    let source: ProfileSource;
    try {
      await confirmFileSize(document.uri.fsPath);
      const stat = await vscode.workspace.fs.stat(document.uri);
      if (stat.size > MAX_PROFILE_BYTES)
        throw new Error(
          `${document.uri.fsPath}: ${(stat.size / 2 ** 20).toFixed(0)} MiB is over the ${MAX_PROFILE_BYTES / 2 ** 20} MiB limit for CPU profiles`,
        );
      const bytes = await vscode.workspace.fs.readFile(document.uri);
      const t0 = Date.now();
      const profile = parseProfile(Buffer.from(bytes).toString('utf8'), document.uri.fsPath);
      this.log.info(
        `Parsed ${document.uri.fsPath} (${profile.format}, ${bytes.length} bytes) in ${Date.now() - t0} ms`,
      );
      source = { profile, title };
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      this.log.warn(`Could not open ${document.uri.fsPath}: ${message}`);
      source = { error: message, title };
    }
    const wiring = connectFlameGraph(panel.webview, this.extensionUri, source, this.locator, this.log);
    panel.onDidDispose(() => wiring.dispose());
  }
}
