/**
 * Reads Austin's collapsed sample output. Checked on Austin 1.0.1 (Debian's package, run here)
 * and on the 2.x/3.x syntax documented by Austin and written by austin-python's test data:
 *
 * - 1.x: `P<pid>;T<tid>;func (file);L<line>;func (file);L<line> <µs>`: each frame is followed
 *   by an `L` token holding the line of that frame;
 * - 2.x/3.x: `P<pid>;T<iid>:<tid>;file:func:line;… <metric>` where the metric is one number, or
 *   `time,idle,memory` in full-metrics mode; 3.x files start with `# austin: 3.x` headers
 *   (`# mode: wall|cpu|memory`, `# interval: µs`, …).
 *
 * Weights are microseconds (time modes) or bytes (memory mode).
 */
import { FormatError } from '../formatError';
import { frameKindFor, lines, parseWeight } from './frameSyntax';
import { preview } from './collapsedStacks';
import { FrameTable, ThreadBuilder, type Frame, type Profile } from '../../model/profile';

const AUSTIN_LINE = /^P\d+;T[\w:.-]+[; ]/;

export function looksLikeAustin(head: string): boolean {
  for (const [line] of lines(head.slice(0, 4096))) {
    const t = line.trim();
    if (!t) continue;
    if (/^# austin:/.test(t)) return true;
    if (t.startsWith('#')) continue;
    return AUSTIN_LINE.test(t);
  }
  return false;
}

export function parseAustin(text: string, fileName: string): Profile {
  const frames = new FrameTable();
  const threads = new Map<string, ThreadBuilder>();
  const meta: Record<string, string> = {};
  let samples = 0;

  for (const [raw, lineNo] of lines(text)) {
    const line = raw.trim();
    if (!line) continue;
    if (line.startsWith('#')) {
      const m = /^#\s*([\w.-]+)\s*:\s*(.*)$/.exec(line);
      if (m) meta[m[1]] = m[2];
      continue;
    }
    const space = line.lastIndexOf(' ');
    if (space <= 0 || !/^P\d+;T[^;\s]+/.test(line)) {
      throw new FormatError(
        fileName,
        `${lineNo}`,
        `expected an Austin sample \`P<pid>;T<tid>;frames… <metric>\`, found ${preview(line)}`,
      );
    }
    const metricToken = line.slice(space + 1);
    const weight = parseWeight(metricToken.split(',')[0]);
    if (!(weight >= 0)) {
      throw new FormatError(
        fileName,
        `${lineNo}`,
        `expected a number after the last space of an Austin sample, found ${preview(metricToken)}`,
      );
    }
    const parts = line.slice(0, space).split(';');
    const pid = parts[0].slice(1);
    const tid = parts[1].slice(1);
    const stack: number[] = [];
    for (let i = 2; i < parts.length; i++) {
      const token = parts[i];
      if (!token) continue;
      const next = parts[i + 1];
      // 1.x: `func (file)` followed by `L<line>`.
      if (token.endsWith(')') && next !== undefined && /^L\d+$/.test(next)) {
        const lineNum = Number(next.slice(1));
        i++;
        stack.push(frames.intern(`${token};${next}`, () => frameFromV1(token, lineNum)));
        continue;
      }
      stack.push(frames.intern(token, () => frameFromV3(token)));
    }
    const id = `${pid}/${tid}`;
    let builder = threads.get(id);
    if (!builder) {
      builder = new ThreadBuilder(id, `process ${pid} · thread ${tid}`);
      threads.set(id, builder);
    }
    builder.add(stack, weight);
    samples++;
  }
  if (samples === 0) throw new FormatError(fileName, '1', 'expected Austin samples, found none');
  const mode = meta['mode'] ?? '';
  return {
    format: 'austin',
    unit: mode === 'memory' ? 'bytes' : 'microseconds',
    frames: frames.frames,
    threads: [...threads.values()].map((t) => t.build()),
    meta: { ...meta, samples: String(samples) },
  };
}

function frameFromV1(token: string, line: number): Frame {
  const open = token.lastIndexOf(' (');
  if (open <= 0) return { name: token, line, kind: 'other' };
  const file = token.slice(open + 2, -1);
  return { name: token.slice(0, open), file, line, kind: frameKindFor(file) };
}

/** `file:function:line`, where the file may itself contain colons (Windows drive letters). */
function frameFromV3(token: string): Frame {
  const last = token.lastIndexOf(':');
  const lineText = last > 0 ? token.slice(last + 1) : '';
  if (last > 0 && /^\d+$/.test(lineText)) {
    const mid = token.lastIndexOf(':', last - 1);
    if (mid >= 0) {
      const file = token.slice(0, mid);
      const name = token.slice(mid + 1, last);
      if (!file) return { name: name || token, kind: 'other' };
      return { name, file, line: Number(lineText), kind: frameKindFor(file) };
    }
  }
  return { name: token, kind: 'other' };
}
