/**
 * A CPU profiling run (py-spy or the built-in sampler), as both front ends make it: options
 * checked before anything starts, a run folder and run.json, the recording, the profile read back
 * and run.json completed with the sampler, samples and how the program ended.
 */
import * as path from 'node:path';
import { readProfile } from '../../formats/cpu/readProfile';
import { hotPathsOf, type HotPaths } from '../../analysis/cpu/hotPaths';
import { checkOption, OptionError, OPTIONS } from '../../model/options';
import type { Profile } from '../../model/profile';
import type { RunEntry } from '../../model/run';
import { describeEnd } from '../runChild';
import { checkScript } from '../findTool';
import { withRun, type RunHooks, type RunStart } from '../runRecord';
import { recordProfile, type RecordOptions, type RecordResult, type RecordTarget } from './recordProfile';

export interface CpuRunOptions extends Omit<RecordOptions, 'outputDir' | 'signal'>, RunHooks {
  /** The workspace whose `.flamelens/runs/` gets the run. */
  workspaceRoot: string;
  /** The run's name (the script's file name, `pid1234`). */
  name: string;
}

export type CpuRunResult =
  | { ok: true; entry: RunEntry; record: RecordResult; profile: Profile; hot: HotPaths }
  /** The recording ended but left no readable profile; run.json says why (entry.meta.message). */
  | { ok: false; entry: RunEntry; record: RecordResult; message: string };

/** The run's name for a target: its script's file name, or `pid1234`. */
export function cpuRunName(target: RecordTarget): string {
  return target.kind === 'attach' ? `pid${target.pid}` : path.basename(target.script);
}

/** The command line as run.json records it. */
export function targetCommand(target: RecordTarget): string[] {
  return target.kind === 'launch'
    ? [target.python, ...(target.module ? ['-m'] : []), target.script, ...target.args]
    : [];
}

/** Checks the options every sampler takes; an OptionError names the bad one. */
export function checkRecordOptions(o: Pick<RecordOptions, 'rateHz' | 'durationS' | 'sampler'>): void {
  checkOption(OPTIONS.sampleRate, o.rateHz, 'the sample rate');
  if (o.durationS !== undefined) checkOption(OPTIONS.duration, o.durationS, 'the duration');
  if (!['auto', 'py-spy', 'builtin'].includes(o.sampler)) {
    throw new OptionError('sampler', `the sampler must be auto, py-spy or builtin, got "${o.sampler}"`);
  }
}

export async function runCpuProfile(o: CpuRunOptions): Promise<CpuRunResult> {
  checkRecordOptions(o);
  if (o.target.kind === 'launch') await checkScript(o.target.python, o.target.script, o.cwd, o.target.module);
  const start: RunStart = {
    name: o.name,
    kind: 'cpu',
    command: targetCommand(o.target),
    cwd: o.cwd,
    sampler: o.sampler === 'builtin' ? 'builtin' : 'py-spy',
    rateHz: o.rateHz,
    durationS: o.durationS || undefined,
    pid: o.target.kind === 'attach' ? o.target.pid : undefined,
    interpreter: o.target.kind === 'launch' ? o.target.python : undefined,
    output: 'profile.folded',
    format: 'collapsed',
  };
  return withRun(o.workspaceRoot, start, o, async (run) => {
    const record = await recordProfile({ ...o, outputDir: run.dir, signal: run.signal });
    const ended = { exitCode: record.exitCode, sampler: record.sampler, samplerVersion: record.samplerVersion };
    let profile: Profile;
    try {
      profile = await readProfile(record.outputPath);
    } catch (e) {
      const why = record.cancelled ? 'Cancelled before any sample was written' : 'No profile was written';
      const message = `${why}: ${e instanceof Error ? e.message : String(e)}`;
      const entry = await run.finish({ ...ended, status: 'failed', message, fallbackReason: record.fallbackReason });
      return { ok: false, entry, record, message };
    }
    const hot = hotPathsOf(profile);
    const entry = await run.finish({
      ...ended,
      status: record.cancelled ? 'cancelled' : 'completed',
      pythonVersion: profile.meta.python,
      output: path.basename(record.outputPath),
      format: record.format,
      samples: hot.total,
      fallbackReason: record.fallbackReason,
      message:
        hot.total === 0
          ? `No sample: the program was never running on a CPU when sampled (it slept or waited for ${profile.meta.ticks ?? 'all'} ticks); turn on idle sampling to see where it waited`
          : describeEnd(record, record.sampler),
    });
    return { ok: true, entry, record, profile, hot };
  });
}
