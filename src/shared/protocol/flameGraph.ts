/**
 * The flame graph view (webview/flamegraph): a profile's summary once, then request/response
 * traffic typed from ProfileRpc and matched by id (the view asks for the frames of a zoom, a
 * search, the callers and callees of a function). The standalone HTML report answers the same
 * requests in the page (answerRequest over an in-page ProfileSession).
 */
import type { ProfileRpc, ProfileSummary } from '../../core/analysis/cpu/profileSession';
import { packFlameView } from '../../core/analysis/cpu/flameViewWire';
import type { ErrorMessage, ExportCsv, OpenSource, Ready } from './common';

export const VIEW = 'flamegraph';

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
  /** Whether the host can open the profile in time order (it has the file, which says when each sample was taken). */
  timeOrder?: boolean;
}

export type ToHost =
  | Ready
  | RpcRequest
  | OpenSource
  | ExportCsv
  | { type: 'export'; format: 'collapsed' | 'speedscope' }
  /** Open the profile in time order (speedscope's time order), on the timeline. */
  | { type: 'timeOrder' };

export type ToWebview =
  | { type: 'init'; summary: ProfileSummary; options: ViewerOptions }
  | { type: 'response'; id: number; ok: true; result: unknown }
  | { type: 'response'; id: number; ok: false; error: string }
  /** The sources were read after the first view: ask again, now with the functions' `def` lines. */
  | { type: 'sourcesRead' }
  | ErrorMessage;

/** Answers one request with a session's method; errors become a failed response. */
export function answerRequest(rpc: ProfileRpc, req: RpcRequest): ToWebview {
  try {
    let result: unknown;
    switch (req.method) {
      case 'view':
        // Packed for the wire: the page unpacks it (unpackFlameView) before it draws.
        result = packFlameView(rpc.view(req.params));
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
