// Controls from the one kit every view uses (@vscode-elements/elements): buttons that follow the
// theme's button colours and focus ring, in place of each view's own <button>.
import '@vscode-elements/elements/dist/vscode-button/index.js';
import { el } from './dom';

/** A secondary button (the toolbar's kind); `primary` for the one main action of a view. */
export function button(
  text: string,
  attrs: Record<string, string> = {},
  onClick?: (e: MouseEvent) => void,
  primary = false,
): HTMLElement {
  const b = el('vscode-button', primary ? attrs : { secondary: '', ...attrs }, text);
  if (onClick) b.addEventListener('click', onClick);
  return b;
}
