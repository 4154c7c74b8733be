// How the flame graph view reaches its data: the extension host (postMessage), or, in the
// standalone HTML report, a ProfileSession in the page answering the same requests.
import { ProfileSession, summarizeProfile } from '../../src/core/analysis/cpu/profileSession';
import type { Profile } from '../../src/core/model/profile';
import { dispatch, type Handlers } from '../../src/shared/protocol/common';
import { answerRequest, type ToHost, type ToWebview } from '../../src/shared/protocol/flameGraph';
import type { VsCodeApi } from '../shared/dom';

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

export function reportTransport(
  profiles: { title: string; profile: Profile; defLines?: ReadonlyMap<string, number> }[],
  index: number,
): Transport {
  const session = new ProfileSession(profiles[index].profile);
  const defs = profiles[index].defLines;
  if (defs) session.setDefinitionLines(defs);
  let handlers: Handlers<ToWebview> | undefined;
  const deliver = (m: ToWebview) => handlers && dispatch(handlers, m);
  const answers: Handlers<ToHost> = {
    ready: () =>
      deliver({
        type: 'init',
        summary: summarizeProfile(profiles[index].profile, profiles[index].title),
        options: { openSourceOnClick: false, interactive: false },
      }),
    request: (m) => deliver(answerRequest(session, m)),
    // The report has no editor to open sources in and no file to export to.
    openSource: () => undefined,
    export: () => undefined,
  };
  return {
    post: (m) => queueMicrotask(() => void dispatch(answers, m)),
    onMessage: (h) => {
      handlers = h;
    },
  };
}
