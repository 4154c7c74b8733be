/**
 * The page of every webview: a strict Content-Security-Policy with a per-load nonce (scripts run
 * only from the view's bundle), styles and fonts from the extension, resources limited to dist/
 * and media/, and nothing of the data in the page: it arrives by postMessage.
 */
import { vscode } from '../../vscodeApi';
import { randomBytes } from 'node:crypto';
import { escapeHtml } from '../../../core/util/html';

export function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewOptions {
  return {
    enableScripts: true,
    localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist'), vscode.Uri.joinPath(extensionUri, 'media')],
  };
}

/** The HTML of the view whose bundle is `dist/webview/<view>.js` (with `<view>.css`). */
export function viewPage(webview: vscode.Webview, extensionUri: vscode.Uri, view: string, title: string): string {
  const nonce = randomBytes(16).toString('base64');
  const asset = (ext: string) =>
    webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'webview', `${view}.${ext}`));
  const csp = [
    "default-src 'none'",
    `img-src ${webview.cspSource} data:`,
    `font-src ${webview.cspSource}`,
    `style-src ${webview.cspSource} 'unsafe-inline'`,
    `script-src 'nonce-${nonce}'`,
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp};">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${asset('css')}">
<title>${escapeHtml(title)}</title>
</head>
<body>
<div id="app"></div>
<script nonce="${nonce}" src="${asset('js')}"></script>
</body>
</html>`;
}
