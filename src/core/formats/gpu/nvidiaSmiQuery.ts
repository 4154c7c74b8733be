/**
 * Reads `nvidia-smi -q` as printed (text, what people paste into issues and chats): the
 * `==============NVSMI LOG==============` banner, `Key : Value` lines and sections nested by
 * indentation, one `GPU 00000000:01:00.0` section per GPU. The same readings as the XML
 * (`-q -x`) reader gives. Checked on drivers 590 and 595 (Linux, an MIG-enabled H100 and an L40S
 * under load) and 591 (Windows).
 */
import { FormatError } from '../formatError';
import { firstLine } from '../textFile';
import type { GpuProcess, GpuSample, TelemetrySeries } from '../../model/telemetry';
import { smiNumber, smiText } from './nvidiaSmi';

interface Node {
  key: string;
  value?: string;
  line: number;
  children: Node[];
}

const BANNER = /^=+\s*NVSMI LOG\s*=+$/;

export function looksLikeNvidiaSmiQuery(head: string): boolean {
  return BANNER.test(firstLine(head));
}

/** The `Key : Value` lines as a tree by indentation. */
function tree(text: string): Node {
  const root: Node = { key: '', line: 0, children: [] };
  const stack: { indent: number; node: Node }[] = [{ indent: -1, node: root }];
  text.split(/\r?\n/).forEach((raw, i) => {
    if (!raw.trim() || BANNER.test(raw.trim())) return;
    const indent = raw.length - raw.trimStart().length;
    const colon = raw.indexOf(' : ');
    const key = (colon >= 0 ? raw.slice(0, colon) : raw).trim();
    const value = colon >= 0 ? raw.slice(colon + 3).trim() : undefined;
    while (stack.length > 1 && stack[stack.length - 1].indent >= indent) stack.pop();
    const node: Node = { key, value, line: i + 1, children: [] };
    stack[stack.length - 1].node.children.push(node);
    stack.push({ indent, node });
  });
  return root;
}

const child = (n: Node | undefined, ...path: string[]): Node | undefined => {
  let cur = n;
  for (const k of path) cur = cur?.children.find((c) => c.key === k);
  return cur;
};
const value = (n: Node | undefined, ...path: string[]) => child(n, ...path)?.value;

/** Parses `nvidia-smi -q` text. */
export function parseNvidiaSmiQuery(text: string, fileName: string): TelemetrySeries {
  if (!looksLikeNvidiaSmiQuery(text))
    throw new FormatError(fileName, '1', 'expected nvidia-smi -q output (starting with "==NVSMI LOG==")');
  const root = tree(text);
  const stamp = value(root, 'Timestamp');
  const time = stamp ? Date.parse(stamp.replace(/\s+/g, ' ')) : NaN;
  const samples: GpuSample[] = [];
  const processes: GpuProcess[] = [];
  const gpus = root.children.filter((c) => /^GPU [0-9A-Fa-f]+:[0-9A-Fa-f]+:[0-9A-Fa-f]+\.[0-9A-Fa-f]+$/.test(c.key));
  gpus.forEach((gpu, i) => {
    const power = child(gpu, 'GPU Power Readings') ?? child(gpu, 'Power Readings');
    const s: GpuSample = {
      time: Number.isFinite(time) ? time : undefined,
      index: smiNumber(value(gpu, 'Minor Number')) ?? i,
      name: smiText(value(gpu, 'Product Name')),
      uuid: smiText(value(gpu, 'GPU UUID')),
      utilizationGpu: smiNumber(value(gpu, 'Utilization', 'GPU') ?? value(gpu, 'Utilization', 'Gpu')),
      utilizationMemory: smiNumber(value(gpu, 'Utilization', 'Memory')),
      memoryUsedMiB: smiNumber(value(gpu, 'FB Memory Usage', 'Used')),
      memoryTotalMiB: smiNumber(value(gpu, 'FB Memory Usage', 'Total')),
      temperatureC: smiNumber(value(gpu, 'Temperature', 'GPU Current Temp')),
      powerDrawW:
        smiNumber(value(power, 'Power Draw')) ??
        smiNumber(value(power, 'Instantaneous Power Draw')) ??
        smiNumber(value(power, 'Average Power Draw')),
      powerLimitW:
        smiNumber(value(power, 'Current Power Limit')) ??
        smiNumber(value(power, 'Power Limit')) ??
        smiNumber(value(power, 'Enforced Power Limit')),
      smClockMHz: smiNumber(value(gpu, 'Clocks', 'SM')),
      memClockMHz: smiNumber(value(gpu, 'Clocks', 'Memory')),
      fanPct: smiNumber(value(gpu, 'Fan Speed')),
      pstate: smiText(value(gpu, 'Performance State')),
      mig: smiText(value(gpu, 'MIG Mode', 'Current')) === 'Enabled' || undefined,
    };
    samples.push(s);
    // Each process is a "Process ID : N" line with Type, Name and Used GPU Memory below it.
    for (const p of child(gpu, 'Processes')?.children ?? []) {
      if (p.key !== 'Process ID') continue;
      const pid = smiNumber(p.value);
      if (pid === undefined) continue;
      processes.push({
        gpuUuid: s.uuid,
        gpuIndex: s.index,
        pid,
        name: smiText(value(p, 'Name')) ?? '',
        usedMemoryMiB: smiNumber(value(p, 'Used GPU Memory')),
      });
    }
  });
  if (samples.length === 0)
    throw new FormatError(fileName, '', 'expected at least one "GPU 00000000:…" section in the nvidia-smi -q output');
  return {
    source: 'nvidia-smi-q',
    driverVersion: smiText(value(root, 'Driver Version')),
    cudaVersion: smiText(value(root, 'CUDA Version')),
    samples,
    processes,
  };
}
