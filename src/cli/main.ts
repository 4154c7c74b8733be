/**
 * flamelens on the command line: the same core as the extension. Each command is a module of
 * commands/ behind the name → {usage, run} table of commands.ts; what a command prints is computed by the
 * functions of present/. Progress and errors go to stderr, results to stdout (`--json` for
 * machines); exit codes: 0 success, 1 failure (missing file, bad format, missing tool), 2 usage
 * error.
 */
import { OptionError } from '../core/model/options';
import { CLI_KNOBS, useKnobNames } from '../core/model/knobs';
import { UsageError } from './args';
import { COMMANDS, helpText } from './commands';
import { guardTerminal } from './terminal';

declare const FLAMELENS_VERSION: string;

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
    process.stdout.on('error', (e: NodeJS.ErrnoException) => (e.code === 'EPIPE' ? process.exit(0) : undefined));
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
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
