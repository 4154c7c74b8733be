// How the flame graph view reaches its data: the extension host (postMessage), or, in the
// standalone HTML report, a ProfileSession in the page answering the same requests.
import {
  HOT_TOP,
  ProfileSession,
  summarizeProfile,
  type FirstView,
  type ViewParams,
} from '../../src/core/analysis/cpu/profileSession';
import type { Profile } from '../../src/core/model/profile';
import { dispatch, type Handlers } from '../../src/shared/protocol/common';
import { answerRequest, type ToHost, type ToWebview } from '../../src/shared/protocol/flameGraph';
import type { VsCodeApi } from '../shared/dom';
import { downloadCsv } from '../shared/table';

export interface Transport {
  post(msg: ToHost): void;
  onMessage(handlers: Handlers<ToWebview>): void;
}

export function vscodeTransport(api: VsCodeApi): Transport {
  return {
    post: (m) => api.postMessage(m),
    onMessage: (h) => window.addEventListener('message', (e: MessageEvent<ToWebview>) => void dispatch(h, e.data)),
  };
}

/** A profile in the standalone report: its first view at once, the profile itself when asked. */
export interface ReportEntry {
  title: string;
  first?: FirstView;
  load(): { profile: Profile; defLines?: ReadonlyMap<string, number> };
}

export function reportTransport(entry: ReportEntry): Transport {
  let session: ProfileSession | undefined;
  const open = (): ProfileSession => {
    if (!session) {
      const { profile, defLines } = entry.load();
      session = new ProfileSession(profile);
      if (defLines) session.setDefinitionLines(defLines);
    }
    return session;
  };
  const tryOpen = (): ProfileSession | Error => {
    try {
      return open();
    } catch (e) {
      return e instanceof Error ? e : new Error(String(e));
    }
  };
  const first = entry.first;
  let handlers: Handlers<ToWebview> | undefined;
  const deliver = (m: ToWebview) => handlers && dispatch(handlers, m);
  const answers: Handlers<ToHost> = {
    ready: () => {
      const s = first ? undefined : tryOpen();
      if (s instanceof Error) return deliver({ type: 'error', message: s.message });
      deliver({
        type: 'init',
        summary: first?.summary ?? summarizeProfile(s!.profile, entry.title),
        options: { openSourceOnClick: false, interactive: false },
      });
    },
    request: (m) => {
      // The first view and the hot functions were computed when the report was written.
      const known = first && precomputed(m, first);
      if (known !== undefined) {
        deliver({ type: 'response', id: m.id, ok: true, result: known });
        // After the first view is drawn, read the profile, so a zoom finds it ready.
        // (A profile that cannot be read says so on the request that needs it.)
        if (m.method === 'view')
          setTimeout(() => requestAnimationFrame(() => setTimeout(() => whenParsed(() => void tryOpen()), 0)), 0);
        return;
      }
      const s = tryOpen();
      deliver(s instanceof Error ? { type: 'response', id: m.id, ok: false, error: s.message } : answerRequest(s, m));
    },
    // The report has no editor to open sources in; a CSV is downloaded.
    openSource: () => undefined,
    export: () => undefined,
    // The report has no timeline of a CPU profile: its button is hidden (options.timeOrder).
    timeOrder: () => undefined,
    exportCsv: (m) => downloadCsv(`${m.name}.csv`, m.csv),
  };
  return {
    // Requests the first view cannot answer wait for the page to have read its data.
    post: (m) =>
      queueMicrotask(() =>
        first && m.type === 'request' && precomputed(m, first) === undefined
          ? whenParsed(() => void dispatch(answers, m))
          : void dispatch(answers, m),
      ),
    onMessage: (h) => {
      handlers = h;
    },
  };
}

/** What the report computed when it was written for this request, if anything. */
function precomputed(m: Extract<ToHost, { type: 'request' }>, first: FirstView): unknown {
  if (m.method === 'view' && isFirst(m.params)) return first.view;
  if (m.method === 'hotFunctions' && m.params.threads.length === 0 && m.params.top === HOT_TOP) return first.hot;
  return undefined;
}

function whenParsed(fn: () => void): void {
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', fn, { once: true });
  else fn();
}

function isFirst(p: ViewParams): boolean {
  return p.focus === 0 && p.threads.length === 0 && !p.reverse && !p.byLine;
}
