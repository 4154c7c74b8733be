/**
 * Reading a command's arguments: usage errors (exit status 2), numbers checked against the core's
 * limits (model/options), and the `-- PYTHON SCRIPT [ARGS]` form record and torch take.
 */
import { optionProblem, type NumberOption } from '../core/model/options';

/** A mistake in how the command was called: exit status 2. */
export class UsageError extends Error {}

/** A command of the CLI: how it is called (after `flamelens NAME`, one entry per form, `\n` for continued lines), and what it does. */
export interface Command {
  usage: string[];
  run(args: string[]): Promise<number>;
}

export function parsePositiveInt(v: string, flag: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`${flag} must be a positive integer, got "${v}"`);
  return n;
}

export function parsePositiveNumber(v: string, flag: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`${flag} must be a positive number, got "${v}"`);
  return n;
}

/** A flag's number within the limits of `spec`; a UsageError naming the flag otherwise. */
export function optionFlag(spec: NumberOption, raw: string, flag = spec.flag ?? ''): number {
  const n = raw.trim() === '' ? NaN : Number(raw);
  const problem = optionProblem(spec, n);
  if (problem) throw new UsageError(`${flag} ${problem} (${spec.what}), got "${raw}"`);
  return n;
}

/** Splits `[own options] -- COMMAND [ARGS]`. */
export function splitAtDoubleDash(args: string[]): { own: string[]; cmd: string[] } {
  const dd = args.indexOf('--');
  return { own: dd >= 0 ? args.slice(0, dd) : args, cmd: dd >= 0 ? args.slice(dd + 1) : [] };
}

export interface PythonCommand {
  python: string;
  script: string;
  args: string[];
  module: boolean;
}

/** `PYTHON [-m] SCRIPT [ARGS]` as record and torch take it after `--`. */
export function pythonCommand(cmd: string[], usage: string): PythonCommand {
  if (cmd.length < 2) throw new UsageError(usage);
  const module = cmd[1] === '-m';
  const script = module ? cmd[2] : cmd[1];
  if (!script) throw new UsageError('-m needs a module name');
  return { python: cmd[0], script, args: cmd.slice(module ? 3 : 2), module };
}

/** Numbers in --json output: two decimals. */
export function round(x: number): number {
  return Math.round(x * 100) / 100;
}

/** Counts with thousands separators, fractions with two decimals. */
export function fmt(n: number): string {
  return Number.isInteger(n) ? n.toLocaleString('en-US') : n.toFixed(2);
}

/**
 * Words before `--` that look like the program: a usage error showing the command as it should
 * be written (`flamelens record examples/x.py` → `flamelens record -- python3 examples/x.py`).
 */
export function programAfterDoubleDash(command: string, positionals: string[], own: string[], python = true): void {
  if (positionals.length === 0) return;
  const options = own.filter((w) => !positionals.includes(w));
  const form = ['flamelens', command, ...options, '--', ...(python ? ['python3'] : []), ...positionals].join(' ');
  throw new UsageError(`${command} takes the program after --: ${form}`);
}
