/** `flamelens gpu [--watch]`: the status bar's GPU readout in the terminal, once or every interval. */
import { parseArgs } from 'node:util';
import { OPTIONS } from '../../core/model/options';
import { NvidiaSmiMonitor } from '../../core/runners/gpu/nvidiaSmiMonitor';
import { optionFlag, type Command } from '../args';
import { onInterrupt } from '../interrupt';
import { readingJson, readingText } from '../present/telemetry';

export const gpu: Command = {
  usage: ['[--watch] [--interval MS] [--json]'],
  async run(args) {
    const { values } = parseArgs({
      args,
      options: {
        watch: { type: 'boolean' },
        json: { type: 'boolean' },
        interval: { type: 'string', default: String(OPTIONS.gpuIntervalMs.default) },
      },
    });
    const monitor = new NvidiaSmiMonitor({
      intervalMs: optionFlag(OPTIONS.gpuIntervalMs, values.interval!),
      nvidiaSmiPath: process.env.FLAMELENS_NVIDIA_SMI,
    });
    return new Promise<number>((resolve) => {
      let done = false;
      const finish = async (code: number) => {
        if (done) return;
        done = true;
        stopListening();
        await monitor.stop();
        resolve(code);
      };
      const stopListening = onInterrupt(() => void finish(0));
      // `flamelens gpu | head`: a closed pipe ends the loop (and nvidia-smi with it).
      process.stdout.on('error', () => void finish(0));
      monitor.on('reading', (r) => {
        process.stdout.write(values.json ? JSON.stringify(readingJson(r.time, r.gpus)) + '\n' : readingText(r.gpus));
        if (!values.watch) void finish(0);
      });
      monitor.on('state', (st) => {
        if (st.kind === 'absent' || st.kind === 'failed') {
          process.stderr.write(`flamelens: ${st.message}\n`);
          void finish(1);
        } else if (st.kind === 'restarting')
          process.stderr.write(`flamelens: nvidia-smi stopped (${st.message}); restarting in ${st.inMs} ms\n`);
      });
      void monitor.start();
    });
  },
};
