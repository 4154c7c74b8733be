/** The "Runs" tree in flamelens' activity-bar container: every run of every workspace folder. */
import { vscode } from '../vscodeApi';
import * as path from 'node:path';
import { listRuns } from '../../core/store/runStore';
import type { RunEntry } from '../../core/model/run';
import { visibleText } from '../../core/util/visibleText';

export class RunItem extends vscode.TreeItem {
  constructor(
    readonly run: RunEntry,
    readonly folder: vscode.WorkspaceFolder | undefined,
  ) {
    super(visibleText(run.meta.name), vscode.TreeItemCollapsibleState.None);
    const m = run.meta;
    const when = new Date(m.createdAt);
    const date = Number.isNaN(when.getTime()) ? m.createdAt : when.toLocaleString();
    const samples = m.samples !== undefined ? ` · ${m.samples.toLocaleString('en-US')} samples` : '';
    this.description = visibleText(
      `${date} · ${m.sampler}${samples}${m.status !== 'completed' ? ` · ${m.status}` : ''}`,
    );
    this.tooltip = new vscode.MarkdownString();
    this.tooltip.appendText(
      visibleText(
        [
          `${m.name} (${m.status})`,
          m.command.length ? `command: ${m.command.join(' ')}` : m.pid ? `attached to pid ${m.pid}` : '',
          `${m.kind === 'nsys' || m.kind === 'ncu' ? 'tool' : 'sampler'}: ${m.sampler}${m.samplerVersion ? ` ${m.samplerVersion}` : ''}${m.rateHz ? ` at ${m.rateHz} Hz` : ''}`,
          m.interpreter ? `interpreter: ${m.interpreter}${m.pythonVersion ? ` (Python ${m.pythonVersion})` : ''}` : '',
          m.message ?? '',
          `folder: ${run.dir}`,
        ]
          .filter(Boolean)
          .join('\n'),
      ),
    );
    this.contextValue = m.status === 'failed' ? 'flamelens.failedRun' : 'flamelens.run';
    this.iconPath = new vscode.ThemeIcon(
      m.status === 'failed'
        ? 'error'
        : m.status === 'cancelled'
          ? 'debug-stop'
          : m.status === 'running'
            ? 'loading~spin'
            : 'flame',
    );
    this.id = run.dir;
    this.resourceUri = vscode.Uri.file(path.join(run.dir, m.output));
    if (m.kind === 'torch') {
      this.description = `${this.description} · PyTorch trace`;
      this.iconPath = new vscode.ThemeIcon(m.status === 'failed' ? 'error' : 'zap');
      if (m.status === 'completed' || m.status === 'cancelled') {
        this.command = {
          command: 'flamelens.openTorchTrace',
          title: 'Open Trace',
          arguments: [path.join(run.dir, m.output)],
        };
      }
    } else if (m.kind === 'memory') {
      this.description = `${this.description} · Python memory`;
      this.iconPath = new vscode.ThemeIcon(m.status === 'failed' ? 'error' : 'database');
      if (m.status === 'completed' || m.status === 'cancelled') {
        this.command = {
          command: 'flamelens.openMemoryProfile',
          title: 'Open Memory Profile',
          arguments: [path.join(run.dir, m.output)],
        };
      }
    } else if (m.kind === 'nsys' || m.kind === 'ncu') {
      this.description = `${this.description} · ${m.kind === 'nsys' ? 'Nsight Systems' : 'Nsight Compute'}`;
      this.iconPath = new vscode.ThemeIcon(
        m.status === 'failed' ? 'error' : m.status === 'running' ? 'loading~spin' : 'circuit-board',
      );
      if (m.status === 'completed' || m.status === 'cancelled') {
        this.command = {
          command: 'flamelens.openNsightReport',
          title: 'Open Report',
          arguments: [path.join(run.dir, m.output)],
        };
      }
    } else if (m.status !== 'failed' && m.status !== 'running') {
      this.command = { command: 'flamelens.openRun', title: 'Open Run', arguments: [this] };
    }
  }
}

export class RunsTreeProvider implements vscode.TreeDataProvider<RunItem>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly watcher: vscode.FileSystemWatcher;

  constructor() {
    // Runs written by the CLI, or by another window, appear too.
    this.watcher = vscode.workspace.createFileSystemWatcher('**/.flamelens/runs/*/run.json');
    this.watcher.onDidCreate(() => this.refresh());
    this.watcher.onDidChange(() => this.refresh());
    this.watcher.onDidDelete(() => this.refresh());
  }

  refresh(): void {
    this.changed.fire();
  }

  getTreeItem(item: RunItem): vscode.TreeItem {
    return item;
  }

  async getChildren(): Promise<RunItem[]> {
    const items: RunItem[] = [];
    for (const folder of vscode.workspace.workspaceFolders ?? []) {
      for (const run of await listRuns(folder.uri.fsPath)) items.push(new RunItem(run, folder));
    }
    return items.sort((a, b) => (a.run.meta.createdAt < b.run.meta.createdAt ? 1 : -1));
  }

  dispose(): void {
    this.watcher.dispose();
    this.changed.dispose();
  }
}
