/**
 * Picks the parser from the content (the file name only breaks ties), so a profile renamed or
 * saved without an extension still opens.
 */
import { looksLikeAustin, parseAustin } from './austin';
import { parseCollapsedStacks } from './collapsedStacks';
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
  // Collapsed: the first non-comment line ends in a space and a number.
  for (const raw of text.slice(0, 65536).split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    return /\S\s+\d+(\.\d+)?$/.test(line) ? 'collapsed' : 'unknown';
  }
  return /\.(folded|collapsed|austin)$/i.test(fileName) ? 'collapsed' : 'unknown';
}

/** Parses a CPU profile from its text, whatever its format. */
export function parseProfile(text: string, fileName: string): Profile {
  const body = text.replace(/^\uFEFF/, '');
  switch (detectFormat(body, fileName)) {
    case 'speedscope':
      return parseSpeedscope(body, fileName);
    case 'austin':
      return parseAustin(body, fileName);
    case 'collapsed':
      return parseCollapsedStacks(body, fileName);
    case 'unknown':
      if (body.trim().length === 0) throw new FormatError(fileName, '', 'the file is empty; expected a CPU profile');
      throw new FormatError(
        fileName,
        '1',
        'unknown profile format: expected collapsed stacks (py-spy raw, flamelens), Austin samples or speedscope JSON',
      );
  }
}
