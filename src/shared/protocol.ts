/**
 * The messages between the extension host and the flame graph webview: one discriminated
 * union each way. Request/response traffic is typed from `ProfileRpc` and matched by id.
 */
import type { ProfileRpc, ProfileSummary } from '../core/analysis/profileSession';
import type { RankRow, TraceViewData } from '../core/analysis/torchView';

export type RpcMethod = keyof ProfileRpc;
export type RpcParams<M extends RpcMethod> = Parameters<ProfileRpc[M]>[0];
export type RpcResult<M extends RpcMethod> = ReturnType<ProfileRpc[M]>;

export type RpcRequest = { [M in RpcMethod]: { type: 'request'; id: number; method: M; params: RpcParams<M> } }[RpcMethod];

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
  | { type: 'openFlameGraph' };

/** Host → webview. */
export type ToWebview =
  | { type: 'init'; summary: ProfileSummary; options: ViewerOptions }
  | { type: 'response'; id: number; ok: true; result: unknown }
  | { type: 'response'; id: number; ok: false; error: string }
  | { type: 'error'; message: string }
  | { type: 'traceInit'; data: TraceViewData; interactive: boolean; ranks?: RankRow[] };

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
