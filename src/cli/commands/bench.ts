/** `flamelens bench`: the benchmarks of flamelens.bench.json, measured and saved. */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { parseBenchConfig, type BenchConfig } from '../../core/formats/bench/benchConfig';
import { FormatError } from '../../core/formats/formatError';
import { runBenchmarks } from '../../core/runners/bench/benchRunner';
import { checkBaselineName, saveBaseline, saveResults } from '../../core/store/benchStore';
import { UsageError, type Command } from '../args';
import { onInterrupt } from '../interrupt';
import { mediaPath } from '../paths';
import { passThrough } from '../terminal';
import { benchResultsJson, benchResultsText, environmentLine } from '../present/bench';

export const BENCH_HELP = `bench: runs the benchmarks of flamelens.bench.json (or --config FILE): warmup, then measured
runs, each timed (CUDA events when a Python callable uses CUDA), with the environment
fingerprint and GPU clocks; results go to .flamelens/bench/results/ (and to the baseline NAME
with --save-baseline). Exit 1 if a benchmark failed (what it measured is kept).
`;

/** flamelens.bench.json (or the file given); a missing file says how to make one. */
export async function loadBenchConfig(file: string): Promise<BenchConfig> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new FormatError(
      file,
      '',
      code === 'ENOENT'
        ? 'no benchmark configuration here: create flamelens.bench.json (see the README) or pass --config FILE'
        : `cannot read the file (${code})`,
    );
  }
  return parseBenchConfig(text, file);
}

export const bench: Command = {
  usage: ['[--config FILE] [--only NAME]... [--save-baseline NAME] [--python PY] [--json]'],
  async run(args) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        config: { type: 'string' },
        'save-baseline': { type: 'string' },
        json: { type: 'boolean' },
        only: { type: 'string', multiple: true },
        python: { type: 'string' },
      },
    });
    if (positionals.length) throw new UsageError(`bench takes no positional arguments (got "${positionals[0]}")`);
    const baseline = values['save-baseline'];
    if (baseline !== undefined) {
      try {
        checkBaselineName(baseline);
      } catch (e) {
        throw new UsageError((e as Error).message);
      }
    }
    const configFile = path.resolve(values.config ?? 'flamelens.bench.json');
    const config = await loadBenchConfig(configFile);
    const root = path.dirname(configFile);
    const controller = new AbortController();
    const stopListening = onInterrupt(() => controller.abort(), ['SIGINT', 'SIGTERM']);
    try {
      const { results, cancelled } = await runBenchmarks({
        root,
        config,
        python: values.python ?? process.env.FLAMELENS_PYTHON ?? 'python3',
        helperScript: mediaPath('flamelens_bench.py'),
        only: values.only,
        signal: controller.signal,
        onProgress: (m) => process.stderr.write(`flamelens: ${m}\n`),
        onOutput: (line, _stream, end) => passThrough(line, 'stderr', end),
      });
      const file = await saveResults(root, results);
      process.stderr.write(`flamelens: results saved to ${path.relative(process.cwd(), file) || file}\n`);
      if (baseline) {
        const b = await saveBaseline(root, baseline, results);
        process.stderr.write(`flamelens: saved as baseline "${baseline}" (${path.relative(process.cwd(), b)})\n`);
      }
      process.stdout.write(
        values.json
          ? JSON.stringify(benchResultsJson(results, file, cancelled), null, 2) + '\n'
          : benchResultsText(results),
      );
      process.stderr.write(`flamelens: ${environmentLine(results)}\n`);
      if (cancelled) {
        process.stderr.write('flamelens: cancelled; the runs measured so far are saved\n');
        return 1;
      }
      return results.benchmarks.some((b) => b.error) ? 1 : 0;
    } finally {
      stopListening();
    }
  },
};
