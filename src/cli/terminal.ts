/**
 * What reaches the terminal. Names from files (functions, kernels, benchmarks) may carry escape
 * sequences, bidi overrides and other invisible characters: once guarded, the CLI's own writes
 * show them as markers (⟨U+001B⟩). The profiled program's output is the user's and passes through
 * unchanged.
 */
import { visibleText } from '../core/util/visibleText';

/** The streams' own writers, before guardTerminal: for the profiled program's output, which is the user's. */
const rawWrite = {
  stdout: process.stdout.write.bind(process.stdout),
  stderr: process.stderr.write.bind(process.stderr),
};
let guarded = false;

export function guardTerminal(stdoutToo: boolean): void {
  if (guarded) return;
  guarded = true;
  for (const stream of stdoutToo ? [process.stdout, process.stderr] : [process.stderr]) {
    const write = stream.write.bind(stream) as (chunk: unknown, ...rest: unknown[]) => boolean;
    (stream as { write: unknown }).write = (chunk: unknown, ...more: unknown[]) =>
      write(typeof chunk === 'string' ? visibleText(chunk) : chunk, ...more);
  }
}

/** Writes a line of the profiled program's (or benchmark's) own output unchanged, with what ended it. */
export function passThrough(line: string, stream: 'stdout' | 'stderr', end: '\n' | '\r\n' | '\r' | '' = '\n'): void {
  rawWrite[stream](line + end);
}
