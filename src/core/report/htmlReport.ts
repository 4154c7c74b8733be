/**
 * The standalone HTML report: one self-contained file with the flame graph webview's code and
 * styles inlined and the profiles embedded as JSON data (never as script), so it opens from disk
 * with no network and no extension.
 */
import type { ProfileJson } from '../model/profile';
import { escapeHtml, jsonForHtml } from '../util/html';

export interface ReportInput {
  title: string;
  profile: ProfileJson;
  /** `def` lines by functionKey, read from the sources when the report was written. */
  defLines?: [string, number][];
}

/**
 * `inputs` is what the bundle reads from #flamelens-data: profiles, or PyTorch trace views.
 * `first`, when given, is small and read first (#flamelens-first): what the page draws before it
 * parses the rest, such as a flame graph's first view.
 */
export function buildHtmlReport(
  inputs: { title: string }[],
  assets: { js: string; css: string },
  nonce: string,
  first?: unknown,
): string {
  const title = inputs.length === 1 ? `flamelens: ${inputs[0].title}` : `flamelens: ${inputs.length} files`;
  // A literal "</script" inside the bundle would end the element early.
  const js = assets.js.replace(/<\/(script)/gi, '<\\/$1');
  const css = assets.css.replace(/<\/(style)/gi, '<\\/$1');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'; script-src 'nonce-${nonce}';">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${css}</style>
</head>
<body class="flamelens-report">
<div id="app"></div>
${
  first === undefined
    ? `<script type="application/json" id="flamelens-data">${jsonForHtml(inputs)}</script>
<script nonce="${nonce}">${js}</script>`
    : // The code and the small first view come before the large data, so the page draws while
      // the browser is still reading the rest.
      `<script type="application/json" id="flamelens-first">${jsonForHtml(first)}</script>
<script nonce="${nonce}">${js}</script>
<script type="application/json" id="flamelens-data">${jsonForHtml(inputs)}</script>`
}
</body>
</html>
`;
}
