/**
 * Names from profiles, traces and reports may carry characters that change how text around them
 * reads: bidirectional overrides and isolates (U+202A–U+202E, U+2066–U+2069, U+200E/U+200F,
 * U+061C), zero-width characters, control characters. Views show them as a visible marker
 * (⟨U+202E⟩), so a name reads the way it is stored ("evil\u202Efdp.exe" does not pose as
 * "evilexe.pdf").
 */
const HIDDEN =
  /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]/g;

export function visibleText(s: string): string {
  return s.replace(HIDDEN, (c) => `⟨U+${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}⟩`);
}

const HIDDEN_IN_NAMES = /[\t\n\r]/g;

/**
 * A name from a file (function, file, kernel, benchmark) for one cell or one line of text:
 * as visibleText, and tabs and line ends as markers too, so a name cannot add a row or a column
 * to a table (a newline in a function name would forge a whole row of `analyze`).
 */
export function visibleName(s: string): string {
  return visibleText(s).replace(
    HIDDEN_IN_NAMES,
    (c) => `⟨U+${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}⟩`,
  );
}
