/**
 * The flame graph view of a profile: its summary sent once, then the view's requests (zoom,
 * search, callers/callees, hot functions) answered from a core ProfileSession; sources opened
 * through the locator; exports written where the user chooses.
 */
import { vscode } from '../vscodeApi';
import * as path from 'node:path';
import { promises as fs } from 'node:fs';
import { ProfileSession, summarizeProfile } from '../../core/analysis/cpu/profileSession';
import { definitionLines } from '../../core/analysis/source/definitionLines';
import { hasTimeOrder } from '../../core/analysis/cpu/timeOrder';
import { toCollapsedStacks, toSpeedscope } from '../../core/formats/cpu/exportProfile';
import type { Profile } from '../../core/model/profile';
import { answerRequest, VIEW, type ToHost, type ToWebview } from '../../shared/protocol/flameGraph';
import { viewConfig } from '../shared/config';
import { saveCsvExport, saveExport } from '../shared/saveExport';
import type { SourceLocator } from '../shared/sourceLocator';
import { connectView, PanelSet, type ViewConnection } from '../shared/webview/panel';

/** A profile to show (with the file it was read from, when there is one), or why there is none. */
export type ProfileSource = { profile: Profile; title: string; file?: string } | { error: string; title: string };

export interface FlameGraphDeps {
  extensionUri: vscode.Uri;
  locator: SourceLocator;
  log: vscode.LogOutputChannel;
}

/** Wires a webview to a profile (or to the reason it could not be read). */
export function connectFlameGraph(
  webview: vscode.Webview,
  source: ProfileSource,
  deps: FlameGraphDeps,
): vscode.Disposable {
  const session = 'profile' in source ? new ProfileSession(source.profile) : undefined;
  let defsDone = false;
  // The functions' `def` lines from their sources, where the locator finds them: waited for
  // at most a moment before the first view, used by every view after.
  const defsFound =
    session &&
    definitionLines(session.profile, async (file) => {
      const resolved = await deps.locator.resolve(file);
      return resolved === undefined ? undefined : fs.readFile(resolved, 'utf8');
    })
      .then((defs) => {
        session.setDefinitionLines(defs);
        defsDone = true;
      })
      .catch((e: unknown) => deps.log.warn(`flame graph: the functions' def lines: ${(e as Error).message}`));
  const defsWait = Promise.race([defsFound, new Promise((r) => setTimeout(r, 1500))]);
  const view: ViewConnection<ToWebview> = connectView<ToHost, ToWebview>(webview, deps.extensionUri, {
    view: VIEW,
    title: source.title,
    log: deps.log,
    handlers: {
      ready: async () => {
        if (!('profile' in source)) {
          view.post({ type: 'error', message: source.error });
          return;
        }
        await defsWait;
        if (!defsDone) void defsFound?.then(() => defsDone && view.post({ type: 'sourcesRead' }));
        view.post({
          type: 'init',
          summary: summarizeProfile(source.profile, source.title),
          options: {
            openSourceOnClick: viewConfig().openSourceOnClick,
            interactive: true,
            timeOrder: source.file !== undefined && hasTimeOrder(source.profile),
          },
        });
      },
      request: async (m) => {
        if (!session) return;
        // The page asks for its first view with `ready`: answered as `init` is, with the def
        // lines found by then. The first call tree, when the file's reader builds it: waited
        // for, not built twice.
        await defsWait;
        await session.firstTree;
        view.post(answerRequest(session, m));
      },
      openSource: (m) => deps.locator.open(m.file, m.line),
      // Speedscope's "time order": the file read again in time, on the trace view's timeline.
      timeOrder: () =>
        'file' in source && source.file && vscode.commands.executeCommand('flamelens.openTraceTimeline', source.file),
      exportCsv: (m) => saveCsvExport(deps.locator.defaultFolder() ?? '', m.name, m.csv),
      export: async (m) => {
        if (!('profile' in source)) return;
        const ext = m.format === 'collapsed' ? 'folded' : 'speedscope.json';
        const base = source.title.replace(/\.(folded|collapsed|austin|speedscope\.json|json)$/i, '');
        const target = await vscode.window.showSaveDialog({
          defaultUri: vscode.Uri.file(path.join(deps.locator.defaultFolder() ?? '', `${base}.${ext}`)),
          filters:
            m.format === 'collapsed' ? { 'Collapsed stacks': ['folded', 'collapsed'] } : { Speedscope: ['json'] },
        });
        if (!target) return;
        const text =
          m.format === 'collapsed'
            ? toCollapsedStacks(source.profile, { threadFrames: true })
            : toSpeedscope(source.profile, source.title);
        await saveExport(target, text);
        deps.log.info(`Exported ${source.title} to ${target.fsPath}`);
      },
    },
  });
  // The first view's call tree, built while the webview is still loading its page (on a
  // million samples that is most of the wait before the first frame): by the file's reader in
  // its worker where it offered one, else here.
  if (session && !session.firstTree) setTimeout(() => session.tree([], false), 0);
  return view;
}

/** The flame graph panels (one per run or file), beside the code. */
export class FlameGraphPanels implements vscode.Disposable {
  private readonly panels = new PanelSet('flamelens.flameGraph', { revealBeside: true });

  constructor(private readonly deps: FlameGraphDeps) {}

  /** Shows a profile; `file`, where it was read from, lets the view open it in time order. */
  show(key: string, title: string, profile: Profile, file?: string): void {
    this.panels.show(key, `🔥 ${title}`, (panel) =>
      connectFlameGraph(panel.webview, { profile, title, file }, this.deps),
    );
  }

  titles(): string[] {
    return this.panels.titles();
  }

  dispose(): void {
    this.panels.dispose();
  }
}
