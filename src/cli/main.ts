/**
 * flamelens on the command line: the same core as the extension. Each command is a module of
 * commands/ behind the name → {usage, run} table below; what a command prints is computed by the
 * functions of present/. Progress and errors go to stderr, results to stdout (`--json` for
 * machines); exit codes: 0 success, 1 failure (missing file, bad format, missing tool), 2 usage
 * error.
 */
import { FormatError } from '../core/formats/formatError';
import { OptionError } from '../core/model/options';
import { ToolError } from '../core/runners/findTool';
import { UsageError, type Command } from './args';
import { guardTerminal } from './terminal';
import { analyze, FORMATS_HELP } from './commands/analyze';
import { report } from './commands/report';
import { exportProfile } from './commands/export';
import { record, RECORD_HELP } from './commands/record';
import { gpu } from './commands/gpu';
import { ncu, NSIGHT_HELP, nsys } from './commands/nsight';
import { torch, TORCH_HELP } from './commands/torch';
import { bench, BENCH_HELP } from './commands/bench';
import { compare, COMPARE_HELP } from './commands/compare';
import { diff, DIFF_HELP } from './commands/diff';

declare const FLAMELENS_VERSION: string;

/** Every command, in the order `--help` lists them. */
export const COMMANDS: Record<string, Command> = {
  record,
  analyze,
  report,
  export: exportProfile,
  gpu,
  nsys,
  ncu,
  torch,
  bench,
  compare,
  diff,
};

const EXIT_HELP = `Exit status: 0 on success; 1 when a file is missing or unreadable, its format is unknown or
corrupt, or a tool is missing or fails; 2 on a usage error. Errors are one line on stderr.
`;

export function helpText(): string {
  const version = typeof FLAMELENS_VERSION === 'string' ? FLAMELENS_VERSION : '';
  const usage = Object.entries(COMMANDS).flatMap(([name, c]) =>
    c.usage.flatMap((form) => {
      const [first, ...more] = form.split('\n');
      const lead = `flamelens ${name} `;
      return [`  ${lead}${first}`, ...more.map((line) => `  ${' '.repeat(lead.length)}${line}`)];
    }),
  );
  const sections = [
    `${BENCH_HELP}${COMPARE_HELP} ${DIFF_HELP}\n`,
    TORCH_HELP,
    NSIGHT_HELP,
    RECORD_HELP,
    FORMATS_HELP,
    EXIT_HELP,
  ];
  return `flamelens ${version}: profile Python programs and read profiles\n\nUsage:\n${usage.join('\n')}\n\n${sections.join('\n')}`;
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
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
    if (e instanceof FormatError || e instanceof ToolError) return 1;
    return 1;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
