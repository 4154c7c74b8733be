/** `flamelens compare BASELINE CURRENT`: benchmark results against a baseline, with a verdict each. */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { compareResultSets, DEFAULT_ALPHA, DEFAULT_THRESHOLD } from '../../core/analysis/bench/benchCompare';
import { parseThreshold } from '../../core/formats/bench/benchConfig';
import { OPTIONS } from '../../core/model/options';
import { resolveResults } from '../../core/store/benchStore';
import { visibleName } from '../../core/util/visibleText';
import { optionFlag, UsageError, type Command } from '../args';
import { comparisonJson, comparisonText, resultLabel } from '../present/bench';
import { loadBenchConfig } from './bench';

export const COMPARE_HELP = `compare: BASELINE and CURRENT are result files (flamelens or pytest-benchmark JSON), baseline
names, or "latest". A regression is a slowdown that is significant (Mann–Whitney, p < alpha) and
whose confidence interval reaches the threshold; with --fail-on-regression the exit status is 1
when there is one.`;

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
    const [base, cur] = await Promise.all([resolveResults(root, baseRef), resolveResults(root, curRef)]);
    const c = compareResultSets(base, cur, { threshold, alpha });
    process.stdout.write(
      values.json
        ? JSON.stringify(comparisonJson(c), null, 2) + '\n'
        : comparisonText(c, resultLabel(base, baseRef), resultLabel(cur, curRef)),
    );
    const regressions = c.benchmarks.filter((b) => b.verdict === 'regression');
    if (regressions.length) {
      const names = regressions.map((r) => visibleName(r.name)).join(', ');
      process.stderr.write(
        `flamelens: ${regressions.length} regression${regressions.length > 1 ? 's' : ''}: ${names}\n`,
      );
    }
    return values['fail-on-regression'] && regressions.length > 0 ? 1 : 0;
  },
};
