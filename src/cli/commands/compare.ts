/** `flamelens compare BASELINE CURRENT`: benchmark results against a baseline, with a verdict each. */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_ALPHA, DEFAULT_THRESHOLD, type Comparison } from '../../core/analysis/bench/benchCompare';
import { compareWithHistory } from '../../core/analysis/bench/sessionCompare';
import { parseThreshold } from '../../core/formats/bench/benchConfig';
import { OPTIONS } from '../../core/model/options';
import { listHistory, resolveResults } from '../../core/store/benchStore';
import { visibleName } from '../../core/util/visibleText';
import { optionFlag, UsageError, type Command } from '../args';
import { comparisonJson, comparisonText, resultLabel } from '../present/bench';
import { loadBenchConfig } from './bench';

export const COMPARE_HELP = `compare: BASELINE and CURRENT are result files (flamelens or pytest-benchmark JSON), baseline
names, or "latest". A regression is a slowdown that is significant (p < alpha) and whose
confidence interval reaches the threshold; with --fail-on-regression the exit status is 1 when
there is one. Two sessions are compared against the noise between sessions, learned from the
results of unchanged code (the same clean commit) on this machine: with fewer than 5 such
sessions, or when the machine differed (load, other processes, CPU clock, throttling, GPU clocks),
a difference is "inconclusive", never a regression. bench --against compares in one session.`;

export const compare: Command = {
  usage: ['BASELINE CURRENT [--threshold 5%] [--alpha 0.01] [--fail-on-regression] [--json]'],
  async run(args) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        threshold: { type: 'string' },
        alpha: { type: 'string' },
        'fail-on-regression': { type: 'boolean' },
        json: { type: 'boolean' },
        config: { type: 'string' },
      },
    });
    if (positionals.length !== 2)
      throw new UsageError('compare takes BASELINE and CURRENT (files, baseline names or "latest")');
    const root = values.config ? path.dirname(path.resolve(values.config)) : process.cwd();
    const configFile = path.resolve(values.config ?? 'flamelens.bench.json');
    const config = await fs.stat(configFile).then(
      () => loadBenchConfig(configFile),
      () => undefined,
    );
    let threshold = config?.threshold ?? DEFAULT_THRESHOLD;
    if (values.threshold !== undefined) {
      const t = parseThreshold(values.threshold);
      if (t === undefined) throw new UsageError(`--threshold must be a percentage like 5% (got "${values.threshold}")`);
      threshold = t;
    }
    const alpha =
      values.alpha !== undefined ? optionFlag(OPTIONS.benchAlpha, values.alpha) : (config?.alpha ?? DEFAULT_ALPHA);
    const [baseRef, curRef] = positionals;
    const [base, cur, history] = await Promise.all([
      resolveResults(root, baseRef),
      resolveResults(root, curRef),
      listHistory(root),
    ]);
    const c = compareWithHistory(base, cur, history.items, { threshold, alpha });
    process.stdout.write(
      values.json
        ? JSON.stringify(comparisonJson(c), null, 2) + '\n'
        : comparisonText(c, resultLabel(base, baseRef), resultLabel(cur, curRef)),
    );
    const regressions = reportVerdicts(c);
    return values['fail-on-regression'] && regressions > 0 ? 1 : 0;
  },
};

/** The regressions and the inconclusive benchmarks on stderr, in one line each; returns the regressions. */
export function reportVerdicts(c: Comparison): number {
  const names = (v: string) =>
    c.benchmarks
      .filter((b) => b.verdict === v)
      .map((b) => visibleName(b.name))
      .join(', ');
  const count = (v: string) => c.benchmarks.filter((b) => b.verdict === v).length;
  const r = count('regression');
  if (r) process.stderr.write(`flamelens: ${r} regression${r > 1 ? 's' : ''}: ${names('regression')}\n`);
  const i = count('inconclusive');
  if (i) process.stderr.write(`flamelens: ${i} inconclusive, not counted as regressions: ${names('inconclusive')}\n`);
  return r;
}
