/** The CLI's commands by name, and the help text made of their usage and descriptions. */
import type { Command } from './args';
import { analyze, FORMATS_HELP } from './commands/analyze';
import { report } from './commands/report';
import { exportProfile } from './commands/export';
import { record, RECORD_HELP } from './commands/record';
import { gpu } from './commands/gpu';
import { ncu, NSIGHT_HELP, nsys } from './commands/nsight';
import { torch, TORCH_HELP } from './commands/torch';
import { memory, MEMORY_HELP } from './commands/memory';
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
  memory,
  bench,
  compare,
  diff,
};

const ENV_HELP = `Environment: FLAMELENS_PYSPY, FLAMELENS_NSYS, FLAMELENS_NCU and FLAMELENS_NVIDIA_SMI name the
tools when they are not on PATH; FLAMELENS_PYTHON is bench's interpreter (or --python).
`;

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
    MEMORY_HELP,
    NSIGHT_HELP,
    RECORD_HELP,
    FORMATS_HELP,
    ENV_HELP,
    EXIT_HELP,
  ];
  return `flamelens ${version}: profile Python programs and read profiles\n\nUsage:\n${usage.join('\n')}\n\n${sections.join('\n')}`;
}
