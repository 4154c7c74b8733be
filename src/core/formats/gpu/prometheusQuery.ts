/**
 * GPU metrics of other nodes from an existing Prometheus server's HTTP API (`/api/v1/query`,
 * `/api/v1/query_range`; checked on Prometheus 2.42), under DCGM exporter names
 * (DCGM_FI_DEV_GPU_UTIL, DCGM_FI_DEV_FB_USED/FREE in MiB, DCGM_FI_DEV_GPU_TEMP,
 * DCGM_FI_DEV_POWER_USAGE, DCGM_FI_DEV_FB_RESERVED; node in the `Hostname` label) and flamelens' own
 * (flamelens_gpu_*; node in `hostname`), turned into GpuSamples per node. A malformed answer is
 * a FormatError naming the server and the query. The HTTP client is runners/gpu/prometheusClient.
 */
import { FormatError } from '../formatError';
import type { ClusterGpu } from '../../model/telemetry';

export type PromField =
  | 'utilizationGpu'
  | 'memoryUsedMiB'
  | 'memoryTotalMiB'
  | 'temperatureC'
  | 'powerDrawW'
  | 'memoryFreeMiB'
  | 'memoryReservedMiB';

/** Per field: the series names, and the factor to the field's unit. */
const SOURCES: Record<PromField, { name: string; factor: number }[]> = {
  utilizationGpu: [
    { name: 'DCGM_FI_DEV_GPU_UTIL', factor: 1 },
    { name: 'flamelens_gpu_utilization_percent', factor: 1 },
  ],
  memoryUsedMiB: [
    { name: 'DCGM_FI_DEV_FB_USED', factor: 1 },
    { name: 'flamelens_gpu_memory_used_bytes', factor: 1 / 1048576 },
  ],
  memoryFreeMiB: [{ name: 'DCGM_FI_DEV_FB_FREE', factor: 1 }],
  // Driver-reserved framebuffer (dcgm-exporter 3.x+): nvidia-smi's total is used + free + reserved.
  memoryReservedMiB: [{ name: 'DCGM_FI_DEV_FB_RESERVED', factor: 1 }],
  memoryTotalMiB: [{ name: 'flamelens_gpu_memory_total_bytes', factor: 1 / 1048576 }],
  temperatureC: [
    { name: 'DCGM_FI_DEV_GPU_TEMP', factor: 1 },
    { name: 'flamelens_gpu_temperature_celsius', factor: 1 },
  ],
  powerDrawW: [
    { name: 'DCGM_FI_DEV_POWER_USAGE', factor: 1 },
    { name: 'flamelens_gpu_power_draw_watts', factor: 1 },
  ],
};

export const CLUSTER_FIELDS: Exclude<PromField, 'memoryFreeMiB' | 'memoryReservedMiB'>[] = [
  'utilizationGpu',
  'memoryUsedMiB',
  'memoryTotalMiB',
  'temperatureC',
  'powerDrawW',
];

export interface PromSeries {
  metric: Record<string, string>;
  value?: [number, string];
  values?: [number, string][];
}

/** The series of a Prometheus HTTP API answer (`url` names it in errors). */
export function parsePrometheusAnswer(text: string, url: string): PromSeries[] {
  let doc: { status?: string; error?: string; data?: { resultType?: string; result?: unknown } };
  try {
    doc = JSON.parse(text) as typeof doc;
  } catch {
    throw new FormatError(url, 'offset 0', 'expected a Prometheus API JSON answer');
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc))
    throw new FormatError(url, 'offset 0', 'expected a Prometheus API JSON object');
  if (doc.status !== 'success')
    throw new FormatError(url, 'status', `Prometheus answered ${doc.status ?? 'nothing'}: ${doc.error ?? ''}`.trim());
  if (!Array.isArray(doc.data?.result)) throw new FormatError(url, 'data.result', 'expected a list of series');
  return doc.data.result as PromSeries[];
}

/** Every queryable field, in the order clusterGpus takes their answers. */
export const QUERY_FIELDS = Object.keys(SOURCES) as PromField[];

const nodeOf = (m: Record<string, string>) => m.Hostname ?? m.hostname ?? m.instance ?? '(unknown node)';
const exporterOf = (name: string) => (name.startsWith('DCGM_') ? 'dcgm' : 'flamelens');

export function selector(field: PromField): string {
  return `{__name__=~"${SOURCES[field].map((s) => s.name).join('|')}"}`;
}

export function fieldValue(field: PromField, name: string, raw: string): number | undefined {
  const src = SOURCES[field].find((s) => s.name === name);
  const v = Number(raw);
  return src && Number.isFinite(v) ? v * src.factor : undefined;
}

/** The latest value of every GPU the server knows, per node, from the answers to QUERY_FIELDS' selectors. */
export function clusterGpus(answers: PromSeries[][]): ClusterGpu[] {
  const byKey = new Map<string, ClusterGpu & { memoryFreeMiB?: number; memoryReservedMiB?: number }>();
  QUERY_FIELDS.forEach((field, i) => {
    for (const s of answers[i]) {
      const name = s.metric.__name__ ?? '';
      const v = s.value ? fieldValue(field, name, s.value[1]) : undefined;
      if (v === undefined) continue;
      const node = nodeOf(s.metric);
      const index = Number(s.metric.gpu ?? 0);
      const exporter = exporterOf(name);
      const key = `${node}\u0000${index}\u0000${exporter}`;
      let g = byKey.get(key);
      if (!g) {
        g = {
          node,
          exporter,
          index,
          uuid: s.metric.UUID ?? s.metric.uuid,
          name: s.metric.modelName ?? s.metric.name,
          time: s.value ? s.value[0] * 1000 : undefined,
        };
        byKey.set(key, g);
      }
      (g as unknown as Record<string, number>)[field] = v;
    }
  });
  return [...byKey.values()]
    .map(({ memoryFreeMiB, memoryReservedMiB, ...g }) => ({
      ...g,
      memoryTotalMiB:
        g.memoryTotalMiB ??
        (memoryFreeMiB !== undefined && g.memoryUsedMiB !== undefined
          ? memoryFreeMiB + g.memoryUsedMiB + (memoryReservedMiB ?? 0)
          : undefined),
    }))
    .sort((a, b) => a.node.localeCompare(b.node) || a.index - b.index);
}

/** One field of one node's GPUs from a range query's series: [time ms, value] per GPU index. */
export function clusterRange(field: PromField, node: string, series: PromSeries[]): Map<number, [number, number][]> {
  const out = new Map<number, [number, number][]>();
  for (const s of series) {
    if (nodeOf(s.metric) !== node) continue;
    const index = Number(s.metric.gpu ?? 0);
    const pts = (s.values ?? [])
      .map(([t, v]): [number, number] => [t * 1000, fieldValue(field, s.metric.__name__ ?? '', v) ?? NaN])
      .filter(([, v]) => Number.isFinite(v));
    out.set(index, [...(out.get(index) ?? []), ...pts]);
  }
  return out;
}
