/**
 * Text that came from files and programs (names, paths, error messages), shown in a
 * notification or a CodeLens: VS Code turns `[label](command:…)` into a link in notifications
 * and `$(name)` into an icon in both. A zero-width space after `]` and `$` keeps them literal.
 */
export function plainText(s: string): string {
  return s.replace(/\]\(/g, ']\u200B(').replace(/\$\(/g, '$\u200B(');
}
