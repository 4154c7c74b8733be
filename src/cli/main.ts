/**
 * flamelens on the command line: the same core as the extension. Each command is a module of
 * commands/ behind the name → {usage, run} table of commands.ts; what a command prints is computed by the
 * functions of present/. Progress and errors go to stderr, results to stdout (`--json` for
 * machines); exit codes: 0 success, 1 failure (missing file, bad format, missing tool), 2 usage
 * error, 70 a command that ended before it finished (a bug: nothing was left to wait on).
 */
import { writeSync } from 'node:fs';
import { OptionError } from '../core/model/options';
import { CLI_KNOBS, useKnobNames } from '../core/model/knobs';
import { UsageError } from './args';
import { COMMANDS, helpText } from './commands';
import { clearStatus, guardTerminal } from './terminal';

declare const FLAMELENS_VERSION: string;

/** Set once the command has settled (or chose to end): an exit before that is a bug, not a success. */
let finished = false;

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  // Messages name environment variables and flags, not the editor's settings.
  useKnobNames(CLI_KNOBS);
  // Names from files reach the terminal: bidi overrides, escape sequences and other invisible
  // characters are printed as markers (⟨U+001B⟩). A profiled program's own output is passed
  // through as it is (passThrough); JSON is exact (JSON.stringify escapes control characters).
  guardTerminal(!rest.includes('--json'));
  // `flamelens … | head`: a closed pipe ends the command quietly (gpu cleans up its child first).
  if (name !== 'gpu')
    process.stdout.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code !== 'EPIPE') return;
      finished = true;
      process.exit(0);
    });
  try {
    if (name === undefined || name === '-h' || name === '--help' || name === 'help') {
      process.stdout.write(helpText());
      return name === undefined ? 2 : 0;
    }
    if (name === '-v' || name === '--version') {
      process.stdout.write(`${typeof FLAMELENS_VERSION === 'string' ? FLAMELENS_VERSION : 'dev'}\n`);
      return 0;
    }
    const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
    if (!command) throw new UsageError(`unknown command "${name}" (see flamelens --help)`);
    return await command.run(rest);
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    const usage = e instanceof UsageError || e instanceof OptionError;
    process.stderr.write(`flamelens: ${message}\n`);
    if (usage || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) return 2;
    return 1;
  } finally {
    clearStatus();
  }
}

if (require.main === module) {
  // A promise that never settles, with nothing left to wait on, lets Node exit with 0 and no word:
  // a CI gate would pass. Say so and fail instead.
  process.on('exit', () => {
    if (finished) return;
    writeSync(2, 'flamelens: internal error: the command ended before it finished (please report this)\n');
    process.exitCode = 70;
  });
  main(process.argv.slice(2)).then((code) => {
    finished = true;
    process.exitCode = code;
  });
}
