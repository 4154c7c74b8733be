/** `flamelens diff BASE NEW`: two CPU profiles of the same program, functions by change in self time. */
import { parseArgs } from 'node:util';
import { diffProfiles } from '../../core/analysis/cpu/profileDiff';
import { openProfile } from '../../core/open/openFile';
import { UsageError, type Command } from '../args';
import { announceReading } from '../terminal';
import { diffJson, diffText } from '../present/diff';

export const DIFF_HELP = `diff: two CPU profiles of the same program, functions by change in self time.`;

export const diff: Command = {
  usage: ['BASE_PROFILE NEW_PROFILE [--json] [--top N]'],
  async run(args) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: { json: { type: 'boolean' }, top: { type: 'string' } },
    });
    if (positionals.length !== 2) throw new UsageError('diff takes BASE_PROFILE and NEW_PROFILE');
    const top = values.top !== undefined ? Number(values.top) : 20;
    if (!Number.isInteger(top) || top <= 0)
      throw new UsageError(`--top must be a positive integer, got "${values.top}"`);
    const [baseFile, newFile] = positionals;
    announceReading(positionals);
    const [base, cur] = await Promise.all(positionals.map((f) => openProfile(f, 'diff compares CPU profiles')));
    const d = diffProfiles(base, cur);
    process.stdout.write(
      values.json
        ? JSON.stringify(diffJson(d, baseFile, newFile), null, 2) + '\n'
        : diffText(d, baseFile, newFile, top),
    );
    return 0;
  },
};
