/**
 * Reads `nvidia-smi -q -x` (XML; checked on drivers of schema versions 12 and 13, single and dual
 * GPUs, MIG). Its own module, so the XML parser is loaded only when an XML log is opened.
 */
import { XMLParser } from 'fast-xml-parser';
import { FormatError } from '../formatError';
import type { GpuProcess, GpuSample, TelemetrySeries } from '../../model/telemetry';
import { smiNumber, smiText } from './nvidiaSmi';

type XmlNode = Record<string, unknown>;
const asArray = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
const get = (node: unknown, ...path: string[]): unknown => {
  let cur: unknown = node;
  for (const p of path) {
    if (!cur || typeof cur !== 'object') return undefined;
    cur = (cur as XmlNode)[p];
  }
  return cur;
};

/** Parses `nvidia-smi -q -x`. */
export function parseNvidiaSmiXml(text: string, fileName: string): TelemetrySeries {
  let doc: XmlNode;
  try {
    doc = new XMLParser({ ignoreAttributes: false, parseTagValue: false, processEntities: false }).parse(
      text,
    ) as XmlNode;
  } catch (e) {
    throw new FormatError(fileName, '', `expected nvidia-smi -q -x XML: ${(e as Error).message}`);
  }
  const log = doc['nvidia_smi_log'] as XmlNode | undefined;
  if (!log || typeof log !== 'object')
    throw new FormatError(fileName, '', 'expected an <nvidia_smi_log> document (nvidia-smi -q -x)');
  const time = typeof log.timestamp === 'string' ? Date.parse(log.timestamp.replace(/\s+/g, ' ')) : NaN;
  const samples: GpuSample[] = [];
  const processes: GpuProcess[] = [];
  asArray(log.gpu as XmlNode | XmlNode[]).forEach((gpu, i) => {
    const minor = smiNumber(gpu.minor_number);
    const s: GpuSample = {
      time: Number.isFinite(time) ? time : undefined,
      index: minor ?? i,
      name: smiText(gpu.product_name),
      uuid: smiText(gpu.uuid),
      utilizationGpu: smiNumber(get(gpu, 'utilization', 'gpu_util')),
      utilizationMemory: smiNumber(get(gpu, 'utilization', 'memory_util')),
      memoryUsedMiB: smiNumber(get(gpu, 'fb_memory_usage', 'used')),
      memoryTotalMiB: smiNumber(get(gpu, 'fb_memory_usage', 'total')),
      temperatureC: smiNumber(get(gpu, 'temperature', 'gpu_temp')),
      powerDrawW:
        smiNumber(get(gpu, 'gpu_power_readings', 'power_draw')) ??
        smiNumber(get(gpu, 'gpu_power_readings', 'instant_power_draw')) ??
        smiNumber(get(gpu, 'gpu_power_readings', 'average_power_draw')) ??
        smiNumber(get(gpu, 'power_readings', 'power_draw')),
      powerLimitW:
        smiNumber(get(gpu, 'gpu_power_readings', 'current_power_limit')) ??
        smiNumber(get(gpu, 'power_readings', 'power_limit')) ??
        smiNumber(get(gpu, 'power_readings', 'enforced_power_limit')),
      smClockMHz: smiNumber(get(gpu, 'clocks', 'sm_clock')),
      memClockMHz: smiNumber(get(gpu, 'clocks', 'mem_clock')),
      fanPct: smiNumber(gpu.fan_speed),
      pstate: smiText(gpu.performance_state),
      mig: smiText(get(gpu, 'mig_mode', 'current_mig')) === 'Enabled' || undefined,
    };
    samples.push(s);
    for (const p of asArray(get(gpu, 'processes', 'process_info') as XmlNode | XmlNode[])) {
      const pid = smiNumber(p.pid);
      if (pid === undefined) continue;
      processes.push({
        gpuUuid: s.uuid,
        gpuIndex: s.index,
        pid,
        name: smiText(p.process_name) ?? '',
        usedMemoryMiB: smiNumber(p.used_memory),
      });
    }
  });
  if (samples.length === 0) throw new FormatError(fileName, '', 'expected at least one <gpu> in the nvidia-smi XML');
  return {
    source: 'nvidia-smi-xml',
    driverVersion: smiText(log.driver_version),
    cudaVersion: smiText(log.cuda_version),
    samples,
    processes,
  };
}
