/** `flamelens export FILE --format collapsed|speedscope -o OUT`: a profile in another format. */
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { toCollapsedStacks, toSpeedscope } from '../../core/formats/cpu/exportProfile';
import { openProfile } from '../../core/open/openFile';
import { writeOutput } from '../../core/store/outputFile';
import { UsageError, type Command } from '../args';
import { announceReading } from '../terminal';

export const exportProfile: Command = {
  usage: ['FILE --format collapsed|speedscope -o OUT'],
  async run(args) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: { output: { type: 'string', short: 'o' }, format: { type: 'string' } },
    });
    if (positionals.length !== 1 || !values.output)
      throw new UsageError('export takes FILE --format collapsed|speedscope -o OUT');
    announceReading(positionals);
    const profile = await openProfile(positionals[0], 'export writes CPU profiles');
    if (values.format === 'collapsed')
      await writeOutput(values.output, toCollapsedStacks(profile, { threadFrames: true }), positionals);
    else if (values.format === 'speedscope')
      await writeOutput(values.output, toSpeedscope(profile, path.basename(positionals[0])), positionals);
    else throw new UsageError('--format must be collapsed or speedscope');
    return 0;
  },
};
