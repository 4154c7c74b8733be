/**
 * The Nsight views: a report read on the host through the core's one way in for files (SQLite
 * exports and CSV directly, `.nsys-rep`/`.ncu-rep` through the installed tools), its view data
 * sent once; an Nsight Compute report can be compared with a "before" report. Opened from runs,
 * Open Nsight Report… and as the custom editor of Nsight's report files.
 */
import { vscode } from '../vscodeApi';
import * as path from 'node:path';
import { buildNcuComparison, buildNcuView, buildNsysView } from '../../core/analysis/nsight/nsightView';
import type { OpenedFile } from '../../core/open/openFile';
import { closedWhileRead, openFileInWorker } from '../shared/openInWorker';
import { VIEW, type ToHost, type ToWebview } from '../../shared/protocol/nsight';
import { nsightConfig } from '../shared/config';
import { confirmFileSize } from '../shared/fileSize';
import { saveCsvExport } from '../shared/saveExport';
import { connectView, PanelSet, registerFileEditor, type ViewConnection } from '../shared/webview/panel';

export const NSIGHT_REPORT_VIEW_TYPE = 'flamelens.nsightReport';

type NsightFile = Extract<OpenedFile, { kind: 'nsys' | 'ncu' }>;

export class NsightPanels implements vscode.Disposable {
  private readonly panels = new PanelSet('flamelens.nsightView', { column: vscode.ViewColumn.Active });

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  /** Opens (or reveals) the view of a report file. */
  open(file: string): void {
    this.panels.show(file, `🟩 ${path.basename(file)}`, (panel) => this.connect(panel.webview, file));
  }

  editor(): vscode.Disposable {
    return registerFileEditor(NSIGHT_REPORT_VIEW_TYPE, (panel, uri) => this.connect(panel.webview, uri.fsPath));
  }

  titles(): string[] {
    return this.panels.titles();
  }

  dispose(): void {
    this.panels.dispose();
  }

  private async load(file: string, signal?: AbortSignal): Promise<NsightFile> {
    const t0 = Date.now();
    await confirmFileSize(file);
    const { nsysPath, ncuPath } = nsightConfig();
    const opened = await openFileInWorker(file, {
      cacheDir: this.context.globalStorageUri.fsPath,
      nsysPath,
      ncuPath,
      signal,
      expect: {
        kinds: ['nsys', 'ncu'],
        what: 'this view shows Nsight Systems files (SQLite export, nsys stats CSV, .nsys-rep) and Nsight Compute files (CSV, .ncu-rep)',
      },
    });
    if (opened.kind !== 'nsys' && opened.kind !== 'ncu') throw new Error(`${file} is not an Nsight report.`);
    this.log.info(`Read ${file} (${opened.kind}) in ${Date.now() - t0} ms`);
    return opened;
  }

  /** Wires a webview to a report file: read on the host, the view's data sent once. */
  private connect(webview: vscode.Webview, file: string): vscode.Disposable {
    const title = path.basename(file);
    let opened: NsightFile | undefined;
    const view: ViewConnection<ToWebview> = connectView<ToHost, ToWebview>(webview, this.context.extensionUri, {
      view: VIEW,
      title,
      log: this.log,
      handlers: {
        ready: async () => {
          try {
            // Closing the view ends its read (`view.closed`), and posts nothing after.
            opened = await this.load(file, view.closed);
            view.post(
              opened.kind === 'nsys'
                ? { type: 'nsysInit', data: buildNsysView(opened.report, title) }
                : { type: 'ncuInit', data: buildNcuView(opened.report, title) },
            );
          } catch (e) {
            if (view.closed.aborted) return this.log.info(closedWhileRead(file));
            const message = e instanceof Error ? e.message : String(e);
            this.log.warn(`Nsight view ${file}: ${message}`);
            view.post({ type: 'error', message });
          }
        },
        exportCsv: (m) => saveCsvExport(path.dirname(file), m.name, m.csv),
        // The timeline reads the file again, in time (a .nsys-rep through its cached export).
        nsysTimeline: () => vscode.commands.executeCommand('flamelens.openTraceTimeline', file),
        ncuCompare: async () => {
          if (opened?.kind !== 'ncu') return;
          const picked = await vscode.window.showOpenDialog({
            title: `flamelens: compare ${title} with (the "before" report)`,
            canSelectMany: false,
            filters: { 'Nsight Compute': ['ncu-rep', 'csv'] },
          });
          if (!picked?.[0]) return;
          const before = await this.load(picked[0].fsPath);
          if (before.kind !== 'ncu') throw new Error(`${picked[0].fsPath} is not an Nsight Compute report.`);
          const comparison = buildNcuComparison(before.report, path.basename(picked[0].fsPath), opened.report, title);
          view.post({ type: 'ncuInit', data: buildNcuView(opened.report, title), comparison });
        },
      },
    });
    return view;
  }
}
