/**
 * Hosts the flame graph webview for one profile: a strict CSP with a per-load nonce,
 * resources limited to dist/ and media/, data sent by postMessage only, and requests answered
 * from a core ProfileSession.
 */
import * as vscode from 'vscode';
import { saveExport } from '../saveExport';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { ProfileSession, summarizeProfile } from '../../core/analysis/cpu/profileSession';
import { toCollapsedStacks, toSpeedscope } from '../../core/formats/cpu/exportProfile';
import { escapeHtml } from '../../core/report/htmlReport';
import type { Profile } from '../../core/model/profile';
import { answerRequest, type ToHost, type ToWebview } from '../../shared/protocol';
import { viewConfig } from '../config';
import type { SourceLocator } from './sourceLocator';

export function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewOptions {
  return {
    enableScripts: true,
    localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist'), vscode.Uri.joinPath(extensionUri, 'media')],
  };
}

export function flameGraphHtml(
  webview: vscode.Webview,
  extensionUri: vscode.Uri,
  title: string,
  bundle: 'flamegraph' | 'torch' | 'gpu' | 'nsight' | 'bench' = 'flamegraph',
): string {
  const nonce = randomBytes(16).toString('base64');
  const script = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'webview', `${bundle}.js`));
  const style = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'webview', 'flamegraph.css'));
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src ${webview.cspSource} data:; font-src ${webview.cspSource}; style-src ${webview.cspSource} 'unsafe-inline'; script-src 'nonce-${nonce}';">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${style}">
<title>${escapeHtml(title)}</title>
</head>
<body>
<div id="app"></div>
<script nonce="${nonce}" src="${script}"></script>
</body>
</html>`;
}

export type ProfileSource = { profile: Profile; title: string } | { error: string; title: string };

/**
 * Wires a webview to a profile. Returns the disposables of the wiring; the caller owns the
 * webview itself.
 */
export function connectFlameGraph(
  webview: vscode.Webview,
  extensionUri: vscode.Uri,
  source: ProfileSource,
  locator: SourceLocator,
  log: vscode.LogOutputChannel,
): vscode.Disposable {
  webview.options = webviewOptions(extensionUri);
  webview.html = flameGraphHtml(webview, extensionUri, source.title);
  const session = 'profile' in source ? new ProfileSession(source.profile) : undefined;
  const post = (m: ToWebview) => void webview.postMessage(m);
  return webview.onDidReceiveMessage(async (m: ToHost) => {
    switch (m.type) {
      case 'ready':
        if (!session || !('profile' in source)) {
          post({ type: 'error', message: 'error' in source ? source.error : 'No profile.' });
          return;
        }
        post({
          type: 'init',
          summary: summarizeProfile(source.profile, source.title),
          options: { openSourceOnClick: viewConfig().openSourceOnClick, interactive: true },
        });
        return;
      case 'request':
        if (session) post(answerRequest(session, m));
        return;
      case 'openSource':
        await locator.open(m.file, m.line);
        return;
      case 'export': {
        if (!('profile' in source)) return;
        const ext = m.format === 'collapsed' ? 'folded' : 'speedscope.json';
        const base = source.title.replace(/\.(folded|collapsed|austin|speedscope\.json|json)$/i, '');
        const target = await vscode.window.showSaveDialog({
          defaultUri: vscode.Uri.file(path.join(locator.defaultFolder() ?? '', `${base}.${ext}`)),
          filters:
            m.format === 'collapsed' ? { 'Collapsed stacks': ['folded', 'collapsed'] } : { Speedscope: ['json'] },
        });
        if (!target) return;
        const text =
          m.format === 'collapsed'
            ? toCollapsedStacks(source.profile, { threadFrames: true })
            : toSpeedscope(source.profile, source.title);
        await saveExport(target, text);
        log.info(`Exported ${source.title} to ${target.fsPath}`);
        return;
      }
      case 'exportCsv':
      case 'openFlameGraph':
      case 'gpuExport':
      case 'clusterRefresh':
      case 'ncuCompare':
      case 'openBenchmark':
        return; // the trace view's, the GPU, Nsight and benchmark views' messages
      default: {
        const never: never = m;
        log.warn(`Unknown message from the flame graph view: ${JSON.stringify(never)}`);
      }
    }
  });
}
