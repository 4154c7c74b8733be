/**
 * An Nsight Systems or Nsight Compute run, as both front ends make it: options checked before
 * anything starts, a run folder and run.json, the tool on the command, and run.json completed
 * with the tool's version, the file the view opens and how the program ended (an ncu filter that
 * matched nothing is completed, with why).
 */
import * as path from 'node:path';
import { checkOption, OptionError, OPTIONS } from '../../model/options';
import type { RunEntry } from '../../model/run';
import { describeEnd } from '../runChild';
import { withRun, type RunEnd, type RunHooks, type RunStart } from '../runRecord';
import { runNsys, type NsysRunOptions, type NsysRunResult } from './nsys';
import { runNcu, type NcuRunOptions, type NcuRunResult } from './ncu';

type Given = 'outputDir' | 'signal';

export type NsightRunOptions = (
  ({ kind: 'nsys' } & Omit<NsysRunOptions, Given>) | ({ kind: 'ncu' } & Omit<NcuRunOptions, Given>)
) &
  RunHooks & { workspaceRoot: string };

export type NsightRunResult = { entry: RunEntry } & (
  { kind: 'nsys'; result: NsysRunResult; output?: string } | { kind: 'ncu'; result: NcuRunResult; output?: string }
);

/** The run folder's name for a profiled command: its Python script, else its program. */
export function nsightRunName(command: string[]): string {
  return path.basename(command.find((w, i) => i > 0 && /\.py$/i.test(w)) ?? command[0]);
}

/** run.json of an nsys or ncu run as it starts (the editor and the CLI write the same). */
export function nsightRunStart(kind: 'nsys' | 'ncu', command: string[], cwd: string): RunStart {
  return {
    name: nsightRunName(command),
    kind,
    command,
    cwd,
    sampler: kind,
    rateHz: 0,
    output: kind === 'nsys' ? 'report.sqlite' : 'report.details.csv',
    format: kind === 'nsys' ? 'nsys-sqlite' : 'ncu-csv',
  };
}

/** The file a finished run's view opens (undefined when the tool wrote no report). */
export function nsightRunOutput(r: NsysRunResult | NcuRunResult): string | undefined {
  return 'parsed' in r ? r.detailsCsv : r.sqlite;
}

/** How an nsys or ncu run ended, for run.json: an ncu filter that matched nothing is completed, with the reason. */
export function nsightRunEnd(kind: 'nsys' | 'ncu', r: NsysRunResult | NcuRunResult): RunEnd {
  const output = nsightRunOutput(r);
  const noKernels = 'parsed' in r && r.report === undefined;
  const ended = describeEnd(r, kind);
  const lastLine = r.stderrTail.trim().split('\n').pop() ?? '';
  return {
    exitCode: r.exitCode,
    samplerVersion: r.version,
    status: r.cancelled ? 'cancelled' : output ? 'completed' : 'failed',
    message: noKernels
      ? 'No kernels matched: nothing was profiled (check the kernel name filter and the launch count).'
      : output
        ? ended
        : `${kind} wrote no report. ${ended ?? ''} ${lastLine}`.replace(/\s+/g, ' ').trim(),
  };
}

/** Checks what an ncu run is given; an OptionError names the bad option. */
export function checkNcuOptions(o: Pick<NcuRunOptions, 'launchCount' | 'kernelRegex'>): void {
  if (o.launchCount !== undefined) checkOption(OPTIONS.ncuLaunchCount, o.launchCount, 'the launch count');
  if (o.kernelRegex === undefined) return;
  try {
    new RegExp(o.kernelRegex);
  } catch (e) {
    throw new OptionError('kernel name', `the kernel name filter is not a regular expression: ${(e as Error).message}`);
  }
}

export async function runNsight(o: NsightRunOptions): Promise<NsightRunResult> {
  if (o.kind === 'ncu') checkNcuOptions(o);
  return withRun(o.workspaceRoot, nsightRunStart(o.kind, o.command, o.cwd), o, async (run) => {
    const given = { outputDir: run.dir, signal: run.signal };
    if (o.kind === 'nsys') {
      const result = await runNsys({ ...o, ...given });
      const entry = await run.finish(nsightRunEnd('nsys', result));
      return { kind: 'nsys', result, entry, output: nsightRunOutput(result) };
    }
    const result = await runNcu({ ...o, ...given });
    const entry = await run.finish(nsightRunEnd('ncu', result));
    return { kind: 'ncu', result, entry, output: nsightRunOutput(result) };
  });
}
