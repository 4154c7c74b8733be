/** `flamelens torch -- PYTHON SCRIPT`: the script unchanged under the PyTorch profiler. */
import { parseArgs } from 'node:util';
import { analyzeTorchTrace } from '../../core/analysis/torch/torchAnalysis';
import { openTorchTrace } from '../../core/open/openFile';
import { OPTIONS } from '../../core/model/options';
import { runTorchProfile } from '../../core/runners/torch/torchRun';
import { optionFlag, programAfterDoubleDash, pythonCommand, splitAtDoubleDash, type Command } from '../args';
import { onInterrupt } from '../interrupt';
import { mediaPath } from '../paths';
import { passThrough, readingStatus } from '../terminal';
import { torchTraceText } from '../present/torchTrace';

export const TORCH_HELP = `torch: runs the script unchanged under torch.profiler (CPU, and CUDA when available); every
optimizer step advances the schedule (default wait 1, warmup 1, active 3, repeat 1); a script
without an optimizer is profiled whole. Traces and key_averages() land in a run folder.
`;

export const torch: Command = {
  usage: [
    '[--wait N] [--warmup N] [--active N] [--repeat N] [--shapes] [--stack]\n' +
      '[--memory] [--no-cuda] -- PYTHON SCRIPT [ARGS...]',
    '[options] --python PYTHON -- SCRIPT [ARGS...]',
  ],
  async run(args) {
    const { own, cmd } = splitAtDoubleDash(args);
    const { values, positionals } = parseArgs({
      args: own,
      allowPositionals: true,
      options: {
        python: { type: 'string' },
        wait: { type: 'string', default: String(OPTIONS.torchWait.default) },
        warmup: { type: 'string', default: String(OPTIONS.torchWarmup.default) },
        active: { type: 'string', default: String(OPTIONS.torchActive.default) },
        repeat: { type: 'string', default: String(OPTIONS.torchRepeat.default) },
        shapes: { type: 'boolean' },
        stack: { type: 'boolean' },
        memory: { type: 'boolean' },
        'no-cuda': { type: 'boolean' },
      },
    });
    programAfterDoubleDash('torch', positionals, own, values.python === undefined);
    // With --python, what follows -- is the script and its arguments; without, the interpreter first.
    const {
      python,
      script,
      args: rest,
      module,
    } = values.python
      ? pythonCommand([values.python, ...cmd], 'torch --python PYTHON needs -- SCRIPT [ARGS]')
      : pythonCommand(cmd, 'torch needs -- PYTHON SCRIPT [ARGS] (or --python PYTHON -- SCRIPT [ARGS])');
    let stopListening = () => undefined as void;
    try {
      const { record: r, ended } = await runTorchProfile({
        workspaceRoot: process.cwd(),
        python,
        script,
        args: rest,
        module,
        cwd: process.cwd(),
        launcherScript: mediaPath('flamelens_torch_launcher.py'),
        wait: optionFlag(OPTIONS.torchWait, values.wait!),
        warmup: optionFlag(OPTIONS.torchWarmup, values.warmup!),
        active: optionFlag(OPTIONS.torchActive, values.active!),
        repeat: optionFlag(OPTIONS.torchRepeat, values.repeat!),
        shapes: values.shapes,
        stack: values.stack,
        memory: values.memory,
        noCuda: values['no-cuda'],
        onOutput: passThrough,
        onBegin: (run) => (stopListening = onInterrupt(() => run.abort())),
      });
      if (ended) process.stderr.write(`flamelens: ${ended}\n`);
      for (const note of r.info.notes) process.stderr.write(`flamelens: ${note}\n`);
      if (r.traces.length === 0) {
        process.stderr.write(`flamelens: no trace was recorded\n`);
        return 1;
      }
      const profiler = `${r.info.kineto ? 'Kineto' : 'legacy profiler'}; ${(r.info.activities ?? []).join('+')}`;
      process.stderr.write(
        `flamelens: torch ${r.info.torch ?? '?'} (${profiler}), ${r.info.steps} optimizer steps, ${r.traces.length} trace(s)\n`,
      );
      const trace = await openTorchTrace(r.traces[0], 'the launcher writes PyTorch traces', readingStatus(r.traces[0]));
      process.stdout.write(torchTraceText(r.traces[0], trace, analyzeTorchTrace(trace), 10));
      for (const t of r.traces) process.stdout.write(`${t}\n`);
      return 0;
    } finally {
      stopListening();
    }
  },
};
