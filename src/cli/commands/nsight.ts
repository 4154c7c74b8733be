/** `flamelens nsys` and `flamelens ncu`: run Nsight Systems or Nsight Compute on a command. */
import { parseArgs } from 'node:util';
import { OPTIONS } from '../../core/model/options';
import { readNsysSqliteFile } from '../../core/formats/nsight/nsysSqlite';
import { runNsight, type NsightRunOptions, type NsightRunResult } from '../../core/runners/nsight/nsightRun';
import { describeEnd } from '../../core/runners/runChild';
import { optionFlag, parsePositiveInt, splitAtDoubleDash, UsageError, type Command } from '../args';
import { onInterrupt } from '../interrupt';
import { passThrough } from '../terminal';
import { ncuJson, ncuText, nsysJson, nsysText } from '../present/nsight';

export const NSIGHT_HELP = `nsys: runs \`nsys profile --trace=cuda,nvtx,osrt\` (or --trace LIST) on COMMAND, exports the report
to SQLite and prints kernels, transfers and GPU busy time. ncu: runs Nsight Compute (set
"detailed" unless --set) on the launches whose kernel name matches REGEX (all when absent), at
most N of them, and prints each launch and the rule findings. Both keep the report, its export
and run.json in a new run folder; --nsys-arg/--ncu-arg pass one more argument to the tool.
A filter that matches no kernel is reported, not an error.
`;

type ToolOptions =
  | { kind: 'nsys'; trace?: string; extraArgs?: string[] }
  | Omit<Extract<NsightRunOptions, { kind: 'ncu' }>, 'workspaceRoot' | 'command' | 'cwd'>;

/** Runs the tool on `cmd` in a new run folder of the current directory; Ctrl-C stops it and keeps what it has. */
async function runTool(tool: ToolOptions, cmd: string[], json: boolean): Promise<NsightRunResult> {
  let stopListening = () => undefined as void;
  try {
    const r = await runNsight({
      ...tool,
      workspaceRoot: process.cwd(),
      command: cmd,
      cwd: process.cwd(),
      onOutput: (line, stream, end) => passThrough(line, json ? 'stderr' : stream, end),
      onBegin: (run) => {
        stopListening = onInterrupt(() => {
          process.stderr.write(`flamelens: stopping ${tool.kind} (what it recorded so far is kept)…\n`);
          run.abort();
        });
      },
    });
    const ended = describeEnd(r.result, tool.kind);
    if (ended) process.stderr.write(`flamelens: ${ended}\n`);
    return r;
  } finally {
    stopListening();
  }
}

export const nsys: Command = {
  usage: ['[--trace LIST] [--nsys-arg ARG]... [--json] [--top N] -- COMMAND [ARGS...]'],
  async run(args) {
    const { own, cmd } = splitAtDoubleDash(args);
    const { values } = parseArgs({
      args: own,
      options: {
        trace: { type: 'string' },
        'nsys-arg': { type: 'string', multiple: true },
        json: { type: 'boolean' },
        top: { type: 'string' },
      },
    });
    if (cmd.length === 0) throw new UsageError('nsys needs -- COMMAND [ARGS]');
    const top = values.top !== undefined ? parsePositiveInt(values.top, '--top') : undefined;
    const json = values.json === true;
    const tool = {
      kind: 'nsys' as const,
      nsysPath: process.env.FLAMELENS_NSYS,
      trace: values.trace,
      extraArgs: values['nsys-arg'],
    };
    const r = await runTool(tool, cmd, json);
    if (!r.output) {
      process.stderr.write(`flamelens: nsys wrote no report (see ${r.entry.dir})\n`);
      return 1;
    }
    const report = await readNsysSqliteFile(r.output);
    process.stdout.write(
      json ? JSON.stringify(nsysJson(report, r.output, top), null, 2) + '\n' : nsysText(report, r.output, top),
    );
    if (!json) process.stdout.write(`${r.output}\n`);
    return 0;
  },
};

export const ncu: Command = {
  usage: [
    '[--kernel-name REGEX] [--launch-count N] [--set NAME] [--section NAME]...\n' +
      '[--ncu-arg ARG]... [--json] [--top N] -- COMMAND [ARGS...]',
  ],
  async run(args) {
    const { own, cmd } = splitAtDoubleDash(args);
    const { values } = parseArgs({
      args: own,
      options: {
        'kernel-name': { type: 'string', short: 'k' },
        'launch-count': { type: 'string', short: 'c' },
        set: { type: 'string' },
        section: { type: 'string', multiple: true },
        'ncu-arg': { type: 'string', multiple: true },
        json: { type: 'boolean' },
        top: { type: 'string' },
      },
    });
    if (cmd.length === 0) throw new UsageError('ncu needs -- COMMAND [ARGS]');
    const top = values.top !== undefined ? parsePositiveInt(values.top, '--top') : undefined;
    const count = values['launch-count'];
    const launchCount = count !== undefined ? optionFlag(OPTIONS.ncuLaunchCount, count) : undefined;
    const kernelRegex = values['kernel-name'];
    if (kernelRegex !== undefined) {
      try {
        new RegExp(kernelRegex);
      } catch (e) {
        throw new UsageError(`--kernel-name is not a regular expression: ${(e as Error).message}`);
      }
    }
    const json = values.json === true;
    const tool = {
      kind: 'ncu' as const,
      ncuPath: process.env.FLAMELENS_NCU,
      set: values.set,
      sections: values.section,
      kernelRegex,
      launchCount,
      extraArgs: values['ncu-arg'],
    };
    const r = await runTool(tool, cmd, json);
    if (!r.output || r.kind !== 'ncu') {
      process.stderr.write(`flamelens: ncu wrote no report (see ${r.entry.dir})\n`);
      return 1;
    }
    const report = r.result.parsed;
    process.stdout.write(json ? JSON.stringify(ncuJson(report, top), null, 2) + '\n' : ncuText(report, r.output, top));
    if (!json) process.stdout.write(`${r.output}\n`);
    return 0;
  },
};
