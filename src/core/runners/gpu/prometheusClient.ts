/**
 * Asks an existing Prometheus server (`/api/v1/query`, `/api/v1/query_range`) for the GPU metrics
 * of other nodes; the answers are read by formats/gpu/prometheusQuery. An unreachable server is an
 * Error naming it; a malformed answer a FormatError naming the query.
 */
import type { ClusterGpu } from '../../model/telemetry';
import {
  clusterGpus,
  clusterRange,
  parsePrometheusAnswer,
  QUERY_FIELDS,
  selector,
  type CLUSTER_FIELDS,
  type PromSeries,
} from '../../formats/gpu/prometheusQuery';

export type Fetch = (
  url: string,
  init?: { signal?: AbortSignal },
) => Promise<{ ok: boolean; status: number; text(): Promise<string> }>;

async function promApi(base: string, pathAndQuery: string, fetchImpl: Fetch, timeoutMs: number): Promise<PromSeries[]> {
  const url = `${base.replace(/\/+$/, '')}${pathAndQuery}`;
  let text: string;
  try {
    const res = await fetchImpl(url, { signal: AbortSignal.timeout(timeoutMs) });
    text = await res.text();
    if (!res.ok && !text.startsWith('{')) throw new Error(`HTTP ${res.status}`);
  } catch (e) {
    throw new Error(`cannot reach Prometheus at ${base}: ${e instanceof Error ? e.message : String(e)}`);
  }
  return parsePrometheusAnswer(text, url);
}

/** The latest value of every GPU the server knows, per node. */
export async function queryClusterGpus(
  base: string,
  fetchImpl: Fetch = fetch as unknown as Fetch,
  timeoutMs = 10_000,
): Promise<ClusterGpu[]> {
  const answers = await Promise.all(
    QUERY_FIELDS.map((f) =>
      promApi(base, `/api/v1/query?query=${encodeURIComponent(selector(f))}`, fetchImpl, timeoutMs),
    ),
  );
  return clusterGpus(answers);
}

/** One field of one node's GPUs over a time range: [time ms, value] per GPU index. */
export async function queryClusterRange(
  base: string,
  field: (typeof CLUSTER_FIELDS)[number],
  node: string,
  startMs: number,
  endMs: number,
  stepS: number,
  fetchImpl: Fetch = fetch as unknown as Fetch,
  timeoutMs = 10_000,
): Promise<Map<number, [number, number][]>> {
  const q = `/api/v1/query_range?query=${encodeURIComponent(selector(field))}&start=${startMs / 1000}&end=${endMs / 1000}&step=${stepS}`;
  return clusterRange(field, node, await promApi(base, q, fetchImpl, timeoutMs));
}
