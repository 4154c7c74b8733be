/** `flamelens record`: a CPU profile of a Python program (py-spy, or the built-in sampler). */
import { promises as fs } from 'node:fs';
import { parseArgs } from 'node:util';
import { OPTIONS } from '../../core/model/options';
import { cpuRunName, runCpuProfile } from '../../core/runners/cpu/cpuRun';
import type { SamplerChoice } from '../../core/runners/cpu/recordProfile';
import { checkOutputTarget, writeOutput } from '../../core/store/outputFile';
import {
  optionFlag,
  parsePositiveInt,
  programAfterDoubleDash,
  pythonCommand,
  splitAtDoubleDash,
  UsageError,
  type Command,
} from '../args';
import { onInterrupt } from '../interrupt';
import { samplerScriptPath } from '../paths';
import { passThrough } from '../terminal';
import { hottestText } from '../present/cpuProfile';

export const RECORD_HELP = `record options:
  --sampler auto|py-spy|builtin   py-spy when found, else the built-in sampler (default auto)
  --rate HZ                       samples per second (default 100)
  --duration S                    stop recording after S seconds
  -o, --output FILE               where to write the profile (- for standard output; it is also
                                  kept in a new run folder .flamelens/runs/<timestamp>-<name>/)
  --format collapsed|speedscope   py-spy's output format (default collapsed)
  --subprocesses --native --idle --gil   passed to py-spy (--idle also to the built-in sampler)
  --pid PID                       attach to a running process (needs py-spy)
`;

export const record: Command = {
  usage: ['[options] -- PYTHON SCRIPT [ARGS...]', '[options] --pid PID'],
  async run(args) {
    const { own, cmd } = splitAtDoubleDash(args);
    const { values, positionals } = parseArgs({
      args: own,
      allowPositionals: true,
      options: {
        sampler: { type: 'string', default: 'auto' },
        rate: { type: 'string', default: String(OPTIONS.sampleRate.default) },
        duration: { type: 'string' },
        output: { type: 'string', short: 'o' },
        format: { type: 'string', default: 'collapsed' },
        subprocesses: { type: 'boolean' },
        native: { type: 'boolean' },
        idle: { type: 'boolean' },
        gil: { type: 'boolean' },
        pid: { type: 'string' },
      },
    });
    if (values.pid === undefined) programAfterDoubleDash('record', positionals, own);
    else if (positionals.length) throw new UsageError(`record --pid takes no program (got "${positionals[0]}")`);
    const sampler = values.sampler as SamplerChoice;
    if (!['auto', 'py-spy', 'builtin'].includes(sampler))
      throw new UsageError('--sampler must be auto, py-spy or builtin');
    if (values.format !== 'collapsed' && values.format !== 'speedscope')
      throw new UsageError('--format must be collapsed or speedscope');
    const rate = optionFlag(OPTIONS.sampleRate, values.rate!);
    const duration = values.duration !== undefined ? optionFlag(OPTIONS.duration, values.duration) : undefined;
    const pid = values.pid !== undefined ? parsePositiveInt(values.pid, '--pid') : undefined;
    const target =
      pid !== undefined
        ? { kind: 'attach' as const, pid }
        : { kind: 'launch' as const, ...pythonCommand(cmd, 'record needs -- PYTHON SCRIPT [ARGS] (or --pid PID)') };
    // A bad -o is said before the program runs, not after minutes of recording.
    if (values.output && values.output !== '-') await checkOutputTarget(values.output);
    let stopListening = () => undefined as void;
    try {
      const r = await runCpuProfile({
        workspaceRoot: process.cwd(),
        name: cpuRunName(target),
        target,
        sampler,
        pyspyPath: process.env.FLAMELENS_PYSPY,
        rateHz: rate,
        durationS: duration,
        format: values.format,
        subprocesses: values.subprocesses,
        native: values.native,
        idle: values.idle,
        gil: values.gil,
        cwd: process.cwd(),
        samplerScript: samplerScriptPath(),
        onOutput: passThrough,
        onStart: (info) =>
          process.stderr.write(`flamelens: recording with ${info.sampler} (pid ${info.pid}) at ${rate} Hz\n`),
        onBegin: (run) => {
          stopListening = onInterrupt(() => {
            process.stderr.write('flamelens: stopping (the profile so far is kept)…\n');
            run.abort();
          }, ['SIGINT', 'SIGTERM']);
        },
      });
      if (r.record.fallbackReason) process.stderr.write(`flamelens: ${r.record.fallbackReason}\n`);
      if (!r.ok) {
        process.stderr.write(`flamelens: ${r.message}\n`);
        return 1;
      }
      let finalPath = r.record.outputPath;
      if (values.output) {
        await writeOutput(values.output, await fs.readFile(r.record.outputPath));
        finalPath = values.output;
      }
      if (r.entry.meta.message) process.stderr.write(`flamelens: ${r.entry.meta.message}\n`);
      process.stderr.write(`flamelens: ${hottestText(r.hot)}`);
      if (finalPath !== '-') process.stdout.write(`${finalPath}\n`);
      return 0;
    } finally {
      stopListening();
    }
  },
};
