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
import { benchResultsJson, benchResultsText, comparisonJson, comparisonText, environmentLine } from '../present/bench';
import { compareInterleaved } from '../../core/analysis/bench/sessionCompare';
import { DEFAULT_ALPHA, DEFAULT_THRESHOLD } from '../../core/analysis/bench/benchCompare';
import { parseThreshold } from '../../core/formats/bench/benchConfig';
import { OPTIONS } from '../../core/model/options';
import { prepareAgainst, AgainstError, type PreparedAgainst } from '../../core/runners/bench/againstSource';
import { splitCommandLine } from '../../core/util/commandLine';
import { optionFlag } from '../args';
import { reportVerdicts } from './compare';

export const BENCH_HELP = `bench: runs the benchmarks of flamelens.bench.json (or --config FILE): warmup, then measured
runs, each timed (CUDA events when a Python callable uses CUDA), with the environment
fingerprint and GPU clocks; results go to .flamelens/bench/results/ (and to the baseline NAME
with --save-baseline). Exit 1 if a benchmark failed (what it measured is kept).
--against REF measures a baseline in the same session: REF is a git ref (its tracked files are
extracted to a temporary folder; the repository is not touched) or a folder laid out like this
one; --against-command CMD makes CMD the baseline of the command benchmarks. Baseline and current
alternate in --blocks N blocks (default 20) in random order, so drift hits both; each block pair
is one observation of the ratio, and --fail-on-regression exits 1 on a regression.
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
  usage: [
    '[--config FILE] [--only NAME]... [--save-baseline NAME] [--python PY] [--json]',
    '--against REF|--against-command CMD [--blocks 20] [--fail-on-regression] [--threshold 5%] [--alpha 0.01] …',
  ],
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
        against: { type: 'string' },
        'against-command': { type: 'string' },
        blocks: { type: 'string' },
        'fail-on-regression': { type: 'boolean' },
        threshold: { type: 'string' },
        alpha: { type: 'string' },
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
    const design = interleavedDesign(values, config);
    const prepared = await prepareSide(root, values, config);
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
        against: prepared?.side,
        blocks: design.blocks,
      });
      const file = await saveResults(root, results);
      process.stderr.write(`flamelens: results saved to ${path.relative(process.cwd(), file) || file}\n`);
      if (baseline) {
        const b = await saveBaseline(root, baseline, results);
        process.stderr.write(`flamelens: saved as baseline "${baseline}" (${path.relative(process.cwd(), b)})\n`);
      }
      const comparison = prepared
        ? compareInterleaved(results, { threshold: design.threshold, alpha: design.alpha })
        : undefined;
      if (values.json)
        process.stdout.write(
          JSON.stringify(
            {
              ...benchResultsJson(results, file, cancelled),
              ...(comparison ? { comparison: comparisonJson(comparison) } : {}),
            },
            null,
            2,
          ) + '\n',
        );
      else {
        process.stdout.write(benchResultsText(results));
        if (comparison)
          process.stdout.write(comparisonText(comparison, `${prepared!.side.label} (interleaved)`, 'current'));
      }
      process.stderr.write(`flamelens: ${environmentLine(results)}\n`);
      const regressions = comparison ? reportVerdicts(comparison) : 0;
      if (cancelled) {
        process.stderr.write('flamelens: cancelled; the runs measured so far are saved\n');
        return 1;
      }
      if (values['fail-on-regression'] && regressions > 0) return 1;
      return results.benchmarks.some((b) => b.error) ? 1 : 0;
    } finally {
      stopListening();
      await prepared?.dispose();
    }
  },
};

type BenchValues = {
  against?: string;
  'against-command'?: string;
  blocks?: string;
  threshold?: string;
  alpha?: string;
  'fail-on-regression'?: boolean;
  only?: string[];
};

/** Threshold, alpha and blocks of `bench`: flags, else flamelens.bench.json, else the defaults. */
export function interleavedDesign(values: BenchValues, config: BenchConfig) {
  const interleaved = values.against !== undefined || values['against-command'] !== undefined;
  for (const flag of ['blocks', 'threshold', 'alpha', 'fail-on-regression'] as const)
    if (values[flag] !== undefined && !interleaved)
      throw new UsageError(`--${flag} compares in the same session: give --against REF or --against-command CMD`);
  if (values.against !== undefined && values['against-command'] !== undefined)
    throw new UsageError('give --against REF or --against-command CMD, not both');
  let threshold = config.threshold ?? DEFAULT_THRESHOLD;
  if (values.threshold !== undefined) {
    const t = parseThreshold(values.threshold);
    if (t === undefined) throw new UsageError(`--threshold must be a percentage like 5% (got "${values.threshold}")`);
    threshold = t;
  }
  return {
    threshold,
    alpha: values.alpha !== undefined ? optionFlag(OPTIONS.benchAlpha, values.alpha) : (config.alpha ?? DEFAULT_ALPHA),
    blocks: values.blocks !== undefined ? optionFlag(OPTIONS.benchBlocks, values.blocks) : OPTIONS.benchBlocks.default,
  };
}

async function prepareSide(
  root: string,
  values: BenchValues,
  config: BenchConfig,
): Promise<PreparedAgainst | undefined> {
  const cmd = values['against-command'];
  if (cmd !== undefined) {
    const selected = config.benchmarks.filter((d) => !values.only?.length || values.only.includes(d.name));
    const callables = selected.filter((d) => d.kind !== 'command').map((d) => d.name);
    if (callables.length)
      throw new UsageError(
        `--against-command is the baseline of command benchmarks; ${callables.join(', ')} ${callables.length > 1 ? 'are callables' : 'is a callable'} (select command benchmarks with --only, or use --against REF)`,
      );
    const argv = splitCommandLine(cmd);
    if (!argv.length) throw new UsageError('--against-command needs a command');
    return { side: { kind: 'command', label: cmd, command: argv }, dispose: async () => undefined };
  }
  if (values.against === undefined) return undefined;
  try {
    return await prepareAgainst(root, values.against);
  } catch (e) {
    if (e instanceof AgainstError) throw new UsageError(`--against: ${e.message}`);
    throw e;
  }
}
