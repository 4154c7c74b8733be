/**
 * Picks the parser from the content (the file name only breaks ties), so a profile renamed or
 * saved without an extension still opens.
 */
import { looksLikeAustin, parseAustin } from './austin';
import { COUNT_LIKE, parseCollapsedStacks } from './collapsedStacks';
import { FormatError } from '../formatError';
import { looksLikeSpeedscope, parseSpeedscope } from './speedscope';
import type { Profile } from '../../model/profile';

export type DetectedFormat = 'speedscope' | 'austin' | 'collapsed' | 'unknown';

export function detectFormat(head: string, fileName = ''): DetectedFormat {
  const text = head.replace(/^\uFEFF/, '');
  const trimmed = text.trimStart();
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    return looksLikeSpeedscope(trimmed) || /speedscope\.json$/i.test(fileName) ? 'speedscope' : 'unknown';
  }
  if (looksLikeAustin(text)) return 'austin';
  // Collapsed: the first non-comment line (whole, however long: a deep recursion writes lines of
  // hundreds of kilobytes) ends in a space and a count, or in something trying to be one (a
  // negative or NaN count is then reported by the collapsed reader, with its line).
  for (let at = 0; at < text.length;) {
    let nl = text.indexOf('\n', at);
    if (nl < 0) nl = text.length;
    const line = text.slice(at, nl).trim();
    at = nl + 1;
    if (!line || line.startsWith('#')) continue;
    if (TABLE_OF_NUMBERS.test(line)) return 'unknown';
    const space = line.lastIndexOf(' ');
    if (space <= 0) return 'unknown';
    const token = line.slice(space + 1);
    return /^\d+(\.\d+)?$/.test(token) || COUNT_LIKE.test(token) || line.includes(';') ? 'collapsed' : 'unknown';
  }
  return /\.(folded|collapsed|austin)$/i.test(fileName) ? 'collapsed' : 'unknown';
}

/** A word and then numbers only (/proc/stat, `vmstat`): a table, not a stack with a count. */
const TABLE_OF_NUMBERS = /^[^;\s]+(\s+[-+]?\d+(\.\d+)?){2,}$/;

/** Text that says what it is, for a clearer error than "unknown format". */
function recognise(text: string): string | undefined {
  const head = text.slice(0, 65536);
  if (/^\s*\{/.test(head)) {
    if (/"kind"\s*:\s*"flamelens-bench"/.test(head))
      return 'this is a flamelens benchmark result, not a CPU profile: `flamelens compare` reads it';
    if (/"machine_info"\s*:/.test(head) && /"benchmarks"\s*:/.test(text))
      return 'this is pytest-benchmark JSON, not a CPU profile: `flamelens compare` reads it';
    // What a run of `flamelens torch` saves beside its traces (and the H200 captures' form).
    if (/^\s*\{\s*"torch"\s*:\s*"[^"]*"\s*,\s*"(rows|ops)"\s*:/.test(head))
      return "this is torch's key_averages() table as flamelens saves it beside a trace, not a CPU profile: open the trace (the .pt.trace.json beside it) or its run folder, whose operator table has these rows";
  }
  if (/^# (HELP|TYPE) \S+/m.test(text.slice(0, 65536)))
    return 'this is Prometheus metrics text (a DCGM or node exporter page?), not a CPU profile';
  if (/^cpu\s+\d+(\s+\d+){3,}$/m.test(text.slice(0, 4096)) && /^(intr|ctxt|btime) /m.test(text))
    return 'this is a copy of /proc/stat, not a CPU profile';
  return undefined;
}

/** Parses a CPU profile from its text, whatever its format. */
export function parseProfile(text: string, fileName: string): Profile {
  const body = text.replace(/^\uFEFF/, '');
  const known = recognise(body);
  if (known) throw new FormatError(fileName, '', known);
  switch (detectFormat(body, fileName)) {
    case 'speedscope':
      return parseSpeedscope(body, fileName);
    case 'austin':
      return parseAustin(body, fileName);
    case 'collapsed':
      return parseCollapsedStacks(body, fileName);
    case 'unknown': {
      if (body.trim().length === 0) throw new FormatError(fileName, '', 'the file is empty; expected a CPU profile');
      throw new FormatError(
        fileName,
        '1',
        'unknown profile format: expected collapsed stacks (py-spy raw, flamelens), Austin samples or speedscope JSON',
      );
    }
  }
}
