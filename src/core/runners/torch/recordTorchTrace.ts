/**
 * Records a PyTorch profiler trace of an unchanged script with media/flamelens_torch_launcher.py
 * (schedule driven by optimizer steps; the whole run when there is no optimizer).
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { findExecutable, ToolError } from '../findTool';
import { runChild, type ChildOptions } from '../runChild';
import { knob } from '../../model/knobs';

export interface TorchRecordOptions extends ChildOptions {
  python: string;
  script: string;
  args: string[];
  module?: boolean;
  outputDir: string;
  launcherScript: string;
  wait?: number;
  warmup?: number;
  active?: number;
  repeat?: number;
  shapes?: boolean;
  stack?: boolean;
  memory?: boolean;
  noCuda?: boolean;
}

export interface LauncherInfo {
  torch?: string;
  kineto?: boolean;
  activities?: string[];
  steps: number;
  traces: string[];
  notes: string[];
  error?: string;
  /** The interpreter the launcher ran in (sys.executable). */
  executable?: string;
  exitCode?: number;
}

export interface TorchRecordResult {
  command: string[];
  exitCode: number | null;
  signal?: string;
  cancelled: boolean;
  /** Processes the program started that still held its output after it ended, and were stopped. */
  leftovers?: number;
  traces: string[];
  keyAverages?: string;
  info: LauncherInfo;
  stderrTail: string;
}

export async function recordTorchTrace(o: TorchRecordOptions): Promise<TorchRecordResult> {
  const python = (await findExecutable(o.python, undefined, o.env ?? process.env)) ?? o.python;
  const args = [
    o.launcherScript,
    '--output-dir',
    o.outputDir,
    '--wait',
    String(o.wait ?? 1),
    '--warmup',
    String(o.warmup ?? 1),
    '--active',
    String(o.active ?? 3),
    '--repeat',
    String(o.repeat ?? 1),
  ];
  if (o.shapes) args.push('--shapes');
  if (o.stack) args.push('--stack');
  if (o.memory) args.push('--memory');
  if (o.noCuda) args.push('--no-cuda');
  args.push('--');
  if (o.module) args.push('-m');
  args.push(o.script, ...o.args);
  const r = await runChild(python, args, o, 'builtin');
  let info: LauncherInfo;
  try {
    info = JSON.parse(await fs.readFile(path.join(o.outputDir, 'launcher.json'), 'utf8')) as LauncherInfo;
  } catch {
    // Ended before its summary (SIGKILL, e.g. the out-of-memory killer): the traces of the
    // profiler cycles that finished are on disk already, and they are kept.
    const written = (await fs.readdir(o.outputDir).catch(() => [] as string[]))
      .filter((f) => /\.pt\.trace\.json(\.gz)?$/.test(f))
      .sort();
    if (written.length === 0) {
      throw new ToolError(
        'python',
        `The PyTorch launcher wrote no result (${r.signal ? `ended by ${r.signal}` : `exit ${r.exitCode}`}): ${r.stderrTail.trim().split('\n').pop() ?? ''}`,
        'Check that the interpreter runs and can import torch.',
      );
    }
    info = {
      steps: 0,
      traces: written,
      notes: [
        `The launcher ended (${r.signal ?? `exit ${r.exitCode}`}) before writing its summary; the ${written.length} trace(s) written until then are kept.`,
      ],
    };
  }
  if (info.error) {
    // "python3 (/usr/bin/python3) cannot import torch: No module named 'torch'."
    const which = info.executable && info.executable !== o.python ? `${o.python} (${info.executable})` : o.python;
    throw new ToolError('torch', `${which} ${info.error}.`, `Choose ${knob('torchPython')}.`);
  }
  const keyAverages = path.join(o.outputDir, 'key_averages.json');
  return {
    command: r.command,
    exitCode: r.exitCode,
    signal: r.signal,
    cancelled: r.cancelled,
    leftovers: r.leftovers,
    traces: info.traces.map((t) => path.join(o.outputDir, t)),
    keyAverages: (await fs.stat(keyAverages).catch(() => undefined)) ? keyAverages : undefined,
    info,
    stderrTail: r.stderrTail,
  };
}
