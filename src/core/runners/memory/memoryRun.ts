/**
 * A Python heap profiling run, as both front ends make it: a run folder and run.json, the script
 * under the heap tracer, run.json completed with how the program ended and its peak.
 */
import * as path from 'node:path';
import type { RunEntry } from '../../model/run';
import { describeEnd } from '../runChild';
import { checkScript } from '../findTool';
import { withRun, type RunHooks } from '../runRecord';
import { recordPythonMemory, type MemoryRecordOptions, type MemoryRecordResult } from './recordPythonMemory';

export interface MemoryRunOptions extends Omit<MemoryRecordOptions, 'output' | 'signal'>, RunHooks {
  workspaceRoot: string;
}

export interface MemoryRunResult {
  entry: RunEntry;
  record: MemoryRecordResult;
  output: string;
  ended?: string;
}

export const MEMORY_OUTPUT = 'memory.json';

export async function runPythonMemory(o: MemoryRunOptions): Promise<MemoryRunResult> {
  await checkScript(o.python, o.script, o.cwd, o.module);
  const start = {
    name: path.basename(o.script),
    kind: 'memory' as const,
    command: [o.python, ...(o.module ? ['-m'] : []), o.script, ...o.args],
    cwd: o.cwd,
    sampler: 'tracemalloc' as const,
    rateHz: 0,
    interpreter: o.python,
    output: MEMORY_OUTPUT,
    format: 'python-memory' as const,
  };
  return withRun(o.workspaceRoot, start, o, async (run) => {
    const output = path.join(run.dir, MEMORY_OUTPUT);
    const record = await recordPythonMemory({ ...o, output, signal: run.signal });
    const ended = describeEnd(record, 'python');
    const entry = await run.finish({
      status: record.cancelled ? 'cancelled' : 'completed',
      exitCode: record.exitCode,
      samplerVersion: record.profile.python ? `Python ${record.profile.python}` : undefined,
      durationS: record.profile.durationS,
      message: ended,
    });
    return { entry, record, output, ended };
  });
}
