/**
 * Finds function and class definitions in Python source by indentation, without a Python
 * parser: enough to place a CodeLens above the `def` a profile frame belongs to.
 */
export interface PythonDefinition {
  name: string;
  kind: 'def' | 'class';
  /** 1-based line of the `def`/`class` keyword. */
  line: number;
  /** 1-based line of the first decorator, or `line` when undecorated. */
  firstLine: number;
  /** 1-based last line of the body. */
  endLine: number;
  indent: number;
}

const DEF = /^([ \t]*)(?:async[ \t]+)?(def|class)[ \t]+([A-Za-z_\u00C0-\uFFFF][\w\u00C0-\uFFFF]*)/;

export function findPythonDefinitions(source: string): PythonDefinition[] {
  const lines = source.split(/\r?\n/);
  const defs: PythonDefinition[] = [];
  const open: PythonDefinition[] = [];
  let lastCode = 0;
  const indentOf = (s: string) => {
    let n = 0;
    for (const ch of s) {
      if (ch === ' ') n++;
      else if (ch === '\t') n += 8 - (n % 8);
      else break;
    }
    return n;
  };
  for (let i = 0; i < lines.length; i++) {
    const text = lines[i];
    const trimmed = text.trim();
    if (!trimmed || trimmed.startsWith('#')) continue;
    const indent = indentOf(text);
    // Close definitions whose body ended before this less-or-equally indented line.
    while (open.length > 0 && indent <= open[open.length - 1].indent && !isContinuation(lines, i)) {
      open.pop()!.endLine = lastCode;
    }
    const m = DEF.exec(text);
    if (m) {
      let firstLine = i + 1;
      for (let j = i - 1; j >= 0; j--) {
        const t = lines[j].trim();
        if (t.startsWith('@')) firstLine = j + 1;
        else if (t && !t.startsWith('#')) break;
      }
      const def: PythonDefinition = {
        name: m[3],
        kind: m[2] as 'def' | 'class',
        line: i + 1,
        firstLine,
        endLine: i + 1,
        indent,
      };
      defs.push(def);
      open.push(def);
    }
    lastCode = i + 1;
  }
  for (const d of open) d.endLine = lastCode;
  return defs;
}

function isContinuation(lines: string[], i: number): boolean {
  // A closing bracket at the start of a line inside a multi-line signature is not a dedent.
  return /^\s*[)\]}]/.test(lines[i]);
}

/**
 * The definition a profiled function belongs to: same name, containing the sampled lines
 * (innermost first). Without line numbers, the first definition of that name.
 */
export function matchDefinition(
  defs: PythonDefinition[],
  name: string,
  sampledLines: readonly number[],
): PythonDefinition | undefined {
  const candidates = defs.filter((d) => d.name === name);
  if (candidates.length === 0) return undefined;
  if (sampledLines.length === 0) return candidates[0];
  let best: PythonDefinition | undefined;
  let bestHits = 0;
  for (const d of candidates) {
    let hits = 0;
    for (const l of sampledLines) if (l >= d.line && l <= d.endLine) hits++;
    // py-spy reports a function's first line for some frames (e.g. generators before they run).
    if (hits === 0 && sampledLines.includes(d.firstLine)) hits = 1;
    if (hits > bestHits || (hits === bestHits && hits > 0 && best && d.line > best.line)) {
      best = d;
      bestHits = hits;
    }
  }
  return best;
}
