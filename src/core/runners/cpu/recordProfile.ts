/**
 * Records a CPU profile of a Python program with py-spy, or with flamelens' built-in sampler
 * when py-spy is absent or cannot attach. The child runs in its own process group with
 * PYTHONUNBUFFERED=1; its output is streamed line by line; cancelling through the AbortSignal
 * asks the sampler to stop (SIGINT, which both samplers answer by writing what they have) and
 * then ends the whole process tree.
 */
import type { LineEnd } from '../../util/lineSplitter';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { execa } from 'execa';
import { findExecutable, ToolError } from '../findTool';
import { runChild, STOP_AFTER_PROGRAM_MS } from '../runChild';
import { knob } from '../../model/knobs';

export type SamplerChoice = 'auto' | 'py-spy' | 'builtin';

export type RecordTarget =
  | { kind: 'launch'; python: string; script: string; args: string[]; module?: boolean }
  | { kind: 'attach'; pid: number };

export interface RecordOptions {
  target: RecordTarget;
  sampler: SamplerChoice;
  pyspyPath?: string;
  rateHz: number;
  durationS?: number;
  /** py-spy's output format; the built-in sampler always writes collapsed stacks. */
  format: 'collapsed' | 'speedscope';
  subprocesses?: boolean;
  native?: boolean;
  idle?: boolean;
  gil?: boolean;
  threads?: boolean;
  nonblocking?: boolean;
  /** Folder the profile is written into. */
  outputDir: string;
  cwd: string;
  env?: NodeJS.ProcessEnv;
  /** media/flamelens_sampler.py */
  samplerScript: string;
  signal?: AbortSignal;
  onOutput?: (line: string, stream: 'stdout' | 'stderr', end: LineEnd) => void;
  onStart?: (info: { pid: number; sampler: 'py-spy' | 'builtin'; command: string[] }) => void;
  /** How long a cancelled sampler may take to write its output before the tree is killed. */
  graceMs?: number;
  /** py-spy still running this long after the program ended counts as hung (default STOP_AFTER_PROGRAM_MS['py-spy']). */
  stopAfterProgramMs?: number;
}

export interface RecordResult {
  sampler: 'py-spy' | 'builtin';
  samplerVersion?: string;
  command: string[];
  outputPath: string;
  format: 'collapsed' | 'speedscope';
  exitCode: number | null;
  signal?: string;
  cancelled: boolean;
  /** py-spy outlived the program by more than stopAfterProgramMs (hungAfterMs) and was stopped. */
  hung?: boolean;
  hungAfterMs?: number;
  /** Processes the program started that still held its output after it ended, and were stopped. */
  leftovers?: number;
  fallbackReason?: string;
  stderrTail: string;
}

const PTRACE_HINT =
  /permission denied|operation not permitted|ptrace|EPERM|root|sudo|SYS_PTRACE|failed to (open|find|attach)/i;

const pyspyInstallFix = () =>
  `Install it with \`pip install py-spy\` (or set ${knob('pyspy')}); flamelens uses its built-in sampler meanwhile.`;
export const PTRACE_FIX =
  'py-spy needs permission to read another process: run `sudo sysctl kernel.yama.ptrace_scope=0`, run as root, or in a container add `--cap-add SYS_PTRACE`.';

export async function toolVersion(exe: string, args: string[] = ['--version']): Promise<string | undefined> {
  try {
    const r = await execa(exe, args, { reject: false, timeout: 10_000, stdin: 'ignore' });
    const out = `${r.stdout ?? ''}\n${r.stderr ?? ''}`.trim();
    const m = /(\d+\.\d+(?:\.\d+)?(?:[\w.+-]*)?)/.exec(out);
    return m ? m[1] : undefined;
  } catch {
    return undefined;
  }
}

export async function recordProfile(options: RecordOptions): Promise<RecordResult> {
  const { target } = options;
  let fallbackReason: string | undefined;
  if (options.sampler !== 'builtin') {
    const pyspy = await findExecutable('py-spy', options.pyspyPath, options.env ?? process.env);
    if (pyspy) {
      const result = await runPySpy(pyspy, options);
      const ok = await nonEmpty(result.outputPath);
      const failedToStart = !ok && result.exitCode !== 0 && !result.cancelled;
      if (!failedToStart || options.sampler === 'py-spy' || target.kind === 'attach') {
        if (failedToStart) {
          const why = firstLine(result.stderrTail) || `py-spy exited with code ${result.exitCode}`;
          throw new ToolError(
            'py-spy',
            `py-spy could not record: ${why}.`,
            PTRACE_HINT.test(result.stderrTail) ? PTRACE_FIX : '',
          );
        }
        return result;
      }
      const why = firstLine(result.stderrTail) || `exit code ${result.exitCode}`;
      fallbackReason =
        `py-spy could not record (${why}). ${PTRACE_HINT.test(result.stderrTail) ? PTRACE_FIX : ''}`.trim();
    } else {
      if (options.sampler === 'py-spy' || target.kind === 'attach') {
        throw new ToolError(
          'py-spy',
          'py-spy was not found on PATH.',
          target.kind === 'attach'
            ? `Attaching to a running process needs py-spy: install it with \`pip install py-spy\` or set ${knob('pyspy')}.`
            : `Install it with \`pip install py-spy\` or set ${knob('pyspy')}, or choose the built-in sampler (${knob('sampler')}).`,
        );
      }
      fallbackReason = `py-spy was not found. ${pyspyInstallFix()}`;
    }
  }
  if (target.kind === 'attach')
    throw new ToolError(
      'py-spy',
      'The built-in sampler cannot attach to a running process.',
      'Install py-spy to attach.',
    );
  const result = await runBuiltin(options, target);
  return { ...result, fallbackReason };
}

async function runPySpy(exe: string, o: RecordOptions): Promise<RecordResult> {
  const version = await toolVersion(exe);
  const ext = o.format === 'speedscope' ? 'speedscope.json' : 'folded';
  const outputPath = await freshPath(o.outputDir, 'profile', ext);
  const args = [
    'record',
    '-o',
    outputPath,
    '--format',
    o.format === 'speedscope' ? 'speedscope' : 'raw',
    '--rate',
    String(o.rateHz),
  ];
  if (o.durationS && o.durationS > 0) args.push('--duration', String(Math.ceil(o.durationS)));
  if (o.subprocesses) args.push('--subprocesses');
  if (o.native) args.push('--native');
  if (o.idle) args.push('--idle');
  if (o.gil) args.push('--gil');
  if (o.threads !== false) args.push('--threads');
  if (o.nonblocking) args.push('--nonblocking');
  if (o.target.kind === 'attach') args.push('--pid', String(o.target.pid));
  else {
    args.push('--', o.target.python);
    if (o.target.module) args.push('-m');
    args.push(o.target.script, ...o.target.args);
  }
  const r = await runChild(
    exe,
    args,
    {
      ...o,
      watch: {
        program: o.target.kind === 'attach' ? o.target.pid : 'child',
        stopAfterMs: o.stopAfterProgramMs ?? STOP_AFTER_PROGRAM_MS['py-spy'],
      },
    },
    'py-spy',
  );
  return { ...r, sampler: 'py-spy', samplerVersion: version, outputPath, format: o.format };
}

async function runBuiltin(o: RecordOptions, target: Extract<RecordTarget, { kind: 'launch' }>): Promise<RecordResult> {
  const python =
    (await findExecutable(target.python, undefined, o.env ?? process.env)) ??
    ((await exists(target.python)) ? target.python : undefined);
  if (!python) {
    throw new ToolError(
      'python',
      `The Python interpreter "${target.python}" was not found.`,
      `Check ${knob('python')}.`,
    );
  }
  const outputPath = await freshPath(o.outputDir, 'profile', 'folded');
  const args = [o.samplerScript, '--output', outputPath, '--rate', String(o.rateHz)];
  if (o.durationS && o.durationS > 0) args.push('--duration', String(o.durationS));
  if (o.idle) args.push('--idle');
  args.push('--');
  if (target.module) args.push('-m');
  args.push(target.script, ...target.args);
  const r = await runChild(python, args, o, 'builtin');
  return { ...r, sampler: 'builtin', samplerVersion: 'flamelens-sampler 1', outputPath, format: 'collapsed' };
}

/** A file name in `dir` that does not exist yet: an earlier output is never overwritten or mistaken for this run's. */
async function freshPath(dir: string, base: string, ext: string): Promise<string> {
  for (let i = 0; ; i++) {
    const candidate = path.join(dir, i === 0 ? `${base}.${ext}` : `${base}-${i}.${ext}`);
    if (!(await exists(candidate))) return candidate;
  }
}

async function nonEmpty(p: string): Promise<boolean> {
  try {
    return (await fs.stat(p)).size > 0;
  } catch {
    return false;
  }
}

async function exists(p: string): Promise<boolean> {
  try {
    await fs.access(p);
    return true;
  } catch {
    return false;
  }
}

function firstLine(s: string): string {
  return (
    s
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean)
      .find((l) => /error|denied|fail|not permitted/i.test(l)) ??
    s.trim().split('\n')[0] ??
    ''
  );
}
