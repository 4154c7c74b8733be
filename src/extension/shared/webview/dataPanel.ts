/**
 * A panel whose content is one message: showing it again replaces the content (and the title)
 * instead of opening another panel; a view that reloads gets the latest message again. Used by
 * the benchmark comparison and the profile diff.
 */
import { vscode } from '../../vscodeApi';
import type { Handlers, Message } from '../../../shared/protocol/common';
import { connectView, type ViewConnection } from './panel';

export class DataPanel<ToHost extends Message, ToWebview extends Message> implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private view: ViewConnection<ToWebview> | undefined;
  private latest: ToWebview | undefined;
  /** The latest show's handlers: a view asking later is answered by what it shows now. */
  private readonly handlers: Record<string, (m: never) => unknown> = {};

  constructor(
    private readonly viewType: string,
    private readonly bundle: string,
    private readonly extensionUri: vscode.Uri,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  get title(): string | undefined {
    return this.panel?.title;
  }

  reveal(): void {
    this.panel?.reveal();
  }

  /** Shows `message` beside the editor; `handlers` answers the view (its `ready` is answered here). */
  show(title: string, message: ToWebview, handlers: Omit<Handlers<ToHost>, 'ready'>): void {
    this.latest = message;
    Object.assign(this.handlers, handlers, { ready: () => this.latest && this.view?.post(this.latest) });
    if (this.panel && this.view) {
      this.panel.title = title;
      this.panel.reveal(undefined, true);
      this.view.post(message);
      return;
    }
    const panel = vscode.window.createWebviewPanel(
      this.viewType,
      title,
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
      { retainContextWhenHidden: true },
    );
    const view = connectView<ToHost, ToWebview>(panel.webview, this.extensionUri, {
      view: this.bundle,
      title,
      log: this.log,
      handlers: this.handlers as unknown as Handlers<ToHost>,
    });
    this.panel = panel;
    this.view = view;
    panel.onDidDispose(() => {
      view.dispose();
      this.panel = undefined;
      this.view = undefined;
    });
  }

  dispose(): void {
    this.panel?.dispose();
  }
}
