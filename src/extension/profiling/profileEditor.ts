/**
 * Opens `*.folded`, `*.collapsed`, `*.speedscope.json` and `*.austin` files as flame graphs,
 * read through the core's one way in for files. A file that does not parse shows the reader's
 * message (file and place) in the view.
 */
import { vscode } from '../vscodeApi';
import * as path from 'node:path';
import { closedWhileRead, openProfileInWorker } from '../shared/openInWorker';
import { confirmFileSize } from '../shared/fileSize';
import { registerFileEditor } from '../shared/webview/panel';
import { connectFlameGraph, type FlameGraphDeps, type ProfileSource } from './flameGraphView';

export const PROFILE_EDITOR_VIEW_TYPE = 'flamelens.profile';

export function registerProfileEditor(deps: FlameGraphDeps): vscode.Disposable {
  return registerFileEditor(
    PROFILE_EDITOR_VIEW_TYPE,
    async (panel, uri, closed) => {
      const title = path.basename(uri.fsPath);
      const source = await readSource(uri.fsPath, title, deps.log, closed);
      // Closed while it was read: its reader was stopped, and there is no view to wire.
      if (closed.aborted) return { dispose: () => undefined };
      return connectFlameGraph(panel.webview, source, deps);
    },
    true,
  );
}

async function readSource(
  file: string,
  title: string,
  log: vscode.LogOutputChannel,
  signal: AbortSignal,
): Promise<ProfileSource> {
  try {
    await confirmFileSize(file);
    const t0 = Date.now();
    const profile = await openProfileInWorker(
      file,
      'this editor shows CPU profiles (open it with flamelens: Open Profile…)',
      { firstTree: true, log, signal },
    );
    log.info(`Parsed ${file} (${profile.format}) in ${Date.now() - t0} ms`);
    return { profile, title, file };
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    if (signal.aborted) log.info(closedWhileRead(file));
    else log.warn(`Could not open ${file}: ${message}`);
    return { error: message, title };
  }
}
