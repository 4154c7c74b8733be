/**
 * Reads collapsed ("folded") stacks: one stack per line, frames joined by `;`, root first, and a
 * sample count after the last space (Brendan Gregg's format). This covers py-spy's
 * `record --format raw` (0.3.x/0.4.x: `--threads` adds a `thread (0x…)` or
 * `thread (0x…): Name` root frame, `--subprocesses` a `process PID:"cmdline"` frame above it,
 * `--native` native frames such as `PyEval_EvalFrameDefault (libpython3.11.so)`,
 * `--nolineno` frames without `:line`), flamelens' built-in sampler (same syntax, with a
 * `# flamelens-sampler` header), and generic collapsed files from other tools.
 */
import { FormatError } from '../formatError';
import { lines, parsePySpyFrame, parseWeight } from './frameSyntax';
import { FrameTable, ThreadBuilder, type Profile } from '../../model/profile';

const ALL = '(all)';

/** A last token that tries to be a count (a bad one is named as such, not as a bad line). */
export const COUNT_LIKE = /^[-+]?(\d|\.\d|nan$|inf)/i;

export function parseCollapsedStacks(text: string, fileName: string): Profile {
  const frames = new FrameTable();
  const threads = new Map<string, ThreadBuilder>();
  const meta: Record<string, string> = {};
  let sawPySpySyntax = false;
  let sawHeader = false;
  let lineCount = 0;
  let total = 0;
  // The built-in sampler's ticks (`#@ START DUR STACK…`), read once every stack line is known.
  const ticks: [string, number][] = [];
  const lineThread: ThreadBuilder[] = [];
  const lineNode: number[] = [];

  for (const [raw, lineNo] of lines(text)) {
    const line = raw.trim();
    if (line.length === 0) continue;
    if (line.charCodeAt(0) === 35 /* # */) {
      if (line.charCodeAt(1) === 64 /* @ */) {
        ticks.push([line, lineNo]);
        continue;
      }
      const m = /^#\s*([\w.-]+)\s*:\s*(.*)$/.exec(line);
      if (m) {
        meta[m[1]] = m[2];
        if (m[1] === 'flamelens-sampler') sawHeader = true;
      }
      continue;
    }
    lineCount++;
    const space = line.lastIndexOf(' ');
    const token = space > 0 ? line.slice(space + 1) : '';
    const weight = parseWeight(token);
    if (!(weight >= 0) || !Number.isFinite(weight)) {
      throw new FormatError(
        fileName,
        `${lineNo}`,
        COUNT_LIKE.test(token)
          ? `expected a sample count of 0 or more after the last space, found ${preview(token)}`
          : `expected a stack of frames separated by ';' and then a space and a sample count, found ${preview(line)}`,
      );
    }
    if (!Number.isInteger(weight))
      throw new FormatError(fileName, `${lineNo}`, `expected a whole number of samples, found ${preview(token)}`);
    if (weight > Number.MAX_SAFE_INTEGER)
      throw new FormatError(
        fileName,
        `${lineNo}`,
        `the sample count ${token} is above 2^53, where counts can no longer be added exactly`,
      );
    total += weight;
    if (total > Number.MAX_SAFE_INTEGER)
      throw new FormatError(
        fileName,
        `${lineNo}`,
        'the sample counts add up to more than 2^53 by this line, where totals are no longer exact',
      );
    const parts = line.slice(0, space).split(';');
    let processLabel = '';
    let threadLabel = '';
    let threadId = '';
    const stack: number[] = [];
    for (let i = 0; i < parts.length; i++) {
      const text = parts[i];
      if (text.length === 0) continue;
      if (stack.length === 0 && !threadId && text.startsWith('process ')) {
        const m = /^process (\d+)(?::(.*))?$/.exec(text);
        if (m) {
          processLabel = `process ${m[1]}`;
          threadId = `p${m[1]}`;
          meta[`process.${m[1]}`] = (m[2] ?? '').replace(/^"|"$/g, '');
          continue;
        }
      }
      if (stack.length === 0 && text.startsWith('thread (')) {
        const m = /^thread \(([^)]*)\)(?::\s*(.*))?$/.exec(text);
        if (m) {
          threadId = threadId ? `${threadId}/${m[1]}` : m[1];
          threadLabel = m[2] ? `${m[2]} (${m[1]})` : `thread ${m[1]}`;
          continue;
        }
      }
      stack.push(
        frames.intern(text, () => {
          const f = parsePySpyFrame(text);
          if (f.line !== undefined) sawPySpySyntax = true;
          return f;
        }),
      );
    }
    const id = threadId || ALL;
    let builder = threads.get(id);
    if (!builder) {
      const label = [processLabel, threadLabel].filter(Boolean).join(' · ') || 'all threads';
      builder = new ThreadBuilder(id, label);
      threads.set(id, builder);
    }
    lineThread.push(builder);
    lineNode.push(builder.add(stack, weight));
  }
  if (sawHeader) readTicks(ticks, lineThread, lineNode, fileName);
  // The built-in sampler says how many samples it took: a program that slept or waited the whole
  // time is a run with none, not a broken file.
  if (lineCount === 0 && !(sawHeader && meta.samples === '0')) {
    throw new FormatError(
      fileName,
      '1',
      'expected collapsed stacks (`frame;frame;frame COUNT` lines), found no stack lines',
    );
  }
  return {
    format: sawHeader ? 'flamelens-builtin' : sawPySpySyntax ? 'pyspy-raw' : 'collapsed',
    unit: 'samples',
    frames: frames.frames,
    threads: [...threads.values()].map((t) => t.build()),
    meta,
  };
}

/**
 * The sampler's time order: each tick line `#@ START DUR I J …` says that at START µs after the
 * run began, for DUR µs (until the next tick), the stacks of lines I, J, … (numbered from 0 in
 * file order, one per thread that was running) were sampled.
 */
function readTicks(ticks: [string, number][], thread: ThreadBuilder[], node: number[], fileName: string): void {
  const last = new Map<ThreadBuilder, number>();
  for (const [line, lineNo] of ticks) {
    const parts = line.slice(2).trim().split(/\s+/);
    const start = Number(parts[0]);
    const dur = Number(parts[1]);
    if (parts.length < 2 || !(start >= 0) || !(dur >= 0) || !Number.isFinite(start + dur))
      throw new FormatError(
        fileName,
        `${lineNo}`,
        `expected a sampler tick "#@ START DURATION STACK…" with times in µs, found ${preview(line)}`,
      );
    for (let k = 2; k < parts.length; k++) {
      const i = Number(parts[k]);
      if (!Number.isInteger(i) || i < 0 || i >= node.length)
        throw new FormatError(
          fileName,
          `${lineNo}`,
          `expected stack numbers between 0 and ${node.length - 1} in the sampler tick, found ${preview(parts[k])}`,
        );
      const t = thread[i];
      if ((last.get(t) ?? -1) > start)
        throw new FormatError(
          fileName,
          `${lineNo}`,
          `expected sampler ticks in time order, this one goes back to ${start} µs`,
        );
      last.set(t, start);
      t.at(node[i], start, dur, 'wall');
    }
  }
}

export function preview(s: string): string {
  const cut = s.length > 80 ? `${s.slice(0, 77)}…` : s;
  return JSON.stringify(cut);
}
