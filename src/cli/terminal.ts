/**
 * What reaches the terminal. Names from files (functions, kernels, benchmarks) may carry escape
 * sequences, bidi overrides and other invisible characters: once guarded, the CLI's own writes
 * show them as markers (⟨U+001B⟩). The profiled program's output is the user's and passes through
 * unchanged.
 */
import { statSync } from 'node:fs';
import * as path from 'node:path';
import { visibleName, visibleText } from '../core/util/visibleText';
import { fileSizeText } from '../core/util/fileSize';

/** The streams' own writers, before guardTerminal: for the profiled program's output, which is the user's. */
const rawWrite = {
  stdout: process.stdout.write.bind(process.stdout),
  stderr: process.stderr.write.bind(process.stderr),
};
let guarded = false;

export function guardTerminal(stdoutToo: boolean): void {
  if (guarded) return;
  guarded = true;
  for (const stream of [process.stdout, process.stderr]) {
    const guard = stdoutToo || stream === process.stderr;
    const write = stream.write.bind(stream) as (chunk: unknown, ...rest: unknown[]) => boolean;
    (stream as { write: unknown }).write = (chunk: unknown, ...more: unknown[]) => {
      // A status line is taken away before anything else reaches the terminal.
      clearStatus();
      return write(guard && typeof chunk === 'string' ? visibleText(chunk) : chunk, ...more);
    };
  }
}

/** Writes a line of the profiled program's (or benchmark's) own output unchanged, with what ended it. */
export function passThrough(line: string, stream: 'stdout' | 'stderr', end: '\n' | '\r\n' | '\r' | '' = '\n'): void {
  clearStatus();
  rawWrite[stream](line + end);
}

/** Carriage return, then erase to the end of the line (ANSI "EL"): where a status line is rewritten. */
const REWRITE = '\r\x1b[K';
let statusShown = false;

/**
 * A line of progress on stderr when it is a terminal, rewritten in place and taken away before
 * any other output (and at the end of the command). Nothing when stderr is a pipe or a file: CI
 * logs and `2> log` get no progress, only the command's own messages.
 */
export function showStatus(text: string): void {
  if (!process.stderr.isTTY) return;
  // One line only: a line that wraps would not be rewritten by a carriage return.
  const width = Math.max(20, (process.stderr.columns || 80) - 1);
  const line = visibleName(text);
  rawWrite.stderr(REWRITE + (line.length > width ? line.slice(0, width - 1) + '…' : line));
  statusShown = true;
}

export function clearStatus(): void {
  if (!statusShown) return;
  statusShown = false;
  rawWrite.stderr(REWRITE);
}

/**
 * Says at once that `files` are being read, with their sizes: readers that report no progress
 * (a CPU profile is parsed in one piece; a 68 MB one takes seconds) still say what they do.
 */
export function announceReading(files: string[]): void {
  if (!process.stderr.isTTY) return;
  const sized = files.map((f) => {
    let size = '';
    try {
      size = ` (${fileSizeText(statSync(f).size)})`;
    } catch {
      // A missing file: its reader says so.
    }
    return path.basename(f) + size;
  });
  showStatus(`flamelens: reading ${sized.join(', ')}`);
}

/**
 * The status of reading a file (OpenOptions.onProgress), shown at once: how much of it has been
 * read when its reader says (traces), then that it is being analysed. A gigabyte trace takes
 * tens of seconds, which without a word reads as a hang.
 */
export function readingStatus(file: string): (done: number, total: number) => void {
  announceReading([file]);
  const name = path.basename(file);
  let shown = -1;
  return (done, total) => {
    const pct = total > 0 ? Math.floor((100 * done) / total) : 100;
    if (pct === shown) return;
    shown = pct;
    const size = fileSizeText(total);
    showStatus(
      done >= total ? `flamelens: read ${name}; analysing it` : `flamelens: reading ${name} (${size}): ${pct}%`,
    );
  };
}
