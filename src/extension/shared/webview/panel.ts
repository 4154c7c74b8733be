/**
 * Message plumbing between the extension host and a view, for every feature: the page of the
 * view's bundle, its messages dispatched to one handler each (the view's contract in
 * src/shared/protocol/<view>.ts: a message without a handler does not compile), typed posts, the
 * panels of a view kept by key, and read-only custom editors that open a file in a view.
 */
import { vscode } from '../../vscodeApi';
import { dispatch, type Handlers, type Message } from '../../../shared/protocol/common';
import { plainText } from '../plainText';
import { viewPage, webviewOptions } from './page';

export interface ViewConnection<ToWebview> extends vscode.Disposable {
  post(m: ToWebview): void;
  /**
   * Aborted when the view closes: a view's reads take it (OpenOptions.signal), so that they stop
   * with it, and nothing of them reaches the editor after.
   */
  closed: AbortSignal;
}

export interface ViewSpec<ToHost extends Message> {
  /** The bundle: the view's folder under webview/ (its protocol's VIEW). */
  view: string;
  title: string;
  handlers: Handlers<ToHost>;
  log: vscode.LogOutputChannel;
}

/**
 * Shows the view in `webview` and routes its messages. A handler that throws is logged and shown
 * as an error notification, never left unhandled in the extension host.
 */
export function connectView<ToHost extends Message, ToWebview extends Message>(
  webview: vscode.Webview,
  extensionUri: vscode.Uri,
  spec: ViewSpec<ToHost>,
): ViewConnection<ToWebview> {
  webview.options = webviewOptions(extensionUri);
  webview.html = viewPage(webview, extensionUri, spec.view, spec.title);
  const subscription = webview.onDidReceiveMessage(async (m: ToHost) => {
    try {
      await dispatch(spec.handlers, m);
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      spec.log.warn(`${spec.view} view (${spec.title}): ${m?.type}: ${message}`);
      void vscode.window.showErrorMessage(plainText(`flamelens: ${message}`));
    }
  });
  const closed = new AbortController();
  return {
    post: (m) => void webview.postMessage(m),
    closed: closed.signal,
    dispose: () => {
      closed.abort();
      subscription.dispose();
    },
  };
}

/** Panels of one kind, one per key (a file, a run): opening a key again reveals its panel. */
export class PanelSet implements vscode.Disposable {
  private readonly panels = new Map<string, vscode.WebviewPanel>();

  constructor(
    private readonly viewType: string,
    private readonly options: { column?: vscode.ViewColumn; preserveFocus?: boolean; revealBeside?: boolean } = {},
  ) {}

  /**
   * Reveals the panel of `key`, or creates it and lets `connect` fill it (its disposable ends
   * with the panel).
   */
  show(key: string, title: string, connect: (panel: vscode.WebviewPanel) => vscode.Disposable): vscode.WebviewPanel {
    const existing = this.panels.get(key);
    const preserveFocus = this.options.preserveFocus ?? false;
    if (existing) {
      existing.reveal(this.options.revealBeside ? vscode.ViewColumn.Beside : undefined, preserveFocus);
      return existing;
    }
    const panel = vscode.window.createWebviewPanel(
      this.viewType,
      title,
      { viewColumn: this.options.column ?? vscode.ViewColumn.Beside, preserveFocus },
      { retainContextWhenHidden: true },
    );
    const wiring = connect(panel);
    this.panels.set(key, panel);
    panel.onDidDispose(() => {
      wiring.dispose();
      this.panels.delete(key);
    });
    return panel;
  }

  get(key: string): vscode.WebviewPanel | undefined {
    return this.panels.get(key);
  }

  titles(): string[] {
    return [...this.panels.values()].map((p) => p.title);
  }

  dispose(): void {
    for (const p of this.panels.values()) p.dispose();
  }
}

/**
 * A read-only custom editor that shows a file in a view (`connect` wires the editor's panel;
 * `closed` aborts when the editor closes, also while `connect` is still reading the file).
 */
export function registerFileEditor(
  viewType: string,
  connect: (
    panel: vscode.WebviewPanel,
    file: vscode.Uri,
    closed: AbortSignal,
  ) => vscode.Disposable | Promise<vscode.Disposable>,
  supportsMultipleEditorsPerDocument = false,
): vscode.Disposable {
  return vscode.window.registerCustomEditorProvider(
    viewType,
    {
      openCustomDocument: (uri: vscode.Uri) => ({ uri, dispose: () => undefined }),
      resolveCustomEditor: async (doc: vscode.CustomDocument, panel: vscode.WebviewPanel) => {
        const closed = new AbortController();
        const wired: { to?: vscode.Disposable } = {};
        panel.onDidDispose(() => {
          closed.abort();
          wired.to?.dispose();
        });
        wired.to = await connect(panel, doc.uri, closed.signal);
        if (closed.signal.aborted) wired.to.dispose();
      },
    },
    { webviewOptions: { retainContextWhenHidden: true }, supportsMultipleEditorsPerDocument },
  );
}
