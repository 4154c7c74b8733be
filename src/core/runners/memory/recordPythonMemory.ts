/**
 * Runs a Python program under flamelens' heap tracer (media/flamelens_memory_tracer.py, on
 * tracemalloc: nothing to install) and reads the profile it writes.
 */
import { promises as fs } from 'node:fs';
import { findExecutable, ToolError } from '../findTool';
import { runChild, type ChildOptions } from '../runChild';
import { parsePythonMemory } from '../../formats/memory/pythonMemory';
import type { PythonMemoryProfile } from '../../model/pythonMemory';

export interface MemoryRecordOptions extends ChildOptions<'builtin'> {
  python: string;
  script: string;
  args: string[];
  module?: boolean;
  tracerScript: string;
  output: string;
  /** Frames per allocation (1: the allocating line; more: stacks, at more cost). */
  frames?: number;
  /** Seconds between the snapshots of the lines' held bytes (for leak candidates). */
  periodS?: number;
}

export interface MemoryRecordResult {
  exitCode: number | null;
  signal?: string;
  cancelled: boolean;
  hung?: boolean;
  leftovers?: number;
  profile: PythonMemoryProfile;
  stderrTail: string;
}

export async function recordPythonMemory(o: MemoryRecordOptions): Promise<MemoryRecordResult> {
  const python = (await findExecutable(o.python, undefined, o.env ?? process.env)) ?? o.python;
  const args = [o.tracerScript, '--output', o.output, '--frames', String(o.frames ?? 1)];
  if (o.periodS !== undefined) args.push('--period', String(o.periodS));
  args.push('--');
  if (o.module) args.push('-m');
  args.push(o.script, ...o.args);
  const r = await runChild(python, args, o, 'builtin');
  let text: string;
  try {
    text = await fs.readFile(o.output, 'utf8');
  } catch {
    throw new ToolError(
      'python',
      `The memory tracer wrote no profile (${r.signal ? `ended by ${r.signal}` : `exit ${r.exitCode}`}): ${r.stderrTail.trim().split('\n').pop() ?? ''}`,
      'Check that the interpreter runs the script.',
    );
  }
  return {
    exitCode: r.exitCode,
    cancelled: r.cancelled,
    profile: parsePythonMemory(text, o.output),
    stderrTail: r.stderrTail,
  };
}
