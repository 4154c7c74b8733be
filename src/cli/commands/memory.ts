/** `flamelens memory [-o FILE] -- PYTHON SCRIPT`: the script under the built-in heap tracer. */
import { parseArgs } from 'node:util';
import * as path from 'node:path';
import { analyzePythonMemory } from '../../core/analysis/memory/pythonMemory';
import { recordPythonMemory } from '../../core/runners/memory/recordPythonMemory';
import { runPythonMemory } from '../../core/runners/memory/memoryRun';
import { checkOutputTarget } from '../../core/store/outputFile';
import { programAfterDoubleDash, pythonCommand, splitAtDoubleDash, UsageError, type Command } from '../args';
import { onInterrupt } from '../interrupt';
import { mediaPath } from '../paths';
import { passThrough } from '../terminal';
import { pythonMemoryText } from '../present/memory';

export const MEMORY_HELP = `memory: runs the script under tracemalloc (nothing to install) and writes what each line holds
at the end and at the peak, leak candidates (lines whose held bytes keep growing) and objects by
type; --frames N records stacks too (more cost). Read it back with analyze FILE [--json].
`;

export const memory: Command = {
  usage: ['[-o FILE] [--frames N] [--period S] -- PYTHON SCRIPT [ARGS...]'],
  async run(args) {
    const { own, cmd } = splitAtDoubleDash(args);
    const { values, positionals } = parseArgs({
      args: own,
      allowPositionals: true,
      options: { output: { type: 'string', short: 'o' }, frames: { type: 'string' }, period: { type: 'string' } },
    });
    programAfterDoubleDash('memory', positionals, own, true);
    const { python, script, args: rest, module } = pythonCommand(cmd, 'memory needs -- PYTHON SCRIPT [ARGS]');
    const frames = values.frames === undefined ? 1 : Number(values.frames);
    if (!Number.isInteger(frames) || frames < 1 || frames > 100) throw new UsageError('--frames must be 1 to 100');
    const period = values.period === undefined ? undefined : Number(values.period);
    if (period !== undefined && !(period >= 0.05 && period <= 3600))
      throw new UsageError('--period must be 0.05 to 3600 seconds');
    // With -o, that file; without, a run folder in the current directory (as record makes).
    const output = values.output === undefined ? undefined : path.resolve(values.output);
    if (output) await checkOutputTarget(output, [path.resolve(script)]);
    const abort = new AbortController();
    let stop = onInterrupt(() => abort.abort());
    try {
      const common = {
        python,
        script,
        args: rest,
        module,
        cwd: process.cwd(),
        tracerScript: mediaPath('flamelens_memory_tracer.py'),
        frames,
        periodS: period,
        onOutput: passThrough,
      };
      const r = output
        ? { ...(await recordPythonMemory({ ...common, output, signal: abort.signal })), output }
        : await runPythonMemory({
            ...common,
            workspaceRoot: process.cwd(),
            onBegin: (run) => {
              stop();
              stop = onInterrupt(() => run.abort());
            },
          }).then((x) => ({ ...x.record, output: x.output }));
      process.stderr.write(pythonMemoryText(r.output, analyzePythonMemory(r.profile), 10));
      process.stdout.write(`${r.output}\n`);
      return r.exitCode === 0 ? 0 : 1;
    } finally {
      stop();
    }
  },
};
