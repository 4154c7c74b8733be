/**
 * The `def` line of each Python function in a profile, from its source: frames record the line
 * being executed, so a function's frames carry many lines and none is where it starts. The
 * caller reads the files (the extension through its source locator, the CLI from disk); a file
 * that cannot be read, or holds no matching definition, leaves its functions without one.
 */
import { functionKey, type Profile } from '../../model/profile';
import { findPythonDefinitions, matchDefinition } from './pythonDefinitions';

export interface DefinitionLimits {
  /** Files read at most (the heaviest first is not known here: the first met). */
  maxFiles?: number;
  /** Larger sources are skipped. */
  maxBytes?: number;
}

const PYTHON = /\.(py|pyw|pyi|pyx)$/i;

/** functionKey → the 1-based line of its `def` keyword. */
export async function definitionLines(
  profile: Profile,
  read: (file: string) => Promise<string | undefined>,
  limits: DefinitionLimits = {},
): Promise<Map<string, number>> {
  const byFile = new Map<string, Map<string, { name: string; lines: number[] }>>();
  for (const f of profile.frames) {
    if (!f.file || !PYTHON.test(f.file)) continue;
    let fns = byFile.get(f.file);
    if (!fns) {
      if (byFile.size >= (limits.maxFiles ?? 500)) continue;
      byFile.set(f.file, (fns = new Map()));
    }
    const key = functionKey(f);
    let fn = fns.get(key);
    if (!fn) fns.set(key, (fn = { name: f.name, lines: [] }));
    if (f.line) fn.lines.push(f.line);
  }
  const out = new Map<string, number>();
  const maxBytes = limits.maxBytes ?? 4 * 1024 * 1024;
  for (const [file, fns] of byFile) {
    const text = await read(file).catch(() => undefined);
    if (text === undefined || text.length > maxBytes) continue;
    const defs = findPythonDefinitions(text);
    for (const [key, fn] of fns) {
      const d = matchDefinition(defs, fn.name, fn.lines);
      if (d) out.set(key, d.line);
    }
  }
  return out;
}
