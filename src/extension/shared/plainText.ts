import { visibleText } from '../../core/util/visibleText';

/**
 * Text that came from files and programs (names, paths, error messages), shown in a
 * notification, a CodeLens or a tooltip: VS Code turns `[label](command:…)` into a link in
 * notifications and `$(name)` into an icon in both; a zero-width space after `]` and `$` keeps
 * them literal. Bidi overrides, control and invisible characters show as markers (⟨U+202E⟩).
 */
export function plainText(s: string): string {
  return visibleText(s).replace(/\]\(/g, ']\u200B(').replace(/\$\(/g, '$\u200B(');
}
