/**
 * A read the user started, under a notification that says what is read and whose Cancel aborts
 * it (a 68 MB profile takes seconds before any view can show it).
 */
import { vscode } from '../vscodeApi';
import { plainText } from './plainText';

/** `read` under a cancellable notification titled `title`; undefined when it was cancelled. */
export async function withCancel<T>(title: string, read: (signal: AbortSignal) => Promise<T>): Promise<T | undefined> {
  const stopped = new AbortController();
  try {
    return await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: plainText(title), cancellable: true },
      (_progress, token) => {
        token.onCancellationRequested(() => stopped.abort());
        return read(stopped.signal);
      },
    );
  } catch (e) {
    if (stopped.signal.aborted) return undefined;
    throw e;
  }
}
