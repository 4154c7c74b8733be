/**
 * A PyTorch profiler run, as both front ends make it: the schedule checked before anything
 * starts, a run folder and run.json, the unchanged script under the launcher, and run.json
 * completed with the torch version, the first trace and how the program ended.
 */
import * as path from 'node:path';
import { checkOption, OPTIONS } from '../../model/options';
import type { RunEntry } from '../../model/run';
import { describeEnd } from '../runChild';
import { checkScript } from '../findTool';
import { withRun, type RunHooks } from '../runRecord';
import { recordTorchTrace, type TorchRecordOptions, type TorchRecordResult } from './recordTorchTrace';

export interface TorchRunOptions extends Omit<TorchRecordOptions, 'outputDir' | 'signal'>, RunHooks {
  workspaceRoot: string;
}

export interface TorchRunResult {
  entry: RunEntry;
  record: TorchRecordResult;
  /** How the program ended, when not simply (exit code, signal), as one sentence. */
  ended?: string;
}

/** Checks the schedule; an OptionError names the bad number. */
export function checkTorchSchedule(o: Pick<TorchRecordOptions, 'wait' | 'warmup' | 'active' | 'repeat'>): void {
  if (o.wait !== undefined) checkOption(OPTIONS.torchWait, o.wait, 'wait');
  if (o.warmup !== undefined) checkOption(OPTIONS.torchWarmup, o.warmup, 'warmup');
  if (o.active !== undefined) checkOption(OPTIONS.torchActive, o.active, 'active');
  if (o.repeat !== undefined) checkOption(OPTIONS.torchRepeat, o.repeat, 'repeat');
}

export async function runTorchProfile(o: TorchRunOptions): Promise<TorchRunResult> {
  checkTorchSchedule(o);
  await checkScript(o.python, o.script, o.cwd, o.module);
  const name = path.basename(o.script);
  const start = {
    name,
    kind: 'torch' as const,
    command: [o.python, ...(o.module ? ['-m'] : []), o.script, ...o.args],
    cwd: o.cwd,
    sampler: 'torch-profiler' as const,
    rateHz: 0,
    interpreter: o.python,
    output: 'trace-1.pt.trace.json',
    format: 'torch-trace' as const,
  };
  return withRun(o.workspaceRoot, start, o, async (run) => {
    const record = await recordTorchTrace({ ...o, outputDir: run.dir, signal: run.signal });
    const ended = describeEnd(record, 'python');
    const entry = await run.finish({
      status: record.cancelled ? 'cancelled' : record.traces.length ? 'completed' : 'failed',
      exitCode: record.exitCode,
      samplerVersion: record.info.torch ? `torch ${record.info.torch}` : undefined,
      output: record.traces[0] ? path.basename(record.traces[0]) : start.output,
      message: [ended, ...record.info.notes].filter(Boolean).join(' ') || undefined,
    });
    return { entry, record, ended };
  });
}
