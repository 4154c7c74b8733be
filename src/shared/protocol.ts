/**
 * The messages between the extension host and the flame graph webview: one discriminated
 * union each way. Request/response traffic is typed from `ProfileRpc` and matched by id.
 */
import type { ProfileRpc, ProfileSummary } from '../core/analysis/cpu/profileSession';
import type { RankRow, TraceViewData } from '../core/analysis/torch/torchView';
import type { GpuProcess, GpuSample, HostSample } from '../core/model/telemetry';
import type { ClusterGpu } from '../core/model/telemetry';
import type { NsysViewData, NcuViewData, NcuComparisonData } from '../core/analysis/nsight/nsightView';
import type { BenchViewData } from '../core/analysis/bench/benchHistory';
import type { DiffViewData } from '../core/analysis/cpu/profileDiff';

export interface GpuState {
  kind: string;
  message?: string;
}

/** Everything the GPU dashboard shows at a time. */
export interface GpuSnapshot {
  state: GpuState;
  source: string;
  processes: GpuProcess[];
  /** Processes of flamelens' runs (highlighted). */
  ownPids: number[];
  /** Memory growth findings of the active runs, e.g. "GPU memory grows 120 MB/min (R² 0.97)". */
  notes: string[];
}

export type ClusterField = 'utilizationGpu' | 'memoryUsedMiB' | 'temperatureC' | 'powerDrawW';

export type RpcMethod = keyof ProfileRpc;
export type RpcParams<M extends RpcMethod> = Parameters<ProfileRpc[M]>[0];
export type RpcResult<M extends RpcMethod> = ReturnType<ProfileRpc[M]>;

export type RpcRequest = {
  [M in RpcMethod]: { type: 'request'; id: number; method: M; params: RpcParams<M> };
}[RpcMethod];

export interface ViewerOptions {
  /** Clicking a frame also opens its source at the line. */
  openSourceOnClick: boolean;
  /** Whether the host can open files and export (false in the standalone report). */
  interactive: boolean;
}

/** Webview → host. */
export type ToHost =
  | { type: 'ready' }
  | RpcRequest
  | { type: 'openSource'; file: string; line?: number }
  | { type: 'export'; format: 'collapsed' | 'speedscope' }
  | { type: 'exportCsv'; name: string; csv: string }
  | { type: 'openFlameGraph' }
  | { type: 'gpuExport'; format: 'csv' | 'json' }
  | { type: 'clusterRefresh'; node?: string; minutes: number }
  /** Nsight Compute view: pick a second report to compare with (the view's is "after"). */
  | { type: 'ncuCompare' }
  /** Benchmark view: open the benchmarked function or test. */
  | { type: 'openBenchmark'; name: string };

/** Host → webview. */
export type ToWebview =
  | { type: 'init'; summary: ProfileSummary; options: ViewerOptions }
  | { type: 'response'; id: number; ok: true; result: unknown }
  | { type: 'response'; id: number; ok: false; error: string }
  | { type: 'error'; message: string }
  | { type: 'traceInit'; data: TraceViewData; interactive: boolean; ranks?: RankRow[] }
  | {
      type: 'gpuInit';
      intervalMs: number;
      history: { index: number; samples: GpuSample[] }[];
      host: HostSample[];
      snapshot: GpuSnapshot;
    }
  | { type: 'gpuUpdate'; gpus: GpuSample[]; host?: HostSample; snapshot: GpuSnapshot }
  | { type: 'nsysInit'; data: NsysViewData }
  | { type: 'ncuInit'; data: NcuViewData; comparison?: NcuComparisonData }
  | { type: 'benchInit'; data: BenchViewData }
  | { type: 'diffInit'; data: DiffViewData }
  | {
      type: 'clusterData';
      base: string;
      gpus: ClusterGpu[];
      error?: string;
      node?: string;
      history?: Partial<Record<ClusterField, [number, [number, number][]][]>>;
    };

/** Answers one request with a session's method; errors become a failed response. */
export function answerRequest(rpc: ProfileRpc, req: RpcRequest): ToWebview {
  try {
    let result: unknown;
    switch (req.method) {
      case 'view':
        result = rpc.view(req.params);
        break;
      case 'sandwich':
        result = rpc.sandwich(req.params);
        break;
      case 'search':
        result = rpc.search(req.params);
        break;
      case 'hotFunctions':
        result = rpc.hotFunctions(req.params);
        break;
      default: {
        const never: never = req;
        throw new Error(`unknown request ${JSON.stringify(never)}`);
      }
    }
    return { type: 'response', id: req.id, ok: true, result };
  } catch (e) {
    return { type: 'response', id: req.id, ok: false, error: e instanceof Error ? e.message : String(e) };
  }
}
