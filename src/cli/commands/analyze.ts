/** `flamelens analyze FILE`: what any file flamelens reads holds, as a table or as JSON. */
import { parseArgs } from 'node:util';
import * as path from 'node:path';
import { hotPathsOf } from '../../core/analysis/cpu/hotPaths';
import { analyzeTorchTrace } from '../../core/analysis/torch/torchAnalysis';
import { diagnose } from '../../core/analysis/torch/diagnosis';
import { openFile, type OpenedFile } from '../../core/open/openFile';
import { parsePositiveInt, UsageError, type Command } from '../args';
import { cacheDir } from '../paths';
import { cpuProfileJson, cpuProfileText } from '../present/cpuProfile';
import { ranksJson, ranksText, torchTraceJson, torchTraceText } from '../present/torchTrace';
import { diagnoseRanks, rankLabel } from '../../core/analysis/torch/rankDiagnosis';
import { telemetryJson, telemetryText } from '../present/telemetry';
import { ncuJson, ncuText, nsysJson, nsysText } from '../present/nsight';
import { memoryJson, memoryText, pythonMemoryJson, pythonMemoryText } from '../present/memory';
import { analyzePythonMemory } from '../../core/analysis/memory/pythonMemory';
import { analyzeMemory } from '../../core/analysis/memory/torchMemory';
import { readingStatus } from '../terminal';

export const FORMATS_HELP = `Formats read (detected from content): py-spy raw / collapsed stacks, flamelens' built-in
sampler, Austin 1.x-3.x, speedscope JSON (sampled and evented); for analyze, PyTorch profiler
traces too (.json / .json.gz, Kineto or legacy form): operators, kernels, GPU busy time; and
nvidia-smi logs (--query-gpu CSV, -q -x XML): per-GPU utilisation, memory, temperature, power;
Nsight Systems SQLite exports and nsys stats CSV: kernels, CUDA API, transfers, NVTX, GPU busy;
Nsight Compute CSV (details or raw page): per launch duration, throughput, occupancy, findings.
`;

export interface Presented {
  json: unknown;
  text: string;
}

/** What `analyze` prints for an opened file (`thread`: CPU profiles only). */
export function presentFile(opened: OpenedFile, top: number | undefined, thread?: string[]): Presented {
  const file = opened.file;
  switch (opened.kind) {
    case 'cpu-profile': {
      const hot = hotPathsOf(opened.profile, thread);
      return { json: cpuProfileJson(opened.profile, hot, top), text: cpuProfileText(file, opened.profile, hot, top) };
    }
    case 'torch-trace': {
      const s = analyzeTorchTrace(opened.trace);
      const d = diagnose(opened.trace);
      return {
        json: torchTraceJson(opened.trace, s, d, top),
        text: torchTraceText(file, opened.trace, s, top, d),
      };
    }
    case 'gpu-telemetry':
      return { json: telemetryJson(opened.series), text: telemetryText(file, opened.series, opened.format) };
    case 'nsys':
      return { json: nsysJson(opened.report, file, top), text: nsysText(opened.report, file, top) };
    case 'ncu':
      return { json: ncuJson(opened.report, top), text: ncuText(opened.report, file, top) };
    case 'torch-memory': {
      const a = analyzeMemory(opened.snapshot);
      return { json: memoryJson(a, top), text: memoryText(file, a, top) };
    }
    case 'python-memory': {
      const a = analyzePythonMemory(opened.profile);
      return { json: pythonMemoryJson(a, top), text: pythonMemoryText(file, a, top) };
    }
  }
}

/** Several PyTorch traces, the ranks of one run: the comparison first, then each trace. */
async function presentRanks(
  files: string[],
  open: (file: string) => Promise<OpenedFile>,
  top: number | undefined,
): Promise<Presented> {
  const parts = [];
  for (const file of files) {
    const opened = await open(file);
    if (opened.kind !== 'torch-trace')
      throw new UsageError(
        `analyze with several files compares the ranks of a run: ${file} is ${opened.kind}, not a PyTorch trace`,
      );
    parts.push({ opened, label: rankLabel(opened.trace, `${path.basename(file)} (#${parts.length + 1})`) });
  }
  const r = diagnoseRanks(parts.map((p) => ({ trace: p.opened.trace, label: p.label })));
  const each = parts.map((p) => presentFile(p.opened, top));
  return {
    json: { kind: 'torch-ranks', ...ranksJson(r, top), traces: each.map((e) => e.json) },
    text: [ranksText(r, top), ...each.map((e) => e.text)].join('\n'),
  };
}

/** --thread names threads of a CPU profile; an unknown one is a usage error listing the threads there are. */
function checkThreads(opened: OpenedFile, wanted: string[]): void {
  if (opened.kind !== 'cpu-profile')
    throw new UsageError(`--thread is for CPU profiles; ${opened.file} is ${opened.kind}`);
  const threads = opened.profile.threads;
  const unknown = wanted.filter((id) => !threads.some((t) => t.id === id));
  if (unknown.length === 0) return;
  const list = threads.map((t) => (t.name && t.name !== t.id ? `${t.id} (${t.name})` : t.id)).join(', ');
  throw new UsageError(`--thread ${unknown.join(', ')}: no such thread in ${opened.file}; its threads: ${list}`);
}

export function printPresented(p: Presented, json: boolean): void {
  process.stdout.write(json ? JSON.stringify(p.json, null, 2) + '\n' : p.text);
}

export const analyze: Command = {
  usage: [
    'FILE [--json] [--top N] [--thread ID]',
    'TRACE TRACE... [--json] [--top N]   (the ranks of one distributed run)',
  ],
  async run(args) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: { json: { type: 'boolean' }, top: { type: 'string' }, thread: { type: 'string', multiple: true } },
    });
    if (positionals.length === 0) throw new UsageError('analyze takes a FILE');
    const top = values.top !== undefined ? parsePositiveInt(values.top, '--top') : undefined;
    const open = (file: string) =>
      openFile(file, {
        cacheDir: cacheDir(),
        nsysPath: process.env.FLAMELENS_NSYS,
        ncuPath: process.env.FLAMELENS_NCU,
        onProgress: readingStatus(file),
      });
    if (positionals.length > 1) {
      if (values.thread) throw new UsageError('--thread is for one CPU profile, not for the traces of several ranks');
      printPresented(await presentRanks(positionals, open, top), values.json === true);
      return 0;
    }
    const opened = await open(positionals[0]);
    if (values.thread) checkThreads(opened, values.thread);
    printPresented(presentFile(opened, top, values.thread), values.json === true);
    return 0;
  },
};
